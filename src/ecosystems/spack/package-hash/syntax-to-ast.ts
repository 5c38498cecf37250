/**
 * From the lezer syntax tree of a Python module (recipe/syntax.ts) to CPython's `ast` tree
 * (python-ast.ts): the tree `ast.parse` gives under CPython 3.11, node for node, so that what Spack
 * hashes can be rebuilt without Python.
 *
 * The lezer tree is a concrete one: keywords, commas and brackets are nodes, comma lists and
 * comprehension clauses are flat runs of children, comments are `Comment` nodes anywhere. Each
 * construct is read from its children in one pass (no scans of the module text, except the few
 * characters between two children where the grammar leaves an unnamed `/` in a parameter list,
 * and the body of each string literal, which is decoded).
 *
 * Two places where the grammar's tree does not have Python's shape are rebuilt here:
 * - operator expressions: the grammar gives `not` and `await` no precedence (`not a and b` reads
 *   as `not (a and b)`), so every unparenthesized run of operators (boolean, comparison,
 *   arithmetic, `not`, `await`, unary signs) is flattened back into its tokens and parsed again
 *   with Python's precedence; that also gives CPython's flat `BoolOp` and chained `Compare`;
 * - `case 1 | 2 as x` reads as `1 | (2 as x)`; Python binds `as` last.
 *
 * Strings follow CPython 3.11's string parser: implicit concatenation becomes one `Constant`, or
 * one `JoinedStr` when a part is an f-string (adjacent literal text merged, empty text dropped);
 * `kind` is `'u'` when the first literal of the concatenation starts with a lowercase `u`.
 *
 * Anything the conversion does not know (a node name it has not met, `\N{…}` escapes, Python 3.12
 * syntax such as `type` statements) throws an Error naming the node and its line: a wrong tree
 * would silently give a wrong hash.
 */
import { UserError } from '../../../core/errors.js'
import type { ConstantValue, PyAst, PyField } from './python-ast.js'
import { decodeBody, splitLiteral } from '../recipe/strings.js'
import { lineAt, type PyNode, type PySource } from '../recipe/syntax.js'

type Ctx = 'Load' | 'Store' | 'Del'

/** Node names that are expressions (the items of comma lists). */
const EXPRESSIONS = new Set([
  'VariableName',
  'Number',
  'String',
  'FormatString',
  'ContinuedString',
  'Ellipsis',
  'None',
  'Boolean',
  'ParenthesizedExpression',
  'TupleExpression',
  'ComprehensionExpression',
  'ArrayExpression',
  'ArrayComprehensionExpression',
  'DictionaryExpression',
  'DictionaryComprehensionExpression',
  'SetExpression',
  'SetComprehensionExpression',
  'CallExpression',
  'MemberExpression',
  'BinaryExpression',
  'UnaryExpression',
  'AwaitExpression',
  'ConditionalExpression',
  'LambdaExpression',
  'NamedExpression',
])

const BIN_OPS: Record<string, string> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mult',
  '@': 'MatMult',
  '/': 'Div',
  '%': 'Mod',
  '**': 'Pow',
  '<<': 'LShift',
  '>>': 'RShift',
  '|': 'BitOr',
  '^': 'BitXor',
  '&': 'BitAnd',
  '//': 'FloorDiv',
}

const CMP_OPS: Record<string, string> = {
  '==': 'Eq',
  '!=': 'NotEq',
  '<': 'Lt',
  '<=': 'LtE',
  '>': 'Gt',
  '>=': 'GtE',
  is: 'Is',
  'is not': 'IsNot',
  in: 'In',
  'not in': 'NotIn',
}

/** Binding power of the binary operators below comparisons (higher binds tighter). */
const ARITH_LEVEL: Record<string, number> = {
  '|': 1,
  '^': 2,
  '&': 3,
  '<<': 4,
  '>>': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '@': 6,
  '/': 6,
  '%': 6,
  '//': 6,
}

const UNARY_OPS: Record<string, string> = { '+': 'UAdd', '-': 'USub', '~': 'Invert' }

const CONVERSIONS: Record<string, number> = { s: 115, r: 114, a: 97 }

/** One token of a flattened operator expression. */
type OpItem =
  | { kind: 'atom'; node: PyNode }
  | { kind: 'prefix'; op: string } // not, await, + - ~
  | { kind: 'binary'; op: string } // or, and, comparisons, arithmetic

/** The children of a node, comments left out. */
function kids(node: PyNode): PyNode[] {
  const out: PyNode[] = []
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c)
  return out
}

function mk(type: string, fields: Record<string, PyField>): PyAst {
  return { _type: type, ...fields }
}

/**
 * A list of strings (`Global.names`, `Compare.ops`, `MatchClass.kwd_attrs`): JSON-wise what CPython
 * gives, though PyField does not spell the type out.
 */
function stringList(list: string[]): PyField {
  return list as unknown as PyField
}

function constant(value: ConstantValue, kind: string | null = null): PyAst {
  return { _type: 'Constant', value, kind }
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13)
}

/** The value of a `Number` token. */
export function numberValue(raw: string): ConstantValue {
  let s = raw.includes('_') ? raw.split('_').join('') : raw
  s = s.toLowerCase()
  const c1 = s.charCodeAt(1)
  // 0x…, 0o…, 0b…
  if (s.charCodeAt(0) === 48 && (c1 === 120 || c1 === 111 || c1 === 98))
    return { int: BigInt(s).toString() }
  if (s.endsWith('j')) return { complex: floatValue(s.slice(0, -1)) }
  let digits = true
  for (let i = 0; i < s.length && digits; i++) {
    const c = s.charCodeAt(i)
    digits = c >= 48 && c <= 57
  }
  if (digits) return { int: BigInt(s).toString() }
  return { float: floatValue(s) }
}

function floatValue(s: string): number | 'inf' {
  const value = Number(s)
  if (Number.isNaN(value)) throw new Error(`not a Python float literal: ${s}`)
  return Number.isFinite(value) ? value : 'inf'
}

/** Accumulates the parts of a (possibly implicitly concatenated) string, as CPython 3.11 does. */
class StringBuilder {
  last: string | null = null
  values: PyAst[] = []
  fmode = false
  constructor(readonly kind: string | null) {}

  add(s: string): void {
    if (s.length === 0) return
    this.last = this.last === null ? s : this.last + s
  }

  flush(kind: string | null): void {
    if (this.last !== null) this.values.push(constant(this.last, kind))
    this.last = null
  }

  push(value: PyAst): void {
    this.flush(this.kind)
    this.values.push(value)
  }
}

class Converter {
  constructor(private readonly source: PySource) {}

  private get text(): string {
    return this.source.text
  }

  private str(node: PyNode): string {
    return this.text.slice(node.from, node.to)
  }

  /**
   * A tree the lezer grammar accepts but CPython's `ast` cannot hold (`a, b: int = 1`, Python
   * 3.12 syntax, …): a recipe Spack could not import either, so a `UserError` on its line (the
   * package hash is unavailable), not a crash of the whole run.
   */
  private fail(node: PyNode | null | undefined, what: string): never {
    if (!node) throw new UserError('recipe', this.source.file, `toPythonAst: ${what}`)
    const shown = JSON.stringify(this.str(node).slice(0, 40))
    const where = `${this.source.file}:${lineAt(this.source, node.from)}`
    throw new UserError('recipe', where, `toPythonAst: ${what} (${node.name} ${shown})`)
  }

