/**
 * Spack spec constraints (the strings of `depends_on`, `when=`, `conflicts`, config matrices):
 * parse, format canonically, and test a concrete spec against them. Pure.
 *
 * The grammar follows Spack 1.x (`lib/spack/spack/spec_parser.py`):
 *
 *     spec  = node { ("^" | "%") [edge] node }
 *     node  = [name | namespace.name | "*"] { @versions | +v | ~v | -v | ++v | key=value
 *             | key==value | key:=value | /hash }
 *     edge  = "[" { virtuals=a,b | deptypes=build,link } "]" [virtual,...=provider]
 *           | virtual,...=provider
 *
 * `%` opens a *direct* dependency of the current node (the root, or the last `^` node), and, as in
 * Spack 1.x, the node options that follow it belong to it (`foo %gcc +bar` puts `+bar` on gcc). A
 * bare `%name[@versions]` is stored as `compiler` (a compiler is a direct dependency in Spack 1.x,
 * a spec attribute before); any other `%` node goes to `dependencies` with `direct: true`. A `^`
 * opens a dependency anywhere in the DAG; every `^` node hangs off the root.
 *
 * Repeated attributes are conjunctions, as when nested `with when(...)` conditions are joined:
 * `@1.27: @:1.61` is `@1.27:1.61`, `+a +a` is `+a`, `^x+a ^x~b` is one `^x+a~b`; a contradiction
 * (`@1.2 @1.4`, `+a ~a`) parses to a constraint nothing satisfies. Dependency lists are sorted by
 * their canonical text, so equal constraints parse to equal values.
 */
import { UserError } from '../errors.js'
import type { Compiler, DepType } from '../model.js'
import { targetSatisfies } from './target.js'
import {
  type VersionConstraint,
  formatVersionConstraint,
  intersectVersionConstraints,
  parseVersionConstraint,
  versionSatisfies,
} from './version.js'

export interface CompilerConstraint {
  name: string
  versions?: VersionConstraint
}

export interface SpecConstraint {
  /** Package (or virtual) name; undefined for an anonymous constraint (`+cuda`, `@1.2:`). */
  name?: string
  /** `builtin.zlib` → namespace `builtin`, name `zlib`. */
  namespace?: string
  versions?: VersionConstraint
  /** Variant → required values, sorted (`+v` → ['true'], `~v`/`-v` → ['false'], `v=a,b`). */
  variants: Record<string, string[]>
  /** Compiler flags (`cflags="-O2 -g"`), as written. */
  flags?: Record<string, string>
  compiler?: CompilerConstraint
  os?: string
  /** A target name, range or list (`x86_64_v3`, `aarch64:`, `zen2:zen4,neoverse_v1`). */
  target?: string
  platform?: string
  /** `/hash` prefix. */
  hash?: string
  /** `^dep` constraints (anywhere in the DAG), and `%` nodes other than a bare compiler. */
  dependencies: SpecConstraint[]
  /** On a dependency: opened with `%` (direct) rather than `^`. */
  direct?: boolean
  /** On a dependency: virtuals its edge provides (`^[virtuals=mpi] mpich`, `%c=gcc`). */
  virtuals?: string[]
  /** On a dependency: `^[deptypes=build,link] cmake`. */
  deptypes?: DepType[]
}

/** What `satisfies` needs of a concrete spec. */
export interface SpecView {
  name: string
  version: string
  /** Variant values as strings (`true`/`false`; multi-valued as a comma list). */
  variants: Record<string, string>
  compiler?: Compiler
  os?: string
  target?: string
  platform?: string
  /** DAG hash, for `/hash` constraints. */
  hash?: string
  /** Flags and other parameters (`cflags` → `-O2 -g`), for `cflags=` constraints. */
  parameters?: Record<string, string>
  /** Any transitive dependency, by package or virtual name. */
  dependency(name: string): SpecView | undefined
}

