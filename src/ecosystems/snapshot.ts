/**
 * What an ecosystem adapter reads: one tree of the recipe repository (a commit's tree or the
 * working tree), as paths with git blob ids, and a way to read blobs by id.
 */
export interface RepoSnapshot {
  /** The commit sha, or `WORKTREE`. */
  rev: string
  /** Repository-relative path → git blob id (regular files and symlinks only). */
  files: ReadonlyMap<string, string>
  /** Read several blobs at once (one git process). */
  readBlobs(oids: readonly string[]): Promise<Map<string, Buffer>>
}

/** Cache of per-blob analysis results (canonical recipes), persisted between runs. */
export interface BlobCache<T> {
  get(key: string): T | undefined
  set(key: string, value: T): void
}

export class MemoryBlobCache<T> implements BlobCache<T> {
  private readonly map = new Map<string, T>()
  get(key: string): T | undefined {
    return this.map.get(key)
  }
  set(key: string, value: T): void {
    this.map.set(key, value)
  }
}

/** Files below `dir` (a directory prefix without trailing slash; '' = all). */
export function filesUnder(files: ReadonlyMap<string, string>, dir: string): string[] {
  const prefix = dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`
  const out: string[] = []
  for (const p of files.keys()) if (p.startsWith(prefix)) out.push(p)
  return out.sort()
}
