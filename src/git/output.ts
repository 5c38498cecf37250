/**
 * Pure parsers for git's machine output (`-z` NUL-separated lists and the `cat-file --batch`
 * framing) and the values they yield. No process, no file system: tests feed them bytes.
 *
 * Paths come out exactly as git stores them (no C-quoting under `-z`): a name may hold a tab, a
 * quote, a newline, spaces or any UTF-8. Object ids are 40 hex (SHA-1) or 64 hex (SHA-256).
 */

/** A full object id: 40 hex digits (SHA-1 repositories) or 64 (SHA-256 repositories). */
export type ObjectId = string

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

export function isObjectId(value: string): boolean {
  return OBJECT_ID.test(value)
}

/** A full object id made only of zeros (GitHub's "no commit" in push events). */
export function isZeroObjectId(value: string): boolean {
  return isObjectId(value) && /^0+$/.test(value)
}

/**
 * One changed path between two trees. `A` added, `M` modified, `D` deleted, `T` type changed
 * (file ↔ symlink ↔ submodule), `R` renamed and `C` copied (both with `oldPath` and a
 * `similarity` percentage), `U` unmerged, `X` unknown.
 */
export type ChangeStatus = 'A' | 'C' | 'D' | 'M' | 'R' | 'T' | 'U' | 'X'

export interface ChangedFile {
  status: ChangeStatus
  /** The path after the change (for `D`, the deleted path). */
  path: string
  /** The path before a rename or copy. */
  oldPath?: string
  /** For `R`/`C`: how similar the two files are, 0–100. */
  similarity?: number
}

export type TreeEntryType = 'blob' | 'commit' | 'tree'

export interface TreeEntry {
  /** Path from the repository root, `/`-separated. */
  path: string
  /** Octal mode as git prints it: `100644`, `100755`, `120000` (symlink), `160000` (submodule). */
  mode: string
  /** `blob` (file or symlink), `commit` (submodule), `tree` (only without `-r`). */
  type: TreeEntryType
  oid: ObjectId
}

/** Split a `-z` stream into its fields; the trailing terminator (if any) yields no empty field. */
export function splitNul(output: string): string[] {
  if (output === '') return []
  const fields = output.split('\0')
  if (fields[fields.length - 1] === '') fields.pop()
  return fields
}

/**
 * Parse `git diff --name-status -z [-M]` (or `git diff-tree -r -z --name-status`): a status
 * field (`M`, `R087`, …) followed by one path, or two (old, new) for renames and copies.
 */
export function parseNameStatusZ(output: string): ChangedFile[] {
  const fields = splitNul(output)
  const changes: ChangedFile[] = []
  let i = 0
  while (i < fields.length) {
    const code = fields[i++] as string
    const status = code.charAt(0) as ChangeStatus
    if (!/^[ACDMRTUX]$/.test(status)) {
      throw new Error(
        `parseNameStatusZ: unexpected status ${JSON.stringify(code)} at field ${i - 1}`,
      )
    }
    if (status === 'R' || status === 'C') {
      const oldPath = fields[i++]
      const path = fields[i++]
      if (oldPath === undefined || path === undefined) {
        throw new Error(`parseNameStatusZ: ${status} record without two paths at field ${i}`)
      }
      const similarity = code.length > 1 ? Number.parseInt(code.slice(1), 10) : undefined
      changes.push(
        similarity === undefined || Number.isNaN(similarity)
          ? { status, path, oldPath }
          : { status, path, oldPath, similarity },
      )
    } else {
      const path = fields[i++]
      if (path === undefined) throw new Error(`parseNameStatusZ: ${status} record without a path`)
      changes.push({ status, path })
    }
  }
  return changes
}

/** Parse `git ls-tree -z [-r] [--full-tree]`: `<mode> SP <type> SP <oid> TAB <path> NUL`. */
export function parseLsTreeZ(output: string): TreeEntry[] {
  return splitNul(output).map((record) => {
    const tab = record.indexOf('\t')
    const meta = tab < 0 ? [] : record.slice(0, tab).split(' ')
    const [mode, type, oid] = meta
    if (
      meta.length !== 3 ||
      mode === undefined ||
      !/^[0-7]{6}$/.test(mode) ||
      (type !== 'blob' && type !== 'commit' && type !== 'tree') ||
      oid === undefined ||
      !isObjectId(oid)
    ) {
      throw new Error(`parseLsTreeZ: malformed record ${JSON.stringify(record)}`)
    }
    return { path: record.slice(tab + 1), mode, type, oid }
  })
}

