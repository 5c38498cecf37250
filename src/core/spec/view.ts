/**
 * `SpecView`s over a set of concrete specs, for `satisfies`. Pure.
 *
 * `dependency(name)` searches the spec's dependencies transitively, breadth first (the nearest
 * match wins), by package name or by a virtual an edge provides. The index is built lazily, once
 * per spec.
 */
import type { ConcreteSpec } from '../model.js'
import type { SpecView } from './constraint.js'

class ConcreteSpecView implements SpecView {
  readonly name: string
  readonly version: string
  readonly variants: Record<string, string>
  readonly compiler?: { name: string; version?: string }
  readonly os?: string
  readonly target?: string
  readonly platform?: string
  readonly hash?: string
  readonly parameters: Record<string, string>
  private index?: Map<string, SpecView>
  private readonly spec: ConcreteSpec
  private readonly views: ReadonlyMap<string, ConcreteSpecView>

  constructor(spec: ConcreteSpec, views: ReadonlyMap<string, ConcreteSpecView>) {
    this.spec = spec
    this.views = views
    this.name = spec.package
    this.version = spec.version
    this.variants = spec.variants
    if (spec.compiler) this.compiler = spec.compiler
    if (spec.os !== undefined) this.os = spec.os
    if (spec.target !== undefined) this.target = spec.target
    if (spec.platform !== undefined) this.platform = spec.platform
    const origin = spec.origin
    if (origin.startsWith('lockfile:')) this.hash = origin.slice('lockfile:'.length)
    this.parameters = spec.parameters
  }

  dependency(name: string): SpecView | undefined {
    this.index ??= this.buildIndex()
    return this.index.get(name)
  }

  private buildIndex(): Map<string, SpecView> {
    const index = new Map<string, SpecView>()
    const seen = new Set<string>([this.spec.id])
    let frontier: ConcreteSpec[] = [this.spec]
    while (frontier.length > 0) {
      const next: ConcreteSpec[] = []
      for (const s of frontier) {
        for (const edge of s.dependencies) {
          const view = this.views.get(edge.id)
          if (view === undefined) continue
          if (!index.has(view.name)) index.set(view.name, view)
          for (const v of edge.virtuals ?? []) if (!index.has(v)) index.set(v, view)
          if (!seen.has(edge.id)) {
            seen.add(edge.id)
            next.push(view.spec)
          }
        }
      }
      frontier = next
    }
    return index
  }
}

/** One view per spec, by spec id. Edges to ids outside `specs` are ignored. */
export function createSpecViews(specs: readonly ConcreteSpec[]): ReadonlyMap<string, SpecView> {
  const views = new Map<string, ConcreteSpecView>()
  for (const s of specs) views.set(s.id, new ConcreteSpecView(s, views))
  return views
}
