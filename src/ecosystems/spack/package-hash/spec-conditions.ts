/**
 * The spec a recipe is hashed for, as far as its `@when` conditions can see it: a name, a version
 * and variant values (Spack hashes a recipe for a spec with no platform, OS, target, compiler or
 * dependencies set, so conditions on those are false).
 */
import {
  parseSpecConstraintCached,
  satisfies,
  type SpecView,
} from '../../../core/spec/constraint.js'
import type { WhenEvaluator } from './transformers.js'

/** What a spec says that `@when` conditions can test: name, version, variant values. */
export interface HashSpec {
  name: string
  /** Undefined when the package declares no version. */
  version?: string
  variants: Record<string, string>
}

/**
 * How Spack's `spec.satisfies(condition)` answers. For a `HashSpec` (a name, a version, variant
 * values; no platform, OS, target, compiler or dependencies) conditions on anything else are false;
 * a concrete spec from a lockfile can be given as a full `SpecView`. A condition that does not
 * parse is unknown, as Spack's `except Exception` makes it.
 */
export function whenEvaluator(spec: HashSpec | SpecView): WhenEvaluator {
  const view: SpecView =
    'dependency' in spec
      ? spec
      : {
          name: spec.name,
          version: spec.version ?? '',
          variants: spec.variants,
          dependency: () => undefined,
        }
  const versionless = view.version === ''
  return (condition) => {
    try {
      const c = parseSpecConstraintCached(condition)
      if (c.versions !== undefined && versionless) return false
      return satisfies(view, c)
    } catch {
      return null
    }
  }
}

/**
 * A spec as Spack prints one (`zlib@=1.3.1+optimize~pic build_system=makefile`) read as a
 * `HashSpec`; a version range keeps its lower bound.
 */
export function hashSpecFromString(text: string, where?: string): HashSpec {
  const c = parseSpecConstraintCached(text, where)
  if (c.name === undefined) throw new Error(`${where ?? text}: a spec needs a package name`)
  const variants: Record<string, string> = {}
  for (const [k, values] of Object.entries(c.variants)) variants[k] = values.join(',')
  const version = c.versions?.[0]?.lo
  return { name: c.name, ...(version !== undefined ? { version } : {}), variants }
}
