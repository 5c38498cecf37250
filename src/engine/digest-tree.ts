/**
 * One side of the comparison (a commit's tree or the working tree), digested: packages, the spec
 * set, local spec digests and the folded spec digests. Two ways to get there:
 *  - `digestTreeFully`: read every recipe (through the blob-id cache), resolve, digest;
 *  - `deriveDigestTree`: from an already digested neighbour (the base), re-reading only the
 *    packages whose inputs changed — when none of their resolution-relevant directives changed, the
 *    spec set is the same and only their specs' local digests are recomputed before folding again.
 */
import { withDependents } from '../core/graph.js'
import { DIGEST_ALGORITHM, digestOf, type Digest } from '../core/canonical-encode.js'
import {
  computeLocalSpecDigest,
  dependencyInput,
  foldedDigest,
  foldSpecDigests,
  propagatingDeps,
  propagatingEdges,
  type SpecDigest,
  type LocalSpecDigest,
  type SpecDigestContext,
} from '../core/digest/spec-digest.js'
import { computePackageDigest, computeResolutionDigest } from '../core/digest/package-digest.js'
import { UserError } from '../core/errors.js'
import type {
  ConcreteSpec,
  DependencyInput,
  DepType,
  Package,
  PackageSummary,
} from '../core/model.js'
import type { ChangedFile, DigestedTree } from '../core/plan.js'
import {
  KNOWN_COMPILERS,
  providerIndex,
  resolveSpecs,
  reusableFrom,
  reuseKey,
  specContext,
  type ResolveRequest,
  type ResolvedSpecs,
  type ReusableVersions,
} from '../core/resolve-specs.js'
import { SPACK_DEFAULT_PROVIDERS } from '../core/spack-providers.js'
import { conditionHolds, specView } from '../core/spec-view.js'
import { expandSpecRequests, recipeRoots, type Config } from '../config/config-schema.js'
import { readManifestPackages } from '../ecosystems/manifest/read-manifest-packages.js'
import { readFromagerTree } from '../ecosystems/fromager/read-fromager.js'
import type { BlobCache, RepoSnapshot } from '../ecosystems/snapshot.js'
import {
  AnalysisNotCached,
  openSpackPackages,
  readSpackPackages,
  type ModuleAnalysis,
  type RecipeAnalysis,
  type SpackPackageSource,
} from '../ecosystems/spack/read-spack-packages.js'
import { parseSpackLockfile } from '../ecosystems/spack/lockfile.js'
import { lockTextOf } from '../ecosystems/spack/lock-text.js'
import { WORKTREE } from '../git/index.js'
import type { EnvironmentSigner } from '../env/environment-signer.js'

export interface TreeResult extends DigestedTree {
  notes: string[]
  containers: Map<string, string>
  /** Per package: what resolution reads (see computeResolutionDigest). */
  resolutionDigests: Map<string, Digest>
  locals: Map<string, LocalSpecDigest>
  /** How many cached deltas this tree stands on (0: stored in full), when read from the cache. */
  cacheDepth?: number
  /**
   * `concretizer.reuse`, for a tree resolved as a base (with the mirror's versions): whether a
   * neighbour with the same resolution directives, resolved with this tree's versions as the ones
   * to keep, resolves exactly like it (so it can be derived). Stored in the tree cache.
   */
  reuseStable?: boolean
  /** The resolution, when this run resolved the tree (not stored). */
  resolution?: Pick<ResolvedSpecs, 'sameWith'>
  /** Root spec ids by rootKey, for a resolved tree (lets a neighbour re-resolve some roots). */
  roots?: Map<string, string[]>
  /** Per package that provides a virtual: what its `provides` say (digested). */
  providing?: Map<string, Digest>
  /**
   * A derived tree that re-resolved some roots: whether resolving it as the next run's base (with
   * the mirror's versions only) gives it (not stored).
   */
  sameAsBase?: boolean
}

