import { UserError } from '../../core/errors.js'
import type { PackageDigestInputs, SpecDigestInputs } from '../../core/model.js'
import type { Plan } from '../../core/plan.js'
import { buildSpecPath } from '../../core/rebuild-graph.js'
import { runPlan } from '../../engine/plan-engine.js'
import { renderMermaid } from '../../render/graph-mermaid.js'
import { openMirror, type MirrorEntry } from '../../mirror/index.js'
import {
  computeInputChanges,
  renderExplanationText,
  type Explanation,
  type RecordedBuild,
} from '../../render/explain.js'
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
  const format = formatOf(values.format, ['json', 'text', 'mermaid'], 'text')
  const log = stderrLog(io, values.verbose)
  const request = planRequest(values, io)
  const { plan, head, base, config } = await runPlan(request, log)
  if (format === 'mermaid') return drawPaths(plan, positionals, io)

  // The mirror entries the plan compared with (their recorded inputs are the "before" side).
  const mirrorUrl = request.mirror ?? config.mirror
  const entries: Readonly<Record<string, MirrorEntry>> =
    plan.reference === 'mirror' && mirrorUrl
      ? ((await openMirror(mirrorUrl, { cwd: io.cwd }).tryReadIndex())?.entries ?? {})
      : {}

  const out: Explanation[] = []
  for (const want of positionals) {
    const hits = specsNamed(plan, want)
    for (const s of hits) {
      const d = head.specDigests.get(s.id)
      const pkg = head.packages.get(s.package)
      const entry = plan.reference === 'mirror' ? entries[s.id] : undefined
      // Compare with what the reference holds — only when it is what the plan compared with.
      const matchesPlan = entry !== undefined && entry.digest === s.previousDigest
      const before: { spec?: SpecDigestInputs; package?: PackageDigestInputs } =
        plan.reference === 'mirror'
          ? matchesPlan
            ? {
                ...(isSpecInputs(entry.inputs) ? { spec: entry.inputs } : {}),
                ...(isPackageInputs(entry.packageInputs) ? { package: entry.packageInputs } : {}),
              }
            : {}
          : {
              ...withValue('spec', base?.specDigests.get(s.id)?.inputs),
              ...withValue('package', base?.packages.get(s.package)?.digestInputs),
            }
      const changes =
        d && s.previousDigest !== null && s.previousDigest !== s.digest
          ? computeInputChanges(
              before,
              { spec: d.inputs, ...(pkg ? { package: pkg.digestInputs } : {}) },
              pkg,
            )
          : []
      out.push({
        spec: s.id,
        status: s.status,
        digest: s.digest,
        previousDigest: s.previousDigest,
        reference: plan.reference,
        recorded: entry && matchesPlan ? recordedBuild(entry) : null,
        packageDigest: d?.inputs.packageDigest ?? null,
        packageInputs: pkg?.digestInputs ?? null,
        inputs: d?.inputs ?? null,
        differences: s.reasons,
        changes,
        ...(d && plan.environments?.[d.inputs.envSignature]
          ? { environment: plan.environments[d.inputs.envSignature] }
          : {}),
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

/** The plan's specs that `want` names (a spec id, or a package: all its specs); never none. */
function specsNamed(plan: Plan, want: string): Plan['specs'] {
  const hits = plan.specs.filter((s) => s.id === want || s.package === want)
  if (hits.length === 0)
    throw new UserError(
      'input',
      `spec "${want}"`,
      `not in the plan (${plan.specs.length} specs; use a spec id from 'plan' or a package name)`,
    )
  return hits
}

/** Each named spec's rebuild path (from the changes to it) as a Mermaid flowchart. */
function drawPaths(plan: Plan, wanted: readonly string[], io: CliIo): number {
  const out: string[] = []
  for (const want of wanted) {
    const hits = specsNamed(plan, want)
    const graphs = hits.flatMap((s) => buildSpecPath(plan, s.id) ?? [])
    if (graphs.length === 0)
      throw new UserError(
        'input',
        `spec "${want}"`,
        `does not build (${hits.map((s) => s.status).join(', ')}): there is no rebuild path to draw`,
      )
    out.push(...graphs.map(renderMermaid))
  }
  io.stdout(out.join('\n'))
  return 0
}

function recordedBuild(e: MirrorEntry): RecordedBuild {
  return {
    builtAt: e.builtAt,
    ...(e.commit !== undefined ? { commit: e.commit } : {}),
    ...(e.builder !== undefined ? { builder: e.builder } : {}),
    artifact: e.artifact,
  }
}

function withValue<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V }
}

function isSpecInputs(x: unknown): x is SpecDigestInputs {
  return (
    typeof x === 'object' &&
    x !== null &&
    'packageDigest' in x &&
    'source' in x &&
    'dependencies' in x
  )
}

function isPackageInputs(x: unknown): x is PackageDigestInputs {
  return typeof x === 'object' && x !== null && 'recipe' in x && 'bases' in x && 'files' in x
}
