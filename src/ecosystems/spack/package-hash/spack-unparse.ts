/**
 * Python source from a Python AST, byte for byte as Spack writes it: `spack.util.unparse.unparse(
 * tree, py_ver_consistent=True)`. Spack hashes that text as a recipe's `canonical_source`, so the
 * layout here is Spack's exactly, quirks included: tuples always in parentheses, `lambda :` with a
 * space, a blank line before every `def` and `class`, `1e309` for infinities, f-strings that
 * avoid backslashes in their expressions the way Python 3.11 needs.
 *
 * The unparser keeps, like Spack's, a precedence per node (the context its parent puts it in)
 * and parenthesizes a node whose own operator binds less tightly than its context asks.
 * Expressions inside an f-string's braces are written by a second unparser with Spack's other
 * settings (not `py_ver_consistent`, avoiding backslashes), as Spack does.
 */
import {
  child,
  children,
  optionalChild,
  optionalChildren,
  optionalText,
  text,
  type ConstantValue,
  type PyAst,
} from './python-ast.js'
import {
  reprBytes,
  reprFloat,
  reprImaginary,
  reprInt,
  reprStr,
  isPrintable,
  unicodeEscape,
} from './python-repr.js'

/** The precedence levels of Python's grammar, loosest first (Spack's `_Precedence`). */
const P = {
  NAMED_EXPR: 1,
  TUPLE: 2,
  YIELD: 3,
  TEST: 4,
  OR: 5,
  AND: 6,
  NOT: 7,
  CMP: 8,
  EXPR: 9,
  BOR: 9,
  BXOR: 10,
  BAND: 11,
  SHIFT: 12,
  ARITH: 13,
  TERM: 14,
  FACTOR: 15,
  POWER: 16,
  AWAIT: 17,
  ATOM: 18,
} as const

/** The next tighter level, the tightest staying itself. */
const next = (p: number): number => Math.min(p + 1, P.ATOM)

/** What an infinite float or imaginary literal is written as: one past the largest exponent. */
const INFSTR = '1e309'

const SINGLE_QUOTES = ["'", '"'] as const
const MULTI_QUOTES = ['"""', "'''"] as const
const ALL_QUOTES: readonly string[] = [...SINGLE_QUOTES, ...MULTI_QUOTES]

const UNARY: Record<string, [string, number]> = {
  Invert: ['~', P.FACTOR],
  Not: ['not', P.NOT],
  UAdd: ['+', P.FACTOR],
  USub: ['-', P.FACTOR],
}

const BINARY: Record<string, [string, number]> = {
  Add: ['+', P.ARITH],
  Sub: ['-', P.ARITH],
  Mult: ['*', P.TERM],
  MatMult: ['@', P.TERM],
  Div: ['/', P.TERM],
  Mod: ['%', P.TERM],
  LShift: ['<<', P.SHIFT],
  RShift: ['>>', P.SHIFT],
  BitOr: ['|', P.BOR],
  BitXor: ['^', P.BXOR],
  BitAnd: ['&', P.BAND],
  FloorDiv: ['//', P.TERM],
  Pow: ['**', P.POWER],
}

const COMPARE: Record<string, string> = {
  Eq: '==',
  NotEq: '!=',
  Lt: '<',
  LtE: '<=',
  Gt: '>',
  GtE: '>=',
  Is: 'is',
  IsNot: 'is not',
  In: 'in',
  NotIn: 'not in',
}

const BOOLEAN: Record<string, [string, number]> = { And: ['and', P.AND], Or: ['or', P.OR] }

function lookup<T>(table: Record<string, T>, key: string, what: string): T {
  const v = table[key]
  if (v === undefined) throw new Error(`unknown ${what} ${key}`)
  return v
}

/** A field holding a list of strings (`Global.names`, `Compare.ops`). */
function texts(node: PyAst, field: string): string[] {
  const v = node[field]
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new Error(`${node._type}.${field} is not a list of strings`)
  return v as unknown as string[]
}

function isStrLiteral(node: PyAst | null): node is PyAst & { value: string } {
  return node !== null && node._type === 'Constant' && typeof node.value === 'string'
}

/** An int literal in Python's sense, which takes in booleans. */
function isIntLiteral(node: PyAst): boolean {
  if (node._type !== 'Constant') return false
  const v = node.value
  return typeof v === 'boolean' || (v !== null && typeof v === 'object' && 'int' in v)
}

function isNonEmptyNonStarTuple(node: PyAst): boolean {
  if (node._type !== 'Tuple') return false
  const elts = children(node, 'elts')
  return elts.length > 0 && !elts.some((e) => e._type === 'Starred')
}

