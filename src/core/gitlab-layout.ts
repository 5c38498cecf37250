/**
 * The shape of a GitLab child pipeline for a plan, and GitLab's numeric limits: which build units
 * there are (one spec each, or — when one job per spec would exceed the pipeline's job limit — a
 * batch of specs of one wave and one image), what each unit waits for, and whether the pipeline
 * can order them with `needs:` or must fall back to one stage per wave because some unit would
 * need more jobs than GitLab allows. The YAML is the renderer's business
 * (src/render/gitlab-pipeline.ts). Pure.
 */
import { compareCodeUnits } from './canonical-encode.js'
import { UserError } from './errors.js'
import type { Plan, PlannedSpec } from './plan.js'

/** GitLab's limits that its CI schema does not check (GitLab.com values, also the defaults). */
export const GITLAB_LIMITS = {
  /** Entries in one job's `needs:` (`ci_needs_size_limit`). */
  needs: 50,
  /** Characters in a job name. */
  jobName: 255,
  /** Jobs in one pipeline (`ci_pipeline_size`, GitLab.com free tier); beyond it, specs are batched. */
  jobs: 500,
  /** Bytes of the artifact a trigger job reads a generated configuration from. */
  generatedConfigBytes: 5 * 1024 * 1024,
} as const

/** Keys GitLab reads as global keywords, never as job names. */
const RESERVED_JOB_NAMES: ReadonlySet<string> = new Set([
  'image',
  'services',
  'stages',
  'types',
  'before_script',
  'after_script',
  'variables',
  'cache',
  'include',
  'default',
  'workflow',
  'spec',
  'pages',
  'true',
  'false',
  'nil',
])

export interface GitlabLayoutOptions {
  /** At most this many `needs:` per job (1 … GITLAB_LIMITS.needs). */
  maxNeeds: number
  /** At most this many jobs in the pipeline; beyond, specs are batched. */
  maxJobs: number
  /** Jobs each unit adds: its build job, plus its record job when there is a mirror. */
  jobsPerUnit: number
  /** Jobs the pipeline has besides the units (the index job). */
  fixedJobs: number
}

/** One build job's work (and its record job's). */
export interface GitlabUnit {
  /**
   * The unit's name in its jobs' names: `zlib-1.3.1-gcc-13-0123abcd` (the spec id, a digest
   * prefix) for one spec, `wave-1-batch-2` for a batch. Only `[A-Za-z0-9._-]`.
   */
  key: string
  wave: number
  /** The image its specs build in (null: the default build image). */
  container: string | null
  /** Its specs, in build order. */
  specs: PlannedSpec[]
  /** Keys of the units that build its specs' nearest dependencies that also build (sorted). */
  after: string[]
}

export interface GitlabLayout {
  /**
   * `needs`: each build job `needs:` the units in `after`. `stages`: some unit waits for more than
   * `maxNeeds` units, so the whole pipeline runs one stage per wave instead.
   */
  ordering: 'needs' | 'stages'
  /** True when specs were packed into batches to stay within `maxJobs`. */
  batched: boolean
  units: GitlabUnit[]
  /** One past the highest wave (0 when nothing builds). */
  waves: number
}

const SLUG_MAX = 96

export function computeGitlabLayout(plan: Plan, options: GitlabLayoutOptions): GitlabLayout {
  const { maxNeeds, maxJobs, jobsPerUnit, fixedJobs } = options
  if (!Number.isInteger(maxNeeds) || maxNeeds < 1 || maxNeeds > GITLAB_LIMITS.needs)
    throw new RangeError(`maxNeeds must be an integer from 1 to ${GITLAB_LIMITS.needs}`)
  if (!Number.isInteger(maxJobs) || maxJobs < 1) throw new RangeError('maxJobs must be positive')

  const building = plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .sort((a, b) => a.wave! - b.wave! || compareCodeUnits(a.id, b.id))
  if (building.length === 0) return { ordering: 'needs', batched: false, units: [], waves: 0 }
  const waves = building.reduce((n, s) => Math.max(n, s.wave! + 1), 0)

  const budget = Math.floor((maxJobs - fixedJobs) / jobsPerUnit)
  let units: GitlabUnit[]
  let batched = false
  if (building.length <= budget) {
    const keys = slugs(building)
    units = building.map((s, i) => singleUnit(s, keys[i]!))
  } else {
    units = batches(building, budget, maxJobs, jobsPerUnit, fixedJobs)
    batched = true
  }

  // What each unit waits for: the units building its specs' nearest built dependencies.
  const unitOf = new Map<string, GitlabUnit>()
  for (const u of units) for (const s of u.specs) unitOf.set(s.id, u)
  const nearest = nearestBuilt(plan, unitOf)
  let widest = 0
  for (const u of units) {
    const after = new Set<string>()
    for (const s of u.specs)
      for (const d of nearest(s.id)) {
        const du = unitOf.get(d)!
        // Only earlier waves: a test-only edge or a cycle never orders jobs (and never loops).
        if (du !== u && du.wave < u.wave) after.add(du.key)
      }
    u.after = [...after].sort(compareCodeUnits)
    widest = Math.max(widest, u.after.length)
  }
  return { ordering: widest > maxNeeds ? 'stages' : 'needs', batched, units, waves }
}

