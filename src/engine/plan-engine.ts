/**
 * The one orchestration behind `binary-check plan` and the Action: git range → config → recipes
 * at head (and base) → spec set → digests → mirror → computePlan. Adapters do the I/O; the core
 * decides.
 */
import { isAbsolute, join, matchesGlob, resolve } from 'node:path'
import { DIGEST_ALGORITHM, digestOf, type Digest } from '../core/canonical-encode.js'
import { computeSpecDigests } from '../core/digest/spec-digest.js'
import { computePackageDigest } from '../core/digest/package-digest.js'
import { UserError } from '../core/errors.js'
import type { ConcreteSpec, DepType, Package } from '../core/model.js'
import { computePlan, type DigestedTree, type Plan, type ReferenceEntry } from '../core/plan.js'
import { resolveSpecs } from '../core/resolve-specs.js'
import { conditionHolds, specView } from '../core/spec-view.js'
import { DEFAULT_CONFIG_PATH, parseConfigText, readConfigFile } from '../config/read-config.js'
import { expandSpecRequests, recipeRoots, type Config } from '../config/config-schema.js'
import { readManifestPackages } from '../ecosystems/manifest/read-manifest-packages.js'
import type { RepoSnapshot } from '../ecosystems/snapshot.js'
import {
  readSpackPackages,
  type ModuleAnalysis,
  type RecipeAnalysis,
} from '../ecosystems/spack/read-spack-packages.js'
import { parseSpackLockfile } from '../ecosystems/spack/lockfile.js'
import { createGit, resolveRange, WORKTREE, type Git } from '../git/index.js'
import { openMirror } from '../mirror/index.js'
import { FileBlobCache } from './file-blob-cache.js'
import { SILENT_LOG, type EngineLog, type PlanRequest } from './plan-request.js'

export interface PlanResult {
  plan: Plan
  config: Config
  /** Digest inputs per spec id at head (for `record --plan` and `explain`). */
  head: DigestedTree
  base?: DigestedTree
}

export async function runPlan(
  request: PlanRequest,
  log: EngineLog = SILENT_LOG,
): Promise<PlanResult> {
  const git = await createGit(request.repo)
  const headIsWorktree = request.head === WORKTREE
  const range = await resolveRange(git, {
    ...(request.base !== undefined
      ? { base: request.base }
      : headIsWorktree
        ? { base: 'HEAD' }
        : {}),
    ...(request.head !== undefined && !headIsWorktree ? { head: request.head } : {}),
    ...(request.event ? { event: request.event } : {}),
  })
  const headRev = headIsWorktree ? WORKTREE : range.head

  const headSnap = await snapshot(git, headRev)
  const config = await loadConfig(request, headSnap)
  const isIgnored = (p: string): boolean => config.ignore.some((g) => matchesGlob(p, g))
  const cache = await FileBlobCache.open<RecipeAnalysis | ModuleAnalysis>(request.cacheDir)
  const deptypes = new Set<DepType>(config.deptypes)

  log.info(`Reading recipes at ${headRev === WORKTREE ? 'the working tree' : headRev.slice(0, 12)}`)
  const head = await digestTree(headSnap, config, isIgnored, cache, deptypes, false)
  let base: DigestedTree | undefined
  if (range.base) {
    log.info(`Reading recipes at base ${range.base.slice(0, 12)}`)
    const baseSnap = await snapshot(git, range.base)
    base = await digestTree(
      baseSnap,
      await baseConfig(request, baseSnap, config),
      isIgnored,
      cache,
      deptypes,
      true,
    )
  }
  await cache.save()
  log.info(
    `Digested ${head.packages.size} packages and ${head.specs.size} specs (cache: ${cache.size} entries)`,
  )

  const mirrorUrl = request.mirror ?? config.mirror
  let mirror: Map<string, ReferenceEntry> | undefined
  if (mirrorUrl) {
    log.info(`Reading the index of ${mirrorUrl}`)
    const index = await openMirror(mirrorUrl).tryReadIndex()
    mirror = new Map()
    if (!index) log.warn(`mirror ${mirrorUrl} has no index yet: every spec rebuilds`)
    for (const [id, e] of Object.entries(index?.entries ?? {})) {
      mirror.set(id, { digest: e.digest, ...(isSpecInputs(e.inputs) ? { inputs: e.inputs } : {}) })
    }
  }

  const changedFiles = range.base ? await git.changedFiles(range.base, headRev) : []
  const containers = head.containers
  const notes = [...(range.note ? [range.note] : []), ...head.notes]
  const plan = computePlan({
    head,
    ...(base ? { base } : {}),
    ...(mirror ? { mirror } : {}),
    changedFiles,
    containers,
    notes,
  })
  if (range.note) log.warn(range.note)
  return { plan, config, head, ...(base ? { base } : {}) }
}

function isSpecInputs(x: unknown): x is ReferenceEntry['inputs'] & object {
  return typeof x === 'object' && x !== null && 'packageDigest' in x && 'dependencies' in x
}

