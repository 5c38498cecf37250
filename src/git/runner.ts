/**
 * The one way binary-check runs git: argv arrays only, never a shell string, with a fixed
 * environment (no prompts, C locale). Small commands go through simple-git's `raw()`; streams
 * (`cat-file --batch`) through `spawn`, with the same environment.
 */
import { spawn } from 'node:child_process'
import { simpleGit, type SimpleGit } from 'simple-git'

/** Variables we set ourselves; simple-git refuses other `GIT_*` variables unless allowed. */
const ALLOWED_GIT_VARIABLES = ['GIT_TERMINAL_PROMPT', 'GIT_INDEX_FILE'] as const

/**
 * Variables that could redirect git (GIT_DIR, GIT_INDEX_FILE from a hook) or run other programs
 * (pagers, editors, askpass, ssh commands). They are dropped from the ambient environment, as
 * simple-git does, so a run gives the same answer wherever it is started.
 */
const DROPPED = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass'])

export function gitEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (value === undefined || lower.startsWith('git') || DROPPED.has(lower)) continue
    env[key] = value
  }
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C', ...extra }
}

export interface GitRunner {
  /** Absolute directory git runs in. */
  readonly dir: string
  /** Run git and return stdout as UTF-8. Rejects when git fails (non-zero exit with stderr). */
  raw(args: readonly string[], extraEnv?: Record<string, string>): Promise<string>
  /** Start a long-running git process with piped stdin/stdout (for `cat-file --batch`). */
  spawnStream(args: readonly string[]): ReturnType<typeof spawn>
}

/** An error from a git command, with its argv and stderr, for bugs and messages. */
export class GitCommandError extends Error {
  readonly args: readonly string[]
  readonly stderr: string
  readonly exitCode: number | null

  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    const detail = stderr.trim().split('\n').slice(-3).join(' / ')
    super(
      `git ${args.join(' ')} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${detail}`,
    )
    this.name = 'GitCommandError'
    this.args = args
    this.stderr = stderr
    this.exitCode = exitCode
  }
}

export function createRunner(dir: string): GitRunner {
  const instances = new Map<string, SimpleGit>()
  const instance = (extraEnv: Record<string, string>): SimpleGit => {
    const key = JSON.stringify(extraEnv)
    let git = instances.get(key)
    if (git === undefined) {
      git = simpleGit({
        baseDir: dir,
        maxConcurrentProcesses: 6,
        trimmed: false,
        allowEnvironment: [...ALLOWED_GIT_VARIABLES],
      }).env(gitEnvironment(extraEnv))
      instances.set(key, git)
    }
    return git
  }

  return {
    dir,
    async raw(args, extraEnv = {}) {
      try {
        return await instance(extraEnv).raw([...args])
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        throw new GitCommandError(args, null, message)
      }
    },
    spawnStream(args) {
      return spawn('git', [...args], {
        cwd: dir,
        env: gitEnvironment(),
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    },
  }
}
