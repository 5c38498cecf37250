/**
 * A rebuild graph in Graphviz DOT: left to right, the changes in one cluster, one cluster per
 * wave. Ids are generated; every label is a quoted DOT string with `\` and `"` escaped and no
 * line breaks, so no name can close it.
 */
import { cutLabel, layoutGraph, type GraphNode, type RebuildGraph } from '../core/rebuild-graph.js'

const MAX_LABEL = 80

/** A DOT quoted string's content: `\\` and `"` escaped, no line breaks. */
export function dotString(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .replace(/[\\"]/g, (c) => `\\${c}`)
  )
}

export function renderDot(graph: RebuildGraph): string {
  const lines = [
    'digraph rebuild {',
    '  rankdir=LR;',
    `  label="${dotString(cutLabel(graph.title, 200))}";`,
    '  labelloc=t;',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3ff", fontname="Helvetica"];',
  ]
  const { changes, waves, loose } = layoutGraph(graph)
  if (changes.length > 0) {
    lines.push('  subgraph cluster_changes {', '    label="changed";')
    for (const n of changes) lines.push(`    ${node(n)}`)
    lines.push('  }')
  }
  for (const { wave, nodes } of waves) {
    lines.push(`  subgraph cluster_w${wave} {`, `    label="wave ${wave}";`)
    for (const n of nodes) lines.push(`    ${node(n)}`)
    lines.push('  }')
  }
  for (const n of loose) lines.push(`  ${node(n)}`)
  for (const e of graph.edges) lines.push(`  ${e.from} -> ${e.to};`)
  lines.push('}')
  return `${lines.join('\n')}\n`
}

function node(n: GraphNode): string {
  const style =
    n.kind === 'seed'
      ? ', shape=note, fillcolor="#fff4d6"'
      : n.kind === 'more'
        ? ', style="dashed,filled", fillcolor="#eeeeee"'
        : ''
  return `${n.id} [label="${dotString(cutLabel(n.label, MAX_LABEL))}"${style}];`
}
