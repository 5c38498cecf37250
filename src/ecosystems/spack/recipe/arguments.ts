/**
 * Directive call arguments: each directive's signature, binding a call's ArgList to parameter
 * names (with Python's errors for unknown, duplicate or surplus arguments), and evaluating the
 * bound arguments as literals.
 */
import { evalLiteral, type Env, type PyValue } from './literals.js'
import type { PyNode } from './syntax.js'

export interface Signature {
  /** Parameters bound by position, in order. */
  positional: readonly string[]
  /** Name of a `*args` parameter collecting further positional arguments. */
  varargs?: string
  /** Keyword-only parameters, or `any` when the directive takes `**kwargs`. */
  keywords: readonly string[] | 'any'
  /** Parameters that must be given. */
  required: readonly string[]
}

/**
 * Spack's directive signatures (lib/spack/spack/directives.py, Spack 1.x), parameter names as
 * Spack spells them, so a call written with keywords binds as it does in Spack.
 */
const SIGNATURE_TABLE: Record<string, Signature> = {
  // version(ver, checksum=None, *, preferred=…, deprecated=…, url=…, sha256=…, git=…, …)
  version: { positional: ['ver', 'checksum'], keywords: 'any', required: ['ver'] },
  variant: {
    positional: [
      'name',
      'default',
      'description',
      'values',
      'multi',
      'validator',
      'when',
      'sticky',
    ],
    keywords: [],
    required: ['name'],
  },
  depends_on: { positional: ['spec', 'when', 'type', 'patches'], keywords: [], required: ['spec'] },
  extends: { positional: ['spec', 'when', 'type', 'patches'], keywords: [], required: ['spec'] },
  patch: {
    positional: [
      'url_or_filename',
      'level',
      'when',
      'working_dir',
      'reverse',
      'sha256',
      'archive_sha256',
    ],
    keywords: [],
    required: ['url_or_filename'],
  },
  resource: { positional: [], keywords: 'any', required: [] },
  provides: { positional: [], varargs: 'specs', keywords: ['when'], required: ['specs'] },
  conflicts: {
    positional: ['conflict_spec', 'when', 'msg'],
    keywords: [],
    required: ['conflict_spec'],
  },
  requires: {
    positional: [],
    varargs: 'requirement_specs',
    keywords: ['policy', 'when', 'msg'],
    required: ['requirement_specs'],
  },
  build_system: { positional: [], varargs: 'values', keywords: ['default'], required: ['values'] },
}

/** Directive name → signature (a Map: names such as `toString` must not hit Object's prototype). */
export const SIGNATURES: ReadonlyMap<string, Signature> = new Map(Object.entries(SIGNATURE_TABLE))

export interface BoundCall {
  /** Bound arguments by parameter name, in call order (keywords after positionals). */
  args: Map<string, PyNode>
  /** Extra positional arguments for `varargs`. */
  rest: PyNode[]
  /** `*x` / `**x` unpacking was used: nothing can be resolved statically. */
  unpacking: boolean
}

/** The raw items of an ArgList: positional nodes and keyword (name, node) pairs. */
export interface ArgItems {
  positional: PyNode[]
  keywords: Array<{ name: string; node: PyNode }>
  unpacking: boolean
  /** An item that is neither (a bare generator expression …). */
  other: boolean
}

export function readArgList(args: PyNode, text: string): ArgItems {
  const items: ArgItems = { positional: [], keywords: [], unpacking: false, other: false }
  let current: PyNode[] = []
  const flush = (): void => {
    if (current.length === 0) return
    const [a, b, c] = current
    if (current.length === 1 && a !== undefined) items.positional.push(a)
    else if (
      current.length === 3 &&
      a?.name === 'VariableName' &&
      b?.name === 'AssignOp' &&
      c !== undefined &&
      text.slice(b.from, b.to) === '='
    ) {
      items.keywords.push({ name: text.slice(a.from, a.to), node: c })
    } else if (current.length === 2 && (a?.name === '*' || a?.name === '**')) items.unpacking = true
    else items.other = true
    current = []
  }
  for (let child = args.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === '(' || name === 'Comment') continue
    if (name === ',' || name === ')') flush()
    else current.push(child)
  }
  flush()
  return items
}

/**
 * Bind a call to a signature. A call that Python would reject (unknown, duplicate, surplus or
 * missing arguments) gives the reason instead: the analyser keeps such a directive as code.
 */
export function bindCall(
  directive: string,
  signature: Signature,
  items: ArgItems,
): BoundCall | { unbound: string } {
  const args = new Map<string, PyNode>()
  const rest: PyNode[] = []
  for (const [i, node] of items.positional.entries()) {
    const name = signature.positional[i]
    if (name !== undefined) args.set(name, node)
    else if (signature.varargs !== undefined) rest.push(node)
    else return { unbound: `${directive}(): too many positional arguments` }
  }
  for (const { name, node } of items.keywords) {
    if (!accepts(signature, name)) return { unbound: `${directive}(): unknown argument '${name}'` }
    if (args.has(name))
      return { unbound: `${directive}(): got multiple values for argument '${name}'` }
    args.set(name, node)
  }
  if (!items.unpacking) {
    for (const name of signature.required) {
      if (name === signature.varargs ? rest.length === 0 : !args.has(name))
        return { unbound: `${directive}(): missing argument '${name}'` }
    }
  }
  return { args, rest, unpacking: items.unpacking }
}

export function accepts(signature: Signature, name: string): boolean {
  return (
    signature.keywords === 'any' ||
    signature.positional.includes(name) ||
    signature.keywords.includes(name)
  )
}

/** Evaluated arguments, or the name of the first argument that is not a literal. */
export function evalBound(
  bound: BoundCall,
  varargs: string,
  text: string,
  env: Env,
): { values: Map<string, PyValue>; rest: PyValue[] } | { notLiteral: string } {
  const values = new Map<string, PyValue>()
  for (const [name, node] of bound.args) {
    const value = evalLiteral(node, text, env)
    if (value === undefined) return { notLiteral: name }
    values.set(name, value)
  }
  const rest: PyValue[] = []
  for (const node of bound.rest) {
    const value = evalLiteral(node, text, env)
    if (value !== undefined) rest.push(value)
    else {
      const values = conditionalValues(node, text, env)
      if (values === undefined) return { notLiteral: varargs }
      rest.push(...values)
    }
  }
  return { values, rest }
}

/**
 * The values of Spack's `conditional("nmake", when="platform=windows")` among a directive's
 * values (`build_system(conditional(...), "autotools", default="autotools")`): values that exist
 * under a condition, listed as values (the default is what selects one).
 */
function conditionalValues(node: PyNode, text: string, env: Env): PyValue[] | undefined {
  const callee = node.name === 'CallExpression' ? node.firstChild : null
  const args = callee?.nextSibling
  if (callee?.name !== 'VariableName' || text.slice(callee.from, callee.to) !== 'conditional')
    return undefined
  if (args?.name !== 'ArgList' || args.nextSibling !== null) return undefined
  const items = readArgList(args, text)
  if (items.unpacking || items.other || items.positional.length === 0) return undefined
  if (
    items.keywords.some((k) => k.name !== 'when' || evalLiteral(k.node, text, env)?.kind !== 'str')
  )
    return undefined
  const out: PyValue[] = []
  for (const p of items.positional) {
    const v = evalLiteral(p, text, env)
    if (v?.kind !== 'str') return undefined
    out.push(v)
  }
  return out
}