export const COMPILER_FLAGS: readonly string[] = [
  'cflags',
  'cxxflags',
  'fflags',
  'cppflags',
  'ldflags',
  'ldlibs',
]
const FLAG_SET: ReadonlySet<string> = new Set(COMPILER_FLAGS)
const DEPTYPES: ReadonlySet<string> = new Set(['build', 'link', 'run', 'test'])

/** Spack 1.x renames these legacy compiler names to the packages that provide them. */
const COMPILER_ALIASES: Readonly<Record<string, string>> = {
  clang: 'llvm',
  llvm: 'clang',
  oneapi: 'intel-oneapi-compilers',
  'intel-oneapi-compilers': 'oneapi',
  rocmcc: 'llvm-amdgpu',
  'llvm-amdgpu': 'rocmcc',
  intel: 'intel-oneapi-compiler-classic',
  'intel-oneapi-compiler-classic': 'intel',
  arm: 'acfl',
  acfl: 'arm',
}

// ---------------------------------------------------------------------------------------------
// Character classes (char codes)

function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13)
}
function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}
/** `[A-Za-z0-9_.-]`: variant and key names, package words, versions. */
function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 46
}
/** Characters of an unquoted value: `[A-Za-z0-9_\-+*.,:=%^~/\\]`. */
function isValueChar(c: number): boolean {
  return (
    isAlnum(c) ||
    c === 45 || // -
    c === 43 || // +
    c === 42 || // *
    c === 46 || // .
    c === 44 || // ,
    c === 58 || // :
    c === 61 || // =
    c === 37 || // %
    c === 94 || // ^
    c === 126 || // ~
    c === 47 || // /
    c === 92 // \
  )
}

const IDENTIFIER = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/
const DOTTED_IDENTIFIER = /^[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)+$/
const GIT_PREFIX = /^(?:git\.|[0-9a-fA-F]{40}(?![A-Za-z0-9_.-]))/

