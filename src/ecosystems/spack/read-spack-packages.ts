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

/** A package was asked for whose analyses (recipe or module) the cache does not hold yet. */
export class AnalysisNotCached extends Error {
  constructor(path: string) {
    super(`no cached analysis of ${path}`)
  }
}

/**
 * A tree's packages, assembled one at a time from the analysis cache: a derivation that resolves a
 * few roots again reads the packages resolution reaches, not the repository's thousands.
 */
export interface SpackPackageSource {
  /** Every package of the tree (ignored recipes are none), in recipe-path order. */
  readonly names: readonly string[]
  /** Analyse what the cache lacks for these packages: one batched read of the misses. */
  prefetch(names: Iterable<string>): Promise<void>
  /** The package, assembled from cached analyses; AnalysisNotCached when one is missing. */
  get(name: string): Package | undefined
  /** Every package, analysed and assembled. */
  readAll(): Promise<Map<string, Package>>
  /** A map that assembles each package the first time it is asked for (through `get`). */
  readonly view: ReadonlyMap<string, Package>
}

export async function readSpackPackages(
  snap: RepoSnapshot,
  opts: SpackReadOptions,
): Promise<SpackPackages> {
  return { packages: await (await openSpackPackages(snap, opts)).readAll() }
}

interface FoundRecipe {
  name: string
  dir: string
  recipePath: string
}

