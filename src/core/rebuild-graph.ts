/**
 * The rebuild as a graph (issue 11): the changed inputs that seed it, the specs that rebuild
 * (by wave) and the edges that carried the rebuild; up-to-date specs are left out. Large plans
 * collapse, within a declared bound of nodes and edges, so that every renderer draws something
 * GitHub and GitLab accept:
 *
 *  1. `specs`: one node per rebuilding spec;
 *  2. `packages`: one node per package, with its spec count;
 *  3. `ring`: the seeds and their first ring of packages, plus one node for the rest
 *     (`+3,874 more in waves 2–9`).
 *
 * Pure: a plan in, nodes and edges out (renderers escape the labels).
 */
import type { Plan, PlannedSpec, Reason } from './plan.js'

export type GraphNodeKind = 'seed' | 'spec' | 'package' | 'more'

export interface GraphNode {
  /** A safe identifier (`[a-z][0-9]+`): renderers never put a name where an id goes. */
  id: string
  kind: GraphNodeKind
  /** What it shows, unescaped (a spec id, a file, `zlib ×3`, `+120 more …`). */
  label: string
  /** The wave the node lands in (specs and packages: the earliest of theirs). */
  wave?: number
}

export interface GraphEdge {
  from: string
  to: string
}

export type GraphDetail = 'specs' | 'packages' | 'ring'

export interface RebuildGraph {
  nodes: GraphNode[]
  edges: GraphEdge[]
  detail: GraphDetail
  /** What the picture says about itself: counts, and what was collapsed. */
  title: string
  /** Rebuilding specs in the plan, and the seeds found. */
  specs: number
  seeds: number
}

export interface GraphBound {
  nodes: number
  edges: number
}

/** Mermaid refuses more than 500 edges by default; nodes are kept readable well below that. */
export const DEFAULT_GRAPH_BOUND: GraphBound = { nodes: 150, edges: 400 }

interface Seed {
  key: string
  label: string
}

/** The specs that build (rebuild or new). */
function building(plan: Plan): PlannedSpec[] {
  return plan.specs.filter((s) => s.status === 'rebuild' || s.status === 'new')
}

/** The changed inputs a reason names (dependency reasons carried by a rebuilding spec name none). */
export function seedsOf(
  spec: PlannedSpec,
  reason: Reason,
  rebuilding: ReadonlySet<string>,
): Seed[] {
  switch (reason.kind) {
    case 'recipe':
      return reason.files.length > 0
        ? reason.files.map((f) => ({ key: `file:${f}`, label: f }))
        : [{ key: `recipe:${reason.package}`, label: `recipe of ${reason.package}` }]
    case 'input-file':
      return [{ key: `file:${reason.file}`, label: reason.file }]
    case 'patch':
      return [{ key: `file:${reason.file}`, label: reason.file }]
    case 'source':
      return [
        {
          key: `source:${spec.package}@${reason.version}:${reason.field}`,
          label: `${spec.package}@${reason.version} ${reason.field}`,
        },
      ]
    case 'resource':
      return [{ key: `resource:${spec.package}:${reason.name}`, label: `resource ${reason.name}` }]
    case 'parameters':
      return [{ key: `parameter:${reason.name}`, label: `parameter ${reason.name}` }]
    case 'environment': {
      const label = `environment: ${reason.changes?.join(', ') ?? reason.detail}`
      return [{ key: `environment:${label}`, label }]
    }
    case 'missing':
      return [{ key: 'missing', label: 'not in the mirror' }]
    case 'lock':
      return [
        {
          key: `lock:${reason.against ?? 'lock'}`,
          label:
            reason.against === 'spack-cache'
              ? 'recipe differs from the build cache'
              : 'recipe changed since the lock',
        },
      ]
    case 'algorithm':
      return [{ key: 'algorithm', label: `digest algorithm ${reason.old} → ${reason.new}` }]
    case 'reuse':
      return [
        {
          key: `reuse:${reason.package}:${reason.old}`,
          label: `${reason.package}@${reason.old} ${reason.why}`,
        },
      ]
    case 'dependency':
      if (reason.change === 'changed' && rebuilding.has(reason.dependency)) return []
      return [
        {
          key: `edge:${spec.id}:${reason.dependency}:${reason.change}`,
          label: `dependency ${reason.dependency} ${reason.change}`,
        },
      ]
  }
}

