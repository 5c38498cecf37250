import { UserError } from '../../core/errors.js'
import { runPlan } from '../../engine/plan-engine.js'
import { renderExplanationText, type Explanation } from '../../render/explain.js'
import {
  formatOf,
  help,
  parse,
  PLAN_OPTIONS,
  planRequest,
  stderrLog,
  UsageError,
  type CliIo,
} from '../cli-io.js'
import { EXPLAIN_HELP } from '../usage.js'

export async function explainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, PLAN_OPTIONS, true)
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
