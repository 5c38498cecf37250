/**
 * Is this lock still what the recipes say? (`plan` with `lockfile:` and no base.) Each node's
 * stored `package_hash` (Spack's content hash) is compared with the one its recipe gives at head.
 * For a node that differs, the recipe's history (as far as this clone has it) is searched for the
 * version that gave the lock's hash, to say what changed since: the source, the patches, or the
 * code (the first line of Spack's canonical source that differs).
 */
import { recipeRoots, type Config } from '../config/config-schema.js'
import type { ConcreteSpec, Package } from '../core/model.js'
import { MemoryBlobCache, type RepoSnapshot } from '../ecosystems/snapshot.js'
import { sourceIdOf } from '../ecosystems/spack/package-hash/hash-spec.js'
import { parseSpackJson, rehashLock } from '../ecosystems/spack/package-hash/dag-hash.js'
import {
  lockNodesFromText,
  type LockNode,
  type LockNodes,
} from '../ecosystems/spack/package-hash/lock-nodes.js'
import {
  canonicalSource,
  contentHashOf,
  packageHashOf,
} from '../ecosystems/spack/package-hash/package-hash.js'
import { parseSpackRecipe } from '../ecosystems/spack/recipe/index.js'
import { readSpackPackages } from '../ecosystems/spack/read-spack-packages.js'
import type { Git } from '../git/index.js'

/** How many earlier versions of a recipe are tried when looking for the lock's. */
const HISTORY_LIMIT = 60

export interface LockCheck {
  /** Spec id → what changed since the lock was concretized (stale nodes only). */
  stale: Map<string, string>
  /**
   * Spec id → the DAG hash its binary gets once rebuilt: each stale node with head's content
   * hash, and every node depending on one (Spack's `dag_hash` over the edited lock nodes).
   */
  newHashes: Map<string, string>
  /** Nodes compared (with a recipe and a stored hash). */
  compared: number
  notes: string[]
}

interface Hashed {
  content: string
  canonical: string
  sourceId: string
  patches: string[]
}

function hashRecipe(
  text: string,
  path: string,
  node: LockNode,
  versions: Package['versions'],
  patches: Package['patches'],
): Hashed {
  const canonical = canonicalSource(text, path, node.spec).text
  const sourceId = sourceIdOf(versions.find((v) => v.version === node.spec.version))
  const withLevels = node.patches.map(
    (sha) => `${sha}:${patches.find((p) => p.sha256 === sha)?.level ?? 1}`,
  )
  return {
    content: contentHashOf(sourceId, withLevels, packageHashOf(canonical)),
    canonical,
    sourceId,
    patches: withLevels,
  }
}

/** What differs between the recipe that gave the lock's hash (`then`) and head's (`now`). */
function describeChange(then: Hashed, now: Hashed, commitsBack: number, against: string): string {
  const parts: string[] = []
  if (then.sourceId !== now.sourceId)
    parts.push(
      `source ${then.sourceId.slice(0, 12) || 'none'} → ${now.sourceId.slice(0, 12) || 'none'}`,
    )
  if (then.patches.join() !== now.patches.join())
    parts.push(`patches ${then.patches.join(', ') || 'none'} → ${now.patches.join(', ') || 'none'}`)
  if (then.canonical !== now.canonical) {
    const a = then.canonical.split('\n')
    const b = now.canonical.split('\n')
    let i = 0
    while (i < a.length && i < b.length && a[i] === b[i]) i++
    parts.push(
      `code, line ${i + 1} of the canonical source: ${JSON.stringify(a[i] ?? '')} → ${JSON.stringify(b[i] ?? '')}`,
    )
  }
  return `${parts.join('; ')} (${possessive(against)} hash is the recipe's from ${commitsBack} change(s) back)`
}

/** `the lock` → `the lock's` */
const possessive = (what: string): string => `${what}'s`

export interface LockCheckOptions {
  /**
   * The package_hash to compare each node with, by DAG hash, instead of the lock's own (a Spack
   * build cache's); a node absent from it is not compared.
   */
  stored?: ReadonlyMap<string, string | null>
  /** What `stored` is, in messages: `the build cache` (default: `the lock`). */
  against?: string
  /** The lock's nodes, when the caller has read them already. */
  nodes?: LockNodes
}