function singleUnit(s: PlannedSpec, key: string): GitlabUnit {
  return { key, wave: s.wave!, container: s.container, specs: [s], after: [] }
}

/**
 * The spec id in `[A-Za-z0-9._-]` (at most 96 characters), then 8 hex digits of the digest:
 * `zlib-1.3.1-gcc-13-os-ubuntu24.04-0123abcd`. Unique: where two would be alike (ids that differ
 * only in other characters, or past the cut), all take more digits of their digests.
 */
function slugs(specs: readonly PlannedSpec[]): string[] {
  const stem = specs.map((s) => {
    const text = s.id
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, SLUG_MAX)
    return text === '' ? 'spec' : text
  })
  const hex = specs.map((s) => (s.digest ?? '').replace(/^sha256:/, ''))
  let width = 8
  for (;;) {
    const names = stem.map((t, i) => `${t}-${hex[i]!.slice(0, width)}`)
    if (new Set(names).size === names.length || width >= 64) return names
    width *= 2
  }
}

/**
 * Specs packed into the fewest batches that keep the pipeline within `maxJobs`: one group per
 * (wave, image), each cut into chunks of the same size `size`, the smallest size that fits.
 */
function batches(
  building: readonly PlannedSpec[],
  budget: number,
  maxJobs: number,
  jobsPerUnit: number,
  fixedJobs: number,
): GitlabUnit[] {
  const groups = new Map<string, PlannedSpec[]>()
  for (const s of building) {
    const k = `${String(s.wave).padStart(8, '0')}\u0000${s.container ?? ''}`
    const group = groups.get(k)
    if (group) group.push(s)
    else groups.set(k, [s])
  }
  const ordered = [...groups.entries()].sort((a, b) => compareCodeUnits(a[0], b[0]))
  if (ordered.length > budget)
    throw new UserError(
      'input',
      '--max-jobs',
      `the plan needs at least ${ordered.length * jobsPerUnit + fixedJobs} jobs (one batch per wave and image), more than ${maxJobs}`,
    )
  const count = (size: number): number =>
    ordered.reduce((n, [, g]) => n + Math.ceil(g.length / size), 0)
  let size = Math.max(1, Math.ceil(building.length / budget))
  while (count(size) > budget) size++
  const units: GitlabUnit[] = []
  const perWave = new Map<number, number>()
  for (const [, group] of ordered) {
    for (let i = 0; i < group.length; i += size) {
      const specs = group.slice(i, i + size)
      const wave = specs[0]!.wave!
      const n = (perWave.get(wave) ?? 0) + 1
      perWave.set(wave, n)
      units.push({
        key: `wave-${wave}-batch-${n}`,
        wave,
        container: specs[0]!.container,
        specs,
        after: [],
      })
    }
  }
  return units
}

/**
 * For a spec id, the built specs it depends on nearest: its dependencies that build, and through
 * dependencies that do not (up to date, external), theirs — a rebuilt library reached through an
 * up-to-date one still has to exist first.
 */
function nearestBuilt(
  plan: Plan,
  building: ReadonlyMap<string, unknown>,
): (id: string) => ReadonlySet<string> {
  const byId = new Map(plan.specs.map((s) => [s.id, s]))
  const through = new Map<string, Set<string>>()
  const reach = (id: string, visiting: Set<string>): Set<string> => {
    const known = through.get(id)
    if (known) return known
    const out = new Set<string>()
    if (visiting.has(id)) return out
    visiting.add(id)
    for (const d of byId.get(id)?.dependencies ?? []) {
      if (building.has(d)) out.add(d)
      else for (const x of reach(d, visiting)) out.add(x)
    }
    visiting.delete(id)
    through.set(id, out)
    return out
  }
  return (id) => reach(id, new Set())
}

/**
 * Check a job name against GitLab's rules: at most 255 characters, not a global keyword, not
 * hidden (`.` first), and from a character set that needs no YAML or `needs:` care (no `:`).
 */
export function checkGitlabJobName(name: string): string {
  if (
    name.length === 0 ||
    name.length > GITLAB_LIMITS.jobName ||
    RESERVED_JOB_NAMES.has(name) ||
    name.startsWith('.') ||
    !/^[A-Za-z0-9._ -]+$/.test(name)
  )
    throw new Error(`invalid GitLab job name ${JSON.stringify(name)}`)
  return name
}

/** The generated configuration must fit the artifact a trigger job reads it from. */
export function checkGitlabConfigSize(bytes: number, where: string): void {
  if (bytes > GITLAB_LIMITS.generatedConfigBytes)
    throw new UserError(
      'input',
      where,
      `the generated pipeline is ${(bytes / 1024 / 1024).toFixed(1)} MB; GitLab reads at most 5 MB from a trigger artifact (lower --max-jobs to batch specs into fewer jobs)`,
    )
}
