/**
 * Which spec a recipe is hashed for when none is given, and how Spack prints it: the highest
 * version that is neither deprecated nor a develop/branch version (else the highest non-deprecated
 * one, else the highest), and the default of every variant whose `when=` that spec satisfies,
 * applied until nothing changes (a variant can be conditional on another's default). No platform,
 * OS, target, compiler or dependencies are set, as when Spack hashes a recipe alone.
 */
import type { VariantDirective, VersionDirective } from '../../../core/model.js'
import { compareVersions, isDevelopVersion } from '../../../core/spec/version.js'
import { whenEvaluator, type HashSpec } from './spec-conditions.js'

function highest(versions: readonly VersionDirective[]): string | undefined {
  let best: string | undefined
  for (const v of versions)
    if (best === undefined || compareVersions(v.version, best) > 0) best = v.version
  return best
}

export function hashSpecVersion(versions: readonly VersionDirective[]): string | undefined {
  const live = versions.filter((v) => !v.deprecated)
  return (
    highest(live.filter((v) => !isDevelopVersion(v.version))) ?? highest(live) ?? highest(versions)
  )
}

/**
 * A variant's default as Spack reads it: without `values`, a default spelled `"True"`/`"False"`
 * (any case) makes a boolean variant.
 */
function variantDefault(v: VariantDirective): string {
  if (v.values === undefined && !v.multi && /^(true|false)$/i.test(v.default))
    return v.default.toLowerCase()
  return v.default
}

/** A spec's variant values from the recipe's defaults (later definitions of a name win). */
function defaultVariants(
  name: string,
  version: string | undefined,
  variants: readonly VariantDirective[],
): Record<string, string> {
  let values: Record<string, string> = {}
  for (let round = 0; round < 16; round++) {
    const evaluate = whenEvaluator({
      name,
      ...(version !== undefined ? { version } : {}),
      variants: values,
    })
    const next: Record<string, string> = {}
    for (const v of variants)
      if (v.when === undefined || evaluate(v.when) === true) next[v.name] = variantDefault(v)
    const same =
      Object.keys(next).length === Object.keys(values).length &&
      Object.entries(next).every(([k, x]) => values[k] === x)
    values = next
    if (same) break
  }
  return values
}

export function defaultHashSpec(
  name: string,
  versions: readonly VersionDirective[],
  variants: readonly VariantDirective[],
): HashSpec {
  const version = hashSpecVersion(versions)
  return {
    name,
    ...(version !== undefined ? { version } : {}),
    variants: defaultVariants(name, version, variants),
  }
}

/** Spack's `str(spec)` of such a spec: `name@=version`, `+a~b` sorted, then `k=v` sorted. */
export function formatHashSpec(spec: HashSpec): string {
  let out = spec.name + (spec.version !== undefined ? `@=${spec.version}` : '')
  const keys = Object.keys(spec.variants).sort()
  const pairs: string[] = []
  for (const k of keys) {
    const v = spec.variants[k] as string
    if (v === 'true') out += `+${k}`
    else if (v === 'false') out += `~${k}`
    else pairs.push(`${k}=${v}`)
  }
  return pairs.length > 0 ? `${out} ${pairs.join(' ')}` : out
}

/**
 * Spack's `source_id` of a version: the commit of a git version, the checksum of an archive; none
 * (`''` in the content hash) for a branch or tag without a commit, or a version without either.
 */
export function sourceIdOf(version: VersionDirective | undefined): string {
  if (version === undefined) return ''
  if (version.commit !== undefined) return version.commit
  if (version.tag !== undefined || version.branch !== undefined) return ''
  if (version.extra?.git !== undefined) return ''
  return version.checksum ?? ''
}
