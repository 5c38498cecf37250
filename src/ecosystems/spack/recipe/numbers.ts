/**
 * Python numeric literals: one spelling per value. Scope: a `Number` token, never an expression.
 * - ints in decimal (`0x10`, `0o20`, `0b1_0000`, `1_6` → `16`);
 * - floats as the shortest text that reads back as the same double, always with a `.` or an
 *   exponent so they stay floats (`1e3`, `1_000.`, `1000.000` → `1000.0`; `1E-7` → `1e-7`);
 * - imaginary literals as that float spelling plus `j` (`2J`, `2.j` → `2.0j`).
 * An int and a float of equal value stay apart (`1` ≠ `1.0`: `str()` differs, `range(1.0)` fails).
 * A float too large for a double (`1e999`, which Python reads as `inf`) keeps its spelling,
 * lower-cased and without `_`.
 */
export function canonicalNumber(raw: string): string {
  const text = raw.replace(/_/g, '').toLowerCase()
  if (/^0[xob][0-9a-f]+$/.test(text)) return BigInt(text).toString()
  const imaginary = text.endsWith('j')
  const body = imaginary ? text.slice(0, -1) : text
  if (!imaginary && /^[0-9]+$/.test(body)) return BigInt(body).toString()
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(body)) return raw
  const value = Number(body)
  if (!Number.isFinite(value)) return text
  return floatText(value) + (imaginary ? 'j' : '')
}

/** Python spelling of a finite non-negative double: JavaScript's shortest round-trip digits. */
function floatText(value: number): string {
  const digits = String(value)
  return digits.includes('.') || digits.includes('e') ? digits : digits + '.0'
}
