/**
 * Adapts a ConcreteSpec (with the spec table it lives in) to the SpecView that constraint matching
 * reads, and evaluates `when` conditions. Pure. `dependency(name)` searches the DAG breadth first
 * (nearest match wins) by package name or by a virtual an edge provides; the index is built on
 * first use, from the table as it is then (resolution grows the table as it goes).
 */
import type { ConcreteSpec } from './model.js'
import { parseSpecConstraintCached, satisfies, type SpecView } from './spec/constraint.js'
import { UserError } from './errors.js'

export function specView(spec: ConcreteSpec, table: ReadonlyMap<string, ConcreteSpec>): SpecView {
  let byName: Map<string, ConcreteSpec> | undefined
  const index = (): Map<string, ConcreteSpec> => {
    if (byName) return byName
    byName = new Map()
    const seen = new Set<string>([spec.id])
    const queue = [...spec.dependencies]
    for (let i = 0; i < queue.length; i++) {
      const edge = queue[i]!
      if (seen.has(edge.id)) continue
      seen.add(edge.id)
      const dep = table.get(edge.id)
      if (!dep) continue
      if (!byName.has(dep.package)) byName.set(dep.package, dep)
      for (const v of edge.virtuals ?? []) if (!byName.has(v)) byName.set(v, dep)
      queue.push(...dep.dependencies)
    }
    return byName
  }
  return {
    name: spec.package,
    version: spec.version,
    variants: spec.variants,
    compiler: spec.compiler,
    os: spec.os,
    target: spec.target,
    platform: spec.platform,
    parameters: spec.parameters,
    ...(spec.origin.startsWith('lockfile:') ? { hash: spec.origin.slice('lockfile:'.length) } : {}),
    dependency(name: string): SpecView | undefined {
      const dep = index().get(name)
      return dep ? specView(dep, table) : undefined
    },
  }
}

/** Whether `view` satisfies the condition `when` (undefined or empty: always). */
export function conditionHolds(view: SpecView, when: string | undefined, place: string): boolean {
  if (!when || when.trim() === '') return true
  let constraint
  try {
    constraint = parseSpecConstraintCached(when)
  } catch (e) {
    if (e instanceof UserError) throw new UserError('spec-syntax', place, e.message)
    throw e
  }
  return satisfies(view, constraint)
}
