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
 * The largest Python module parsed: 4 MiB (in characters). The largest recipe of spack-packages is
 * 62 KB (gcc); a larger file is unreadable (digested from its raw text) instead of parsed.
 */
export const MAX_PYTHON_CHARS = 4 * 2 ** 20

/**
 * The deepest syntax tree walked: 500 levels. The deepest module of spack-packages is 32 levels
 * deep (gptune); CPython refuses more than 200 nested brackets. Every later reader (directives,
 * the unparsers) recurses over the tree, so a deeper one (`((((…))))` 100,000 times) is refused
 * here rather than overflowing the stack there.
 */
export const MAX_PYTHON_DEPTH = 500

/**
 * Parse `text` as a Python module. Lezer recovers from errors by inserting error nodes instead of
 * throwing; the first one becomes a `UserError` naming `file:line`. A module larger than
 * `MAX_PYTHON_CHARS` or nested deeper than `MAX_PYTHON_DEPTH` is a `UserError` too.
 */
export function parsePython(text: string, file: string): PySource {
  if (text.length > MAX_PYTHON_CHARS)
    throw new UserError(
      'recipe',
      file,
      `is ${(text.length / 2 ** 20).toFixed(1)} MiB, more than the ${MAX_PYTHON_CHARS / 2 ** 20} MiB of Python binary-check parses`,
    )
  // Python reads source with universal newlines: a CRLF checkout is the same module.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n')
  // A UTF-8 byte order mark is not part of the module.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const tree = parser.parse(text)
  const lineStarts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  const source: PySource = { text, file, tree, lineStarts }
  // One walk, no recursion: the first error node, and whether the tree is too deep (checked
  // first: lezer gives up on very deep nesting with error nodes of its own).
  let error: { from: number; to: number } | undefined
  let depth = 0
  tree.iterate({
    enter(node) {
      if (++depth > MAX_PYTHON_DEPTH)
        throw new UserError(
          'recipe',
          `${file}:${lineAt(source, node.from)}`,
          `nested too deep: more than ${MAX_PYTHON_DEPTH} levels of expressions and blocks`,
        )
      if (error === undefined && node.type.isError) error = { from: node.from, to: node.to }
    },
    leave() {
      depth--
    },
  })
  if (error !== undefined)
    throw new UserError(
      'recipe',
      `${file}:${lineAt(source, error.from)}`,
      `Python syntax error: ${describeError(text, error.from, error.to)}`,
    )
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
