/**
 * The formatting rule: re-emit statements and expressions from the syntax tree in one fixed
 * spelling, so that a change of formatting alone never changes the canonical text. What each part
 * merges, and what it keeps apart because it may change what the code does:
 *
 * - layout: line breaks, backslash continuations, spacing, comments → one statement per line and
 *   one spacing rule (Writer);
 * - trailing commas before a closing bracket are dropped, except the one that makes a one-element
 *   tuple (`(a,)`, `x[a,]`);
 * - parentheses: emitted only where the tree needs them, by Python's operator precedence
 *   (precedence.ts): `(a)` = `a`, `(a + b) * c` ≠ `a + b * c`, `(a < b) < c` ≠ `a < b < c`.
 *   `(yield …)`, `(x := …)` and parenthesized lambdas in positions a `:` could follow stay
 *   parenthesized; so does a parenthesized annotated target (`(x): int`, not recorded as an
 *   annotation);
 * - tuples: a tuple that is a value (expression statement, assignment value, return, yield, `for`
 *   iterable) is always written `(a, b)`, a tuple that is a target (assignment, `for`,
 *   comprehension `for`, `del`) always bare `a, b`; both spellings mean the same there. Subscripts
 *   (`x[a, b]` vs `x[(a, b)]`) and `except a, b:` are kept as written;
 * - `with (a as b, c):` = `with a as b, c:`;
 * - strings (strings.ts): one quoting per value, implicit concatenation folded into one literal,
 *   f-strings keep their fields (re-emitted) but not their quoting;
 * - numbers (numbers.ts): one spelling per value, int and float kept apart.
 */
import { canonicalNumber } from './numbers.js'
import {
  nodePrecedence,
  OPERATOR_NODES,
  operandMinimum,
  PREC,
  precedence,
  readOperators,
  type Expr,
} from './precedence.js'
import { decodeBody, decodeLiteral, escapeBody, quoteValue, splitLiteral } from './strings.js'
import type { PyNode } from './syntax.js'

/** Token classes that decide spacing. */
const K = {
  None: 0,
  Word: 1,
  Keyword: 2,
  Op: 3,
  Open: 4,
  Close: 5,
  Comma: 6,
  Colon: 7,
  SliceColon: 8,
  Dot: 9,
  Prefix: 10,
  KwAssign: 11,
} as const
type K = (typeof K)[keyof typeof K]

const KEYWORDS = new Set(
  (
    'and as assert async await break case class continue def del elif else except finally for from ' +
    'global if import in is lambda match nonlocal not or pass raise return try type while with yield'
  ).split(' '),
)

const CLOSERS = new Set([')', ']', '}'])
const OPENERS = new Set(['(', '[', '{'])
/** Parents in which `=` binds a keyword argument or a parameter default. */
const KWARG_PARENTS = new Set(['ArgList', 'ParamList', 'PatternArgList', 'KeywordPattern'])
/** Parents in which a `:` is a slice colon (no spaces); elsewhere a space follows it. */
const SLICE_PARENTS = new Set(['MemberExpression'])
const STRING_NODES = new Set(['String', 'FormatString', 'ContinuedString'])
/** Parents whose children may hold a comprehension clause (`for … in … if …`). */
const COMPREHENSION_PARENTS = new Set([
  'ArgList',
  'ComprehensionExpression',
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression',
])
/** Parents whose items are expressions in which a bare lambda cannot be misread. */
const LAMBDA_ITEM_PARENTS = new Set([
  'ArgList',
  'ArrayExpression',
  'ArrayComprehensionExpression',
  'TupleExpression',
  'SetExpression',
  'SetComprehensionExpression',
  'ComprehensionExpression',
])

/** A minimum above every precedence: parentheses stay as written. */
const KEEP = PREC.atom + 1

function needsSpace(prev: K, next: K): boolean {
  if (
    prev === K.None ||
    prev === K.Open ||
    prev === K.Prefix ||
    prev === K.Dot ||
    prev === K.KwAssign ||
    prev === K.SliceColon
  )
    return false
  if (
    next === K.Close ||
    next === K.Comma ||
    next === K.Colon ||
    next === K.SliceColon ||
    next === K.Dot ||
    next === K.KwAssign
  )
    return false
  if (next === K.Open) return !(prev === K.Word || prev === K.Close)
  return true
}

