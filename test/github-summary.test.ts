/**
 * The job summary (verdict, reason counts, wave table, rebuild table cut to GitHub's 1 MiB),
 * the unresolved-directive annotations (at most 10 per step) and the plan-artifact decision.
 */
import { describe, expect, it } from 'vitest'
import { decidePlanUpload } from '../src/action/plan-artifact.js'
import type { UnresolvedItem } from '../src/core/model.js'
import type { Plan } from '../src/core/plan.js'
import { renderUnresolvedAnnotations } from '../src/render/github-annotations.js'
import { shapeGithubOutputs } from '../src/render/github-outputs.js'
import { renderGithubSummary } from '../src/render/github-summary.js'
import { planOf, widePlan } from './support/github-plans.js'

function withReasons(plan: Plan): Plan {
  plan.specs[0]!.reasons = [{ kind: 'recipe', package: 'a', files: ['pkgs/a|b.py'] }]
  plan.specs[1]!.reasons = [
    {
      kind: 'dependency',
      dependency: 'a@1',
      change: 'changed',
      chain: ['a@1'],
      cause: [{ kind: 'recipe', package: 'a', files: ['pkgs/a|b.py'] }],
    },
  ]
  plan.summary.byReason = { recipe: 1, dependency: 2, missing: 1 }
  return plan
}

describe('renderGithubSummary', () => {
  const plan = withReasons(
    planOf([
      { id: 'a@1', wave: 0 },
      { id: 'b@1 +x', wave: 1, container: 'ghcr.io/o/img:1' },
      { id: 'c@1', wave: 1 },
      { id: 'd@1', wave: 1 },
      { id: 'e@1', wave: 1 },
    ]),
  )

  it('lists specs claimed by another run (in progress), outside the rebuild table', () => {
    const claimed = withReasons(
      planOf([
        { id: 'a@1', wave: 0 },
        { id: 'b@1 +x', wave: 1 },
      ]),
    )
    claimed.specs[1]!.status = 'in-progress'
    claimed.specs[1]!.wave = null
    const md = renderGithubSummary(claimed)
    expect(md).toContain('\nIn progress elsewhere (claimed, not in this matrix): b@1 \\+x\n')
    // not a row of the rebuild table (| wave | spec | container | why |)
    expect(md).not.toMatch(/^\| \d+ \| b@1 \\\+x \|/m)
    expect(md).toMatch(/^\| 0 \| a@1 \|/m)
  })

  it('verdict, counts by reason kind, a wave table, then the rebuilds (escaped)', () => {
    const shape = shapeGithubOutputs(plan, '/tmp/p.json', {
      maxJobs: 2,
      maxWaves: 8,
      allowIdsOnly: false,
    })
    const md = renderGithubSummary(plan, {
      waves: shape.waves,
      levels: shape.levels,
      planFile: '/tmp/p.json',
    })
    const lines = md.split('\n')
    expect(lines[0]).toBe('### binary-check: 5 specs to build')
    expect(md).toContain('Why: dependency 2 · missing 1 · recipe 1\n')
    expect(md).toContain(
      [
        '| wave | jobs | specs | sample |',
        '| ---: | ---: | ---: | --- |',
        '| 0 | 1 | 1 | a@1 |',
        '| 1 | 2 | 4 | c@1, d@1, e@1, … |', // batches: container '' first
      ].join('\n'),
    )
    expect(md).toContain('| 0 | a@1 |  | recipe pkgs/a\\|b.py changed |')
    expect(md).toContain(
      '| 1 | b@1 \\+x | ghcr.io/o/img:1 | dependency a@1: recipe pkgs/a\\|b.py changed |',
    )
    expect(md.indexOf('| wave | jobs |')).toBeLessThan(md.indexOf('| wave | spec |'))
    expect(md).not.toContain('left out')
  })

  it('marks the last wave when it folds deeper levels', () => {
    const deep = planOf([0, 1, 2, 3].map((w) => ({ id: `s${w}@1`, wave: w })))
    const shape = shapeGithubOutputs(deep, 'p.json', {
      maxJobs: 256,
      maxWaves: 2,
      allowIdsOnly: false,
    })
    const md = renderGithubSummary(deep, { waves: shape.waves, levels: shape.levels })
    expect(md).toContain('| 1 (levels 1–3) | 3 | 3 | s1@1, s2@1, s3@1 |')
  })

  it('without shaped waves, counts one job per spec', () => {
    expect(renderGithubSummary(plan)).toContain('| 1 | 4 | 4 | b@1 \\+x, c@1, d@1, … |')
  })

  it('cuts the rebuild table to the size limit and says how many rows and where the plan is', () => {
    const big = widePlan(5000, 3)
    const md = renderGithubSummary(big, {
      planFile: '/runner/_temp/binary-check-plan.json',
      planArtifact: 'binary-check-plan',
      maxBytes: 50_000,
    })
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(50_000)
    const rows = md.split('\n').filter((l) => /^\| \d+ \| p\d+@1\.0 \|/.test(l))
    expect(rows.length).toBeGreaterThan(100)
    const left = 5000 - rows.length
    expect(md).toContain(
      `…and ${left} more rows left out: the job summary is limited to 1 MiB. The full plan is in the plan file /runner/\\_temp/binary-check-plan.json and the workflow artifact binary-check-plan.`,
    )
    // the default limit is GitHub's (1 MiB, with a margin): 5,000 rows fit
    expect(renderGithubSummary(big)).not.toContain('left out')
  })

  it('a huge plan stays under 1 MiB by default', () => {
    const huge = widePlan(30_000, 4)
    const md = renderGithubSummary(huge)
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024)
    expect(md).toMatch(/…and \d+ more rows left out/)
  })
})

