/**
 * Static evaluation of literal expressions: strings (any quoting, implicit concatenation, f-strings
 * whose fields are bound loop variables), numbers, True/False/None and tuples/lists of those.
 * Anything else is "not a literal", which callers treat conservatively.
 */
import { canonicalNumber } from './numbers.js'
import { decodeBody, decodeLiteral, splitLiteral } from './strings.js'
import type { PyNode } from './syntax.js'

export type PyValue =
  /** `version`: made by `Version(...)` (so `.joined`, `.dotted` … are known). */
  | { kind: 'str'; value: string; version?: true }
  | { kind: 'bytes'; value: string }
  /** `text`: the canonical spelling (numbers.ts), a leading `-` for a negative value. */
  | { kind: 'num'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'seq'; items: PyValue[] }
  | { kind: 'dict'; entries: Array<[PyValue, PyValue]> }

/** Names bound by an unrolled loop. */
export type Env = ReadonlyMap<string, PyValue>
export const EMPTY_ENV: Env = new Map()

/** The value of `node`, or undefined when it is not statically known. */
export function evalLiteral(node: PyNode, text: string, env: Env): PyValue | undefined {
  switch (node.name) {
    case 'String': {
      const decoded = decodeLiteral(text.slice(node.from, node.to))
      if (decoded === undefined) return undefined
      return decoded.bytes
        ? { kind: 'bytes', value: decoded.value }
        : { kind: 'str', value: decoded.value }
    }
    case 'FormatString': {
      const value = evalFormatString(node, text, env)
      return value === undefined ? undefined : { kind: 'str', value }
    }
    case 'ContinuedString': {
      let value = ''
      let kind: 'str' | 'bytes' | undefined
      for (let part = node.firstChild; part; part = part.nextSibling) {
        if (part.name === 'Comment') continue
        const v = evalLiteral(part, text, env)
        if (
          v === undefined ||
          (v.kind !== 'str' && v.kind !== 'bytes') ||
          (kind !== undefined && kind !== v.kind)
        )
          return undefined
        kind = v.kind
        value += v.value
      }
      return kind === undefined ? undefined : { kind, value }
    }
    case 'Number':
      return { kind: 'num', text: canonicalNumber(text.slice(node.from, node.to)) }
    case 'Boolean':
      return { kind: 'bool', value: text.slice(node.from, node.to) === 'True' }
    case 'None':
      return { kind: 'none' }
    case 'VariableName':
      return env.get(text.slice(node.from, node.to))
    case 'CallExpression':
      return evalVersionCall(node, text, env)
    case 'MemberExpression':
      return evalVersionProperty(node, text, env)
    case 'ParenthesizedExpression': {
      const inner = onlyChild(node)
      return inner === undefined ? undefined : evalLiteral(inner, text, env)
    }
    case 'ConditionalExpression': {
      // `a if c else b` with c statically known (a host-platform constant, a literal bool)
      const parts: PyNode[] = []
      for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') parts.push(c)
      const [then, ifKw, condition, elseKw, other] = parts
      if (parts.length !== 5 || ifKw?.name !== 'if' || elseKw?.name !== 'else') return undefined
      const holds = evalLiteral(condition!, text, env)
      if (holds?.kind !== 'bool') return undefined
      return evalLiteral(holds.value ? then! : other!, text, env)
    }
    case 'UnaryExpression': {
      const op = node.firstChild
      const operand = op?.nextSibling
      if (op?.name === 'not' && operand != null && operand.nextSibling === null) {
        const v = evalLiteral(operand, text, env)
        return v?.kind === 'bool' ? { kind: 'bool', value: !v.value } : undefined
      }
      if (op?.name !== 'ArithOp' || operand == null || operand.nextSibling !== null)
        return undefined
      const sign = text.slice(op.from, op.to)
      const v = evalLiteral(operand, text, env)
      if (v?.kind !== 'num' || (sign !== '-' && sign !== '+')) return undefined
      if (sign === '+') return v
      // `-0` is the int 0; `-0.0` stays (its repr keeps the sign).
      if (v.text === '0') return v
      return { kind: 'num', text: v.text.startsWith('-') ? v.text.slice(1) : '-' + v.text }
    }
    case 'TupleExpression':
    case 'ArrayExpression': {
      const items: PyValue[] = []
      for (let child = node.firstChild; child; child = child.nextSibling) {
        const name = child.name
        if (
          name === '(' ||
          name === ')' ||
          name === '[' ||
          name === ']' ||
          name === ',' ||
          name === 'Comment'
        )
          continue
        const v = evalLiteral(child, text, env)
        if (v === undefined) return undefined
        items.push(v)
      }
      return { kind: 'seq', items }
    }
    case 'DictionaryExpression': {
      // {key: value, …}; `**splat` is not a literal
      const entries: Array<[PyValue, PyValue]> = []
      let key: PyValue | undefined
      let expectKey = true
      for (let child = node.firstChild; child; child = child.nextSibling) {
        const name = child.name
        if (name === '{' || name === '}' || name === ',' || name === ':' || name === 'Comment')
          continue
        const v = evalLiteral(child, text, env)
        if (v === undefined) return undefined
        if (expectKey) key = v
        else entries.push([key as PyValue, v])
        expectKey = !expectKey
      }
      return expectKey ? { kind: 'dict', entries } : undefined
    }
    default:
      return undefined
  }
}