/** Non-comment children of a node. */
function kidsOf(node: PyNode): PyNode[] {
  const kids: PyNode[] = []
  for (let child = node.firstChild; child; child = child.nextSibling)
    if (child.name !== 'Comment') kids.push(child)
  return kids
}

/** The expression inside `( … )`, when it is a single one (not `(*a)`). */
function parenthesized(node: PyNode): PyNode | undefined {
  const kids = kidsOf(node)
  if (kids.length !== 3 || kids[0]?.name !== '(' || kids[2]?.name !== ')') return undefined
  const inner = kids[1] as PyNode
  return inner.name === '*' ? undefined : inner
}

/** `((x))` → `x`: the node inside redundant parentheses (yield and walrus stay wrapped). */
function unwrap(node: PyNode): PyNode {
  let current = node
  for (;;) {
    if (current.name !== 'ParenthesizedExpression') return current
    const inner = parenthesized(current)
    if (inner === undefined || inner.name === 'YieldExpression' || inner.name === 'NamedExpression')
      return current
    current = inner
  }
}

type Segment = { literal: string } | { field: string }
/** A string literal read for re-emission. */
type Piece =
  | { kind: 'text'; value: string; bytes: boolean }
  | { kind: 'format'; segments: Segment[]; raw: string }
  | { kind: 'verbatim'; raw: string }

/** Collects the tokens of one logical line. */
export class Writer {
  private out = ''
  private prev: K = K.None
  private prevIsIntLiteral = false
  private pendingComma = false
  /** End offset of the last token taken from the tree (to tell `1 .real` from a split `1.e8`). */
  private lastEnd = -1
  private adjacent = false

  constructor(readonly text: string) {}

  push(kind: K, token: string): void {
    if (this.pendingComma) {
      this.pendingComma = false
      this.out += ','
      this.prev = K.Comma
    }
    if (kind === K.Dot && this.prevIsIntLiteral) {
      // `1 .real` needs its space; a `1.e8` an older grammar split after the dot must stay whole.
      if (!this.adjacent) this.out += ' '
    } else if (needsSpace(this.prev, kind)) this.out += ' '
    this.out += token
    this.prev = kind
    const first = token.charCodeAt(0)
    this.prevIsIntLiteral = kind === K.Word && first >= 48 && first <= 57 && /^[0-9_]+$/.test(token)
    this.adjacent = false
  }

  /** A comma is held back until the next token: before a closing bracket it is dropped. */
  comma(): void {
    if (this.pendingComma) this.push(K.Comma, ',')
    this.pendingComma = true
  }

  /** Forget a held-back trailing comma. */
  private dropComma(): void {
    this.pendingComma = false
  }

  close(token: string, keepComma: boolean): void {
    if (!keepComma) this.pendingComma = false
    this.push(K.Close, token)
  }

  word(token: string): void {
    this.push(K.Word, token)
  }

  private keyword(token: string): void {
    this.push(K.Keyword, token)
  }

  /** Append a header's closing colon. */
  colon(): void {
    this.push(K.Colon, ':')
  }

  /** The line so far (a pending trailing comma is kept: `a, = x` unpacks one item). */
  take(): string {
    if (this.pendingComma) {
      this.pendingComma = false
      this.out += ','
    }
    const line = this.out
    this.out = ''
    this.prev = K.None
    this.prevIsIntLiteral = false
    this.lastEnd = -1
    return line
  }

  /** Emit the source text between two offsets when it holds tokens the tree does not name. */
  gap(from: number, to: number): void {
    const text = this.text
    let i = from
    while (i < to) {
      const c = text.charCodeAt(i)
      // space, tab, newline, form feed, backslash (line continuation)
      if (c === 32 || c === 9 || c === 10 || c === 12 || c === 92) {
        i++
        continue
      }
      if (c === 35) {
        // `#`: lezer does not always attach a comment to the node whose gap it sits in.
        const eol = text.indexOf('\n', i)
        i = eol === -1 || eol > to ? to : eol
        continue
      }
      let j = i + 1
      while (j < to) {
        const d = text.charCodeAt(j)
        if (d === 32 || d === 9 || d === 10 || d === 12 || d === 92 || d === 35) break
        j++
      }
      this.gapToken(text.slice(i, j))
      i = j
    }
  }

