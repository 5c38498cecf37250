/**
 * Conditions on the build host's platform that a recipe tests at class level
 * (`if sys.platform != "win32":`), evaluated statically for the platform binary-check plans for:
 * Linux. Spack evaluates them when it loads the recipe on the build host, so on a Linux builder the
 * taken branch's directives are plain directives. Only what is certain is evaluated —
 * `sys.platform`, `host_platform().name`, `platform.system()` compared with string literals, with
 * `and`/`or`/`not` — anything else (`platform.machine()`, `macos_version()`) is unknown.
 */
import { evalLiteral, EMPTY_ENV } from './literals.js'
import type { PyNode } from './syntax.js'

/** What the planned builds run on (Spack's platform `linux`). */
const HOST: Readonly<Record<string, string>> = {
  'sys.platform': 'linux',
  'host_platform().name': 'linux',
  'platform.system()': 'Linux',
}

/**
 * Module-level names bound to a host-platform condition (`IS_WINDOWS = sys.platform == "win32"`,
 * as curl, qt and paraview write it), with their value on the planned builders. A name counts only
 * when that is its one binding anywhere in the module: assigned once, never rebound (augmented,
 * in a loop, `as`, `global`, an import), so reading it anywhere gives that value.
 */
export type HostConstants = ReadonlyMap<string, boolean>
export const NO_HOST_CONSTANTS: HostConstants = new Map()

export function hostConstants(
  moduleBody: readonly { node: PyNode; kind: string }[],
  text: string,
): HostConstants {
  const out = new Map<string, boolean>()
  for (const stmt of moduleBody) {
    if (stmt.kind !== 'AssignStatement') continue
    const [target, op, value, extra] = children(stmt.node)
    if (target?.name !== 'VariableName' || op?.name !== 'AssignOp' || !value || extra) continue
    const name = text.slice(target.from, target.to)
    const holds = evalHostCondition(value, text)
    if (holds !== undefined && boundOnce(name, text)) out.set(name, holds)
  }
  return out
}

function boundOnce(name: string, text: string): boolean {
  const binds = new RegExp(`(?<![\\w.])${name}\\s*(?::=|[-+*/%&|^@<>]*=(?!=))`, 'g')
  const rebinds = new RegExp(
    `\\b(?:global|nonlocal|for|as|import)\\b[^\\n]*(?<![\\w.])${name}\\b|\\bdel\\s+${name}\\b`,
  )
  return (text.match(binds)?.length ?? 0) === 1 && !rebinds.test(text)
}

/** True / false when `node` is a condition on the host platform alone; undefined otherwise. */
export function evalHostCondition(
  node: PyNode,
  text: string,
  constants: HostConstants = NO_HOST_CONSTANTS,
): boolean | undefined {
  switch (node.name) {
    case 'VariableName':
      return constants.get(text.slice(node.from, node.to))
    case 'ParenthesizedExpression': {
      const inner = only(node)
      return inner === undefined ? undefined : evalHostCondition(inner, text, constants)
    }
    case 'UnaryExpression': {
      const [op, operand] = children(node)
      if (op?.name !== 'not' || operand === undefined) return undefined
      // `not a or b` reads as `not (a or b)` in this grammar: an unparenthesized and/or under
      // `not` is ambiguous, so it is not evaluated.
      if (operand.name === 'BinaryExpression' && isBoolOp(operand)) return undefined
      const value = evalHostCondition(operand, text, constants)
      return value === undefined ? undefined : !value
    }
    case 'BinaryExpression':
      return evalBinary(node, text, constants)
    case 'CallExpression': {
      // <host string>.startswith("linux")
      const [callee, args] = children(node)
      if (callee?.name !== 'MemberExpression' || args?.name !== 'ArgList') return undefined
      const [object, dot, method] = children(callee)
      if (dot?.name !== '.' || method === undefined || object === undefined) return undefined
      if (text.slice(method.from, method.to) !== 'startswith') return undefined
      const subject = hostValue(object, text)
      const arg = only(args)
      const prefix = arg === undefined ? undefined : evalLiteral(arg, text, EMPTY_ENV)
      if (subject === undefined || prefix?.kind !== 'str') return undefined
      return subject.startsWith(prefix.value)
    }
    default:
      return undefined
  }
}

function isBoolOp(node: PyNode): boolean {
  return children(node).some((c) => c.name === 'and' || c.name === 'or')
}

function evalBinary(node: PyNode, text: string, constants: HostConstants): boolean | undefined {
  const parts = children(node)
  const [left, op, ...rest] = parts
  if (left === undefined || op === undefined) return undefined
  if (op.name === 'and' || op.name === 'or') {
    const right = rest[0]
    if (rest.length !== 1 || right === undefined) return undefined
    const a = evalHostCondition(left, text, constants)
    const b = evalHostCondition(right, text, constants)
    // Short-circuits hold whatever the unknown side is.
    if (op.name === 'and') return a === false || b === false ? false : a && b
    return a === true || b === true ? true : a === undefined || b === undefined ? undefined : false
  }
  const subject = hostValue(left, text)
  if (subject === undefined) return undefined
  if (op.name === 'CompareOp' && rest.length === 1) {
    const sign = text.slice(op.from, op.to)
    const value = evalLiteral(rest[0]!, text, EMPTY_ENV)
    if (value?.kind !== 'str' || (sign !== '==' && sign !== '!=')) return undefined
    return (subject === value.value) === (sign === '==')
  }
  // `in` / `not in` a literal list, tuple or set of strings: [left, in, seq] or [left, not, in, seq].
  const negated = op.name === 'not'
  const tail = negated ? rest : [op, ...rest]
  if (tail[0]?.name !== 'in' || tail.length !== 2) return undefined
  const options = evalLiteral(tail[1]!, text, EMPTY_ENV)
  if (options?.kind !== 'seq' || options.items.some((i) => i.kind !== 'str')) return undefined
  const found = options.items.some((i) => i.kind === 'str' && i.value === subject)
  return negated ? !found : found
}

/** The host value an expression names (`sys.platform` …), if it names one. */
function hostValue(node: PyNode, text: string): string | undefined {
  const spelled = text.slice(node.from, node.to).replace(/\s+/g, '')
  return Object.hasOwn(HOST, spelled) ? HOST[spelled] : undefined
}

function children(node: PyNode): PyNode[] {
  const out: PyNode[] = []
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c)
  return out
}

/** The one expression inside brackets or an argument list. */
function only(node: PyNode): PyNode | undefined {
  const inner = children(node).filter((c) => !['(', ')', ','].includes(c.name))
  return inner.length === 1 ? inner[0] : undefined
}
