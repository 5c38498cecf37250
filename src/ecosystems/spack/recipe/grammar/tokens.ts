/**
 * External tokenizers and the indentation/bracket/string context tracker of the Python grammar.
 *
 * Derived from @lezer/python 1.1.19 (src/tokens.js of the npm package,
 * https://github.com/lezer-parser/python), MIT License, Copyright (C) 2020 by Marijn Haverbeke
 * <marijn@haverbeke.berlin> and others; the full notice is in ./LICENSE. Changed from the
 * original: typed; `:` at the top of an f-string replacement field starts the format spec (also
 * in `{x:=10}`); no Python 2 `print` statement tokenizer; a form feed at the start of a line
 * resets the indentation column, as in CPython; in a raw string a backslash only protects a quote,
 * a backslash or a line break (so `fr"\{{"` is a backslash and an escaped brace); `\{` in a non-raw
 * f-string is a backslash before a replacement field, as in Python 3.12.
 */
import { ContextTracker, ExternalTokenizer, type InputStream } from '@lezer/lr'
import {
  newline as newlineToken,
  eof,
  newlineBracketed,
  blankLineStart,
  indent,
  dedent,
  ParenthesizedExpression,
  TupleExpression,
  ComprehensionExpression,
  PatternArgList,
  SequencePattern,
  MappingPattern,
  TypeParamList,
  ArrayExpression,
  ArrayComprehensionExpression,
  ArgList,
  ParamList,
  importList,
  subscript,
  DictionaryExpression,
  DictionaryComprehensionExpression,
  SetExpression,
  SetComprehensionExpression,
  String as StringTerm,
  FormatString,
  FormatReplacement,
  nestedFormatReplacement,
  stringStart,
  stringStartD,
  stringStartL,
  stringStartLD,
  stringStartR,
  stringStartRD,
  stringStartRL,
  stringStartRLD,
  stringStartF,
  stringStartFD,
  stringStartFL,
  stringStartFLD,
  stringStartFR,
  stringStartFRD,
  stringStartFRL,
  stringStartFRLD,
  stringContent,
  Escape,
  replacementStart,
  stringEnd,
  ParenL,
  BraceL,
  BracketL,
  withItemsParenthesized,
  formatSpecColon as formatSpecColonToken,
} from './parser.terms.js'

// Character codes, typed `number`: `input.next` changes under `input.advance()`, so it must not
// narrow to a literal.
const newline: number = 10
const carriageReturn: number = 13
const space: number = 32
const tab: number = 9
const formFeed: number = 12
const hash: number = 35
const colon: number = 58
const braceOpen: number = 123
const braceClose: number = 125
const singleQuote: number = 39
const doubleQuote: number = 34
const backslash: number = 92
const letter_o: number = 111
const letter_x: number = 120
const letter_N: number = 78
const letter_u: number = 117
const letter_U: number = 85

const bracketed = new Set([
  ParenthesizedExpression,
  TupleExpression,
  ComprehensionExpression,
  importList,
  ArgList,
  ParamList,
  ArrayExpression,
  ArrayComprehensionExpression,
  subscript,
  SetExpression,
  SetComprehensionExpression,
  FormatString,
  FormatReplacement,
  nestedFormatReplacement,
  DictionaryExpression,
  DictionaryComprehensionExpression,
  SequencePattern,
  MappingPattern,
  PatternArgList,
  TypeParamList,
  withItemsParenthesized,
])

function isLineBreak(ch: number): boolean {
  return ch === newline || ch === carriageReturn
}

function isHex(ch: number): boolean {
  return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 70) || (ch >= 97 && ch <= 102)
}

// Flags used in Context objects
const cx_Bracketed = 1,
  cx_String = 2,
  cx_DoubleQuote = 4,
  cx_Long = 8,
  cx_Raw = 16,
  cx_Format = 32,
  cx_Replacement = 64

class Context {
  readonly hash: number
  constructor(
    readonly parent: Context | null,
    readonly indent: number,
    readonly flags: number,
  ) {
    this.hash =
      (parent ? (parent.hash + parent.hash) << 8 : 0) +
      indent +
      (indent << 4) +
      flags +
      (flags << 6)
  }
}

const topIndent = new Context(null, 0, 0)

/** Indentation width: a tab moves to the next multiple of 8, a form feed resets (CPython). */
function countIndent(space: string): number {
  let depth = 0
  for (let i = 0; i < space.length; i++) {
    const ch = space.charCodeAt(i)
    depth = ch === tab ? depth + 8 - (depth % 8) : ch === formFeed ? 0 : depth + 1
  }
  return depth
}

export const newlines = new ExternalTokenizer(
  (input, stack) => {
    let prev
    if (input.next < 0) {
      input.acceptToken(eof)
    } else if ((stack.context as Context).flags & cx_Bracketed) {
      if (isLineBreak(input.next)) input.acceptToken(newlineBracketed, 1)
      // At the top of a replacement field, `:` starts the format spec (in one tokenizer with the
      // newlines: a tokenizer of its own costs 3% of the parse time).
      else if (input.next === colon && (stack.context as Context).flags & cx_Replacement)
        input.acceptToken(formatSpecColonToken, 1)
    } else if (
      ((prev = input.peek(-1)) < 0 || isLineBreak(prev)) &&
      stack.canShift(blankLineStart)
    ) {
      let spaces = 0
      while (input.next === space || input.next === tab || input.next === formFeed) {
        input.advance()
        spaces++
      }
      if (input.next === newline || input.next === carriageReturn || input.next === hash)
        input.acceptToken(blankLineStart, -spaces)
    } else if (isLineBreak(input.next)) {
      input.acceptToken(newlineToken, 1)
    }
  },
  { contextual: true },
)

