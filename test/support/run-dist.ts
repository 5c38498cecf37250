/** Run the committed bundles (dist/cli.js, dist/index.js) the way users and the runner do. */
import { execFile } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const CLI = join(PROJECT_ROOT, 'dist/cli.js')
export const ACTION = join(PROJECT_ROOT, 'dist/index.js')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `node <script> ...args` with Node 24 (the test's own node), never through a shell. */
export function runNode(
  script: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      {
        cwd: options.cwd ?? PROJECT_ROOT,
        env: options.env ?? cleanEnv(),
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, stdout: String(stdout), stderr: String(stderr) })
      },
    )
  })
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return runNode(CLI, args, options)
}

/** The environment without anything GitHub- or git-specific leaking from the machine. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('GITHUB_') ||
      k.startsWith('INPUT_') ||
      k.startsWith('RUNNER_') ||
      k.startsWith('GIT_') ||
      k === 'CI'
    )
      continue
    env[k] = v
  }
  return { ...env, ...extra }
}
