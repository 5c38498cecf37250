/**
 * The copy-paste workflows in examples/github/: every output they read from the plan is one the
 * action declares (action.yml), every input they give exists, values reach shells only through
 * env (no `${{ }}` inside `run:` or a github-script `script:`), and every `uses:` is pinned.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { PROJECT_ROOT } from './support/run-dist.js'

const DIR = join(PROJECT_ROOT, 'examples/github')

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}
interface Job {
  needs?: string | string[]
  if?: string
  outputs?: Record<string, string>
  steps?: Step[]
  strategy?: { matrix?: unknown }
  container?: unknown
  env?: Record<string, string>
  uses?: string
}
interface Workflow {
  on: unknown
  jobs: Record<string, Job>
}
interface ActionMeta {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}

const PLAN_ACTION = /^[^/]+\/binary-check@/
const RECORD_ACTION = /^[^/]+\/binary-check\/record@/

let workflows: Array<{ file: string; wf: Workflow }>
let action: ActionMeta
let record: ActionMeta

beforeAll(async () => {
  const files = (await readdir(DIR)).filter((f) => /\.ya?ml$/.test(f)).sort()
  workflows = await Promise.all(
    files.map(async (file) => ({
      file,
      wf: YAML.parse(await readFile(join(DIR, file), 'utf8')) as Workflow,
    })),
  )
  action = YAML.parse(await readFile(join(PROJECT_ROOT, 'action.yml'), 'utf8'))
  record = YAML.parse(await readFile(join(PROJECT_ROOT, 'record/action.yml'), 'utf8'))
})

/** Every string in a YAML value, with its path. */
function strings(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }]
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`))
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k))
  return []
}

function refs(text: string, re: RegExp): string[] {
  return [...text.matchAll(re)].map((m) => m[1]!)
}

const steps = (job: Job): Step[] => job.steps ?? []

/**
 * What is wrong with a workflow: outputs read from the plan that action.yml does not declare (or
 * the plan job does not map), inputs the actions do not take, `${{ }}` in `run:`/`script:`, and
 * unpinned `uses:`. Also counts what it looked at, so a test can see it did look.
 */
function problems(file: string, wf: Workflow): { problems: string[]; looked: number } {
  const out: string[] = []
  let looked = 0
  const declared = new Set(Object.keys(action.outputs))
  const planJobs = Object.entries(wf.jobs).filter(([, j]) =>
    steps(j).some((s) => PLAN_ACTION.test(s.uses ?? '')),
  )
  for (const [planJob, job] of planJobs) {
    const ids = steps(job)
      .filter((s) => PLAN_ACTION.test(s.uses ?? ''))
      .map((s) => s.id)
    if (ids.some((id) => id === undefined))
      out.push(`${file}: jobs.${planJob}: plan step has no id`)
    const stepIds = ids.filter((id): id is string => id !== undefined)
    for (const { path, text } of strings(wf)) {
      for (const id of stepIds)
        for (const x of refs(text, new RegExp(`steps\\.${id}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g'))) {
          looked++
          if (!declared.has(x))
            out.push(`${file} ${path}: steps.${id}.outputs.${x} is not declared`)
        }
      for (const x of refs(
        text,
        new RegExp(`needs\\.${planJob}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g'),
      )) {
        looked++
        if (!declared.has(x))
          out.push(`${file} ${path}: needs.${planJob}.outputs.${x} is not declared`)
        const mapped = job.outputs?.[x] ?? ''
        const m = /^\$\{\{ steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+) \}\}$/.exec(mapped)
        if (!m || !stepIds.includes(m[1]!) || m[2] !== x)
          out.push(
            `${file} ${path}: jobs.${planJob}.outputs.${x} does not map the plan step's ${x}`,
          )
      }
    }
  }
  for (const [name, job] of Object.entries(wf.jobs)) {
    for (const u of [job.uses, ...steps(job).map((s) => s.uses)]) {
      if (u === undefined) continue
      looked++
      if (!/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(u))
        out.push(`${file} jobs.${name}: uses ${u} is not pinned to a version`)
    }
    for (const [i, s] of steps(job).entries()) {
      const meta = PLAN_ACTION.test(s.uses ?? '')
        ? action
        : RECORD_ACTION.test(s.uses ?? '')
          ? record
          : undefined
      for (const k of meta ? Object.keys(s.with ?? {}) : [])
        if (!(k in meta!.inputs))
          out.push(`${file} jobs.${name}.steps[${i}]: ${s.uses} has no input ${k}`)
      for (const code of [s.run, s.with?.script])
        if (typeof code === 'string') {
          looked++
          if (code.includes('${{'))
            out.push(`${file} jobs.${name}.steps[${i}]: \${{ }} inside run:/script:`)
        }
    }
  }
  return { problems: out, looked }
}

