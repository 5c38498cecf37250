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

const FORMAT = 'binary-check/tree-cache@2'
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
}

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
    const packages = new Map(base.packages)
    for (const p of stored.packages) packages.set(p.name, unpackPackage(p, stored.modules))
    const packageDigests = new Map([
      ...base.packageDigests,
      ...Object.entries(stored.packageDigests),
    ])
    const locals = new Map(base.locals)
    for (const [id, l] of Object.entries(stored.locals))
      locals.set(id, unpackLocal(l, base.specs.get(id)!, packageDigests))
    return {
      ...base,
      sha: rev,
      packages,
      packageDigests,
      locals,
      specDigests: unfold(base.specs, locals, stored.digests, stored.cycles, deptypes),
      cacheDepth: stored.depth,
    }
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
 * Write `tree` under `key`: as a delta when it was derived from `origin` (same spec set) and the
 * chain is short, else in full.
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
  const depth = (origin?.tree.cacheDepth ?? MAX_DELTA_DEPTH) + 1
  let stored: Stored | StoredDelta
  if (origin && origin.tree.specs === tree.specs && depth <= MAX_DELTA_DEPTH) {
    const changed = [...tree.packages.values()].filter(
      (p) => tree.packageDigests.get(p.name) !== origin.tree.packageDigests.get(p.name),
    )
    const locals: Record<string, StoredLocal> = {}
    for (const [id, l] of tree.locals)
      if (origin.tree.locals.get(id)?.digest !== l.digest) locals[id] = packLocal(l)
    stored = {
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
    }
  } else {
    stored = {
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
  }
  const tmp = join(trees, `${key}.${process.pid}.tmp`)
  await writeFile(tmp, JSON.stringify(stored))
  await rename(tmp, join(trees, `${key}.json`))
  await prune(trees)
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