  private gapToken(token: string): void {
    if (token === ',') this.comma()
    else if (OPENERS.has(token)) this.push(K.Open, token)
    else if (CLOSERS.has(token)) this.close(token, true)
    else if (token === ':') this.push(K.Colon, token)
    else if (token === '.') this.push(K.Dot, token)
    else if (/^[A-Za-z_]/.test(token)) this.push(KEYWORDS.has(token) ? K.Keyword : K.Word, token)
    else this.push(K.Op, token)
  }

  /** Emit a statement, decorator or expression node. */
  emitNode(node: PyNode): void {
    this.emit(node, '', PREC.lambda)
  }

  /** Emit a compound statement's header (the nodes before its `:`). */
  emitNodes(nodes: readonly PyNode[], parentName: string): void {
    if (parentName === 'ForStatement') {
      this.forClause(nodes, 0, nodes.length, PREC.lambda)
      return
    }
    let pos = -1
    for (const node of nodes) {
      if (pos >= 0 && node.from > pos) this.gap(pos, node.from)
      pos = node.to
      if (parentName === 'WithStatement' && (node.name === '(' || node.name === ')')) {
        // `with (a as b, c):` is `with a as b, c:`.
        if (node.name === ')') this.dropComma()
        continue
      }
      this.emit(node, parentName, PREC.conditional)
    }
  }

  /**
   * Emit `node` where its parent `parent` needs it to bind at least as tightly as `min` (a PREC
   * value; KEEP keeps parentheses as written).
   */
  private emit(node: PyNode, parent: string, min: number): void {
    const name = node.name
    if (name === 'Comment') return
    if (STRING_NODES.has(name)) {
      this.push(K.Word, this.stringText(node))
      this.lastEnd = node.to
      return
    }
    switch (name) {
      case 'ParenthesizedExpression':
        this.paren(node, min)
        return
      case 'AssignStatement':
        this.assignment(node)
        return
      case 'UpdateStatement':
        this.update(node)
        return
      case 'ExpressionStatement':
        this.sequence(kidsOf(node), 'value', PREC.lambda)
        return
      case 'ReturnStatement':
      case 'DeleteStatement': {
        const [keyword, ...rest] = kidsOf(node)
        if (keyword !== undefined) this.keyword(this.text.slice(keyword.from, keyword.to))
        if (rest.length > 0)
          this.sequence(rest, name === 'DeleteStatement' ? 'target' : 'value', PREC.lambda)
        return
      }
      case 'YieldStatement':
      case 'YieldExpression':
        this.yieldNode(node, min)
        return
    }
    if (OPERATOR_NODES.has(name)) {
      const expr = readOperators(node, this.text)
      if (expr === undefined) this.children(node, name, true)
      else this.tree(expr, min)
      return
    }
    if (node.firstChild === null) {
      this.adjacent = node.from === this.lastEnd
      this.leaf(name, this.text.slice(node.from, node.to), parent)
      this.lastEnd = node.to
      return
    }
    const own = nodePrecedence(node)
    if (own < min && min <= PREC.atom) {
      // `x := y` and `yield y` standing where only parentheses make them valid or unambiguous.
      this.push(K.Open, '(')
      this.children(node, name, false)
      this.close(')', false)
      return
    }
    this.children(node, name, false)
  }