export interface TreeSettings {
  config: Config
  isIgnored: (path: string) => boolean
  deptypes: ReadonlySet<DepType>
  /** The base side: the head's config may request packages or versions the base does not have yet. */
  isBase: boolean
  /** The config file's path in the tree (when the config comes from the tree). */
  configPath?: string
  /** Build-environment signatures (`environment` in the config); without: H(container image). */
  environment?: EnvironmentSigner
  /** `concretizer.reuse`: the versions this side keeps (the base's choices, the mirror's). */
  reuse?: ReusableVersions
  /** `concretizer.reuse`: the versions the mirror holds (what a base side keeps). */
  mirrorReuse?: ReusableVersions
}

type AnalysisCache = BlobCache<RecipeAnalysis | ModuleAnalysis>

async function readPackages(
  snap: RepoSnapshot,
  s: TreeSettings,
  cache: AnalysisCache,
  only?: ReadonlySet<string>,
): Promise<Map<string, Package>> {
  if (s.config.ecosystem === 'manifest') return readManifestPackages(snap, s.config, s.isIgnored)
  return (
    await readSpackPackages(snap, {
      recipeRoots: recipeRoots(s.config),
      ...(s.config.buildSystems ? { buildSystems: s.config.buildSystems } : {}),
      isIgnored: s.isIgnored,
      cache,
      ...(only ? { only } : {}),
    })
  ).packages
}

/** Every package of a tree, read in full (directives included): what resolution needs. */
export async function readTreePackages(
  snap: RepoSnapshot,
  s: TreeSettings,
  cache: AnalysisCache,
): Promise<Map<string, Package>> {
  return readPackages(snap, s, cache)
}

/**
 * A tree's packages to read a few at a time (Spack; see SpackPackageSource), undefined for the
 * other ecosystems, which are read in full.
 */
export async function openTreePackages(
  snap: RepoSnapshot,
  s: TreeSettings,
  cache: AnalysisCache,
): Promise<SpackPackageSource | undefined> {
  if (s.config.ecosystem !== 'spack') return undefined
  return openSpackPackages(snap, {
    recipeRoots: recipeRoots(s.config),
    ...(s.config.buildSystems ? { buildSystems: s.config.buildSystems } : {}),
    isIgnored: s.isIgnored,
    cache,
  })
}

function envSignatureOf(containers: ReadonlyMap<string, string>): (spec: ConcreteSpec) => Digest {
  const memo = new Map<string, Digest>()
  return (spec) => {
    const image = containers.get(spec.id) ?? null
    const key = image ?? ''
    let d = memo.get(key)
    if (!d) {
      d = digestOf({ algorithm: DIGEST_ALGORITHM, container: image })
      memo.set(key, d)
    }
    return d
  }
}