export const indentation = new ExternalTokenizer((input, stack) => {
  const context = stack.context as Context
  if (context.flags) return
  const prev = input.peek(-1)
  if (prev === newline || prev === carriageReturn) {
    let depth = 0,
      chars = 0
    for (;;) {
      if (input.next === space) depth++
      else if (input.next === tab) depth += 8 - (depth % 8)
      else if (input.next === formFeed) depth = 0
      else break
      input.advance()
      chars++
    }
    if (
      depth !== context.indent &&
      input.next !== newline &&
      input.next !== carriageReturn &&
      input.next !== hash
    ) {
      if (depth < context.indent) input.acceptToken(dedent, -chars)
      else input.acceptToken(indent)
    }
  }
})

const stringFlags = new Map<number, number>(
  (
    [
      [stringStart, 0],
      [stringStartD, cx_DoubleQuote],
      [stringStartL, cx_Long],
      [stringStartLD, cx_Long | cx_DoubleQuote],
      [stringStartR, cx_Raw],
      [stringStartRD, cx_Raw | cx_DoubleQuote],
      [stringStartRL, cx_Raw | cx_Long],
      [stringStartRLD, cx_Raw | cx_Long | cx_DoubleQuote],
      [stringStartF, cx_Format],
      [stringStartFD, cx_Format | cx_DoubleQuote],
      [stringStartFL, cx_Format | cx_Long],
      [stringStartFLD, cx_Format | cx_Long | cx_DoubleQuote],
      [stringStartFR, cx_Format | cx_Raw],
      [stringStartFRD, cx_Format | cx_Raw | cx_DoubleQuote],
      [stringStartFRL, cx_Format | cx_Raw | cx_Long],
      [stringStartFRLD, cx_Format | cx_Raw | cx_Long | cx_DoubleQuote],
    ] as const
  ).map(([term, flags]) => [term, flags | cx_String]),
)

/** Text from the input position to `to` (`InputStream.read`: used upstream, not in its types). */
function readInput(input: InputStream, to: number): string {
  return (input as unknown as { read(from: number, to: number): string }).read(input.pos, to)
}

export const trackIndent = new ContextTracker<Context>({
  start: topIndent,
  reduce(context, term) {
    if (
      (context.flags & cx_Bracketed && bracketed.has(term)) ||
      ((term === StringTerm || term === FormatString) && context.flags & cx_String)
    )
      return context.parent as Context
    return context
  },
  shift(context, term, stack, input) {
    if (term === indent) return new Context(context, countIndent(readInput(input, stack.pos)), 0)
    if (term === dedent) return context.parent as Context
    if (term === replacementStart) return new Context(context, 0, cx_Bracketed | cx_Replacement)
    if (term === ParenL || term === BracketL || term === BraceL)
      return new Context(context, 0, cx_Bracketed)
    const flags = stringFlags.get(term)
    if (flags !== undefined) return new Context(context, 0, flags | (context.flags & cx_Bracketed))
    return context
  },
  hash(context) {
    return context.hash
  },
})

export const strings = new ExternalTokenizer((input, stack) => {
  const { flags } = stack.context as Context
  const quote = flags & cx_DoubleQuote ? doubleQuote : singleQuote
  const long = (flags & cx_Long) > 0
  const escapes = !(flags & cx_Raw)
  const format = (flags & cx_Format) > 0

  const start = input.pos
  for (;;) {
    if (input.next < 0) {
      break
    } else if (format && input.next === braceOpen) {
      if (input.peek(1) === braceOpen) {
        input.advance(2)
      } else {
        if (input.pos === start) {
          input.acceptToken(replacementStart, 1)
          return
        }
        break
      }
    } else if (escapes && input.next === backslash) {
      if (input.pos === start) {
        input.advance()
        const escaped = input.next
        // `\{` in an f-string: the backslash stays, the brace opens a field (Python 3.12).
        if (escaped >= 0 && !(format && escaped === braceOpen)) {
          input.advance()
          skipEscape(input, escaped)
        }
        input.acceptToken(Escape)
        return
      }
      break
    } else if (
      input.next === backslash &&
      !escapes &&
      (input.peek(1) === quote || input.peek(1) === backslash || input.peek(1) === newline)
    ) {
      // A raw string still protects a quote, a backslash or a line break from ending it.
      input.advance(2)
    } else if (
      input.next === quote &&
      (!long || (input.peek(1) === quote && input.peek(2) === quote))
    ) {
      if (input.pos === start) {
        input.acceptToken(stringEnd, long ? 3 : 1)
        return
      }
      break
    } else if (input.next === newline) {
      if (long) {
        input.advance()
      } else if (input.pos === start) {
        input.acceptToken(stringEnd)
        return
      }
      break
    } else {
      input.advance()
    }
  }
  if (input.pos > start) input.acceptToken(stringContent)
})

function skipEscape(input: InputStream, ch: number): void {
  if (ch === letter_o) {
    for (let i = 0; i < 2 && input.next >= 48 && input.next <= 55; i++) input.advance()
  } else if (ch === letter_x) {
    for (let i = 0; i < 2 && isHex(input.next); i++) input.advance()
  } else if (ch === letter_u) {
    for (let i = 0; i < 4 && isHex(input.next); i++) input.advance()
  } else if (ch === letter_U) {
    for (let i = 0; i < 8 && isHex(input.next); i++) input.advance()
  } else if (ch === letter_N) {
    if (input.next === braceOpen) {
      input.advance()
      while (
        input.next >= 0 &&
        input.next !== braceClose &&
        input.next !== singleQuote &&
        input.next !== doubleQuote &&
        input.next !== newline
      )
        input.advance()
      if (input.next === braceClose) input.advance()
    }
  }
}
