/** Run the committed bundles (dist/cli.js, dist/index.js) the way users and the runner do. */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseGithubOutput } from './github-output.js'

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

export interface RunnerRun extends RunResult {
  /** What the step wrote to GITHUB_OUTPUT. */
  outputs: Record<string, string>
  /** What it wrote to GITHUB_STEP_SUMMARY. */
  summary: string
}

/**
 * A bundled action (`ACTION`, the record sub-action) run the way the runner runs it: `node
 * <bundle>` in the workspace, with INPUT_* variables, the event payload in a file named by
 * GITHUB_EVENT_PATH, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, all in a fresh directory
 * under `scratch` (also RUNNER_TEMP). The analysis cache is off unless `inputs.cache` says so.
 */
export async function runAsRunner(
  bundle: string,
  o: {
    scratch: string
    workspace: string
    head: string
    event: { name: string; payload: unknown }
    inputs?: Record<string, string>
    env?: Record<string, string>
  },
): Promise<RunnerRun> {
  const dir = await mkdtemp(join(o.scratch, 'run-'))
  const files = {
    event: join(dir, 'event.json'),
    output: join(dir, 'output'),
    summary: join(dir, 'summary.md'),
  }
  await writeFile(files.event, JSON.stringify(o.event.payload))
  await writeFile(files.output, '')
  await writeFile(files.summary, '')
  const inputs = Object.entries({ cache: 'false', ...o.inputs })
  const r = await runNode(bundle, [], {
    cwd: o.workspace,
    env: cleanEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: o.event.name,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_SHA: o.head,
      RUNNER_TEMP: dir,
      ...o.env,
      ...Object.fromEntries(inputs.map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    }),
  })
  return {
    ...r,
    outputs: parseGithubOutput(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
  }
}