export async function digestTreeFully(
  snap: RepoSnapshot,
  s: TreeSettings,
  cache: AnalysisCache,
  preread?: () => Promise<Map<string, Package>>,
): Promise<TreeResult> {
  const fromager =
    s.config.ecosystem === 'fromager'
      ? await readFromagerTree(snap, s.config, s.isIgnored)
      : undefined
  const packages =
    fromager?.packages ?? (preread ? await preread() : await readPackages(snap, s, cache))
  const packageDigests = new Map<string, Digest>()
  const resolutionDigests = new Map<string, Digest>()
  const providing = new Map<string, Digest>()
  for (const [name, p] of packages) {
    packageDigests.set(name, computePackageDigest(p.digestInputs))
    resolutionDigests.set(name, computeResolutionDigest(p))
    const provided = providesDigest(p)
    if (provided) providing.set(name, provided)
  }
  let specs: Map<string, ConcreteSpec>
  let notes: string[] = []
  let resolution: TreeResult['resolution']
  let roots: TreeResult['roots']
  if (fromager) {
    specs = fromager.specs
  } else if (s.config.lockfile) {
    specs = await readLockfileSpecs(snap, s.config.lockfile)
  } else {
    const resolved = resolveSpecs(resolveRequest(packages, s))
    specs = resolved.specs
    notes = resolved.notes
    resolution = resolved
    roots = resolved.rootsByKey
  }
  const entries = mapContainerEntries(specs, s.config)
  const containers = imagesOf(entries, s.config)
  const environments = s.environment?.forTree(snap.files)
  const ctx: SpecDigestContext = {
    packages,
    packageDigests,
    specs,
    envSignature: environments
      ? (spec) => environments.signatureOf(entries.get(spec.id))
      : envSignatureOf(containers),
    deptypes: s.deptypes,
  }
  const locals = new Map<string, LocalSpecDigest>()
  for (const [id, spec] of specs) locals.set(id, computeLocalSpecDigest(spec, ctx))
  const specDigests = foldSpecDigests(specs, locals, s.deptypes)
  return {
    sha: snap.rev,
    // Summaries only: the directives were for resolution, and a Spack-scale tree's are large.
    packages: summaries(packages),
    packageDigests,
    resolutionDigests,
    specs,
    locals,
    specDigests,
    notes,
    containers,
    ...(resolution ? { resolution } : {}),
    ...(roots ? { roots, providing } : {}),
  }
}

function summaries(packages: ReadonlyMap<string, Package>): Map<string, PackageSummary> {
  const out = new Map<string, PackageSummary>()
  for (const [name, p] of packages) out.set(name, summaryOf(p))
  return out
}

function summaryOf(p: Package): PackageSummary {
  return {
    name: p.name,
    ecosystem: p.ecosystem,
    recipePath: p.recipePath,
    directory: p.directory,
    digestInputs: p.digestInputs,
    unresolved: p.unresolved,
    ...(p.unreadable ? { unreadable: p.unreadable } : {}),
    inputPaths: p.inputPaths,
  }
}

/** What a package's `provides` say, digested; undefined when it provides nothing. */
function providesDigest(p: Package): Digest | undefined {
  if (p.provides.length === 0) return undefined
  return digestOf({ provides: p.provides.map((d) => [d.specs, d.when ?? null]) })
}

function resolveRequest(
  packages: ReadonlyMap<string, Package>,
  s: TreeSettings,
  partial?: ResolveRequest['partial'],
): ResolveRequest {
  return {
    packages,
    requests: expandSpecRequests(s.config),
    providers: s.config.providers,
    ...(s.config.ecosystem === 'spack' ? { defaultProviders: SPACK_DEFAULT_PROVIDERS } : {}),
    unify: s.config.concretizer.unify,
    ...(s.config.concretizer.reuse && s.reuse ? { reuse: s.reuse } : {}),
    skipUnknownRoots: s.isBase,
    ...(partial ? { partial } : {}),
  }
}

async function readLockfileSpecs(
  snap: RepoSnapshot,
  lockfile: string,
): Promise<Map<string, ConcreteSpec>> {
  const oid = snap.files.get(lockfile)
  if (!oid)
    throw new UserError(
      'config',
      'lockfile',
      `"${lockfile}" not found in ${snap.rev === WORKTREE ? 'the working tree' : `commit ${snap.rev.slice(0, 12)}`}`,
    )
  const text = lockTextOf((await snap.readBlobs([oid])).get(oid)!, lockfile)
  const lock = parseSpackLockfile(text, lockfile)
  return new Map(lock.specs.map((spec) => [spec.id, spec]))
}

/** Above this many changed packages a full read is as cheap as a derivation. */
const MAX_DERIVED_PACKAGES = 400

/**
 * Derive `snap`'s digests from `from` (digested with the same settings) when the change between
 * them only touches package inputs (recipes, modules, patch files) without changing what spec
 * resolution reads. Undefined when that does not hold: the caller then digests fully.
 */
