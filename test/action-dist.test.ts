/**
 * The bundled Action (dist/index.js) run the way the runner runs it: `node dist/index.js` with
 * INPUT_* variables, GITHUB_EVENT_NAME/GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
 * files. github.com itself is the only thing not real here: the event payload is a file we write.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GitFixture } from './support/git-fixture.js'
import { ACTION, runAsRunner } from './support/run-dist.js'
import { APP, createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

let fx: GitFixture
let base: string
let head: string
let temp: string

beforeAll(async () => {
  fx = await createSpackFixture()
  base = (await fx.git('rev-parse', 'HEAD')).trim()
  await fx.write(
    `${PKG}/zlib/package.py`,
    ZLIB.replace('make("install")', 'make("install", "-j4")'),
  )
  head = await fx.commit('zlib install')
  temp = await mkdtemp(join(tmpdir(), 'binary-check-action-'))
})
afterAll(async () => {
  await fx.cleanup()
  await rm(temp, { recursive: true, force: true })
})

function runAction(
  event: { name: string; payload: unknown },
  inputs: Record<string, string> = {},
  repo: GitFixture = fx,
  extraEnv: Record<string, string> = {},
) {
  return runAsRunner(ACTION, {
    scratch: temp,
    workspace: repo.dir,
    head,
    event,
    inputs,
    env: extraEnv,
  })
}

describe('the bundled action (dist/index.js)', () => {
  it('plans a push event: matrix, has-work, rebuild-count, plan-file and the job summary', async () => {
    const r = await runAction({
      name: 'push',
      payload: { before: base, after: head, ref: 'refs/heads/main' },
    })
    expect(r.code).toBe(0)
    const matrix = JSON.parse(r.outputs.matrix!)
    expect(matrix.include.map((m: { spec: string }) => m.spec)).toEqual([
      'zlib@1.2.13',
      'zlib@1.3.1',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
      'app@1.0',
    ])
    expect(Object.keys(matrix.include[0]).sort()).toEqual(
      [
        'compiler',
        'container',
        'digest',
        'os',
        'package',
        'spec',
        'version',
        'wave',
        ...('lock' in matrix.include[0] ? ['lock'] : []),
      ].sort(),
    )
    expect(r.outputs['has-work']).toBe('true')
    expect(r.outputs['rebuild-count']).toBe('6')
    const plan = JSON.parse(await readFile(r.outputs['plan-file']!, 'utf8'))
    expect(plan.schema).toBe('binary-check/plan@1')
    expect(plan.base).toBe(base)
    const summaryLines = r.summary.split('\n')
    expect(summaryLines[0]).toBe('### binary-check: 6 specs to build')
    expect(r.summary).toContain(
      '| 0 | zlib@1.3.1 |  | recipe repos/spack\\_repo/t/packages/zlib/package.py changed |',
    )
  })

  it('a pull request compares the merge-base with the head', async () => {
    const r = await runAction({
      name: 'pull_request',
      payload: { pull_request: { base: { sha: base }, head: { sha: head } } },
    })
    expect(r.code).toBe(0)
    expect(r.outputs['rebuild-count']).toBe('6')
  })

  it('a first push (zero before SHA) has no base: everything is new, and it says so', async () => {
    const r = await runAction({
      name: 'push',
      payload: { before: '0'.repeat(40), after: head, created: true },
    })
    expect(r.code).toBe(0)
    expect(r.outputs['rebuild-count']).toBe('10')
    expect(r.stdout).toMatch(/no base commit/)
    const plan = JSON.parse(await readFile(r.outputs['plan-file']!, 'utf8'))
    expect(plan.base).toBeNull()
    expect(plan.notes[0]).toMatch(/no base commit/)
  })

  it('nothing to do gives has-work false and an empty matrix', async () => {
    const r = await runAction({ name: 'push', payload: { before: head, after: head } })
    expect(r.code).toBe(0)
    expect(r.outputs['has-work']).toBe('false')
    expect(JSON.parse(r.outputs.matrix!)).toEqual({ include: [] })
    expect(r.summary.split('\n')[0]).toBe('### binary-check: Nothing to rebuild')
  })

  it('bad input fails the step with one clear error line', async () => {
    const r = await runAction(
      { name: 'push', payload: { before: base, after: head } },
      { config: 'missing.yml' },
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^::error::binary-check: .*missing\.yml: config file not found$/m)
  })

  it('bad max-jobs fails the step naming the input', async () => {
    const r = await runAction(
      { name: 'push', payload: { before: base, after: head } },
      { 'max-jobs': '300' },
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /^::error::binary-check: max-jobs: expected an integer from 1 to 256, got "300"$/m,
    )
  })
})

const PUSH = (): { name: string; payload: unknown } => ({
  name: 'push',
  payload: { before: base, after: head },
})
type Entry = { spec: string; wave: number; order?: number; batch?: number; specs?: Entry[] }
const specsIn = (m: { include: Entry[] }): string[] =>
  m.include.flatMap((e) => (e.specs ? e.specs.map((s) => s.spec) : [e.spec]))

describe('waves, batches, the plan artifact and annotations (dist/index.js)', () => {
  it('one matrix per wave: wave-i and has-wave-i for every i < 8, waves, wave-count', async () => {
    const r = await runAction(PUSH())
    expect(r.code).toBe(0)
    const o = r.outputs
    expect(specsIn(JSON.parse(o['wave-0']!))).toEqual(['zlib@1.2.13', 'zlib@1.3.1'])
    expect(specsIn(JSON.parse(o['wave-1']!))).toEqual([
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
    ])
    expect(specsIn(JSON.parse(o['wave-2']!))).toEqual(['app@1.0'])
    for (let i = 0; i < 8; i++) {
      expect(o[`has-wave-${i}`]).toBe(i < 3 ? 'true' : 'false')
      if (i >= 3) expect(JSON.parse(o[`wave-${i}`]!)).toEqual({ include: [] })
    }
    expect(o['wave-8']).toBeUndefined()
    const waves = JSON.parse(o.waves!)
    expect(waves.map(specsIn)).toEqual([
      ['zlib@1.2.13', 'zlib@1.3.1'],
      ['libfoo@1.0', 'libfoo@2.0', 'libfoo@2.0+cuda'],
      ['app@1.0'],
    ])
    expect(o['wave-count']).toBe('3')
    expect(o.batched).toBe('false')
    expect(r.summary).toContain('| 1 | 3 | 3 | libfoo@1.0, libfoo@2.0, libfoo@2.0\\+cuda |')
    expect(r.stdout).not.toMatch(/Uploading the plan/)
  })

  it('max-waves folds deeper levels into the last wave; max-jobs packs batches', async () => {
    const r = await runAction(PUSH(), { 'max-waves': '2', 'max-jobs': '2' })
    expect(r.code).toBe(0)
    const o = r.outputs
    expect(o['has-wave-1']).toBe('true')
    expect(o['wave-2']).toBeUndefined()
    expect(o['wave-count']).toBe('3')
    expect(o.batched).toBe('true')
    const last = JSON.parse(o['wave-1']!) as { include: Entry[] }
    expect(last.include.map((b) => [b.spec, b.batch, b.wave])).toEqual([
      ['batch 1 of 2, wave 1', 1, 1],
      ['batch 2 of 2, wave 1', 2, 1],
    ])
    // the folded wave keeps dependency order: libfoo (level 1) before app (level 2)
    expect(last.include.flatMap((b) => b.specs!.map((s) => [s.spec, s.order]))).toEqual([
      ['libfoo@1.0', 1],
      ['libfoo@2.0', 1],
      ['libfoo@2.0+cuda', 1],
      ['app@1.0', 2],
    ])
    const matrix = JSON.parse(o.matrix!) as { include: Entry[] }
    expect(matrix.include).toHaveLength(2)
    expect(specsIn(matrix)).toHaveLength(6)
    expect(o['rebuild-count']).toBe('6')
    expect(r.stdout).toMatch(
      /^::warning::The plan has 3 waves; waves 1–2 are folded into wave-1 \(max-waves 2\)/m,
    )
    expect(r.stdout).toMatch(
      /^::warning::The matrix is packed into batches and the plan is not uploaded/m,
    )
    expect(r.summary).toContain('| 1 (levels 1–2) | 2 | 4 |')
  })

  it('plan-artifact: the upload is attempted and, without the artifact service, only warns', async () => {
    // No ACTIONS_RUNTIME_TOKEN here (the artifact service only exists on a real runner): the
    // upload is attempted, fails with a warning, and the step still succeeds with its outputs.
    const r = await runAction(PUSH(), { 'plan-artifact': 'binary-check-plan' })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^Uploading the plan .*binary-check-plan\.json as workflow artifact "binary-check-plan"$/m,
    )
    expect(r.stdout).toMatch(
      /^::warning::Could not upload the plan as artifact "binary-check-plan": Unable to get the ACTIONS_RUNTIME_TOKEN env variable$/m,
    )
    expect(r.outputs['has-work']).toBe('true')
    expect(r.summary).not.toContain('workflow artifact binary-check-plan')
  })

  it('unresolved directives become warnings on their file and line, at most 10', async () => {
    const repo = await createSpackFixture()
    try {
      const before = (await repo.git('rev-parse', 'HEAD')).trim()
      const computed = Array.from(
        { length: 12 },
        (_, i) => `    depends_on("zlib", when=WHEN_${i})\n`,
      ).join('')
      await repo.write(
        `${PKG}/app/package.py`,
        APP.replace('    def cmake_args', `${computed}\n    def cmake_args`),
      )
      const sha = await repo.commit('app: computed conditions')
      const r = await runAction({ name: 'push', payload: { before, after: sha } }, {}, repo, {
        GITHUB_SHA: sha,
      })
      expect(r.code).toBe(0)
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'))
      expect(warnings).toHaveLength(10)
      expect(warnings[0]).toBe(
        `::warning title=binary-check%3A unresolved directive,file=${PKG}/app/package.py,line=11::app: depends_on(...): argument 'when' is not a literal. Kept in the recipe as code: it affects every spec of app.`,
      )
      expect(warnings[9]).toBe(
        '::warning title=binary-check%3A unresolved directives::and 3 more unresolved directives; see the plan file (output plan-file, field "unresolved").',
      )
    } finally {
      await repo.cleanup()
    }
  })
})