export async function openSpackPackages(
  snap: RepoSnapshot,
  opts: SpackReadOptions,
): Promise<SpackPackageSource> {
  const roots = opts.recipeRoots.map((r) => r.replace(/^\.\//, '').replace(/\/+$/, ''))
  const { byName, dirFiles } = discoverRecipes(snap, roots, opts)

  // Modules: the build-system folder and whatever recipes import from the repository.
  const moduleCache = new Map<string, ModuleAnalysis>()
  /** Paths whose blob could not be read: no module (as a path outside the tree). */
  const unread = new Set<string>()
  /** The module's analysis; undefined when there is none, null when the cache lacks it. */
  const moduleOf = (p: string): ModuleAnalysis | undefined | null => {
    const hit = moduleCache.get(p)
    if (hit) return hit
    const oid = snap.files.get(p)
    if (oid === undefined || unread.has(p)) return undefined
    const m = opts.cache.get(`module:${oid}`) as ModuleAnalysis | undefined
    if (!m) return null
    moduleCache.set(p, m)
    return m
  }
  const loadModules = async (paths: readonly string[]): Promise<void> => {
    const todo = paths.filter((p) => moduleOf(p) === null)
    if (todo.length === 0) return
    const blobs = await snap.readBlobs([...new Set(todo.map((p) => snap.files.get(p)!))])
    for (const p of todo) {
      const oid = snap.files.get(p)!
      if (opts.cache.get(`module:${oid}`)) continue
      const buf = blobs.get(oid)
      if (buf) opts.cache.set(`module:${oid}`, analyseModule(buf.toString('utf8'), p))
      else unread.add(p)
    }
  }
  const classToModule = new Map<string, string>()
  if (opts.buildSystems) {
    const bs = opts.buildSystems.replace(/\/+$/, '')
    const paths = [...snap.files.keys()].filter(
      (p) => p.startsWith(`${bs}/`) && p.endsWith('.py') && !opts.isIgnored(p),
    )
    await loadModules(paths)
    for (const p of paths.sort())
      for (const c of moduleOf(p)?.classes ?? []) if (!classToModule.has(c)) classToModule.set(c, p)
  }

  // The in-repository files an import names (+ modules defining the named classes).
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
  /** The modules a recipe builds on directly: its imports and the modules of its base classes. */
  const directModules = (a: RecipeAnalysis, recipePath: string): string[] => {
    const direct = resolveImports(a.imports, recipePath)
    for (const base of originalBaseNames(a)) {
      const m = classToModule.get(base)
      if (m) direct.push(m)
    }
    return [...new Set(direct)].sort()
  }
  // Transitive module closure; undefined (the paths added to `missing`) while the cache lacks one.
  const closureCache = new Map<string, string[]>()
  const closureOf = (
    start: string[],
    fromRecipe: string,
    missing: Set<string>,
  ): string[] | undefined => {
    const key = start.join('\n')
    const hit = closureCache.get(key)
    if (hit) return hit
    const seen = new Set<string>()
    let complete = true
    let frontier = start.filter((p) => p !== fromRecipe)
    while (frontier.length > 0) {
      const next: string[] = []
      for (const p of frontier) {
        if (seen.has(p)) continue
        seen.add(p)
        const m = moduleOf(p)
        if (m === null) {
          missing.add(p)
          complete = false
        }
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
    if (!complete) return undefined
    const result = [...seen].sort()
    closureCache.set(key, result)
    return result
  }
  const recipeOf = (f: FoundRecipe): RecipeAnalysis | undefined =>
    opts.cache.get(recipeCacheKey(snap.files.get(f.recipePath)!)) as RecipeAnalysis | undefined

  const assemble = (f: FoundRecipe): Package => {
    const a = recipeOf(f)
    if (!a) throw new AnalysisNotCached(f.recipePath)
    const direct = directModules(a, f.recipePath)
    const closure = closureOf(direct, f.recipePath, new Set())
    if (!closure) throw new AnalysisNotCached(f.recipePath)
    return assemblePackage(f, a, {
      direct,
      closure,
      modules: moduleCache,
      files: dirFiles.get(f.dir) ?? [],
      snap,
      isIgnored: opts.isIgnored,
      importsOf: (p) => resolveImports(moduleCache.get(p)?.imports ?? [], p),
    })
  }

  const names = [...byName.keys()]
  const assembled = new Map<string, Package>()
  const get = (name: string): Package | undefined => {
    const hit = assembled.get(name)
    if (hit) return hit
    const f = byName.get(name)
    if (!f) return undefined
    const pkg = assemble(f)
    assembled.set(name, pkg)
    return pkg
  }
  const prefetch = async (wanted: Iterable<string>): Promise<void> => {
    const list = [...new Set(wanted)].flatMap((n) => byName.get(n) ?? [])
    await fillCache(
      snap,
      list.map((f) => snap.files.get(f.recipePath)!),
      opts.cache,
      list,
    )
    // Their module closures, level by level: each round analyses the modules the cache lacks.
    for (;;) {
      const missing = new Set<string>()
      for (const f of list)
        closureOf(directModules(recipeOf(f)!, f.recipePath), f.recipePath, missing)
      if (missing.size === 0) return
      await loadModules([...missing])
    }
  }
  return {
    names,
    prefetch,
    get,
    readAll: async () => {
      await prefetch(names)
      return new Map(names.map((n) => [n, get(n)!]))
    },
    view: new LazyPackageMap(names, get),
  }
}

/** Every recipe of the tree by package name, in recipe-path order, and each directory's files. */
function discoverRecipes(
  snap: RepoSnapshot,
  roots: readonly string[],
  opts: SpackReadOptions,
): { byName: Map<string, FoundRecipe>; dirFiles: Map<string, string[]> } {
  const found: FoundRecipe[] = []
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
        found.push({ name, dir, recipePath: path })
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
  const byName = new Map<string, FoundRecipe>()
  for (const f of found.sort((a, b) => (a.recipePath < b.recipePath ? -1 : 1))) {
    if (opts.isIgnored(f.recipePath) || (opts.only && !opts.only.has(f.name))) continue
    const prev = byName.get(f.name)
    if (prev)
      throw new UserError(
        'recipe',
        f.recipePath,
        `package "${f.name}" is also defined by ${prev.recipePath} (two recipe roots define it; list the one to use in recipes)`,
      )
    byName.set(f.name, f)
  }
  return { byName, dirFiles }
}

/** What assembling one package reads besides its recipe's analysis. */
interface AssemblyInputs {
  /** The modules it builds on directly, and their transitive closure. */
  direct: readonly string[]
  closure: readonly string[]
  modules: ReadonlyMap<string, ModuleAnalysis>
  /** Every file of its directory. */
  files: readonly string[]
  snap: RepoSnapshot
  isIgnored: (path: string) => boolean
  importsOf: (path: string) => string[]
}

/** A package from its recipe's analysis and the modules it builds on. */
function assemblePackage(f: FoundRecipe, a: RecipeAnalysis, inputs: AssemblyInputs): Package {
  const { closure, modules: moduleCache, snap } = inputs
  // Inherited directives: from modules whose package class the recipe builds on.
  const inherited = inheritedRecipes(
    originalBaseNames(a),
    closure.map((p) => moduleCache.get(p)),
  )
  const place = (line: number): SourcePlace => ({ file: f.recipePath, line })
  const withPlace = <T extends { place?: SourcePlace }>(d: T): T =>
    d.place ? { ...d, place: place(d.place.line) } : d

  const usedPatchFiles = new Set<string>()
  const patches = [...inherited.flatMap((r) => r.patches.filter((p) => p.url)), ...a.patches].map(
    (p) => {
      const q = withPlace(p)
      if (!q.file) return q
      const path = `${f.dir}/${q.file}`
      usedPatchFiles.add(path)
      const blob = snap.files.get(path)
      if (blob === undefined) {
        if (inputs.isIgnored(path)) return { ...q, contentHash: 'ignored' }
        throw new UserError(
          'recipe',
          `${f.recipePath}:${q.place?.line ?? 0}`,
          `patch file "${q.file}" does not exist in ${f.dir}/`,
        )
      }
      return { ...q, contentHash: inputs.isIgnored(path) ? 'ignored' : blob }
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
    inputs.direct,
    variants.find((v) => v.name === 'build_system')?.values ?? [],
    moduleCache,
    inputs.importsOf,
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
  return {
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
    ignoredFiles: inputs.files.filter((p) => p !== f.recipePath && !usedPatchFiles.has(p)),
    inputPaths: [f.recipePath, ...closure, ...usedPatchFiles].sort(),
  }
}

/** A read-only map over a package source: each package is assembled when first asked for. */
class LazyPackageMap implements ReadonlyMap<string, Package> {
  private readonly known: ReadonlySet<string>
  constructor(
    private readonly names: readonly string[],
    private readonly read: (name: string) => Package | undefined,
  ) {
    this.known = new Set(names)
  }
  get size(): number {
    return this.names.length
  }
  get(name: string): Package | undefined {
    return this.known.has(name) ? this.read(name) : undefined
  }
  has(name: string): boolean {
    return this.known.has(name)
  }
  keys(): MapIterator<string> {
    return this.names[Symbol.iterator]()
  }
  *values(): MapIterator<Package> {
    for (const n of this.names) yield this.read(n)!
  }
  *entries(): MapIterator<[string, Package]> {
    for (const n of this.names) yield [n, this.read(n)!]
  }
  [Symbol.iterator](): MapIterator<[string, Package]> {
    return this.entries()
  }
  forEach(fn: (value: Package, key: string, map: ReadonlyMap<string, Package>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this)
  }
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