/** The rebuild graph of `plan`, collapsed as far as `bound` needs. */
export function buildRebuildGraph(
  plan: Plan,
  bound: GraphBound = DEFAULT_GRAPH_BOUND,
): RebuildGraph {
  return graphOf(building(plan), bound)
}

/**
 * One spec's part of the rebuild (`explain --format mermaid`): the spec, the rebuilding
 * dependencies that carried the rebuild to it, transitively, and the changes that started it.
 * Undefined when the spec does not build.
 */
export function buildSpecPath(
  plan: Plan,
  specId: string,
  bound: GraphBound = DEFAULT_GRAPH_BOUND,
): RebuildGraph | undefined {
  const all = building(plan)
  const byId = new Map(all.map((s) => [s.id, s]))
  if (!byId.has(specId)) return undefined
  const keep = new Set<string>([specId])
  const todo = [specId]
  while (todo.length > 0) {
    for (const r of byId.get(todo.pop()!)!.reasons)
      if (r.kind === 'dependency' && r.change === 'changed' && byId.has(r.dependency))
        if (!keep.has(r.dependency)) {
          keep.add(r.dependency)
          todo.push(r.dependency)
        }
  }
  const graph = graphOf(
    all.filter((s) => keep.has(s.id)),
    bound,
  )
  return { ...graph, title: `Why ${specId} rebuilds: ${graph.title}` }
}

