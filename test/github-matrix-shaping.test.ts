/**
 * Waves, folding, batches and the output size ladder: the pure shaping (src/core/matrix-shaping.ts)
 * and the GitHub outputs built from it (src/render/github-outputs.ts).
 */
import { describe, expect, it } from 'vitest'
import {
  foldWaves,
  isBatch,
  packBatches,
  shareBatches,
  splitEvenly,
  type BatchEntry,
  type ShapedMatrix,
  type WaveEntry,
} from '../src/core/matrix-shaping.js'
import type { MatrixEntry } from '../src/core/plan.js'
import { outputsSize, shapeGithubOutputs, specsOf } from '../src/render/github-outputs.js'
import { planOf, widePlan } from './support/github-plans.js'

const entry = (spec: string, wave: number, container = ''): MatrixEntry =>
  ({
    spec,
    package: spec.split('@')[0]!,
    version: '1',
    compiler: '',
    os: '',
    container,
    digest: `sha256:${'0'.repeat(64)}`,
    wave,
  }) as MatrixEntry

const ids = (list: readonly WaveEntry[]): string[] => list.map((e) => e.spec)
const batchesOf = (m: ShapedMatrix): BatchEntry[] => m.include.filter(isBatch)

describe('foldWaves', () => {
  const include = [
    entry('a@1', 0),
    entry('b@1', 0),
    entry('c@1', 1),
    entry('d@1', 2),
    entry('e@1', 3),
    entry('f@1', 2),
  ]

  it('gives one list per level, padded with empty waves up to maxWaves', () => {
    const r = foldWaves(include, 6)
    expect(r.levels).toBe(4)
    expect(r.folded).toBe(false)
    expect(r.waves.map(ids)).toEqual([['a@1', 'b@1'], ['c@1'], ['d@1', 'f@1'], ['e@1'], [], []])
    expect(r.waves.flat().some((e) => 'order' in e)).toBe(false)
  })

  it('folds deeper levels into the last wave in dependency order, with wave = last and order = level', () => {
    const r = foldWaves(include, 2)
    expect(r.folded).toBe(true)
    expect(r.levels).toBe(4)
    expect(r.waves[0]!.map((e) => [e.spec, e.wave, e.order])).toEqual([
      ['a@1', 0, undefined],
      ['b@1', 0, undefined],
    ])
    expect(r.waves[1]!.map((e) => [e.spec, e.wave, e.order])).toEqual([
      ['c@1', 1, 1],
      ['d@1', 1, 2],
      ['f@1', 1, 2],
      ['e@1', 1, 3],
    ])
  })

  it('with one wave everything is in wave 0, ordered by level', () => {
    const r = foldWaves(include, 1)
    expect(ids(r.waves[0]!)).toEqual(['a@1', 'b@1', 'c@1', 'd@1', 'f@1', 'e@1'])
    expect(r.waves[0]!.map((e) => e.order)).toEqual([0, 0, 1, 2, 2, 3])
  })

  it('an empty plan has no levels and maxWaves empty waves', () => {
    expect(foldWaves([], 3)).toEqual({ waves: [[], [], []], levels: 0, folded: false })
  })

  it('rejects a maxWaves below 1', () => {
    expect(() => foldWaves(include, 0)).toThrow(/maxWaves must be a positive integer, got 0/)
  })
})

