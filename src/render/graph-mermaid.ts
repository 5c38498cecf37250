/**
 * A rebuild graph as a Mermaid flowchart (GitHub and GitLab render ```mermaid blocks): left to
 * right, the changes first, then one subgraph per wave. Ids are generated (`f0`, `s3`, `p2`);
 * every label is quoted and escaped with Mermaid's entity codes, so no name can end a label,
 * open a link or inject a directive.
 */
import type { GraphNode, RebuildGraph } from '../core/rebuild-graph.js'

/** Labels longer than this are cut (with `…`). */
const MAX_LABEL = 80

/** A label's text for `id["…"]`: quotes, `#`, `<`, `>`, `&`, backticks and pipes as entities. */
export function mermaidLabel(text: string): string {
  return (
    cut(text)
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .replace(/[#"<>&`|[\]{}()\\]/g, (c) => `#${c.codePointAt(0)};`)
  )
}

export function renderMermaid(graph: RebuildGraph): string {
  const lines = ['---', `title: ${JSON.stringify(cut(graph.title, 200))}`, '---', 'flowchart LR']
  const seeds = graph.nodes.filter(
    (n) => n.kind === 'seed' || (n.kind === 'more' && n.wave === undefined),
  )
  if (seeds.length > 0) {
    lines.push('  subgraph changes["changed"]', '    direction TB')
    for (const n of seeds) lines.push(`    ${node(n)}`)
    lines.push('  end')
  }
  const waves = new Map<number, GraphNode[]>()
  // A collapsed picture draws no wave boxes (a few nodes each): its labels say the wave.
  const boxed = graph.detail !== 'ring'
  for (const n of graph.nodes)
    if (n.wave !== undefined && boxed) waves.set(n.wave, [...(waves.get(n.wave) ?? []), n])
  if (!boxed)
    for (const n of graph.nodes)
      if (n.wave !== undefined)
        lines.push(
          `  ${node(n.kind === 'package' ? { ...n, label: `${n.label} · wave ${n.wave}` } : n)}`,
        )
  for (const [w, list] of [...waves].sort((a, b) => a[0] - b[0])) {
    lines.push(`  subgraph w${w}["wave ${w}"]`, '    direction TB')
    for (const n of list) lines.push(`    ${node(n)}`)
    lines.push('  end')
  }
  for (const e of graph.edges) lines.push(`  ${e.from} --> ${e.to}`)
  lines.push(
    '  classDef seed fill:#fff4d6,stroke:#b58900',
    '  classDef more fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3',
  )
  const seedIds = graph.nodes.filter((n) => n.kind === 'seed').map((n) => n.id)
  const moreIds = graph.nodes.filter((n) => n.kind === 'more').map((n) => n.id)
  if (seedIds.length > 0) lines.push(`  class ${seedIds.join(',')} seed`)
  if (moreIds.length > 0) lines.push(`  class ${moreIds.join(',')} more`)
  return `${lines.join('\n')}\n`
}

function node(n: GraphNode): string {
  const label = mermaidLabel(n.label)
  return n.kind === 'seed' ? `${n.id}[/"${label}"/]` : `${n.id}["${label}"]`
}

function cut(text: string, max = MAX_LABEL): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