function newNode(): SpecConstraint {
  return { variants: {}, dependencies: [] }
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  private pos = 0
  private readonly text: string
  private readonly where: string

  constructor(text: string, where: string) {
    this.text = text
    this.where = where
  }

  private error(at: number, what: string): UserError {
    return new UserError(
      'spec-syntax',
      this.where,
      `invalid spec "${this.text}" at column ${at + 1}: ${what}`,
    )
  }

  private code(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1
  }

  private skipWs(): void {
    const t = this.text
    while (this.pos < t.length && isWs(t.charCodeAt(this.pos))) this.pos++
  }

  private readWhile(pred: (c: number) => boolean): string {
    const t = this.text
    const start = this.pos
    while (this.pos < t.length && pred(t.charCodeAt(this.pos))) this.pos++
    return t.slice(start, this.pos)
  }

  parse(): SpecConstraint {
    const root = newNode()
    this.node(root, false)
    let current = root
    for (;;) {
      this.skipWs()
      const c = this.code()
      if (c === -1) break
      // node() only returns at the end or before a sigil
      const sigilAt = this.pos
      const direct = c === 37 // %
      this.pos++
      if (direct && this.code() === 37) this.pos++ // %% (propagated preference): same as %
      let virtuals: string[] = []
      let deptypes: DepType[] | undefined
      let substitute: { name: string; at: number } | undefined
      if (this.code() === 91) {
        // [
        const edge = this.edgeAttributes()
        virtuals = edge.virtuals
        deptypes = edge.deptypes
        const assignment = this.virtualAssignment()
        if (assignment) {
          virtuals = [...virtuals, ...assignment.virtuals]
          substitute = assignment.substitute
        }
      } else {
        const assignment = this.virtualAssignment()
        if (assignment) {
          virtuals = assignment.virtuals
          substitute = assignment.substitute
        }
      }
      const dep = newNode()
      if (substitute) this.setName(dep, substitute.name, substitute.at)
      this.node(dep, substitute !== undefined)
      if (dep.name === undefined) {
        throw this.error(sigilAt, `expected a package name after "${direct ? '%' : '^'}"`)
      }
      if (virtuals.length > 0) dep.virtuals = [...new Set(virtuals)].sort()
      if (deptypes) dep.deptypes = deptypes
      if (direct) {
        this.attachDirect(current, dep, sigilAt)
      } else {
        // `^a+x ^a~y`: one node with both (Spack constrains the same node)
        const same = root.dependencies.find((d) => !d.direct && d.name === dep.name)
        if (same) this.merge(same, dep, sigilAt)
        else root.dependencies.push(dep)
        current = same ?? dep
      }
    }
    sortDependencies(root)
    return root
  }

  private attachDirect(owner: SpecConstraint, dep: SpecConstraint, at: number): void {
    const name = dep.name as string
    if (isBareCompiler(dep)) {
      if (owner.compiler === undefined) {
        owner.compiler = dep.versions === undefined ? { name } : { name, versions: dep.versions }
        return
      }
      if (owner.compiler.name === name) {
        const a = owner.compiler.versions
        const b = dep.versions
        if (b !== undefined) {
          owner.compiler.versions = a === undefined ? b : intersectVersionConstraints(a, b)
        }
        return
      }
    }
    dep.direct = true
    const same = owner.dependencies.find((d) => d.direct && d.name === name)
    if (same) this.merge(same, dep, at)
    else owner.dependencies.push(dep)
  }

  /** Constrains `into` by `from` (the same dependency given twice). */
  private merge(into: SpecConstraint, from: SpecConstraint, at: number): void {
    if (from.versions !== undefined) {
      into.versions =
        into.versions === undefined
          ? from.versions
          : intersectVersionConstraints(into.versions, from.versions)
    }
    for (const k of Object.keys(from.variants)) {
      this.setVariant(into, k, from.variants[k] as string[])
    }
    if (from.flags !== undefined) {
      into.flags ??= {}
      for (const k of Object.keys(from.flags)) {
        const prev = into.flags[k]
        into.flags[k] = prev === undefined ? (from.flags[k] as string) : `${prev} ${from.flags[k]}`
      }
    }
    for (const k of ['platform', 'os', 'target'] as const) {
      const v = from[k]
      if (v !== undefined) this.setArch(into, k, v, at)
    }
    for (const k of ['hash', 'namespace'] as const) {
      const v = from[k]
      if (v === undefined) continue
      if (into[k] !== undefined && into[k] !== v) {
        throw this.error(at, `conflicting ${k} "${into[k]}" and "${v}" for ${into.name}`)
      }
      into[k] = v
    }
    if (from.compiler !== undefined) {
      const { name, versions } = from.compiler
      const bare: SpecConstraint = { name, variants: {}, dependencies: [] }
      if (versions !== undefined) bare.versions = versions
      this.attachDirect(into, bare, at)
    }
    for (const d of from.dependencies) {
      if (d.direct) {
        const copy = { ...d }
        delete copy.direct
        this.attachDirect(into, copy, at)
      } else {
        into.dependencies.push(d)
      }
    }
    if (from.virtuals !== undefined) {
      into.virtuals = [...new Set([...(into.virtuals ?? []), ...from.virtuals])].sort()
    }
    if (from.deptypes !== undefined) {
      into.deptypes = [...new Set([...(into.deptypes ?? []), ...from.deptypes])].sort()
    }
  }

  /** `[virtuals=a,b deptypes=build]`, the position at `[`; consumes through `]`. */
  private edgeAttributes(): { virtuals: string[]; deptypes?: DepType[] } {
    const open = this.pos
    this.pos++
    const out: { virtuals: string[]; deptypes?: DepType[] } = { virtuals: [] }
    for (;;) {
      this.skipWs()
      const c = this.code()
      if (c === -1) throw this.error(open, 'unterminated "["')
      if (c === 93) {
        // ]
        this.pos++
        return out
      }
      const keyAt = this.pos
      const key = this.readWhile(isWordChar)
      if (key === '') throw this.error(this.pos, `unexpected character "${this.text[this.pos]}"`)
      if (this.code() === 58 /* : */ && this.text.charCodeAt(this.pos + 1) === 61) this.pos++
      if (this.code() !== 61) throw this.error(this.pos, `expected "=" after "${key}"`)
      this.pos++
      const valueAt = this.pos
      const raw = this.value(key)
      const values = raw
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
      if (key === 'virtuals') {
        out.virtuals.push(...values)
      } else if (key === 'deptypes') {
        for (const v of values) {
          if (!DEPTYPES.has(v)) throw this.error(valueAt, `unknown deptype "${v}"`)
        }
        out.deptypes = [...new Set(values as DepType[])].sort()
      } else if (key === 'when') {
        throw this.error(keyAt, 'conditional edges ("when=" in "[...]") are not supported')
      } else {
        throw this.error(keyAt, `unknown edge attribute "${key}" (expected virtuals or deptypes)`)
      }
    }
  }

  /** `c,cxx=gcc` right after a sigil or `]` (whitespace allowed before); else nothing. */
  private virtualAssignment():
    { virtuals: string[]; substitute: { name: string; at: number } } | undefined {
    const save = this.pos
    this.skipWs()
    const t = this.text
    const virtuals: string[] = []
    for (;;) {
      const ident = this.readIdentifier()
      if (ident === '') {
        this.pos = save
        return undefined
      }
      virtuals.push(ident)
      if (this.code() === 44 /* , */) {
        this.pos++
        continue
      }
      break
    }
    if (this.code() !== 61 /* = */) {
      this.pos = save
      return undefined
    }
    this.pos++
    const at = this.pos
    let name = this.readIdentifier()
    while (name !== '' && t.charCodeAt(this.pos) === 46 && isAlnum(t.charCodeAt(this.pos + 1))) {
      this.pos++
      name += '.' + this.readIdentifier()
    }
    if (name === '') {
      this.pos = save
      return undefined
    }
    return { virtuals, substitute: { name, at } }
  }

  private readIdentifier(): string {
    if (!isAlnum(this.code())) return ''
    return this.readWhile((c) => isAlnum(c) || c === 45)
  }

  private setName(node: SpecConstraint, word: string, at: number): void {
    if (IDENTIFIER.test(word)) {
      node.name = word
      return
    }
    if (DOTTED_IDENTIFIER.test(word)) {
      const dot = word.lastIndexOf('.')
      node.namespace = word.slice(0, dot)
      node.name = word.slice(dot + 1)
      return
    }
    throw this.error(at, `invalid package name "${word}"`)
  }

  /** Node options up to the end, a `^` or a `%`. */
  private node(node: SpecConstraint, named: boolean): void {
    let first = !named
    for (; ; first = false) {
      this.skipWs()
      const at = this.pos
      const c = this.code()
      if (c === -1 || c === 94 /* ^ */ || c === 37 /* % */) return
      if (c === 64) {
        // @
        this.versions(node)
      } else if (c === 43 || c === 126 || c === 45) {
        // + ~ -
        this.boolVariant(node)
      } else if (c === 47) {
        // /
        this.pos++
        const hash = this.readWhile(isAlnum)
        if (hash === '') throw this.error(at, 'expected a hash after "/"')
        if (node.hash !== undefined) throw this.error(at, 'a spec cannot have two hashes')
        node.hash = hash
      } else if (c === 42 /* * */ && first) {
        this.pos++
      } else if (isAlnum(c)) {
        const word = this.readWhile(isWordChar)
        const next = this.code()
        if (next === 61 || (next === 58 && this.text.charCodeAt(this.pos + 1) === 61)) {
          this.keyValue(node, word, at)
        } else {
          if (!first) {
            throw this.error(
              at,
              node.name === undefined && !named
                ? `unexpected package name "${word}" (the name must come first)`
                : `unexpected package name "${word}" (a spec has one name; use "^" for a dependency)`,
            )
          }
          this.setName(node, word, at)
        }
      } else {
        throw this.error(at, `unexpected character "${this.text[at]}"`)
      }
    }
  }

  private versions(node: SpecConstraint): void {
    const at = this.pos
    this.pos++ // @
    this.skipWs()
    const start = this.pos
    const t = this.text
    for (;;) {
      const itemAt = this.pos
      if (this.code() === 61) this.pos++ // =1.2
      const git = GIT_PREFIX.test(t.slice(this.pos, this.pos + 41))
      this.readVersionWord(git)
      if (this.code() === 61 /* = */ && git) {
        this.pos++
        this.readVersionWord(false)
      } else if (this.code() === 58 /* : */) {
        this.pos++
        const hiAt = this.pos
        this.readVersionWord(false)
        if (this.pos > hiAt) {
          // `@1.2:foo=bar`: `foo` is a key, not an upper bound
          const after = this.pos
          this.skipWs()
          const eq = this.code() === 61
          this.pos = eq ? hiAt : after
        }
      }
      if (this.pos === itemAt) throw this.error(at, 'expected a version after "@"')
      const save = this.pos
      this.skipWs()
      if (this.code() === 44 /* , */) {
        this.pos++
        this.skipWs()
        continue
      }
      this.pos = save
      break
    }
    const text = t.slice(start, this.pos)
    let versions: VersionConstraint
    try {
      versions = parseVersionConstraint(text)
    } catch (e) {
      if (e instanceof UserError) throw this.error(start, e.message)
      throw e
    }
    // A second `@` (nested `with when(...)` contexts concatenated) narrows the first.
    node.versions =
      node.versions === undefined ? versions : intersectVersionConstraints(node.versions, versions)
  }

  /** `[A-Za-z0-9_.-]*` not ending in `.` or `-` (plus `/` in a git ref). */
  private readVersionWord(gitRef: boolean): void {
    const start = this.pos
    if (!isAlnum(this.code())) return
    this.readWhile((c) => isWordChar(c) || (gitRef && c === 47))
    while (this.pos > start) {
      const last = this.text.charCodeAt(this.pos - 1)
      if (last !== 46 && last !== 45) break
      this.pos--
    }
  }

  private boolVariant(node: SpecConstraint): void {
    const at = this.pos
    const sign = this.code()
    this.pos++
    if (this.code() === sign) this.pos++ // ++v ~~v --v: propagated, same requirement here
    this.skipWs()
    const name = this.readWhile(isWordChar)
    if (name === '') throw this.error(at, `expected a variant name after "${this.text[at]}"`)
    this.setVariant(node, name, [sign === 43 ? 'true' : 'false'])
  }

  private setVariant(node: SpecConstraint, name: string, values: string[]): void {
    const prev = node.variants[name]
    // Given twice (concatenated conditions): both are required (`+a ~a` is never met).
    node.variants[name] = prev === undefined ? values : [...new Set([...prev, ...values])].sort()
  }

  /** A value after `key=`: quoted, or a run of value characters. */
  private value(key: string): string {
    const c = this.code()
    if (c === 34 || c === 39) {
      const open = this.pos
      const quote = this.text[open] as string
      let i = open + 1
      for (;;) {
        const j = this.text.indexOf(quote, i)
        if (j < 0) throw this.error(open, 'unterminated quoted value')
        if (this.text[j - 1] === '\\') {
          i = j + 1
          continue
        }
        this.pos = j + 1
        return this.text.slice(open + 1, j).replaceAll(`\\${quote}`, quote)
      }
    }
    const v = this.readWhile(isValueChar)
    if (v === '') throw this.error(this.pos, `expected a value after "${key}="`)
    return v
  }

  private setArch(
    node: SpecConstraint,
    key: 'platform' | 'os' | 'target',
    value: string,
    at: number,
  ): void {
    if (value === '' || value === 'None') return
    const prev = node[key]
    if (prev !== undefined && prev !== value) {
      throw this.error(at, `conflicting ${key}=${prev} and ${key}=${value}`)
    }
    node[key] = value
  }

  private keyValue(node: SpecConstraint, key: string, at: number): void {
    if (this.code() === 58) this.pos++ // key:=value
    this.pos++ // =
    if (this.code() === 61) this.pos++ // key==value (propagated): same requirement here
    const value = this.value(key)
    if (key === 'os' || key === 'platform' || key === 'target') {
      this.setArch(node, key, value, at)
      return
    }
    if (key === 'arch' || key === 'architecture') {
      const first = value.indexOf('-')
      const last = value.lastIndexOf('-')
      if (first < 0) {
        // `arch=ppc64le:` (old syntax): a target
        this.setArch(node, 'target', value, at)
        return
      }
      if (first === last) {
        throw this.error(at, `expected "${key}=platform-os-target" or a target, got "${value}"`)
      }
      this.setArch(node, 'platform', value.slice(0, first), at)
      this.setArch(node, 'os', value.slice(first + 1, last), at)
      this.setArch(node, 'target', value.slice(last + 1), at)
      return
    }
    if (FLAG_SET.has(key)) {
      node.flags ??= {}
      const prev = node.flags[key]
      node.flags[key] = prev === undefined ? value : `${prev} ${value}`
      return
    }
    const values = value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
    if (values.length === 0) throw this.error(at, `expected a value after "${key}="`)
    if (values.length === 1) {
      const lower = (values[0] as string).toLowerCase()
      if (lower === 'true' || lower === 'false') values[0] = lower
    }
    this.setVariant(node, key, [...new Set(values)].sort())
  }
}

