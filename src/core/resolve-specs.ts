/**
 * Resolves the configured spec requests (`zlib@1.3 +shared %gcc@13 os=ubuntu24.04`) into
 * concrete specs with their dependency DAG, the way a CI maintainer expects without a lockfile:
 * version = the requested one or the preferred / highest non-deprecated one, variants = defaults
 * unless given, dependencies = the `depends_on` whose `when` holds, virtuals through `providers`.
 * Compiler, os, target and platform propagate from a root to its dependencies. Pure.
 */
import { UserError } from './errors.js'
import type { ConcreteSpec, DepType, Package, SpecEdge, VersionDirective } from './model.js'
import { compareVersions, versionSatisfies } from './spec/version.js'
import { parseSpecConstraintCached, type SpecConstraint } from './spec/constraint.js'
import { conditionHolds, specView } from './spec-view.js'

/** Language virtuals that the spec's compiler provides: not dependency edges. */
export const LANGUAGE_VIRTUALS: ReadonlySet<string> = new Set(['c', 'cxx', 'fortran'])

const INFINITY_VERSIONS = new Set(['develop', 'main', 'master', 'head', 'trunk', 'stable'])

export interface ResolveRequest {
  packages: ReadonlyMap<string, Package>
  /** Root spec strings; empty = every package's default spec. */
  requests: readonly { spec: string; place: string }[]
  /** virtual → preferred provider. */
  providers: Readonly<Record<string, string>>
  /**
   * Skip (instead of failing on) root requests that name a package or version this tree does not
   * have: the base commit is resolved with the head's config, so a package added by the change is
   * simply absent there.
   */
  skipUnknownRoots?: boolean
}

export interface ResolvedSpecs {
  specs: Map<string, ConcreteSpec>
  roots: string[]
  /** Things worth telling the user (virtuals without a preference, missing dependencies …). */
  notes: string[]
}

interface Inherited {
  compiler?: ConcreteSpec['compiler']
  os?: string
  target?: string
  platform?: string
}

