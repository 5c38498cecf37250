/**
 * A mirror in a local directory (`file://`). Layout in `layout.ts`. Every write is atomic (temp
 * file + rename, `atomic-file.ts`) and ordered binary → history copy → entry → (later,
 * `writeIndex`) index, so a crash leaves at worst an unreferenced binary (or a history copy of an
 * entry whose binary is in place), never an entry pointing at nothing; a killed writer's temp
 * files are ignored by readers and removed by `index` once stale. Parallel build jobs write
 * different entry files and never the index; two jobs recording the same spec from different
 * digests at once both land in the history, and the last rename is the current entry.
 */
import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { singleLine, UserError } from '../core/errors.js'
import { validateEntry, type MirrorEntry } from './entry.js'
import { MAX_ENTRY_BYTES, MAX_INDEX_BYTES, readTextAtMost, tooLarge } from './limits.js'
import { storeContentAddressed, writeFileAtomic } from './atomic-file.js'
import { checkRecordInput, computeEntry } from './record-check.js'
import { claimDigest, readLiveClaims, releaseDigest } from './file-claims.js'
import {
  ARTIFACTS_DIR,
  artifactPath,
  CLAIMS_DIR,
  computeEntryName,
  ENTRIES_DIR,
  entryPath,
  HISTORY_DIR,
  historyPath,
  INDEX_FILE,
  isTempName,
} from './layout.js'
import type { Mirror, MirrorOptions, RecordInput, WriteIndexOptions } from './mirror.js'
import {
  computeIndex,
  parseIndex,
  serializeCanonical,
  serializeIndex,
  type MirrorIndex,
} from './mirror-index.js'
import { compareNewestFirst, computeView, type ViewRequest } from './mirror-view.js'

export interface FileMirror extends Mirror {
  /** The mirror's absolute directory. */
  readonly dir: string
}

/** How many entry files are read at once by `readEntries`. */
const READ_CONCURRENCY = 32

