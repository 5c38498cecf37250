/**
 * Digested trees kept between runs (beside the recipe analysis cache), keyed by everything that
 * shapes them: the digest algorithm, the effective config (with `concretizer.reuse`, the versions
 * kept too) and every file of the tree (path and blob id). A run whose base (or head) was digested
 * before reads it back instead of digesting it again; the spec digests are re-folded from the
 * stored local digests on load. An alias file names another key whose tree is also this key's.
 * A missing, foreign or unreadable entry is simply a miss.
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DIGEST_ALGORITHM,
  canonicalEncode,
  type Canonical,
  type Digest,
} from '../core/canonical-encode.js'
import {
  dependencyInput,
  foreignPackageDigest,
  propagatingEdges,
  specParameters,
  type LocalSpecDigest,
  type SpecDigest,
} from '../core/digest/spec-digest.js'
import type { ConcreteSpec, DependencyInput, DepType, PackageSummary } from '../core/model.js'
import type { RepoSnapshot } from '../ecosystems/snapshot.js'
import { BUILD_ID } from './build-id.js'
import type { TreeResult } from './digest-tree.js'

const FORMAT = 'binary-check/tree-cache@3'
const KEEP = 6

export function treeCacheKey(snap: RepoSnapshot, settings: { config: unknown }): string {
  const h = createHash('sha256')
  h.update(`${FORMAT}\0${DIGEST_ALGORITHM}\0${BUILD_ID}\0`)
  h.update(canonicalEncode(settings.config as Canonical))
  const paths = [...snap.files.keys()].sort()
  for (const p of paths) h.update(`\0${p}\0${snap.files.get(p)}`)
  return h.digest('hex')
}

/** A package summary with its module digests moved to one shared table (most share a few modules). */
interface StoredPackage extends Omit<PackageSummary, 'digestInputs' | 'inputPaths'> {
  digestInputs: Omit<PackageSummary['digestInputs'], 'bases'> & { bases: string[] }
  /** Input paths other than the recipe and its bases (patch files, manifest inputs). */
  otherInputs: string[]
  /** Whether the recipe file itself is an input path (not for manifest packages). */
  recipeInput: boolean
}

interface Stored {
  format: typeof FORMAT
  key: string
  modules: Record<string, Digest>
  packages: StoredPackage[]
  packageDigests: Record<string, Digest>
  resolutionDigests: Record<string, Digest>
  specs: ConcreteSpec[]
  locals: Record<string, StoredLocal>
  /** Folded spec digests, and for members of dependency cycles their shared cycle entry. */
  digests: Record<string, Digest>
  cycles: Record<string, [string, Digest]>
  notes: string[]
  containers: Record<string, string>
  /** TreeResult.reuseStable. */
  reuseStable?: boolean
  /** TreeResult.roots and .providing, for a resolved tree. */
  roots?: Record<string, string[]>
  providing?: Record<string, Digest>
}

/**
 * A tree derived from a cached base is stored as a delta on it: the packages and local digests
 * that changed, and every folded digest. Reading it reads the base first; chains stay short.
 */
interface StoredDelta {
  format: typeof FORMAT
  key: string
  baseKey: string
  depth: number
  modules: Record<string, Digest>
  packages: StoredPackage[]
  packageDigests: Record<string, Digest>
  locals: Record<string, StoredLocal>
  digests: Record<string, Digest>
  cycles: Record<string, [string, Digest]>
  /** A derivation that resolved some roots again: how its spec set and resolution differ. */
  resolved?: ResolvedDelta
}

/** Entries added or changed, and keys removed, of one map. */
interface MapDelta<V> {
  set: Record<string, V>
  removed: string[]
}

interface ResolvedDelta {
  specs: ConcreteSpec[]
  removedSpecs: string[]
  removedPackages: string[]
  resolutionDigests: MapDelta<Digest>
  containers: MapDelta<string>
  roots?: MapDelta<string[]>
  providing?: MapDelta<Digest>
  notes: string[]
  reuseStable?: boolean
}