describe('examples/github', () => {
  it('holds rebuild.yml, pull-request.yml and spack-buildcache.yml, each a parseable workflow with one plan job', () => {
    expect(workflows.map((w) => w.file)).toEqual([
      'pull-request-comment.yml',
      'pull-request.yml',
      'rebuild.yml',
      'spack-buildcache.yml',
    ])
    for (const { file, wf } of workflows)
      expect(
        Object.values(wf.jobs).filter((j) => steps(j).some((s) => PLAN_ACTION.test(s.uses ?? ''))),
      ).toHaveLength(file === 'pull-request-comment.yml' ? 0 : 1)
  })

  it('the pull-request comment is written by a trusted workflow_run job that never runs the head', () => {
    const plan = workflows.find((w) => w.file === 'pull-request.yml')!.wf as Workflow & {
      permissions?: Record<string, string>
    }
    const comment = workflows.find((w) => w.file === 'pull-request-comment.yml')!.wf as Workflow & {
      permissions?: Record<string, string>
    }
    // the planning side runs the pull request's code with a read-only token and uploads data
    expect(plan.on).toEqual({ pull_request: null })
    expect(plan.permissions).toEqual({ contents: 'read' })
    const uploads = steps(plan.jobs.plan!).filter((s) =>
      /^actions\/upload-artifact@/.test(s.uses ?? ''),
    )
    expect(uploads).toHaveLength(1)
    expect(steps(plan.jobs.plan!).some((s) => /github-script/.test(s.uses ?? ''))).toBe(false)
    // the commenting side: workflow_run, write access, no checkout, no plan
    expect(comment.on).toEqual({
      workflow_run: { workflows: ['rebuild-preview'], types: ['completed'] },
    })
    expect(comment.permissions?.['pull-requests']).toBe('write')
    const all = Object.values(comment.jobs).flatMap(steps)
    expect(all.some((s) => /checkout/.test(s.uses ?? ''))).toBe(false)
    expect(all.some((s) => s.run !== undefined)).toBe(false)
    const script = String(all.find((s) => /github-script/.test(s.uses ?? ''))!.with!.script)
    expect(script).toContain('pr.head.sha !== process.env.PLANNED_SHA')
    expect(script).toContain('/^[0-9]{1,10}$/.test(number)')
    expect(script).toContain('updateComment')
  })

  it('read only declared outputs, give only declared inputs, keep ${{ }} out of run:, pin uses:', () => {
    let looked = 0
    for (const { file, wf } of workflows) {
      const r = problems(file, wf)
      expect(r.problems).toEqual([])
      looked += r.looked
    }
    expect(looked).toBeGreaterThan(40)
  })

  it('spack-buildcache.yml plans against a Spack OCI build cache and installs the locked hash', () => {
    const { wf } = workflows.find((w) => w.file === 'spack-buildcache.yml')!
    const plan = steps(wf.jobs.plan!).find((s) => PLAN_ACTION.test(s.uses ?? ''))!
    expect(String(plan.with?.mirror)).toMatch(/^spack\+oci:\/\/ghcr\.io\//)
    const build = wf.jobs.build!
    expect(build.env?.SPACK_HASH).toBe('${{ matrix.spackHash }}')
    const runs = steps(build)
      .map((s) => s.run ?? '')
      .join('\n')
    expect(runs).toContain('install --no-add')
    expect(runs).toContain('"/$SPACK_HASH"')
    expect(runs).toContain('buildcache push')
    // binary-check never writes the Spack cache: no record step
    expect(steps(build).some((s) => RECORD_ACTION.test(s.uses ?? ''))).toBe(false)
  })

  it('the check catches each kind of mistake', () => {
    const wf = structuredClone(workflows.find((w) => w.file === 'rebuild.yml')!.wf)
    const jobs = wf.jobs
    jobs.plan!.outputs!['wave-9'] = '${{ steps.plan.outputs.wave-9 }}'
    jobs['build-wave-2']!.strategy!.matrix = '${{ fromJSON(needs.plan.outputs.wave-9) }}'
    jobs['build-wave-1']!.if = "${{ needs.plan.outputs.has-wave-one == 'true' }}"
    jobs['build-wave-0']!.steps![0]!.uses = 'actions/checkout@main'
    jobs['build-wave-0']!.steps![3]!.run = 'build "${{ matrix.spec }}"'
    const rec = jobs['build-wave-0']!.steps!.find((s) => RECORD_ACTION.test(s.uses ?? ''))!
    rec.with = { ...rec.with, artefact: 'x' }
    expect(problems('rebuild.yml', wf).problems).toEqual([
      'rebuild.yml jobs.plan.outputs.wave-9: steps.plan.outputs.wave-9 is not declared',
      'rebuild.yml jobs.build-wave-1.if: needs.plan.outputs.has-wave-one is not declared',
      "rebuild.yml jobs.build-wave-1.if: jobs.plan.outputs.has-wave-one does not map the plan step's has-wave-one",
      'rebuild.yml jobs.build-wave-2.strategy.matrix: needs.plan.outputs.wave-9 is not declared',
      'rebuild.yml jobs.build-wave-0: uses actions/checkout@main is not pinned to a version',
      'rebuild.yml jobs.build-wave-0.steps[3]: ${{ }} inside run:/script:',
      'rebuild.yml jobs.build-wave-0.steps[4]: <org>/binary-check/record@v1 has no input artefact',
    ])
  })

  describe('rebuild.yml', () => {
    const wf = (): Workflow => workflows.find((w) => w.file === 'rebuild.yml')!.wf

    it('runs on push to main and in the merge queue', () => {
      expect(wf().on).toEqual({ push: { branches: ['main'] }, merge_group: null })
    })

    it('chains plan → build-wave-0 → 1 → 2 → index, each wave only when it has jobs', () => {
      const jobs = wf().jobs
      const plan = steps(jobs.plan!).find((s) => PLAN_ACTION.test(s.uses ?? ''))!
      const waves = Object.keys(jobs).filter((j) => j.startsWith('build-wave-'))
      expect(waves).toEqual(['build-wave-0', 'build-wave-1', 'build-wave-2'])
      // one build job per wave output: deeper levels fold into the last one
      expect(String(plan.with?.['max-waves'])).toBe(String(waves.length))
      waves.forEach((name, i) => {
        const job = jobs[name]!
        expect(job.needs).toEqual(i === 0 ? 'plan' : ['plan', `build-wave-${i - 1}`])
        expect(job.if).toBe(
          `\${{ !cancelled() && !failure() && needs.plan.outputs.has-wave-${i} == 'true' }}`,
        )
        expect(job.strategy?.matrix).toBe(`\${{ fromJSON(needs.plan.outputs.wave-${i}) }}`)
        expect(job.container).toMatchObject({ image: '${{ matrix.container }}' })
        const rec = steps(job).find((s) => RECORD_ACTION.test(s.uses ?? ''))
        expect(rec, `${name} records what it built`).toBeDefined()
        expect(rec!.with).toMatchObject({
          spec: '${{ matrix.spec }}',
          digest: '${{ matrix.digest }}',
          specs: '${{ toJSON(matrix.specs) }}',
        })
      })
      expect(jobs.index!.needs).toEqual(['plan', ...waves])
      expect(jobs.index!.if).toMatch(/^\$\{\{ always\(\)/)
    })

    it('build jobs download the artifact the plan job uploads, under the name the action writes', () => {
      const jobs = wf().jobs
      const plan = steps(jobs.plan!).find((s) => PLAN_ACTION.test(s.uses ?? ''))!
      const name = plan.with?.['plan-artifact']
      expect(name).toBeTruthy()
      for (const j of ['build-wave-0', 'build-wave-1', 'build-wave-2']) {
        const dl = steps(jobs[j]!).find((s) => s.uses?.startsWith('actions/download-artifact@'))
        expect(dl?.with?.name).toBe(name)
        const rec = steps(jobs[j]!).find((s) => RECORD_ACTION.test(s.uses ?? ''))!
        expect(rec.with?.['plan-file']).toBe(`${dl!.with!.path}/binary-check-plan.json`)
      }
    })

    it('passes the spec to the build through env, BINARY_CHECK_* as the README documents', async () => {
      const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8')
      const env = wf().jobs['build-wave-0']!.env!
      expect(env).toMatchObject({
        BINARY_CHECK_SPEC: '${{ matrix.spec }}',
        BINARY_CHECK_DIGEST: '${{ matrix.digest }}',
        BINARY_CHECK_CONTAINER: '${{ matrix.container }}',
      })
      for (const name of [
        ...Object.keys(env),
        'BINARY_CHECK_ARTIFACT',
        'BINARY_CHECK_ARTIFACT_DIR',
      ])
        expect(readme, `README documents ${name}`).toContain(name)
    })
  })
})
