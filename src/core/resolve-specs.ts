/**
 * Resolves the configured spec requests (`zlib@1.3 +shared %gcc@13 os=ubuntu24.04`) into
 * concrete specs with their dependency DAG, the way a CI maintainer expects without a lockfile:
 * version = the requested one, else one to reuse (`concretizer.reuse`: the base commit's choice or
 * what the mirror holds, while it exists and is not deprecated), else the preferred / highest
 * non-deprecated one; variants = defaults unless given; dependencies = the `depends_on` whose `when`
 * holds; virtuals through the configured providers, else Spack's default preferences.
 * Compiler, os, target and platform propagate from a root to its dependencies.
 *
 * `concretizer.unify` approximates Spack's: with `true` every package has one node per context
 * (compiler, os, target, platform) across the whole request set, with the version and variants that
 * satisfy every constraint on it (found by iterating to a fixed point; there is no solver and no
 * backtracking); `when_possible` does so for groups of requests that can share nodes; `false`
 * resolves every request, and every dependency edge, on its own. Pure.
 */
import { UserError } from './errors.js'
import type {
  Compiler,
  ConcreteSpec,
  DepType,
  Package,
  SpecEdge,
  VersionDirective,
  VersionMove,
} from './model.js'
import { compareVersions, versionSatisfies, type VersionConstraint } from './spec/version.js'
import { parseSpecConstraintCached, quoteIfNeeded, type SpecConstraint } from './spec/constraint.js'
import { conditionHolds, specView } from './spec-view.js'

/** Language virtuals that the spec's compiler provides: not dependency edges. */
export const LANGUAGE_VIRTUALS: ReadonlySet<string> = new Set(['c', 'cxx', 'fortran'])

const INFINITY_VERSIONS = new Set(['develop', 'main', 'master', 'head', 'trunk', 'stable'])

/** `concretizer.unify`. */
export type Unify = boolean | 'when_possible'

/** A version worth keeping for a package in one context (`concretizer.reuse`). */
export interface ReusableVersion {
  version: string
  /** The base commit resolved the package, in this context, to it. */
  base?: boolean
  /** The mirror holds a build of it, in this context. */
  mirror?: boolean
  /** It was deprecated where the base chose it (a request named it): never kept for others. */
  deprecated?: boolean
}

/**
 * `reuseKey(package, context)` → the versions to keep. Order does not matter: the resolver prefers
 * versions both chosen by the base and held by the mirror, then the base's, then the mirror's, and
 * within each the preferred, then the highest.
 */
export type ReusableVersions = ReadonlyMap<string, readonly ReusableVersion[]>

/** The context a node is resolved in: what propagates from a root to its dependencies. */
export interface SpecContext {
  /** `gcc@13`, `clang`. */
  compiler?: string
  os?: string
  target?: string
  platform?: string
}

/** The key of a package in a context, for `ReusableVersions` and unification. */
export function reuseKey(pkg: string, ctx: SpecContext): string {
  return `${pkg}|${ctx.compiler ?? ''}|${ctx.os ?? ''}|${ctx.target ?? ''}|${ctx.platform ?? ''}`
}

export function specContext(spec: {
  compiler?: Compiler
  os?: string
  target?: string
  platform?: string
}): SpecContext {
  return {
    ...(spec.compiler ? { compiler: compilerText(spec.compiler) } : {}),
    ...(spec.os ? { os: spec.os } : {}),
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.platform ? { platform: spec.platform } : {}),
  }
}

/**
 * What a head keeps (`concretizer.reuse`): every version the base commit resolved a package to in a
 * context (marked when the mirror holds it too), then the versions the mirror holds.
 */
export function reusableFrom(
  base: Iterable<ConcreteSpec> | undefined,
  mirror: ReusableVersions | undefined,
): Map<string, ReusableVersion[]> {
  const out = new Map<string, Map<string, ReusableVersion>>()
  const add = (key: string, r: ReusableVersion): void => {
    let m = out.get(key)
    if (!m) out.set(key, (m = new Map()))
    const prev = m.get(r.version)
    m.set(r.version, {
      version: r.version,
      ...(prev?.base || r.base ? { base: true } : {}),
      ...(prev?.mirror || r.mirror ? { mirror: true } : {}),
      ...(prev?.deprecated || r.deprecated ? { deprecated: true } : {}),
    })
  }
  for (const spec of base ?? [])
    if (!spec.external)
      add(reuseKey(spec.package, specContext(spec)), {
        version: spec.version,
        base: true,
        ...(spec.deprecated ? { deprecated: true } : {}),
      })
  for (const [key, list] of mirror ?? []) for (const r of list) if (r.mirror) add(key, r)
  return sortedReusable(out)
}

