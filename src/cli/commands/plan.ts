import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { runPlan } from '../../engine/plan-engine.js'
import { safeMatrix } from '../../render/github-matrix.js'
import { renderPlanText } from '../../render/plan-text.js'
import {
  formatOf,
  help,
  parse,
  PLAN_OPTIONS,
  planRequest,
  stderrLog,
  type CliIo,
} from '../cli-io.js'
import { PLAN_HELP } from '../usage.js'

export async function planCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, PLAN_OPTIONS)
  if (values.help) return help(io, PLAN_HELP)
  const format = formatOf(values.format, ['json', 'text'], 'text')
  const { plan } = await runPlan(planRequest(values, io), stderrLog(io, values.verbose))
  safeMatrix(plan)
  const text = format === 'json' ? `${JSON.stringify(plan)}\n` : renderPlanText(plan)
  if (typeof values.output === 'string') await writeFile(resolve(io.cwd, values.output), text)
  else io.stdout(text)
  return 0
}
