/**
 * Spack's DAG hash of a `spack.lock` node, computed without Spack.
 *
 * Spack hashes a concrete spec by dumping its node dict (the lock's node without its own `hash`
 * key, every other key in the order it was written) with Python's
 * `json.dumps(ensure_ascii=True, separators=(',', ':'), sort_keys=False)`, then takes the
 * lower-case base32 of the sha1 of that text (160 bits: exactly 32 characters). A spliced node
 * (one with a `build_spec`) keeps the last 7 characters of its build spec's hash. This holds for
 * every lock whose keys are DAG hashes with build dependencies and `package_hash` in them
 * (lockfile v3 on, Spack 0.18 on): the written node is the hashed dict plus the trailing `hash`,
 * so nothing else needs dropping — `annotations` (specfile v5), `compiler` (v4 and older),
 * `external`, `patches`, `package_hash` and the dependency entries all take part as stored.
 *
 * Serializer choice: we write Python's `json.dumps` output ourselves rather than use
 * `JSON.stringify`: every non-ASCII UTF-16 unit (and DEL and control characters) becomes a
 * lower-case `\uXXXX` escape, floats are written as Python's `repr` (`1.0`, `1e-05`, `1e+16`),
 * integers exactly, and NaN/±Infinity as Python's tokens. `JSON.parse` loses three things Python
 * keeps — the order of integer-like object keys, whether `1.0` was a float, and integers beyond
 * 2^53 — so `parseSpackJson` reads lock text keeping them (the key order on a hidden symbol, such
 * numbers as `PyNumber`). Output of plain `JSON.parse` hashes the same except in those cases; a
 * plain JS number is written as a Python int when it is a safe integer, else as a float.
 */
import { createHash } from 'node:crypto'
import { base32 } from './package-hash.js'

/** A number whose Python JSON text a JS number cannot carry (`1.0`, `-0.0`, `2**64`). */
export class PyNumber {
  constructor(readonly repr: string) {}
}

/** The written key order of an object whose integer-like keys JS would have moved to the front. */
const KEY_ORDER: unique symbol = Symbol('spack-json key order')

type Ordered = Record<string, unknown> & { [KEY_ORDER]?: string[] }

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/

/** Parses JSON as Python's `json.loads` would see it (see the module comment). */
export function parseSpackJson(text: string): unknown {
  let i = 0
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON at offset ${i}: ${what}`)
  }
  const space = (): void => {
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
      else return
    }
  }
  const string = (): string => {
    const start = i++
    let escaped = false
    for (;;) {
      const c = text.charCodeAt(i)
      if (Number.isNaN(c)) fail('unterminated string')
      if (c === 0x22) break
      if (c < 0x20) fail('control character in string')
      if (c === 0x5c) {
        escaped = true
        i++
      }
      i++
    }
    i++
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1)
  }
  const number = (): unknown => {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
    m.lastIndex = i
    const found = m.exec(text)
    if (!found) return fail('bad number')
    i = m.lastIndex
    const raw = found[0]
    const value = Number(raw)
    if (found[1] === undefined && found[2] === undefined) {
      // A Python int: exact, whatever its size.
      return Number.isSafeInteger(value) ? value : new PyNumber(BigInt(raw).toString())
    }
    // A Python float: a JS number renders the same unless it is integral (or overflowed).
    return Number.isInteger(value) || !Number.isFinite(value)
      ? new PyNumber(pythonFloatRepr(value))
      : value
  }
  const word = (w: string, value: unknown): unknown => {
    if (!text.startsWith(w, i)) fail('unexpected token')
    i += w.length
    return value
  }
  const value = (): unknown => {
    space()
    const c = text[i]
    switch (c) {
      case '{': {
        i++
        const obj: Ordered = {}
        const order: string[] = []
        let indexKey = false
        space()
        if (text[i] === '}') {
          i++
          return obj
        }
        for (;;) {
          space()
          if (text[i] !== '"') fail('expected a key')
          const key = string()
          space()
          if (text[i++] !== ':') fail("expected ':'")
          const v = value()
          if (!Object.hasOwn(obj, key)) {
            order.push(key)
            if (INDEX_KEY.test(key)) indexKey = true
          }
          if (key === '__proto__')
            Object.defineProperty(obj, key, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            })
          else obj[key] = v
          space()
          const sep = text[i++]
          if (sep === '}') break
          if (sep !== ',') fail("expected ',' or '}'")
        }
        if (indexKey) Object.defineProperty(obj, KEY_ORDER, { value: order })
        return obj
      }
      case '[': {
        i++
        const arr: unknown[] = []
        space()
        if (text[i] === ']') {
          i++
          return arr
        }
        for (;;) {
          arr.push(value())
          space()
          const sep = text[i++]
          if (sep === ']') break
          if (sep !== ',') fail("expected ',' or ']'")
        }
        return arr
      }
      case '"':
        return string()
      case 't':
        return word('true', true)
      case 'f':
        return word('false', false)
      case 'n':
        return word('null', null)
      case 'N':
        return word('NaN', NaN)
      case 'I':
        return word('Infinity', Infinity)
      case '-':
        if (text.startsWith('-Infinity', i)) return word('-Infinity', -Infinity)
        return number()
      default:
        if (c !== undefined && c >= '0' && c <= '9') return number()
        return fail(c === undefined ? 'unexpected end' : 'unexpected token')
    }
  }
  const result = value()
  space()
  if (i < text.length) fail('trailing text')
  return result
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  const [mantissa = '', exp = '0'] = Math.abs(x).toExponential().split('e')
  const digits = mantissa.replace('.', '')
  const e = Number(exp)
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const abs = Math.abs(e)
    return `${sign}${m}e${e < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`
  const int = digits.slice(0, e + 1).padEnd(e + 1, '0')
  const frac = digits.slice(e + 1)
  return `${sign}${int}.${frac === '' ? '0' : frac}`
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
}

function pyString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`
  let out = '"'
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    const short = SHORT_ESCAPES[c]
    if (short !== undefined) out += short
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += s[k]
  }
  return out + '"'
}

