/**
 * Issue 11: the rebuild graph, drawn as Mermaid and DOT, checked the way a person sees it — every
 * document goes through Mermaid's own parser (the `mermaid` package, over jsdom) and Graphviz's
 * `dot` — for small, medium and collapsed large plans, with the hostile-name table as labels.
 */
import { spawnSync } from 'node:child_process'
import { JSDOM } from 'jsdom'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Plan, PlannedSpec, Reason } from '../src/core/plan.js'
import { buildRebuildGraph, DEFAULT_GRAPH_BOUND } from '../src/core/rebuild-graph.js'
import { renderDot } from '../src/render/graph-dot.js'
import { mermaidLabel, renderMermaid } from '../src/render/graph-mermaid.js'
import { HOSTILE_VALUES } from './hostile-values.js'
import { runCli } from './support/run-dist.js'
import { createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

let mermaid: { parse(text: string): Promise<unknown> }
beforeAll(async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>')
  Object.assign(globalThis, { window: dom.window, document: dom.window.document })
  mermaid = (await import('mermaid')).default
})

const hasDot = spawnSync('dot', ['-V']).status === 0
if (!hasDot)
  console.warn('DOT checks skipped: needs Graphviz dot on PATH (apt-get install graphviz)')

/** Graphviz reads it: `dot -Tcanon` exits 0 with no warning. */
function dotAccepts(text: string): void {
  if (!hasDot) return
  const r = spawnSync('dot', ['-Tcanon'], { input: text, encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
}

function spec(
  id: string,
  pkg: string,
  wave: number,
  reasons: Reason[],
  status: PlannedSpec['status'] = 'rebuild',
): PlannedSpec {
  return {
    id,
    package: pkg,
    version: '1',
    compiler: null,
    os: null,
    digest: null,
    previousDigest: null,
    status,
    reasons,
    wave,
    container: null,
    dependencies: [],
  }
}

function planOf(specs: PlannedSpec[]): Plan {
  return { specs } as unknown as Plan
}

const recipe = (pkg: string): Reason => ({
  kind: 'recipe',
  package: pkg,
  files: [`packages/${pkg}/package.py`],
})
const dep = (id: string): Reason => ({
  kind: 'dependency',
  dependency: id,
  change: 'changed',
  chain: [id],
  cause: [],
})

/** zlib changed; openssl and curl depend on it, app on curl; tool is up to date. */
function smallPlan(): Plan {
  return planOf([
    spec('zlib@1.3', 'zlib', 0, [recipe('zlib')]),
    spec('openssl@3', 'openssl', 1, [dep('zlib@1.3')]),
    spec('curl@8', 'curl', 1, [dep('zlib@1.3'), { kind: 'missing', detail: 'not in the mirror' }]),
    spec('app@1', 'app', 2, [dep('curl@8'), dep('openssl@3')]),
    spec('tool@1', 'tool', 0, [], 'up-to-date'),
  ])
}

/** `n` packages of `per` specs each, in `waves` waves, each depending on the previous wave. */
function largePlan(n: number, per: number, waves: number): Plan {
  const specs: PlannedSpec[] = []
  for (let p = 0; p < n; p++) {
    const wave = p % waves
    for (let v = 0; v < per; v++) {
      const reasons: Reason[] = wave === 0 ? [recipe(`pkg${p}`)] : [dep(`pkg${p - 1}@${v}`)]
      specs.push(spec(`pkg${p}@${v}`, `pkg${p}`, wave, reasons))
    }
  }
  return planOf(specs)
}

async function checkBoth(plan: Plan) {
  const graph = buildRebuildGraph(plan)
  expect(graph.nodes.length).toBeLessThanOrEqual(DEFAULT_GRAPH_BOUND.nodes)
  expect(graph.edges.length).toBeLessThanOrEqual(DEFAULT_GRAPH_BOUND.edges)
  const ids = new Set(graph.nodes.map((n) => n.id))
  for (const e of graph.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true)
  const mmd = renderMermaid(graph)
  await expect(mermaid.parse(mmd)).resolves.toBeTruthy()
  // GitHub refuses a diagram past Mermaid's default maxTextSize (50,000 characters)
  expect(mmd.length).toBeLessThan(50_000)
  dotAccepts(renderDot(graph))
  return { graph, mmd }
}

describe('the rebuild graph', () => {
  it('small: the changed files as seeds, every rebuilding spec by wave, the edges that carried it', async () => {
    const { graph, mmd } = await checkBoth(smallPlan())
    expect(graph.detail).toBe('specs')
    expect(graph.nodes.map((n) => [n.kind, n.label, n.wave])).toEqual([
      ['seed', 'not in the mirror', undefined],
      ['seed', 'packages/zlib/package.py', undefined],
      ['spec', 'zlib@1.3', 0],
      ['spec', 'curl@8', 1],
      ['spec', 'openssl@3', 1],
      ['spec', 'app@1', 2],
    ])
    const label = new Map(graph.nodes.map((n) => [n.id, n.label]))
    expect(graph.edges.map((e) => `${label.get(e.from)} → ${label.get(e.to)}`).sort()).toEqual([
      'curl@8 → app@1',
      'not in the mirror → curl@8',
      'openssl@3 → app@1',
      'packages/zlib/package.py → zlib@1.3',
      'zlib@1.3 → curl@8',
      'zlib@1.3 → openssl@3',
    ])
    expect(mmd).toContain('subgraph w2["wave 2"]')
    expect(mmd).not.toContain('tool@1')
    expect(graph.title).toBe('4 specs to build from 2 changes')
  })

  it('medium: still one node per spec', async () => {
    const { graph } = await checkBoth(largePlan(20, 3, 4))
    expect(graph.detail).toBe('specs')
    expect(graph.nodes.filter((n) => n.kind === 'spec')).toHaveLength(60)
  })

  it('past the bound: one node per package, with its spec count, and the picture says so', async () => {
    const { graph, mmd } = await checkBoth(largePlan(40, 8, 5))
    expect(graph.detail).toBe('packages')
    expect(graph.nodes.filter((n) => n.kind === 'package').map((n) => n.label)).toContain('pkg0 ×8')
    expect(graph.title).toMatch(/collapsed: one node per package, 40 packages/)
    expect(mmd).toContain('collapsed: one node per package')
  })

  it('thousands: the seeds, their first ring, and the rest by wave', async () => {
    const { graph } = await checkBoth(largePlan(1000, 4, 9))
    expect(graph.detail).toBe('ring')
    expect(graph.nodes.filter((n) => n.kind === 'seed')).toHaveLength(20)
    expect(graph.nodes.filter((n) => n.kind === 'package')).toHaveLength(20)
    const groups = graph.nodes.filter((n) => n.kind === 'more' && n.wave !== undefined)
    expect(groups.map((n) => n.label)).toEqual([
      '+368 specs more in wave 0',
      ...Array.from({ length: 8 }, (_, w) => `+444 specs more in wave ${w + 1}`),
    ])
    expect(graph.title).toBe(
      '4,000 specs to build from 112 changes (collapsed: the 20 changes that reach the most, the 20 largest packages they touch directly, and 3,920 specs more by wave)',
    )
    // everything is accounted for: the shown packages' specs plus the wave nodes' counts
    const shown = graph.nodes
      .filter((n) => n.kind === 'package')
      .reduce((k, n) => k + Number(/ ×(\d+)$/.exec(n.label)?.[1] ?? 1), 0)
    const hidden = groups.reduce(
      (k, n) => k + Number(/^\+([\d,]+)/.exec(n.label)![1]!.replace(/,/g, '')),
      0,
    )
    expect(shown + hidden).toBe(4000)
    expect(graph.nodes.find((n) => n.id === 'm1')?.label).toBe('+92 more changes')
  })

  it.each([
    ...HOSTILE_VALUES.map((h) => [h.label, h.value]),
    // what ends or opens something in a diagram's text
    ['a double quote', 'a"b'],
    ['brackets', 'a]b[c'],
    ['a pipe', 'a|b|'],
    ['an entity', '#quot;x#35;'],
    ['HTML', '<img src=x onerror=alert(1)>'],
    ['a backtick', '`x`'],
    ['a DOT escape', 'a\\"b\\'],
    ['braces and parentheses', '{a}(b)'],
    ['a Mermaid link', 'a --> b'],
  ])('a hostile name (%s) stays a label in both formats', async (_label, value) => {
    const plan = planOf([
      spec(`${value}@1`, value, 0, [
        { kind: 'recipe', package: value, files: [`packages/${value}/package.py`] },
      ]),
      spec(`app@1 ${value}`, 'app', 1, [dep(`${value}@1`)]),
    ])
    const { mmd } = await checkBoth(plan)
    // no raw quote, bracket or line break of the name reaches the document's structure
    for (const line of mmd.split('\n').slice(4)) expect(line).not.toMatch(/["\]]\s*["[]/)
    expect(mmd).not.toContain('${{')
  })

  it('escapes what could end a Mermaid label or open markup', () => {
    expect(mermaidLabel('a"b]c|d#e<f>`g')).toBe('a#34;b#93;c#124;d#35;e#60;f#62;#96;g')
    expect(mermaidLabel('a\nb')).toBe('a b')
    expect([...mermaidLabel('x'.repeat(500))]).toHaveLength(80)
  })
})

describe('the bundled CLI draws it', () => {
  it('plan --format mermaid|dot and explain SPEC --format mermaid, on a real repository', async () => {
    const fx = await createSpackFixture()
    try {
      const base = (await fx.git('rev-parse', 'HEAD')).trim()
      await fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace('make("install")', 'make("install", "-j4")'),
      )
      const head = await fx.commit('zlib install')
      const args = ['--repo', fx.dir, '--base', base, '--head', head, '--no-cache']
      const mmd = await runCli(['plan', ...args, '--format', 'mermaid'])
      expect(mmd.code).toBe(0)
      await expect(mermaid.parse(mmd.stdout)).resolves.toBeTruthy()
      expect(mmd.stdout).toContain('title: "6 specs to build from 1 change"')
      expect(mmd.stdout).toContain(`[/"${PKG}/zlib/package.py"/]`)
      const dot = await runCli(['plan', ...args, '--format', 'dot'])
      expect(dot.code).toBe(0)
      dotAccepts(dot.stdout)
      const path = await runCli(['explain', 'app@1.0', ...args, '--format', 'mermaid'])
      expect(path.code).toBe(0)
      await expect(mermaid.parse(path.stdout)).resolves.toBeTruthy()
      // the path: the changed file, zlib, libfoo, app — and nothing app does not depend on
      expect(path.stdout).toContain('title: "Why app@1.0 rebuilds: ')
      expect(path.stdout).toContain('["app@1.0"]')
      expect(path.stdout).toContain('["zlib@1.3.1"]')
      expect(path.stdout).not.toContain('zlib@1.2.13')
      const upToDate = await runCli(['explain', 'nosuch', ...args, '--format', 'mermaid'])
      expect(upToDate.code).toBe(1)
      expect(upToDate.stderr.trim().split('\n')).toHaveLength(1)
    } finally {
      await fx.cleanup()
    }
  })
})
