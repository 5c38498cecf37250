/**
 * What must hold for any plan of a commit range, whatever the recipes say (issue 8 §1):
 *  - every spec that builds has a reason chain ending at a file the range changed;
 *  - no spec builds unless a changed file is used by it or by something it depends on (or, for a
 *    spec new at head, by something that depends on it: a changed recipe asks for it);
 *  - a range whose changed files no package uses builds nothing.
 * Returns the violations as lines (empty: all hold).
 */
import type { ChangedFile, Reason } from '../../src/core/plan.js'
import type { PlanResult } from '../../src/engine/plan-engine.js'

export function planViolations(result: PlanResult, changed: readonly ChangedFile[]): string[] {
  const { plan, head, base } = result
  const changedPaths = new Set<string>()
  for (const c of changed) {
    changedPaths.add(c.path)
    if (c.oldPath) changedPaths.add(c.oldPath)
  }
  const usesChanged = new Map<string, boolean>()
  const packageUsesChanged = (name: string): boolean => {
    let hit = usesChanged.get(name)
    if (hit === undefined) {
      const paths = [
        ...(head.packages.get(name)?.inputPaths ?? []),
        ...(base?.packages.get(name)?.inputPaths ?? []),
      ]
      hit = paths.some((p) => changedPaths.has(p))
      usesChanged.set(name, hit)
    }
    return hit
  }
  // Whether a spec or anything it depends on (any edge, either side) uses a changed file: every
  // spec reached backwards from the specs of packages that use one (exact with cycles too).
  const reaching = new Set<string>()
  {
    const up = new Map<string, string[]>()
    const seeds: string[] = []
    for (const specs of [head.specs, base?.specs ?? new Map()])
      for (const [id, spec] of specs) {
        if (packageUsesChanged(spec.package)) seeds.push(id)
        for (const e of spec.dependencies) {
          const list = up.get(e.id)
          if (list) list.push(id)
          else up.set(e.id, [id])
        }
      }
    for (const id of seeds) reaching.add(id)
    for (let i = 0; i < seeds.length; i++)
      for (const u of up.get(seeds[i]!) ?? [])
        if (!reaching.has(u)) {
          reaching.add(u)
          seeds.push(u)
        }
  }
  const closureUsesChanged = (id: string): boolean => reaching.has(id)

  const out: string[] = []
  const building = plan.specs.filter((s) => s.status === 'rebuild' || s.status === 'new')
  const anyUsed = [...new Set([...head.packages.keys(), ...(base?.packages.keys() ?? [])])].some(
    packageUsesChanged,
  )
  if (!anyUsed && building.length > 0)
    out.push(
      `no package uses a changed file, yet ${building.length} specs build (first: ${building[0]!.id})`,
    )
  // A spec new at head is there because something that depends on it now asks for it (a changed
  // recipe adds `depends_on("py-wheel@0.41.2")`): one of its dependents uses a changed file.
  const dependents = new Map<string, string[]>()
  for (const [id, spec] of head.specs)
    for (const e of spec.dependencies) {
      const list = dependents.get(e.id)
      if (list) list.push(id)
      else dependents.set(e.id, [id])
    }
  const askedByChange = (id: string): boolean => {
    const seen = new Set<string>([id])
    const queue = [id]
    for (let i = 0; i < queue.length; i++)
      for (const up of dependents.get(queue[i]!) ?? []) {
        if (seen.has(up)) continue
        if (packageUsesChanged(head.specs.get(up)!.package)) return true
        seen.add(up)
        queue.push(up)
      }
    return false
  }
  for (const s of building) {
    if (!closureUsesChanged(s.id) && !(s.status === 'new' && askedByChange(s.id))) {
      out.push(`${s.id} builds, but neither it nor its dependencies use a changed file`)
      continue
    }
    // A spec new at head has nothing to be compared with: its reason is `missing`, and what
    // explains it is the check above (it or what it depends on changed, or a changed recipe asks
    // for it).
    if (s.status === 'new') continue
    const bad = leaves(s.reasons, s.package).find((leaf) => !leafEndsAtChange(leaf))
    if (bad !== undefined)
      out.push(`${s.id}: reason ${JSON.stringify(bad.reason)} does not end at a changed file`)
    if (s.reasons.length === 0 && s.status === 'rebuild')
      out.push(`${s.id} rebuilds without a reason`)
  }
  return out

  function leafEndsAtChange(leaf: { reason: Reason; pkg: string }): boolean {
    const r = leaf.reason
    switch (r.kind) {
      case 'recipe':
        return r.files.some((f) => changedPaths.has(f))
      case 'input-file':
        return changedPaths.has(r.file)
      case 'patch': {
        const dir =
          head.packages.get(leaf.pkg)?.directory ?? base?.packages.get(leaf.pkg)?.directory
        return (
          (dir !== undefined && changedPaths.has(`${dir}/${r.file}`)) ||
          packageUsesChanged(leaf.pkg)
        )
      }
      // Directive-level changes come from the package's own inputs.
      case 'source':
      case 'resource':
      case 'parameters':
      case 'missing':
      case 'reuse': // a reused version deprecated or removed: the package's recipe changed
        return packageUsesChanged(leaf.pkg)
      case 'dependency':
        // An edge that appeared, went or changed its types: the dependent's recipe (or a module it
        // builds on) changed, or the dependency's own package did (a version moved).
        return packageUsesChanged(leaf.pkg) || closureUsesChanged(r.dependency)
      default:
        return false
    }
  }

  function leaves(reasons: readonly Reason[], pkg: string): Array<{ reason: Reason; pkg: string }> {
    const found: Array<{ reason: Reason; pkg: string }> = []
    for (const r of reasons) {
      if (r.kind === 'dependency' && r.change === 'changed' && r.cause.length > 0) {
        const last = r.chain[r.chain.length - 1] ?? r.dependency
        const spec = head.specs.get(last) ?? base?.specs.get(last)
        found.push(...leaves(r.cause, spec?.package ?? last.split('@')[0]!))
      } else found.push({ reason: r, pkg })
    }
    return found
  }
}
