/**
 * Dependency graph algorithms over spec ids: strongly connected components (iterative Tarjan, so
 * deep real graphs do not overflow the stack) and topological waves. Pure.
 */

/** Adjacency: node → its dependencies (edges point from dependent to dependency). */
export type Adjacency = ReadonlyMap<string, readonly string[]>

/**
 * Strongly connected components, emitted dependencies-first (reverse topological order of the
 * condensation): every component comes after all components it depends on.
 */
export function stronglyConnectedComponents(nodes: readonly string[], adj: Adjacency): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  let counter = 0
  const known = new Set(nodes)

  for (const root of nodes) {
    if (index.has(root)) continue
    // frames: [node, next-edge-position]
    const frames: Array<[string, number]> = [[root, 0]]
    index.set(root, counter)
    low.set(root, counter)
    counter++
    stack.push(root)
    onStack.add(root)
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!
      const [v, i] = frame
      const edges = adj.get(v) ?? []
      if (i < edges.length) {
        frame[1] = i + 1
        const w = edges[i]!
        if (!known.has(w)) continue
        if (!index.has(w)) {
          index.set(w, counter)
          low.set(w, counter)
          counter++
          stack.push(w)
          onStack.add(w)
          frames.push([w, 0])
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!))
        }
        continue
      }
      frames.pop()
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]![0]
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!))
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = []
        let w: string
        do {
          w = stack.pop()!
          onStack.delete(w)
          comp.push(w)
        } while (w !== v)
        comp.sort()
        out.push(comp)
      }
    }
  }
  return out
}

/**
 * Waves: for each node of `subset` (the specs that rebuild), its topological level among them.
 * Paths through nodes outside the subset count too (a rebuilt run-time dependency reached through
 * an up-to-date package still has to exist first), but only subset nodes add a level. Members of one
 * cycle share a wave. Wave 0 waits for nothing.
 */
export function computeWaves(
  nodes: readonly string[],
  adj: Adjacency,
  subset: ReadonlySet<string>,
): Map<string, number> {
  const comps = stronglyConnectedComponents(nodes, adj)
  const compOf = new Map<string, number>()
  comps.forEach((c, i) => c.forEach((n) => compOf.set(n, i)))
  // level[i]: the wave a dependent of component i must at least be in (one past the last subset
  // wave reachable from i, including i itself).
  const after: number[] = []
  const waves = new Map<string, number>()
  comps.forEach((comp, i) => {
    let wave = 0
    for (const n of comp) {
      for (const d of adj.get(n) ?? []) {
        const j = compOf.get(d)
        if (j !== undefined && j !== i) wave = Math.max(wave, after[j]!)
      }
    }
    const inSubset = comp.some((n) => subset.has(n))
    after[i] = inSubset ? wave + 1 : wave
    if (inSubset) for (const n of comp) if (subset.has(n)) waves.set(n, wave)
  })
  return waves
}

/**
 * `seeds` (those present in `specs`) and every spec that depends on one of them, through any
 * edge: what a change to the seeds reaches.
 */
export function withDependents(
  specs: ReadonlyMap<string, { readonly dependencies: readonly { readonly id: string }[] }>,
  seeds: Iterable<string>,
): Set<string> {
  const dependents = new Map<string, string[]>()
  for (const [id, spec] of specs)
    for (const e of spec.dependencies) {
      const list = dependents.get(e.id)
      if (list) list.push(id)
      else dependents.set(e.id, [id])
    }
  const out = new Set([...seeds].filter((id) => specs.has(id)))
  const queue = [...out]
  for (let i = 0; i < queue.length; i++)
    for (const up of dependents.get(queue[i]!) ?? [])
      if (!out.has(up)) {
        out.add(up)
        queue.push(up)
      }
  return out
}
