/**
 * The Spack ecosystem adapter: from a repository snapshot to Package values. Finds
 * `<root>/<dir>/package.py` recipes (classic and `spack_repo` layouts), parses each with a real
 * Python parser (cached by blob id), resolves the in-repository modules and base classes each
 * recipe builds on, inherits their directives, and assembles the package digest inputs.
 */
import { DIGEST_ALGORITHM, digestText, type Digest } from '../../core/canonical-encode.js'
import { UserError } from '../../core/errors.js'
import { packageNameProblem } from '../../core/names.js'
import {
  MODULE_CODE_LABEL,
  type Package,
  type SourcePlace,
  type UnreadableInput,
} from '../../core/model.js'
import { computePackageDigest, packageDigestInputs } from '../../core/digest/package-digest.js'
import type { BlobCache, RepoSnapshot } from '../snapshot.js'
import { canonicalizePythonModule, parseSpackRecipe, type ParsedRecipe } from './recipe/index.js'
import type { PySource } from './recipe/syntax.js'
import { importCandidates, packageNameForDirectory } from './python-modules.js'
import { topLevelClassNames } from './module-classes.js'
import { analyseInParallel } from './parallel-analysis.js'

/** What the cache keeps per recipe blob: the parse without the canonical text, plus its digest. */
export interface RecipeAnalysis extends Omit<ParsedRecipe, 'canonical' | 'conditionalCode'> {
  algorithm: string
  canonicalDigest: Digest
  conditionalCode: Array<{ when: string; label: string; digest: Digest; line: number }>
  /** The recipe does not parse: no directives, digest of its raw text. */
  unreadable?: Omit<UnreadableInput, 'path'>
}

/** What the cache keeps per module blob (build-system / base modules). */
export interface ModuleAnalysis {
  algorithm: string
  canonicalDigest: Digest
  imports: ParsedRecipe['imports']
  classes: string[]
  /** Directives of the module's package class, inherited by packages built on it. */
  recipe?: RecipeAnalysis
  /** The module does not parse: digest of its raw text. */
  unreadable?: Omit<UnreadableInput, 'path'>
}

export interface SpackReadOptions {
  recipeRoots: readonly string[]
  buildSystems?: string
  /** Paths that never trigger anything. */
  isIgnored: (path: string) => boolean
  cache: BlobCache<RecipeAnalysis | ModuleAnalysis>
  /** Assemble only these packages (by name); the others are still discovered, not read. */
  only?: ReadonlySet<string>
}

export interface SpackPackages {
  packages: Map<string, Package>
}