  private expect(ks: PyNode[], i: number, name?: string): PyNode {
    const node = ks[i]
    if (node === undefined) this.fail(ks[i - 1], `missing ${name ?? 'node'} after`)
    if (name !== undefined && node.name !== name) this.fail(node, `expected ${name}, found`)
    return node
  }

  // ---------------------------------------------------------------- statements

  module(top: PyNode): PyAst {
    const body: PyAst[] = []
    for (const node of kids(top)) this.statement(node, body)
    return mk('Module', { body })
  }

  private body(node: PyNode): PyAst[] {
    if (node.name !== 'Body') this.fail(node, 'expected a Body')
    const out: PyAst[] = []
    for (const child of kids(node)) if (child.name !== ':') this.statement(child, out)
    return out
  }

  private statement(node: PyNode, out: PyAst[]): void {
    switch (node.name) {
      case 'StatementGroup':
        for (const child of kids(node)) if (child.name !== ';') this.statement(child, out)
        return
      case 'AssignStatement':
        out.push(this.assign(node))
        return
      case 'UpdateStatement': {
        const ks = kids(node)
        const target = this.group(ks, 0, 'Store')
        const op = this.expect(ks, target.next, 'UpdateOp')
        const opText = this.str(op).slice(0, -1)
        const value = this.valueGroup(ks, target.next + 1)
        out.push(
          mk('AugAssign', {
            target: target.node,
            op: BIN_OPS[opText] ?? this.fail(op, 'unknown operator'),
            value: value.node,
          }),
        )
        return
      }
      case 'ExpressionStatement': {
        const ks = kids(node)
        const value = this.group(ks, 0, 'Load')
        this.end(ks, value.next)
        out.push(mk('Expr', { value: value.node }))
        return
      }
      case 'DeleteStatement': {
        const ks = kids(node)
        const items = this.seq(ks, 1, 'Del')
        this.end(ks, items.next)
        out.push(mk('Delete', { targets: items.elts }))
        return
      }
      case 'PassStatement':
        out.push(mk('Pass', {}))
        return
      case 'BreakStatement':
        out.push(mk('Break', {}))
        return
      case 'ContinueStatement':
        out.push(mk('Continue', {}))
        return
      case 'ReturnStatement': {
        const ks = kids(node)
        if (ks.length === 1) {
          out.push(mk('Return', { value: null }))
          return
        }
        const value = this.group(ks, 1, 'Load')
        this.end(ks, value.next)
        out.push(mk('Return', { value: value.node }))
        return
      }
      case 'YieldStatement':
        out.push(mk('Expr', { value: this.yieldExpr(node) }))
        return
      case 'RaiseStatement': {
        const ks = kids(node)
        let exc: PyAst | null = null
        let cause: PyAst | null = null
        if (ks.length > 1) exc = this.expr(ks[1] as PyNode)
        if (ks.length > 2) {
          this.expect(ks, 2, 'from')
          cause = this.expr(this.expect(ks, 3))
          this.end(ks, 4)
        }
        out.push(mk('Raise', { exc, cause }))
        return
      }
      case 'ImportStatement':
        out.push(this.importStatement(node))
        return
      case 'ScopeStatement': {
        const ks = kids(node)
        const names: string[] = []
        for (let i = 1; i < ks.length; i++) {
          const k = ks[i] as PyNode
          if (k.name === 'VariableName') names.push(this.str(k))
          else if (k.name !== ',') this.fail(k, 'unexpected')
        }
        const keyword = (ks[0] as PyNode).name
        out.push(mk(keyword === 'global' ? 'Global' : 'Nonlocal', { names: stringList(names) }))
        return
      }
      case 'AssertStatement': {
        const ks = kids(node)
        const test = this.expr(this.expect(ks, 1))
        let msg: PyAst | null = null
        if (ks.length > 2) {
          this.expect(ks, 2, ',')
          msg = this.expr(this.expect(ks, 3))
          this.end(ks, 4)
        }
        out.push(mk('Assert', { test, msg }))
        return
      }
      case 'IfStatement':
        out.push(this.ifStatement(node))
        return
      case 'WhileStatement': {
        const ks = kids(node)
        const test = this.expr(this.expect(ks, 1))
        const body = this.body(this.expect(ks, 2, 'Body'))
        let orelse: PyAst[] = []
        if (ks.length > 3) {
          this.expect(ks, 3, 'else')
          orelse = this.body(this.expect(ks, 4, 'Body'))
          this.end(ks, 5)
        }
        out.push(mk('While', { test, body, orelse }))
        return
      }
      case 'ForStatement':
        out.push(this.forStatement(node))
        return
      case 'TryStatement':
        out.push(this.tryStatement(node))
        return
      case 'WithStatement':
        out.push(this.withStatement(node))
        return
      case 'FunctionDefinition':
        out.push(this.functionDef(node, []))
        return
      case 'ClassDefinition':
        out.push(this.classDef(node, []))
        return
      case 'DecoratedStatement': {
        const ks = kids(node)
        const decorators: PyAst[] = []
        let i = 0
        for (; i < ks.length && (ks[i] as PyNode).name === 'Decorator'; i++)
          decorators.push(this.decorator(ks[i] as PyNode))
        const def = this.expect(ks, i)
        this.end(ks, i + 1)
        if (def.name === 'FunctionDefinition') out.push(this.functionDef(def, decorators))
        else if (def.name === 'ClassDefinition') out.push(this.classDef(def, decorators))
        else this.fail(def, 'unexpected decorated statement')
        return
      }
      case 'MatchStatement':
        out.push(this.matchStatement(node))
        return
      default:
        this.fail(node, 'unknown statement node')
    }
  }

  /** Fails unless `i` is past the last child. */
  private end(ks: PyNode[], i: number): void {
    if (i < ks.length) this.fail(ks[i], 'unexpected')
  }

  private assign(node: PyNode): PyAst {
    const ks = kids(node)
    const first = this.group(ks, 0, 'Store')
    let i = first.next
    const next = this.expect(ks, i)
    if (next.name === 'TypeDef') {
      const target = first.node
      if (first.comma) this.fail(next, 'annotated tuple target')
      const annotation = this.typeDef(next)
      let value: PyAst | null = null
      if (i + 1 < ks.length) {
        this.expect(ks, i + 1, 'AssignOp')
        const v = this.valueGroup(ks, i + 2)
        this.end(ks, v.next)
        value = v.node
      }
      const head = ks[0] as PyNode
      return mk('AnnAssign', {
        target,
        annotation,
        value,
        simple: head.name === 'VariableName' ? 1 : 0,
      })
    }
    const targets: PyAst[] = [first.node]
    let value: PyAst | null = null
    while (i < ks.length) {
      this.expect(ks, i, 'AssignOp')
      const v = this.valueGroup(ks, i + 1)
      i = v.next
      if (i < ks.length) {
        // another `=` follows: this group is a target too
        targets.push(this.group(ks, v.start, 'Store').node)
      } else value = v.node
    }
    if (value === null) this.fail(node, 'assignment without a value')
    return mk('Assign', { targets, value })
  }