function mapDelta<V>(
  now: ReadonlyMap<string, V>,
  before: ReadonlyMap<string, V>,
  same: (a: V, b: V) => boolean = (a, b) => a === b,
): MapDelta<V> {
  const set: [string, V][] = []
  for (const [k, v] of now) {
    const old = before.get(k)
    if (old === undefined || !same(old, v)) set.push([k, v])
  }
  // (fromEntries: a key such as `__proto__` stays a plain entry)
  return { set: Object.fromEntries(set), removed: [...before.keys()].filter((k) => !now.has(k)) }
}

function applyDelta<V>(before: ReadonlyMap<string, V>, d: MapDelta<V>): Map<string, V> {
  const out = new Map(before)
  for (const k of d.removed) out.delete(k)
  for (const [k, v] of Object.entries(d.set)) out.set(k, v)
  return out
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const MAX_DELTA_DEPTH = 3

/** What a cached tree was read or derived from, for writing it as a delta. */
export interface CachedOrigin {
  key: string
  tree: TreeResult
}

export async function readTreeCache(
  dir: string | undefined,
  key: string,
  rev: string,
  deptypes: ReadonlySet<DepType>,
  /** Keys already on this delta chain: a chain that comes back to one (through an alias) is a miss. */
  chain: ReadonlySet<string> = new Set(),
): Promise<TreeResult | undefined> {
  if (!dir || chain.has(key) || chain.size > MAX_DELTA_DEPTH + 1) return undefined
  const stored = await readStored(dir, key)
  if (!stored) return undefined
  if ('baseKey' in stored) {
    const base = await readTreeCache(dir, stored.baseKey, rev, deptypes, new Set([...chain, key]))
    if (!base) return undefined
    const r = stored.resolved
    const packages = new Map(base.packages)
    const packageDigests = new Map([
      ...base.packageDigests,
      ...Object.entries(stored.packageDigests),
    ])
    for (const name of r?.removedPackages ?? []) {
      packages.delete(name)
      packageDigests.delete(name)
    }
    for (const p of stored.packages) packages.set(p.name, unpackPackage(p, stored.modules))
    let specs = base.specs
    if (r) {
      const next = new Map(base.specs)
      for (const id of r.removedSpecs) next.delete(id)
      for (const spec of r.specs) next.set(spec.id, spec)
      specs = next
    }
    const locals = new Map(base.locals)
    if (r) for (const id of r.removedSpecs) locals.delete(id)
    for (const [id, l] of Object.entries(stored.locals)) {
      const spec = specs.get(id)
      if (!spec) return undefined
      locals.set(id, unpackLocal(l, spec, packageDigests))
    }
    if (locals.size !== specs.size) return undefined
    const tree: TreeResult = {
      ...base,
      sha: rev,
      packages,
      packageDigests,
      specs,
      locals,
      specDigests: unfold(specs, locals, stored.digests, stored.cycles, deptypes),
      cacheDepth: stored.depth,
    }
    if (!r) return tree
    tree.resolutionDigests = applyDelta(base.resolutionDigests, r.resolutionDigests)
    tree.containers = applyDelta(base.containers, r.containers)
    tree.notes = r.notes
    if (r.reuseStable !== undefined) tree.reuseStable = r.reuseStable
    else delete tree.reuseStable
    if (r.roots && r.providing && base.roots && base.providing) {
      tree.roots = applyDelta(base.roots, r.roots)
      tree.providing = applyDelta(base.providing, r.providing)
    } else {
      delete tree.roots
      delete tree.providing
    }
    return tree
  }
  const specs = new Map(stored.specs.map((s) => [s.id, s]))
  const packageDigests = new Map(Object.entries(stored.packageDigests))
  const locals = new Map(
    Object.entries(stored.locals).map(([id, l]) => [
      id,
      unpackLocal(l, specs.get(id)!, packageDigests),
    ]),
  )
  return {
    sha: rev,
    packages: new Map(stored.packages.map((p) => [p.name, unpackPackage(p, stored.modules)])),
    packageDigests,
    resolutionDigests: new Map(Object.entries(stored.resolutionDigests)),
    specs,
    locals,
    specDigests: unfold(specs, locals, stored.digests, stored.cycles, deptypes),
    notes: stored.notes,
    containers: new Map(Object.entries(stored.containers)),
    ...(stored.reuseStable !== undefined ? { reuseStable: stored.reuseStable } : {}),
    ...(stored.roots && stored.providing
      ? {
          roots: new Map(Object.entries(stored.roots)),
          providing: new Map(Object.entries(stored.providing)),
        }
      : {}),
    cacheDepth: 0,
  }
}

async function readStored(dir: string, key: string): Promise<Stored | StoredDelta | undefined> {
  try {
    const stored = JSON.parse(await readFile(join(dir, 'trees', `${key}.json`), 'utf8')) as
      Stored | StoredDelta
    return stored.format === FORMAT && stored.key === key ? stored : undefined
  } catch {
    // An alias: another key's tree is this key's too (see writeTreeAlias).
    try {
      const alias = JSON.parse(await readFile(join(dir, 'trees', `${key}.alias`), 'utf8')) as {
        format: string
        key: string
        target: string
      }
      if (alias.format !== FORMAT || alias.key !== key || alias.target === key) return undefined
      const target = JSON.parse(
        await readFile(join(dir, 'trees', `${alias.target}.json`), 'utf8'),
      ) as Stored | StoredDelta
      return target.format === FORMAT && target.key === alias.target ? target : undefined
    } catch {
      return undefined
    }
  }
}

/**
 * Record that the tree stored under `target` is also `key`'s: with `concretizer.reuse` a head is
 * resolved with the base's versions, and when that gives what resolving it as the next run's base
 * gives, the next run reads it back under its base key.
 */
export async function writeTreeAlias(
  dir: string | undefined,
  key: string,
  target: string,
): Promise<void> {
  if (!dir || key === target) return
  const trees = join(dir, 'trees')
  await mkdir(trees, { recursive: true })
  const tmp = join(trees, `${key}.${process.pid}.tmp`)
  await writeFile(tmp, JSON.stringify({ format: FORMAT, key, target }))
  await rename(tmp, join(trees, `${key}.alias`))
  await prune(trees, '.alias')
}

/**
 * Write `tree` under `key`: as a delta when it was derived from `origin` and the chain is short,
 * else in full.
 */
export async function writeTreeCache(
  dir: string | undefined,
  key: string,
  tree: TreeResult,
  origin?: CachedOrigin,
): Promise<void> {
  if (!dir) return
  const trees = join(dir, 'trees')
  await mkdir(trees, { recursive: true })
  const modules: Record<string, Digest> = {}
  const digests = Object.fromEntries([...tree.specDigests].map(([id, d]) => [id, d.digest]))
  const stored: Stored | StoredDelta = (origin && deltaOf(key, tree, origin, modules, digests)) ?? {
    format: FORMAT,
    key,
    modules,
    packages: [...tree.packages.values()].map((p) => packPackage(p, modules)),
    packageDigests: Object.fromEntries(tree.packageDigests),
    resolutionDigests: Object.fromEntries(tree.resolutionDigests),
    specs: [...tree.specs.values()],
    locals: Object.fromEntries([...tree.locals].map(([id, l]) => [id, packLocal(l)])),
    digests,
    cycles: cyclesOf(tree),
    notes: tree.notes,
    containers: Object.fromEntries(tree.containers),
    ...(tree.reuseStable !== undefined ? { reuseStable: tree.reuseStable } : {}),
    ...(tree.roots && tree.providing
      ? {
          roots: Object.fromEntries(tree.roots),
          providing: Object.fromEntries(tree.providing),
        }
      : {}),
  }
  const tmp = join(trees, `${key}.${process.pid}.tmp`)
  await writeFile(tmp, JSON.stringify(stored))
  await rename(tmp, join(trees, `${key}.json`))
  await prune(trees)
}

/**
 * `tree` as a delta on `origin`: the packages and local digests that changed, every folded
 * digest, and when roots were resolved again, how the spec set and the resolution differ.
 * Undefined when the chain would be too long.
 */
function deltaOf(
  key: string,
  tree: TreeResult,
  origin: CachedOrigin,
  modules: Record<string, Digest>,
  digests: Record<string, Digest>,
): StoredDelta | undefined {
  const before = origin.tree
  const depth = (before.cacheDepth ?? MAX_DELTA_DEPTH) + 1
  if (depth > MAX_DELTA_DEPTH) return undefined
  const changed = [...tree.packages.values()].filter((p) => {
    const was = before.packages.get(p.name)
    return (
      tree.packageDigests.get(p.name) !== before.packageDigests.get(p.name) ||
      (p !== was && !sameJson(p, was))
    )
  })
  const changedLocals: [string, StoredLocal][] = []
  for (const [id, l] of tree.locals) {
    const was = before.locals.get(id)
    if (was?.digest !== l.digest || (was !== l && !sameJson(was, l)))
      changedLocals.push([id, packLocal(l)])
  }
  const locals = Object.fromEntries(changedLocals)
  let resolved: ResolvedDelta | undefined
  if (tree.specs !== before.specs) {
    const specs = mapDelta(tree.specs, before.specs, (a, b) => a === b || sameJson(a, b))
    resolved = {
      specs: Object.values(specs.set),
      removedSpecs: specs.removed,
      removedPackages: [...before.packages.keys()].filter((n) => !tree.packages.has(n)),
      resolutionDigests: mapDelta(tree.resolutionDigests, before.resolutionDigests),
      containers: mapDelta(tree.containers, before.containers),
      ...(tree.roots && tree.providing && before.roots && before.providing
        ? {
            roots: mapDelta(tree.roots, before.roots, sameJson),
            providing: mapDelta(tree.providing, before.providing),
          }
        : {}),
      notes: tree.notes,
      ...(tree.reuseStable !== undefined ? { reuseStable: tree.reuseStable } : {}),
    }
  } else if (
    // The same spec set: everything else is the base's, or the tree is written in full.
    tree.resolutionDigests !== before.resolutionDigests ||
    tree.containers !== before.containers ||
    tree.roots !== before.roots ||
    tree.providing !== before.providing ||
    !sameJson(tree.notes, before.notes) ||
    tree.reuseStable !== before.reuseStable
  )
    return undefined
  return {
    format: FORMAT,
    key,
    baseKey: origin.key,
    depth,
    modules,
    packages: changed.map((p) => packPackage(p, modules)),
    packageDigests: Object.fromEntries(
      changed.map((p) => [p.name, tree.packageDigests.get(p.name)!]),
    ),
    locals,
    digests,
    cycles: cyclesOf(tree),
    ...(resolved ? { resolved } : {}),
  }
}

/**
 * A local spec digest without what the spec and its package digest already say (algorithm,
 * package, package digest, parameters): those are rebuilt on load, the rest is kept.
 */
interface StoredLocal {
  digest: Digest
  source: LocalSpecDigest['inputs']['source']
  envSignature: Digest
  patches?: Record<string, string>
  resources?: Record<string, Digest>
  code?: Record<string, Digest>
}

function packLocal(l: LocalSpecDigest): StoredLocal {
  const { source, envSignature, patches, resources, code } = l.inputs
  return {
    digest: l.digest,
    source,
    envSignature,
    ...(Object.keys(patches).length > 0 ? { patches } : {}),
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
    ...(Object.keys(code).length > 0 ? { code } : {}),
  }
}

function unpackLocal(
  l: StoredLocal,
  spec: ConcreteSpec,
  packageDigests: ReadonlyMap<string, Digest>,
): LocalSpecDigest {
  return {
    digest: l.digest,
    inputs: {
      algorithm: DIGEST_ALGORITHM,
      package: spec.package,
      packageDigest: packageDigests.get(spec.package) ?? foreignPackageDigest(spec.package),
      source: l.source,
      patches: l.patches ?? {},
      resources: l.resources ?? {},
      code: l.code ?? {},
      parameters: specParameters(spec),
      envSignature: l.envSignature,
    },
  }
}

/** The `cycle of N` dependency entries of the members of cycles. */
function cyclesOf(tree: TreeResult): Record<string, [string, Digest]> {
  const out: Record<string, [string, Digest]> = {}
  for (const [id, d] of tree.specDigests) {
    for (const [k, v] of Object.entries(d.inputs.dependencies))
      if (k.startsWith('cycle of ')) out[id] = [k, v.digest]
  }
  return out
}

/**
 * SpecDigests from stored digests: the dependency records (deptypes, virtuals, digest) are rebuilt
 * from the edges, nothing re-hashed.
 */
function unfold(
  specs: ReadonlyMap<string, ConcreteSpec>,
  locals: ReadonlyMap<string, LocalSpecDigest>,
  digests: Record<string, Digest>,
  cycles: Record<string, [string, Digest]>,
  deptypes: ReadonlySet<DepType>,
): Map<string, SpecDigest> {
  const out = new Map<string, SpecDigest>()
  for (const [id, spec] of specs) {
    const cycle = cycles[id]
    const dependencies: Record<string, DependencyInput> = {}
    for (const [d, edge] of propagatingEdges(spec, deptypes)) {
      if (d === id) continue
      // members of the same cycle enter through the cycle entry only
      if (cycle && cycles[d]?.[1] === cycle[1]) continue
      dependencies[d] = dependencyInput(edge, digests[d]!)
    }
    if (cycle) dependencies[cycle[0]] = { digest: cycle[1], types: [] }
    const local = locals.get(id)!
    out.set(id, { digest: digests[id]!, local, inputs: { ...local.inputs, dependencies } })
  }
  return out
}

function packPackage(p: PackageSummary, modules: Record<string, Digest>): StoredPackage {
  const bases = Object.keys(p.digestInputs.bases)
  for (const b of bases) modules[b] = p.digestInputs.bases[b]!
  const recipeInput = p.inputPaths.includes(p.recipePath)
  const known = new Set([...(recipeInput ? [p.recipePath] : []), ...bases])
  return {
    name: p.name,
    ecosystem: p.ecosystem,
    recipePath: p.recipePath,
    directory: p.directory,
    digestInputs: { ...p.digestInputs, bases },
    unresolved: p.unresolved,
    ...(p.unreadable ? { unreadable: p.unreadable } : {}),
    otherInputs: p.inputPaths.filter((f) => !known.has(f)),
    recipeInput,
  }
}

function unpackPackage(p: StoredPackage, modules: Record<string, Digest>): PackageSummary {
  const bases: Record<string, Digest> = {}
  for (const b of p.digestInputs.bases) bases[b] = modules[b]!
  const inputPaths = [
    ...new Set([
      ...(p.recipeInput ? [p.recipePath] : []),
      ...p.digestInputs.bases,
      ...p.otherInputs,
    ]),
  ].sort()
  const { otherInputs: _other, recipeInput: _recipe, ...rest } = p
  return { ...rest, digestInputs: { ...p.digestInputs, bases }, inputPaths }
}

/** Keep the most recently written entries (or aliases) only. */
async function prune(trees: string, suffix = '.json'): Promise<void> {
  const names = (await readdir(trees)).filter((n) => n.endsWith(suffix))
  if (names.length <= KEEP) return
  const withTimes = await Promise.all(
    names.map(async (n) => ({ n, t: (await stat(join(trees, n))).mtimeMs })),
  )
  withTimes.sort((a, b) => b.t - a.t)
  for (const { n } of withTimes.slice(KEEP)) await rm(join(trees, n), { force: true })
}
