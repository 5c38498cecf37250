/**
 * The `Git` interface binary-check needs from a repository, and its factory. Every command is an
 * argv array run through one runner (`runner.ts`) with a fixed environment; machine output is
 * read with `-z` and parsed by the pure functions in `output.ts`.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { UserError } from '../core/errors.js'
import { compareCodeUnits } from '../core/canonical-encode.js'
import { readBlobsBatch } from './cat-file.js'
import {
  parseLsTreeZ,
  parseNameStatusZ,
  type ChangedFile,
  type ObjectId,
  type TreeEntry,
} from './output.js'
import { createRunner, type GitRunner } from './runner.js'

/** Stands for the working tree (tracked changes, staged or not, and untracked non-ignored files). */
export const WORKTREE = 'WORKTREE'
export type Worktree = typeof WORKTREE

/** Oldest git we accept: `--end-of-options` (2.24) on every command that takes a revision. */
const MINIMUM_GIT_VERSION: readonly [number, number] = [2, 25]

export interface FetchOptions {
  /** Remote to fetch from; default `origin`. */
  remote?: string
  /** `--depth=N` for the fetched refs. */
  depth?: number
}

export interface Git {
  /** The directory the repository was opened at (absolute). */
  readonly dir: string
  /**
   * The full commit id of `rev`. Throws `UserError('git', '<label> <rev>', 'not a commit in <dir>')`
   * when it names no commit; `label` defaults to `--base`.
   */
  revParse(rev: string, label?: string): Promise<ObjectId>
  /** The full commit id of `rev`, or undefined when it names no commit (here). */
  tryRevParse(rev: string): Promise<ObjectId | undefined>
  /** The best common ancestor of two commits, or null when they share no history (here). */
  mergeBase(a: string, b: string): Promise<ObjectId | null>
  isShallow(): Promise<boolean>
  /** `git fetch --deepen=<by> --no-tags <remote>`: extend a shallow history by `by` commits. */
  deepen(by: number, options?: { remote?: string }): Promise<void>
  /** `git fetch --no-tags [--depth=N] <remote> <ref>` (a ref name or, where the server allows it, a sha). */
  fetchRef(ref: string, options?: FetchOptions): Promise<void>
  /** Names of the configured remotes. */
  remotes(): Promise<string[]>
  /**
   * Paths that differ between two commits (or a commit and the working tree), with renames
   * detected (`-M`): a rename is one `R` record carrying both `path` and `oldPath`.
   */
  changedFiles(base: string, head: string | Worktree): Promise<ChangedFile[]>
  /**
   * Every file (blob or submodule) in the tree of `rev`, recursively, paths from the root; only
   * those at or under `paths` when given. For `WORKTREE`, the tree the working directory would
   * commit (`git add -A` into a throwaway index): blob ids of modified and untracked files are
   * computed and their objects written, so `readBlobs` can read them.
   */
  lsTree(rev: string | Worktree, paths?: readonly string[]): Promise<TreeEntry[]>
  /** Contents of many blobs by id, read through one `git cat-file --batch` process. */
  readBlobs(oids: readonly string[]): Promise<Map<ObjectId, Buffer>>
  /**
   * The distinct blob ids `path` had in the last `limit` commits of `rev` that changed it, newest
   * first (as far as a shallow clone's history reaches).
   */
  pathVersions(rev: string, path: string, limit: number): Promise<ObjectId[]>
}

export async function createGit(dir: string): Promise<Git> {
  const absolute = resolve(dir)
  const runner = createRunner(absolute)
  await checkRepository(runner)
  return new CommandGit(runner)
}

async function checkRepository(runner: GitRunner): Promise<void> {
  let version: string
  try {
    version = await runner.raw(['version'])
  } catch (error) {
    throw new UserError('environment', 'git', `cannot run git: ${(error as Error).message}`)
  }
  const match = /(\d+)\.(\d+)/.exec(version)
  const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)]
  const [wantMajor, wantMinor] = MINIMUM_GIT_VERSION
  if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
    throw new UserError(
      'environment',
      'git',
      `${version.trim()} is too old: expected git ${wantMajor}.${wantMinor} or newer`,
    )
  }
  try {
    await runner.raw(['rev-parse', '--git-dir'])
  } catch {
    throw new UserError(
      'git',
      runner.dir,
      'not a git repository (expected a checkout of the recipe repository)',
    )
  }
}

/** A revision we pass to git: never empty, never something git could read as an option. */
function isSafeRev(rev: string): boolean {
  return rev.length > 0 && !rev.startsWith('-') && !/[\0\n]/.test(rev)
}

const PATH_CHUNK_BYTES = 64 * 1024

class CommandGit implements Git {
  readonly dir: string
  private readonly runner: GitRunner

  constructor(runner: GitRunner) {
    this.runner = runner
    this.dir = runner.dir
  }

  async revParse(rev: string, label = '--base'): Promise<ObjectId> {
    const oid = await this.tryRevParse(rev)
    if (oid === undefined)
      throw new UserError('git', `${label} ${rev}`, `not a commit in ${this.dir}`)
    return oid
  }