  /** The right side of `=` / `+=`: a yield expression or a comma list. */
  private valueGroup(ks: PyNode[], i: number): { node: PyAst; next: number; start: number } {
    const k = this.expect(ks, i)
    if (k.name === 'YieldExpression') return { node: this.yieldExpr(k), next: i + 1, start: i }
    const g = this.group(ks, i, 'Load')
    return { node: g.node, next: g.next, start: i }
  }

  private typeDef(node: PyNode): PyAst {
    const ks = kids(node)
    let i = 0
    if (ks[0]?.name === ':') i++
    if (ks[i]?.name === '*') {
      const value = this.expr(this.expect(ks, i + 1))
      this.end(ks, i + 2)
      return mk('Starred', { value, ctx: 'Load' })
    }
    const value = this.expr(this.expect(ks, i))
    this.end(ks, i + 1)
    return value
  }

  private importStatement(node: PyNode): PyAst {
    const ks = kids(node)
    const head = ks[0] as PyNode
    if (head.name === 'import') {
      const r = this.aliases(ks, 1)
      this.end(ks, r.next)
      return mk('Import', { names: r.names })
    }
    let i = 1
    let level = 0
    for (; i < ks.length; i++) {
      const k = ks[i] as PyNode
      if (k.name === '.') level += 1
      else if (k.name === 'Ellipsis') level += 3
      else break
    }
    let module: string | null = null
    if (ks[i]?.name === 'VariableName') {
      const d = this.dotted(ks, i)
      module = d.name
      i = d.next
    }
    this.expect(ks, i, 'import')
    i++
    let names: PyAst[]
    if (ks[i]?.name === '*') {
      names = [mk('alias', { name: '*', asname: null })]
      i++
    } else {
      const paren = ks[i]?.name === '('
      if (paren) i++
      const r = this.aliases(ks, i)
      names = r.names
      i = r.next
      if (paren) {
        this.expect(ks, i, ')')
        i++
      }
    }
    this.end(ks, i)
    return mk('ImportFrom', { module, names, level })
  }

  private dotted(ks: PyNode[], i: number): { name: string; next: number } {
    let name = this.str(this.expect(ks, i, 'VariableName'))
    i++
    while (ks[i]?.name === '.' && ks[i + 1]?.name === 'VariableName') {
      name += '.' + this.str(ks[i + 1] as PyNode)
      i += 2
    }
    return { name, next: i }
  }

  private aliases(ks: PyNode[], i: number): { names: PyAst[]; next: number } {
    const names: PyAst[] = []
    while (ks[i]?.name === 'VariableName') {
      const d = this.dotted(ks, i)
      i = d.next
      let asname: string | null = null
      if (ks[i]?.name === 'as') {
        asname = this.str(this.expect(ks, i + 1, 'VariableName'))
        i += 2
      }
      names.push(mk('alias', { name: d.name, asname }))
      if (ks[i]?.name !== ',') break
      i++
    }
    return { names, next: i }
  }

  private ifStatement(node: PyNode): PyAst {
    const ks = kids(node)
    const clauses: Array<{ test: PyAst; body: PyAst[] }> = []
    let orelse: PyAst[] = []
    let i = 0
    while (i < ks.length) {
      const k = ks[i] as PyNode
      if (k.name === 'if' || k.name === 'elif') {
        const test = this.expr(this.expect(ks, i + 1))
        const body = this.body(this.expect(ks, i + 2, 'Body'))
        clauses.push({ test, body })
        i += 3
      } else if (k.name === 'else') {
        orelse = this.body(this.expect(ks, i + 1, 'Body'))
        this.end(ks, i + 2)
        break
      } else this.fail(k, 'unexpected')
    }
    let result: PyAst | null = null
    for (let c = clauses.length - 1; c >= 0; c--) {
      const clause = clauses[c] as { test: PyAst; body: PyAst[] }
      result = mk('If', {
        test: clause.test,
        body: clause.body,
        orelse: result === null ? orelse : [result],
      })
    }
    if (result === null) this.fail(node, 'if without a test')
    return result
  }

  private forStatement(node: PyNode): PyAst {
    const ks = kids(node)
    let i = 0
    const async = ks[0]?.name === 'async'
    if (async) i++
    this.expect(ks, i, 'for')
    const target = this.group(ks, i + 1, 'Store')
    i = target.next
    this.expect(ks, i, 'in')
    const iter = this.group(ks, i + 1, 'Load')
    i = iter.next
    const body = this.body(this.expect(ks, i, 'Body'))
    i++
    let orelse: PyAst[] = []
    if (i < ks.length) {
      this.expect(ks, i, 'else')
      orelse = this.body(this.expect(ks, i + 1, 'Body'))
      this.end(ks, i + 2)
    }
    return mk(async ? 'AsyncFor' : 'For', { target: target.node, iter: iter.node, body, orelse })
  }

  private tryStatement(node: PyNode): PyAst {
    const ks = kids(node)
    const body = this.body(this.expect(ks, 1, 'Body'))
    const handlers: PyAst[] = []
    let orelse: PyAst[] = []
    let finalbody: PyAst[] = []
    let star = false
    let i = 2
    while (i < ks.length) {
      const k = ks[i] as PyNode
      if (k.name === 'except') {
        i++
        if (ks[i]?.name === '*') {
          star = true
          i++
        }
        let type: PyAst | null = null
        let name: string | null = null
        if (ks[i]?.name !== 'Body') {
          const g = this.group(ks, i, 'Load')
          type = g.node
          i = g.next
          if (ks[i]?.name === 'as') {
            name = this.str(this.expect(ks, i + 1, 'VariableName'))
            i += 2
          }
        }
        const handlerBody = this.body(this.expect(ks, i, 'Body'))
        i++
        handlers.push(mk('ExceptHandler', { type, name, body: handlerBody }))
      } else if (k.name === 'else') {
        orelse = this.body(this.expect(ks, i + 1, 'Body'))
        i += 2
      } else if (k.name === 'finally') {
        finalbody = this.body(this.expect(ks, i + 1, 'Body'))
        i += 2
      } else this.fail(k, 'unexpected')
    }
    return mk(star ? 'TryStar' : 'Try', { body, handlers, orelse, finalbody })
  }

  private withStatement(node: PyNode): PyAst {
    const ks = kids(node)
    let i = 0
    const async = ks[0]?.name === 'async'
    if (async) i++
    this.expect(ks, i, 'with')
    i++
    const paren = ks[i]?.name === '('
    if (paren) i++
    const items: PyAst[] = []
    while (i < ks.length && EXPRESSIONS.has((ks[i] as PyNode).name)) {
      const context_expr = this.expr(ks[i] as PyNode)
      i++
      let optional_vars: PyAst | null = null
      if (ks[i]?.name === 'as') {
        optional_vars = this.expr(this.expect(ks, i + 1), 'Store')
        i += 2
      }
      items.push(mk('withitem', { context_expr, optional_vars }))
      if (ks[i]?.name !== ',') break
      i++
    }
    if (paren) {
      this.expect(ks, i, ')')
      i++
    }
    const body = this.body(this.expect(ks, i, 'Body'))
    this.end(ks, i + 1)
    return mk(async ? 'AsyncWith' : 'With', { items, body })
  }

