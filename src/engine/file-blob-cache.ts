/**
 * The local analysis cache: canonical recipe results keyed by git blob id, kept in one JSON file
 * per digest algorithm under a cache directory (persisted between workflow runs with
 * @actions/cache by the action). A corrupt or foreign cache file is ignored, never trusted.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DIGEST_ALGORITHM } from '../core/canonical-encode.js'
import type { BlobCache } from '../ecosystems/snapshot.js'
import { BUILD_ID } from './build-id.js'

const FILE = `recipes-${DIGEST_ALGORITHM.replace(/[^A-Za-z0-9]+/g, '-')}-${BUILD_ID}.json`

export class FileBlobCache<T> implements BlobCache<T> {
  private readonly map: Map<string, T>
  private dirty = false

  private constructor(
    private readonly dir: string | undefined,
    entries: Map<string, T>,
  ) {
    this.map = entries
  }

  /** Open the cache in `dir` (undefined: in memory only). */
  static async open<T>(dir: string | undefined): Promise<FileBlobCache<T>> {
    const entries = new Map<string, T>()
    if (dir) {
      try {
        const data = JSON.parse(await readFile(join(dir, FILE), 'utf8')) as {
          algorithm?: string
          entries?: Record<string, T>
        }
        if (data.algorithm === DIGEST_ALGORITHM && data.entries)
          for (const [k, v] of Object.entries(data.entries)) entries.set(k, v)
      } catch {
        // missing or unreadable: start empty
      }
    }
    return new FileBlobCache(dir, entries)
  }

  get size(): number {
    return this.map.size
  }

  get(key: string): T | undefined {
    return this.map.get(key)
  }

  set(key: string, value: T): void {
    this.map.set(key, value)
    this.dirty = true
  }

  /** Keep only `keep` keys (what this run used) and write atomically. */
  async save(keep?: ReadonlySet<string>): Promise<void> {
    if (!this.dir || !this.dirty) return
    await mkdir(this.dir, { recursive: true })
    const entries: Record<string, T> = {}
    for (const [k, v] of this.map) if (!keep || keep.has(k)) entries[k] = v
    const tmp = join(this.dir, `${FILE}.${process.pid}.tmp`)
    await writeFile(tmp, JSON.stringify({ algorithm: DIGEST_ALGORITHM, entries }))
    await rename(tmp, join(this.dir, FILE))
  }
}