export async function deriveDigestTree(
  from: TreeResult,
  snap: RepoSnapshot,
  changed: readonly ChangedFile[],
  s: TreeSettings,
  cache: AnalysisCache,
  source?: () => Promise<SpackPackageSource | undefined>,
): Promise<TreeResult | undefined> {
  if (s.config.ecosystem !== 'spack') return undefined
  // A base resolved leniently (some requests skipped) is not what this tree resolves to.
  if (from.notes.some((n) => n.startsWith('base: '))) return undefined
  // With reuse, a head keeps the base's versions: only a base known to resolve the same way with
  // them (see TreeResult.reuseStable) has this tree's spec set. (Derived as a base, this tree keeps
  // the mirror's versions, as `from` did.)
  if (s.config.concretizer.reuse && !s.config.lockfile && !s.isBase && from.reuseStable !== true)
    return undefined
  const byPath = new Map<string, string[]>()
  for (const p of from.packages.values()) {
    for (const f of p.inputPaths) {
      const names = byPath.get(f)
      if (names) names.push(p.name)
      else byPath.set(f, [p.name])
    }
  }
  const affected = new Set<string>()
  // A recipe added, removed or renamed: the spec set changes (re-resolution, with readAll).
  let recipesMoved = false
  for (const c of changed) {
    for (const path of [c.path, c.oldPath]) {
      if (!path) continue
      if (path === s.configPath || path === s.config.lockfile) return undefined
      // A declared environment file changed: signatures differ, digest this side in full.
      if (s.environment?.touches(path)) return undefined
      if (path.endsWith('/package.py') && (c.status !== 'M' || !byPath.has(path))) {
        if (!source) return undefined
        recipesMoved = true
        continue
      }
      if (
        s.config.buildSystems &&
        path.startsWith(`${s.config.buildSystems}/`) &&
        !byPath.has(path) &&
        c.status !== 'M'
      )
        return undefined
      for (const name of byPath.get(path) ?? []) affected.add(name)
    }
  }
  if (affected.size > MAX_DERIVED_PACKAGES) return undefined
  const read = source ? await source() : undefined
  // Re-resolving reads the packages resolution reaches, as it reaches them; should one's analysis
  // be missing from the cache (a cache pruned by hand), everything is read and it starts again.
  const reresolving = async (): Promise<TreeResult | undefined> => {
    if (!read) return undefined
    await read.prefetch(affected)
    try {
      return deriveReresolving(from, snap, s, affected, read.view)
    } catch (e) {
      if (!(e instanceof AnalysisNotCached)) throw e
    }
    await read.readAll()
    return deriveReresolving(from, snap, s, affected, read.view)
  }
  if (recipesMoved) return reresolving()
  let fresh: Map<string, Package>
  if (read) {
    await read.prefetch(affected)
    fresh = new Map()
    for (const name of affected) {
      const pkg = read.get(name)
      if (pkg) fresh.set(name, pkg)
    }
  } else fresh = affected.size > 0 ? await readPackages(snap, s, cache, affected) : new Map()
  for (const name of affected) {
    const pkg = fresh.get(name)
    if (!pkg) return undefined
    if (computeResolutionDigest(pkg) !== from.resolutionDigests.get(name)) return reresolving()
  }
  const packages = new Map<string, PackageSummary>(from.packages)
  const packageDigests = new Map(from.packageDigests)
  for (const [name, pkg] of fresh) {
    packages.set(name, summaryOf(pkg))
    packageDigests.set(name, computePackageDigest(pkg.digestInputs))
  }
  const ctx: SpecDigestContext = {
    packages: fresh,
    packageDigests,
    specs: from.specs,
    // Same containers, same ambient values, no environment file changed: the base's signatures.
    envSignature: (spec) =>
      from.locals.get(spec.id)?.inputs.envSignature ?? envSignatureOf(from.containers)(spec),
    deptypes: s.deptypes,
  }
  const locals = new Map(from.locals)
  const changedLocals: string[] = []
  for (const [id, spec] of from.specs) {
    if (!fresh.has(spec.package)) continue
    const local = computeLocalSpecDigest(spec, ctx)
    locals.set(id, local)
    if (local.digest !== from.locals.get(id)?.digest) changedLocals.push(id)
  }
  const specDigests =
    refoldFrom(from.specs, from.specDigests, locals, changedLocals, s.deptypes) ??
    foldSpecDigests(from.specs, locals, s.deptypes)
  return {
    sha: snap.rev,
    packages,
    packageDigests,
    resolutionDigests: from.resolutionDigests,
    specs: from.specs,
    locals,
    specDigests,
    notes: from.notes,
    containers: from.containers,
    ...(from.reuseStable !== undefined ? { reuseStable: from.reuseStable } : {}),
    ...(from.roots ? { roots: from.roots } : {}),
    ...(from.providing ? { providing: from.providing } : {}),
  }
}