/** Python's `repr` of a constant (floats with infinities spelled `1e309`). */
function reprConstant(value: ConstantValue): string {
  if (value === null) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return reprStr(value)
  if ('int' in value) return reprInt(value.int)
  if ('float' in value) return reprFloat(value.float).replace('inf', INFSTR)
  if ('complex' in value) return reprImaginary(value.complex).replace('inf', INFSTR)
  if ('bytes' in value) return reprBytes(value.bytes)
  return 'Ellipsis'
}

/**
 * A string literal's body and the quotes it may take, with as few escapes as can be (Spack's
 * `_str_literal_helper`): backslashes and non-printable characters escaped, newlines and tabs
 * only when `escapeSpecialWhitespace`.
 */
const PRINTABLE_ASCII = /^[ -[\]-~]*$/

function strLiteral(
  value: string,
  quoteTypes: readonly string[],
  escapeSpecialWhitespace: boolean,
): [string, string[]] {
  let escaped = ''
  if (PRINTABLE_ASCII.test(value)) escaped = value
  else
    for (const ch of value) {
      if (!escapeSpecialWhitespace && (ch === '\n' || ch === '\t')) escaped += ch
      else if (ch === '\\' || !isPrintable(ch)) escaped += unicodeEscape(ch)
      else escaped += ch
    }
  let possible = [...quoteTypes]
  if (escaped.includes('\n')) possible = possible.filter((q) => q.length === 3)
  possible = possible.filter((q) => !escaped.includes(q))
  if (possible.length === 0) {
    // No quote fits: fall back on repr, in one of the allowed quotes where it can be.
    const r = reprStr(value)
    const first = r[0] as string
    const quote = quoteTypes.find((q) => q.includes(first)) ?? first
    return [r.slice(1, -1), [quote]]
  }
  if (escaped.length > 0) {
    const last = escaped[escaped.length - 1]
    // Prefer the quotes that differ from the last character (a stable sort, as Python's).
    possible.sort((a, b) => Number(a[0] === last) - Number(b[0] === last))
    if ((possible[0] as string)[0] === last) escaped = escaped.slice(0, -1) + '\\' + last
  }
  return [escaped, possible]
}

/** One unparse. Its members are public to the node table (VISIT) below, not to the module's users. */
class Unparser {
  out: string[] = []
  readonly precedences = new Map<PyAst, number>()
  indent = 0
  inTryStar = false

  constructor(
    readonly pyVerConsistent: boolean,
    readonly avoidBackslashes: boolean,
  ) {}

  /** The source of `node` (resets what was written). */
  visit(node: PyAst): string {
    this.out = []
    this.traverse(node)
    return this.out.join('')
  }

  write(...parts: string[]): void {
    for (const p of parts) this.out.push(p)
  }

  maybeNewline(): void {
    if (this.out.length > 0) this.write('\n')
  }

  fill(line = ''): void {
    this.maybeNewline()
    this.write('    '.repeat(this.indent) + line)
  }

  buffered(body: () => void): string[] {
    const saved = this.out
    const buffer: string[] = []
    this.out = buffer
    try {
      body()
    } finally {
      this.out = saved
    }
    return buffer
  }

  block(body: () => void): void {
    this.write(':')
    this.indent++
    body()
    this.indent--
  }

  delimit(start: string, end: string, body: () => void): void {
    this.write(start)
    body()
    this.write(end)
  }

  delimitIf(start: string, end: string, condition: boolean, body: () => void): void {
    if (condition) this.delimit(start, end, body)
    else body()
  }

  requireParens(precedence: number, node: PyAst, body: () => void): void {
    this.delimitIf('(', ')', this.getPrecedence(node) > precedence, body)
  }

  getPrecedence(node: PyAst): number {
    return this.precedences.get(node) ?? P.TEST
  }

  setPrecedence(precedence: number, ...nodes: PyAst[]): void {
    for (const n of nodes) this.precedences.set(n, precedence)
  }

  interleave<T>(sep: string, items: readonly T[], each: (item: T) => void): void {
    items.forEach((item, i) => {
      if (i > 0) this.write(sep)
      each(item)
    })
  }

  /** Items separated by commas, a lone item followed by one. */
  itemsView(items: PyAst[]): void {
    if (items.length === 1) {
      this.traverse(items[0] as PyAst)
      this.write(',')
    } else this.interleave(', ', items, (n) => this.traverse(n))
  }

