/**
 * Typed user-facing errors. A `UserError` is bad input (a file, a field, a value): the front ends
 * print `binary-check: <place>: <message>` on one line and exit 1. Anything else is a bug and keeps
 * its stack.
 */
export type ErrorKind =
  | 'config'
  | 'recipe'
  | 'spec-syntax'
  | 'lockfile'
  | 'git'
  | 'mirror'
  | 'usage'
  | 'input'
  | 'environment'

/**
 * `text` on one line: each line break (`\n`, `\r\n`, a lone `\r`) and the blanks around it
 * become one space. User text quoted in a message (a spec, a key, a JSON parser's excerpt) may
 * carry line breaks; a message is one line whatever it quotes.
 */
export function singleLine(text: string): string {
  return text.replace(/[ \t]*(?:\r\n?|\n)\s*/g, ' ')
}

/**
 * Characters a terminal, a log viewer or a code review shows invisibly or misleadingly: control
 * characters (C0 but tab, DEL, C1), the soft hyphen, bidirectional marks, overrides and isolates
 * (U+202E turns `zlib\u202Egpj.exe` into `zlibexe.jpg`), zero-width characters (joiners, spaces,
 * the BOM), line and paragraph separators and interlinear annotations.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g

/** Whether `text` holds a character of `INVISIBLE`. */
export function hasInvisible(text: string): boolean {
  return text.search(INVISIBLE) >= 0
}

/** `text` with every `INVISIBLE` character written as a `\uXXXX` escape: safe to print. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${hex4(c)}`)
}

/**
 * A value quoted for a message: JSON (control characters escaped), invisible characters escaped,
 * and at most `max` characters of it, the length said when it is cut:
 * `"xxxx…" (10000 characters)`. `ascii`: every non-ASCII character escaped too, for values refused
 * for not being ASCII (`"zl\u0456b"`, where the look-alike would read `"zlіb"`).
 */
export function quote(value: string, max = 80, ascii = false): string {
  const cut = value.length > max
  let text = escapeInvisible(JSON.stringify(cut ? `${value.slice(0, max)}…` : value))
  if (ascii) text = text.replace(/[^ -~…]/g, (c) => `\\u${hex4(c)}`)
  return cut ? `${text} (${value.length} characters)` : text
}

function hex4(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()
}

/** The longest line a front end prints for one error; the rest is cut and counted. */
export const MAX_ERROR_LINE = 4096

export class UserError extends Error {
  readonly kind: ErrorKind
  /** Where: `file:line`, `field.path`, `spec "x" column 3` … (may be empty). */
  readonly place: string
  /** The message without its place. */
  readonly detail: string

  constructor(kind: ErrorKind, place: string, message: string) {
    const where = singleLine(place)
    const what = singleLine(message)
    super(where ? `${where}: ${what}` : what)
    this.name = 'UserError'
    this.kind = kind
    this.place = where
    this.detail = what
  }

  /** The one line a front end prints (without the `binary-check: ` prefix). */
  oneLine(): string {
    const line = singleLine(this.message)
    const cut =
      line.length > MAX_ERROR_LINE
        ? `${line.slice(0, MAX_ERROR_LINE)}… (${line.length - MAX_ERROR_LINE} more characters)`
        : line
    return escapeInvisible(cut)
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError
}
