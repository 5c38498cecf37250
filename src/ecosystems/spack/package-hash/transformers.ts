/**
 * What Spack strips from a recipe's syntax tree before it hashes it (its `package_hash` module):
 * strings that are statements (docstrings, wherever they stand in a body), directive calls and
 * metadata assignments in the recipe's top-level classes, and `@when` methods that the spec
 * statically cannot select. Each pass walks the tree exactly the way Spack's `ast.NodeTransformer`
 * subclasses do (which nodes they descend into and which they leave alone matters: the text that
 * remains is what gets hashed). The passes copy nothing: they edit the tree they are given.
 */
import { isStringConstant, type PyAst, type PyField } from './python-ast.js'

/**
 * Spack's directive names (its `directives_meta.directive_names`, filled by the `@directive`
 * decorator in `spack/directives.py`, plus `build_system`, which it adds by hand).
 */
export const SPACK_DIRECTIVE_NAMES: ReadonlySet<string> = new Set([
  'build_system',
  'version',
  'conflicts',
  'depends_on',
  'redistribute',
  'extends',
  'provides',
  'can_splice',
  'patch',
  'variant',
  'resource',
  'maintainers',
  'license',
  'requires',
])

/**
 * Class attributes that never shape a build: each fetch strategy's URL attribute (`url`, `git`,
 * `hg`, `svn`, `cvs`, `go`, `s3`, `gs`) and the metadata Spack lists beside them.
 */
export const SPACK_METADATA_ATTRIBUTES: ReadonlySet<string> = new Set([
  'url',
  'git',
  'hg',
  'svn',
  'cvs',
  'go',
  's3',
  'gs',
  'homepage',
  'urls',
  'list_url',
  'extendable',
  'parallel',
  'make_jobs',
  'maintainers',
  'tags',
])

/** A rewrite of one node: the node (possibly edited), or null to drop it from its list. */
type Visit = (node: PyAst) => PyAst | null

function isNode(v: PyField | undefined): v is PyAst {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && '_type' in v
}

/**
 * Python's `NodeTransformer.generic_visit`: every field of `node`, lists filtered by what `visit`
 * returns. (A single child can be dropped only where Python would then delete the attribute; no
 * pass here drops anything but statements, which always sit in lists.)
 */
function genericVisit(node: PyAst, visit: Visit): PyAst {
  for (const key of Object.keys(node)) {
    if (key === '_type') continue
    const value = node[key]
    if (Array.isArray(value)) {
      const kept: (PyAst | string | null)[] = []
      for (const item of value) {
        if (!isNode(item)) {
          kept.push(item)
          continue
        }
        const out = visit(item)
        if (out !== null) kept.push(out)
      }
      node[key] = kept as PyField
    } else if (isNode(value)) {
      const out = visit(value)
      if (out !== null) node[key] = out
    }
  }
  return node
}

/** Python's `ast.iter_child_nodes`: each node a field holds, lists included, in field order. */
function forEachChild(node: PyAst, fn: (child: PyAst) => void): void {
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) fn(item)
    } else if (isNode(value)) fn(value)
  }
}

function body(node: PyAst, field = 'body'): PyAst[] {
  return node[field] as PyAst[]
}

const PASS: () => PyAst = () => ({ _type: 'Pass' })

/** A statement that is only a string: what Spack removes as a docstring. */
function isUnusedString(node: PyAst): boolean {
  return node._type === 'Expr' && isStringConstant(node.value as PyAst)
}

/**
 * Spack's RemoveDocstrings: in every module, class and (non-async) function body, each statement
 * that is only a string goes; a body left empty becomes `pass`.
 */
export function removeDocstrings(root: PyAst): PyAst {
  const visit: Visit = (node) => {
    if (node._type === 'FunctionDef' || node._type === 'ClassDef' || node._type === 'Module') {
      const kept = body(node).filter((s) => !isUnusedString(s))
      node.body = kept.length > 0 ? kept : [PASS()]
    }
    return genericVisit(node, visit)
  }
  return visit(root) as PyAst
}

/**
 * Spack's RemoveDirectives: directive calls that are statements, and assignments whose first
 * target is a metadata name, go — at module level and in the first class level, through `if`,
 * `for`, `while`, `with` and `try` blocks, never inside a (non-async) function or a nested class.
 * A loop or `with` left empty goes; an `if` left empty goes, or gets `pass` when it has an else.
 */