/** `Version(<literal str>)`: the string, marked as a version. */
function evalVersionCall(node: PyNode, text: string, env: Env): PyValue | undefined {
  const callee = node.firstChild
  const args = callee?.nextSibling
  if (
    callee?.name !== 'VariableName' ||
    text.slice(callee.from, callee.to) !== 'Version' ||
    args?.name !== 'ArgList' ||
    args.nextSibling !== null
  )
    return undefined
  const arg = onlyChild(args)
  const v = arg === undefined ? undefined : evalLiteral(arg, text, env)
  return v?.kind === 'str' ? { kind: 'str', value: v.value, version: true } : undefined
}

/** Spack's `Version` separators: `.`, `_` and `-`. */
const VERSION_SEPARATORS = /[._-]/g
const VERSION_PROPERTIES: Record<string, (v: string) => string> = {
  joined: (v) => v.replace(VERSION_SEPARATORS, ''),
  dotted: (v) => v.replace(VERSION_SEPARATORS, '.'),
  underscored: (v) => v.replace(VERSION_SEPARATORS, '_'),
  dashed: (v) => v.replace(VERSION_SEPARATORS, '-'),
}

/** `<version>.joined` / `.dotted` / `.underscored` / `.dashed` of a `Version(...)` value. */
function evalVersionProperty(node: PyNode, text: string, env: Env): PyValue | undefined {
  const object = node.firstChild
  const dot = object?.nextSibling
  const property = dot?.nextSibling
  if (object == null || dot?.name !== '.' || property?.name !== 'PropertyName') return undefined
  if (property.nextSibling !== null) return undefined
  const v = evalLiteral(object, text, env)
  const fn = VERSION_PROPERTIES[text.slice(property.from, property.to)]
  if (v?.kind !== 'str' || !v.version || fn === undefined) return undefined
  return { kind: 'str', value: fn(v.value), version: true }
}

/** The single expression inside parentheses (not a generator, not a tuple). */
function onlyChild(node: PyNode): PyNode | undefined {
  let found: PyNode | undefined
  for (let child = node.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === '(' || name === ')' || name === 'Comment') continue
    if (found !== undefined) return undefined
    found = child
  }
  return found
}

/** `f"x{v}y"` where every field is a bound name (or a version property of one: `{v.joined}`). */
function evalFormatString(node: PyNode, text: string, env: Env): string | undefined {
  const raw = text.slice(node.from, node.to)
  const lit = splitLiteral(raw)
  const isRaw = lit.prefix.includes('r')
  let pos = node.from + lit.bodyFrom
  let out = ''
  const literal = (to: number): boolean => {
    const value = decodeBody(
      text.slice(pos, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}'),
      isRaw,
      false,
    )
    if (value === undefined) return false
    out += value
    return true
  }
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== 'FormatReplacement') continue
    if (!literal(child.from)) return undefined
    // { VariableName }
    const open = child.firstChild
    const name = open?.nextSibling
    const close = name?.nextSibling
    if (
      name == null ||
      (name.name !== 'VariableName' && name.name !== 'MemberExpression') ||
      close?.name !== '}' ||
      close.nextSibling !== null
    )
      return undefined
    const value = evalLiteral(name, text, env)
    if (value === undefined) return undefined
    const str = pyStr(value)
    if (str === undefined) return undefined
    out += str
    pos = child.to
  }
  if (!literal(node.from + lit.bodyTo)) return undefined
  return out
}

/** Python's `str()` of a scalar literal (what an f-string field shows). */
function pyStr(value: PyValue): string | undefined {
  switch (value.kind) {
    case 'str':
      return value.value
    case 'num':
      return /^-?[0-9]+$/.test(value.text) ? String(BigInt(value.text)) : undefined
    case 'bool':
      return value.value ? 'True' : 'False'
    case 'none':
      return 'None'
    default:
      return undefined
  }
}

/**
 * A literal as a canonical string for directive fields: strings as they are, `true`/`false`,
 * numbers in their canonical spelling (`0x10` → `16`), a tuple/list as a JSON array of its items'
 * strings.
 */
export function fieldString(value: PyValue): string {
  switch (value.kind) {
    case 'str':
    case 'bytes':
      return value.value
    case 'num':
      return value.text
    case 'bool':
      return value.value ? 'true' : 'false'
    case 'none':
      return 'none'
    case 'seq':
      return JSON.stringify(value.items.map(fieldString))
    case 'dict':
      return JSON.stringify(
        Object.fromEntries(value.entries.map(([k, v]) => [fieldString(k), fieldString(v)])),
      )
  }
}

/** Python truthiness of a literal. */
export function truthy(value: PyValue): boolean {
  switch (value.kind) {
    case 'str':
    case 'bytes':
      return value.value.length > 0
    case 'num': {
      // Canonical text: a decimal int, or a float (plus `j` when imaginary) Number() reads.
      const magnitude = value.text.replace(/^-/, '').replace(/j$/, '')
      return /^[0-9]+$/.test(magnitude) ? /[1-9]/.test(magnitude) : Number(magnitude) !== 0
    }
    case 'bool':
      return value.value
    case 'none':
      return false
    case 'seq':
      return value.items.length > 0
    case 'dict':
      return value.entries.length > 0
  }
}