export function openFileMirror(dir: string, options: MirrorOptions = {}): FileMirror {
  const warn = options.onWarning ?? (() => {})
  const indexFile = join(dir, INDEX_FILE)

  async function readIndexText(): Promise<string | undefined> {
    let text: string | { size: number }
    try {
      text = await readTextAtMost(indexFile, MAX_INDEX_BYTES)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new UserError(
        'mirror',
        indexFile,
        `cannot read the index (${(error as Error).message})`,
      )
    }
    if (typeof text !== 'string')
      throw new UserError(
        'mirror',
        indexFile,
        `index ${tooLarge(text.size, MAX_INDEX_BYTES, 'an index')}; run \`binary-check index\` to rebuild it from entries`,
      )
    return text
  }

  /** Read one entry file; the reason when it is unusable. */
  async function readEntryFile(
    relative: string,
  ): Promise<{ entry: MirrorEntry } | { error: string } | undefined> {
    let text: string | { size: number }
    try {
      text = await readTextAtMost(join(dir, relative), MAX_ENTRY_BYTES)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      return { error: `unreadable (${singleLine((error as Error).message)})` }
    }
    if (typeof text !== 'string') return { error: tooLarge(text.size, MAX_ENTRY_BYTES, 'an entry') }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return { error: `not valid JSON (${singleLine((error as Error).message)})` }
    }
    return validateEntry(value)
  }

  async function artifactPresent(entry: MirrorEntry): Promise<boolean> {
    const info = await stat(join(dir, entry.artifact.path)).catch(() => undefined)
    return info !== undefined && info.isFile() && info.size === entry.artifact.size
  }

  async function tryReadEntry(specId: string): Promise<MirrorEntry | undefined> {
    const result = await readEntryFile(entryPath(specId))
    return result !== undefined && 'entry' in result && result.entry.spec === specId
      ? result.entry
      : undefined
  }

  /** The current entry and the history of a spec, one per digest (the newest), newest first. */
  async function readHistory(specId: string): Promise<MirrorEntry[]> {
    const found: MirrorEntry[] = []
    const current = await tryReadEntry(specId)
    if (current) found.push(current)
    const folder = `${HISTORY_DIR}/${computeEntryName(specId)}`
    let names: string[]
    try {
      names = await readdir(join(dir, folder))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      names = []
    }
    for (const name of names.filter((n) => !isTempName(n)).sort()) {
      const result = await readEntryFile(`${folder}/${name}`)
      if (result === undefined) continue
      const why =
        'error' in result
          ? result.error
          : result.entry.spec !== specId
            ? `holds spec ${JSON.stringify(result.entry.spec)}, not ${JSON.stringify(specId)}`
            : `${folder}/${name}` !== historyPath(specId, result.entry.digest)
              ? `holds digest ${result.entry.digest}, whose file is ${historyPath(specId, result.entry.digest)}`
              : undefined
      if (why !== undefined) warn(`${join(dir, folder, name)}: skipped: ${why}`)
      else if ('entry' in result) found.push(result.entry)
    }
    const newest = new Map<string, MirrorEntry>()
    for (const entry of found.sort(compareNewestFirst))
      if (!newest.has(entry.digest)) newest.set(entry.digest, entry)
    return [...newest.values()]
  }

  /** For each spec of the view: the recorded entries that can serve it (artifact in place). */
  async function viewCandidates(
    index: MirrorIndex,
    request: ViewRequest,
  ): Promise<Map<string, MirrorEntry[]>> {
    const out = new Map<string, MirrorEntry[]>()
    const needHistory: string[] = []
    for (const { id, digest } of request.specs) {
      const current = index.entries[id]
      // readEntries checked the current entry's artifact; the newest record of a digest is current.
      if (current?.digest === digest) out.set(id, [current])
      else needHistory.push(id)
    }
    for (let i = 0; i < needHistory.length; i += READ_CONCURRENCY) {
      await Promise.all(
        needHistory.slice(i, i + READ_CONCURRENCY).map(async (id) => {
          const usable: MirrorEntry[] = []
          for (const entry of await readHistory(id))
            if (await artifactPresent(entry)) usable.push(entry)
          out.set(id, usable)
        }),
      )
    }
    return out
  }

  async function readEntries(): Promise<MirrorIndex> {
    let names: string[]
    try {
      names = await readdir(join(dir, ENTRIES_DIR))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      names = []
    }
    const files = names.filter((name) => !isTempName(name)).sort()
    const entries: MirrorEntry[] = []
    for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
      const batch = files.slice(i, i + READ_CONCURRENCY)
      // Warnings in file-name order, whatever order the reads finish in.
      for (const result of await Promise.all(batch.map((name) => checkEntryFile(name)))) {
        if (typeof result === 'string') warn(result)
        else if (result !== undefined) entries.push(result)
      }
    }
    return computeIndex(entries)
  }

  /** A usable entry from `entries/<name>`, a warning saying why it is not, or undefined (gone). */
  async function checkEntryFile(name: string): Promise<MirrorEntry | string | undefined> {
    const relative = `${ENTRIES_DIR}/${name}`
    const skipped = (why: string): string => `${join(dir, relative)}: skipped: ${why}`
    if (!name.endsWith('.json')) return skipped('not an entry file (expected <name>.json)')
    const result = await readEntryFile(relative)
    if (result === undefined) return undefined // removed meanwhile
    if ('error' in result) return skipped(result.error)
    const { entry } = result
    const expected = `${computeEntryName(entry.spec)}.json`
    if (name !== expected)
      return skipped(`holds spec ${JSON.stringify(entry.spec)}, whose entry file is ${expected}`)
    if (!(await artifactPresent(entry))) {
      return skipped(`artifact ${entry.artifact.path} is missing or has the wrong size`)
    }
    return entry
  }

  return {
    dir,
    url: pathToFileURL(dir).href,

    async tryReadIndex() {
      const text = await readIndexText()
      return text === undefined ? undefined : parseIndex(text, indexFile)
    },

    tryReadEntry,

    async record(input: RecordInput): Promise<MirrorEntry> {
      const { entry: fields, artifactPath: source } = input
      checkRecordInput(input)

      const target = entryPath(fields.spec)
      const previous = await readEntryFile(target)
      const existing = previous !== undefined && 'entry' in previous ? previous.entry : undefined
      if (existing !== undefined && existing.spec !== fields.spec) {
        throw new Error(
          `record: entry file ${target} holds ${JSON.stringify(existing.spec)}, not ${JSON.stringify(fields.spec)}`,
        )
      }
      // Same spec, same digest, binary in place: nothing to do (the first builtAt stands).
      if (existing?.digest === fields.digest && (await artifactPresent(existing))) return existing

      // 1. the binary
      let stored
      try {
        stored = await storeContentAddressed(source, join(dir, ARTIFACTS_DIR))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT')
          throw new UserError(
            'input',
            source,
            'artifact not found (expected the built binary file)',
          )
        if (code === 'EISDIR')
          throw new UserError('input', source, 'is a directory (expected the built binary file)')
        throw error
      }
      const entry = computeEntry(input, {
        path: artifactPath(stored.sha256),
        sha256: stored.sha256,
        size: stored.size,
      })

      // 2. the history: the previous entry's copy when a build from another digest replaces it
      // (entries recorded before the history held every entry), then this entry's own copy, so
      // a concurrent record of the same spec that wins the entry file cannot make it vanish.
      if (existing !== undefined && existing.digest !== entry.digest) {
        await writeFileAtomic(
          join(dir, historyPath(existing.spec, existing.digest)),
          serializeCanonical(existing),
        )
      }
      await writeFileAtomic(
        join(dir, historyPath(entry.spec, entry.digest)),
        serializeCanonical(entry),
      )
      // 3. the entry
      await writeFileAtomic(join(dir, target), serializeCanonical(entry))
      return entry
    },

    readHistory,

    readEntries,

    async writeIndex(options: WriteIndexOptions = {}) {
      let index = await readEntries()
      if (options.view !== undefined) {
        const candidates = await viewCandidates(index, options.view)
        const view = computeView(options.view, (id) => candidates.get(id) ?? [])
        index = computeIndex(Object.values(index.entries), view)
      }
      await writeFileAtomic(indexFile, serializeIndex(index))
      return index
    },

    claim: (input) => claimDigest(dir, input),

    release: (input) => releaseDigest(dir, input),

    tryReadClaims: (now) => readLiveClaims(dir, now, warn),

    async removeStaleTempFiles(olderThan: Date) {
      const folders = ['.', ENTRIES_DIR, ARTIFACTS_DIR, CLAIMS_DIR]
      try {
        for (const d of await readdir(join(dir, HISTORY_DIR), { withFileTypes: true }))
          if (d.isDirectory()) folders.push(`${HISTORY_DIR}/${d.name}`)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      const removed: string[] = []
      for (const folder of folders) {
        let names: string[]
        try {
          names = await readdir(join(dir, folder))
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
          throw error
        }
        for (const name of names.filter(isTempName)) {
          const path = join(dir, folder, name)
          const info = await stat(path).catch(() => undefined)
          if (info === undefined || !info.isFile() || info.mtimeMs >= olderThan.getTime()) continue
          await rm(path, { force: true })
          removed.push(folder === '.' ? name : `${folder}/${name}`)
        }
      }
      return removed.sort()
    },
  }
}
