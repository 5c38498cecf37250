/**
 * Python's abstract syntax tree, in CPython's own `ast` node and field names, as plain objects: the
 * form Spack hashes a recipe in (it unparses `ast.parse(recipe)` after its transformers), so
 * reproducing Spack's `package_hash` starts from the same tree.
 *
 * A node is `{ _type: 'Name', id: 'x', ctx: 'Load' }`: `_type` is the `ast` class name, the other
 * keys are exactly that class's `_fields` (as in CPython 3.11; `type_comment` left out). Child
 * nodes are nodes, lists are arrays, absent optional children are `null`. Context, operator and
 * comparison nodes are their class names as strings (`'Store'`, `'Add'`, `'NotIn'`, `'And'`).
 * Plain ints outside constants (`level`, `is_async`, `conversion`) are numbers.
 *
 * test/support/python-ast-json.py prints CPython's tree in this same shape: it is the oracle the
 * conversion from our syntax tree is compared with.
 */

/** A `Constant`'s value: Python's types kept apart (an int is not a float, bytes are not str). */
export type ConstantValue =
  | null // None
  | boolean
  | string
  | { int: string } // decimal digits, arbitrary size, with a leading '-' never (literals are >= 0)
  | { float: number | 'inf' }
  | { complex: number | 'inf' } // the imaginary part of an imaginary literal (`2j`)
  | { bytes: string } // one char per byte (latin-1)
  | { ellipsis: true }

export interface PyAst {
  _type: string
  [field: string]: PyField
}

export type PyField =
  PyAst | PyAst[] | (PyAst | null)[] | string[] | string | number | null | ConstantValue

/** The node a field holds (throws when it is not one: a bug in the tree, not in the input). */
export function child(node: PyAst, field: string): PyAst {
  const v = node[field]
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !('_type' in v))
    throw new Error(`${node._type}.${field} is not a node`)
  return v as PyAst
}

/** The node a field holds, or null. */
export function optionalChild(node: PyAst, field: string): PyAst | null {
  return node[field] === null || node[field] === undefined ? null : child(node, field)
}

/** The list of nodes a field holds. */
export function children(node: PyAst, field: string): PyAst[] {
  const v = node[field]
  if (!Array.isArray(v)) throw new Error(`${node._type}.${field} is not a list`)
  return v as PyAst[]
}

/** The list a field holds where entries may be absent (`Dict.keys` for `**x`, `kw_defaults`). */
export function optionalChildren(node: PyAst, field: string): (PyAst | null)[] {
  const v = node[field]
  if (!Array.isArray(v)) throw new Error(`${node._type}.${field} is not a list`)
  return v as (PyAst | null)[]
}

/** A string field (`Name.id`, `FunctionDef.name`, `ctx`, `op`). */
export function text(node: PyAst, field: string): string {
  const v = node[field]
  if (typeof v !== 'string') throw new Error(`${node._type}.${field} is not a string`)
  return v
}

/** An optional string field (`alias.asname`, `keyword.arg`, `ImportFrom.module`). */
export function optionalText(node: PyAst, field: string): string | null {
  const v = node[field]
  return v === null || v === undefined ? null : text(node, field)
}

export function isStringConstant(node: PyAst | null): boolean {
  return node !== null && node._type === 'Constant' && typeof node.value === 'string'
}