/**
 * The derivation when some changed packages' resolution directives changed (a version, variant,
 * dependency added…): every request resolves on its own, so only the roots whose base resolution
 * reaches such a package resolve again; every other root keeps its specs. Undefined (digest in
 * full) when that does not hold: unified requests, a lockfile, a changed `provides` (virtual
 * providers are found across all packages), a recipe added or removed.
 */
function deriveReresolving(
  from: TreeResult,
  snap: RepoSnapshot,
  s: TreeSettings,
  affected: ReadonlySet<string>,
  packages: ReadonlyMap<string, Package>,
): TreeResult | undefined {
  if (s.config.lockfile || !from.roots || !from.providing) return undefined
  const requests = expandSpecRequests(s.config)
  if (requests.length > 0 && s.config.concretizer.unify !== false) return undefined
  const added = [...packages.keys()].filter((n) => !from.packages.has(n))
  const removed = [...from.packages.keys()].filter((n) => !packages.has(n))
  // Names that provider and compiler choices look up across all packages.
  const configured = new Set(
    Object.values(s.config.providers).flatMap((v) => (typeof v === 'string' ? [v] : [...v])),
  )
  for (const name of [...added, ...removed])
    if (KNOWN_COMPILERS.has(name) || [...configured].some((p) => p.split(/[@+~%^ ]/)[0] === name))
      return undefined
  // The packages whose input files changed (as read now), and the added ones.
  const fresh = new Map<string, Package>()
  for (const name of [...affected, ...added]) {
    const pkg = packages.get(name)
    if (pkg) fresh.set(name, pkg)
  }
  const reresolve = new Set<string>([...added, ...removed])
  for (const [name, pkg] of fresh)
    if (computeResolutionDigest(pkg) !== from.resolutionDigests.get(name)) reresolve.add(name)
  // Virtual providers are found across all packages: a changed `provides` re-resolves everything.
  for (const name of reresolve) {
    const pkg = packages.get(name)
    if ((pkg ? providesDigest(pkg) : undefined) !== from.providing.get(name)) return undefined
  }

  // An added package is what some dependency names (before: a missing dependency or a virtual).
  const newlyNamed = new Set(added)
  const naming = new Set<string>()
  if (newlyNamed.size > 0)
    for (const [name, pkg] of packages)
      if (pkg.dependencies.some((d) => newlyNamed.has(d.name))) naming.add(name)
  // The base specs that reach a re-resolved package, over every edge (resolution follows all).
  const touched = withDependents(
    from.specs,
    [...from.specs.values()]
      .filter((spec) => reresolve.has(spec.package) || naming.has(spec.package))
      .map((spec) => spec.id),
  )
  const again = new Set<string>(requests.length === 0 ? added : [])
  const keptRoots = new Map<string, string[]>()
  for (const [key, ids] of from.roots)
    if (ids.some((id) => touched.has(id))) again.add(key)
    else keptRoots.set(key, ids)
  const kept = new Map<string, ConcreteSpec>()
  const stack = [...keptRoots.values()].flat()
  while (stack.length > 0) {
    const id = stack.pop()!
    if (kept.has(id)) continue
    const spec = from.specs.get(id)!
    kept.set(id, spec)
    for (const e of spec.dependencies) if (!kept.has(e.id)) stack.push(e.id)
  }

  // No `provides` changed and no provider came or went: the providers are the base's.
  const providers = [...from.providing.keys()].flatMap((name) => packages.get(name) ?? [])
  const resolved = resolveSpecs({
    ...resolveRequest(packages, s, { roots: again, frozen: kept }),
    virtualProviders: providerIndex(providers),
  })
  if (resolved.notes.some((n) => n.startsWith('base: '))) return undefined
  const specs = new Map(kept)
  for (const [id, spec] of resolved.specs) specs.set(id, spec)
  const roots = new Map([...keptRoots, ...resolved.rootsByKey])

  const packageSummaries = new Map<string, PackageSummary>(from.packages)
  const packageDigests = new Map(from.packageDigests)
  const resolutionDigests = new Map(from.resolutionDigests)
  const providing = new Map(from.providing)
  for (const [name, pkg] of fresh) {
    packageSummaries.set(name, summaryOf(pkg))
    packageDigests.set(name, computePackageDigest(pkg.digestInputs))
    resolutionDigests.set(name, computeResolutionDigest(pkg))
  }
  for (const name of removed) {
    packageSummaries.delete(name)
    packageDigests.delete(name)
    resolutionDigests.delete(name)
    providing.delete(name)
  }
  const entries = mapContainerEntries(specs, s.config)
  const containers = imagesOf(entries, s.config)
  const environments = s.environment?.forTree(snap.files)
  const ctx: SpecDigestContext = {
    packages,
    packageDigests,
    specs,
    envSignature: environments
      ? (spec) => environments.signatureOf(entries.get(spec.id))
      : envSignatureOf(containers),
    deptypes: s.deptypes,
  }
  const locals = new Map<string, LocalSpecDigest>()
  const recomputed: string[] = []
  for (const [id, spec] of specs) {
    const before = from.locals.get(id)
    if (before && !resolved.specs.has(id) && !fresh.has(spec.package)) {
      locals.set(id, before)
      continue
    }
    const local = computeLocalSpecDigest(spec, ctx)
    locals.set(id, local)
    if (resolved.specs.has(id) || local.digest !== before?.digest) recomputed.push(id)
  }
  const specDigests =
    refoldFrom(specs, from.specDigests, locals, recomputed, s.deptypes) ??
    foldSpecDigests(specs, locals, s.deptypes)

  // concretizer.reuse: whether this tree, resolved again keeping its own versions (the next
  // run's head side) or only the mirror's (its base side), gives itself. The kept specs were
  // resolved in `from` with the mirror's versions; they replay with this tree's own versions when
  // `from` replays with its own and this tree keeps no version of theirs `from` did not keep.
  let reuseStable = from.reuseStable
  let sameAsBase: boolean | undefined
  if (s.config.concretizer.reuse) {
    const own = reusableFrom(specs.values(), s.mirrorReuse)
    const before = reusableFrom(from.specs.values(), s.mirrorReuse)
    let keptReplay = from.reuseStable === true
    for (const spec of kept.values()) {
      if (!keptReplay) break
      if (spec.moved) keptReplay = false
      const key = reuseKey(spec.package, specContext(spec))
      const had = new Set((before.get(key) ?? []).map((r) => r.version))
      if ((own.get(key) ?? []).some((r) => !had.has(r.version))) keptReplay = false
    }
    reuseStable = keptReplay && resolved.sameWith(own)
    sameAsBase = resolved.sameWith(s.mirrorReuse)
  }
  const notes = [...new Set([...from.notes, ...resolved.notes])].sort()
  return {
    sha: snap.rev,
    packages: packageSummaries,
    packageDigests,
    resolutionDigests,
    specs,
    locals,
    specDigests,
    notes,
    containers,
    roots,
    providing,
    ...(reuseStable !== undefined ? { reuseStable } : {}),
    ...(sameAsBase !== undefined ? { sameAsBase } : {}),
  }
}