  private functionDef(node: PyNode, decorator_list: PyAst[]): PyAst {
    const ks = kids(node)
    let i = 0
    const async = ks[0]?.name === 'async'
    if (async) i++
    this.expect(ks, i, 'def')
    const name = this.str(this.expect(ks, i + 1, 'VariableName'))
    i += 2
    if (ks[i]?.name === 'TypeParamList') this.fail(ks[i], 'type parameters (Python 3.12)')
    const args = this.params(this.expect(ks, i, 'ParamList'))
    i++
    let returns: PyAst | null = null
    if (ks[i]?.name === 'TypeDef') {
      returns = this.typeDef(ks[i] as PyNode)
      i++
    }
    const body = this.body(this.expect(ks, i, 'Body'))
    this.end(ks, i + 1)
    return mk(async ? 'AsyncFunctionDef' : 'FunctionDef', {
      name,
      args,
      body,
      decorator_list,
      returns,
    })
  }

  /** A `ParamList` (of a def, or of a lambda: no parentheses) as an `arguments` node. */
  private params(node: PyNode): PyAst {
    // The `/` of positional-only parameters is no node: it shows as text between two children.
    const items: Array<PyNode | '/'> = []
    let pos = node.from
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.from > pos && this.text.slice(pos, c.from).includes('/')) items.push('/')
      pos = c.to
      if (c.name !== 'Comment') items.push(c)
    }
    if (node.to > pos && this.text.slice(pos, node.to).includes('/')) items.push('/')

    const posonlyargs: PyAst[] = []
    let args: PyAst[] = []
    const defaults: PyAst[] = []
    const kwonlyargs: PyAst[] = []
    const kw_defaults: (PyAst | null)[] = []
    let vararg: PyAst | null = null
    let kwarg: PyAst | null = null
    let star = false
    let i = 0
    const nodeAt = (j: number): PyNode | undefined => {
      const item = items[j]
      return item === undefined || item === '/' ? undefined : item
    }
    const arg = (): PyAst => {
      const nameNode = nodeAt(i)
      if (nameNode?.name !== 'VariableName') this.fail(nameNode ?? node, 'expected a parameter')
      i++
      let annotation: PyAst | null = null
      const t = nodeAt(i)
      if (t?.name === 'TypeDef') {
        annotation = this.typeDef(t)
        i++
      }
      return mk('arg', { arg: this.str(nameNode), annotation })
    }
    while (i < items.length) {
      const item = items[i] as PyNode | '/'
      if (item === '/') {
        posonlyargs.push(...args)
        args = []
        i++
      } else if (item.name === '(' || item.name === ')' || item.name === ',') i++
      else if (item.name === '*') {
        i++
        star = true
        if (nodeAt(i)?.name === 'VariableName') vararg = arg()
      } else if (item.name === '**') {
        i++
        kwarg = arg()
      } else if (item.name === 'VariableName') {
        const a = arg()
        let value: PyAst | null = null
        if (nodeAt(i)?.name === 'AssignOp') {
          value = this.expr(nodeAt(i + 1) ?? this.fail(nodeAt(i), 'missing default'))
          i += 2
        }
        if (star) {
          kwonlyargs.push(a)
          kw_defaults.push(value)
        } else {
          args.push(a)
          if (value !== null) defaults.push(value)
        }
      } else this.fail(item, 'unexpected parameter')
    }
    return mk('arguments', {
      posonlyargs,
      args,
      vararg,
      kwonlyargs,
      kw_defaults,
      kwarg,
      defaults,
    })
  }

  private classDef(node: PyNode, decorator_list: PyAst[]): PyAst {
    const ks = kids(node)
    const name = this.str(this.expect(ks, 1, 'VariableName'))
    let i = 2
    if (ks[i]?.name === 'TypeParamList') this.fail(ks[i], 'type parameters (Python 3.12)')
    let bases: PyAst[] = []
    let keywords: PyAst[] = []
    if (ks[i]?.name === 'ArgList') {
      const a = this.argList(ks[i] as PyNode)
      bases = a.args
      keywords = a.keywords
      i++
    }
    const body = this.body(this.expect(ks, i, 'Body'))
    this.end(ks, i + 1)
    return mk('ClassDef', { name, bases, keywords, body, decorator_list })
  }

  private decorator(node: PyNode): PyAst {
    const ks = kids(node)
    this.expect(ks, 0, 'At')
    const first = this.expect(ks, 1)
    if (first.name !== 'VariableName' || ks.length === 2) {
      const value = this.expr(first)
      this.end(ks, 2)
      return value
    }
    // the dotted-name form: `@a.b.c(args)`
    let value: PyAst = mk('Name', { id: this.str(first), ctx: 'Load' })
    let i = 2
    while (ks[i]?.name === '.') {
      const attr = this.expect(ks, i + 1, 'VariableName')
      value = mk('Attribute', { value, attr: this.str(attr), ctx: 'Load' })
      i += 2
    }
    if (ks[i]?.name === 'ArgList') {
      const a = this.argList(ks[i] as PyNode)
      value = mk('Call', { func: value, args: a.args, keywords: a.keywords })
      i++
    }
    this.end(ks, i)
    return value
  }

  // ---------------------------------------------------------------- match

  private matchStatement(node: PyNode): PyAst {
    const ks = kids(node)
    const subject = this.group(ks, 1, 'Load')
    const bodyNode = this.expect(ks, subject.next, 'MatchBody')
    this.end(ks, subject.next + 1)
    const cases: PyAst[] = []
    for (const clause of kids(bodyNode)) {
      if (clause.name === ':') continue
      if (clause.name !== 'MatchClause') this.fail(clause, 'unexpected')
      const cs = kids(clause)
      const patterns: PyAst[] = []
      let comma = false
      let i = 1
      while (i < cs.length && cs[i]?.name !== 'Guard' && cs[i]?.name !== 'Body') {
        const k = cs[i] as PyNode
        if (k.name === ',') comma = true
        else patterns.push(this.pattern(k))
        i++
      }
      const pattern =
        patterns.length === 1 && !comma ? (patterns[0] as PyAst) : mk('MatchSequence', { patterns })
      let guard: PyAst | null = null
      if (cs[i]?.name === 'Guard') {
        const gs = kids(cs[i] as PyNode)
        guard = this.expr(this.expect(gs, 1))
        this.end(gs, 2)
        i++
      }
      const body = this.body(this.expect(cs, i, 'Body'))
      this.end(cs, i + 1)
      cases.push(mk('match_case', { pattern, guard, body }))
    }
    return mk('Match', { subject: subject.node, cases })
  }

  private pattern(node: PyNode): PyAst {
    switch (node.name) {
      case 'CapturePattern': {
        const name = this.str(node)
        return mk('MatchAs', { pattern: null, name: name === '_' ? null : name })
      }
      case 'LiteralPattern': {
        const ks = kids(node)
        const first = ks[0] as PyNode
        if (first.name === 'None') return mk('MatchSingleton', { value: null })
        if (first.name === 'Boolean')
          return mk('MatchSingleton', { value: this.str(first) === 'True' })
        return mk('MatchValue', { value: this.literalPatternExpr(node) })
      }
      case 'AsPattern': {
        const ks = kids(node)
        const inner = this.pattern(this.expect(ks, 0))
        this.expect(ks, 1, 'as')
        const name = this.str(this.expect(ks, 2, 'VariableName'))
        this.end(ks, 3)
        return mk('MatchAs', { pattern: inner, name: name === '_' ? null : name })
      }
      case 'OrPattern': {
        // Python binds `as` after `|`: `1 | 2 as x` is `(1 | 2) as x`, not the grammar's
        // `1 | (2 as x)`.
        const alternatives: PyAst[] = []
        let asName: string | null | undefined
        const collect = (n: PyNode): void => {
          for (const k of kids(n)) {
            if (k.name === 'LogicOp') continue
            if (asName !== undefined) this.fail(k, 'pattern after `as`')
            if (k.name === 'OrPattern') collect(k)
            else if (k.name === 'AsPattern' && k.nextSibling === null) {
              const as = kids(k)
              const inner = this.expect(as, 0)
              if (inner.name === 'OrPattern') collect(inner)
              else alternatives.push(this.pattern(inner))
              const name = this.str(this.expect(as, 2, 'VariableName'))
              asName = name === '_' ? null : name
            } else alternatives.push(this.pattern(k))
          }
        }
        collect(node)
        const or = mk('MatchOr', { patterns: alternatives })
        return asName === undefined ? or : mk('MatchAs', { pattern: or, name: asName })
      }
      case 'AttributePattern':
        return mk('MatchValue', { value: this.attributePattern(node) })
      case 'SequencePattern': {
        const ks = kids(node)
        const patterns: PyAst[] = []
        let comma = false
        for (let i = 1; i < ks.length - 1; i++) {
          const k = ks[i] as PyNode
          if (k.name === ',') comma = true
          else patterns.push(this.pattern(k))
        }
        if ((ks[0] as PyNode).name === '(' && patterns.length === 1 && !comma)
          return patterns[0] as PyAst
        return mk('MatchSequence', { patterns })
      }
      case 'MappingPattern': {
        const ks = kids(node)
        const keys: PyAst[] = []
        const patterns: PyAst[] = []
        let rest: string | null = null
        let i = 1
        while (i < ks.length - 1) {
          const k = ks[i] as PyNode
          if (k.name === ',') {
            i++
          } else if (k.name === '**') {
            const target = this.expect(ks, i + 1, 'CapturePattern')
            rest = this.str(target)
            i += 2
          } else {
            if (k.name === 'AttributePattern') keys.push(this.attributePattern(k))
            else if (k.name === 'LiteralPattern') keys.push(this.literalPatternExpr(k))
            else this.fail(k, 'unexpected mapping pattern key')
            this.expect(ks, i + 1, ':')
            patterns.push(this.pattern(this.expect(ks, i + 2)))
            i += 3
          }
        }
        return mk('MatchMapping', { keys, patterns, rest })
      }
      case 'StarPattern': {
        const ks = kids(node)
        const target = this.expect(ks, 1, 'CapturePattern')
        const name = this.str(target)
        return mk('MatchStar', { name: name === '_' ? null : name })
      }
      case 'ClassPattern': {
        const ks = kids(node)
        const clsNode = this.expect(ks, 0)
        const cls =
          clsNode.name === 'VariableName'
            ? mk('Name', { id: this.str(clsNode), ctx: 'Load' })
            : this.attributePattern(clsNode)
        const argList = this.expect(ks, 1, 'PatternArgList')
        const patterns: PyAst[] = []
        const kwd_attrs: string[] = []
        const kwd_patterns: PyAst[] = []
        for (const k of kids(argList)) {
          if (k.name === '(' || k.name === ')' || k.name === ',') continue
          if (k.name === 'KeywordPattern') {
            const kw = kids(k)
            kwd_attrs.push(this.str(this.expect(kw, 0, 'VariableName')))
            kwd_patterns.push(this.pattern(this.expect(kw, 1)))
          } else patterns.push(this.pattern(k))
        }
        return mk('MatchClass', { cls, patterns, kwd_attrs: stringList(kwd_attrs), kwd_patterns })
      }
      default:
        this.fail(node, 'unknown pattern node')
    }
  }

  /** The expression of a literal pattern (`-1`, `1+2j`, `"a" "b"`, `None` as a mapping key). */
  private literalPatternExpr(node: PyNode): PyAst {
    const ks = kids(node)
    const first = this.expect(ks, 0)
    if (first.name === 'None') return constant(null)
    if (first.name === 'Boolean') return constant(this.str(first) === 'True')
    if (first.name !== 'ArithOp' && first.name !== 'Number') {
      const value = this.expr(first)
      this.end(ks, 1)
      return value
    }
    let i: number
    let value: PyAst
    if (first.name === 'ArithOp') {
      const operand = this.expr(this.expect(ks, 1, 'Number'))
      value = mk('UnaryOp', { op: 'USub', operand })
      i = 2
    } else {
      value = this.expr(first)
      i = 1
    }
    if (i < ks.length) {
      const op = this.expect(ks, i, 'ArithOp')
      const right = this.expr(this.expect(ks, i + 1, 'Number'))
      value = mk('BinOp', { left: value, op: this.str(op) === '+' ? 'Add' : 'Sub', right })
      this.end(ks, i + 2)
    }
    return value
  }

  private attributePattern(node: PyNode): PyAst {
    const ks = kids(node)
    let value: PyAst = mk('Name', { id: this.str(this.expect(ks, 0, 'VariableName')), ctx: 'Load' })
    for (let i = 1; i < ks.length; i += 2) {
      this.expect(ks, i, '.')
      const attr = this.expect(ks, i + 1, 'PropertyName')
      value = mk('Attribute', { value, attr: this.str(attr), ctx: 'Load' })
    }
    return value
  }

  // ---------------------------------------------------------------- expressions

  /**
   * The items of a comma list from `ks[i]` on (`*x` items are Starred), up to the first child that
   * is no item or comma.
   */
  private seq(
    ks: PyNode[],
    i: number,
    ctx: Ctx,
  ): { elts: PyAst[]; comma: boolean; starred: boolean; next: number } {
    const elts: PyAst[] = []
    let comma = false
    let starred = false
    while (i < ks.length) {
      const k = ks[i] as PyNode
      if (k.name === '*') {
        const value = this.expr(this.expect(ks, i + 1), ctx)
        elts.push(mk('Starred', { value, ctx }))
        starred = true
        i += 2
      } else if (EXPRESSIONS.has(k.name)) {
        elts.push(this.expr(k, ctx))
        i++
      } else break
      if (ks[i]?.name !== ',') break
      comma = true
      i++
    }
    return { elts, comma, starred, next: i }
  }

  /** A comma list as one expression: a Tuple when there is a comma, else its only item. */
  private group(ks: PyNode[], i: number, ctx: Ctx): { node: PyAst; comma: boolean; next: number } {
    const s = this.seq(ks, i, ctx)
    if (s.elts.length === 0) this.fail(ks[i] ?? ks[i - 1], 'expected an expression')
    const node = s.comma ? mk('Tuple', { elts: s.elts, ctx }) : (s.elts[0] as PyAst)
    return { node, comma: s.comma, next: s.next }
  }

  expr(node: PyNode, ctx: Ctx = 'Load'): PyAst {
    switch (node.name) {
      case 'VariableName':
        return mk('Name', { id: this.str(node), ctx })
      case 'Number':
        return constant(numberValue(this.str(node)))
      case 'String':
      case 'FormatString':
      case 'ContinuedString':
        return this.strings(node)
      case 'Ellipsis':
        return constant({ ellipsis: true })
      case 'None':
        return constant(null)
      case 'Boolean':
        return constant(this.str(node) === 'True')
      case 'ParenthesizedExpression': {
        const ks = kids(node)
        const inner = this.expect(ks, 1)
        if (inner.name === '*') {
          const value = this.expr(this.expect(ks, 2), ctx)
          return mk('Starred', { value, ctx })
        }
        if (inner.name === 'YieldExpression') return this.yieldExpr(inner)
        return this.expr(inner, ctx)
      }
      case 'TupleExpression': {
        const ks = kids(node)
        const s = this.seq(ks, 1, ctx)
        this.expect(ks, s.next, ')')
        return mk('Tuple', { elts: s.elts, ctx })
      }
      case 'ArrayExpression': {
        const ks = kids(node)
        const s = this.seq(ks, 1, ctx)
        this.expect(ks, s.next, ']')
        return mk('List', { elts: s.elts, ctx })
      }
      case 'SetExpression': {
        const ks = kids(node)
        const s = this.seq(ks, 1, 'Load')
        this.expect(ks, s.next, '}')
        return mk('Set', { elts: s.elts })
      }
      case 'DictionaryExpression':
        return this.dict(node)
      case 'ComprehensionExpression':
      case 'ArrayComprehensionExpression':
      case 'SetComprehensionExpression': {
        const ks = kids(node)
        const elt = this.element(ks, 1)
        const generators = this.comprehension(ks, elt.next)
        this.expect(ks, generators.next, node.name === 'ComprehensionExpression' ? ')' : undefined)
        const type =
          node.name === 'ComprehensionExpression'
            ? 'GeneratorExp'
            : node.name === 'ArrayComprehensionExpression'
              ? 'ListComp'
              : 'SetComp'
        return mk(type, { elt: elt.node, generators: generators.generators })
      }
      case 'DictionaryComprehensionExpression': {
        const ks = kids(node)
        if (ks[1]?.name === '**') this.fail(ks[1], 'dict unpacking in a comprehension')
        const key = this.expr(this.expect(ks, 1))
        this.expect(ks, 2, ':')
        const value = this.expr(this.expect(ks, 3))
        const generators = this.comprehension(ks, 4)
        return mk('DictComp', { key, value, generators: generators.generators })
      }
      case 'CallExpression': {
        const ks = kids(node)
        const func = this.expr(this.expect(ks, 0))
        const a = this.argList(this.expect(ks, 1, 'ArgList'))
        this.end(ks, 2)
        return mk('Call', { func, args: a.args, keywords: a.keywords })
      }
      case 'MemberExpression':
        return this.member(node, ctx)
      case 'BinaryExpression':
      case 'UnaryExpression':
      case 'AwaitExpression':
        return this.operators(node)
      case 'ConditionalExpression': {
        const ks = kids(node)
        const body = this.expr(this.expect(ks, 0))
        this.expect(ks, 1, 'if')
        const test = this.expr(this.expect(ks, 2))
        this.expect(ks, 3, 'else')
        const orelse = this.expr(this.expect(ks, 4))
        this.end(ks, 5)
        return mk('IfExp', { test, body, orelse })
      }
      case 'LambdaExpression': {
        const ks = kids(node)
        const args = this.params(this.expect(ks, 1, 'ParamList'))
        this.expect(ks, 2, ':')
        const body = this.expr(this.expect(ks, 3))
        this.end(ks, 4)
        return mk('Lambda', { args, body })
      }
      case 'NamedExpression': {
        const ks = kids(node)
        const target = this.expr(this.expect(ks, 0), 'Store')
        this.expect(ks, 1, 'AssignOp')
        const value = this.expr(this.expect(ks, 2))
        this.end(ks, 3)
        return mk('NamedExpr', { target, value })
      }
      case 'YieldExpression':
        return this.yieldExpr(node)
      default:
        this.fail(node, 'unknown expression node')
    }
  }

  /** The element of a list/set/generator comprehension. */
  private element(ks: PyNode[], i: number): { node: PyAst; next: number } {
    const k = this.expect(ks, i)
    if (k.name === '*') {
      const value = this.expr(this.expect(ks, i + 1))
      return { node: mk('Starred', { value, ctx: 'Load' }), next: i + 2 }
    }
    return { node: this.expr(k), next: i + 1 }
  }

  /** The `for … in … if …` clauses from `ks[i]` on. */
  private comprehension(ks: PyNode[], i: number): { generators: PyAst[]; next: number } {
    const generators: PyAst[] = []
    for (;;) {
      const k = ks[i]
      if (k === undefined) break
      if (k.name === 'async' || k.name === 'for') {
        const is_async = k.name === 'async' ? 1 : 0
        if (is_async) i++
        this.expect(ks, i, 'for')
        const target = this.group(ks, i + 1, 'Store')
        i = target.next
        this.expect(ks, i, 'in')
        const iter = this.expr(this.expect(ks, i + 1))
        i += 2
        generators.push(mk('comprehension', { target: target.node, iter, ifs: [], is_async }))
      } else if (k.name === 'if') {
        const last = generators[generators.length - 1]
        if (last === undefined) this.fail(k, 'comprehension condition before a for')
        ;(last.ifs as PyAst[]).push(this.expr(this.expect(ks, i + 1)))
        i += 2
      } else break
    }
    if (generators.length === 0) this.fail(ks[i], 'expected a for clause')
    return { generators, next: i }
  }

  private dict(node: PyNode): PyAst {
    const ks = kids(node)
    const keys: (PyAst | null)[] = []
    const values: PyAst[] = []
    let i = 1
    while (i < ks.length - 1) {
      const k = ks[i] as PyNode
      if (k.name === '**') {
        keys.push(null)
        values.push(this.expr(this.expect(ks, i + 1)))
        i += 2
      } else {
        keys.push(this.expr(k))
        this.expect(ks, i + 1, ':')
        values.push(this.expr(this.expect(ks, i + 2)))
        i += 3
      }
      if (ks[i]?.name === ',') i++
      else break
    }
    this.expect(ks, i, '}')
    this.end(ks, i + 1)
    return mk('Dict', { keys, values })
  }

  private argList(node: PyNode): { args: PyAst[]; keywords: PyAst[] } {
    const ks = kids(node)
    const args: PyAst[] = []
    const keywords: PyAst[] = []
    let i = 1
    while (i < ks.length - 1) {
      const k = ks[i] as PyNode
      if (k.name === '*') {
        const value = this.expr(this.expect(ks, i + 1))
        args.push(mk('Starred', { value, ctx: 'Load' }))
        i += 2
      } else if (k.name === '**') {
        keywords.push(mk('keyword', { arg: null, value: this.expr(this.expect(ks, i + 1)) }))
        i += 2
      } else if (k.name === 'VariableName' && ks[i + 1]?.name === 'AssignOp') {
        const op = this.str(ks[i + 1] as PyNode)
        const value = this.expr(this.expect(ks, i + 2))
        i += 3
        if (op === '=') keywords.push(mk('keyword', { arg: this.str(k), value }))
        else {
          const target = mk('Name', { id: this.str(k), ctx: 'Store' })
          args.push(this.maybeGenerator(ks, i, mk('NamedExpr', { target, value })))
          i = this.genNext
        }
      } else {
        args.push(this.maybeGenerator(ks, i + 1, this.expr(k)))
        i = this.genNext
      }
      if (ks[i]?.name === ',') i++
      else break
    }
    this.expect(ks, i, ')')
    this.end(ks, i + 1)
    return { args, keywords }
  }

  private genNext = 0

  /** `elt` alone, or a generator expression when comprehension clauses follow at `ks[i]`. */
  private maybeGenerator(ks: PyNode[], i: number, elt: PyAst): PyAst {
    const k = ks[i]
    if (k?.name === 'for' || k?.name === 'async') {
      const g = this.comprehension(ks, i)
      this.genNext = g.next
      return mk('GeneratorExp', { elt, generators: g.generators })
    }
    this.genNext = i
    return elt
  }

  private member(node: PyNode, ctx: Ctx): PyAst {
    const ks = kids(node)
    const value = this.expr(this.expect(ks, 0))
    const op = this.expect(ks, 1)
    if (op.name === '.') {
      const attr = this.expect(ks, 2, 'PropertyName')
      this.end(ks, 3)
      return mk('Attribute', { value, attr: this.str(attr), ctx })
    }
    if (op.name !== '[') this.fail(op, 'unexpected')
    const elts: PyAst[] = []
    let comma = false
    let starred = false
    let i = 2
    const isEnd = (n: PyNode | undefined): boolean =>
      n === undefined || n.name === ',' || n.name === ']'
    while (i < ks.length - 1) {
      const k = ks[i] as PyNode
      if (k.name === '*') {
        elts.push(mk('Starred', { value: this.expr(this.expect(ks, i + 1)), ctx: 'Load' }))
        starred = true
        i += 2
      } else {
        let lower: PyAst | null = null
        if (k.name !== ':') {
          lower = this.expr(k)
          i++
        }
        if (ks[i]?.name === ':') {
          i++
          let upper: PyAst | null = null
          let step: PyAst | null = null
          if (!isEnd(ks[i]) && ks[i]?.name !== ':') {
            upper = this.expr(ks[i] as PyNode)
            i++
          }
          if (ks[i]?.name === ':') {
            i++
            if (!isEnd(ks[i])) {
              step = this.expr(ks[i] as PyNode)
              i++
            }
          }
          elts.push(mk('Slice', { lower, upper, step }))
        } else elts.push(lower as PyAst)
      }
      if (ks[i]?.name !== ',') break
      comma = true
      i++
    }
    this.expect(ks, i, ']')
    this.end(ks, i + 1)
    if (elts.length === 0) this.fail(node, 'empty subscript')
    const slice = comma || starred ? mk('Tuple', { elts, ctx: 'Load' }) : (elts[0] as PyAst)
    return mk('Subscript', { value, slice, ctx })
  }

  private yieldExpr(node: PyNode): PyAst {
    const ks = kids(node)
    if (ks.length === 1) return mk('Yield', { value: null })
    if (ks[1]?.name === 'from') {
      const value = this.expr(this.expect(ks, 2))
      this.end(ks, 3)
      return mk('YieldFrom', { value })
    }
    const g = this.group(ks, 1, 'Load')
    this.end(ks, g.next)
    return mk('Yield', { value: g.node })
  }

  // ---------------------------------------------------------------- operator expressions

  /** Flattens an unparenthesized run of operators into tokens and parses it with Python's rules. */
  private operators(node: PyNode): PyAst {
    const items: OpItem[] = []
    this.flatten(node, items)
    const parser = new OperatorParser(
      items,
      (n) => this.expr(n),
      (why) => this.fail(node, why),
    )
    const result = parser.disjunction()
    if (parser.pos !== items.length) this.fail(node, 'operators left over')
    return result
  }

  private flatten(node: PyNode, out: OpItem[]): void {
    const name = node.name
    if (name === 'BinaryExpression') {
      const ks = kids(node)
      const left = this.expect(ks, 0)
      const right = ks[ks.length - 1] as PyNode
      this.flatten(left, out)
      const first = this.expect(ks, 1)
      let op: string
      if (first.name === 'ArithOp' || first.name === 'BitOp' || first.name === 'CompareOp')
        op = this.str(first)
      else if (first.name === 'not') op = 'not in'
      else if (first.name === 'is') op = ks.length === 4 ? 'is not' : 'is'
      else op = first.name // or, and, in
      out.push({ kind: 'binary', op })
      this.flatten(right, out)
    } else if (name === 'UnaryExpression' || name === 'AwaitExpression') {
      const ks = kids(node)
      const op = this.expect(ks, 0)
      out.push({
        kind: 'prefix',
        op: op.name === 'ArithOp' || op.name === 'BitOp' ? this.str(op) : op.name,
      })
      this.flatten(this.expect(ks, 1), out)
      this.end(ks, 2)
    } else out.push({ kind: 'atom', node })
  }

  // ---------------------------------------------------------------- strings

  private strings(node: PyNode): PyAst {
    const parts = node.name === 'ContinuedString' ? kids(node) : [node]
    const firstPart = parts[0] as PyNode
    const kind = this.text.charCodeAt(firstPart.from) === 117 /* u */ ? 'u' : null
    let bytes: string | null = null
    const builder = new StringBuilder(kind)
    for (const part of parts) {
      const raw = this.str(part)
      const lit = splitLiteral(raw)
      const isRaw = lit.prefix.includes('r')
      if (part.name === 'String') {
        const isBytes = lit.prefix.includes('b')
        const value = decodeBody(raw.slice(lit.bodyFrom, lit.bodyTo), isRaw, isBytes)
        if (value === undefined) this.fail(part, 'unsupported escape')
        if (isBytes) bytes = (bytes ?? '') + value
        else builder.add(value)
      } else if (part.name === 'FormatString') {
        builder.fmode = true
        this.formatString(part, lit.bodyFrom, lit.bodyTo, isRaw, builder)
      } else this.fail(part, 'unexpected string part')
    }
    if (bytes !== null) {
      if (builder.fmode || builder.last !== null || parts.some((p) => !this.isBytes(p)))
        this.fail(node, 'bytes mixed with str')
      return constant({ bytes })
    }
    if (!builder.fmode) return constant(builder.last ?? '', kind)
    builder.flush(kind)
    return mk('JoinedStr', { values: builder.values })
  }

  private isBytes(part: PyNode): boolean {
    return part.name === 'String' && splitLiteral(this.str(part)).prefix.includes('b')
  }

  /** The literal text and fields of one f-string, added to `builder`. */
  private formatString(
    node: PyNode,
    bodyFrom: number,
    bodyTo: number,
    isRaw: boolean,
    builder: StringBuilder,
  ): void {
    let pos = node.from + bodyFrom
    const literal = (to: number): void => {
      if (to <= pos) return
      let s = this.text.slice(pos, to)
      if (s.includes('{{')) s = s.split('{{').join('{')
      if (s.includes('}}')) s = s.split('}}').join('}')
      const value = decodeBody(s, isRaw, false)
      if (value === undefined) this.fail(node, 'unsupported escape')
      builder.add(value)
    }
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name !== 'FormatReplacement') continue
      literal(c.from)
      this.replacement(c, isRaw, builder)
      pos = c.to
    }
    literal(node.from + bodyTo)
  }

  /** One `{…}` field: the `=` text (if any) and the FormattedValue. */
  private replacement(node: PyNode, isRaw: boolean, builder: StringBuilder): void {
    const ks = kids(node)
    const open = this.expect(ks, 0, '{')
    let value: PyAst
    let i: number
    if (ks[1]?.name === 'YieldExpression') {
      value = this.yieldExpr(ks[1])
      i = 2
    } else {
      const g = this.group(ks, 1, 'Load')
      value = g.node
      i = g.next
    }
    let conversion = -1
    let format_spec: PyAst | null = null
    let debug = false
    if (ks[i]?.name === 'FormatSelfDoc') {
      const eq = ks[i] as PyNode
      let end = eq.to
      while (end < node.to && isSpace(this.text.charCodeAt(end))) end++
      builder.add(this.text.slice(open.to, end))
      debug = true
      i++
    }
    if (ks[i]?.name === 'FormatConversion') {
      const letter = this.str(ks[i] as PyNode).slice(1)
      conversion = CONVERSIONS[letter] ?? this.fail(ks[i], 'unknown conversion')
      i++
    }
    if (ks[i]?.name === 'FormatSpec') {
      format_spec = this.formatSpec(ks[i] as PyNode, isRaw, builder.kind)
      i++
    }
    this.expect(ks, i, '}')
    this.end(ks, i + 1)
    if (debug && conversion === -1 && format_spec === null) conversion = 114
    builder.push(mk('FormattedValue', { value, conversion, format_spec }))
  }

  private formatSpec(node: PyNode, isRaw: boolean, kind: string | null): PyAst {
    const builder = new StringBuilder(kind)
    builder.fmode = true
    const first = node.firstChild
    if (first === null || first.name !== ':') this.fail(node, 'format spec without `:`')
    let pos = first.to
    const literal = (to: number): void => {
      if (to <= pos) return
      const value = decodeBody(this.text.slice(pos, to), isRaw, false)
      if (value === undefined) this.fail(node, 'unsupported escape')
      builder.add(value)
    }
    for (let c = first.nextSibling; c; c = c.nextSibling) {
      if (c.name !== 'FormatReplacement') this.fail(c, 'unexpected in a format spec')
      literal(c.from)
      this.replacement(c, isRaw, builder)
      pos = c.to
    }
    literal(node.to)
    // CPython names the f-string token for the last constant: never `u`.
    builder.flush(null)
    return mk('JoinedStr', { values: builder.values })
  }
}

