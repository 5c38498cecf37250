/**
 * A rebuild graph in Graphviz DOT: left to right, the changes in one cluster, one cluster per
 * wave. Ids are generated; every label is a quoted DOT string with `\` and `"` escaped and no
 * line breaks, so no name can close it.
 */
import type { GraphNode, RebuildGraph } from '../core/rebuild-graph.js'

const MAX_LABEL = 80

/** A DOT quoted string's content. */
export function dotString(text: string): string {
  const chars = [...text]
  const cut =
    chars.length <= MAX_LABEL * 3 ? text : `${chars.slice(0, MAX_LABEL * 3 - 1).join('')}…`
  return (
    cut
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .replace(/[\\"]/g, (c) => `\\${c}`)
  )
}

function label(text: string): string {
  const chars = [...text]
  return dotString(chars.length <= MAX_LABEL ? text : `${chars.slice(0, MAX_LABEL - 1).join('')}…`)
}

export function renderDot(graph: RebuildGraph): string {
  const lines = [
    'digraph rebuild {',
    '  rankdir=LR;',
    `  label="${dotString(graph.title)}";`,
    '  labelloc=t;',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3ff", fontname="Helvetica"];',
  ]
  const seeds = graph.nodes.filter(
    (n) => n.kind === 'seed' || (n.kind === 'more' && n.wave === undefined),
  )
  if (seeds.length > 0) {
    lines.push('  subgraph cluster_changes {', '    label="changed";')
    for (const n of seeds) lines.push(`    ${node(n)}`)
    lines.push('  }')
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
    lines.push(`  subgraph cluster_w${w} {`, `    label="wave ${w}";`)
    for (const n of list) lines.push(`    ${node(n)}`)
    lines.push('  }')
  }
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
  return `${n.id} [label="${label(n.label)}"${style}];`
}
