/**
 * The CLI front end: argv → request → engine → rendered output. The only place (with the Action)
 * that writes to stdout/stderr and chooses exit codes: 0 success, 1 bad input (one line), 2 usage.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { isUserError, UserError } from '../core/errors.js'
import type { Plan } from '../core/plan.js'
import { runPlan } from '../engine/plan-engine.js'
import type { PlanRequest } from '../engine/plan-request.js'
import { openMirror } from '../mirror/index.js'
import { renderPlanText } from '../render/plan-text.js'
import { safeMatrix } from '../render/github-matrix.js'
import { renderExplanationText, type Explanation } from '../render/explain.js'
import { EXPLAIN_HELP, INDEX_HELP, MAIN_HELP, PLAN_HELP, RECORD_HELP } from './usage.js'

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  cwd: string
  /** Print progress lines on stderr (when it is a terminal). */
  progress?: boolean
}

class UsageError extends Error {}

const COMMON = {
  repo: { type: 'string' },
  config: { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
  mirror: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv
    switch (command) {
      case 'plan':
        return await planCommand(rest, io)
      case 'explain':
        return await explainCommand(rest, io)
      case 'record':
        return await recordCommand(rest, io)
      case 'index':
        return await indexCommand(rest, io)
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(`unknown command "${command}" (plan, explain, record, index)`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`binary-check: ${e.message}\nRun 'binary-check --help' for usage.\n`)
      return 2
    }
    if (isUserError(e)) {
      io.stderr(`binary-check: ${e.oneLine()}\n`)
      return 1
    }
    throw e
  }
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(
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

function planRequest(v: Record<string, string | boolean | undefined>, io: CliIo): PlanRequest {
  const repo = typeof v.repo === 'string' ? v.repo : '.'
  const abs = resolve(io.cwd, repo)
  return {
    repo: abs,
    ...(typeof v.config === 'string' ? { config: resolve(io.cwd, v.config) } : {}),
    ...(typeof v.base === 'string' ? { base: v.base } : {}),
    ...(typeof v.head === 'string' ? { head: v.head } : {}),
    ...(typeof v.mirror === 'string' ? { mirror: v.mirror } : {}),
    ...(v['no-cache']
      ? {}
      : { cacheDir: typeof v['cache-dir'] === 'string' ? v['cache-dir'] : defaultCacheDir() }),
  }
}

function stderrLog(io: CliIo, verbose: boolean | undefined) {
  return {
    // Progress where a person watches (a terminal) or when asked (--verbose); pipes stay clean.
    info: (m: string) => {
      if (io.progress || verbose) io.stderr(`binary-check: ${m}\n`)
    },
    warn: (m: string) => io.stderr(`binary-check: warning: ${m}\n`),
  }
}

function formatOf(v: string | boolean | undefined, allowed: string[], dflt: string): string {
  const f = typeof v === 'string' ? v : dflt
  if (!allowed.includes(f))
    throw new UsageError(`--format must be one of ${allowed.join(', ')}, got "${f}"`)
  return f
}

async function planCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, COMMON)
  if (values.help) return help(io, PLAN_HELP)
  const format = formatOf(values.format, ['json', 'text'], 'text')
  const { plan } = await runPlan(planRequest(values, io), stderrLog(io, values.verbose))
  safeMatrix(plan)
  const text = format === 'json' ? `${JSON.stringify(plan)}\n` : renderPlanText(plan)
  if (typeof values.output === 'string') await writeFile(resolve(io.cwd, values.output), text)
  else io.stdout(text)
  return 0
}

