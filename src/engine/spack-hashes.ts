/**
 * `binary-check spack-hash`: Spack's own `package_hash` and `content_hash` of recipes at one
 * commit, for each package's default spec, for given specs, or for every node of a `spack.lock`
 * (beside the hash the lock stored, so a stale node shows).
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { isUserError, UserError } from '../core/errors.js'
import type { Config } from '../config/config-schema.js'
import { recipeRoots } from '../config/config-schema.js'
import { parseConfigText, readConfigFile } from '../config/read-config.js'
import type { Package } from '../core/model.js'
import { MemoryBlobCache, type RepoSnapshot } from '../ecosystems/snapshot.js'
import {
  readSpackPackages,
  recipeCacheKey,
  type ModuleAnalysis,
  type RecipeAnalysis,
} from '../ecosystems/spack/read-spack-packages.js'
import {
  defaultHashSpec,
  formatHashSpec,
  sourceIdOf,
} from '../ecosystems/spack/package-hash/hash-spec.js'
import {
  canonicalSource,
  contentHashOf,
  packageHashOf,
  type SpecIndependentHash,
} from '../ecosystems/spack/package-hash/package-hash.js'
import { analyseAndHashRecipe } from '../ecosystems/spack/package-hash/analyse-and-hash.js'
import { analyseInParallel } from '../ecosystems/spack/parallel-analysis.js'
import {
  hashSpecFromString,
  type HashSpec,
} from '../ecosystems/spack/package-hash/spec-conditions.js'
import { lockNodesFromText, type LockNode } from '../ecosystems/spack/package-hash/lock-nodes.js'
import { lockTextOf } from '../ecosystems/spack/lock-text.js'
import { createGit } from '../git/index.js'
import { readSnapshot } from './repo-snapshot.js'

export interface SpackHashRequest {
  repo: string
  head?: string
  /** A config file; else `.binary-check.yml` of the commit; else Spack's repository layout. */
  config?: string
  specs?: readonly string[]
  /** Repository-relative (read from the commit) or a path on disk. */
  lockfile?: string
}

export interface SpackHashEntry {
  package: string
  spec: string
  /** null where the recipe is missing at this commit or does not parse (see the warnings). */
  package_hash: string | null
  /** Where the version's source is known. */
  content_hash?: string
  /** `--lockfile`: the node's DAG hash and the `package_hash` the lock stored. */
  lock_hash?: string
  stored_package_hash?: string | null
}

export interface SpackHashes {
  entries: SpackHashEntry[]
  /** One line each: recipes that could not be hashed, a lock from another Spack generation. */
  warnings: string[]
}

const SPACK_LAYOUT: Pick<Config, 'recipes' | 'buildSystems'> = {
  recipes: 'repos/spack_repo/builtin/packages',
  buildSystems: 'repos/spack_repo/builtin/build_systems',
}

async function configFor(
  req: SpackHashRequest,
  snap: RepoSnapshot,
): Promise<{ roots: string[]; buildSystems?: string }> {
  let config: Config | undefined
  if (req.config !== undefined) config = await readConfigFile(req.config)
  else {
    const oid = snap.files.get('.binary-check.yml')
    if (oid !== undefined) {
      const text = (await snap.readBlobs([oid])).get(oid)!.toString('utf8')
      config = parseConfigText(text, '.binary-check.yml')
    }
  }
  if (config !== undefined) {
    if (config.ecosystem !== 'spack')
      throw new UserError(
        'config',
        'ecosystem',
        `spack-hash needs a spack repository (the config says ${config.ecosystem})`,
      )
    return {
      roots: recipeRoots(config),
      ...(config.buildSystems ? { buildSystems: config.buildSystems } : {}),
    }
  }
  const spackLayout = [...snap.files.keys()].some((p) => p.startsWith(`${SPACK_LAYOUT.recipes}/`))
  return spackLayout
    ? { roots: [SPACK_LAYOUT.recipes as string], buildSystems: SPACK_LAYOUT.buildSystems as string }
    : { roots: ['packages'] }
}

