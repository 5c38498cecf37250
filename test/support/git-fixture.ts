/**
 * Real git repositories for tests: a temp dir under os.tmpdir(), branch `main`, pinned identity
 * and dates (each commit one minute after the previous), no signing, no gc, no line-ending
 * conversion, no global or system configuration. Remove with `cleanup()`.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, realpath, rename, rm, writeFile } from 'node:fs/promises'
import { devNull, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** 2024-01-01T00:00:00Z; commit n is dated n minutes later. */
const EPOCH_SECONDS = 1_704_067_200

export interface GitFixtureOptions {
  /** `sha1` (default) or `sha256` object ids. */
  objectFormat?: 'sha1' | 'sha256'
  /** Make a bare repository (no working tree; `write`/`commit` are unusable). */
  bare?: boolean
}

export interface GitFixture {
  /** Absolute, symlink-free path of the repository (the working tree). */
  readonly dir: string
  write(path: string, content: string | Uint8Array): Promise<void>
  remove(path: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  /** `git add -A` and commit (empty commits allowed); resolves to the new commit's full sha. */
  commit(message: string): Promise<string>
  /** Run git in the fixture with the pinned environment; resolves to stdout. */
  git(...args: string[]): Promise<string>
  /** The same, with `input` on stdin (`fast-import`, `hash-object --stdin`). */
  gitInput(input: string | Uint8Array, ...args: string[]): Promise<string>
  cleanup(): Promise<void>
}

/** The environment every fixture git command runs with. */
export function fixtureGitEnv(commitIndex = 0): NodeJS.ProcessEnv {
  const date = `@${EPOCH_SECONDS + commitIndex * 60} +0000`
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toUpperCase().startsWith('GIT_')) env[key] = value
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Fixture Author',
    GIT_AUTHOR_EMAIL: 'author@example.invalid',
    GIT_COMMITTER_NAME: 'Fixture Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    LC_ALL: 'C',
  }
}

/** Run git (argv, no shell) in `cwd` with the pinned environment, optionally feeding stdin. */
export async function runGit(
  cwd: string,
  args: readonly string[],
  commitIndex = 0,
  input?: string | Uint8Array,
): Promise<string> {
  const pending = run('git', [...args], {
    cwd,
    env: fixtureGitEnv(commitIndex),
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  })
  pending.child.stdin?.end(input)
  const { stdout } = await pending
  return stdout
}

const CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['commit.gpgsign', 'false'],
  ['tag.gpgsign', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['core.autocrlf', 'false'],
  ['core.eol', 'lf'],
  ['core.quotepath', 'false'],
  ['user.name', 'Fixture Author'],
  ['user.email', 'author@example.invalid'],
  ['init.defaultBranch', 'main'],
]

export async function createGitFixture(
  files: Record<string, string | Uint8Array> = {},
  options: GitFixtureOptions = {},
): Promise<GitFixture> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'binary-check-git-')))
  const init = [
    'init',
    '--quiet',
    '--initial-branch=main',
    `--object-format=${options.objectFormat ?? 'sha1'}`,
  ]
  await runGit(dir, options.bare ? [...init, '--bare'] : init)
  for (const [key, value] of CONFIG) await runGit(dir, ['config', key, value])

  let commits = 0
  const fixture: GitFixture = {
    dir,
    async write(path, content) {
      const target = join(dir, path)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, content)
    },
    async remove(path) {
      await rm(join(dir, path), { recursive: true })
    },
    async rename(from, to) {
      await mkdir(dirname(join(dir, to)), { recursive: true })
      await rename(join(dir, from), join(dir, to))
    },
    async commit(message) {
      commits += 1
      await runGit(dir, ['add', '--all'], commits)
      await runGit(
        dir,
        ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message],
        commits,
      )
      return (await runGit(dir, ['rev-parse', 'HEAD'])).trim()
    },
    git: (...args) => runGit(dir, args, commits),
    gitInput: (input, ...args) => runGit(dir, args, commits, input),
    async cleanup() {
      await rm(dir, { recursive: true, force: true })
    },
  }

  if (Object.keys(files).length > 0) {
    for (const [path, content] of Object.entries(files)) await fixture.write(path, content)
    await fixture.commit('initial')
  }
  return fixture
}