export function removeDirectives(root: PyAst): PyAst {
  let inClass = false
  const visit: Visit = (node) => {
    switch (node._type) {
      case 'Expr': {
        const call = node.value as PyAst
        const func = call._type === 'Call' ? (call.func as PyAst) : undefined
        return func?._type === 'Name' && SPACK_DIRECTIVE_NAMES.has(func.id as string) ? null : node
      }
      case 'Assign': {
        const first = body(node, 'targets')[0]
        return first?._type === 'Name' && SPACK_METADATA_ATTRIBUTES.has(first.id as string)
          ? null
          : node
      }
      case 'With':
      case 'For':
      case 'While':
        genericVisit(node, visit)
        return body(node).length > 0 ? node : null
      case 'If':
        genericVisit(node, visit)
        if (body(node).length === 0) {
          if (body(node, 'orelse').length === 0) return null
          node.body = [PASS()]
        }
        return node
      case 'FunctionDef':
        return node
      case 'ClassDef':
        if (inClass) return node
        inClass = true
        genericVisit(node, visit)
        inClass = false
        if (body(node).length === 0) node.body = [PASS()]
        return node
      default:
        return genericVisit(node, visit)
    }
  }
  return visit(root) as PyAst
}

/** How a `@when(...)` condition evaluates for the spec: true, false, or unknown (null). */
export type WhenEvaluator = (condition: string) => boolean | null

function isWhenDecorator(dec: PyAst): boolean {
  return (
    dec._type === 'Call' &&
    (dec.func as PyAst)._type === 'Name' &&
    (dec.func as PyAst).id === 'when' &&
    (dec.args as PyAst[]).length === 1
  )
}

function evaluateDecorator(dec: PyAst, evaluate: WhenEvaluator): boolean | null {
  if (!isWhenDecorator(dec)) return null
  const arg = (dec.args as PyAst[])[0] as PyAst
  if (arg._type !== 'Constant') return null
  const value = arg.value
  if (typeof value === 'string') return evaluate(value)
  if (typeof value === 'boolean') return value
  return null
}

interface Implementation {
  node: PyAst
  conditions: (boolean | null)[]
}

/**
 * Which definitions of one method name can be the one Spack calls: the undecorated default, then
 * any whose conditions are not known false; one whose conditions are all known true and that
 * follows the default wins alone.
 */
function resolve(impls: readonly Implementation[]): PyAst[] {
  const result: PyAst[] = []
  let fallback: PyAst | undefined
  for (const { node, conditions } of impls) {
    if (conditions.length === 0) {
      fallback = node
      result.push(node)
      continue
    }
    if (conditions.some((c) => c === false)) continue
    if (conditions.every((c) => c === true) && result.length > 0 && result[0] === fallback)
      return [node]
    result.push(node)
  }
  return result
}

/**
 * Spack's TagMultiMethods + ResolveMultiMethods: every function definition not nested in another
 * is grouped by name (across the whole module, as Spack does); a definition that the spec cannot
 * select goes, the ones kept lose their `@when` decorators.
 */
export function resolveMultiMethods(root: PyAst, evaluate: WhenEvaluator): PyAst {
  const methods = new Map<string, Implementation[]>()
  const tag = (node: PyAst): void => {
    if (node._type === 'FunctionDef') {
      const decorators = body(node, 'decorator_list')
      const conditions = decorators.map((d) => evaluateDecorator(d, evaluate))
      const name = node.name as string
      if (conditions.length === 0) methods.set(name, [])
      const list = methods.get(name) ?? []
      list.push({ node, conditions })
      methods.set(name, list)
      return
    }
    forEachChild(node, tag)
  }
  tag(root)
  const visit: Visit = (node) => {
    if (node._type !== 'FunctionDef') return genericVisit(node, visit)
    const resolutions = resolve(methods.get(node.name as string) ?? [])
    if (!resolutions.includes(node)) return null
    node.decorator_list = body(node, 'decorator_list').filter((d) => !isWhenDecorator(d))
    return node
  }
  return visit(root) as PyAst
}

/** Whether the module has a function decorated `@when(<one argument>)`: only then does the spec matter. */
export function hasMultiMethods(root: PyAst): boolean {
  let found = false
  const walk = (node: PyAst): void => {
    if (found) return
    if (node._type === 'FunctionDef' && body(node, 'decorator_list').some(isWhenDecorator)) {
      found = true
      return
    }
    forEachChild(node, walk)
  }
  walk(root)
  return found
}
