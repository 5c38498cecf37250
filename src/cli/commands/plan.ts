import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import packageJson from '../../../package.json' with { type: 'json' }
import { UserError } from '../../core/errors.js'
import { GITLAB_LIMITS } from '../../core/gitlab-layout.js'
import { runPlan } from '../../engine/plan-engine.js'
import { safeMatrix } from '../../render/github-matrix.js'
import { renderGitlabPipeline, type GitlabPipelineOptions } from '../../render/gitlab-pipeline.js'
import { renderPlanText } from '../../render/plan-text.js'
import { buildRebuildGraph } from '../../core/rebuild-graph.js'
import { renderDot } from '../../render/graph-dot.js'
import { renderMermaid } from '../../render/graph-mermaid.js'
import { planJsonPieces } from '../../render/plan-json.js'
import { renderPlanReport } from '../../render/plan-report.js'
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
import { PLAN_HELP } from '../usage.js'

/** The options of `plan --format gitlab` (the child pipeline), on top of the plan options. */
const GITLAB_OPTIONS = {
  'build-script': { type: 'string' },
  'build-command': { type: 'string' },
  'build-image': { type: 'string' },
  'record-image': { type: 'string' },
  'max-needs': { type: 'string' },
  'max-jobs': { type: 'string' },
  'cli-version': { type: 'string' },
  'cli-package': { type: 'string' },
} as const satisfies ParseArgsConfig['options']

export async function planCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { ...PLAN_OPTIONS, ...GITLAB_OPTIONS })
  if (values.help) return help(io, PLAN_HELP)
  const format = formatOf(values.format, ['json', 'text', 'gitlab', 'mermaid', 'dot'], 'text')
  const gitlabOnly = (Object.keys(GITLAB_OPTIONS) as (keyof typeof GITLAB_OPTIONS)[]).find(
    (k) => values[k] !== undefined,
  )
  if (format !== 'gitlab' && gitlabOnly)
    throw new UsageError(`--${gitlabOnly} needs --format gitlab`)
  const gitlab = format === 'gitlab' ? await gitlabOptions(values, io) : undefined

  const { plan, config } = await runPlan(planRequest(values, io), stderrLog(io, values.verbose))
  safeMatrix(plan)
  let text: string | Iterable<string>
  if (gitlab) {
    // A Spack build cache is written by the build jobs' own `spack buildcache push`: no record
    // or index jobs for it.
    const mirror = plan.reference === 'spack-cache' ? undefined : (values.mirror ?? config.mirror)
    text = renderGitlabPipeline(plan, { ...gitlab, ...(mirror ? { mirror } : {}) })
  } else if (format === 'mermaid') text = renderMermaid(buildRebuildGraph(plan))
  else if (format === 'dot') text = renderDot(buildRebuildGraph(plan))
  else text = format === 'json' ? planJsonPieces(plan) : renderPlanText(plan)
  if (typeof values.report === 'string')
    await writeFile(resolve(io.cwd, values.report), renderPlanReport(plan))
  if (typeof values.output === 'string') await writeFile(resolve(io.cwd, values.output), text)
  else if (typeof text === 'string') io.stdout(text)
  else for (const piece of text) io.stdout(piece)
  return 0
}

/** Empty strings count as not given (a CI template passes every input, set or not). */
function given(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v
}

async function gitlabOptions(
  values: Partial<Record<keyof typeof GITLAB_OPTIONS, string>>,
  io: CliIo,
): Promise<Omit<GitlabPipelineOptions, 'mirror'>> {
  const script = given(values['build-script'])
  const command = given(values['build-command'])
  if ((script === undefined) === (command === undefined))
    throw new UsageError('--format gitlab needs one of --build-script FILE or --build-command CMD')
  let buildScript: string[]
  if (command !== undefined) buildScript = [command]
  else {
    let content: string
    try {
      content = await readFile(resolve(io.cwd, script!), 'utf8')
    } catch (e) {
      throw new UserError(
        'input',
        script!,
        `cannot read the build script (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      )
    }
    // The whole file as one script entry: multi-line shell constructs stay intact.
    buildScript = [content.replace(/\s+$/, '')]
  }
  const version = given(values['cli-version']) ?? packageJson.version
  const buildImage = given(values['build-image'])
  const recordImage = given(values['record-image'])
  return {
    buildScript,
    ...(buildImage ? { buildImage } : {}),
    ...(recordImage ? { recordImage } : {}),
    cliPackage: given(values['cli-package']) ?? `binary-check@${version}`,
    maxNeeds: integerOption(
      values['max-needs'],
      'max-needs',
      1,
      GITLAB_LIMITS.needs,
      GITLAB_LIMITS.needs,
    ),
    maxJobs: integerOption(
      values['max-jobs'],
      'max-jobs',
      2,
      Number.MAX_SAFE_INTEGER,
      GITLAB_LIMITS.jobs,
    ),
  }
}

function integerOption(
  v: string | undefined,
  name: string,
  min: number,
  max: number,
  dflt: number,
): number {
  if (given(v) === undefined) return dflt
  const n = /^\d+$/.test(v!) ? Number(v) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(
      `--${name} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` of at least ${min}` : ` from ${min} to ${max}`}, got "${v}"`,
    )
  return n
}
