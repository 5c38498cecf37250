/**
 * What a rebuild picture must be, for any plan (issue 11): within the declared bound, every edge
 * between drawn nodes, a Mermaid text GitHub accepts (under 50,000 characters), and — when asked —
 * read by Mermaid's own parser (over jsdom) and by Graphviz's `dot`.
 */
import { spawnSync } from 'node:child_process'
import { JSDOM } from 'jsdom'
import type { Plan } from '../../src/core/plan.js'
import { buildRebuildGraph, DEFAULT_GRAPH_BOUND } from '../../src/core/rebuild-graph.js'
import { renderDot } from '../../src/render/graph-dot.js'
import { renderMermaid } from '../../src/render/graph-mermaid.js'

let mermaid: { parse(text: string): Promise<unknown> } | undefined

async function mermaidParser() {
  if (!mermaid) {
    const dom = new JSDOM('<!doctype html><html><body></body></html>')
    Object.assign(globalThis, { window: dom.window, document: dom.window.document })
    mermaid = (await import('mermaid')).default
  }
  return mermaid
}

export const HAVE_DOT = spawnSync('dot', ['-V']).status === 0

export async function graphViolations(plan: Plan, parse: boolean): Promise<string[]> {
  const out: string[] = []
  const graph = buildRebuildGraph(plan)
  if (graph.nodes.length > DEFAULT_GRAPH_BOUND.nodes) out.push(`graph: ${graph.nodes.length} nodes`)
  if (graph.edges.length > DEFAULT_GRAPH_BOUND.edges) out.push(`graph: ${graph.edges.length} edges`)
  const ids = new Set(graph.nodes.map((n) => n.id))
  for (const e of graph.edges)
    if (!ids.has(e.from) || !ids.has(e.to)) out.push(`graph: edge ${e.from} → ${e.to} to nothing`)
  const mmd = renderMermaid(graph)
  if (mmd.length >= 50_000) out.push(`graph: Mermaid text of ${mmd.length} characters`)
  if (parse) {
    try {
      await (await mermaidParser()).parse(mmd)
    } catch (e) {
      out.push(`graph: Mermaid refuses it: ${String(e).split('\n')[0]}`)
    }
    if (HAVE_DOT) {
      const r = spawnSync('dot', ['-Tcanon'], { input: renderDot(graph), encoding: 'utf8' })
      if (r.status !== 0 || r.stderr !== '')
        out.push(`graph: dot refuses it: ${r.stderr.split('\n')[0]}`)
    }
  }
  return out
}