/** Python's precedence over a flattened operator run (see Converter.operators). */
class OperatorParser {
  pos = 0
  constructor(
    private readonly items: OpItem[],
    private readonly atom: (node: PyNode) => PyAst,
    private readonly fail: (why: string) => never,
  ) {}

  private peekBinary(): string | undefined {
    const item = this.items[this.pos]
    return item?.kind === 'binary' ? item.op : undefined
  }

  private peekPrefix(): string | undefined {
    const item = this.items[this.pos]
    return item?.kind === 'prefix' ? item.op : undefined
  }

  disjunction(): PyAst {
    const first = this.conjunction()
    if (this.peekBinary() !== 'or') return first
    const values = [first]
    while (this.peekBinary() === 'or') {
      this.pos++
      values.push(this.conjunction())
    }
    return mk('BoolOp', { op: 'Or', values })
  }

  private conjunction(): PyAst {
    const first = this.inversion()
    if (this.peekBinary() !== 'and') return first
    const values = [first]
    while (this.peekBinary() === 'and') {
      this.pos++
      values.push(this.inversion())
    }
    return mk('BoolOp', { op: 'And', values })
  }

  private inversion(): PyAst {
    if (this.peekPrefix() === 'not') {
      this.pos++
      return mk('UnaryOp', { op: 'Not', operand: this.inversion() })
    }
    return this.comparison()
  }

