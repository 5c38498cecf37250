/**
 * Reads a Spack environment lockfile (`spack.lock`): the concrete DAG `spack concretize` wrote.
 *
 * Supported: lockfile versions 4 (specfile v3: dependency `type` lists), 5 (specfile v4:
 * `parameters.deptypes` / `virtuals` on edges, `compiler` as a spec attribute) and 6 (specfile v5:
 * compilers are dependencies whose edge provides `c`/`cxx`/`fortran`). Parsing is pure (text in,
 * values out); the caller reads the file.
 */
import { quote, UserError } from '../../core/errors.js'
import { MAX_NAME_LENGTH, packageNameProblem, versionProblem } from '../../core/names.js'
import type { Compiler, ConcreteSpec, DepType, SpecEdge } from '../../core/model.js'

export interface SpackLockfile {
  /** Ids of the root specs, in lockfile order. */
  roots: string[]
  /** Every concrete spec, in lockfile order. */
  specs: ConcreteSpec[]
  lockfileVersion: number
}

export const SUPPORTED_LOCKFILE_VERSIONS: readonly number[] = [4, 5, 6]

const FLAGS: ReadonlySet<string> = new Set([
  'cflags',
  'cxxflags',
  'fflags',
  'cppflags',
  'ldflags',
  'ldlibs',
])
const DEPTYPES: ReadonlySet<string> = new Set(['build', 'link', 'run', 'test'])
/** Virtuals whose provider is the spec's compiler, in order of preference. */
const COMPILER_VIRTUALS: readonly string[] = ['c', 'cxx', 'fortran']
const MIN_HASH_PREFIX = 7
/** A DAG hash (Spack writes 32 base32 characters) as a `concrete_specs` key or `hash`. */
const DAG_HASH = /^[a-z0-9]{1,64}$/

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * Offset of the first JSON syntax error in `text` (only called after `JSON.parse` failed, whose
 * message does not always carry a position).
 */
function jsonErrorOffset(text: string): number {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const literal = /true|false|null/y
  const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
  const escape = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y
  const match = (re: RegExp): boolean => {
    re.lastIndex = i
    if (!re.test(text)) return false
    i = re.lastIndex
    return true
  }
  /** A string literal at `i` (no raw control characters, valid escapes). */
  const string = (): boolean => {
    if (text[i] !== '"') return false
    let j = i + 1
    for (;;) {
      const c = text.charCodeAt(j)
      if (Number.isNaN(c) || c < 0x20) return false
      if (c === 0x22) break
      if (c === 0x5c) {
        escape.lastIndex = j
        if (!escape.test(text)) return false
        j = escape.lastIndex
      } else {
        j++
      }
    }
    i = j + 1
    return true
  }
  /** `"key":` in an object, after `{` or `,`. */
  const member = (): boolean => {
    ws()
    if (!string()) return false
    ws()
    if (text[i] !== ':') return false
    i++
    return true
  }
  /** One value, nested containers on an explicit stack (any depth, no recursion). */
  const value = (): boolean => {
    const open: string[] = []
    for (;;) {
      ws()
      const c = text[i]
      if (c === '{' || c === '[') {
        i++
        ws()
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++
        } else {
          open.push(c)
          if (c === '{' && !member()) return false
          continue
        }
      } else if (!(c === '"' ? string() : match(number) || match(literal))) {
        return false
      }
      // After a value: close what it ends, or go on after a comma.
      for (;;) {
        const top = open[open.length - 1]
        if (top === undefined) return true
        ws()
        if (text[i] === ',') {
          i++
          if (top === '{' && !member()) return false
          break
        }
        if (text[i] !== (top === '{' ? '}' : ']')) return false
        i++
        open.pop()
      }
    }
  }
  if (value()) {
    ws()
  }
  return i
}

function parseJson(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const what = message
      .replace(/ in JSON at position .*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '')
    const { line, column } = lineColumn(text, jsonErrorOffset(text))
    throw new UserError('lockfile', file, `invalid JSON at line ${line}, column ${column}: ${what}`)
  }
}