export function resolveSpecs(req: ResolveRequest): ResolvedSpecs {
  const specs = new Map<string, ConcreteSpec>()
  const notes = new Set<string>()
  const virtualProviders = indexVirtuals(req.packages)
  const roots: string[] = []

  // The same (name, constraints, inherited compiler/arch) always resolves to the same specs: most of
  // the ~100k dependency edges of a Spack-scale repository hit this memo.
  const memo = new Map<string, string[]>()
  const defaultsByPackage = new Map<string, Map<string, string>>()
  const constraintIds = new WeakMap<SpecConstraint, number>()
  let nextConstraintId = 0
  const keyOf = (
    name: string,
    constraints: SpecConstraint[],
    inherited: Inherited,
    isRoot: boolean,
  ): string => {
    let key = `${isRoot ? 'R' : 'D'}|${name}|${inherited.compiler?.name ?? ''}@${inherited.compiler?.version ?? ''}|${inherited.os ?? ''}|${inherited.target ?? ''}|${inherited.platform ?? ''}`
    for (const c of constraints) {
      let id = constraintIds.get(c)
      if (id === undefined) {
        id = nextConstraintId++
        constraintIds.set(c, id)
      }
      key += `|${id}`
    }
    return key
  }

  const resolve = (
    name: string,
    constraints: SpecConstraint[],
    inherited: Inherited,
    place: string,
    isRoot: boolean,
  ): string[] => {
    const key = keyOf(name, constraints, inherited, isRoot)
    const hit = memo.get(key)
    if (hit) return hit
    const result = resolveUncached(name, constraints, inherited, place, isRoot)
    memo.set(key, result)
    return result
  }

  const resolveUncached = (
    name: string,
    constraints: SpecConstraint[],
    inherited: Inherited,
    place: string,
    isRoot: boolean,
  ): string[] => {
    const pkg = req.packages.get(name)
    if (!pkg) {
      const preferred = req.providers[name]
      const providers = virtualProviders.get(name)
      if (preferred) {
        if (!req.packages.has(preferred))
          throw new UserError(
            'config',
            `providers.${name}`,
            `provider "${preferred}" is not a package in the recipe repository`,
          )
        return resolve(preferred, constraints.map(dropName), inherited, place, isRoot)
      }
      if (providers && providers.length > 0) {
        notes.add(
          `virtual "${name}" has no preferred provider (set providers.${name}); depending on every provider: ${providers.join(', ')}`,
        )
        return providers.flatMap((p) =>
          resolve(p, constraints.map(dropName), inherited, place, isRoot),
        )
      }
      if (isRoot)
        throw new UserError('config', place, `"${name}" is not a package in the recipe repository`)
      notes.add(
        `dependency "${name}" is neither a package nor a provided virtual in the recipe repository: ignored`,
      )
      return []
    }
    const version = pickVersion(pkg, constraints, place, isRoot, notes)
    const own: Inherited = { ...inherited }
    const variants: Record<string, string> = {}
    for (const c of constraints) {
      const cc = requestedCompiler(c, req.packages)
      if (cc)
        own.compiler = {
          name: cc.name,
          ...(cc.versions ? { version: versionText(cc.versions) } : {}),
        }
      const arch = {
        os: c.os ?? cc?.os,
        target: c.target ?? cc?.target,
        platform: c.platform ?? cc?.platform,
      }
      if (arch.os) own.os = arch.os
      if (arch.target) own.target = arch.target
      if (arch.platform) own.platform = arch.platform
    }
    const spec: ConcreteSpec = {
      id: '',
      package: name,
      version,
      variants,
      parameters: {},
      dependencies: [],
      origin: isRoot ? 'config' : 'dependency',
      ...own,
    }
    // Variants: defaults, then requested values; conditional variants only where `when` holds.
    const requested = new Map<string, string>()
    for (const c of constraints)
      for (const [k, v] of Object.entries(c.variants)) requested.set(k, v.join(','))
    // One view of the spec being built: it reads `spec` live (variants are filled in place).
    const view = specView(spec, specs)
    for (let pass = 0; pass < 3; pass++) {
      let added = false
      for (const v of pkg.variants) {
        if (v.name in variants) continue
        if (v.when && !conditionHolds(view, v.when, `${pkg.recipePath}:${v.place?.line ?? 0}`))
          continue
        variants[v.name] = requested.get(v.name) ?? v.default
        added = true
      }
      if (!added) break
    }
    for (const k of requested.keys()) {
      if (k in variants) continue
      if (isRoot) throw new UserError('config', place, `package "${name}" has no variant "${k}"`)
      notes.add(
        `a dependency constraint asks for variant "${k}" that "${name}" does not define: ignored`,
      )
    }
    let defaults = defaultsByPackage.get(name)
    if (!defaults) {
      defaults = new Map<string, string>()
      for (const v of pkg.variants) if (!defaults.has(v.name)) defaults.set(v.name, v.default)
      defaultsByPackage.set(name, defaults)
    }
    spec.id = specId(spec, defaults)
    const existing = specs.get(spec.id)
    if (existing) return [existing.id]
    specs.set(spec.id, spec)

    // Dependencies whose `when` holds, grouped by name so several constraints on one dependency
    // resolve to one node.
    const grouped = new Map<string, { constraints: SpecConstraint[]; types: Set<DepType> }>()
    for (const d of pkg.dependencies) {
      const where = `${pkg.recipePath}:${d.place?.line ?? 0}`
      if (d.when && !conditionHolds(view, d.when, where)) continue
      if (LANGUAGE_VIRTUALS.has(d.name)) continue
      const g = grouped.get(d.name) ?? { constraints: [], types: new Set<DepType>() }
      g.constraints.push(parseSpecConstraintCached(d.spec))
      for (const t of d.types) g.types.add(t)
      grouped.set(d.name, g)
    }
    const edges = new Map<string, SpecEdge>()
    for (const [depName, g] of grouped) {
      const ids = resolve(depName, g.constraints, own, `${pkg.recipePath}`, false)
      for (const id of ids) {
        const target = specs.get(id)!
        const prev = edges.get(id)
        const types = new Set<DepType>([...(prev?.types ?? []), ...g.types])
        const virtuals =
          depName !== target.package
            ? [...new Set([...(prev?.virtuals ?? []), depName])]
            : prev?.virtuals
        edges.set(id, {
          id,
          name: target.package,
          types: [...types].sort(),
          ...(virtuals ? { virtuals } : {}),
        })
      }
    }
    spec.dependencies = [...edges.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return [spec.id]
  }

  if (req.requests.length === 0) {
    for (const name of [...req.packages.keys()].sort())
      roots.push(...resolve(name, [], {}, `package ${name}`, true))
  } else {
    for (const r of req.requests) {
      const c = parseSpecConstraintCached(r.spec, r.place)
      if (!c.name) throw new UserError('config', r.place, `spec "${r.spec}" names no package`)
      try {
        roots.push(...resolve(c.name, [c], {}, r.place, true))
      } catch (e) {
        if (!(req.skipUnknownRoots && e instanceof UserError && e.kind === 'config')) throw e
        notes.add(`base: ${e.message}`)
      }
    }
  }
  return { specs, roots: [...new Set(roots)], notes: [...notes].sort() }
}

/** Compiler packages, named with `%` in spec requests. */
export const KNOWN_COMPILERS: ReadonlySet<string> = new Set([
  'gcc',
  'clang',
  'llvm',
  'apple-clang',
  'intel',
  'oneapi',
  'intel-oneapi-compilers',
  'nvhpc',
  'aocc',
  'cce',
  'xl',
  'fj',
  'arm',
  'msvc',
  'rocmcc',
  'llvm-amdgpu',
  'pgi',
  'nag',
])

/**
 * The compiler a request asks for: the bare `%name@ver`, or (Spack 1.x puts options after `%gcc` on
 * the gcc node: `zlib %gcc@13 os=x`) a direct dependency on a compiler that is not a package of the
 * repository. Arch options written on that node (os, target, platform) apply to the whole DAG.
 */
function requestedCompiler(
  c: SpecConstraint,
  packages: ReadonlyMap<string, Package>,
):
  | {
      name: string
      versions?: SpecConstraint['versions']
      os?: string
      target?: string
      platform?: string
    }
  | undefined {
  if (c.compiler) return c.compiler
  const node = c.dependencies.find(
    (d) =>
      d.direct &&
      d.name !== undefined &&
      !d.virtuals?.length &&
      KNOWN_COMPILERS.has(d.name) &&
      !packages.has(d.name),
  )
  if (!node?.name) return undefined
  return {
    name: node.name,
    ...(node.versions ? { versions: node.versions } : {}),
    ...(node.os ? { os: node.os } : {}),
    ...(node.target ? { target: node.target } : {}),
    ...(node.platform ? { platform: node.platform } : {}),
  }
}

function dropName(c: SpecConstraint): SpecConstraint {
  const { name: _name, ...rest } = c
  return rest
}

function versionText(v: NonNullable<SpecConstraint['versions']>): string {
  return v
    .map((r) => (r.exact || r.lo === r.hi ? (r.lo ?? '') : `${r.lo ?? ''}:${r.hi ?? ''}`))
    .join(',')
}

function indexVirtuals(packages: ReadonlyMap<string, Package>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const pkg of [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const p of pkg.provides) {
      for (const s of p.specs) {
        const v = parseSpecConstraintCached(s).name
        if (!v) continue
        const list = out.get(v) ?? []
        if (!list.includes(pkg.name)) list.push(pkg.name)
        out.set(v, list)
      }
    }
  }
  return out
}