describe('batch packing', () => {
  it('splitEvenly cuts contiguous slices whose lengths differ by at most one', () => {
    expect(splitEvenly([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7],
    ])
    expect(splitEvenly([1, 2], 5)).toEqual([[1], [2]])
  })

  it('shareBatches gives each group at least one and the rest by size', () => {
    expect(shareBatches([90, 10], 10)).toEqual([9, 1])
    expect(shareBatches([100, 1, 1], 3)).toEqual([1, 1, 1])
    expect(shareBatches([5, 5], 100)).toEqual([5, 5])
    expect(shareBatches([50, 30, 20], 7).reduce((a, b) => a + b)).toBe(7)
  })

  it('never mixes containers, keeps dependency order inside a batch and names each batch', () => {
    const list: WaveEntry[] = [
      { ...entry('z@1', 2, 'img-b'), order: 2 },
      { ...entry('y@1', 0, 'img-a'), order: 0 },
      { ...entry('x@1', 1, 'img-a'), order: 1 },
      { ...entry('w@1', 0, 'img-b'), order: 0 },
      { ...entry('v@1', 0, 'img-a'), order: 0 },
    ]
    const batches = packBatches(list, {
      jobs: 2,
      detail: 'full',
      name: (n, of) => `batch ${n} of ${of}, wave 7`,
    })
    expect(batches.map((b) => [b.spec, b.batch, b.container, b.wave])).toEqual([
      ['batch 1 of 2, wave 7', 1, 'img-a', 0],
      ['batch 2 of 2, wave 7', 2, 'img-b', 0],
    ])
    expect(batches[0]!.specs.map((s) => [s.spec, s.order])).toEqual([
      ['v@1', 0],
      ['y@1', 0],
      ['x@1', 1],
    ])
    expect(batches[1]!.specs.map((s) => [s.spec, s.order])).toEqual([
      ['w@1', 0],
      ['z@1', 2],
    ])
    expect(Object.keys(batches[0]!.specs[0]!).sort()).toEqual([
      'compiler',
      'digest',
      'order',
      'os',
      'package',
      'spec',
      'version',
    ])
  })

  it('uses one batch per container even when jobs is lower', () => {
    const list = ['a', 'b', 'c'].map((c) => entry(`${c}@1`, 0, `img-${c}`))
    expect(packBatches(list, { jobs: 1, detail: 'ids', name: (n) => `b${n}` })).toHaveLength(3)
  })

  it('lists less per spec at the lighter details', () => {
    const list = [entry('a@1', 0), entry('b@1', 0)]
    const name = (n: number): string => `b${n}`
    expect(packBatches(list, { jobs: 1, detail: 'compact', name })[0]!.specs).toEqual([
      { spec: 'a@1', digest: `sha256:${'0'.repeat(64)}` },
      { spec: 'b@1', digest: `sha256:${'0'.repeat(64)}` },
    ])
    expect(packBatches(list, { jobs: 1, detail: 'ids', name })[0]!.specs).toEqual([
      { spec: 'a@1' },
      { spec: 'b@1' },
    ])
  })
})

