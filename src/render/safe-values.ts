/**
 * The character set allowed in values placed into a CI matrix / job variables. Spec ids carry
 * `@ % + ~ = ^ /` and spaces; nothing here can end a quoted YAML scalar, start a shell expansion
 * or inject a GitHub expression.
 */
import { quote, UserError } from '../core/errors.js'

export const SAFE_VALUE = /^[A-Za-z0-9@%+~=^:.,_/ -]*$/

export function assertSafeValue(value: string, what: string): string {
  if (!SAFE_VALUE.test(value) || value.includes('${{'))
    throw new UserError(
      'input',
      what,
      `value ${quote(value)} has characters outside [A-Za-z0-9@%+~=^:.,_/ -]; refusing to put it into a CI matrix`,
    )
  return value
}