class Reader {
  readonly file: string
  constructor(file: string) {
    this.file = file
  }

  fail(path: string, what: string): never {
    throw new UserError('lockfile', this.file, path === '' ? what : `${path}: ${what}`)
  }

  string(v: Json | undefined, path: string): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, got ${describe(v)}`)
    return v
  }

  object(v: Json | undefined, path: string): JsonObject {
    if (!isObject(v)) this.fail(path, `expected an object, got ${describe(v)}`)
    return v
  }

  array(v: Json | undefined, path: string): Json[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${describe(v)}`)
    return v
  }

  strings(v: Json | undefined, path: string): string[] {
    return this.array(v, path).map((x, i) => this.string(x, `${path}[${i}]`))
  }
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`
}

/** A parameter value as a variant string: booleans `true`/`false`, lists comma-joined. */
function variantValue(v: Json): string | undefined {
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',')
  return undefined
}

interface RawEdge {
  name: string
  hash: string
  types: DepType[]
  virtuals: string[]
}

interface RawSpec {
  /** Key in concrete_specs (the DAG hash, as is `hash` in real files). */
  key: string
  hash: string
  name: string
  version: string
  node: JsonObject
  edges: RawEdge[]
  path: string
}

function stripEquals(v: string): string {
  return v.startsWith('=') ? v.slice(1) : v
}

function readEdge(r: Reader, e: Json, path: string): RawEdge {
  const o = r.object(e, path)
  const name = r.string(o['name'], `${path}.name`)
  const hash = r.string(o['hash'] ?? o['dag_hash'], `${path}.hash`)
  const params = o['parameters']
  let rawTypes: Json | undefined
  let virtuals: string[] = []
  if (isObject(params)) {
    rawTypes = params['deptypes']
    if (params['virtuals'] !== undefined && params['virtuals'] !== null) {
      virtuals = r.strings(params['virtuals'], `${path}.parameters.virtuals`)
    }
  } else {
    rawTypes = o['type'] ?? o['deptypes']
  }
  const types =
    rawTypes === undefined || rawTypes === null ? [] : r.strings(rawTypes, `${path}.deptypes`)
  for (const t of types) {
    if (!DEPTYPES.has(t)) r.fail(`${path}.deptypes`, `unknown deptype "${t}"`)
  }
  return { name, hash, types: [...new Set(types as DepType[])].sort(), virtuals }
}

function readEdges(r: Reader, deps: Json | undefined, path: string): RawEdge[] {
  if (deps === undefined || deps === null) return []
  if (Array.isArray(deps)) return deps.map((e, i) => readEdge(r, e, `${path}[${i}]`))
  // Old shape: {name: {hash, type}}
  const o = r.object(deps, path)
  return Object.keys(o).map((name) => {
    const entry = r.object(o[name], `${path}.${name}`)
    return readEdge(r, { name, ...entry }, `${path}.${name}`)
  })
}

/** Shortest unique prefix (at least 7) of each hash among the hashes sharing its name@version. */
function idsByHash(specs: readonly RawSpec[]): Map<string, string> {
  const groups = new Map<string, string[]>()
  for (const s of specs) {
    const key = `${s.name}@${s.version}`
    const g = groups.get(key)
    if (g) g.push(s.hash)
    else groups.set(key, [s.hash])
  }
  const ids = new Map<string, string>()
  for (const [key, hashes] of groups) {
    for (const h of hashes) {
      let len = Math.min(MIN_HASH_PREFIX, h.length)
      while (len < h.length && hashes.some((o) => o !== h && o.startsWith(h.slice(0, len)))) len++
      ids.set(h, `${key}/${h.slice(0, len)}`)
    }
  }
  return ids
}

function readTarget(r: Reader, t: Json | undefined, path: string): string | undefined {
  if (t === undefined || t === null) return undefined
  if (typeof t === 'string') return t
  return r.string(r.object(t, path)['name'], `${path}.name`)
}

function toConcrete(r: Reader, raw: RawSpec, ids: ReadonlyMap<string, string>): ConcreteSpec {
  const { node, path } = raw
  const id = ids.get(raw.hash) as string
  const variants: Record<string, string> = {}
  const parameters: Record<string, string> = {}
  let lockedPatches: string[] | undefined
  const params = node['parameters']
  if (params !== undefined && params !== null) {
    const p = r.object(params, `${path}.parameters`)
    for (const key of Object.keys(p)) {
      const v = p[key] as Json
      if (FLAGS.has(key)) {
        const flags =
          v === null
            ? []
            : Array.isArray(v)
              ? r.strings(v, `${path}.parameters.${key}`)
              : [r.string(v, `${path}.parameters.${key}`)]
        if (flags.length > 0) parameters[key] = flags.join(' ')
      } else if (key === 'patches') {
        lockedPatches = r.strings(v, `${path}.parameters.patches`)
      } else {
        const s = variantValue(v)
        if (s !== undefined) variants[key] = s
      }
    }
  }
  if (lockedPatches === undefined && node['patches'] !== undefined && node['patches'] !== null) {
    lockedPatches = r.strings(node['patches'], `${path}.patches`)
  }
  if (typeof node['namespace'] === 'string') parameters['namespace'] = node['namespace']

  const dependencies: SpecEdge[] = raw.edges.map((e, i) => {
    const depId = ids.get(e.hash)
    if (depId === undefined) {
      r.fail(
        `${path}.dependencies[${i}]`,
        `dependency ${e.name}/${e.hash} is not in concrete_specs`,
      )
    }
    const edge: SpecEdge = { id: depId, name: e.name, types: e.types }
    if (e.virtuals.length > 0) edge.virtuals = e.virtuals
    return edge
  })

  const spec: ConcreteSpec = {
    id,
    package: raw.name,
    version: raw.version,
    variants,
    parameters,
    dependencies,
    origin: `lockfile:${raw.hash}`,
  }

  const compiler = readCompiler(r, raw, path)
  if (compiler) spec.compiler = compiler

  const arch = node['arch']
  if (arch !== undefined && arch !== null) {
    const a = r.object(arch, `${path}.arch`)
    if (typeof a['platform'] === 'string')
      spec.platform = archWord(r, a['platform'], `${path}.arch.platform`)
    if (typeof a['platform_os'] === 'string')
      spec.os = archWord(r, a['platform_os'], `${path}.arch.platform_os`)
    const target = readTarget(r, a['target'], `${path}.arch.target`)
    if (target !== undefined) spec.target = archWord(r, target, `${path}.arch.target`)
  }

  const ext = node['external']
  if (ext !== undefined && ext !== null) {
    const e = r.object(ext, `${path}.external`)
    const external: Record<string, string> = {}
    if (typeof e['path'] === 'string') external['path'] = e['path']
    const mod = e['module']
    if (typeof mod === 'string') external['module'] = mod
    else if (Array.isArray(mod))
      external['module'] = r.strings(mod, `${path}.external.module`).join(',')
    spec.external = external
  }
  if (lockedPatches !== undefined) spec.lockedPatches = lockedPatches
  return spec
}

/** A platform, os or target name (`linux`, `ubuntu24.04`, `skylake_avx512`): one word of the id. */
function archWord(r: Reader, value: string, path: string): string {
  if (!ARCH_WORD.test(value) || value.length > MAX_NAME_LENGTH)
    r.fail(
      path,
      `expected a name of ASCII letters, digits, ".", "_" and "-", got ${quote(value, 80, true)}`,
    )
  return value
}
const ARCH_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

function readCompiler(r: Reader, raw: RawSpec, path: string): Compiler | undefined {
  const c = raw.node['compiler']
  if (c !== undefined && c !== null) {
    const o = r.object(c, `${path}.compiler`)
    const compiler: Compiler = { name: r.string(o['name'], `${path}.compiler.name`) }
    const nameProblem = packageNameProblem(compiler.name)
    if (nameProblem !== undefined) r.fail(`${path}.compiler.name`, nameProblem)
    const v = o['version'] ?? o['versions']
    if (typeof v === 'string') {
      compiler.version = stripEquals(v)
      const problem = versionProblem(compiler.version, 'lockfile')
      if (problem !== undefined) r.fail(`${path}.compiler.version`, problem)
    }
    return compiler
  }
  return undefined
}

/** Specfile v5: the compiler is the dependency whose edge provides c (else cxx, else fortran). */
function compilerFromEdges(
  raw: RawSpec,
  byHash: ReadonlyMap<string, RawSpec>,
): Compiler | undefined {
  for (const virtual of COMPILER_VIRTUALS) {
    const edge = raw.edges.find((e) => e.virtuals.includes(virtual))
    if (edge) {
      const dep = byHash.get(edge.hash)
      return dep ? { name: dep.name, version: dep.version } : { name: edge.name }
    }
  }
  return undefined
}

/**
 * Parses the text of a `spack.lock`. `file` names it in errors. Spec ids are
 * `name@version/<first 7 hash characters>` (longer where two specs would collide).
 */
export function parseSpackLockfile(text: string, file: string): SpackLockfile {
  const r: Reader = new Reader(file)
  const doc = parseJson(text, file)
  if (!isObject(doc)) r.fail('', `expected a JSON object, got ${describe(doc)}`)
  const meta = doc['_meta']
  const version = isObject(meta) ? meta['lockfile-version'] : undefined
  const supported = SUPPORTED_LOCKFILE_VERSIONS.join(', ')
  if (typeof version !== 'number' || !SUPPORTED_LOCKFILE_VERSIONS.includes(version)) {
    const shown = version === undefined ? 'missing' : JSON.stringify(version)
    r.fail('', `unsupported lockfile version ${shown} (supported: ${supported})`)
  }

  const concrete = r.object(doc['concrete_specs'], 'concrete_specs')
  const raws: RawSpec[] = []
  for (const key of Object.keys(concrete)) {
    // The name, version and hash make the spec id (`name@version/hash`): held to what Spack
    // writes, so no look-alike, path or line break reaches a matrix or a file name.
    const badHash = (h: string, at: string): never =>
      r.fail(at, `expected a DAG hash of lowercase letters and digits, got ${quote(h, 80, true)}`)
    if (!DAG_HASH.test(key)) badHash(key, 'concrete_specs')
    const path = `concrete_specs.${key}`
    const node = r.object(concrete[key], path)
    const hash = typeof node['hash'] === 'string' ? node['hash'] : key
    if (!DAG_HASH.test(hash)) badHash(hash, `${path}.hash`)
    const name = r.string(node['name'], `${path}.name`)
    const nameProblem = packageNameProblem(name)
    if (nameProblem !== undefined) r.fail(`${path}.name`, nameProblem)
    const version = stripEquals(r.string(node['version'], `${path}.version`))
    const versionIssue = versionProblem(version, 'lockfile')
    if (versionIssue !== undefined) r.fail(`${path}.version`, versionIssue)
    raws.push({
      key,
      hash,
      name,
      version,
      node,
      edges: readEdges(r, node['dependencies'], `${path}.dependencies`),
      path,
    })
  }
  // Keys and `hash` fields agree in real files; accept a reference by either.
  const byHash = new Map<string, RawSpec>()
  for (const s of raws) byHash.set(s.hash, s)
  for (const s of raws) if (!byHash.has(s.key)) byHash.set(s.key, s)
  const ids = idsByHash(raws)
  for (const s of raws) if (!ids.has(s.key)) ids.set(s.key, ids.get(s.hash) as string)

  const specs = raws.map((raw) => {
    const spec = toConcrete(r, raw, ids)
    if (spec.compiler === undefined) {
      const compiler = compilerFromEdges(raw, byHash)
      if (compiler) spec.compiler = compiler
    }
    return spec
  })

  const roots = r.array(doc['roots'] ?? [], 'roots').map((root, i) => {
    const o = r.object(root, `roots[${i}]`)
    const hash = r.string(o['hash'], `roots[${i}].hash`)
    const id = ids.get(hash)
    if (id === undefined) r.fail(`roots[${i}]`, `root ${hash} is not in concrete_specs`)
    return id
  })

  return { roots, specs, lockfileVersion: version }
}