  /** Children of a node, in order, with the unnamed tokens between them. */
  private children(node: PyNode, name: string, keep: boolean): void {
    const kids = kidsOf(node)
    let pos = node.from
    let commas = 0
    let afterStar = false
    let afterColon = false
    let afterAssign = false
    let comprehension = false
    const canComprehend = COMPREHENSION_PARENTS.has(name)
    const tupleLike =
      name === 'TupleExpression' || name === 'SequencePattern' || name === 'MemberExpression'
    const itemMin = LAMBDA_ITEM_PARENTS.has(name) ? PREC.lambda : PREC.conditional
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i] as PyNode
      const kidName = kid.name
      if (kid.from > pos) this.gap(pos, kid.from)
      pos = kid.to
      if (kidName === ',') {
        commas++
        this.comma()
        afterColon = false
        afterAssign = false
        continue
      }
      if (kidName === ')' || kidName === ']' || kidName === '}') {
        // `(x,)` is a one-element tuple and `x[a,]` a tuple index: those commas stay.
        this.close(kidName, tupleLike && commas === 1)
        continue
      }
      if (canComprehend && kidName === 'for') {
        // `for <targets> in <iterable>`: targets are written bare, like a `for` statement's.
        let end = i + 1
        while (end < kids.length && kids[end]?.name !== 'in') end++
        this.forClause(kids, i, end + 1 < kids.length ? end + 2 : end, PREC.or)
        i = end + 1
        pos = (kids[Math.min(i, kids.length - 1)] as PyNode).to
        comprehension = true
        continue
      }
      if (canComprehend && kidName === 'if') {
        this.keyword('if')
        comprehension = true
        continue
      }
      let min: number
      if (keep) min = KEEP
      else if (i === 0 && (name === 'CallExpression' || name === 'MemberExpression'))
        min = PREC.atom
      else if (afterStar) min = PREC.bitor
      else if (comprehension) min = PREC.or
      else if (afterAssign) min = PREC.lambda
      else if (name === 'DictionaryExpression' || name === 'DictionaryComprehensionExpression')
        min = afterColon ? PREC.lambda : PREC.conditional
      else min = itemMin
      afterStar = kidName === '*' || kidName === '**'
      if (kidName === ':') afterColon = true
      afterAssign = kidName === 'AssignOp'
      this.emit(kid, name, min)
    }
    if (node.to > pos) this.gap(pos, node.to)
  }

  /**
   * `for <targets> in <iterables>` from `nodes[from]` (the `async` or `for` keyword) to `to`: the
   * targets bare, the iterables as a value (`iterMin`: a comprehension takes one `or`-level test).
   */
  private forClause(nodes: readonly PyNode[], from: number, to: number, iterMin: number): void {
    let i = from
    while (i < to && (nodes[i]?.name === 'async' || nodes[i]?.name === 'for')) {
      this.keyword(nodes[i]?.name as string)
      i++
    }
    let inAt = i
    while (inAt < to && nodes[inAt]?.name !== 'in') inAt++
    this.sequence(nodes.slice(i, inAt), 'target', PREC.lambda)
    if (inAt >= to) return
    this.keyword('in')
    this.sequence(nodes.slice(inAt + 1, to), 'value', iterMin)
  }

  /**
   * A comma-separated run of expressions (with `*` items) standing for one value or target: a
   * tuple when it has a comma; a tuple value is parenthesized, a tuple target bare.
   */
  private sequence(nodes: readonly PyNode[], role: 'value' | 'target', min: number): void {
    const items: Array<{ star: boolean; node: PyNode }> = []
    let star = false
    let commas = 0
    let plain = true
    for (const node of nodes) {
      const name = node.name
      if (name === ',') commas++
      else if (name === '*') star = true
      else {
        if (name === 'TypeDef' || name === 'AssignOp' || name === 'UpdateOp') plain = false
        items.push({ star, node })
        star = false
      }
    }
    if (!plain || star || items.length === 0 || (commas === 0 && items[0]?.star === true)) {
      this.list(nodes, min)
      return
    }
    if (commas === 0) {
      const only = (items[0] as { node: PyNode }).node
      const inner = unwrap(only)
      if (role === 'target' && inner.name === 'TupleExpression') {
        const kids = kidsOf(inner).filter((kid) => kid.name !== '(' && kid.name !== ')')
        if (kids.length > 0) {
          this.sequence(kids, 'target', min)
          return
        }
      }
      this.emit(only, '', min)
      return
    }
    if (role === 'value') this.push(K.Open, '(')
    items.forEach((item, index) => {
      if (index > 0) this.comma()
      if (item.star) this.push(K.Prefix, '*')
      this.emit(item.node, 'TupleExpression', item.star ? PREC.bitor : PREC.lambda)
    })
    if (items.length === 1) this.comma()
    if (role === 'value') this.close(')', true)
  }

  /** Nodes as written, in order (the fallback of `sequence`). */
  private list(nodes: readonly PyNode[], min: number): void {
    let pos = -1
    let afterStar = false
    for (const node of nodes) {
      if (pos >= 0 && node.from > pos) this.gap(pos, node.from)
      pos = node.to
      this.emit(node, '', afterStar ? PREC.bitor : min)
      afterStar = node.name === '*'
    }
  }

  /** `a = b = c`, `x: T = v`: targets, then the value. */
  private assignment(node: PyNode): void {
    const segments: PyNode[][] = [[]]
    for (const kid of kidsOf(node)) {
      if (kid.name === 'AssignOp') segments.push([])
      else (segments[segments.length - 1] as PyNode[]).push(kid)
    }
    segments.forEach((segment, index) => {
      if (index > 0) this.push(K.Op, '=')
      const last = segment[segment.length - 1]
      const annotation = last?.name === 'TypeDef' ? last : undefined
      const nodes = annotation === undefined ? segment : segment.slice(0, -1)
      if (annotation !== undefined) {
        // `(x): int = 1` does not record an annotation, `x: int = 1` does: keep the parentheses.
        this.list(nodes, KEEP)
        this.emit(annotation, 'AssignStatement', PREC.conditional)
        return
      }
      const value = index > 0 && index === segments.length - 1
      this.sequence(nodes, value ? 'value' : 'target', PREC.lambda)
    })
  }

  /** `x += v`. */
  private update(node: PyNode): void {
    const kids = kidsOf(node)
    const opAt = kids.findIndex((kid) => kid.name === 'UpdateOp')
    if (opAt < 0) {
      this.children(node, 'UpdateStatement', false)
      return
    }
    this.sequence(kids.slice(0, opAt), 'target', PREC.lambda)
    const op = kids[opAt] as PyNode
    this.push(K.Op, this.text.slice(op.from, op.to))
    this.sequence(kids.slice(opAt + 1), 'value', PREC.lambda)
  }

  /** `yield`, `yield a, b`, `yield from x`; a yield expression outside parentheses gets them. */
  private yieldNode(node: PyNode, min: number): void {
    const [keyword, ...rest] = kidsOf(node)
    const wrap = node.name === 'YieldExpression' && min > PREC.yield
    if (wrap) this.push(K.Open, '(')
    if (keyword !== undefined) this.keyword('yield')
    if (rest[0]?.name === 'from') {
      this.keyword('from')
      this.list(rest.slice(1), PREC.lambda)
    } else if (rest.length > 0) this.sequence(rest, 'value', PREC.lambda)
    if (wrap) this.close(')', false)
  }

  /** `( … )`: dropped when what is inside binds at least as tightly as the position needs. */
  private paren(node: PyNode, min: number): void {
    const inner = parenthesized(node)
    if (inner === undefined || min > PREC.atom || inner.name === 'YieldExpression') {
      this.push(K.Open, '(')
      if (inner === undefined) this.list(kidsOf(node).slice(1, -1), PREC.yield)
      else this.emit(inner, 'ParenthesizedExpression', PREC.yield)
      this.close(')', false)
      return
    }
    if (OPERATOR_NODES.has(inner.name)) {
      const expr = readOperators(inner, this.text)
      if (expr === undefined) {
        this.push(K.Open, '(')
        this.children(inner, inner.name, true)
        this.close(')', false)
      } else this.tree(expr, min)
      return
    }
    if (nodePrecedence(inner) >= min) {
      this.emit(inner, 'ParenthesizedExpression', min)
      return
    }
    this.push(K.Open, '(')
    this.emit(inner, 'ParenthesizedExpression', PREC.yield)
    this.close(')', false)
  }

  /** An operator expression as Python reads it, parenthesized when weaker than `min`. */
  private tree(expr: Expr, min: number): void {
    if (expr.kind === 'atom') {
      this.emit(expr.node, '', min)
      return
    }
    const wrap = min <= PREC.atom && precedence(expr) < min
    if (wrap) this.push(K.Open, '(')
    switch (expr.kind) {
      case 'binary':
        this.tree(expr.left, operandMinimum(expr, 0))
        this.operator(expr.op)
        this.tree(expr.right, operandMinimum(expr, 1))
        break
      case 'compare':
        expr.operands.forEach((operand, index) => {
          if (index > 0) this.operator(expr.ops[index - 1] as string)
          this.tree(operand, operandMinimum(expr, index))
        })
        break
      case 'prefix':
        if (expr.op === 'not' || expr.op === 'await') this.keyword(expr.op)
        else this.push(K.Prefix, expr.op)
        this.tree(expr.operand, operandMinimum(expr, 0))
        break
      case 'conditional':
        this.tree(expr.body, operandMinimum(expr, 0))
        this.keyword('if')
        this.tree(expr.test, operandMinimum(expr, 1))
        this.keyword('else')
        this.tree(expr.orelse, operandMinimum(expr, 2))
        break
      case 'lambda': {
        this.keyword('lambda')
        const params = expr.node.firstChild?.nextSibling
        if (params?.name === 'ParamList' && params.from < params.to) {
          this.emit(params, 'LambdaExpression', PREC.lambda)
          this.dropComma()
        }
        this.push(K.Colon, ':')
        this.tree(expr.body, operandMinimum(expr, 0))
        break
      }
    }
    if (wrap) this.close(')', false)
  }

  private operator(op: string): void {
    if (/^[a-z]/.test(op)) for (const word of op.split(' ')) this.keyword(word)
    else this.push(K.Op, op)
  }

  private leaf(name: string, token: string, parentName: string): void {
    switch (name) {
      case '(':
      case '[':
      case '{':
        this.push(K.Open, token)
        return
      case ',':
        this.comma()
        return
      case ')':
      case ']':
      case '}':
        this.close(token, true)
        return
      case '.':
        this.push(K.Dot, token)
        return
      case ':':
        this.push(SLICE_PARENTS.has(parentName) ? K.SliceColon : K.Colon, token)
        return
      case 'At':
        this.push(K.Prefix, token)
        return
      case '*':
      case '**':
        this.push(parentName === 'ArithOp' ? K.Op : K.Prefix, token)
        return
      case 'Number':
        this.push(K.Word, canonicalNumber(token))
        return
      case 'AssignOp':
        this.push(KWARG_PARENTS.has(parentName) && token === '=' ? K.KwAssign : K.Op, token)
        return
      case 'ArithOp':
      case 'BitOp':
        this.push(parentName === 'UnaryExpression' ? K.Prefix : K.Op, token)
        return
      case 'CompareOp':
      case 'UpdateOp':
      case 'LogicOp':
        this.push(K.Op, token)
        return
      default:
        if (token.length === 0) return
        this.push(KEYWORDS.has(name) && name === token ? K.Keyword : K.Word, token)
    }
  }

  /** Canonical text of a String, FormatString or ContinuedString node. */
  private stringText(node: PyNode): string {
    if (node.name !== 'ContinuedString') return this.render(this.piece(node))
    // Implicit concatenation: one literal of the joined value (an f-string if any part is one).
    const pieces: Piece[] = []
    for (let part = node.firstChild; part; part = part.nextSibling)
      if (part.name === 'String' || part.name === 'FormatString') pieces.push(this.piece(part))
    let value = ''
    const segments: Segment[] = []
    let bytes: boolean | undefined
    let plain = true
    let format = true
    for (const piece of pieces) {
      if (piece.kind === 'verbatim') {
        plain = format = false
        break
      }
      if (piece.kind === 'text') {
        if (bytes !== undefined && bytes !== piece.bytes) plain = format = false
        bytes = piece.bytes
        value += piece.value
        segments.push({ literal: piece.value })
      } else {
        plain = false
        segments.push(...piece.segments)
      }
    }
    if (plain) return quoteValue(value, bytes === true)
    if (format && bytes !== true) {
      const merged = this.renderFormat(segments)
      if (merged !== undefined) return merged
    }
    return pieces.map((piece) => this.render(piece)).join(' ')
  }

  private render(piece: Piece): string {
    switch (piece.kind) {
      case 'text':
        return quoteValue(piece.value, piece.bytes)
      case 'format':
        return this.renderFormat(piece.segments) ?? piece.raw
      case 'verbatim':
        return piece.raw
    }
  }

  private piece(node: PyNode): Piece {
    const raw = this.text.slice(node.from, node.to)
    if (node.name === 'String') {
      const decoded = decodeLiteral(raw)
      return decoded === undefined
        ? { kind: 'verbatim', raw }
        : { kind: 'text', value: decoded.value, bytes: decoded.bytes }
    }
    const segments = this.formatSegments(node, raw)
    return segments === undefined ? { kind: 'verbatim', raw } : { kind: 'format', segments, raw }
  }

  /**
   * An f-string's parts: literal text decoded, replacement fields re-emitted; undefined when
   * something unusual (a `{x=}` field, a backslash in a raw f-string) keeps it as written.
   */
  private formatSegments(node: PyNode, raw: string): Segment[] | undefined {
    const lit = splitLiteral(raw)
    const isRaw = lit.prefix.includes('r')
    // lezer reads `\{` in a raw f-string as an escape, not as a backslash before a field.
    if (isRaw && raw.includes('\\')) return undefined
    const segments: Segment[] = []
    const literal = (from: number, to: number): boolean => {
      if (to <= from) return true
      const body = this.text.slice(from, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}')
      const value = decodeBody(body, isRaw, false)
      if (value === undefined) return false
      segments.push({ literal: value })
      return true
    }
    let pos = node.from + lit.bodyFrom
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.name !== 'FormatReplacement') continue
      if (!literal(pos, child.from)) return undefined
      const field = this.replacementField(child)
      if (field === undefined) return undefined
      segments.push({ field })
      pos = child.to
    }
    if (!literal(pos, node.from + lit.bodyTo)) return undefined
    return segments
  }

  /** One f-string from its parts; a plain string when no field is left. */
  private renderFormat(segments: readonly Segment[]): string | undefined {
    let fieldText = ''
    let value = ''
    for (const s of segments) {
      if ('field' in s) fieldText += s.field
      else value += s.literal
    }
    if (fieldText === '') return quoteValue(value, false)
    const quote = fieldText.includes('"') ? "'" : '"'
    if (fieldText.includes(quote) || fieldText.includes('\\') || fieldText.includes('\n'))
      return undefined
    let out = 'f' + quote
    for (const s of segments) {
      if ('field' in s) out += s.field
      else out += escapeBody(s.literal, quote, false).replace(/\{/g, '{{').replace(/\}/g, '}}')
    }
    return out + quote
  }

  /** `{expr!r:spec}` with the expression re-emitted; conversion and spec kept as written. */
  private replacementField(field: PyNode): string | undefined {
    const exprs: PyNode[] = []
    let tailFrom = -1
    for (let child = field.firstChild; child; child = child.nextSibling) {
      const name = child.name
      if (name === '{' || name === 'Comment') continue
      // `{x = }` prints its own spelling: keep the whole field as written.
      if (name === 'FormatSelfDoc') return undefined
      if (name === 'FormatConversion' || name === 'FormatSpec' || name === '}') {
        tailFrom = child.from
        break
      }
      exprs.push(child)
    }
    if (tailFrom < 0 || exprs.length === 0) return undefined
    const inner = new Writer(this.text)
    // A lambda keeps its parentheses: its `:` would start the format spec.
    inner.sequence(exprs, 'value', PREC.conditional)
    let expr = inner.take()
    // `{ {a: 1} }`: a field that starts with a brace needs a space (`{{` is a literal brace).
    if (expr.startsWith('{')) expr = ` ${expr} `
    return '{' + expr + this.text.slice(tailFrom, field.to)
  }
}
