/**
 * Parsing a Python module with the repository's lezer grammar (./grammar: @lezer/python's, extended
 * to read every valid Python 3 module; a real parser, no regexes) and the few facts about the
 * source every later step needs: the text, the tree, and offset → line lookups.
 */
import { parser } from './grammar/parser.js'
import { UserError } from '../../../core/errors.js'

export type PyTree = ReturnType<typeof parser.parse>
export type PyNode = PyTree['topNode']
export type PyCursor = ReturnType<PyTree['cursor']>

export interface PySource {
  /** The module text, line endings normalized to `\n`. */
  text: string
  file: string
  tree: PyTree
  /** Offset of the first character of each line (index 0 = line 1). */
  lineStarts: number[]
}

/**
 * Parse `text` as a Python module. Lezer recovers from errors by inserting error nodes instead of
 * throwing; the first one becomes a `UserError` naming `file:line`.
 */
export function parsePython(text: string, file: string): PySource {
  // Python reads source with universal newlines: a CRLF checkout is the same module.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n')
  // A UTF-8 byte order mark is not part of the module.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const tree = parser.parse(text)
  const lineStarts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  const source: PySource = { text, file, tree, lineStarts }
  const cursor = tree.cursor()
  do {
    if (cursor.type.isError) {
      throw new UserError(
        'recipe',
        `${file}:${lineAt(source, cursor.from)}`,
        `Python syntax error: ${describeError(text, cursor.from, cursor.to)}`,
      )
    }
  } while (cursor.next())
  return source
}

/** 1-based line of a source offset. */
export function lineAt(source: PySource, pos: number): number {
  const starts = source.lineStarts
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((starts[mid] as number) <= pos) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

function describeError(text: string, from: number, to: number): string {
  let start = from
  let end = to
  if (end === start) {
    // A zero-width error node sits where something was expected: name what follows instead.
    while (
      start < text.length &&
      (text[start] === ' ' || text[start] === '\t' || text[start] === '\\')
    )
      start++
    if (start >= text.length) return 'unexpected end of file'
    if (text[start] === '\n') return 'unexpected end of line'
    end = start + 1
    while (
      end < text.length &&
      /[A-Za-z0-9_]/.test(text[start] as string) &&
      /[A-Za-z0-9_]/.test(text[end] as string)
    )
      end++
  }
  const token = text.slice(start, end).split('\n')[0] as string
  return `unexpected ${JSON.stringify(token.length > 40 ? token.slice(0, 40) + '…' : token)}`
}