export async function computeSpackHashes(req: SpackHashRequest): Promise<SpackHashes> {
  const warnings: string[] = []
  const git = await createGit(req.repo)
  const head = await git.revParse(req.head ?? 'HEAD', '--head')
  const snap = await readSnapshot(git, head)
  const { roots, buildSystems } = await configFor(req, snap)
  // Named specs and lock nodes need only their own packages read in full.
  const lock =
    req.lockfile !== undefined
      ? lockNodesFromText(await readLockText(req.lockfile, snap, req.repo), req.lockfile)
      : undefined
  const named = lock
    ? lock.nodes.map((n) => n.spec.name)
    : (req.specs ?? []).map((text, i) => hashSpecFromString(text, `spec ${i + 1} "${text}"`).name)
  const cache = new MemoryBlobCache<RecipeAnalysis | ModuleAnalysis>()
  // Every package: each recipe parsed once, on every core, for both its analysis (which gives the
  // default spec) and its spec-independent hash.
  const quick = new Map<string, SpecIndependentHash>()
  if (named.length === 0) {
    const paths = [...snap.files.keys()].filter((p) =>
      roots.some(
        (r) => p.startsWith(`${r}/`) && /^[^/]+\/package\.py$/.test(p.slice(r.length + 1)),
      ),
    )
    const oids = paths.map((p) => snap.files.get(p) as string)
    const blobs = await snap.readBlobs(oids)
    const results = await analyseInParallel(
      paths.map((path, i) => ({ text: blobs.get(oids[i] as string)!.toString('utf8'), path })),
      'recipe-and-spack-hash',
      analyseAndHashRecipe,
    )
    results.forEach((r, i) => {
      cache.set(recipeCacheKey(oids[i] as string), r.analysis)
      quick.set(paths[i] as string, r.hash)
    })
  }
  const { packages } = await readSpackPackages(snap, {
    recipeRoots: roots,
    ...(buildSystems ? { buildSystems } : {}),
    isIgnored: () => false,
    cache,
    ...(named.length > 0 ? { only: new Set(named) } : {}),
  })
  const recipes = await readRecipes(
    snap,
    [...packages.values()].filter((p) => named.length === 0 || named.includes(p.name)),
  )
  const hashOne = (
    pkg: Package,
    spec: HashSpec,
    patches?: readonly string[],
    known?: string,
  ): SpackHashEntry => {
    const text = recipes.get(pkg.recipePath) as string
    let packageHash: string
    try {
      packageHash = known ?? packageHashOf(canonicalSource(text, pkg.recipePath, spec).text)
    } catch (e) {
      if (!isUserError(e)) throw e
      warnings.push(`${e.oneLine()} (no package_hash for ${pkg.name})`)
      return { package: pkg.name, spec: formatHashSpec(spec), package_hash: null }
    }
    const version = pkg.versions.find((v) => v.version === spec.version)
    const hasSource = version !== undefined && sourceIdOf(version) !== ''
    return {
      package: pkg.name,
      spec: formatHashSpec(spec),
      package_hash: packageHash,
      ...(hasSource || patches !== undefined
        ? { content_hash: contentHashOf(sourceIdOf(version), patches ?? [], packageHash) }
        : {}),
    }
  }
  const recipeCount = [...snap.files.keys()].filter(
    (p) => p.endsWith('/package.py') && roots.some((r) => p.startsWith(`${r}/`)),
  ).length
  const missing = (name: string): string =>
    `no recipe for package "${name}" at ${head.slice(0, 12)} (${recipeCount} recipes under ${roots.join(', ')})`
  if (lock !== undefined && req.lockfile !== undefined) {
    const generation = lockGenerationWarning(lock.spackVersion, lock.spackCommit)
    if (generation) warnings.push(`${req.lockfile}: ${generation}`)
    const absent = new Map<string, number>()
    const entries = lock.nodes.map((node: LockNode): SpackHashEntry => {
      const pkg = packages.get(node.spec.name)
      const lockFields = { lock_hash: node.hash, stored_package_hash: node.packageHash }
      if (pkg === undefined) {
        absent.set(node.spec.name, (absent.get(node.spec.name) ?? 0) + 1)
        return {
          package: node.spec.name,
          spec: formatHashSpec(node.spec),
          package_hash: null,
          ...lockFields,
        }
      }
      return { ...hashOne(pkg, node.spec, patchesWithLevels(pkg, node.patches)), ...lockFields }
    })
    if (absent.size > 0) {
      const list = [...absent].map(([name, n]) => (n > 1 ? `${name} (${n} nodes)` : name))
      warnings.push(
        `${req.lockfile}: no recipe at ${head.slice(0, 12)} for ${absent.size} of its packages (package_hash null): ${list.join(', ')}`,
      )
    }
    return { entries, warnings }
  }
  if (req.specs !== undefined && req.specs.length > 0) {
    const entries = req.specs.map((text, i) => {
      const spec = hashSpecFromString(text, `spec ${i + 1} "${text}"`)
      const pkg = packages.get(spec.name)
      if (pkg === undefined) throw new UserError('input', `spec "${text}"`, missing(spec.name))
      return hashOne(pkg, spec)
    })
    return { entries, warnings }
  }
  // Recipes with `@when` methods (a few percent) are hashed here, with their spec.
  const all = [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  const entries = all.map((pkg) => {
    const spec = defaultHashSpec(pkg.name, pkg.versions, pkg.variants)
    const q = quick.get(pkg.recipePath) ?? { multimethods: true }
    if ('error' in q) {
      warnings.push(`${q.error} (no package_hash for ${pkg.name})`)
      return { package: pkg.name, spec: formatHashSpec(spec), package_hash: null }
    }
    return hashOne(pkg, spec, undefined, 'packageHash' in q ? q.packageHash : undefined)
  })
  return { entries, warnings }
}

/**
 * Spack before 1.0 kept its recipes in another layout (`var/spack/repos/builtin`, package API v1)
 * and unparsed them with an older unparser: hashes of such a lock are not comparable with recipes
 * hashed here. Later 1.x locks are compared node by node.
 */
function lockGenerationWarning(version?: string, commit?: string): string | undefined {
  if (version === undefined)
    return 'the lock does not record which Spack wrote it; its package hashes may come from another Spack generation'
  const major = Number(version.split('.')[0])
  if (!Number.isFinite(major) || major >= 1) return undefined
  return `written by Spack ${version}${commit ? ` (${commit.slice(0, 12)})` : ''}, whose recipe layout and unparser predate Spack 1.0: its stored package hashes cannot be compared with the recipes hashed here, so a difference does not mean the recipe changed`
}

/** A lockfile in the commit (repository-relative path), else on disk (relative to the repository). */
async function readLockText(path: string, snap: RepoSnapshot, repo: string): Promise<string> {
  const oid = snap.files.get(path.replace(/^\.\//, ''))
  if (oid !== undefined) return lockTextOf((await snap.readBlobs([oid])).get(oid)!, path)
  try {
    return lockTextOf(await readFile(resolve(repo, path)), path)
  } catch (e) {
    if (e instanceof UserError) throw e
    throw new UserError(
      'input',
      path,
      `cannot read the lockfile: ${(e as NodeJS.ErrnoException).code ?? String(e)} (not in commit ${snap.rev.slice(0, 12)} either)`,
    )
  }
}

async function readRecipes(
  snap: RepoSnapshot,
  pkgs: readonly Package[],
): Promise<Map<string, string>> {
  const oids = pkgs.map((p) => snap.files.get(p.recipePath) as string)
  const blobs = await snap.readBlobs(oids)
  return new Map(pkgs.map((p, i) => [p.recipePath, blobs.get(oids[i] as string)!.toString('utf8')]))
}

/**
 * The lock's patch list (sha256 values) as the content hash takes it: `sha256:level`, the level
 * from the recipe's `patch()` with that checksum (1 when none says otherwise).
 */
function patchesWithLevels(pkg: Package, sha256s: readonly string[]): string[] {
  return sha256s.map((sha) => {
    const p = pkg.patches.find((x) => x.sha256 === sha)
    return `${sha}:${p?.level ?? 1}`
  })
}