function orderedKeys(obj: Ordered): string[] {
  const keys = Object.keys(obj)
  const order = obj[KEY_ORDER]
  if (order === undefined) return keys
  const present = order.filter((k) => Object.hasOwn(obj, k))
  const seen = new Set(present)
  return [...present, ...keys.filter((k) => !seen.has(k))]
}

function dump(value: unknown, parents: Set<object>, omitKey?: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return pyString(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return value.toString()
    case 'number':
      // Integral beyond 2^53 a JS number is exact only if it was a float.
      return Number.isSafeInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value)
    case 'object':
      break
    default:
      throw new TypeError(`cannot write a ${typeof value} as Spack JSON`)
  }
  if (value instanceof PyNumber) return value.repr
  if (parents.has(value)) throw new TypeError('circular reference in Spack JSON value')
  parents.add(value)
  let out: string
  if (Array.isArray(value)) {
    out = `[${value.map((v: unknown) => dump(v, parents)).join(',')}]`
  } else if (value instanceof Map) {
    const parts: string[] = []
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (typeof k !== 'string') throw new TypeError('Spack JSON object keys must be strings')
      parts.push(`${pyString(k)}:${dump(v, parents)}`)
    }
    out = `{${parts.join(',')}}`
  } else {
    const obj = value as Ordered
    const parts: string[] = []
    for (const k of orderedKeys(obj))
      if (k !== omitKey) parts.push(`${pyString(k)}:${dump(obj[k], parents)}`)
    out = `{${parts.join(',')}}`
  }
  parents.delete(value)
  return out
}