/** The versions a mirror holds, from its entries (`spec` ids carry target and platform). */
export function reusableInMirror(
  entries: Iterable<{
    spec: string
    package: string
    version: string
    os?: string
    compiler?: string
  }>,
): Map<string, ReusableVersion[]> {
  const out = new Map<string, Map<string, ReusableVersion>>()
  for (const e of entries) {
    const target = / target=(\S+)/.exec(e.spec)?.[1]
    const platform = / platform=(\S+)/.exec(e.spec)?.[1]
    const key = reuseKey(e.package, {
      ...(e.compiler ? { compiler: e.compiler } : {}),
      ...(e.os ? { os: e.os } : {}),
      ...(target ? { target } : {}),
      ...(platform ? { platform } : {}),
    })
    let m = out.get(key)
    if (!m) out.set(key, (m = new Map()))
    m.set(e.version, { version: e.version, mirror: true })
  }
  return sortedReusable(out)
}

/** A canonical value of reusable versions (sorted), for cache keys. */
export function reusableKeyValue(r: ReusableVersions | undefined): [string, string[]][] {
  return [...(r ?? [])]
    .map(([k, list]): [string, string[]] => [
      k,
      list
        .map(
          (v) =>
            `${v.version}${v.base ? ' base' : ''}${v.mirror ? ' mirror' : ''}${v.deprecated ? ' deprecated' : ''}`,
        )
        .sort(),
    ])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

function sortedReusable(
  m: Map<string, Map<string, ReusableVersion>>,
): Map<string, ReusableVersion[]> {
  return new Map(
    [...m.keys()]
      .sort()
      .map((k) => [
        k,
        [...m.get(k)!.values()].sort((a, b) => compareVersions(b.version, a.version)),
      ]),
  )
}

export interface ResolveRequest {
  packages: ReadonlyMap<string, Package>
  /** Root spec strings; empty = every package's default spec (each resolved on its own). */
  requests: readonly { spec: string; place: string }[]
  /** The config's `providers`: virtual → provider(s); the first that is a package wins. */
  providers: Readonly<Record<string, string | readonly string[]>>
  /**
   * Provider preferences used when the config names none for a virtual (Spack's defaults, see
   * spack-providers.ts): the first entry that is a package providing the virtual wins.
   */
  defaultProviders?: Readonly<Record<string, readonly string[]>>
  /** `concretizer.unify` (default false: every request on its own). */
  unify?: Unify
  /** `concretizer.reuse`: versions to keep where the constraints allow. */
  reuse?: ReusableVersions
  /**
   * Skip (instead of failing on) root requests that name a package or version this tree does not
   * have, or that cannot be unified: the base commit is resolved with the head's config, so a
   * package added by the change is simply absent there.
   */
  skipUnknownRoots?: boolean
  /**
   * Resolve only some roots (see rootKey) against specs kept from a neighbouring tree: a node whose
   * id is in `frozen` is used as it is. Only where every request resolves on its own (unify false,
   * or no requests): the other roots then resolve exactly as before.
   */
  partial?: { roots: ReadonlySet<string>; frozen: ReadonlyMap<string, ConcreteSpec> }
  /**
   * Virtual → the packages providing it (see providerIndex), when the caller knows it without
   * `packages` being read in full; else it is indexed from `packages`.
   */
  virtualProviders?: ReadonlyMap<string, readonly string[]>
}

/**
 * The key of a root request that stays the same between two trees of one config: the package name
 * for a default spec (no requests), else the request's position.
 */
export function rootKey(defaults: boolean, index: number, spec: string): string {
  return defaults ? spec : `#${index}`
}

export interface ResolvedSpecs {
  specs: Map<string, ConcreteSpec>
  roots: string[]
  /** Root spec ids by rootKey. */
  rootsByKey: Map<string, string[]>
  /** Things worth telling the user (virtuals without a preference, missing dependencies …). */
  notes: string[]
  /**
   * Whether resolving the same packages and requests with `reuse` instead would give exactly this
   * result (every version choice replayed; nothing else depends on reuse).
   */
  sameWith(reuse: ReusableVersions | undefined): boolean
}

interface Inherited {
  compiler?: ConcreteSpec['compiler']
  os?: string
  target?: string
  platform?: string
}

/** A version choice: what `sameWith` replays. */
interface Choice {
  version: string
  moved?: VersionMove
}

interface Decision extends Choice {
  pkg: Package
  key: string
  fits: readonly VersionDirective[]
  wanted: readonly VersionConstraint[]
}

/** A root request, parsed. */
interface RootItem {
  c: SpecConstraint
  spec: string
  place: string
  index: number
}

/** One constraint met on a (package, context) during a pass. */
interface Item {
  c: SpecConstraint
  root?: RootItem
}

/** The unified node of a (package, context): version and requested variant values. */
interface Pin extends Choice {
  requested: ReadonlyMap<string, string>
}

interface PassResult {
  specs: Map<string, ConcreteSpec>
  /** Root ids by request index. */
  roots: Map<number, string[]>
  notes: Set<string>
  seen: Map<string, { pkg: Package; items: Item[] }>
}

/** Unification passes before giving up on a fixed point. */
const MAX_PASSES = 12

export function resolveSpecs(req: ResolveRequest): ResolvedSpecs {
  const virtualProviders = req.virtualProviders ?? providerIndex(req.packages.values())
  const decisions: Decision[] = []
  const versionIndexes = new Map<string, Map<string, VersionDirective>>()
  const versionIndex = (pkg: Package): Map<string, VersionDirective> => {
    let m = versionIndexes.get(pkg.name)
    if (!m) {
      m = new Map(pkg.versions.map((v) => [v.version, v]))
      versionIndexes.set(pkg.name, m)
    }
    return m
  }
  const decide = (
    pkg: Package,
    key: string,
    fits: readonly VersionDirective[],
    wanted: readonly VersionConstraint[],
  ): Choice => {
    const choice = chooseVersion(fits, wanted, req.reuse?.get(key), versionIndex(pkg))
    decisions.push({ pkg, key, fits, wanted, ...choice })
    return choice
  }
  const defaultsByPackage = new Map<string, Map<string, string>>()
  const providerConstraints = new Map<string, SpecConstraint>()
  const providerConstraint = (text: string): SpecConstraint => {
    let c = providerConstraints.get(text)
    if (!c) {
      c = dropName(parseSpecConstraintCached(text))
      providerConstraints.set(text, c)
    }
    return c
  }
  const isPackage = (p: string): boolean => {
    const name = parseSpecConstraintCached(p).name
    return name !== undefined && req.packages.has(name)
  }

  /**
   * One resolution of `rootItems`. With `pins`, a node adopts its (package, context)'s pin when the
   * pin satisfies the node's constraints; `collect` records every constraint met, for the next pins.
   * Nodes in `frozen` (earlier groups) are used as they are.
   */
  const runPass = (
    rootItems: readonly RootItem[],
    pins: ReadonlyMap<string, Pin> | undefined,
    frozen: ReadonlyMap<string, ConcreteSpec>,
    collect: boolean,
  ): PassResult => {
    const specs = new Map<string, ConcreteSpec>()
    const notes = new Set<string>()
    const seen = new Map<string, { pkg: Package; items: Item[] }>()
    const lookup = (id: string): ConcreteSpec => specs.get(id) ?? frozen.get(id)!

    // The same (name, constraints, inherited compiler/arch) always resolves to the same specs: most
    // of the ~100k dependency edges of a Spack-scale repository hit this memo.
    const memo = new Map<string, string[]>()
    const constraintIds = new WeakMap<SpecConstraint, number>()
    let nextConstraintId = 0
    const keyOf = (
      name: string,
      constraints: readonly SpecConstraint[],
      inherited: Inherited,
      root: RootItem | undefined,
    ): string => {
      let key = `${root ? `R${root.index}` : 'D'}|${name}|${inherited.compiler?.name ?? ''}@${inherited.compiler?.version ?? ''}|${inherited.os ?? ''}|${inherited.target ?? ''}|${inherited.platform ?? ''}`
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
      constraints: readonly SpecConstraint[],
      texts: readonly string[],
      inherited: Inherited,
      place: string,
      root: RootItem | undefined,
    ): string[] => {
      const key = keyOf(name, constraints, inherited, root)
      const hit = memo.get(key)
      if (hit) return hit
      const result = resolveUncached(name, constraints, texts, inherited, place, root)
      memo.set(key, result)
      return result
    }

    const resolveProvider = (
      provider: string,
      constraints: readonly SpecConstraint[],
      inherited: Inherited,
      place: string,
      root: RootItem | undefined,
    ): string[] =>
      resolve(
        parseSpecConstraintCached(provider).name!,
        [providerConstraint(provider), ...constraints.map(throughVirtual)],
        [provider],
        inherited,
        place,
        root,
      )

    const resolveVirtual = (
      name: string,
      constraints: readonly SpecConstraint[],
      inherited: Inherited,
      place: string,
      root: RootItem | undefined,
    ): string[] => {
      const configured = req.providers[name]
      if (configured !== undefined) {
        const list = typeof configured === 'string' ? [configured] : configured
        const hit = list.find(isPackage)
        if (!hit)
          throw new UserError(
            'config',
            `providers.${name}`,
            list.length === 1
              ? `provider "${list[0]}" is not a package in the recipe repository`
              : `none of the providers ${list.map((p) => `"${p}"`).join(', ')} is a package in the recipe repository`,
          )
        return resolveProvider(hit, constraints, inherited, place, root)
      }
      const providers = virtualProviders.get(name)
      // A default preference counts for a package that provides the virtual (Spack's rule).
      const preferred = req.defaultProviders?.[name]?.find((p) =>
        providers?.includes(parseSpecConstraintCached(p).name ?? ''),
      )
      if (preferred) return resolveProvider(preferred, constraints, inherited, place, root)
      if (providers && providers.length > 0) {
        notes.add(
          `virtual "${name}" has no preferred provider (set providers.${name}); depending on every provider: ${providers.join(', ')}`,
        )
        return providers.flatMap((p) =>
          resolve(p, constraints.map(throughVirtual), [p], inherited, place, root),
        )
      }
      if (root)
        throw new UserError('config', place, `"${name}" is not a package in the recipe repository`)
      notes.add(
        `dependency "${name}" is neither a package nor a provided virtual in the recipe repository: ignored`,
      )
      return []
    }

    const resolveUncached = (
      name: string,
      constraints: readonly SpecConstraint[],
      texts: readonly string[],
      inherited: Inherited,
      place: string,
      root: RootItem | undefined,
    ): string[] => {
      const pkg = req.packages.get(name)
      // A Spack virtual package (`virtual = True`, no versions) that other packages provide.
      if (!pkg || (pkg.versions.length === 0 && virtualProviders.has(name)))
        return resolveVirtual(name, constraints, inherited, place, root)
      const isRoot = root !== undefined
      const own: Inherited = { ...inherited }
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
      const nodeKey = reuseKey(name, specContext(own))
      if (collect) {
        let s = seen.get(nodeKey)
        if (!s) seen.set(nodeKey, (s = { pkg, items: [] }))
        for (const c of constraints) s.items.push({ c, ...(root ? { root } : {}) })
      }
      // Variant values asked for by this node's own constraints, then by its pin.
      const requested = new Map<string, string>()
      for (const c of constraints)
        for (const [k, v] of Object.entries(c.variants)) requested.set(k, v.join(','))
      const asked = new Set(requested.keys())
      let choice: Choice
      const pin = pins?.get(nodeKey)
      if (pin && pinFits(pin, constraints)) {
        choice = pin
        for (const [k, v] of pin.requested) if (!requested.has(k)) requested.set(k, v)
      } else {
        choice = pickVersion(pkg, constraints, place, isRoot, notes, (fits, wanted) =>
          decide(pkg, nodeKey, fits, wanted),
        )
        const split =
          pin &&
          (choice.version !== pin.version ||
            [...requested].some(([k, v]) => (pin.requested.get(k) ?? v) !== v))
        if (split)
          notes.add(
            `${name}: ${isRoot ? `${place} "${texts.join(' ')}"` : `${place} asks for "${texts.join('", "')}", which`} does not fit the unified ${name}@${pin.version}: resolved on its own`,
          )
      }
      const variants: Record<string, string> = {}
      const spec: ConcreteSpec = {
        id: '',
        package: name,
        version: choice.version,
        variants,
        parameters: {},
        dependencies: [],
        origin: isRoot ? 'config' : 'dependency',
        ...own,
        ...(choice.moved ? { moved: choice.moved } : {}),
        ...(versionIndex(pkg).get(choice.version)?.deprecated ? { deprecated: true as const } : {}),
      }
      // Variants: defaults, then requested values; conditional variants only where `when` holds.
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
        if (isRoot && asked.has(k))
          throw new UserError('config', place, `package "${name}" has no variant "${k}"`)
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
      const existing = specs.get(spec.id) ?? frozen.get(spec.id)
      if (existing) return [existing.id]
      specs.set(spec.id, spec)

      // Dependencies whose `when` holds, grouped by name so several constraints on one dependency
      // resolve to one node.
      const grouped = new Map<
        string,
        { constraints: SpecConstraint[]; texts: string[]; types: Set<DepType> }
      >()
      for (const d of pkg.dependencies) {
        const where = `${pkg.recipePath}:${d.place?.line ?? 0}`
        if (d.when && !conditionHolds(view, d.when, where)) continue
        if (LANGUAGE_VIRTUALS.has(d.name)) continue
        const g = grouped.get(d.name) ?? {
          constraints: [],
          texts: [],
          types: new Set<DepType>(),
        }
        g.constraints.push(parseSpecConstraintCached(d.spec))
        g.texts.push(d.spec)
        for (const t of d.types) g.types.add(t)
        grouped.set(d.name, g)
      }
      const edges = new Map<string, SpecEdge>()
      for (const [depName, g] of grouped) {
        const ids = resolve(depName, g.constraints, g.texts, own, `${pkg.recipePath}`, undefined)
        for (const id of ids) {
          const target = lookup(id)
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
      spec.dependencies = [...edges.values()].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      )
      return [spec.id]
    }

    const roots = new Map<number, string[]>()
    for (const r of rootItems) {
      try {
        roots.set(r.index, resolve(r.c.name!, [r.c], [r.spec], {}, r.place, r))
      } catch (e) {
        if (!(req.skipUnknownRoots && e instanceof UserError && e.kind === 'config')) throw e
        notes.add(`base: ${e.message}`)
      }
    }
    return { specs, roots, notes, seen }
  }

  /** The pins a pass's constraints call for: per (package, context), as many as fit together. */
  const computePins = (
    seen: PassResult['seen'],
    earlier: ReadonlyMap<string, Pin>,
  ): Map<string, Pin> => {
    const pins = new Map<string, Pin>()
    for (const [key, { pkg, items }] of seen) {
      if (pkg.versions.length === 0) continue
      // Root requests first (in request order), then dependency constraints as met.
      const ordered = [
        ...items.filter((i) => i.root).sort((a, b) => a.root!.index - b.root!.index),
        ...items.filter((i) => !i.root),
      ]
      let fits: readonly VersionDirective[] = pkg.versions
      const wanted: VersionConstraint[] = []
      const requested = new Map<string, string>()
      const taken = new Set<SpecConstraint>()
      for (const { c } of ordered) {
        if (taken.has(c)) continue
        const next = c.versions
          ? fits.filter((v) => versionSatisfies(v.version, c.versions!))
          : fits
        if (next.length === 0 || !variantsAgree(requested, c)) continue
        taken.add(c)
        fits = next
        if (c.versions) wanted.push(c.versions)
        for (const [k, v] of Object.entries(c.variants)) requested.set(k, v.join(','))
      }
      // when_possible: a node of an earlier group that fits is kept (Spack reuses earlier rounds).
      const prior = earlier.get(key)
      if (
        prior &&
        fits.some((v) => v.version === prior.version) &&
        [...requested].every(([k, v]) => (prior.requested.get(k) ?? v) === v)
      ) {
        pins.set(key, { ...prior, requested: new Map([...prior.requested, ...requested]) })
        continue
      }
      pins.set(key, { ...decide(pkg, key, fits, wanted), requested })
    }
    return pins
  }

  const items: RootItem[] = req.requests.map((r, index) => {
    const c = parseSpecConstraintCached(r.spec, r.place)
    if (!c.name) throw new UserError('config', r.place, `spec "${r.spec}" names no package`)
    return { c, spec: r.spec, place: r.place, index }
  })
  const unify = req.requests.length === 0 ? false : (req.unify ?? false)
  const specs = new Map<string, ConcreteSpec>()
  const notes = new Set<string>()
  const rootIds = new Map<number, string[]>()
  const absorb = (r: PassResult): void => {
    for (const [id, s] of r.specs) if (!specs.has(id)) specs.set(id, s)
    for (const n of r.notes) notes.add(n)
    for (const [i, ids] of r.roots) rootIds.set(i, ids)
  }

  const defaults = req.requests.length === 0
  const keyOfItem = (r: RootItem): string => rootKey(defaults, r.index, r.spec)
  const partial = req.partial
  if (partial && unify !== false)
    throw new Error('partial resolution needs every request resolved on its own')
  const chosen = (list: RootItem[]): RootItem[] =>
    partial ? list.filter((r) => partial.roots.has(keyOfItem(r))) : list
  let all: RootItem[] = items
  if (defaults) {
    all = [...req.packages.keys()].sort().map((name, index) => ({
      c: { name, variants: {}, dependencies: [] },
      spec: name,
      place: `package ${name}`,
      index,
    }))
    absorb(runPass(chosen(all), undefined, partial?.frozen ?? specs, false))
  } else if (unify === false) {
    absorb(runPass(chosen(items), undefined, partial?.frozen ?? specs, false))
  } else {
    const groups = groupRequests(items, unify, req, notes)
    const earlier = new Map<string, Pin>()
    for (const group of groups) {
      let pins = new Map<string, Pin>()
      for (let pass = 1; ; pass++) {
        const r = runPass(group, pins, specs, true)
        const next = computePins(r.seen, earlier)
        const settled = samePins(pins, next)
        if (settled || pass === MAX_PASSES) {
          if (!settled)
            notes.add(
              `concretizer.unify: the unified versions did not settle after ${MAX_PASSES} passes; using the last`,
            )
          absorb(r)
          for (const [k, p] of pins) if (!earlier.has(k)) earlier.set(k, p)
          break
        }
        pins = next
      }
    }
  }
  const order = [...rootIds.keys()].sort((a, b) => a - b)
  const roots = order.flatMap((i) => rootIds.get(i)!)
  if (unify !== false) {
    // Requests that unification folded into one node (`zlib` and `zlib+pic`): say so.
    const byId = new Map<string, RootItem[]>()
    for (const i of order)
      for (const id of rootIds.get(i)!) byId.set(id, [...(byId.get(id) ?? []), items[i]!])
    for (const [id, rs] of byId)
      if (new Set(rs.map((r) => r.spec)).size > 1)
        notes.add(
          `concretizer.unify: ${rs.map((r) => `${r.place} "${r.spec}"`).join(', ')} are one node, ${id}`,
        )
  }
  const rootsByKey = new Map<string, string[]>()
  for (const i of order) rootsByKey.set(keyOfItem(all[i]!), rootIds.get(i)!)
  return {
    specs,
    roots: [...new Set(roots)],
    rootsByKey,
    notes: [...notes].sort(),
    sameWith(reuse) {
      for (const d of decisions) {
        const c = chooseVersion(d.fits, d.wanted, reuse?.get(d.key), versionIndex(d.pkg))
        if (c.version !== d.version || !sameMove(c.moved, d.moved)) return false
      }
      return true
    },
  }
}

/**
 * The groups of root requests that share nodes: one group with `unify: true` (a request that cannot
 * be unified with an earlier one is an error, or skipped on the lenient base side), first-fit groups
 * with `when_possible`. Requests conflict when they name the same package in the same context and
 * no version and variant values satisfy both.
 */
function groupRequests(
  items: readonly RootItem[],
  unify: true | 'when_possible',
  req: ResolveRequest,
  notes: Set<string>,
): RootItem[][] {
  const groups: { items: RootItem[]; byKey: Map<string, RootItem[]> }[] = []
  for (const r of items) {
    const pkg = req.packages.get(r.c.name!)
    const key = reuseKey(r.c.name!, rootContext(r.c, req.packages))
    // Not a package (a virtual), or unsatisfiable on its own (resolution reports that): no conflict.
    const free = !pkg || !jointly(pkg, [r.c])
    let placed = false
    for (const g of groups) {
      const same = g.byKey.get(key) ?? []
      if (!pkg || free || jointly(pkg, [...same.map((o) => o.c), r.c])) {
        g.items.push(r)
        g.byKey.set(key, [...same, r])
        placed = true
        break
      }
      if (unify === true) {
        const other = same.find((o) => !jointly(pkg, [o.c, r.c]))
        const named = (other ? [other] : same).map((o) => `${o.place} "${o.spec}"`)
        const message = `${named.join(', ')} and ${r.place} "${r.spec}" cannot be unified: no single ${pkg.name} satisfies ${named.length > 1 ? 'all' : 'both'} (set concretizer.unify to when_possible or false to give them their own nodes)`
        if (!req.skipUnknownRoots) throw new UserError('config', 'concretizer.unify', message)
        notes.add(`base: concretizer.unify: ${message}`)
        placed = true
        break
      }
    }
    if (!placed) groups.push({ items: [r], byKey: new Map([[key, [r]]]) })
  }
  return groups.map((g) => g.items)
}

/** The context a root request names itself (its compiler and arch). */
function rootContext(c: SpecConstraint, packages: ReadonlyMap<string, Package>): SpecContext {
  const cc = requestedCompiler(c, packages)
  const os = c.os ?? cc?.os
  const target = c.target ?? cc?.target
  const platform = c.platform ?? cc?.platform
  return {
    ...(cc ? { compiler: cc.versions ? `${cc.name}@${versionText(cc.versions)}` : cc.name } : {}),
    ...(os ? { os } : {}),
    ...(target ? { target } : {}),
    ...(platform ? { platform } : {}),
  }
}

/** Whether one node of `pkg` can satisfy every constraint (a version and the variant values). */
function jointly(pkg: Package, cs: readonly SpecConstraint[]): boolean {
  const requested = new Map<string, string>()
  for (const c of cs) {
    if (!variantsAgree(requested, c)) return false
    for (const [k, v] of Object.entries(c.variants)) requested.set(k, v.join(','))
  }
  if (pkg.versions.length === 0) return true
  return pkg.versions.some((v) =>
    cs.every((c) => !c.versions || versionSatisfies(v.version, c.versions)),
  )
}

function variantsAgree(requested: ReadonlyMap<string, string>, c: SpecConstraint): boolean {
  for (const [k, v] of Object.entries(c.variants)) {
    const prev = requested.get(k)
    if (prev !== undefined && prev !== v.join(',')) return false
  }
  return true
}

function pinFits(pin: Pin, constraints: readonly SpecConstraint[]): boolean {
  for (const c of constraints) {
    if (c.versions && !versionSatisfies(pin.version, c.versions)) return false
    if (!variantsAgree(pin.requested, c)) return false
  }
  return true
}

function samePins(a: ReadonlyMap<string, Pin>, b: ReadonlyMap<string, Pin>): boolean {
  if (a.size !== b.size) return false
  for (const [k, x] of a) {
    const y = b.get(k)
    if (!y || x.version !== y.version || !sameMove(x.moved, y.moved)) return false
    if (x.requested.size !== y.requested.size) return false
    for (const [n, v] of x.requested) if (y.requested.get(n) !== v) return false
  }
  return true
}

function sameMove(a: VersionMove | undefined, b: VersionMove | undefined): boolean {
  return a === b || (!!a && !!b && a.from === b.from && a.why === b.why && a.source === b.source)
}

/**
 * The version of a node whose constraints `fits` satisfy: the first reusable version (base and
 * mirror, then base, then mirror; preferred, then highest) that satisfies the constraints, exists
 * and is not deprecated, else the default. A reusable version that would have come first but is
 * deprecated or removed is the `moved` record.
 */
function chooseVersion(
  fits: readonly VersionDirective[],
  wanted: readonly VersionConstraint[],
  reusable: readonly ReusableVersion[] | undefined,
  versions: ReadonlyMap<string, VersionDirective>,
): Choice {
  if (!reusable || reusable.length === 0) return { version: defaultVersion(fits) }
  let first: VersionMove | undefined
  for (const r of rankReusable(reusable, versions)) {
    if (!wanted.every((w) => versionSatisfies(r.version, w))) continue
    const d = versions.get(r.version)
    if (d && !d.deprecated)
      return first ? { version: d.version, moved: first } : { version: d.version }
    first ??= {
      from: r.version,
      why: d ? 'deprecated' : 'removed',
      source: r.base ? 'base' : 'mirror',
    }
  }
  const version = defaultVersion(fits)
  return first && first.from !== version ? { version, moved: first } : { version }
}

/**
 * Reusable versions best first: tier (base and mirror, base, mirror), then preferred, then highest.
 * Deprecation at head does not rank (a kept version that got deprecated is where the node was); a
 * version already deprecated where the base chose it, and develop and branch versions, are never
 * kept for a request that does not name them.
 */
function rankReusable(
  reusable: readonly ReusableVersion[],
  versions: ReadonlyMap<string, VersionDirective>,
): ReusableVersion[] {
  const tier = (r: ReusableVersion): number => (r.base && r.mirror ? 0 : r.base ? 1 : 2)
  const preferred = (r: ReusableVersion): number => (versions.get(r.version)?.preferred ? 0 : 1)
  return reusable
    .filter((r) => !r.deprecated && !INFINITY_VERSIONS.has(r.version))
    .sort(
      (a, b) =>
        tier(a) - tier(b) || preferred(a) - preferred(b) || compareVersions(b.version, a.version),
    )
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

/**
 * A constraint on a virtual as it applies to its provider: without the name, and without the
 * version (`mpi@3:`, `gl@4.5:` are versions of the interface, not of openmpi or glx).
 */
function throughVirtual(c: SpecConstraint): SpecConstraint {
  let out = throughVirtualMemo.get(c)
  if (!out) {
    const { name: _name, versions: _versions, ...rest } = c
    out = rest
    throughVirtualMemo.set(c, out)
  }
  return out
}

/** One derived constraint per constraint: the resolver's memo keys on constraint identity. */
const throughVirtualMemo = new WeakMap<SpecConstraint, SpecConstraint>()

function compilerText(c: Compiler): string {
  return c.version ? `${c.name}@${c.version}` : c.name
}

function versionText(v: NonNullable<SpecConstraint['versions']>): string {
  return v
    .map((r) => (r.exact || r.lo === r.hi ? (r.lo ?? '') : `${r.lo ?? ''}:${r.hi ?? ''}`))
    .join(',')
}

/** Virtual → the packages that provide it (under any condition), in name order. */
export function providerIndex(packages: Iterable<Package>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const pkg of [...packages].sort((a, b) => (a.name < b.name ? -1 : 1))) {
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
  constraints: readonly SpecConstraint[],
  place: string,
  isRoot: boolean,
  notes: Set<string>,
  decide: (fits: readonly VersionDirective[], wanted: readonly VersionConstraint[]) => Choice,
): Choice {
  const wanted = constraints.map((c) => c.versions).filter((v) => v !== undefined)
  const fits = (v: VersionDirective): boolean => wanted.every((w) => versionSatisfies(v.version, w))
  const candidates = pkg.versions.filter(fits)
  if (candidates.length === 0) {
    if (pkg.versions.length === 0) {
      const exact = wanted.length === 1 && wanted[0]!.length === 1 ? wanted[0]![0]! : undefined
      if (exact && exact.lo && exact.lo === exact.hi) return { version: exact.lo }
      return { version: 'none' }
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
    return { version: defaultVersion(pkg.versions) }
  }
  return decide(candidates, wanted)
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

/**
 * `name@version+a~b k=v %compiler@ver os=… target=… platform=…` (non-default variants only). A
 * value that is not one bare word is quoted as the spec grammar quotes it (`k='a b'`): a value
 * never spells another token of the id (`k='x ^evil'` is not `k=x` and a dependency).
 */
export function specId(spec: ConcreteSpec, defaults: ReadonlyMap<string, string>): string {
  let id = `${spec.package}@${spec.version}`
  const keys = Object.keys(spec.variants).sort()
  const kv: string[] = []
  for (const k of keys) {
    const v = spec.variants[k]!
    if (defaults.get(k) === v) continue
    if (v === 'true') id += `+${k}`
    else if (v === 'false') id += `~${k}`
    else kv.push(`${k}=${quoteIfNeeded(v)}`)
  }
  if (kv.length > 0) id += ` ${kv.join(' ')}`
  if (spec.compiler)
    id += ` %${spec.compiler.name}${spec.compiler.version ? `@${spec.compiler.version}` : ''}`
  if (spec.os) id += ` os=${quoteIfNeeded(spec.os)}`
  if (spec.target) id += ` target=${quoteIfNeeded(spec.target)}`
  if (spec.platform) id += ` platform=${quoteIfNeeded(spec.platform)}`
  return id
}
