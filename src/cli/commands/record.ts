import type { ParseArgsConfig } from 'node:util'
import {
  checkDigest,
  readRecordPlan,
  recordArtifact,
  recordFields,
} from '../../engine/record-request.js'
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
  checkDigest(values.digest!, '--digest')
  const fields = recordFields(
    {
      spec: values.spec!,
      digest: values.digest!,
      package: values.package,
      version: values.version,
      commit: values.commit,
      builder: values.builder,
    },
    values.plan
      ? { plan: await readRecordPlan(values.plan, io.cwd), label: values.plan }
      : undefined,
    '--digest',
  )
  if (!fields) throw new UsageError('record needs --plan, or --package and --version')
  const entry = await recordArtifact({
    mirror: values.mirror!,
    fields,
    artifact: values.artifact!,
    cwd: io.cwd,
    now: new Date(),
  })
  io.stdout(`recorded ${entry.spec} ${entry.digest} → ${entry.artifact.path}\n`)
  return 0
}
