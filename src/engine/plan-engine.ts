/**
 * The one orchestration behind `binary-check plan` and the Action: git range → config → recipes
 * at head (and base) → spec set → digests → mirror → computePlan. Adapters do the I/O; the core
 * decides.
 */
import { matchesGlob } from 'node:path'
import { singleLine, UserError } from '../core/errors.js'
import type { ConcreteSpec, DepType, Package } from '../core/model.js'
import { computePlan, type LockReference, type Plan, type ReferenceEntry } from '../core/plan.js'
import { DEFAULT_CONFIG_PATH } from '../config/read-config.js'
import type { Config } from '../config/config-schema.js'
import type { RepoSnapshot } from '../ecosystems/snapshot.js'
import type {
  ModuleAnalysis,
  RecipeAnalysis,
  SpackPackageSource,
} from '../ecosystems/spack/read-spack-packages.js'
import { createGit, resolveRange, WORKTREE, type Git } from '../git/index.js'
import { lockNodesFromText } from '../ecosystems/spack/package-hash/lock-nodes.js'
import { lockTextOf } from '../ecosystems/spack/lock-text.js'
import { isSpackCacheUrl, openSpackBuildCache } from '../mirror/spack-cache/spack-build-cache.js'
import type { RegistryOptions } from '../mirror/oci/registry-options.js'
import { readSnapshot } from './repo-snapshot.js'
import { checkLock } from './lock-check.js'
import { openMirror } from '../mirror/index.js'
import {
  deriveDigestTree,
  digestTreeFully,
  openTreePackages,
  readTreePackages,
  type TreeResult,
  type TreeSettings,
} from './digest-tree.js'
import { FileBlobCache } from './file-blob-cache.js'
import { SILENT_LOG, type EngineLog, type PlanRequest } from './plan-request.js'
import { readTreeCache, treeCacheKey, writeTreeAlias, writeTreeCache } from './tree-cache.js'
import {
  reusableFrom,
  reusableInMirror,
  reusableKeyValue,
  type ReusableVersions,
} from '../core/resolve-specs.js'
import { createEnvironmentSigner } from '../env/environment-signer.js'
import { checkReadability } from './readability.js'
import { baseConfig, loadPlanConfig } from './config-loading.js'
import { normaliseRegistryHost } from '../mirror/oci/credentials.js'

export { mapContainers } from './digest-tree.js'

export interface PlanResult {
  plan: Plan
  config: Config
  /** Digest inputs per spec id at head (for `record --plan` and `explain`). */
  head: TreeResult
  base?: TreeResult
}