function isBareCompiler(dep: SpecConstraint): boolean {
  return (
    dep.name !== undefined &&
    dep.namespace === undefined &&
    dep.virtuals === undefined &&
    dep.deptypes === undefined &&
    Object.keys(dep.variants).length === 0 &&
    dep.flags === undefined &&
    dep.compiler === undefined &&
    dep.os === undefined &&
    dep.target === undefined &&
    dep.platform === undefined &&
    dep.hash === undefined &&
    dep.dependencies.length === 0
  )
}

/** Orders dependency lists by their canonical text (`%` before `^`), recursively. */
function sortDependencies(c: SpecConstraint): void {
  const deps = c.dependencies
  for (const d of deps) sortDependencies(d)
  if (deps.length < 2) return
  const keyed = deps.map((d) => ({ d, key: formatEdge(d.direct ? '%' : '^', d) }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  c.dependencies = keyed.map((k) => k.d)
}

/**
 * Parses a spec constraint. Throws `UserError('spec-syntax', where, 'invalid spec "…" at column N:
 * …')` on anything outside the grammar. The empty string is the constraint that everything meets.
 */
export function parseSpecConstraint(text: string, where?: string): SpecConstraint {
  return new Parser(text, where ?? '').parse()
}

const CACHE_LIMIT = 500_000
const cache = new Map<string, SpecConstraint>()

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/**
 * `parseSpecConstraint` memoized by text. The result is shared and deeply frozen: do not mutate
 * it. Errors are not cached (each call with a bad text throws, with its own `where`).
 */
export function parseSpecConstraintCached(text: string, where?: string): SpecConstraint {
  let c = cache.get(text)
  if (c === undefined) {
    c = deepFreeze(parseSpecConstraint(text, where))
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(text, c)
  }
  return c
}

// ---------------------------------------------------------------------------------------------
// Formatting

const BARE_VALUE = /^[A-Za-z0-9_\-+*.,:=/]+$/

export function quoteIfNeeded(v: string): string {
  // `key==v` reads as the propagated `key=v`: a value that starts with `=` is quoted
  if (BARE_VALUE.test(v) && !v.startsWith('=')) return v
  if (!v.includes("'")) return `'${v}'`
  return `"${v.replaceAll('"', '\\"')}"`
}

function sortedKeys(r: Record<string, unknown>): string[] {
  return Object.keys(r).sort()
}

function formatNode(c: SpecConstraint): string {
  let head = ''
  if (c.name !== undefined) head = c.namespace !== undefined ? `${c.namespace}.${c.name}` : c.name
  if (c.versions !== undefined) {
    // No version meets an empty list; `@=0 @=1` parses back to one.
    head += c.versions.length > 0 ? `@${formatVersionConstraint(c.versions)}` : '@=0 @=1'
  }
  const parts: string[] = []
  let bools = ''
  const pairs: string[] = []
  for (const k of sortedKeys(c.variants)) {
    const values = c.variants[k] as string[]
    if (values.length === 1 && values[0] === 'true') bools += `+${k}`
    else if (values.length === 1 && values[0] === 'false') bools += `~${k}`
    else pairs.push(`${k}=${quoteIfNeeded([...values].sort().join(','))}`)
  }
  head += bools
  if (head !== '') parts.push(head)
  parts.push(...pairs)
  if (c.flags) {
    for (const k of sortedKeys(c.flags)) parts.push(`${k}=${quoteIfNeeded(c.flags[k] as string)}`)
  }
  if (c.platform !== undefined) parts.push(`platform=${quoteIfNeeded(c.platform)}`)
  if (c.os !== undefined) parts.push(`os=${quoteIfNeeded(c.os)}`)
  if (c.target !== undefined) parts.push(`target=${quoteIfNeeded(c.target)}`)
  if (c.hash !== undefined) parts.push(`/${c.hash}`)
  if (c.compiler !== undefined) {
    const v = c.compiler.versions
    parts.push(`%${c.compiler.name}${v && v.length > 0 ? `@${formatVersionConstraint(v)}` : ''}`)
  }
  const direct = c.dependencies.filter((d) => d.direct).map((d) => formatEdge('%', d))
  parts.push(...direct.sort())
  return parts.join(' ')
}

function formatEdge(sigil: '%' | '^', d: SpecConstraint): string {
  const attrs: string[] = []
  if (d.virtuals && d.virtuals.length > 0)
    attrs.push(`virtuals=${[...d.virtuals].sort().join(',')}`)
  if (d.deptypes && d.deptypes.length > 0)
    attrs.push(`deptypes=${[...d.deptypes].sort().join(',')}`)
  const edge = attrs.length > 0 ? `[${attrs.join(' ')}] ` : ''
  return `${sigil}${edge}${formatNode(d)}`
}

/** Every `^` node of a constraint, flattened (they all hang off the root in Spack). */
function transitive(c: SpecConstraint, out: SpecConstraint[]): SpecConstraint[] {
  for (const d of c.dependencies) {
    if (d.direct) continue
    out.push(d)
    transitive(d, out)
  }
  return out
}

/**
 * Canonical text: name, versions, boolean variants, other variants (sorted), flags, platform, os,
 * target, hash, compiler, `%` dependencies, then `^` dependencies (sorted). Parsing it back gives
 * an equal constraint.
 */
export function formatSpecConstraint(c: SpecConstraint): string {
  const parts = [formatNode(c)]
  const deps = transitive(c, []).map((d) => formatEdge('^', d))
  parts.push(...deps.sort())
  return parts.filter((p) => p !== '').join(' ')
}

// ---------------------------------------------------------------------------------------------
// Satisfaction

function compilerNamesMatch(a: string, b: string): boolean {
  return a === b || COMPILER_ALIASES[a] === b
}

/** The view's compiler (a spec attribute in older lockfiles) seen as a dependency node. */
function compilerAsNode(view: SpecView, name: string): SpecView | undefined {
  const cc = view.compiler
  if (cc === undefined || !compilerNamesMatch(cc.name, name)) return undefined
  return {
    name: cc.name,
    version: cc.version ?? '',
    variants: {},
    os: view.os,
    target: view.target,
    platform: view.platform,
    dependency: () => undefined,
  }
}

function findDependency(view: SpecView, name: string): SpecView | undefined {
  const found = view.dependency(name)
  if (found !== undefined) return found
  const alias = COMPILER_ALIASES[name]
  return (alias !== undefined ? view.dependency(alias) : undefined) ?? compilerAsNode(view, name)
}

function nameMatches(viewName: string, wanted: string, direct: boolean | undefined): boolean {
  return viewName === wanted || (direct === true && compilerNamesMatch(viewName, wanted))
}

function dependencySatisfied(view: SpecView, d: SpecConstraint): boolean {
  const name = d.name
  if (name === undefined) return false
  if (d.virtuals && d.virtuals.length > 0) {
    let checked = false
    for (const v of d.virtuals) {
      const provider = view.dependency(v)
      if (provider === undefined) continue
      // The edge must provide the virtual through the named package.
      if (!nameMatches(provider.name, name, d.direct)) return false
      if (!nodeSatisfies(provider, d, true)) return false
      checked = true
    }
    if (checked) return true
  }
  const dep = findDependency(view, name)
  return dep !== undefined && nodeSatisfies(dep, d, true)
}

function variantSatisfied(actual: string | undefined, wanted: readonly string[]): boolean {
  if (actual === undefined) return false
  if (wanted.length === 1 && wanted[0] === actual) return true
  const have = actual.split(',')
  for (const w of wanted) {
    if (!have.includes(w)) return false
  }
  return true
}

function flagsSatisfied(actual: string | undefined, wanted: string): boolean {
  const have = (actual ?? '').split(/\s+/).filter((f) => f !== '')
  for (const f of wanted.split(/\s+/)) {
    if (f !== '' && !have.includes(f)) return false
  }
  return true
}

function compilerSatisfied(view: SpecView, cc: CompilerConstraint): boolean {
  const own = view.compiler
  if (own !== undefined && compilerNamesMatch(own.name, cc.name)) {
    if (cc.versions === undefined) return true
    return own.version !== undefined && versionSatisfies(own.version, cc.versions)
  }
  const dep = findDependency(view, cc.name)
  if (dep === undefined) return false
  return cc.versions === undefined || versionSatisfies(dep.version, cc.versions)
}

function nodeSatisfies(view: SpecView, c: SpecConstraint, nameChecked: boolean): boolean {
  if (!nameChecked && c.name !== undefined && c.name !== view.name) return false
  if (c.versions !== undefined && !versionSatisfies(view.version, c.versions)) return false
  for (const k in c.variants) {
    if (!variantSatisfied(view.variants[k], c.variants[k] as string[])) return false
  }
  if (c.flags !== undefined) {
    for (const k in c.flags) {
      if (!flagsSatisfied(view.parameters?.[k], c.flags[k] as string)) return false
    }
  }
  if (c.platform !== undefined && view.platform !== c.platform) return false
  if (c.os !== undefined && view.os !== c.os) return false
  if (c.target !== undefined) {
    if (view.target === undefined || !targetSatisfies(view.target, c.target)) return false
  }
  if (c.hash !== undefined && !(view.hash !== undefined && view.hash.startsWith(c.hash))) {
    return false
  }
  if (c.compiler !== undefined && !compilerSatisfied(view, c.compiler)) return false
  for (const d of c.dependencies) {
    if (!dependencySatisfied(view, d)) return false
  }
  return true
}

/**
 * Whether a concrete spec satisfies a constraint: the name (if given) is the view's; versions
 * contain its version; every variant exists on it with the value (multi-valued: all values
 * present); flags present; platform/os equal; target per `targetSatisfies`; the compiler is the
 * view's compiler or a dependency of that name (Spack 1.x); each dependency constraint is met by
 * the view's dependency of that name (through its virtuals when given). An attribute the
 * constraint names but the view lacks is not satisfied.
 */
export function satisfies(view: SpecView, c: SpecConstraint): boolean {
  return nodeSatisfies(view, c, false)
}
