import type { RepoSnapshot } from '../ecosystems/snapshot.js'
import type { Git } from '../git/index.js'

/** A commit's tree (or the working tree) as paths with blob ids, read through git. */
export async function readSnapshot(git: Git, rev: string): Promise<RepoSnapshot> {
  const entries = await git.lsTree(rev)
  const files = new Map<string, string>()
  for (const e of entries) if (e.type === 'blob') files.set(e.path, e.oid)
  return { rev, files, readBlobs: (oids) => git.readBlobs(oids) }
}