export async function runPlan(
  request: PlanRequest,
  log: EngineLog = SILENT_LOG,
): Promise<PlanResult> {
  const clock = stopwatch()
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

  const headSnap = await readSnapshot(git, headRev)
  const loaded = await loadPlanConfig(request, git, headSnap, range.base, log)
  const config = loaded.config
  const isIgnored = (p: string): boolean => config.ignore.some((g) => matchesGlob(p, g))
  const deptypes = new Set<DepType>(config.deptypes)
  const configPath = request.config === undefined ? DEFAULT_CONFIG_PATH : undefined
  // Build-environment signatures: env values, command output and image digests are read once,
  // from this process, for both sides; declared files come from each side's tree.
  // Our registry credentials belong to the (trusted) mirror's registry, unless
  // BINARY_CHECK_REGISTRY_HOST names one: an image on another registry gets none of them.
  const configuredMirror = request.mirror ?? config.mirror
  const mirrorHost = ociHostOf(configuredMirror)
  const registry: RegistryOptions = {
    ...request.registry,
    ...(request.registry?.credentialsHost === undefined && mirrorHost
      ? { credentialsHost: mirrorHost }
      : {}),
  }
  const environment = await createEnvironmentSigner(config, { cwd: request.repo, registry })
  const headSettings: TreeSettings = {
    config,
    isIgnored,
    deptypes,
    isBase: false,
    ...(configPath ? { configPath } : {}),
    ...(environment ? { environment } : {}),
  }
  // `concretizer.reuse`: the base side keeps what the mirror holds, the head what the base chose.
  const reuse = config.concretizer.reuse && !config.lockfile && config.ecosystem !== 'fromager'
  // The tree cache key covers the ambient environment inputs and the versions kept too.
  const cacheKey = (snap: RepoSnapshot, settings: TreeSettings): string =>
    treeCacheKey(
      snap,
      environment || reuse
        ? {
            config: {
              config: settings.config,
              ...(environment ? { environment: environment.ambientKey } : {}),
              ...(reuse ? { reuse: reusableKeyValue(settings.reuse) } : {}),
            },
          }
        : settings,
    )
  const changedFiles = range.base ? await git.changedFiles(range.base, headRev) : []
  log.info(`Listed ${headSnap.files.size} files and ${changedFiles.length} changes (${clock()})`)

  // The mirror is read first: with reuse, the versions it holds shape resolution.
  // A Spack build cache is no binary-check mirror: the lock's nodes are looked up in it by DAG
  // hash once the head is digested.
  const spackCacheUrl =
    configuredMirror !== undefined && isSpackCacheUrl(configuredMirror)
      ? configuredMirror
      : undefined
  if (spackCacheUrl && (config.ecosystem !== 'spack' || !config.lockfile))
    throw new UserError(
      'config',
      'mirror',
      `${openSpackBuildCache(spackCacheUrl).url} is a Spack build cache, which is looked up by the DAG hashes of a lock: set ecosystem: spack and lockfile: <path to spack.lock>`,
    )
  const mirrorUrl = spackCacheUrl ? undefined : configuredMirror
  let mirror: Map<string, ReferenceEntry> | undefined
  let claims: ReadonlySet<string> | undefined
  let mirrorReuse: ReusableVersions | undefined
  if (mirrorUrl) {
    const opened = openMirror(mirrorUrl, { onWarning: (m) => log.warn(m), registry })
    const index = await opened.tryReadIndex()
    mirror = new Map()
    if (!index) log.warn(`mirror ${mirrorUrl} has no index yet: every spec rebuilds`)
    for (const [id, e] of Object.entries(index?.entries ?? {})) {
      mirror.set(id, {
        digest: e.digest,
        ...(isSpecInputs(e.inputs) ? { inputs: e.inputs } : {}),
        ...(isPackageInputs(e.packageInputs) ? { packageInputs: e.packageInputs } : {}),
      })
    }
    if (reuse && index) mirrorReuse = reusableInMirror(Object.values(index.entries))
    const live = await opened.tryReadClaims?.(new Date())
    if (live && live.size > 0) claims = new Set(live.keys())
    log.info(`Read the mirror index: ${mirror.size} entries (${clock()})`)
  }

  // The recipe analysis cache is opened only when a tree has to be digested in full.
  let analysis: FileBlobCache<RecipeAnalysis | ModuleAnalysis> | undefined
  const analysisCache = async () => (analysis ??= await FileBlobCache.open(request.cacheDir))
  // The caches only save time: one that cannot be written is a warning (once), never a failed plan.
  let cacheWarned = false
  const keep = async (write: () => Promise<void>): Promise<boolean> => {
    try {
      await write()
      return true
    } catch (e) {
      if (cacheWarned) return false
      cacheWarned = true
      const why = e instanceof Error ? e.message : String(e)
      log.warn(
        `could not write the cache in ${request.cacheDir ?? '(none)'}: ${singleLine(why)} (the plan is unaffected; the next run digests again)`,
      )
      return false
    }
  }

  let base: TreeResult | undefined
  let baseKey: string | undefined
  if (range.base) {
    const baseSnap = await readSnapshot(git, range.base)
    const baseSettings: TreeSettings = {
      ...headSettings,
      config: await baseConfig(request, baseSnap, config),
      isBase: true,
      ...(mirrorReuse ? { reuse: mirrorReuse } : {}),
    }
    const key = cacheKey(baseSnap, baseSettings)
    baseKey = key
    base = await readTreeCache(request.cacheDir, key, baseSnap.rev, deptypes)
    if (base) log.info(`Base ${range.base.slice(0, 12)}: digests from the cache (${clock()})`)
    else {
      base = await digestTreeFully(baseSnap, baseSettings, await analysisCache())
      log.info(
        `Base ${range.base.slice(0, 12)}: digested ${base.packages.size} packages, ${base.specs.size} specs (${clock()})`,
      )
      // Whether the head, keeping this base's versions, resolves like it (it may then be derived).
      if (reuse)
        base.reuseStable =
          base.resolution?.sameWith(reusableFrom(base.specs.values(), mirrorReuse)) ?? false
      // A base resolved leniently (requests it could not satisfy skipped) is not what the same tree
      // gives as a head: keep it out of the cache.
      if (!base.notes.some((n) => n.startsWith('base: '))) {
        const digested = base
        if (await keep(() => writeTreeCache(request.cacheDir, key, digested)))
          digested.cacheDepth = 0
      }
    }
    if (environment) base = { ...base, environments: environment.forTree(baseSnap.files).all() }
  }

  if (reuse) {
    const kept = base ? reusableFrom(base.specs.values(), mirrorReuse) : mirrorReuse
    if (kept) headSettings.reuse = kept
    if (mirrorReuse) headSettings.mirrorReuse = mirrorReuse
  }
  // The head's packages, read once as they are needed: a derivation that re-resolves, the as-base
  // derivation and a full digest share them.
  let headSource: Promise<SpackPackageSource | undefined> | undefined
  const headPackageSource = async (): Promise<SpackPackageSource | undefined> =>
    (headSource ??= openTreePackages(headSnap, headSettings, await analysisCache()))
  const readHeadPackages = async (): Promise<Map<string, Package>> =>
    (await (await headPackageSource())?.readAll()) ??
    readTreePackages(headSnap, headSettings, await analysisCache())
  const headKey = cacheKey(headSnap, headSettings)
  let head = await readTreeCache(request.cacheDir, headKey, headSnap.rev, deptypes)
  const headCached = head !== undefined
  let derived = false
  const where = headRev === WORKTREE ? 'the working tree' : headRev.slice(0, 12)
  if (head) log.info(`Head ${where}: digests from the cache (${clock()})`)
  if (!head && base) {
    head = await deriveDigestTree(
      base,
      headSnap,
      changedFiles,
      headSettings,
      await analysisCache(),
      headPackageSource,
    )
    derived = head !== undefined
    if (head)
      log.info(
        `Head ${where}: derived from the base, re-reading only changed packages (${clock()})`,
      )
  }
  if (!head) {
    head = await digestTreeFully(headSnap, headSettings, await analysisCache(), readHeadPackages)
    log.info(
      `Head ${where}: digested ${head.packages.size} packages, ${head.specs.size} specs (${clock()})`,
    )
  }
  // The recipe analyses are done with (the head's packages, if read, are kept for the as-base
  // derivation below): with the head's full packages they are most of a Spack-scale run's memory,
  // so they go before the next tree is built; the head's packages go before planning.
  await keep(async () => analysis?.save())
  analysis = undefined
  if (!headCached && headRev !== WORKTREE) {
    // With reuse, the next run resolves this commit as its base: with the mirror's versions only.
    // When that resolves like this head (a derived head does), it is stored under that key too.
    const { reuse: _kept, ...rest } = headSettings
    const asBaseKey = reuse
      ? cacheKey(headSnap, { ...rest, ...(mirrorReuse ? { reuse: mirrorReuse } : {}) })
      : headKey
    const asBase =
      asBaseKey === headKey ||
      (derived ? head.sameAsBase !== false : head.resolution?.sameWith(mirrorReuse) === true)
    if (reuse && asBase && head.reuseStable === undefined)
      head.reuseStable =
        head.resolution?.sameWith(reusableFrom(head.specs.values(), mirrorReuse)) ?? false
    // A derived head is stored as a delta on its (cached) base.
    const origin =
      derived && base && baseKey && base.cacheDepth !== undefined
        ? { key: baseKey, tree: base }
        : undefined
    const headTree = head
    await keep(() => writeTreeCache(request.cacheDir, headKey, headTree, origin))
    // (never for the base's own key: the head may be stored as a delta on it)
    if (asBase && asBaseKey !== headKey && asBaseKey !== baseKey)
      await keep(() => writeTreeAlias(request.cacheDir, asBaseKey, headKey))
    else if (reuse && base && asBaseKey !== headKey && request.cacheDir) {
      // This commit resolves otherwise as the next run's base (it keeps only the mirror's
      // versions there): derive that tree from this run's base too, so the next run finds it.
      const asBaseTree = await deriveDigestTree(
        base,
        headSnap,
        changedFiles,
        { ...rest, isBase: true, ...(mirrorReuse ? { reuse: mirrorReuse, mirrorReuse } : {}) },
        await analysisCache(),
        headPackageSource,
      )
      await keep(async () => (await analysisCache()).save())
      if (asBaseTree) {
        // As a delta on this run's base, when that is cached.
        const from =
          baseKey && base.cacheDepth !== undefined ? { key: baseKey, tree: base } : undefined
        await keep(() => writeTreeCache(request.cacheDir, asBaseKey, asBaseTree, from))
        log.info(`Head ${where} as the next base: derived and cached (${clock()})`)
      }
    }
  }
  headSource = undefined
  if (environment) head = { ...head, environments: environment.forTree(headSnap.files).all() }

  const notes = [...(range.note ? [range.note] : []), ...loaded.notes, ...head.notes]
  // A lock and a Spack build cache, or a lock and nothing else to compare with: is each node
  // still what its recipe says?
  let lockCheck: LockReference | undefined
  if (spackCacheUrl && config.lockfile) {
    lockCheck = await checkAgainstSpackCache(
      spackCacheUrl,
      git,
      headSnap,
      config,
      await readLockText(headSnap, config.lockfile),
      head.specs,
      registry,
      log,
      notes,
    )
    log.info(
      `Looked the lock up in the Spack build cache: ${lockCheck.missing?.size ?? 0} missing, ${lockCheck.stale.size} built from another recipe (${clock()})`,
    )
  } else if (config.lockfile && config.ecosystem === 'spack' && !base && !mirror) {
    const checked = await checkLock(
      git,
      headSnap,
      config,
      await readLockText(headSnap, config.lockfile),
      head.specs,
    )
    lockCheck = { source: 'lock', stale: checked.stale, newHashes: checked.newHashes }
    notes.push(...checked.notes)
    for (const n of checked.notes) log.warn(n)
    log.info(
      `Checked ${checked.compared} lock nodes against the recipes: ${checked.stale.size} changed since the lock (${clock()})`,
    )
  }
  const plan = computePlan({
    head,
    ...(base ? { base } : {}),
    ...(mirror ? { mirror } : {}),
    ...(lockCheck ? { lockCheck } : {}),
    ...(claims ? { claims } : {}),
    changedFiles,
    containers: head.containers,
    notes,
  })
  checkReadability(plan, changedFiles, request.strict ?? false, log)
  log.info(
    `Planned: ${plan.summary.rebuild + plan.summary.new} of ${plan.summary.specs} specs to build (${clock()})`,
  )
  if (range.note) log.warn(range.note)
  return { plan, config, head, ...(base ? { base } : {}) }
}