/** One record of `git ls-files -s -z` (`<mode> SP <oid> SP <stage> TAB <path> NUL`). */
export interface IndexEntry {
  path: string
  mode: string
  oid: ObjectId
  /** 0 normally; 1–3 for the sides of an unmerged path. */
  stage: number
}

export function parseLsFilesStageZ(output: string): IndexEntry[] {
  return splitNul(output).map((record) => {
    const tab = record.indexOf('\t')
    const meta = tab < 0 ? [] : record.slice(0, tab).split(' ')
    const [mode, oid, stage] = meta
    if (
      meta.length !== 3 ||
      mode === undefined ||
      !/^[0-7]{6}$/.test(mode) ||
      oid === undefined ||
      !isObjectId(oid) ||
      stage === undefined ||
      !/^[0-3]$/.test(stage)
    ) {
      throw new Error(`parseLsFilesStageZ: malformed record ${JSON.stringify(record)}`)
    }
    return { path: record.slice(tab + 1), mode, oid, stage: Number(stage) }
  })
}

/** What `git cat-file --batch` says about one requested object. */
export type CatFileRecord =
  { oid: string; type: string; size: number; content: Buffer } | { oid: string; missing: true }

const NEWLINE = 0x0a

/**
 * Incremental parser for `git cat-file --batch` output. The framing is
 * `<oid> SP <type> SP <size> LF <size bytes> LF` per object, or `<name> SP missing LF`
 * (also `ambiguous`). Content is binary: it is sliced from Buffers, never decoded, and a
 * record may span any number of chunks. Feed chunks with `push`, call `end` at EOF.
 */
export class CatFileBatchParser {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Header of the object whose content is being read. */
  private pending: { oid: string; type: string; size: number } | undefined

  push(chunk: Buffer): CatFileRecord[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    const records: CatFileRecord[] = []
    for (;;) {
      if (this.pending === undefined) {
        const header = this.takeLine()
        if (header === undefined) break
        const parts = header.split(' ')
        if (parts.length === 2 && (parts[1] === 'missing' || parts[1] === 'ambiguous')) {
          records.push({ oid: parts[0] as string, missing: true })
          continue
        }
        const [oid, type, sizeText] = parts
        if (
          parts.length !== 3 ||
          oid === undefined ||
          type === undefined ||
          !/^\d+$/.test(sizeText ?? '')
        ) {
          throw new Error(`CatFileBatchParser: malformed header ${JSON.stringify(header)}`)
        }
        this.pending = { oid, type, size: Number(sizeText) }
      }
      const { oid, type, size } = this.pending
      if (this.buffered < size + 1) break
      const content = this.take(size)
      const terminator = this.take(1)
      if (terminator[0] !== NEWLINE) {
        throw new Error(`CatFileBatchParser: object ${oid} is not followed by a newline`)
      }
      this.pending = undefined
      records.push({ oid, type, size, content })
    }
    return records
  }

  /** Assert the stream ended on a record boundary. */
  end(): void {
    if (this.pending !== undefined || this.buffered > 0) {
      const what = this.pending ? `object ${this.pending.oid}` : 'a header'
      throw new Error(`CatFileBatchParser: output ended in the middle of ${what}`)
    }
  }

  /** Remove and decode one header line (without LF), or undefined if no full line is buffered. */
  private takeLine(): string | undefined {
    let offset = 0
    for (const chunk of this.chunks) {
      const at = chunk.indexOf(NEWLINE)
      if (at >= 0) {
        const line = this.take(offset + at)
        this.take(1)
        return line.toString('utf8')
      }
      offset += chunk.length
    }
    return undefined
  }

  /** Remove and return the first `n` buffered bytes (n ≤ buffered). Copies only across chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0]
    if (n === 0) return Buffer.alloc(0)
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0] as Buffer
      const want = n - filled
      if (chunk.length <= want) {
        chunk.copy(out, filled)
        filled += chunk.length
        this.chunks.shift()
      } else {
        chunk.copy(out, filled, 0, want)
        filled += want
        this.chunks[0] = chunk.subarray(want)
      }
    }
    this.buffered -= n
    return out
  }
}