describe('shapeGithubOutputs', () => {
  const options = { maxJobs: 256, maxWaves: 8, allowIdsOnly: false }

  it('always sets wave-i and has-wave-i for every i < max-waves, and the waves list per level', () => {
    const plan = planOf([
      { id: 'a@1', wave: 0 },
      { id: 'b@1', wave: 1 },
      { id: 'c@1', wave: 1 },
    ])
    const s = shapeGithubOutputs(plan, '/tmp/plan.json', options)
    for (let i = 0; i < 8; i++) {
      expect(s.outputs[`wave-${i}`]).toBeDefined()
      expect(s.outputs[`has-wave-${i}`]).toBe(i < 2 ? 'true' : 'false')
    }
    expect(JSON.parse(s.outputs['wave-5']!)).toEqual({ include: [] })
    expect(JSON.parse(s.outputs['wave-1']!).include.map((e: MatrixEntry) => e.spec)).toEqual([
      'b@1',
      'c@1',
    ])
    const waves = JSON.parse(s.outputs.waves!)
    expect(waves).toHaveLength(2)
    expect(waves[0]).toEqual(JSON.parse(s.outputs['wave-0']!))
    expect(s.outputs).toMatchObject({
      'has-work': 'true',
      'rebuild-count': '3',
      'wave-count': '2',
      batched: 'false',
      'plan-file': '/tmp/plan.json',
    })
    expect(JSON.parse(s.outputs.matrix!)).toEqual(plan.matrix)
  })

  it('nothing to build: empty matrices, every has-wave false', () => {
    const s = shapeGithubOutputs(planOf([]), 'p.json', { ...options, maxWaves: 3 })
    expect(s.outputs).toMatchObject({
      matrix: '{"include":[]}',
      waves: '[]',
      'wave-0': '{"include":[]}',
      'has-wave-0': 'false',
      'has-wave-2': 'false',
      'has-work': 'false',
      'wave-count': '0',
    })
  })

  it('folds deeper levels into the last wave output', () => {
    const plan = planOf([0, 1, 2, 3, 4].map((w) => ({ id: `s${w}@1`, wave: w })))
    const s = shapeGithubOutputs(plan, 'p.json', { ...options, maxWaves: 3 })
    expect(s.folded).toBe(true)
    expect(s.outputs['wave-count']).toBe('5')
    const last = JSON.parse(s.outputs['wave-2']!).include
    expect(last.map((e: WaveEntry) => [e.spec, e.wave, e.order])).toEqual([
      ['s2@1', 2, 2],
      ['s3@1', 2, 3],
      ['s4@1', 2, 4],
    ])
    expect(JSON.parse(s.outputs.waves!)).toHaveLength(3)
  })

  it('packs a matrix over max-jobs into batches, per matrix, and says so', () => {
    const plan = widePlan(600, 2, ['', 'ghcr.io/o/b:1'])
    const s = shapeGithubOutputs(plan, 'p.json', options)
    expect(s.batched).toBe(true)
    expect(s.outputs.batched).toBe('true')
    const matrix = JSON.parse(s.outputs.matrix!) as ShapedMatrix
    expect(matrix.include).toHaveLength(256)
    expect(matrix.include.flatMap(specsOf)).toHaveLength(600)
    expect(matrix.include[0]!.spec).toBe('batch 1 of 256')
    // every wave has 300 specs: batched as well, each batch in one container
    for (const w of [0, 1]) {
      const m = JSON.parse(s.outputs[`wave-${w}`]!) as ShapedMatrix
      expect(m.include.length).toBeLessThanOrEqual(256)
      expect(m.include.flatMap(specsOf).sort()).toEqual(
        plan.matrix.include
          .filter((e) => e.wave === w)
          .map((e) => e.spec)
          .sort(),
      )
      for (const b of batchesOf(m)) {
        expect(b.spec).toMatch(new RegExp(`^batch ${b.batch} of ${m.include.length}, wave ${w}$`))
        const containers = new Set(
          b.specs.map((x) => plan.specs.find((p) => p.id === x.spec)!.container),
        )
        expect([...containers]).toEqual([b.container])
      }
    }
  })

  it('honours a lower max-jobs', () => {
    const s = shapeGithubOutputs(widePlan(10), 'p.json', { ...options, maxJobs: 3 })
    const m = JSON.parse(s.outputs.matrix!) as ShapedMatrix
    expect(m.include.map((b) => specsOf(b).length)).toEqual([4, 3, 3])
    expect(m.include.map((b) => b.spec)).toEqual(['batch 1 of 3', 'batch 2 of 3', 'batch 3 of 3'])
  })

  it('stays under the byte budget by batching harder, never by dropping specs', () => {
    const plan = widePlan(400, 1)
    const free = shapeGithubOutputs(plan, 'p.json', { ...options, maxJobs: 256 })
    // 400 specs > 256 jobs: batched in full detail
    expect(free.detail).toBe('full')
    const budget = Math.floor(free.bytes * 0.6)
    const tight = shapeGithubOutputs(plan, 'p.json', { ...options, maxBytes: budget })
    expect(tight.bytes).toBeLessThanOrEqual(budget)
    expect(tight.bytes).toBe(outputsSize(tight.outputs))
    const m = JSON.parse(tight.outputs.matrix!) as ShapedMatrix
    expect(m.include.flatMap(specsOf)).toHaveLength(400)
    expect(JSON.parse(tight.outputs['wave-0']!).include.flatMap(specsOf)).toHaveLength(400)
  })

  it('may list spec ids only when build jobs get the plan (plan-artifact), else fails clearly', () => {
    const plan = widePlan(300, 1)
    const compact = shapeGithubOutputs(plan, 'p.json', { ...options, maxJobs: 1 })
    expect(compact.detail).toBe('full')
    const full = compact.bytes
    const idsOnly = shapeGithubOutputs(plan, 'p.json', {
      ...options,
      allowIdsOnly: true,
      maxBytes: Math.floor(full * 0.5),
    })
    expect(idsOnly.detail).toBe('ids')
    const batch = JSON.parse(idsOnly.outputs.matrix!).include[0] as BatchEntry
    expect(Object.keys(batch.specs[0]!)).toEqual(['spec'])
    expect(() =>
      shapeGithubOutputs(plan, 'p.json', { ...options, maxBytes: Math.floor(full * 0.5) }),
    ).toThrow(
      /^outputs: 300 specs to build need \d+ KB of job outputs even packed into 1 batch; GitHub allows 1 MB per job \(budget \d+ KB\)\. Set plan-artifact/,
    )
  })

  it('a real GitHub budget: 3,000 specs in 5 waves fit with the default limits', () => {
    const plan = widePlan(3000, 5)
    const s = shapeGithubOutputs(plan, 'p.json', { ...options, allowIdsOnly: true })
    expect(s.bytes).toBeLessThanOrEqual(900_000)
    expect(JSON.parse(s.outputs.matrix!).include.flatMap(specsOf)).toHaveLength(3000)
  })

  it('refuses more containers than max-jobs (a batch never mixes containers)', () => {
    const plan = widePlan(3, 1, ['a', 'b', 'c'])
    expect(() => shapeGithubOutputs(plan, 'p.json', { ...options, maxJobs: 2 })).toThrow(
      'max-jobs: 3 different containers need at least 3 jobs (a batch never mixes containers), more than max-jobs 2',
    )
  })

  it('validates every value a job sees, inside batches too', () => {
    const plan = planOf([{ id: 'a@1', wave: 0, container: 'img$(id)' }])
    expect(() => shapeGithubOutputs(plan, 'p.json', options)).toThrow(
      /matrix entry "a@1" field container: value "img\$\(id\)" has characters outside/,
    )
  })
})