/**
 * Re-fold only what a change reaches: the specs whose local digest changed and everything that
 * depends on them over the propagating deptypes; every other digest is the base's. Undefined when
 * a reached spec is part of a dependency cycle (the caller folds everything).
 */
function refoldFrom(
  specs: ReadonlyMap<string, ConcreteSpec>,
  digests: ReadonlyMap<string, SpecDigest>,
  locals: ReadonlyMap<string, LocalSpecDigest>,
  changed: readonly string[],
  deptypes: ReadonlySet<DepType>,
): Map<string, SpecDigest> | undefined {
  const dependents = new Map<string, string[]>()
  for (const [id, spec] of specs)
    for (const d of propagatingDeps(spec, deptypes)) {
      const list = dependents.get(d)
      if (list) list.push(id)
      else dependents.set(d, [id])
    }
  const reached = new Set<string>(changed)
  const queue = [...changed]
  for (let i = 0; i < queue.length; i++)
    for (const up of dependents.get(queue[i]!) ?? [])
      if (!reached.has(up)) {
        reached.add(up)
        queue.push(up)
      }
  for (const id of reached) {
    const before = digests.get(id)
    if (before && Object.keys(before.inputs.dependencies).some((k) => k.startsWith('cycle of ')))
      return undefined
  }
  const out = new Map<string, SpecDigest>()
  for (const [id, d] of digests) if (specs.has(id) && !reached.has(id)) out.set(id, d)
  // Dependencies first: a depth-first post-order over the reached specs. Meeting a spec still on
  // the path is a new cycle: the caller folds everything.
  const state = new Map<string, 'open' | 'done'>()
  let cycle = false
  const visit = (id: string): void => {
    if (cycle || state.get(id) === 'done') return
    if (state.get(id) === 'open') {
      cycle = true
      return
    }
    state.set(id, 'open')
    const edges = propagatingEdges(specs.get(id)!, deptypes)
    edges.delete(id)
    for (const d of edges.keys()) if (reached.has(d)) visit(d)
    if (cycle) return
    const dependencies: Record<string, DependencyInput> = {}
    for (const [d, edge] of edges) dependencies[d] = dependencyInput(edge, out.get(d)!.digest)
    const local = locals.get(id)!
    out.set(id, {
      digest: foldedDigest(local.digest, dependencies),
      local,
      inputs: { ...local.inputs, dependencies },
    })
    state.set(id, 'done')
  }
  for (const id of [...reached].sort()) visit(id)
  return cycle ? undefined : out
}

/** The build container of each spec: the first `containers` entry whose `when` it satisfies. */
export function mapContainers(
  specs: ReadonlyMap<string, ConcreteSpec>,
  config: Config,
): Map<string, string> {
  return imagesOf(mapContainerEntries(specs, config), config)
}

/** The index of each spec's `containers` entry (the first whose `when` it satisfies). */
export function mapContainerEntries(
  specs: ReadonlyMap<string, ConcreteSpec>,
  config: Config,
): Map<string, number> {
  const out = new Map<string, number>()
  if (config.containers.length === 0) return out
  for (const [id, spec] of specs) {
    const view = specView(spec, specs)
    const hit = config.containers.findIndex((c, i) =>
      conditionHolds(view, c.when, `containers.${i}.when`),
    )
    if (hit >= 0) out.set(id, hit)
  }
  return out
}

function imagesOf(entries: ReadonlyMap<string, number>, config: Config): Map<string, string> {
  const out = new Map<string, string>()
  for (const [id, i] of entries) out.set(id, config.containers[i]!.image)
  return out
}
