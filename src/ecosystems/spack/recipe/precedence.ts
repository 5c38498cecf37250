/**
 * Python's operator precedence, so the formatting rule can emit an expression with exactly the
 * parentheses its tree needs (redundant ones dropped, meaningful ones kept).
 *
 * The lezer grammar groups some operator chains unlike Python does (`not a and b` reads as
 * `not (a and b)`, `await a ** b` as `await (a ** b)`, `a or b if c else d` …). The text is still
 * valid, but deciding which parentheses are redundant needs Python's tree: an operator expression
 * is flattened back to its operands and operator tokens (its text is exactly those, in order) and
 * re-parsed here by Python's grammar. Operands are nodes that are not operator expressions:
 * names, literals, calls, subscripts, displays and parenthesized expressions, each an atom.
 */
import type { PyNode } from './syntax.js'

/** Binding strength, weakest first (the Python reference manual's precedence table). */
export const PREC = {
  yield: -1,
  named: 0,
  lambda: 1,
  conditional: 2,
  or: 3,
  and: 4,
  not: 5,
  compare: 6,
  bitor: 7,
  bitxor: 8,
  bitand: 9,
  shift: 10,
  arith: 11,
  term: 12,
  unary: 13,
  power: 14,
  await: 15,
  atom: 16,
} as const

export type Expr =
  | { kind: 'atom'; node: PyNode }
  /** A left-associative binary operator, or `**` (right-associative). */
  | { kind: 'binary'; op: string; prec: number; left: Expr; right: Expr }
  /** A comparison chain: `a < b == c` is one node with two operators. */
  | { kind: 'compare'; operands: Expr[]; ops: string[] }
  /** `not x`, `-x`, `+x`, `~x`, `await x`. */
  | { kind: 'prefix'; op: string; prec: number; operand: Expr }
  | { kind: 'conditional'; body: Expr; test: Expr; orelse: Expr }
  /** `node` is the LambdaExpression (its parameters are emitted from it). */
  | { kind: 'lambda'; node: PyNode; body: Expr }

/** Node names that are operator expressions (everything else is an operand). */
export const OPERATOR_NODES: ReadonlySet<string> = new Set([
  'BinaryExpression',
  'UnaryExpression',
  'AwaitExpression',
  'ConditionalExpression',
  'LambdaExpression',
])

export function precedence(expr: Expr): number {
  switch (expr.kind) {
    case 'atom':
      return nodePrecedence(expr.node)
    case 'binary':
    case 'prefix':
      return expr.prec
    case 'compare':
      return PREC.compare
    case 'conditional':
      return PREC.conditional
    case 'lambda':
      return PREC.lambda
  }
}

/** Precedence of an operand node (operator expressions are read with `readOperators`). */
export function nodePrecedence(node: PyNode): number {
  if (node.name === 'YieldExpression') return PREC.yield
  if (node.name === 'NamedExpression') return PREC.named
  return PREC.atom
}

type Token = { op: string } | { operand: PyNode } | { lambda: PyNode }

/**
 * The expression tree of an operator expression as Python reads its tokens; undefined when they
 * do not form a Python expression (the caller then keeps the source's grouping and parentheses).
 */
export function readOperators(node: PyNode, text: string): Expr | undefined {
  const tokens: Token[] = []
  flatten(node, text, tokens)
  const parser = new OperatorParser(tokens)
  const expr = parser.test()
  return expr !== undefined && parser.done() ? expr : undefined
}

function flatten(node: PyNode, text: string, out: Token[]): void {
  if (!OPERATOR_NODES.has(node.name)) {
    out.push({ operand: node })
    return
  }
  if (node.name === 'LambdaExpression') {
    out.push({ lambda: node })
    const body = node.lastChild
    if (body !== null) flatten(body, text, out)
    return
  }
  for (let child = node.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === 'Comment') continue
    if (OPERATOR_TOKENS.has(name)) out.push({ op: text.slice(child.from, child.to) })
    else flatten(child, text, out)
  }
}

/** Child node names that are operator tokens inside operator expressions. */
const OPERATOR_TOKENS = new Set([
  'ArithOp',
  'BitOp',
  'CompareOp',
  'or',
  'and',
  'not',
  'in',
  'is',
  'if',
  'else',
  'await',
])

/** Left-associative binary levels from `|` to `*`: operators and precedence. */
const BINARY_LEVELS: ReadonlyArray<{ ops: ReadonlySet<string>; prec: number }> = [
  { ops: new Set(['|']), prec: PREC.bitor },
  { ops: new Set(['^']), prec: PREC.bitxor },
  { ops: new Set(['&']), prec: PREC.bitand },
  { ops: new Set(['<<', '>>']), prec: PREC.shift },
  { ops: new Set(['+', '-']), prec: PREC.arith },
  { ops: new Set(['*', '@', '/', '%', '//']), prec: PREC.term },
]

const COMPARE_OPS = new Set(['<', '>', '==', '>=', '<=', '!=', '<>'])