/**
 * Each lock node looked up in a Spack build cache by its DAG hash: absent → missing (it builds);
 * present with a package_hash that head's recipe no longer gives → stale (it and its dependents
 * rebuild); otherwise current. Externals are not looked up (Spack never pushes them).
 */
async function checkAgainstSpackCache(
  url: string,
  git: Git,
  snap: RepoSnapshot,
  config: Config,
  lockText: string,
  specs: ReadonlyMap<string, ConcreteSpec>,
  registry: RegistryOptions | undefined,
  log: EngineLog,
  planNotes: string[],
): Promise<LockReference> {
  const notes: string[] = []
  const lockfile = config.lockfile ?? 'spack.lock'
  const lock = lockNodesFromText(lockText, lockfile)
  const cache = openSpackBuildCache(url, registry ? { registry } : {})
  const built = lock.nodes.filter((n) => !n.external)
  const found = await cache.lookUp(
    built.map((n) => ({ hash: n.hash, name: n.spec.name, version: n.spec.version })),
  )
  if (found.indexed === undefined)
    notes.push(
      `${cache.url} has no index (spack buildcache update-index has not run): each lock node was looked up in its own spec file`,
    )
  else if (found.unindexed > 0)
    notes.push(
      `${cache.url}: ${found.unindexed} lock node(s) are in the build cache but not yet in its index (run spack buildcache update-index after pushing)`,
    )
  const idOf = new Map<string, string>()
  for (const s of specs.values())
    if (s.origin.startsWith('lockfile:')) idOf.set(s.origin.slice('lockfile:'.length), s.id)
  const missing = new Map<string, string>()
  for (const n of built) {
    const id = idOf.get(n.hash)
    if (id !== undefined && !found.specs.has(n.hash))
      missing.set(id, `DAG hash ${n.hash} is not in the Spack build cache ${cache.url}`)
  }
  const stored = new Map<string, string | null>()
  for (const [hash, s] of found.specs) stored.set(hash, s.packageHash)
  const checked = await checkLock(git, snap, config, lockText, specs, {
    stored,
    against: 'the build cache',
    nodes: lock,
  })
  notes.push(...checked.notes)
  for (const n of notes) log.warn(n)
  planNotes.push(...notes)
  log.info(
    `${cache.url}: ${found.specs.size} of ${built.length} lock nodes present (${found.indexed ?? 'no'} specs indexed), ${checked.compared} compared with head's recipes`,
  )
  return { source: 'spack-cache', stale: checked.stale, missing, newHashes: checked.newHashes }
}

