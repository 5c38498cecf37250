/**
 * The formatting rule: re-emit expressions and statement headers token by token with one fixed
 * spacing, whatever the source's line breaks, backslash continuations, spaces, comments, quote
 * styles and trailing commas were. Only tokens are written, so the output parses to the same code.
 */
import {
  canonicalLiteral,
  decodeBody,
  decodeLiteral,
  escapeBody,
  quoteValue,
  splitLiteral,
} from './strings.js'
import type { PyCursor, PyNode } from './syntax.js'

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

/** Collects the tokens of one logical line. */
export class Writer {
  private out = ''
  private prev: K = K.None
  private prevIsIntLiteral = false
  private pendingComma = false
  /** End offset of the last token taken from the tree (to tell `1 .real` from lezer's split `1.e8`). */
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
      // `1 .real` needs its space; `1.e8` / `1.j` (which lezer splits after the dot) must stay whole.
      if (!this.adjacent) this.out += ' '
    } else if (needsSpace(this.prev, kind)) this.out += ' '
    this.out += token
    this.prev = kind
    const first = token.charCodeAt(0)
    this.prevIsIntLiteral = kind === K.Word && first >= 48 && first <= 57 && /^[0-9_]+$/.test(token)
  }

  /** A comma is held back until the next token: before a closing bracket it is dropped. */
  comma(): void {
    if (this.pendingComma) this.push(K.Comma, ',')
    this.pendingComma = true
  }

  close(token: string, keepComma: boolean): void {
    if (!keepComma) this.pendingComma = false
    this.push(K.Close, token)
  }

  word(token: string): void {
    this.push(K.Word, token)
  }

  /** Append a header's closing colon. */
  colon(): void {
    this.push(K.Colon, ':')
  }

  /** The line so far (a pending trailing comma is kept: `x = 1,` is a tuple). */
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

  emitNode(node: PyNode): void {
    this.emitCursor(node.cursor(), '')
  }

  /** Emit a run of sibling nodes, with any unnamed tokens between them. */
  emitNodes(nodes: readonly PyNode[], parentName: string): void {
    let pos = -1
    for (const node of nodes) {
      if (pos >= 0 && node.from > pos) this.gap(pos, node.from)
      this.emitCursor(node.cursor(), parentName)
      pos = node.to
    }
  }

  /** Emit the node under the cursor (the cursor is left where it started). */
  emitCursor(c: PyCursor, parentName: string): void {
    const name = c.name
    if (name === 'Comment') return
    if (STRING_NODES.has(name)) {
      this.push(K.Word, this.stringText(c))
      return
    }
    const from = c.from
    const to = c.to
    if (!c.firstChild()) {
      this.adjacent = from === this.lastEnd
      this.leaf(name, this.text.slice(from, to), parentName)
      this.lastEnd = to
      return
    }
    let pos = from
    let commas = 0
    const tuple =
      name === 'TupleExpression' || name === 'SequencePattern' || name === 'MemberExpression'
    do {
      const childName = c.name
      if (childName === 'Comment') continue
      if (c.from > pos) this.gap(pos, c.from)
      pos = c.to
      if (childName === ',') {
        commas++
        this.comma()
      } else if (childName === ')' || childName === ']' || childName === '}') {
        // `(x,)` is a one-element tuple and `x[a,]` a tuple index: those commas stay.
        this.close(childName, tuple && (commas === 1 || name === 'MemberExpression'))
      } else this.emitCursor(c, name)
    } while (c.nextSibling())
    c.parent()
    if (to > pos) this.gap(pos, to)
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

  /** Canonical text of a String, FormatString or ContinuedString node under the cursor. */
  private stringText(c: PyCursor): string {
    const name = c.name
    if (name === 'String') return canonicalLiteral(this.text.slice(c.from, c.to))
    if (name === 'FormatString') return this.formatString(c)
    // Implicit concatenation: one literal when all parts are plain strings of one kind.
    const parts: string[] = []
    let merged: string | undefined = ''
    let bytes: boolean | undefined
    if (c.firstChild()) {
      do {
        if (c.name === 'Comment') continue
        if (c.name === 'String') {
          const raw = this.text.slice(c.from, c.to)
          parts.push(canonicalLiteral(raw))
          const decoded = decodeLiteral(raw)
          if (decoded === undefined || (bytes !== undefined && bytes !== decoded.bytes))
            merged = undefined
          else if (merged !== undefined) {
            merged += decoded.value
            bytes = decoded.bytes
          }
        } else {
          parts.push(this.formatString(c))
          merged = undefined
        }
      } while (c.nextSibling())
      c.parent()
    }
    return merged !== undefined ? quoteValue(merged, bytes === true) : parts.join(' ')
  }

  /**
   * An f-string: literal parts decoded and re-escaped, replacement expressions re-emitted. The
   * quote is `"` unless an expression needs it; anything unusual is kept as written.
   */
  private formatString(c: PyCursor): string {
    const text = this.text
    const raw = text.slice(c.from, c.to)
    const lit = splitLiteral(raw)
    const isRaw = lit.prefix.includes('r')
    // lezer reads `\{` in a raw f-string as an escape, not as a backslash before a field.
    if (isRaw && raw.includes('\\')) return raw
    const segments: Array<{ literal: string } | { field: string }> = []
    let pos = c.from + lit.bodyFrom
    const bodyEnd = c.from + lit.bodyTo
    if (c.firstChild()) {
      do {
        if (c.name !== 'FormatReplacement') continue
        segments.push({ literal: text.slice(pos, c.from) })
        const field = this.replacementField(c)
        if (field === undefined) {
          c.parent()
          return raw
        }
        segments.push({ field })
        pos = c.to
      } while (c.nextSibling())
      c.parent()
    }
    segments.push({ literal: text.slice(pos, bodyEnd) })
    let fieldText = ''
    for (const s of segments) if ('field' in s) fieldText += s.field
    const quote = fieldText.includes('"') ? "'" : '"'
    if (fieldText.includes(quote) || fieldText.includes('\\') || fieldText.includes('\n'))
      return raw
    let out = 'f' + quote
    for (const s of segments) {
      if ('field' in s) {
        out += s.field
        continue
      }
      const value = decodeBody(s.literal.replace(/\{\{/g, '{').replace(/\}\}/g, '}'), isRaw, false)
      if (value === undefined) return raw
      out += escapeBody(value, quote, false).replace(/\{/g, '{{').replace(/\}/g, '}}')
    }
    return out + quote
  }

  /** `{expr!r:spec}` with the expression re-emitted; conversion and spec kept as written. */
  private replacementField(c: PyCursor): string | undefined {
    const from = c.from
    const to = c.to
    const inner = new Writer(this.text)
    let tailFrom = -1
    if (!c.firstChild()) return undefined
    let pos = from
    do {
      const name = c.name
      if (name === '{') {
        pos = c.to
        continue
      }
      if (name === 'FormatSelfDoc') {
        // `{x = }` prints its own spelling: keep the whole field as written.
        c.parent()
        return undefined
      }
      if (name === 'FormatConversion' || name === 'FormatSpec' || name === '}') {
        tailFrom = c.from
        break
      }
      if (name === 'Comment') continue
      if (c.from > pos) inner.gap(pos, c.from)
      inner.emitCursor(c, 'FormatReplacement')
      pos = c.to
    } while (c.nextSibling())
    c.parent()
    if (tailFrom < 0) return undefined
    return '{' + inner.take() + this.text.slice(tailFrom, to)
  }
}