/** Recursive descent over Python's expression grammar (test → … → primary). */
class OperatorParser {
  private at = 0

  constructor(private readonly tokens: readonly Token[]) {}

  done(): boolean {
    return this.at === this.tokens.length
  }

  private peekOp(): string | undefined {
    const token = this.tokens[this.at]
    return token !== undefined && 'op' in token ? token.op : undefined
  }

  private eat(op: string): boolean {
    if (this.peekOp() !== op) return false
    this.at++
    return true
  }

  /** lambda | or ['if' or 'else' test] */
  test(): Expr | undefined {
    const token = this.tokens[this.at]
    if (token !== undefined && 'lambda' in token) {
      this.at++
      const body = this.test()
      return body === undefined ? undefined : { kind: 'lambda', node: token.lambda, body }
    }
    const body = this.or()
    if (body === undefined || !this.eat('if')) return body
    const test = this.or()
    if (test === undefined || !this.eat('else')) return undefined
    const orelse = this.test()
    return orelse === undefined ? undefined : { kind: 'conditional', body, test, orelse }
  }

  private or(): Expr | undefined {
    return this.logic('or', PREC.or, () => this.and())
  }

  private and(): Expr | undefined {
    return this.logic('and', PREC.and, () => this.not())
  }

  private logic(op: string, prec: number, next: () => Expr | undefined): Expr | undefined {
    let left = next()
    while (left !== undefined && this.eat(op)) {
      const right = next()
      if (right === undefined) return undefined
      left = { kind: 'binary', op, prec, left, right }
    }
    return left
  }

  private not(): Expr | undefined {
    if (!this.eat('not')) return this.compare()
    const operand = this.not()
    return operand === undefined
      ? undefined
      : { kind: 'prefix', op: 'not', prec: PREC.not, operand }
  }

  private compare(): Expr | undefined {
    const first = this.binary(0)
    if (first === undefined) return undefined
    const operands = [first]
    const ops: string[] = []
    for (;;) {
      const op = this.compareOp()
      if (op === undefined) break
      const next = this.binary(0)
      if (next === undefined) return undefined
      ops.push(op)
      operands.push(next)
    }
    return ops.length === 0 ? first : { kind: 'compare', operands, ops }
  }

  private compareOp(): string | undefined {
    const op = this.peekOp()
    if (op === undefined) return undefined
    if (COMPARE_OPS.has(op) || op === 'in') {
      this.at++
      return op
    }
    if (op === 'is') {
      this.at++
      return this.eat('not') ? 'is not' : 'is'
    }
    if (op === 'not') {
      const next = this.tokens[this.at + 1]
      if (next !== undefined && 'op' in next && next.op === 'in') {
        this.at += 2
        return 'not in'
      }
    }
    return undefined
  }

  private binary(level: number): Expr | undefined {
    const spec = BINARY_LEVELS[level]
    if (spec === undefined) return this.factor()
    let left = this.binary(level + 1)
    for (;;) {
      const op = this.peekOp()
      if (left === undefined || op === undefined || !spec.ops.has(op)) return left
      this.at++
      const right = this.binary(level + 1)
      if (right === undefined) return undefined
      left = { kind: 'binary', op, prec: spec.prec, left, right }
    }
  }

  /** ('+' | '-' | '~') factor | power */
  private factor(): Expr | undefined {
    const op = this.peekOp()
    if (op === '+' || op === '-' || op === '~') {
      this.at++
      const operand = this.factor()
      return operand === undefined ? undefined : { kind: 'prefix', op, prec: PREC.unary, operand }
    }
    return this.power()
  }

  /** await_primary ['**' factor] */
  private power(): Expr | undefined {
    const base = this.awaitPrimary()
    if (base === undefined || !this.eat('**')) return base
    const exponent = this.factor()
    return exponent === undefined
      ? undefined
      : { kind: 'binary', op: '**', prec: PREC.power, left: base, right: exponent }
  }

  private awaitPrimary(): Expr | undefined {
    if (!this.eat('await')) return this.primary()
    const operand = this.primary()
    return operand === undefined
      ? undefined
      : { kind: 'prefix', op: 'await', prec: PREC.await, operand }
  }

  private primary(): Expr | undefined {
    const token = this.tokens[this.at]
    if (token === undefined || !('operand' in token)) return undefined
    this.at++
    return { kind: 'atom', node: token.operand }
  }
}

/** Where each operand of an operator expression must bind at least as tightly. */
export function operandMinimum(expr: Expr, index: number): number {
  switch (expr.kind) {
    case 'binary':
      if (expr.op === '**') return index === 0 ? PREC.await : PREC.unary
      return index === 0 ? expr.prec : expr.prec + 1
    case 'compare':
      return PREC.compare + 1
    case 'prefix':
      return expr.op === 'await' ? PREC.atom : expr.prec
    case 'conditional':
      return index === 2 ? PREC.lambda : PREC.or
    case 'lambda':
      return PREC.lambda
    case 'atom':
      return PREC.atom
  }
}
