import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import { UserError } from '../../core/errors.js'
import type { Plan } from '../../core/plan.js'
import { openMirror } from '../../mirror/index.js'
import { help, parse, UsageError, type CliIo } from '../cli-io.js'
import { RECORD_HELP } from '../usage.js'

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

export async function recordCommand(args: readonly string[], io: CliIo): Promise<number> {
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