async function explainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON, true)
  if (values.help) return help(io, EXPLAIN_HELP)
  if (positionals.length === 0) throw new UsageError('explain needs at least one SPEC')
  const format = formatOf(values.format, ['json', 'text'], 'text')
  const { plan, head } = await runPlan(planRequest(values, io), stderrLog(io, values.verbose))
  const out: Explanation[] = []
  for (const want of positionals) {
    const hits = plan.specs.filter((s) => s.id === want || s.package === want)
    if (hits.length === 0)
      throw new UserError(
        'input',
        `spec "${want}"`,
        `not in the plan (${plan.specs.length} specs; use a spec id from 'plan' or a package name)`,
      )
    for (const s of hits) {
      const d = head.specDigests.get(s.id)
      const pkg = head.packages.get(s.package)
      out.push({
        spec: s.id,
        status: s.status,
        digest: s.digest,
        previousDigest: s.previousDigest,
        packageDigest: d?.inputs.packageDigest ?? null,
        packageInputs: pkg?.digestInputs ?? null,
        inputs: d?.inputs ?? null,
        differences: s.reasons,
      })
    }
  }
  io.stdout(
    format === 'json'
      ? `${JSON.stringify(out, null, 2)}\n`
      : out.map(renderExplanationText).join('\n'),
  )
  return 0
}

const RECORD_OPTIONS = {
  mirror: { type: 'string' },
  spec: { type: 'string' },
  digest: { type: 'string' },
  artifact: { type: 'string' },
  plan: { type: 'string' },
  package: { type: 'string' },
  version: { type: 'string' },
  commit: { type: 'string' },
  builder: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

async function recordCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RECORD_OPTIONS)
  if (values.help) return help(io, RECORD_HELP)
  for (const k of ['mirror', 'spec', 'digest', 'artifact'] as const)
    if (!values[k]) throw new UsageError(`record needs --${k}`)
  if (!/^sha256:[0-9a-f]{64}$/.test(values.digest!))
    throw new UserError('input', '--digest', `expected sha256:<64 hex>, got "${values.digest}"`)
  let pkg = values.package
  let version = values.version
  let os: string | undefined
  let compiler: string | undefined
  let inputs: unknown
  let packageDigest: string | undefined
  if (values.plan) {
    const planPath = resolve(io.cwd, values.plan)
    let plan: Plan
    try {
      plan = JSON.parse(await readFile(planPath, 'utf8')) as Plan
    } catch (e) {
      throw new UserError(
        'input',
        values.plan,
        `cannot read the plan JSON (${(e as Error).message.split('\n')[0]})`,
      )
    }
    const s = plan.specs?.find((x) => x.id === values.spec)
    if (!s)
      throw new UserError('input', `${values.plan}`, `spec "${values.spec}" is not in this plan`)
    if (s.digest !== values.digest)
      throw new UserError(
        'input',
        '--digest',
        `${values.digest} is not the plan's digest for "${values.spec}" (${s.digest})`,
      )
    pkg = s.package
    version = s.version
    os = s.os ?? undefined
    compiler = s.compiler ?? undefined
    inputs = s.inputs
    packageDigest = s.inputs?.packageDigest
  }
  if (!pkg || !version) throw new UsageError('record needs --plan, or --package and --version')
  const entry = await openMirror(values.mirror!).record({
    entry: {
      spec: values.spec!,
      package: pkg,
      version,
      digest: values.digest!,
      ...(os ? { os } : {}),
      ...(compiler ? { compiler } : {}),
      ...(packageDigest ? { packageDigest } : {}),
      ...(inputs ? { inputs } : {}),
      ...(values.commit ? { commit: values.commit } : {}),
      ...(values.builder ? { builder: values.builder } : {}),
    },
    artifactPath: resolve(io.cwd, values.artifact!),
    now: new Date(),
  })
  io.stdout(`recorded ${entry.spec} ${entry.digest} → ${entry.artifact.path}\n`)
  return 0
}

async function indexCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    mirror: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return help(io, INDEX_HELP)
  if (!values.mirror) throw new UsageError('index needs --mirror')
  const index = await openMirror(values.mirror).writeIndex()
  io.stdout(`indexed ${Object.keys(index.entries).length} entries (${index.checksum})\n`)
  return 0
}

function help(io: CliIo, text: string): number {
  io.stdout(text)
  return 0
}

/** `$XDG_CACHE_HOME/binary-check` (entries are keyed by blob id, so repositories can share it). */
function defaultCacheDir(): string {
  return resolve(process.env.XDG_CACHE_HOME || resolve(homedir(), '.cache'), 'binary-check')
}
