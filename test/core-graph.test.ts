import { describe, expect, it } from 'vitest'
import { computeWaves, stronglyConnectedComponents } from '../src/core/graph.js'

const adj = (edges: Record<string, string[]>) => new Map(Object.entries(edges))

describe('stronglyConnectedComponents', () => {
  it('emits components dependencies-first and collapses cycles', () => {
    const g = adj({ app: ['lib'], lib: ['a'], a: ['b'], b: ['a', 'z'], z: [] })
    expect(stronglyConnectedComponents(['app', 'lib', 'a', 'b', 'z'], g)).toEqual([
      ['z'],
      ['a', 'b'],
      ['lib'],
      ['app'],
    ])
  })
  it('handles a 100,000-deep chain without overflowing the stack', () => {
    const n = 100_000
    const nodes = Array.from({ length: n }, (_, i) => `n${i}`)
    const g = new Map(nodes.map((x, i) => [x, i + 1 < n ? [`n${i + 1}`] : []]))
    const comps = stronglyConnectedComponents(nodes, g)
    expect(comps).toHaveLength(n)
    expect(comps[0]).toEqual([`n${n - 1}`])
  })
  it('ignores edges to unknown nodes', () => {
    expect(stronglyConnectedComponents(['a'], adj({ a: ['ghost'] }))).toEqual([['a']])
  })
})

describe('computeWaves', () => {
  it('levels the rebuilding specs; paths through up-to-date specs still order them', () => {
    const g = adj({ app: ['mid'], mid: ['low'], low: [], other: [] })
    const waves = computeWaves(['app', 'mid', 'low', 'other'], g, new Set(['app', 'low', 'other']))
    expect(Object.fromEntries(waves)).toEqual({ low: 0, other: 0, app: 1 })
  })
  it('puts the members of a cycle in one wave', () => {
    const g = adj({ a: ['b'], b: ['a', 'c'], c: [], d: ['a'] })
    const waves = computeWaves(['a', 'b', 'c', 'd'], g, new Set(['a', 'b', 'c', 'd']))
    expect(Object.fromEntries(waves)).toEqual({ c: 0, a: 1, b: 1, d: 2 })
  })
})
