/**
 * The local analysis cache: canonical recipe results keyed by git blob id, kept under a cache
 * directory (persisted between workflow runs with @actions/cache by the action) in 256 shard
 * files, by the first two hex digits of the blob id. A shard is read the first time one of its
 * keys is asked for, and only the shards that gained an entry are written back: a run that reads
 * a few recipes reads and writes a few small files, not the whole repository's analyses. A
 * corrupt or foreign shard is ignored (its keys are misses), never trusted.
 */
import { readFileSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DIGEST_ALGORITHM } from '../core/canonical-encode.js'
import type { BlobCache } from '../ecosystems/snapshot.js'
import { BUILD_ID } from './build-id.js'

const FOLDER = `analyses-${DIGEST_ALGORITHM.replace(/[^A-Za-z0-9]+/g, '-')}-${BUILD_ID}`

/** The shard a key lives in: the two hex digits that start its blob id (`recipe:<oid>`). */
export function shardOf(key: string): string {
  const m = /:([0-9a-f]{2})[0-9a-f]*$/.exec(key)
  if (m) return m[1]!
  // Any other key: a stable two-digit spread of its characters.
  let h = 0
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) & 0xff
  return h.toString(16).padStart(2, '0')
}

export class FileBlobCache<T> implements BlobCache<T> {
  private readonly shards = new Map<string, Map<string, T>>()
  private readonly dirty = new Set<string>()

  private constructor(private readonly dir: string | undefined) {}

  /** The cache in `dir` (undefined: in memory only). Nothing is read until a key is asked for. */
  static async open<T>(dir: string | undefined): Promise<FileBlobCache<T>> {
    return Promise.resolve(new FileBlobCache<T>(dir))
  }

  /** Entries read or added so far. */
  get size(): number {
    let n = 0
    for (const s of this.shards.values()) n += s.size
    return n
  }

  get(key: string): T | undefined {
    return this.shard(shardOf(key)).get(key)
  }

  set(key: string, value: T): void {
    const name = shardOf(key)
    this.shard(name).set(key, value)
    this.dirty.add(name)
  }

  /** Write every shard that gained an entry, each atomically (a reader sees old or new, whole). */
  async save(): Promise<void> {
    if (!this.dir || this.dirty.size === 0) return
    const folder = join(this.dir, FOLDER)
    await mkdir(folder, { recursive: true })
    for (const name of [...this.dirty].sort()) {
      const entries = Object.fromEntries(this.shards.get(name)!)
      const file = join(folder, `${name}.json`)
      const tmp = `${file}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify({ algorithm: DIGEST_ALGORITHM, entries }))
      await rename(tmp, file)
    }
    this.dirty.clear()
    await removeForeign(this.dir)
  }

  private shard(name: string): Map<string, T> {
    let entries = this.shards.get(name)
    if (entries) return entries
    entries = new Map()
    if (this.dir) {
      try {
        const text = readFileSync(join(this.dir, FOLDER, `${name}.json`), 'utf8')
        const data = JSON.parse(text) as { algorithm?: string; entries?: Record<string, T> }
        if (data.algorithm === DIGEST_ALGORITHM && data.entries && typeof data.entries === 'object')
          for (const [k, v] of Object.entries(data.entries)) entries.set(k, v)
      } catch {
        // missing or unreadable: its keys are misses
      }
    }
    this.shards.set(name, entries)
    return entries
  }
}

/**
 * Analyses written by another build or digest algorithm are never read again (their keys differ):
 * removed, so a cache carried from run to run does not keep every older version's files.
 */
async function removeForeign(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[]))
    if (name !== FOLDER && /^(?:analyses-[\w-]+|recipes-[\w-]+\.json)$/.test(name))
      await rm(join(dir, name), { recursive: true, force: true })
}