  traverse(node: PyAst | PyAst[]): void {
    if (Array.isArray(node)) {
      for (const n of node) this.traverse(n)
      return
    }
    const visit = VISIT[node._type]
    if (!visit) throw new Error(`cannot unparse a ${node._type} node`)
    visit(this, node)
  }

  /** `await x` and `yield x`: parenthesized below their level, their operand an atom. */
  prefixed(node: PyAst, precedence: number, keyword: string): void {
    this.requireParens(precedence, node, () => {
      this.write(keyword)
      const value = optionalChild(node, 'value')
      if (value) {
        this.write(' ')
        this.setPrecedence(P.ATOM, value)
        this.traverse(value)
      }
    })
  }

  comprehension(node: PyAst, open: string, close: string): void {
    this.delimit(open, close, () => {
      this.traverse(child(node, 'elt'))
      this.traverse(children(node, 'generators'))
    })
  }

  orElse(node: PyAst): void {
    const orelse = children(node, 'orelse')
    if (orelse.length > 0) {
      this.fill('else')
      this.block(() => this.traverse(orelse))
    }
  }

  try(node: PyAst): void {
    this.fill('try')
    this.block(() => this.traverse(children(node, 'body')))
    this.traverse(children(node, 'handlers'))
    this.orElse(node)
    const finalbody = children(node, 'finalbody')
    if (finalbody.length > 0) {
      this.fill('finally')
      this.block(() => this.traverse(finalbody))
    }
  }

  forLoop(node: PyAst, keyword: string): void {
    this.fill(keyword)
    const target = child(node, 'target')
    this.setPrecedence(P.TUPLE, target)
    this.traverse(target)
    this.write(' in ')
    this.traverse(child(node, 'iter'))
    this.block(() => this.traverse(children(node, 'body')))
    this.orElse(node)
  }

  ifStatement(node: PyAst): void {
    this.fill('if ')
    this.traverse(child(node, 'test'))
    this.block(() => this.traverse(children(node, 'body')))
    // An `else` holding just an `if` is written as `elif`.
    let current = node
    for (;;) {
      const orelse = children(current, 'orelse')
      if (orelse.length !== 1 || (orelse[0] as PyAst)._type !== 'If') break
      current = orelse[0] as PyAst
      this.fill('elif ')
      this.traverse(child(current, 'test'))
      const body = children(current, 'body')
      this.block(() => this.traverse(body))
    }
    this.orElse(current)
  }

  decorators(node: PyAst): void {
    this.maybeNewline()
    for (const decorator of children(node, 'decorator_list')) {
      this.fill('@')
      this.traverse(decorator)
    }
  }

  typeParams(node: PyAst): void {
    const params = node.type_params
    if (Array.isArray(params) && params.length > 0)
      this.delimit('[', ']', () =>
        this.interleave(', ', params as PyAst[], (n) => this.traverse(n)),
      )
  }

  typeParamDefault(node: PyAst): void {
    const value = node.default_value
    if (value !== null && value !== undefined && typeof value === 'object' && '_type' in value) {
      this.write(' = ')
      this.traverse(value as PyAst)
    }
  }

  classDef(node: PyAst): void {
    this.decorators(node)
    this.fill('class ' + text(node, 'name'))
    this.typeParams(node)
    const bases = [...children(node, 'bases'), ...children(node, 'keywords')]
    this.delimitIf('(', ')', bases.length > 0, () =>
      this.interleave(', ', bases, (n) => this.traverse(n)),
    )
    this.block(() => this.bodyWithDocstring(node))
  }

  functionDef(node: PyAst, keyword: string): void {
    this.decorators(node)
    this.fill(`${keyword} ${text(node, 'name')}`)
    this.typeParams(node)
    this.delimit('(', ')', () => this.traverse(child(node, 'args')))
    const returns = optionalChild(node, 'returns')
    if (returns) {
      this.write(' -> ')
      this.traverse(returns)
    }
    this.block(() => this.bodyWithDocstring(node))
  }