function pickVersion(
  pkg: Package,
  constraints: SpecConstraint[],
  place: string,
  isRoot: boolean,
  notes: Set<string>,
): string {
  const wanted = constraints.map((c) => c.versions).filter((v) => v !== undefined)
  const fits = (v: VersionDirective): boolean => wanted.every((w) => versionSatisfies(v.version, w))
  const candidates = pkg.versions.filter(fits)
  if (candidates.length === 0) {
    if (pkg.versions.length === 0) {
      const exact = wanted.length === 1 && wanted[0]!.length === 1 ? wanted[0]![0]! : undefined
      if (exact && exact.lo && exact.lo === exact.hi) return exact.lo
      return 'none'
    }
    const asked = constraints
      .map((c) => (c.versions ? `@${versionText(c.versions)}` : ''))
      .join(' ')
    const have = pkg.versions.map((v) => v.version).join(', ')
    if (isRoot)
      throw new UserError(
        'config',
        place,
        `no version of "${pkg.name}" satisfies ${asked} (declared: ${have})`,
      )
    notes.add(`no version of "${pkg.name}" satisfies ${asked}: using its default version`)
    return defaultVersion(pkg.versions)
  }
  return defaultVersion(candidates)
}

/** Preferred, else highest non-deprecated finite version, else highest. */
export function defaultVersion(versions: readonly VersionDirective[]): string {
  const preferred = versions.filter((v) => v.preferred && !v.deprecated)
  if (preferred.length > 0) return highest(preferred)
  const live = versions.filter((v) => !v.deprecated && !INFINITY_VERSIONS.has(v.version))
  if (live.length > 0) return highest(live)
  const nonDeprecated = versions.filter((v) => !v.deprecated)
  return highest(nonDeprecated.length > 0 ? nonDeprecated : versions)
}

function highest(vs: readonly VersionDirective[]): string {
  let best = vs[0]!.version
  for (const v of vs) if (compareVersions(v.version, best) > 0) best = v.version
  return best
}

/** `name@version+a~b k=v %compiler@ver os=… target=… platform=…` (non-default variants only). */
export function specId(spec: ConcreteSpec, defaults: ReadonlyMap<string, string>): string {
  let id = `${spec.package}@${spec.version}`
  const keys = Object.keys(spec.variants).sort()
  const kv: string[] = []
  for (const k of keys) {
    const v = spec.variants[k]!
    if (defaults.get(k) === v) continue
    if (v === 'true') id += `+${k}`
    else if (v === 'false') id += `~${k}`
    else kv.push(`${k}=${v}`)
  }
  if (kv.length > 0) id += ` ${kv.join(' ')}`
  if (spec.compiler)
    id += ` %${spec.compiler.name}${spec.compiler.version ? `@${spec.compiler.version}` : ''}`
  if (spec.os) id += ` os=${spec.os}`
  if (spec.target) id += ` target=${spec.target}`
  if (spec.platform) id += ` platform=${spec.platform}`
  return id
}