describe('renderUnresolvedAnnotations', () => {
  const items: UnresolvedItem[] = Array.from({ length: 12 }, (_, i) => ({
    package: `p${i}`,
    place: { file: `pkgs/p${i}/package.py`, line: i + 1 },
    reason: "depends_on(...): argument 'when' is not a literal",
  }))

  it('one warning per item on its file and line, under the working directory', () => {
    const a = renderUnresolvedAnnotations(items.slice(0, 2), { pathPrefix: 'recipes' })
    expect(a).toEqual([
      {
        message:
          "p0: depends_on(...): argument 'when' is not a literal. Kept in the recipe as code: it affects every spec of p0.",
        properties: {
          title: 'binary-check: unresolved directive',
          file: 'recipes/pkgs/p0/package.py',
          startLine: 1,
        },
      },
      expect.objectContaining({ properties: expect.objectContaining({ startLine: 2 }) }),
    ])
    expect(
      renderUnresolvedAnnotations(items.slice(0, 1), { pathPrefix: '' })[0]!.properties.file,
    ).toBe('pkgs/p0/package.py')
  })

  it('up to 10 are shown as they are', () => {
    expect(renderUnresolvedAnnotations(items.slice(0, 10))).toHaveLength(10)
  })

  it('past 10: the first 9, then one saying how many more', () => {
    const a = renderUnresolvedAnnotations(items)
    expect(a).toHaveLength(10)
    expect(a.slice(0, 9).map((x) => x.properties.startLine)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(a[9]).toEqual({
      message:
        'and 3 more unresolved directives; see the plan file (output plan-file, field "unresolved").',
      properties: { title: 'binary-check: unresolved directives' },
    })
  })

  it('a lower limit (other warnings already shown) leaves room for them', () => {
    const a = renderUnresolvedAnnotations(items, { limit: 4 })
    expect(a).toHaveLength(4)
    expect(a[3]!.message).toMatch(/^and 9 more unresolved directives/)
    expect(renderUnresolvedAnnotations(items, { limit: 0 })).toHaveLength(1)
  })
})

describe('decidePlanUpload', () => {
  it('uploads when plan-artifact is set, batched or not', () => {
    expect(decidePlanUpload({ artifactName: 'plan', batched: false })).toEqual({
      upload: true,
      name: 'plan',
      why: 'plan-artifact is set',
    })
    expect(decidePlanUpload({ artifactName: ' plan ', batched: true })).toEqual({
      upload: true,
      name: 'plan',
      why: 'plan-artifact is set and the matrix is batched',
    })
  })

  it('does not upload without a name; a batched matrix gets a hint', () => {
    expect(decidePlanUpload({ artifactName: '', batched: false })).toEqual({ upload: false })
    const d = decidePlanUpload({ artifactName: '', batched: true })
    expect(d.upload).toBe(false)
    expect(d.upload === false && d.warning).toMatch(/set plan-artifact/)
  })
})