/** The lockfile's text at head (gzip-compressed when it ends in `.gz`). */
async function readLockText(snap: RepoSnapshot, path: string): Promise<string> {
  const oid = snap.files.get(path)
  if (oid === undefined)
    throw new UserError('lockfile', path, `not found in commit ${snap.rev.slice(0, 12)}`)
  return lockTextOf((await snap.readBlobs([oid])).get(oid)!, path)
}

/** Milliseconds since the previous call and the resident set size now, as text. */
function stopwatch(): () => string {
  let last = performance.now()
  return () => {
    const now = performance.now()
    const ms = now - last
    last = now
    return `${ms.toFixed(0)} ms, ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`
  }
}

function isSpecInputs(x: unknown): x is ReferenceEntry['inputs'] & object {
  return typeof x === 'object' && x !== null && 'packageDigest' in x && 'dependencies' in x
}

function isPackageInputs(x: unknown): x is ReferenceEntry['packageInputs'] & object {
  return typeof x === 'object' && x !== null && 'recipe' in x && 'bases' in x && 'files' in x
}

/** The registry host of an `oci://` or `spack+oci://` mirror URL, else undefined. */
function ociHostOf(url: string | undefined): string | undefined {
  return url !== undefined && /^(?:spack\+)?oci(?:\+https?)?:\/\//i.test(url.trim())
    ? normaliseRegistryHost(url)
    : undefined
}