export async function checkLock(
  git: Git,
  snap: RepoSnapshot,
  config: Config,
  lockText: string,
  specs: ReadonlyMap<string, ConcreteSpec>,
  options: LockCheckOptions = {},
): Promise<LockCheck> {
  const lockfile = config.lockfile ?? 'spack.lock'
  const lock = options.nodes ?? lockNodesFromText(lockText, lockfile)
  const against = options.against ?? 'the lock'
  const storedOf = (node: LockNode): string | null | undefined =>
    options.stored ? options.stored.get(node.hash) : node.packageHash
  const notes: string[] = []
  const major = Number((lock.spackVersion ?? '').split('.')[0])
  if (lock.spackVersion !== undefined && Number.isFinite(major) && major < 1) {
    notes.push(
      `${lockfile}: written by Spack ${lock.spackVersion}, whose recipe layout and unparser predate Spack 1.0: its package hashes cannot be compared with the recipes here, so no node is reported stale on that account`,
    )
    return { stale: new Map(), newHashes: new Map(), compared: 0, notes }
  }
  const idOf = new Map<string, string>()
  for (const s of specs.values())
    if (s.origin.startsWith('lockfile:')) idOf.set(s.origin.slice('lockfile:'.length), s.id)
  const { packages } = await readSpackPackages(snap, {
    recipeRoots: recipeRoots(config),
    ...(config.buildSystems ? { buildSystems: config.buildSystems } : {}),
    isIgnored: () => false,
    cache: new MemoryBlobCache(),
    only: new Set(lock.nodes.map((n) => n.spec.name)),
  })
  const wanted = [...packages.values()]
  const oids = wanted.map((p) => snap.files.get(p.recipePath) as string)
  const blobs = await snap.readBlobs(oids)
  const stale = new Map<string, string>()
  const newContent = new Map<string, string>()
  const absent = new Set<string>()
  let compared = 0
  for (const node of lock.nodes) {
    const id = idOf.get(node.hash)
    const pkg = packages.get(node.spec.name)
    const stored = storedOf(node)
    if (id === undefined || stored === null || stored === undefined) continue
    if (pkg === undefined) {
      absent.add(node.spec.name)
      continue
    }
    const oid = snap.files.get(pkg.recipePath) as string
    const now = hashRecipe(
      blobs.get(oid)!.toString('utf8'),
      pkg.recipePath,
      node,
      pkg.versions,
      pkg.patches,
    )
    compared++
    if (now.content === stored) continue
    stale.set(id, await whatChanged(git, snap.rev, pkg, oid, node, stored, now, against))
    newContent.set(node.hash, now.content)
  }
  const newHashes = new Map<string, string>()
  if (newContent.size > 0) {
    const raw = parseSpackJson(lockText) as {
      concrete_specs?: Record<string, Record<string, unknown>>
    }
    if (raw?.concrete_specs)
      for (const [hash, next] of rehashLock(raw.concrete_specs, newContent)) {
        const id = idOf.get(hash)
        if (id !== undefined) newHashes.set(id, next)
      }
  }
  if (absent.size > 0)
    notes.push(
      `${lockfile}: no recipe at head for ${[...absent].sort().join(', ')}: those nodes are not checked`,
    )
  return { stale, newHashes, compared, notes }
}

/** Search the recipe's history for the version whose content hash is the lock's. */
async function whatChanged(
  git: Git,
  rev: string,
  pkg: Package,
  headOid: string,
  node: LockNode,
  stored: string,
  now: Hashed,
  against: string,
): Promise<string> {
  const versions = (await git.pathVersions(rev, pkg.recipePath, HISTORY_LIMIT)).filter(
    (o) => o !== headOid,
  )
  const blobs = await git.readBlobs(versions)
  for (let i = 0; i < versions.length; i++) {
    const text = blobs.get(versions[i]!)?.toString('utf8')
    if (text === undefined) continue
    try {
      // an older recipe's own directives (versions, patches) as it had them
      const old = parseSpackRecipe(text, pkg.recipePath)
      const then = hashRecipe(text, pkg.recipePath, node, old.versions, [
        ...pkg.patches,
        ...old.patches,
      ])
      if (then.content === stored) return describeChange(then, now, i + 1, against)
    } catch {
      // an older version that does not parse cannot be the lock's
    }
  }
  return `source, patches or code: ${possessive(against)} hash is none of the ${versions.length + 1} versions of ${pkg.recipePath} in this clone's history (a shallow clone, or a ${against === 'the lock' ? 'lock' : 'binary'} from another recipe repository)`
}
