/** What every CLI command shares: its I/O, usage errors, argv parsing and option helpers. */
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { escapeInvisible, singleLine } from '../core/errors.js'
import type { PlanRequest } from '../engine/plan-request.js'
import { parseTrustSetting } from '../engine/trust-mode.js'

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  cwd: string
  /** Print progress lines on stderr (when it is a terminal). */
  progress?: boolean
}

/** A usage error: the front end prints it with a hint and exits 2. */
export class UsageError extends Error {}

/** A CLI command: argv after the command name → exit status. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>

/** The options of commands that run a plan (plan, explain). */
export const PLAN_OPTIONS = {
  repo: { type: 'string' },
  config: { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
  mirror: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  report: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  strict: { type: 'boolean' },
  trust: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
  positionals = false,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: positionals, strict: true })
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!)
  }
}

export function planRequest(
  v: Record<string, string | boolean | undefined>,
  io: CliIo,
): PlanRequest {
  const repo = typeof v.repo === 'string' ? v.repo : '.'
  const abs = resolve(io.cwd, repo)
  return {
    repo: abs,
    ...(typeof v.config === 'string' ? { config: resolve(io.cwd, v.config) } : {}),
    ...(typeof v.base === 'string' ? { base: v.base } : {}),
    ...(typeof v.head === 'string' ? { head: v.head } : {}),
    ...(typeof v.mirror === 'string' ? { mirror: v.mirror } : {}),
    ...(v.strict === true ? { strict: true } : {}),
    ...(typeof v.trust === 'string' ? { trust: parseTrustSetting(v.trust, '--trust') } : {}),
    ...(v['no-cache']
      ? {}
      : { cacheDir: typeof v['cache-dir'] === 'string' ? v['cache-dir'] : defaultCacheDir() }),
  }
}

export function stderrLog(io: CliIo, verbose: boolean | undefined) {
  // One line each, whatever a message quotes (a file name, a spec from a mirror): line breaks,
  // control and invisible characters are escaped, so no terminal sequence or fake line gets out.
  const line = (m: string): string => escapeInvisible(singleLine(m))
  return {
    // Progress where a person watches (a terminal) or when asked (--verbose); pipes stay clean.
    info: (m: string) => {
      if (io.progress || verbose) io.stderr(`binary-check: ${line(m)}\n`)
    },
    warn: (m: string) => io.stderr(`binary-check: warning: ${line(m)}\n`),
  }
}

export function formatOf(v: string | boolean | undefined, allowed: string[], dflt: string): string {
  const f = typeof v === 'string' ? v : dflt
  if (!allowed.includes(f))
    throw new UsageError(`--format must be one of ${allowed.join(', ')}, got "${f}"`)
  return f
}

export function help(io: CliIo, text: string): number {
  io.stdout(text)
  return 0
}

/** `$XDG_CACHE_HOME/binary-check` (entries are keyed by blob id, so repositories can share it). */
function defaultCacheDir(): string {
  return resolve(process.env.XDG_CACHE_HOME || resolve(homedir(), '.cache'), 'binary-check')
}
