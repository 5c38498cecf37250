/**
 * The GitHub Action's outputs from a plan: `matrix`, `waves`, `wave-<i>` / `has-wave-<i>` for every
 * i < max-waves, `batched` and the counts. A matrix holds at most `max-jobs` (≤ 256) jobs: beyond
 * that its specs are packed into batches. All outputs together stay under a byte budget (GitHub
 * allows 1 MB of outputs per job, measured as UTF-16): when they would not, the batches get fewer
 * and lighter until they fit. Nothing is ever cut off; a plan that cannot fit at all is an error.
 */
import { quote, UserError } from '../core/errors.js'
import {
  countContainers,
  foldWaves,
  isBatch,
  packBatches,
  type BatchDetail,
  type ShapedEntry,
  type ShapedMatrix,
  type WaveEntry,
} from '../core/matrix-shaping.js'
import type { Plan } from '../core/plan.js'
import { safeMatrix } from './github-matrix.js'
import { assertSafeValue } from './safe-values.js'

/** GitHub's ceiling on jobs in one matrix. */
export const GITHUB_MAX_JOBS = 256
/** Default and declared wave outputs (`wave-0` … `wave-7`). */
export const DEFAULT_MAX_WAVES = 8
/** Budget for all outputs together, in UTF-16 bytes (GitHub: 1 MB per job, approximated as UTF-16). */
export const GITHUB_OUTPUT_BUDGET = 900_000

export interface GithubOutputOptions {
  /** Jobs per matrix, 1…256. */
  maxJobs: number
  /** Waves emitted; deeper levels fold into the last. */
  maxWaves: number
  /**
   * May batches list spec ids alone (digests and the rest then come from the plan file)? Only
   * when build jobs can read the plan, i.e. it is uploaded as an artifact.
   */
  allowIdsOnly: boolean
  /** All outputs' budget in UTF-16 bytes (default GITHUB_OUTPUT_BUDGET). */
  maxBytes?: number
}

export interface GithubShape {
  matrix: ShapedMatrix
  /** Exactly `maxWaves` matrices (empty ones included). */
  waves: ShapedMatrix[]
  /** Levels in the plan; more than `waves.length` means the last wave folds deeper levels. */
  levels: number
  folded: boolean
  /** Whether any matrix was packed into batches, and how much each batch lists per spec. */
  batched: boolean
  detail: BatchDetail | null
  /** The job limit the batches were cut to (≤ maxJobs; lower when the outputs had to shrink). */
  jobLimit: number
  /** The outputs, ready for `core.setOutput`, and their size in UTF-16 bytes. */
  outputs: Record<string, string>
  bytes: number
}

/** Shape the plan's build entries into GitHub outputs within the job and size limits. */
export function shapeGithubOutputs(
  plan: Plan,
  planFile: string,
  options: GithubOutputOptions,
): GithubShape {
  const budget = options.maxBytes ?? GITHUB_OUTPUT_BUDGET
  const include = safeMatrix(plan).include
  const { waves, levels, folded } = foldWaves(include, options.maxWaves)
  const containers = countContainers(include)
  if (containers > options.maxJobs)
    throw new UserError(
      'input',
      'max-jobs',
      `${containers} different containers need at least ${containers} jobs (a batch never mixes containers), more than max-jobs ${options.maxJobs}`,
    )
  const details: BatchDetail[] = options.allowIdsOnly
    ? ['full', 'compact', 'ids']
    : ['full', 'compact']
  let smallest: GithubShape | undefined
  for (const limit of halvings(options.maxJobs)) {
    // At a limit no matrix exceeds, nothing is batched: the detail makes no difference.
    const needsBatches = include.length > limit || waves.some((w) => w.length > limit)
    for (const detail of needsBatches ? details : (['full'] as const)) {
      const shape = buildShape(planFile, include, waves, { limit, detail, levels, folded })
      if (shape.bytes <= budget) return shape
      if (!smallest || shape.bytes < smallest.bytes) smallest = shape
    }
  }
  const s = smallest!
  const specs = include.length
  throw new UserError(
    'input',
    'outputs',
    `${specs} specs to build need ${kb(s.bytes)} of job outputs even packed into ${plural(countJobs(s.matrix), 'batch', 'batches')}${s.detail === 'ids' ? ' listing spec ids only' : ''}; GitHub allows 1 MB per job (budget ${kb(budget)}). ${
      options.allowIdsOnly
        ? 'Split the specs across several workflows (several configs)'
        : 'Set plan-artifact (batches can then list spec ids only; build jobs read the rest from the plan), or split the specs across several workflows'
    }`,
  )
}

