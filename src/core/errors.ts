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

export class UserError extends Error {
  readonly kind: ErrorKind
  /** Where: `file:line`, `field.path`, `spec "x" column 3` … (may be empty). */
  readonly place: string
  /** The message without its place. */
  readonly detail: string

  constructor(kind: ErrorKind, place: string, message: string) {
    super(place ? `${place}: ${message}` : message)
    this.name = 'UserError'
    this.kind = kind
    this.place = place
    this.detail = message
  }

  /** The one line a front end prints (without the `binary-check: ` prefix). */
  oneLine(): string {
    return this.message.replace(/\s*\n\s*/g, ' ')
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError
}