export async function readSpackPackages(
  snap: RepoSnapshot,
  opts: SpackReadOptions,
): Promise<SpackPackages> {
  const roots = opts.recipeRoots.map((r) => r.replace(/^\.\//, '').replace(/\/+$/, ''))
  // 1. Discover package directories.
  const found: Array<{ name: string; dir: string; recipePath: string; root: string }> = []
  const dirFiles = new Map<string, string[]>()
  for (const path of snap.files.keys()) {
    for (const root of roots) {
      if (!path.startsWith(`${root}/`)) continue
      const rest = path.slice(root.length + 1)
      const slash = rest.indexOf('/')
      if (slash < 0) continue
      const dir = `${root}/${rest.slice(0, slash)}`
      const name = packageNameForDirectory(rest.slice(0, slash), root)
      // As Spack's repository index does, a directory whose name is no package name
      // (`zl\u0456b`, `a b`, `${{x}}`) holds no package: its files are used by none.
      if (rest.slice(slash + 1) === 'package.py' && packageNameProblem(name) === undefined)
        found.push({ name, dir, recipePath: path, root })
      const list = dirFiles.get(dir)
      if (list) list.push(path)
      else dirFiles.set(dir, [path])
    }
  }
  if (found.length === 0 && roots.length > 0) {
    const anyUnder = roots.some((r) => [...snap.files.keys()].some((p) => p.startsWith(`${r}/`)))
    if (!anyUnder)
      throw new UserError(
        'config',
        'recipes',
        `no recipe root ${roots.map((r) => `"${r}"`).join(', ')} in ${snap.rev === 'WORKTREE' ? 'the working tree' : `commit ${snap.rev.slice(0, 12)}`}`,
      )
  }

  if (opts.only) {
    const only = opts.only
    found.splice(0, found.length, ...found.filter((f) => only.has(f.name)))
  }
  // 2. Parse recipes (cache by blob id) — one batched read for the misses.
  const recipeOids = found
    .filter((f) => !opts.isIgnored(f.recipePath))
    .map((f) => snap.files.get(f.recipePath)!)
  await fillCache(snap, recipeOids, opts.cache, found)

  // 3. Modules: the build-system folder and whatever recipes import from the repository.
  const classToModule = new Map<string, string>()
  const moduleCache = new Map<string, ModuleAnalysis>()
  const loadModules = async (paths: string[]): Promise<void> => {
    const todo = paths.filter((p) => !moduleCache.has(p) && snap.files.has(p))
    const oids = todo.map((p) => snap.files.get(p)!)
    const missing = oids.filter((o) => !opts.cache.get(`module:${o}`))
    if (missing.length > 0) {
      const blobs = await snap.readBlobs([...new Set(missing)])
      todo.forEach((p, i) => {
        const oid = oids[i]!
        if (opts.cache.get(`module:${oid}`)) return
        const buf = blobs.get(oid)
        if (!buf) return
        opts.cache.set(`module:${oid}`, analyseModule(buf.toString('utf8'), p))
      })
    }
    for (const p of todo)
      moduleCache.set(p, opts.cache.get(`module:${snap.files.get(p)!}`) as ModuleAnalysis)
  }
  if (opts.buildSystems) {
    const bs = opts.buildSystems.replace(/\/+$/, '')
    const paths = [...snap.files.keys()].filter(
      (p) => p.startsWith(`${bs}/`) && p.endsWith('.py') && !opts.isIgnored(p),
    )
    await loadModules(paths)
    for (const p of paths.sort())
      for (const c of moduleCache.get(p)?.classes ?? [])
        if (!classToModule.has(c)) classToModule.set(c, p)
  }

  // Transitive module closure of a file's imports (+ modules defining named base classes).
  const resolveImports = (imports: ParsedRecipe['imports'], fromFile: string): string[] => {
    const out: string[] = []
    for (const imp of imports) {
      for (const cand of importCandidates(imp, fromFile, roots)) {
        if (snap.files.has(cand) && !opts.isIgnored(cand)) {
          out.push(cand)
          break
        }
      }
      for (const n of imp.names) {
        for (const cand of importCandidates({ module: imp.module, names: [n] }, fromFile, roots)) {
          if (cand.endsWith(`/${n}.py`) && snap.files.has(cand) && !opts.isIgnored(cand))
            out.push(cand)
        }
      }
    }
    return out
  }
  const closureCache = new Map<string, string[]>()
  const closureOf = async (start: string[], fromRecipe: string): Promise<string[]> => {
    const key = start.join('\n')
    const hit = closureCache.get(key)
    if (hit) return hit
    const seen = new Set<string>()
    let frontier = start.filter((p) => p !== fromRecipe)
    while (frontier.length > 0) {
      await loadModules(frontier)
      const next: string[] = []
      for (const p of frontier) {
        if (seen.has(p)) continue
        seen.add(p)
        const m = moduleCache.get(p)
        if (!m) continue
        for (const q of resolveImports(m.imports, p))
          if (!seen.has(q) && q !== fromRecipe) next.push(q)
        for (const base of m.recipe ? originalBaseNames(m.recipe) : []) {
          const q = classToModule.get(base)
          if (q && !seen.has(q) && q !== fromRecipe) next.push(q)
        }
      }
      frontier = next
    }
    const result = [...seen].sort()
    closureCache.set(key, result)
    return result
  }

  // 4. Assemble packages.
  const packages = new Map<string, Package>()
  for (const f of found.sort((a, b) => (a.recipePath < b.recipePath ? -1 : 1))) {
    if (opts.isIgnored(f.recipePath)) continue
    const prev = packages.get(f.name)
    if (prev)
      throw new UserError(
        'recipe',
        f.recipePath,
        `package "${f.name}" is also defined by ${prev.recipePath} (two recipe roots define it; list the one to use in recipes)`,
      )
    const oid = snap.files.get(f.recipePath)!
    const a = opts.cache.get(recipeCacheKey(oid)) as RecipeAnalysis
    const direct = resolveImports(a.imports, f.recipePath)
    for (const base of originalBaseNames(a)) {
      const m = classToModule.get(base)
      if (m) direct.push(m)
    }
    const closure = await closureOf([...new Set(direct)].sort(), f.recipePath)

    // Inherited directives: from modules whose package class the recipe builds on.
    const inherited = inheritedRecipes(
      originalBaseNames(a),
      closure.map((p) => moduleCache.get(p)),
    )
    const place = (line: number): SourcePlace => ({ file: f.recipePath, line })
    const withPlace = <T extends { place?: SourcePlace }>(d: T): T =>
      d.place ? { ...d, place: place(d.place.line) } : d

    const files = dirFiles.get(f.dir) ?? []
    const usedPatchFiles = new Set<string>()
    const patches = [...inherited.flatMap((r) => r.patches.filter((p) => p.url)), ...a.patches].map(
      (p) => {
        const q = withPlace(p)
        if (!q.file) return q
        const path = `${f.dir}/${q.file}`
        usedPatchFiles.add(path)
        const blob = snap.files.get(path)
        if (blob === undefined) {
          if (opts.isIgnored(path)) return { ...q, contentHash: 'ignored' }
          throw new UserError(
            'recipe',
            `${f.recipePath}:${q.place?.line ?? 0}`,
            `patch file "${q.file}" does not exist in ${f.dir}/`,
          )
        }
        return { ...q, contentHash: opts.isIgnored(path) ? 'ignored' : blob }
      },
    )
    const variantNames = new Set(a.variants.map((v) => v.name))
    const variants = [
      ...a.variants.map(withPlace),
      ...inherited
        .flatMap((r) => r.variants)
        .filter((v) => !variantNames.has(v.name) && (variantNames.add(v.name), true)),
    ]
    // A module that serves only some of the package's build systems counts only for the specs
    // built with one of them (`build_system=cmake`); every other module enters the package digest.
    const selected = buildSystemModules(
      [...new Set(direct)],
      variants.find((v) => v.name === 'build_system')?.values ?? [],
      moduleCache,
      (p) => resolveImports(moduleCache.get(p)?.imports ?? [], p),
    )
    const bases: Record<string, Digest> = {}
    const moduleCode: Package['conditionalCode'] = []
    for (const p of closure) {
      const digest = moduleCache.get(p)!.canonicalDigest
      const systems = selected.get(p)
      if (systems === undefined) bases[p] = digest
      else
        for (const system of systems)
          moduleCode.push({
            when: `build_system=${system}`,
            label: `${MODULE_CODE_LABEL}${p} (build_system=${system})`,
            digest,
            place: { file: p, line: 1 },
          })
    }
    const digestInputs = packageDigestInputs('spack', a.canonicalDigest, bases, {})
    packages.set(f.name, {
      name: f.name,
      ecosystem: 'spack',
      recipePath: f.recipePath,
      directory: f.dir,
      digestInputs,
      versions: a.versions.map(withPlace),
      variants,
      dependencies: [...a.dependencies.map(withPlace), ...inherited.flatMap((r) => r.dependencies)],
      patches,
      resources: [...a.resources.map(withPlace), ...inherited.flatMap((r) => r.resources)],
      provides: a.provides,
      conflicts: a.conflicts,
      requires: a.requires,
      conditionalCode: [
        ...[...a.conditionalCode, ...inherited.flatMap((r) => r.conditionalCode)].map((c) => ({
          when: c.when,
          label: c.label,
          digest: c.digest,
          place: place(c.line),
        })),
        ...moduleCode,
      ],
      unresolved: a.unresolved.map((u) => ({
        package: f.name,
        place: place(u.line),
        reason: u.reason,
      })),
      ...unreadableOf(f.recipePath, a, closure, moduleCache),
      ignoredFiles: files.filter((p) => p !== f.recipePath && !usedPatchFiles.has(p)),
      inputPaths: [f.recipePath, ...closure, ...usedPatchFiles].sort(),
    })
  }
  return { packages }
}

/**
 * The modules of a package's closure that serve only some of its build systems, each with the
 * build systems it serves. A module serves the build systems its package class declares
 * (`build_system("cmake")` in cmake.py) and passes them on to the modules only it reaches; a module
 * reached on a path that serves every build system (or one of no build system) is not listed.
 */
function buildSystemModules(
  direct: readonly string[],
  packageSystems: readonly string[],
  modules: ReadonlyMap<string, ModuleAnalysis>,
  importsOf: (path: string) => string[],
): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (packageSystems.length < 2) return out
  const all = new Set(packageSystems)
  // Which of the package's build systems each module serves: `all` for an unconditional one.
  const serves = new Map<string, Set<string>>()
  const own = (path: string, from: ReadonlySet<string>): Set<string> => {
    const declared = (modules.get(path)?.recipe?.variants ?? [])
      .filter((v) => v.name === 'build_system')
      .flatMap((v) => v.values ?? [])
      .filter((v) => from.has(v))
    return declared.length > 0 ? new Set(declared) : new Set(from)
  }
  const queue: Array<[string, Set<string>]> = direct.map((p) => [p, own(p, all)])
  while (queue.length > 0) {
    const [path, systems] = queue.shift()!
    const known = serves.get(path) ?? new Set<string>()
    const before = known.size
    for (const s of systems) known.add(s)
    serves.set(path, known)
    if (known.size === before && before > 0) continue
    for (const next of importsOf(path)) queue.push([next, own(next, known)])
  }
  for (const [path, systems] of serves)
    if (systems.size < all.size)
      out.set(
        path,
        packageSystems.filter((s) => systems.has(s)),
      )
  return out
}

/** The package's recipe and the modules it builds on that do not parse. */
function unreadableOf(
  recipePath: string,
  recipe: RecipeAnalysis,
  closure: readonly string[],
  modules: ReadonlyMap<string, ModuleAnalysis>,
): { unreadable?: UnreadableInput[] } {
  const out: UnreadableInput[] = []
  if (recipe.unreadable) out.push({ path: recipePath, ...recipe.unreadable })
  for (const p of closure) {
    const m = modules.get(p)
    if (m?.unreadable) out.push({ path: p, ...m.unreadable })
  }
  return out.length > 0 ? { unreadable: out } : {}
}

export function packageDigestOf(pkg: Package): Digest {
  return computePackageDigest(pkg.digestInputs)
}

async function fillCache(
  snap: RepoSnapshot,
  oids: string[],
  cache: BlobCache<RecipeAnalysis | ModuleAnalysis>,
  found: Array<{ recipePath: string }>,
): Promise<void> {
  const pathOf = new Map<string, string>()
  for (const f of found) pathOf.set(snap.files.get(f.recipePath)!, f.recipePath)
  const missing = [...new Set(oids.filter((o) => !cache.get(recipeCacheKey(o))))]
  if (missing.length === 0) return
  const blobs = await snap.readBlobs(missing)
  const jobs = missing.map((oid) => {
    const buf = blobs.get(oid)
    if (!buf) throw new UserError('git', pathOf.get(oid) ?? oid, `blob ${oid} could not be read`)
    return { text: buf.toString('utf8'), path: pathOf.get(oid) ?? oid }
  })
  blobs.clear() // the texts are in `jobs` now: let the buffers go before parsing
  const results = await analyseInParallel(jobs, 'recipe', analyseRecipe)
  missing.forEach((oid, i) => cache.set(recipeCacheKey(oid), withoutOwnFile(results[i]!)))
}

/** Where a recipe blob's analysis sits in the cache. */
export const recipeCacheKey = (oid: string): string => `recipe:${oid}`

/** A recipe's analysis as the cache holds it (what `readSpackPackages` reads back). */
export function cacheableRecipeAnalysis(
  text: string,
  path: string,
  source?: PySource,
): RecipeAnalysis {
  return withoutOwnFile(analyseRecipe(text, path, source))
}

/**
 * Analyse a recipe. One that does not parse (the only UserError the recipe analyser raises) is
 * `unreadable`: no directives, and a digest of its raw text, so any edit to it rebuilds it.
 */
/**
 * A recipe's analysis as cached: the directives that reading re-places in the recipe (`withPlace`)
 * keep their line only. The file name repeated in each of a Spack-scale repository's ~200,000
 * version and dependency directives was a third of the cache and of its memory.
 */
function withoutOwnFile(a: RecipeAnalysis): RecipeAnalysis {
  const strip = <T extends { place?: SourcePlace }>(d: T): T =>
    d.place ? { ...d, place: { file: '', line: d.place.line } } : d
  return {
    ...a,
    versions: a.versions.map(strip),
    variants: a.variants.map(strip),
    dependencies: a.dependencies.map(strip),
    patches: a.patches.map(strip),
    resources: a.resources.map(strip),
  }
}

export function analyseRecipe(text: string, path: string, source?: PySource): RecipeAnalysis {
  let parsed: ParsedRecipe
  try {
    parsed = parseSpackRecipe(text, path, source ? { parsed: source } : {})
  } catch (e) {
    if (!(e instanceof UserError)) throw e
    return {
      algorithm: DIGEST_ALGORITHM,
      canonicalDigest: rawDigest(text),
      baseClassNames: [],
      imports: [],
      versions: [],
      variants: [],
      dependencies: [],
      patches: [],
      resources: [],
      provides: [],
      conflicts: [],
      requires: [],
      conditionalCode: [],
      unresolved: [],
      unreadable: { place: e.place, message: e.detail },
    }
  }
  const { canonical, conditionalCode, ...rest } = parsed
  return {
    ...rest,
    algorithm: DIGEST_ALGORITHM,
    canonicalDigest: digestText(canonical),
    conditionalCode: conditionalCode.map((c) => ({
      when: c.when,
      label: c.label,
      digest: digestText(c.canonical),
      line: c.line,
    })),
  }
}

/** The digest of a file that does not parse: its raw text, tagged apart from canonical texts. */
function rawDigest(text: string): Digest {
  return digestText(`binary-check: unreadable Python source\n${text}`)
}

function analyseModule(text: string, path: string): ModuleAnalysis {
  let canonical: string
  try {
    canonical = canonicalizePythonModule(text, path)
  } catch (e) {
    if (!(e instanceof UserError)) throw e
    return {
      algorithm: DIGEST_ALGORITHM,
      canonicalDigest: rawDigest(text),
      imports: [],
      classes: topLevelClassNames(text),
      unreadable: { place: e.place, message: e.detail },
    }
  }
  let recipe: RecipeAnalysis | undefined
  try {
    recipe = analyseRecipe(text, path)
  } catch (e) {
    if (!(e instanceof UserError)) throw e
    recipe = undefined
  }
  return {
    algorithm: DIGEST_ALGORITHM,
    canonicalDigest: digestText(canonical),
    imports: recipe?.imports ?? [],
    classes: topLevelClassNames(text),
    ...(recipe ? { recipe } : {}),
  }
}

/**
 * The package classes (from modules) that a recipe inherits from, transitively by class name. A
 * module's directives are those of its package class together with the same-file classes it
 * builds on, so inheriting any class a module defines inherits them all (conservative: at worst an
 * extra dependency edge, never a missed one).
 */
function inheritedRecipes(
  baseClassNames: readonly string[],
  modules: ReadonlyArray<ModuleAnalysis | undefined>,
): RecipeAnalysis[] {
  const byClass = new Map<string, RecipeAnalysis>()
  for (const m of modules) {
    if (!m?.recipe) continue
    for (const c of [m.recipe.className, ...m.classes])
      if (c && !byClass.has(c)) byClass.set(c, m.recipe)
  }
  const out = new Set<RecipeAnalysis>()
  const seen = new Set<string>()
  const queue = [...baseClassNames]
  while (queue.length > 0) {
    const name = queue.shift()!
    if (seen.has(name)) continue
    seen.add(name)
    const r = byClass.get(name)
    if (!r) continue
    out.add(r)
    queue.push(...originalBaseNames(r))
  }
  return [...out]
}

/** Base class names as defined where they come from: `import X as Y` aliases and `mod.X` resolved. */
function originalBaseNames(r: Pick<RecipeAnalysis, 'baseClassNames' | 'imports'>): string[] {
  const aliases = new Map<string, string>()
  for (const imp of r.imports)
    for (const [alias, original] of Object.entries(imp.aliases ?? {})) aliases.set(alias, original)
  return r.baseClassNames.map((b) => {
    const name = aliases.get(b) ?? b
    return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name
  })
}