  arguments(node: PyAst): void {
    let first = true
    const comma = (): void => {
      if (first) first = false
      else this.write(', ')
    }
    const posonly = children(node, 'posonlyargs')
    const all = [...posonly, ...children(node, 'args')]
    const defaults = children(node, 'defaults')
    const offset = all.length - defaults.length
    all.forEach((a, i) => {
      comma()
      this.traverse(a)
      const d = i >= offset ? defaults[i - offset] : undefined
      if (d) {
        this.write('=')
        this.traverse(d)
      }
      if (i + 1 === posonly.length) this.write(', /')
    })
    const vararg = optionalChild(node, 'vararg')
    const kwonly = children(node, 'kwonlyargs')
    if (vararg || kwonly.length > 0) {
      comma()
      this.write('*')
      if (vararg) {
        this.write(text(vararg, 'arg'))
        const annotation = optionalChild(vararg, 'annotation')
        if (annotation) {
          this.write(': ')
          this.traverse(annotation)
        }
      }
    }
    const kwDefaults = optionalChildren(node, 'kw_defaults')
    kwonly.forEach((a, i) => {
      this.write(', ')
      this.traverse(a)
      const d = kwDefaults[i]
      if (d) {
        this.write('=')
        this.traverse(d)
      }
    })
    const kwarg = optionalChild(node, 'kwarg')
    if (kwarg) {
      comma()
      this.write('**' + text(kwarg, 'arg'))
      const annotation = optionalChild(kwarg, 'annotation')
      if (annotation) {
        this.write(': ')
        this.traverse(annotation)
      }
    }
  }

  /** A body, its docstring (a leading string expression) written as a docstring. */
  bodyWithDocstring(node: PyAst): void {
    const body = children(node, 'body')
    const first = body[0]
    if (first && first._type === 'Expr' && isStrLiteral(optionalChild(first, 'value'))) {
      const docstring = child(first, 'value')
      this.fill()
      if (!this.pyVerConsistent && docstring.kind === 'u') this.write('u')
      this.writeStrAvoidingBackslashes(text(docstring, 'value'), MULTI_QUOTES)
      this.traverse(body.slice(1))
    } else this.traverse(body)
  }

  constant(value: ConstantValue): void {
    if (this.avoidBackslashes && typeof value === 'string') this.writeStrAvoidingBackslashes(value)
    else this.write(reprConstant(value))
  }

  writeStrAvoidingBackslashes(value: string, quoteTypes: readonly string[] = ALL_QUOTES): void {
    const [body, quotes] = strLiteral(value, quoteTypes, false)
    const quote = quotes[0] as string
    this.write(quote + body + quote)
  }

  ftstring(node: PyAst, prefix: string): void {
    this.write(prefix)
    if (this.avoidBackslashes) {
      const inner = this.buffered(() => this.ftstringInner(node, false))
      return this.writeStrAvoidingBackslashes(inner.join(''))
    }
    const parts: [string, boolean][] = children(node, 'values').map((value) => [
      this.buffered(() => this.ftstringInner(value, false)).join(''),
      isStrLiteral(value),
    ])
    let quoteTypes: readonly string[] = ALL_QUOTES
    const bodies: string[] = []
    let fallBack = false
    for (const [value, isConstant] of parts) {
      const [body, quotes] = strLiteral(value, quoteTypes, isConstant)
      if (!quotes.some((q) => quoteTypes.includes(q))) {
        fallBack = true
        break
      }
      quoteTypes = quotes
      bodies.push(body)
    }
    if (fallBack) {
      // No one quote suits every part: repr each part and put them in triple single quotes.
      quoteTypes = ["'''"]
      bodies.length = 0
      for (const [value] of parts) bodies.push(reprStr('"' + value).slice(2, -1))
    }
    const quote = quoteTypes[0] as string
    this.write(quote + bodies.join('') + quote)
  }

  ftstringInner(node: PyAst, isFormatSpec: boolean): void {
    if (node._type === 'JoinedStr') {
      for (const value of children(node, 'values')) this.ftstringInner(value, isFormatSpec)
    } else if (node._type === 'FormattedValue') {
      this.interpolation(node)
    } else if (isStrLiteral(node)) {
      let value = node.value.replaceAll('{', '{{').replaceAll('}', '}}')
      if (isFormatSpec)
        value = value
          .replaceAll('\\', '\\\\')
          .replaceAll("'", "\\'")
          .replaceAll('"', '\\"')
          .replaceAll('\n', '\\n')
      this.write(value)
    } else throw new Error(`Unexpected node inside JoinedStr, ${node._type}`)
  }

  interpolation(node: PyAst): void {
    this.delimit('{', '}', () => {
      const value = child(node, 'value')
      const inner = new Unparser(false, true)
      inner.setPrecedence(next(P.TEST), value)
      const expr = inner.visit(value)
      if (expr.includes('\\'))
        throw new SpackUnparseError(
          'Unable to avoid backslash in f-string expression part (python 3.11)',
        )
      // `{ {` keeps a leading brace from reading as an escaped one.
      if (expr.startsWith('{')) this.write(' ')
      this.write(expr)
      const conversion = node.conversion
      if (typeof conversion === 'number' && conversion !== -1)
        this.write('!' + String.fromCharCode(conversion))
      const spec = optionalChild(node, 'format_spec')
      if (spec) {
        this.write(':')
        this.ftstringInner(spec, true)
      }
    })
  }
}