  private comparison(): PyAst {
    const left = this.arith(1)
    const ops: string[] = []
    const comparators: PyAst[] = []
    for (;;) {
      const op = this.peekBinary()
      const cmp = op === undefined ? undefined : CMP_OPS[op]
      if (cmp === undefined) break
      this.pos++
      ops.push(cmp)
      comparators.push(this.arith(1))
    }
    return ops.length === 0 ? left : mk('Compare', { left, ops: stringList(ops), comparators })
  }

  /** Left-associative binary operators of binding power `level` and above (| ^ & shifts + *). */
  private arith(level: number): PyAst {
    if (level > 6) return this.factor()
    let left = this.arith(level + 1)
    for (;;) {
      const op = this.peekBinary()
      if (op === undefined || ARITH_LEVEL[op] !== level) return left
      this.pos++
      const right = this.arith(level + 1)
      left = mk('BinOp', { left, op: BIN_OPS[op] as string, right })
    }
  }

  private factor(): PyAst {
    const op = this.peekPrefix()
    if (op !== undefined && op in UNARY_OPS) {
      this.pos++
      return mk('UnaryOp', { op: UNARY_OPS[op] as string, operand: this.factor() })
    }
    return this.power()
  }

  private power(): PyAst {
    const base = this.awaitPrimary()
    if (this.peekBinary() !== '**') return base
    this.pos++
    return mk('BinOp', { left: base, op: 'Pow', right: this.factor() })
  }

  private awaitPrimary(): PyAst {
    if (this.peekPrefix() === 'await') {
      this.pos++
      return mk('Await', { value: this.primary() })
    }
    return this.primary()
  }

  private primary(): PyAst {
    const item = this.items[this.pos]
    if (item?.kind !== 'atom')
      this.fail(`expected an operand, found ${item === undefined ? 'the end' : item.op}`)
    this.pos++
    return this.atom(item.node)
  }
}

/** CPython 3.11's `ast.parse` tree of a parsed module (see python-ast.ts for the shape). */
export function toPythonAst(source: PySource): PyAst {
  return new Converter(source).module(source.tree.topNode)
}
