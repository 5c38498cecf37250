/**
 * A rebuild graph as a Mermaid flowchart (GitHub and GitLab render ```mermaid blocks): left to
 * right, the changes first, then one subgraph per wave. Ids are generated (`f0`, `s3`, `p2`);
 * every label is quoted and escaped with Mermaid's entity codes, so no name can end a label,
 * open a link or inject a directive.
 */
import { cutLabel, layoutGraph, type GraphNode, type RebuildGraph } from '../core/rebuild-graph.js'

/** Labels longer than this are cut (with `…`). */
const MAX_LABEL = 80

/** A label's text for `id["…"]`: quotes, `#`, `<`, `>`, `&`, backticks and pipes as entities. */
export function mermaidLabel(text: string): string {
  return (
    cutLabel(text, MAX_LABEL)
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .replace(/[#"<>&`|[\]{}()\\]/g, (c) => `#${c.codePointAt(0)};`)
  )
}

export function renderMermaid(graph: RebuildGraph): string {
  const lines = [
    '---',
    `title: ${JSON.stringify(cutLabel(graph.title, 200))}`,
    '---',
    'flowchart LR',
  ]
  const { changes, waves, loose } = layoutGraph(graph)
  if (changes.length > 0) {
    lines.push('  subgraph changes["changed"]', '    direction TB')
    for (const n of changes) lines.push(`    ${node(n)}`)
    lines.push('  end')
  }
  for (const { wave, nodes } of waves) {
    lines.push(`  subgraph w${wave}["wave ${wave}"]`, '    direction TB')
    for (const n of nodes) lines.push(`    ${node(n)}`)
    lines.push('  end')
  }
  for (const n of loose) lines.push(`  ${node(n)}`)
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