/** How each node type is written, by `_type`. */
const VISIT: Record<string, (u: Unparser, node: PyAst) => void> = {
  Module: (u, node) => u.bodyWithDocstring(node),
  Expr: (u, node) => {
    u.fill()
    u.setPrecedence(P.YIELD, child(node, 'value'))
    return u.traverse(child(node, 'value'))
  },
  NamedExpr: (u, node) =>
    u.requireParens(P.NAMED_EXPR, node, () => {
      u.setPrecedence(P.ATOM, child(node, 'target'), child(node, 'value'))
      u.traverse(child(node, 'target'))
      u.write(' := ')
      u.traverse(child(node, 'value'))
    }),
  Import: (u, node) => {
    u.fill('import ')
    return u.interleave(', ', children(node, 'names'), (n) => u.traverse(n))
  },
  ImportFrom: (u, node) => {
    u.fill('from ')
    const level = node.level
    u.write('.'.repeat(typeof level === 'number' ? level : 0))
    const module = optionalText(node, 'module')
    if (module) u.write(module)
    u.write(' import ')
    return u.interleave(', ', children(node, 'names'), (n) => u.traverse(n))
  },
  Assign: (u, node) => {
    u.fill()
    for (const target of children(node, 'targets')) {
      u.setPrecedence(P.TUPLE, target)
      u.traverse(target)
      u.write(' = ')
    }
    return u.traverse(child(node, 'value'))
  },
  AugAssign: (u, node) => {
    u.fill()
    u.traverse(child(node, 'target'))
    u.write(` ${lookup(BINARY, text(node, 'op'), 'operator')[0]}= `)
    return u.traverse(child(node, 'value'))
  },
  AnnAssign: (u, node) => {
    u.fill()
    const target = child(node, 'target')
    u.delimitIf('(', ')', !node.simple && target._type === 'Name', () => u.traverse(target))
    u.write(': ')
    u.traverse(child(node, 'annotation'))
    const value = optionalChild(node, 'value')
    if (value) {
      u.write(' = ')
      u.traverse(value)
    }
    return
  },
  Return: (u, node) => {
    u.fill('return')
    const value = optionalChild(node, 'value')
    if (value) {
      u.write(' ')
      u.traverse(value)
    }
    return
  },
  Pass: (u) => u.fill('pass'),
  Break: (u) => u.fill('break'),
  Continue: (u) => u.fill('continue'),
  Delete: (u, node) => {
    u.fill('del ')
    return u.interleave(', ', children(node, 'targets'), (n) => u.traverse(n))
  },
  Assert: (u, node) => {
    u.fill('assert ')
    u.traverse(child(node, 'test'))
    const msg = optionalChild(node, 'msg')
    if (msg) {
      u.write(', ')
      u.traverse(msg)
    }
    return
  },
  Global: (u, node) => {
    u.fill(node._type === 'Global' ? 'global ' : 'nonlocal ')
    return u.interleave(', ', texts(node, 'names'), (n) => u.write(n))
  },
  Await: (u, node) => u.prefixed(node, P.AWAIT, 'await'),
  Yield: (u, node) => u.prefixed(node, P.YIELD, 'yield'),
  YieldFrom: (u, node) =>
    u.requireParens(P.YIELD, node, () => {
      u.write('yield from ')
      const value = optionalChild(node, 'value')
      if (!value) throw new Error("Node can't be used without a value attribute.")
      u.setPrecedence(P.ATOM, value)
      u.traverse(value)
    }),
  Raise: (u, node) => {
    u.fill('raise')
    const exc = optionalChild(node, 'exc')
    const cause = optionalChild(node, 'cause')
    if (!exc) {
      if (cause) throw new Error("Node can't use cause without an exception.")
      return
    }
    u.write(' ')
    u.traverse(exc)
    if (cause) {
      u.write(' from ')
      u.traverse(cause)
    }
    return
  },
  Try: (u, node) => {
    const saved = u.inTryStar
    u.inTryStar = node._type === 'TryStar'
    try {
      u.try(node)
    } finally {
      u.inTryStar = saved
    }
    return
  },
  ExceptHandler: (u, node) => {
    u.fill(u.inTryStar ? 'except*' : 'except')
    const type = optionalChild(node, 'type')
    if (type) {
      u.write(' ')
      u.traverse(type)
    }
    const name = optionalText(node, 'name')
    if (name) u.write(' as ', name)
    return u.block(() => u.traverse(children(node, 'body')))
  },
  ClassDef: (u, node) => u.classDef(node),
  FunctionDef: (u, node) => u.functionDef(node, 'def'),
  AsyncFunctionDef: (u, node) => u.functionDef(node, 'async def'),
  TypeVar: (u, node) => {
    u.write(text(node, 'name'))
    const bound = optionalChild(node, 'bound')
    if (bound) {
      u.write(': ')
      u.traverse(bound)
    }
    return u.typeParamDefault(node)
  },
  TypeVarTuple: (u, node) => {
    u.write('*' + text(node, 'name'))
    return u.typeParamDefault(node)
  },
  ParamSpec: (u, node) => {
    u.write('**' + text(node, 'name'))
    return u.typeParamDefault(node)
  },
  TypeAlias: (u, node) => {
    u.fill('type ')
    u.traverse(child(node, 'name'))
    u.typeParams(node)
    u.write(' = ')
    return u.traverse(child(node, 'value'))
  },
  For: (u, node) => u.forLoop(node, 'for '),
  AsyncFor: (u, node) => u.forLoop(node, 'async for '),
  If: (u, node) => u.ifStatement(node),
  While: (u, node) => {
    u.fill('while ')
    u.traverse(child(node, 'test'))
    u.block(() => u.traverse(children(node, 'body')))
    return u.orElse(node)
  },
  With: (u, node) => {
    u.fill(node._type === 'With' ? 'with ' : 'async with ')
    u.interleave(', ', children(node, 'items'), (n) => u.traverse(n))
    return u.block(() => u.traverse(children(node, 'body')))
  },
  JoinedStr: (u, node) => u.ftstring(node, 'f'),
  TemplateStr: (u, node) => u.ftstring(node, 't'),
  FormattedValue: (u, node) => u.interpolation(node),
  Name: (u, node) => u.write(text(node, 'id')),
  Constant: (u, node) => {
    const value = node.value as ConstantValue
    if (value !== null && typeof value === 'object' && 'ellipsis' in value) return u.write('...')
    if (!u.pyVerConsistent && node.kind === 'u') u.write('u')
    return u.constant(value)
  },
  List: (u, node) =>
    u.delimit('[', ']', () => u.interleave(', ', children(node, 'elts'), (n) => u.traverse(n))),
  ListComp: (u, node) => u.comprehension(node, '[', ']'),
  GeneratorExp: (u, node) => u.comprehension(node, '(', ')'),
  SetComp: (u, node) => u.comprehension(node, '{', '}'),
  DictComp: (u, node) =>
    u.delimit('{', '}', () => {
      u.traverse(child(node, 'key'))
      u.write(': ')
      u.traverse(child(node, 'value'))
      u.traverse(children(node, 'generators'))
    }),
  comprehension: (u, node) => {
    u.write(node.is_async ? ' async for ' : ' for ')
    const target = child(node, 'target')
    u.setPrecedence(P.TUPLE, target)
    u.traverse(target)
    u.write(' in ')
    const ifs = children(node, 'ifs')
    u.setPrecedence(next(P.TEST), child(node, 'iter'), ...ifs)
    u.traverse(child(node, 'iter'))
    for (const clause of ifs) {
      u.write(' if ')
      u.traverse(clause)
    }
    return
  },
  IfExp: (u, node) =>
    u.requireParens(P.TEST, node, () => {
      u.setPrecedence(next(P.TEST), child(node, 'body'), child(node, 'test'))
      u.traverse(child(node, 'body'))
      u.write(' if ')
      u.traverse(child(node, 'test'))
      u.write(' else ')
      u.setPrecedence(P.TEST, child(node, 'orelse'))
      u.traverse(child(node, 'orelse'))
    }),
  Set: (u, node) => {
    const elts = children(node, 'elts')
    // `{}` is a dict, and `set` may be shadowed.
    if (elts.length === 0) return u.write('{*()}')
    return u.delimit('{', '}', () => u.interleave(', ', elts, (n) => u.traverse(n)))
  },
  Dict: (u, node) => {
    const items = zip(optionalChildren(node, 'keys'), children(node, 'values'))
    return u.delimit('{', '}', () =>
      u.interleave(', ', items, ([k, v]) => {
        if (k === null) {
          // `{**d}`
          u.write('**')
          u.setPrecedence(P.EXPR, v)
          u.traverse(v)
        } else {
          u.traverse(k)
          u.write(': ')
          u.traverse(v)
        }
      }),
    )
  },
  Tuple: (u, node) =>
    u.delimitIf(
      '(',
      ')',
      // Spack keeps the parentheses Python <= 3.10 wrote, for hashes to stay put.
      u.pyVerConsistent || children(node, 'elts').length === 0 || u.getPrecedence(node) > P.TUPLE,
      () => u.itemsView(children(node, 'elts')),
    ),
  UnaryOp: (u, node) => {
    const [op, precedence] = lookup(UNARY, text(node, 'op'), 'unary operator')
    return u.requireParens(precedence, node, () => {
      u.write(op)
      if (precedence !== P.FACTOR) u.write(' ')
      u.setPrecedence(precedence, child(node, 'operand'))
      u.traverse(child(node, 'operand'))
    })
  },
  BinOp: (u, node) => {
    const [op, precedence] = lookup(BINARY, text(node, 'op'), 'operator')
    return u.requireParens(precedence, node, () => {
      const rightAssociative = op === '**'
      u.setPrecedence(rightAssociative ? next(precedence) : precedence, child(node, 'left'))
      u.traverse(child(node, 'left'))
      u.write(` ${op} `)
      u.setPrecedence(rightAssociative ? precedence : next(precedence), child(node, 'right'))
      u.traverse(child(node, 'right'))
    })
  },
  Compare: (u, node) =>
    u.requireParens(P.CMP, node, () => {
      const comparators = children(node, 'comparators')
      const ops = texts(node, 'ops')
      u.setPrecedence(next(P.CMP), child(node, 'left'), ...comparators)
      u.traverse(child(node, 'left'))
      comparators.forEach((e, i) => {
        u.write(` ${lookup(COMPARE, ops[i] ?? '', 'comparison')} `)
        u.traverse(e)
      })
    }),
  BoolOp: (u, node) => {
    const [op, start] = lookup(BOOLEAN, text(node, 'op'), 'boolean operator')
    // Each operand sits one level tighter than the one before it (as in Spack).
    let precedence = start
    return u.requireParens(start, node, () =>
      u.interleave(` ${op} `, children(node, 'values'), (n) => {
        precedence = next(precedence)
        u.setPrecedence(precedence, n)
        u.traverse(n)
      }),
    )
  },
  Attribute: (u, node) => {
    const value = child(node, 'value')
    u.setPrecedence(P.ATOM, value)
    u.traverse(value)
    // `3.real` would not parse: `3 .real` does.
    if (isIntLiteral(value)) u.write(' ')
    return u.write('.', text(node, 'attr'))
  },
  Call: (u, node) => {
    u.setPrecedence(P.ATOM, child(node, 'func'))
    u.traverse(child(node, 'func'))
    return u.delimit('(', ')', () =>
      u.interleave(', ', [...children(node, 'args'), ...children(node, 'keywords')], (n) =>
        u.traverse(n),
      ),
    )
  },
  Subscript: (u, node) => {
    u.setPrecedence(P.ATOM, child(node, 'value'))
    u.traverse(child(node, 'value'))
    const slice = child(node, 'slice')
    return u.delimit('[', ']', () => {
      // `a[1, *b]` is 3.11 syntax only: a tuple with a starred item keeps its parentheses.
      if (isNonEmptyNonStarTuple(slice)) u.itemsView(children(slice, 'elts'))
      else u.traverse(slice)
    })
  },
  Starred: (u, node) => {
    u.write('*')
    u.setPrecedence(P.EXPR, child(node, 'value'))
    return u.traverse(child(node, 'value'))
  },
  Slice: (u, node) => {
    const lower = optionalChild(node, 'lower')
    const upper = optionalChild(node, 'upper')
    const step = optionalChild(node, 'step')
    if (lower) u.traverse(lower)
    u.write(':')
    if (upper) u.traverse(upper)
    if (step) {
      u.write(':')
      u.traverse(step)
    }
    return
  },
  Match: (u, node) => {
    u.fill('match ')
    u.traverse(child(node, 'subject'))
    return u.block(() => u.traverse(children(node, 'cases')))
  },
  arg: (u, node) => {
    u.write(text(node, 'arg'))
    const annotation = optionalChild(node, 'annotation')
    if (annotation) {
      u.write(': ')
      u.traverse(annotation)
    }
    return
  },
  arguments: (u, node) => u.arguments(node),
  keyword: (u, node) => {
    const arg = optionalText(node, 'arg')
    if (arg === null) u.write('**')
    else u.write(arg, '=')
    return u.traverse(child(node, 'value'))
  },
  Lambda: (u, node) =>
    u.requireParens(P.TEST, node, () => {
      u.write('lambda')
      const args = u.buffered(() => u.traverse(child(node, 'args')))
      // Spack keeps the space of `lambda : x` (Python < 3.11) for hashes to stay put.
      if (args.length > 0 || u.pyVerConsistent) u.write(' ', ...args)
      u.write(': ')
      u.setPrecedence(P.TEST, child(node, 'body'))
      u.traverse(child(node, 'body'))
    }),
  alias: (u, node) => {
    u.write(text(node, 'name'))
    const asname = optionalText(node, 'asname')
    if (asname) u.write(' as ' + asname)
    return
  },
  withitem: (u, node) => {
    u.traverse(child(node, 'context_expr'))
    const vars = optionalChild(node, 'optional_vars')
    if (vars) {
      u.write(' as ')
      u.traverse(vars)
    }
    return
  },
  match_case: (u, node) => {
    u.fill('case ')
    u.traverse(child(node, 'pattern'))
    const guard = optionalChild(node, 'guard')
    if (guard) {
      u.write(' if ')
      u.traverse(guard)
    }
    return u.block(() => u.traverse(children(node, 'body')))
  },
  MatchValue: (u, node) => u.traverse(child(node, 'value')),
  MatchSingleton: (u, node) => u.constant(node.value as ConstantValue),
  MatchSequence: (u, node) =>
    u.delimit('[', ']', () => u.interleave(', ', children(node, 'patterns'), (n) => u.traverse(n))),
  MatchStar: (u, node) => u.write(`*${optionalText(node, 'name') ?? '_'}`),
  MatchMapping: (u, node) => {
    const keys = children(node, 'keys')
    const patterns = children(node, 'patterns')
    return u.delimit('{', '}', () => {
      u.interleave(', ', zip(keys, patterns), ([k, p]) => {
        u.traverse(k)
        u.write(': ')
        u.traverse(p)
      })
      const rest = optionalText(node, 'rest')
      if (rest !== null) {
        if (keys.length > 0) u.write(', ')
        u.write(`**${rest}`)
      }
    })
  },
  MatchClass: (u, node) => {
    u.setPrecedence(P.ATOM, child(node, 'cls'))
    u.traverse(child(node, 'cls'))
    const patterns = children(node, 'patterns')
    const attrs = texts(node, 'kwd_attrs')
    return u.delimit('(', ')', () => {
      u.interleave(', ', patterns, (n) => u.traverse(n))
      if (attrs.length > 0) {
        if (patterns.length > 0) u.write(', ')
        u.interleave(', ', zip(attrs, children(node, 'kwd_patterns')), ([a, p]) => {
          u.write(`${a}=`)
          u.traverse(p)
        })
      }
    })
  },
  MatchAs: (u, node) => {
    const name = optionalText(node, 'name')
    const pattern = optionalChild(node, 'pattern')
    if (name === null) return u.write('_')
    if (pattern === null) return u.write(name)
    return u.requireParens(P.TEST, node, () => {
      u.setPrecedence(P.BOR, pattern)
      u.traverse(pattern)
      u.write(` as ${name}`)
    })
  },
  MatchOr: (u, node) => {
    const patterns = children(node, 'patterns')
    return u.requireParens(P.BOR, node, () => {
      u.setPrecedence(next(P.BOR), ...patterns)
      u.interleave(' | ', patterns, (n) => u.traverse(n))
    })
  },
}

// Node types written alike.
for (const [alias, of] of [
  ['Nonlocal', 'Global'],
  ['TryStar', 'Try'],
  ['AsyncWith', 'With'],
] as const)
  VISIT[alias] = VISIT[of] as (u: Unparser, node: PyAst) => void

function zip<A, B>(as: readonly A[], bs: readonly B[]): [A, B][] {
  const n = Math.min(as.length, bs.length)
  const out: [A, B][] = []
  for (let i = 0; i < n; i++) out.push([as[i] as A, bs[i] as B])
  return out
}

/**
 * Spack's `unparse(module, py_ver_consistent=True)`: the unparser's text and a final newline,
 * the text Spack hashes as a recipe's canonical source.
 */
/**
 * What Spack's unparser itself raises on valid Python it cannot write back (nested f-strings
 * whose expression parts need backslashes, Python 3.12): bad input, not a bug here.
 */
export class SpackUnparseError extends Error {}

export function unparseSpack(module: PyAst): string {
  return new Unparser(true, false).visit(module) + '\n'
}