/** Python's `json.dumps(value, ensure_ascii=True, separators=(',', ':'))`. */
export function pythonJsonDumps(value: unknown): string {
  return dump(value, new Set())
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The DAG hash Spack gives a node dict as a `spack.lock` stores it (its `hash` key ignored). */
export function dagHashOfNode(node: Record<string, unknown>): string {
  const text = dump(node, new Set(), 'hash')
  const out = base32(createHash('sha1').update(text, 'utf8').digest())
  const build = node.build_spec
  if (isRecord(build) && typeof build.hash === 'string')
    return out.slice(0, -7) + build.hash.slice(-7)
  return out
}

/** The hashes a node refers to: its dependencies' (any edge type) and its build spec's. */
function referencedHashes(node: Record<string, unknown>): string[] {
  const out: string[] = []
  if (Array.isArray(node.dependencies))
    for (const d of node.dependencies as unknown[])
      if (isRecord(d) && typeof d.hash === 'string') out.push(d.hash)
  if (isRecord(node.build_spec) && typeof node.build_spec.hash === 'string')
    out.push(node.build_spec.hash)
  return out
}

/** Where Spack's `to_node_dict` puts `package_hash` when a node has none yet. */
const AFTER_PACKAGE_HASH = ['dependencies', 'build_spec', 'annotations', 'hash']

function withPackageHash(node: Record<string, unknown>, value: string): Record<string, unknown> {
  if (Object.hasOwn(node, 'package_hash')) return { ...node, package_hash: value }
  const out: Record<string, unknown> = {}
  let placed = false
  for (const [k, v] of Object.entries(node)) {
    if (!placed && AFTER_PACKAGE_HASH.includes(k)) {
      out.package_hash = value
      placed = true
    }
    out[k] = v
  }
  if (!placed) out.package_hash = value
  return out
}

function withNewHashes(
  node: Record<string, unknown>,
  renamed: ReadonlyMap<string, string>,
): Record<string, unknown> | null {
  let changed = false
  const out = { ...node }
  if (Array.isArray(node.dependencies)) {
    out.dependencies = (node.dependencies as unknown[]).map((d) => {
      if (!isRecord(d) || typeof d.hash !== 'string') return d
      const h = renamed.get(d.hash)
      if (h === undefined) return d
      changed = true
      return { ...d, hash: h }
    })
  }
  if (isRecord(node.build_spec) && typeof node.build_spec.hash === 'string') {
    const h = renamed.get(node.build_spec.hash)
    if (h !== undefined) {
      changed = true
      out.build_spec = { ...node.build_spec, hash: h }
    }
  }
  return changed ? out : null
}

/**
 * The new DAG hash of every node of a lock's `concrete_specs` (old hash → node) whose hash
 * changes when the nodes in `newPackageHash` (old hash → new `package_hash`) get that value: those
 * nodes and, transitively, every node with a dependency (any edge type) or build spec among the
 * changed, its entry's `hash` replaced. Computed in dependency order; unchanged nodes are absent.
 * Throws on a hash in `newPackageHash` that is not a node, and on a dependency cycle.
 */
export function rehashLock(
  nodes: Record<string, Record<string, unknown>>,
  newPackageHash: ReadonlyMap<string, string>,
): Map<string, string> {
  for (const h of newPackageHash.keys())
    if (!Object.hasOwn(nodes, h)) throw new Error(`rehashLock: no node ${h} in the lock`)
  const renamed = new Map<string, string>()
  const finish = (h: string, node: Record<string, unknown>): void => {
    let edited = withNewHashes(node, renamed)
    const ph = newPackageHash.get(h)
    if (ph !== undefined && node.package_hash !== ph) edited = withPackageHash(edited ?? node, ph)
    if (edited === null) return
    const next = dagHashOfNode(edited)
    if (next !== h) renamed.set(h, next)
  }
  const children = (h: string): string[] =>
    referencedHashes(nodes[h] as Record<string, unknown>).filter((c) => Object.hasOwn(nodes, c))

  const VISITING = 1
  const DONE = 2
  const state = new Map<string, number>()
  for (const root of Object.keys(nodes)) {
    if (state.has(root)) continue
    state.set(root, VISITING)
    const stack = [{ h: root, kids: children(root), next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as (typeof stack)[number]
      if (top.next < top.kids.length) {
        const kid = top.kids[top.next++] as string
        const s = state.get(kid)
        if (s === DONE) continue
        if (s === VISITING) {
          const path = [...stack.slice(stack.findIndex((f) => f.h === kid)).map((f) => f.h), kid]
          throw new Error(`rehashLock: dependency cycle through node ${kid} (${path.join(' -> ')})`)
        }
        state.set(kid, VISITING)
        stack.push({ h: kid, kids: children(kid), next: 0 })
      } else {
        stack.pop()
        state.set(top.h, DONE)
        finish(top.h, nodes[top.h] as Record<string, unknown>)
      }
    }
  }
  return renamed
}