async function snapshot(git: Git, rev: string): Promise<RepoSnapshot> {
  const entries = await git.lsTree(rev)
  const files = new Map<string, string>()
  for (const e of entries) if (e.type === 'blob') files.set(e.path, e.oid)
  return { rev, files, readBlobs: (oids) => git.readBlobs(oids) }
}

async function loadConfig(request: PlanRequest, headSnap: RepoSnapshot): Promise<Config> {
  if (request.config !== undefined) {
    const path = isAbsolute(request.config) ? request.config : resolve(request.config)
    return readConfigFile(path, request.config)
  }
  if (headSnap.rev === WORKTREE)
    return readConfigFile(join(request.repo, DEFAULT_CONFIG_PATH), DEFAULT_CONFIG_PATH)
  const oid = headSnap.files.get(DEFAULT_CONFIG_PATH)
  if (!oid)
    throw new UserError(
      'config',
      DEFAULT_CONFIG_PATH,
      `not found in commit ${headSnap.rev.slice(0, 12)} (add one, or pass --config)`,
    )
  const text = (await headSnap.readBlobs([oid])).get(oid)!.toString('utf8')
  return parseConfigText(text, DEFAULT_CONFIG_PATH)
}

/**
 * The config the base side is read with: the head's (so both sides resolve the same spec
 * requests), except that manifest package definitions — which are recipes, not settings — come
 * from the base commit's own config when it has one.
 */
async function baseConfig(
  request: PlanRequest,
  baseSnap: RepoSnapshot,
  head: Config,
): Promise<Config> {
  if (head.ecosystem !== 'manifest' || request.config !== undefined) return head
  try {
    const own = await loadConfig(request, baseSnap)
    return own.ecosystem === 'manifest' ? { ...head, packages: own.packages } : head
  } catch (e) {
    if (e instanceof UserError) return head
    throw e
  }
}

interface DigestedTreeWithNotes extends DigestedTree {
  notes: string[]
  containers: Map<string, string>
}

async function digestTree(
  snap: RepoSnapshot,
  config: Config,
  isIgnored: (p: string) => boolean,
  cache: FileBlobCache<RecipeAnalysis | ModuleAnalysis>,
  deptypes: ReadonlySet<DepType>,
  /** The base side: the head's config may request packages or versions the base does not have yet. */
  isBase: boolean,
): Promise<DigestedTreeWithNotes> {
  let packages: Map<string, Package>
  if (config.ecosystem === 'manifest') packages = readManifestPackages(snap, config, isIgnored)
  else
    packages = (
      await readSpackPackages(snap, {
        recipeRoots: recipeRoots(config),
        ...(config.buildSystems ? { buildSystems: config.buildSystems } : {}),
        isIgnored,
        cache,
      })
    ).packages
  const packageDigests = new Map<string, Digest>()
  for (const [name, p] of packages) packageDigests.set(name, computePackageDigest(p.digestInputs))

  let specs: Map<string, ConcreteSpec>
  let notes: string[] = []
  if (config.lockfile) {
    const oid = snap.files.get(config.lockfile)
    if (!oid)
      throw new UserError(
        'config',
        'lockfile',
        `"${config.lockfile}" not found in ${snap.rev === WORKTREE ? 'the working tree' : `commit ${snap.rev.slice(0, 12)}`}`,
      )
    let text = (await snap.readBlobs([oid])).get(oid)!
    if (config.lockfile.endsWith('.gz')) text = (await import('node:zlib')).gunzipSync(text)
    const lock = parseSpackLockfile(text.toString('utf8'), config.lockfile)
    specs = new Map(lock.specs.map((s) => [s.id, s]))
  } else {
    const resolved = resolveSpecs({
      packages,
      requests: expandSpecRequests(config),
      providers: config.providers,
      skipUnknownRoots: isBase,
    })
    specs = resolved.specs
    notes = resolved.notes
  }
  const containerOf = mapContainers(specs, config)
  const envSignature = (spec: ConcreteSpec): Digest =>
    digestOf({ algorithm: DIGEST_ALGORITHM, container: containerOf.get(spec.id) ?? null })
  const specDigests = computeSpecDigests({
    packages,
    packageDigests,
    specs,
    envSignature,
    deptypes,
  })
  return {
    sha: snap.rev,
    packages,
    packageDigests,
    specs,
    specDigests,
    notes,
    containers: containerOf,
  }
}

/** The build container of each spec: the first `containers` entry whose `when` it satisfies. */
export function mapContainers(
  specs: ReadonlyMap<string, ConcreteSpec>,
  config: Config,
): Map<string, string> {
  const out = new Map<string, string>()
  if (config.containers.length === 0) return out
  for (const [id, spec] of specs) {
    const view = specView(spec, specs)
    const hit = config.containers.find((c, i) =>
      conditionHolds(view, c.when, `containers.${i}.when`),
    )
    if (hit) out.set(id, hit.image)
  }
  return out
}