function buildShape(
  planFile: string,
  include: readonly WaveEntry[],
  waves: readonly WaveEntry[][],
  how: { limit: number; detail: BatchDetail; levels: number; folded: boolean },
): GithubShape {
  let batched = false
  const shape = (entries: readonly WaveEntry[], label: string): ShapedMatrix => {
    if (entries.length <= how.limit) return { include: [...entries] }
    batched = true
    return {
      include: packBatches(entries, {
        jobs: how.limit,
        detail: how.detail,
        name: (n, of) => `batch ${n} of ${of}${label}`,
      }),
    }
  }
  const matrix = shape(include, '')
  const waveMatrices = waves.map((w, i) => shape(w, `, wave ${i}`))
  for (const m of [matrix, ...waveMatrices]) assertSafeMatrix(m)
  const present = waveMatrices.slice(0, Math.min(how.levels, waveMatrices.length))
  const count = include.length
  const outputs: Record<string, string> = {
    matrix: JSON.stringify(matrix),
    waves: JSON.stringify(present),
    'wave-count': String(how.levels),
    batched: batched ? 'true' : 'false',
    'has-work': count > 0 ? 'true' : 'false',
    'rebuild-count': String(count),
    'plan-file': planFile,
  }
  waveMatrices.forEach((m, i) => {
    outputs[`wave-${i}`] = JSON.stringify(m)
    outputs[`has-wave-${i}`] = m.include.length > 0 ? 'true' : 'false'
  })
  return {
    matrix,
    waves: waveMatrices,
    levels: how.levels,
    folded: how.folded,
    batched,
    detail: batched ? how.detail : null,
    jobLimit: how.limit,
    outputs,
    bytes: outputsSize(outputs),
  }
}

/** GitHub's measure of outputs: UTF-16 bytes of every name and value. */
export function outputsSize(outputs: Record<string, string>): number {
  let units = 0
  for (const [name, value] of Object.entries(outputs)) units += name.length + value.length
  return units * 2
}

/** Every string a job can see (names, ids, containers, digests) in the safe character set. */
function assertSafeMatrix(m: ShapedMatrix): void {
  for (const e of m.include) {
    const where = `matrix entry ${quote(e.spec)}`
    for (const [k, v] of Object.entries(e))
      if (typeof v === 'string') assertSafeValue(v, `${where} field ${k}`)
    if (isBatch(e))
      for (const s of e.specs)
        for (const [k, v] of Object.entries(s))
          if (typeof v === 'string') assertSafeValue(v, `${where} spec ${quote(s.spec)} field ${k}`)
  }
}

function countJobs(m: ShapedMatrix): number {
  return m.include.length
}

/** The specs a matrix entry builds (one, or a batch's list). */
export function specsOf(e: ShapedEntry): string[] {
  return isBatch(e) ? e.specs.map((s) => s.spec) : [e.spec]
}

/** maxJobs, then halved down to 1: 256, 128, …, 1. */
function halvings(maxJobs: number): number[] {
  const out: number[] = []
  for (let n = maxJobs; n >= 1; n = Math.floor(n / 2)) out.push(n)
  return out
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

function kb(bytes: number): string {
  return `${Math.ceil(bytes / 1000)} KB`
}
