/**
 * The manifest ecosystem: packages declared in `.binary-check.yml` (`packages:`), each naming the
 * globs of files whose content enters its digest, its versions with source checksums, variants
 * and dependencies. For recipe repositories that are not Spack, and the simplest way to try
 * binary-check.
 */
import { matchesGlob } from 'node:path'
import { DIGEST_ALGORITHM, digestOf } from '../../core/canonical-encode.js'
import { quote, UserError } from '../../core/errors.js'
import { MAX_NAME_LENGTH, textValueProblem, versionProblem } from '../../core/names.js'
import type { DepType, Package } from '../../core/model.js'
import { packageDigestInputs } from '../../core/digest/package-digest.js'
import { parseSpecConstraintCached } from '../../core/spec/constraint.js'
import type { Config, ManifestPackageConfig } from '../../config/config-schema.js'
import type { RepoSnapshot } from '../snapshot.js'

export function readManifestPackages(
  snap: RepoSnapshot,
  config: Config,
  isIgnored: (path: string) => boolean,
): Map<string, Package> {
  const packages = new Map<string, Package>()
  const allPaths = [...snap.files.keys()].filter((p) => !isIgnored(p)).sort()
  for (const [name, def] of Object.entries(config.packages ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    checkManifestValues(name, def)
    const files: Record<string, string> = {}
    def.inputs.forEach((glob, i) => {
      const matched = pathsFrom(allPaths, staticPrefix(glob)).filter((p) => matchesGlob(p, glob))
      if (matched.length === 0)
        throw new UserError(
          'config',
          `packages.${name}.inputs.${i}`,
          `glob "${glob}" matches no file in ${snap.rev === 'WORKTREE' ? 'the working tree' : `commit ${snap.rev.slice(0, 12)}`}`,
        )
      for (const p of matched) files[p] = snap.files.get(p)!
    })
    const recipe = digestOf({ algorithm: DIGEST_ALGORITHM, manifest: { inputs: def.inputs } })
    const dependencies = def.dependencies.map((d, i) => {
      const spec = typeof d === 'string' ? d : d.spec
      const types: DepType[] =
        typeof d === 'string' ? ['build', 'link'] : (d.types ?? ['build', 'link'])
      const c = parseSpecConstraintCached(spec)
      if (!c.name)
        throw new UserError(
          'config',
          `packages.${name}.dependencies.${i}`,
          `expected a spec naming a package, got "${spec}"`,
        )
      return {
        name: c.name,
        spec,
        types,
        ...(typeof d !== 'string' && d.when ? { when: d.when } : {}),
      }
    })
    packages.set(name, {
      name,
      ecosystem: 'manifest',
      recipePath: '.binary-check.yml',
      directory: '',
      digestInputs: packageDigestInputs('manifest', recipe, {}, files),
      versions: Object.entries(def.versions).map(([version, v]) => ({
        version,
        ...(v.sha256 ? { checksum: v.sha256 } : {}),
        ...(v.url ? { url: v.url } : {}),
        ...(v.commit ? { commit: v.commit } : {}),
        deprecated: v.deprecated ?? false,
        preferred: v.preferred ?? false,
      })),
      variants: Object.entries(def.variants).map(([vname, dflt]) => ({
        name: vname,
        default: String(dflt),
      })),
      dependencies,
      patches: [],
      resources: [],
      provides: def.provides.length > 0 ? [{ specs: def.provides }] : [],
      conflicts: [],
      requires: [],
      conditionalCode: [],
      unresolved: [],
      ignoredFiles: [],
      inputPaths: Object.keys(files).sort(),
    })
  }
  const provided = new Set<string>()
  for (const p of packages.values())
    for (const pr of p.provides)
      for (const v of pr.specs) provided.add(parseSpecConstraintCached(v).name ?? v)
  for (const pkg of packages.values())
    for (const d of pkg.dependencies)
      if (!packages.has(d.name) && !/^(c|cxx|fortran)$/.test(d.name) && !provided.has(d.name))
        throw new UserError(
          'config',
          `packages.${pkg.name}.dependencies`,
          `"${d.name}" is not a package in packages:`,
        )
  return packages
}

/**
 * A package's name (the config already holds it to `[a-z0-9][a-z0-9._+-]*`), its versions and its
 * variants become spec ids and job variables: a version is a Spack version (`2.0`, `1.2-rc1`:
 * never `1.0 +cuda`, `../x` or `${{ … }}`), a variant name an identifier, a value printable text.
 */
function checkManifestValues(name: string, def: ManifestPackageConfig): void {
  const fail = (field: string, problem: string): never => {
    throw new UserError('config', field, problem)
  }
  if (name.length > MAX_NAME_LENGTH)
    fail(`packages.${quote(name, 40)}`, `package name is longer than ${MAX_NAME_LENGTH} characters`)
  for (const version of Object.keys(def.versions)) {
    const problem = versionProblem(version)
    if (problem !== undefined) fail(`packages.${name}.versions`, problem)
  }
  for (const [variant, value] of Object.entries(def.variants)) {
    if (!VARIANT_NAME.test(variant) || variant.length > MAX_NAME_LENGTH)
      fail(
        `packages.${name}.variants`,
        `expected a variant name of ASCII letters, digits, "_", "-" and "." (${VARIANT_NAME.source}), got ${quote(variant)}`,
      )
    const problem = typeof value === 'string' ? textValueProblem(value) : undefined
    if (problem !== undefined) fail(`packages.${name}.variants.${variant}`, problem)
  }
}

/** A variant name, as the spec parser reads one (`cuda`, `build_type`, `cxxstd`). */
const VARIANT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** The part of a glob before its first wildcard, cut back to a directory boundary. */
function staticPrefix(glob: string): string {
  const wild = glob.search(/[*?[{]/)
  const head = wild < 0 ? glob : glob.slice(0, wild)
  return wild < 0 ? head : head.slice(0, head.lastIndexOf('/') + 1)
}

/** The paths (sorted) that start with `prefix`, found by binary search. */
function pathsFrom(sorted: readonly string[], prefix: string): string[] {
  if (prefix === '') return [...sorted]
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < prefix) lo = mid + 1
    else hi = mid
  }
  const out: string[] = []
  for (let k = lo; k < sorted.length && sorted[k]!.startsWith(prefix); k++) out.push(sorted[k]!)
  return out
}