function graphOf(list: PlannedSpec[], bound: GraphBound): RebuildGraph {
  const specs = [...list].sort(
    (a, b) => (a.wave ?? 0) - (b.wave ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
  const rebuilding = new Set(specs.map((s) => s.id))
  const seeds = new Map<string, Seed>()
  // spec id → seed keys and rebuilding dependencies that carried the rebuild to it
  const seededBy = new Map<string, Set<string>>()
  const carriedBy = new Map<string, Set<string>>()
  for (const s of specs) {
    const own = new Set<string>()
    const deps = new Set<string>()
    // An edge added, removed or retyped comes from a changed file of the spec's own: it is
    // drawn as its own change only when the spec has no other.
    const direct = s.reasons.some((r) => r.kind !== 'dependency')
    for (const r of s.reasons) {
      if (r.kind === 'dependency' && r.change === 'changed' && rebuilding.has(r.dependency))
        deps.add(r.dependency)
      if (r.kind === 'dependency' && direct) continue
      for (const seed of seedsOf(s, r, rebuilding)) {
        seeds.set(seed.key, seed)
        own.add(seed.key)
      }
    }
    seededBy.set(s.id, own)
    carriedBy.set(s.id, deps)
  }
  const seedList = [...seeds.values()].sort((a, b) =>
    a.label < b.label ? -1 : a.label > b.label ? 1 : 0,
  )
  const seedId = new Map(seedList.map((s, i) => [s.key, `f${i}`]))
  const count = (n: number) => n.toLocaleString('en-US')
  const specWord = (n: number) => `${count(n)} spec${n === 1 ? '' : 's'}`
  const base = `${specWord(specs.length)} to build from ${count(seedList.length)} change${seedList.length === 1 ? '' : 's'}`
  const fits = (nodes: number, edges: number) => nodes <= bound.nodes && edges <= bound.edges

  // 1. one node per spec
  {
    const nodes: GraphNode[] = seedList.map((s) => ({
      id: seedId.get(s.key)!,
      kind: 'seed',
      label: s.label,
    }))
    const specId = new Map(specs.map((s, i) => [s.id, `s${i}`]))
    const edges: GraphEdge[] = []
    for (const s of specs) {
      nodes.push({
        id: specId.get(s.id)!,
        kind: 'spec',
        label: s.id,
        ...(s.wave !== null ? { wave: s.wave } : {}),
      })
      for (const k of seededBy.get(s.id)!)
        edges.push({ from: seedId.get(k)!, to: specId.get(s.id)! })
      for (const d of carriedBy.get(s.id)!)
        edges.push({ from: specId.get(d)!, to: specId.get(s.id)! })
    }
    if (fits(nodes.length, edges.length))
      return {
        nodes,
        edges,
        detail: 'specs',
        title: base,
        specs: specs.length,
        seeds: seedList.length,
      }
  }

  // 2. one node per package
  const byPackage = new Map<string, PlannedSpec[]>()
  for (const s of specs) byPackage.set(s.package, [...(byPackage.get(s.package) ?? []), s])
  const packages = [...byPackage.entries()]
    .map(([name, list]) => ({ name, list, wave: Math.min(...list.map((s) => s.wave ?? 0)) }))
    .sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const packageOf = new Map(specs.map((s) => [s.id, s.package]))
  const packageId = new Map(packages.map((p, i) => [p.name, `p${i}`]))
  const packageSeeds = new Map<string, Set<string>>()
  const packageDeps = new Map<string, Set<string>>()
  for (const p of packages) {
    const own = new Set<string>()
    const deps = new Set<string>()
    for (const s of p.list) {
      for (const k of seededBy.get(s.id)!) own.add(k)
      for (const d of carriedBy.get(s.id)!) {
        const dp = packageOf.get(d)!
        if (dp !== p.name) deps.add(dp)
      }
    }
    packageSeeds.set(p.name, own)
    packageDeps.set(p.name, deps)
  }
  const packageLabel = (p: { name: string; list: PlannedSpec[] }) =>
    p.list.length === 1 ? p.list[0]!.id : `${p.name} ×${count(p.list.length)}`
  {
    const nodes: GraphNode[] = seedList.map((s) => ({
      id: seedId.get(s.key)!,
      kind: 'seed',
      label: s.label,
    }))
    const edges: GraphEdge[] = []
    for (const p of packages) {
      nodes.push({
        id: packageId.get(p.name)!,
        kind: 'package',
        label: packageLabel(p),
        wave: p.wave,
      })
      for (const k of packageSeeds.get(p.name)!)
        edges.push({ from: seedId.get(k)!, to: packageId.get(p.name)! })
      for (const d of packageDeps.get(p.name)!)
        edges.push({ from: packageId.get(d)!, to: packageId.get(p.name)! })
    }
    if (fits(nodes.length, edges.length))
      return {
        nodes,
        edges,
        detail: 'packages',
        title: `${base} (collapsed: one node per package, ${count(packages.length)} packages)`,
        specs: specs.length,
        seeds: seedList.length,
      }
  }

  // 3. the seeds and their first ring of packages (the largest, up to RING_PACKAGES), the rest
  // as one node per wave, chained: a picture a person can read whatever the plan's size.
  const ring = packages.filter((p) => packageSeeds.get(p.name)!.size > 0)
  // Seeds that reach the most first.
  const reach = new Map<string, number>()
  for (const p of ring)
    for (const k of packageSeeds.get(p.name)!) reach.set(k, (reach.get(k) ?? 0) + p.list.length)
  const seedRank = [...seedList].sort((a, b) => (reach.get(b.key) ?? 0) - (reach.get(a.key) ?? 0))
  const shownSeeds = seedRank.slice(0, Math.min(RING_SEEDS, Math.floor(bound.nodes / 4)))
  const shownSeedKeys = new Set(shownSeeds.map((s) => s.key))
  const nodes: GraphNode[] = shownSeeds.map((s) => ({
    id: seedId.get(s.key)!,
    kind: 'seed',
    label: s.label,
  }))
  const edges: GraphEdge[] = []
  const ringRank = ring
    .filter((p) => [...packageSeeds.get(p.name)!].some((k) => shownSeedKeys.has(k)))
    .sort((a, b) => b.list.length - a.list.length || a.wave - b.wave)
  const shownPackages: typeof packages = []
  for (const p of ringRank) {
    if (shownPackages.length >= Math.min(RING_PACKAGES, Math.floor(bound.nodes / 2))) break
    const links = [...packageSeeds.get(p.name)!].filter((k) => shownSeedKeys.has(k))
    if (edges.length + links.length > bound.edges / 2) break
    shownPackages.push(p)
    nodes.push({
      id: packageId.get(p.name)!,
      kind: 'package',
      label: packageLabel(p),
      wave: p.wave,
    })
    for (const k of links) edges.push({ from: seedId.get(k)!, to: packageId.get(p.name)! })
  }
  const shown = new Set(shownPackages.map((p) => p.name))
  // The rest, by wave (ranges of waves when there are many).
  const restByWave = new Map<number, number>()
  for (const p of packages)
    if (!shown.has(p.name))
      for (const s of p.list) restByWave.set(s.wave ?? 0, (restByWave.get(s.wave ?? 0) ?? 0) + 1)
  const waves = [...restByWave.keys()].sort((a, b) => a - b)
  const groups: { lo: number; hi: number; n: number }[] = []
  const perGroup = Math.max(1, Math.ceil(waves.length / RING_WAVE_NODES))
  for (let i = 0; i < waves.length; i += perGroup) {
    const slice = waves.slice(i, i + perGroup)
    groups.push({
      lo: slice[0]!,
      hi: slice.at(-1)!,
      n: slice.reduce((k, w) => k + restByWave.get(w)!, 0),
    })
  }
  const restSpecs = groups.reduce((k, g) => k + g.n, 0)
  groups.forEach((g, i) => {
    const id = `m${i + 2}`
    nodes.push({
      id,
      kind: 'more',
      label: `+${specWord(g.n)} more in ${g.lo === g.hi ? `wave ${g.lo}` : `waves ${g.lo}–${g.hi}`}`,
      wave: g.lo,
    })
    if (i > 0) edges.push({ from: `m${i + 1}`, to: id })
  })
  // Each shown package carries the rebuild on to the first wave group after its own.
  for (const p of shownPackages) {
    const next = groups.findIndex((g) => g.hi > p.wave)
    if (next >= 0 && edges.length < bound.edges)
      edges.push({ from: packageId.get(p.name)!, to: `m${next + 2}` })
  }
  const hiddenSeeds = seedList.length - shownSeeds.length
  if (hiddenSeeds > 0)
    nodes.push({ id: 'm1', kind: 'more', label: `+${count(hiddenSeeds)} more changes` })
  return {
    nodes,
    edges,
    detail: 'ring',
    title: `${base} (collapsed: ${shownSeeds.length < seedList.length ? `the ${count(shownSeeds.length)} changes that reach the most` : 'the changes'}, the ${count(shownPackages.length)} largest packages they touch directly, and ${specWord(restSpecs)} more by wave)`,
    specs: specs.length,
    seeds: seedList.length,
  }
}

/** How much of a collapsed picture is drawn: seeds, first-ring packages, wave summary nodes. */
const RING_SEEDS = 20
const RING_PACKAGES = 30
const RING_WAVE_NODES = 12

/** Where a renderer draws each node: the changes' box, one box per wave, or loose. */
export interface GraphLayout {
  changes: GraphNode[]
  waves: Array<{ wave: number; nodes: GraphNode[] }>
  /** Nodes drawn outside any box (a collapsed picture's: their labels carry the wave). */
  loose: GraphNode[]
}

/**
 * The boxes of a picture. The changes (and the `+N more changes` node) go in one box; specs and
 * packages in one box per wave, except in a collapsed (`ring`) picture, whose boxes would hold
 * a node or two each: there a package's label says its wave instead.
 */
export function layoutGraph(graph: RebuildGraph): GraphLayout {
  const changes = graph.nodes.filter((n) => n.wave === undefined)
  const placed = graph.nodes.filter((n) => n.wave !== undefined)
  if (graph.detail === 'ring')
    return {
      changes,
      waves: [],
      loose: placed.map((n) =>
        n.kind === 'package' ? { ...n, label: `${n.label} · wave ${n.wave}` } : n,
      ),
    }
  const byWave = new Map<number, GraphNode[]>()
  for (const n of placed) byWave.set(n.wave!, [...(byWave.get(n.wave!) ?? []), n])
  const waves = [...byWave].sort((a, b) => a[0] - b[0]).map(([wave, nodes]) => ({ wave, nodes }))
  return { changes, waves, loose: [] }
}

/** `text` cut to `max` characters (code points), ending in `…` when cut. */
export function cutLabel(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