  async tryRevParse(rev: string): Promise<ObjectId | undefined> {
    if (!isSafeRev(rev)) return undefined
    const out = await this.runner.raw([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${rev}^{commit}`,
    ])
    const oid = out.trim()
    return oid === '' ? undefined : oid
  }

  async mergeBase(a: string, b: string): Promise<ObjectId | null> {
    for (const rev of [a, b])
      if (!isSafeRev(rev)) throw new Error(`mergeBase: unsafe revision ${JSON.stringify(rev)}`)
    // Exit 1 without output means "no common ancestor"; a missing commit fails with stderr.
    const out = await this.runner.raw(['merge-base', '--end-of-options', a, b])
    const oid = out.trim()
    return oid === '' ? null : oid
  }

  async isShallow(): Promise<boolean> {
    return (await this.runner.raw(['rev-parse', '--is-shallow-repository'])).trim() === 'true'
  }

  async deepen(by: number, options: { remote?: string } = {}): Promise<void> {
    if (!Number.isSafeInteger(by) || by < 1)
      throw new Error(`deepen: expected a positive integer, got ${by}`)
    const remote = options.remote ?? 'origin'
    if (!isSafeRev(remote)) throw new Error(`deepen: unsafe remote name ${JSON.stringify(remote)}`)
    await this.runner.raw(['fetch', '--quiet', '--no-tags', `--deepen=${by}`, remote])
  }

  async fetchRef(ref: string, options: FetchOptions = {}): Promise<void> {
    const remote = options.remote ?? 'origin'
    if (!isSafeRev(remote) || !isSafeRev(ref))
      throw new Error(`fetchRef: unsafe argument ${JSON.stringify([remote, ref])}`)
    const depth = options.depth === undefined ? [] : [`--depth=${options.depth}`]
    await this.runner.raw(['fetch', '--quiet', '--no-tags', ...depth, remote, ref])
  }

  async pathVersions(rev: string, path: string, limit: number): Promise<ObjectId[]> {
    if (!isSafeRev(rev)) throw new Error(`pathVersions: unsafe revision ${JSON.stringify(rev)}`)
    const out = await this.runner.raw([
      'log',
      '--raw',
      '--no-abbrev',
      '--no-renames',
      '--format=',
      `-n${Math.max(1, Math.floor(limit))}`,
      '--end-of-options',
      rev,
      '--',
      path,
    ])
    const seen = new Set<string>()
    for (const line of out.split('\n')) {
      // :100644 100644 <old> <new> M\t<path>
      const m = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) /.exec(line)
      if (m && !/^0+$/.test(m[1]!)) seen.add(m[1]!)
    }
    return [...seen]
  }

  async remotes(): Promise<string[]> {
    return (await this.runner.raw(['remote'])).split('\n').filter((name) => name !== '')
  }

  async changedFiles(base: string, head: string | Worktree): Promise<ChangedFile[]> {
    const headTree = head === WORKTREE ? await this.worktreeTree() : head
    for (const rev of [base, headTree]) {
      if (!isSafeRev(rev)) throw new UserError('git', `rev ${rev}`, `not a commit in ${this.dir}`)
    }
    // Plumbing, so user configuration (diff.relative, diff.renames, colours) cannot change it.
    const out = await this.runner.raw([
      'diff-tree',
      '-r',
      '-z',
      '--name-status',
      '-M',
      '--no-commit-id',
      '--end-of-options',
      base,
      headTree,
    ])
    return parseNameStatusZ(out)
  }

  async lsTree(rev: string | Worktree, paths?: readonly string[]): Promise<TreeEntry[]> {
    const treeish = rev === WORKTREE ? await this.worktreeTree() : rev
    if (!isSafeRev(treeish))
      throw new UserError('git', `rev ${treeish}`, `not a commit in ${this.dir}`)
    // ls-tree has no `--`: after the tree-ish every argument is a path, even one starting with `-`.
    const base = [
      '--literal-pathspecs',
      'ls-tree',
      '-r',
      '-z',
      '--full-tree',
      '--end-of-options',
      treeish,
    ]
    if (paths === undefined) return parseLsTreeZ(await this.runner.raw(base))
    if (paths.length === 0) return []
    const byPath = new Map<string, TreeEntry>()
    for (const chunk of chunkPaths(paths)) {
      for (const entry of parseLsTreeZ(await this.runner.raw([...base, ...chunk])))
        byPath.set(entry.path, entry)
    }
    return [...byPath.values()].sort((a, b) => compareCodeUnits(a.path, b.path))
  }

  readBlobs(oids: readonly string[]): Promise<Map<ObjectId, Buffer>> {
    return readBlobsBatch(this.runner, oids)
  }

  /**
   * The tree id of what `git add -A` would stage, built in a copy of the index so the user's
   * index is untouched. The copy keeps stat data, so only modified files are hashed.
   */
  private async worktreeTree(): Promise<ObjectId> {
    const indexPath = resolve(
      this.dir,
      (await this.runner.raw(['rev-parse', '--git-path', 'index'])).trim(),
    )
    const scratch = await mkdtemp(join(tmpdir(), 'binary-check-index-'))
    const env = { GIT_INDEX_FILE: join(scratch, 'index') }
    try {
      try {
        await copyFile(indexPath, env.GIT_INDEX_FILE)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      if ((await this.runner.raw(['rev-parse', '--is-bare-repository'])).trim() === 'true')
        throw new UserError(
          'git',
          this.dir,
          'has no working tree (a bare repository cannot be compared as WORKTREE)',
        )
      // Without a pathspec, `add --all` covers the whole tree wherever it runs.
      await this.runner.raw(['-c', 'advice.addEmbeddedRepo=false', 'add', '--all'], env)
      return (await this.runner.raw(['write-tree'], env)).trim()
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }
}

/** Split paths into argv chunks of bounded size (command lines are limited, 32 KiB on Windows). */
function chunkPaths(paths: readonly string[]): string[][] {
  const chunks: string[][] = []
  let current: string[] = []
  let bytes = 0
  for (const path of paths) {
    const size = Buffer.byteLength(path) + 1
    if (current.length > 0 && bytes + size > PATH_CHUNK_BYTES) {
      chunks.push(current)
      current = []
      bytes = 0
    }
    current.push(path)
    bytes += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}
