/**
 * Python's `repr()` of the literal types a recipe's AST holds (str, bytes, int, float, complex),
 * character for character as CPython writes them: Spack's unparser prints constants with `repr`,
 * and the text it prints is what Spack hashes.
 */

/**
 * The characters `str.isprintable()` rejects: CPython treats every code point of the categories
 * Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs as non-printable, except the ASCII space. (JavaScript's
 * Unicode tables may be a version newer than the Python's, which only matters for code points
 * assigned in between.)
 */
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u

/** Printable ASCII without quotes or backslashes: what repr writes as it is, in single quotes. */
const PLAIN = /^[ !#-&(-[\]-~]*$/

/** Python's `ch.isprintable()` for one code point. */
export function isPrintable(ch: string): boolean {
  const code = ch.charCodeAt(0)
  if (code < 0x7f) return code >= 0x20
  return !NON_PRINTABLE.test(ch)
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0')
}

/**
 * The escape `ch.encode('unicode_escape')` gives a backslash or a non-printable code point:
 * `\\`, `\t`, `\n`, `\r`, `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
 */
export function unicodeEscape(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\'
    case '\t':
      return '\\t'
    case '\n':
      return '\\n'
    case '\r':
      return '\\r'
  }
  const code = ch.codePointAt(0) ?? 0
  if (code < 0x100) return `\\x${hex(code, 2)}`
  if (code < 0x10000) return `\\u${hex(code, 4)}`
  return `\\U${hex(code, 8)}`
}

/** Python's `repr(s)` of a str. */
export function reprStr(s: string): string {
  if (PLAIN.test(s)) return `'${s}'`
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    if (ch === quote) out += '\\' + ch
    else if (ch === '\\' || ch === '\t' || ch === '\n' || ch === '\r') out += unicodeEscape(ch)
    else if (ch < ' ' || ch === '\x7f') out += unicodeEscape(ch)
    else if (ch < '\x7f' || isPrintable(ch)) out += ch
    else out += unicodeEscape(ch)
  }
  return out + quote
}

/** Python's `repr(b)` of a bytes value given one char per byte (latin-1). */
export function reprBytes(latin1: string): string {
  const quote = latin1.includes("'") && !latin1.includes('"') ? '"' : "'"
  let out = 'b' + quote
  for (let i = 0; i < latin1.length; i++) {
    const ch = latin1[i] as string
    const code = latin1.charCodeAt(i)
    if (ch === quote || ch === '\\') out += '\\' + ch
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (code < 0x20 || code >= 0x7f) out += `\\x${hex(code & 0xff, 2)}`
    else out += ch
  }
  return out + quote
}

/** Python's `repr(n)` of an int given as its decimal digits (it is already that). */
export function reprInt(digits: string): string {
  return digits
}

/**
 * The shortest decimal digits that round-trip `x` (finite, > 0), without leading or trailing
 * zeros, and the position of the decimal point: x = 0.DIGITS × 10^decpt.
 */
function shortestDigits(x: number): { digits: string; decpt: number } {
  // Number.prototype.toString gives the shortest round-trip digits, nearest the exact value, as
  // Python's repr does; only its layout differs.
  const s = String(x)
  let digits: string
  let decpt: number
  const e = s.indexOf('e')
  if (e >= 0) {
    const mantissa = s.slice(0, e)
    digits = mantissa.replace('.', '')
    decpt = Number(s.slice(e + 1)) + 1
  } else {
    const dot = s.indexOf('.')
    const intPart = dot >= 0 ? s.slice(0, dot) : s
    const frac = dot >= 0 ? s.slice(dot + 1) : ''
    if (intPart === '0') {
      const stripped = frac.replace(/^0+/, '')
      digits = stripped
      decpt = stripped.length - frac.length
    } else {
      digits = intPart + frac
      decpt = intPart.length
    }
  }
  digits = digits.replace(/0+$/, '')
  return { digits, decpt }
}

/** CPython's `float_repr_style == 'short'` formatting ('r' mode), with or without `.0`. */
function formatShort(x: number, addDot0: boolean): string {
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  const sign = x < 0 || Object.is(x, -0) ? '-' : ''
  if (x === 0) return sign + (addDot0 ? '0.0' : '0')
  const { digits, decpt } = shortestDigits(Math.abs(x))
  if (decpt <= -4 || decpt > 16) {
    const exp = decpt - 1
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const expText = String(Math.abs(exp)).padStart(2, '0')
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${expText}`
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`
  if (decpt >= digits.length)
    return sign + digits + '0'.repeat(decpt - digits.length) + (addDot0 ? '.0' : '')
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
}

/** Python's `repr(x)` of a float: `1.0`, `0.1`, `1e+16`, `1.5e-05`, `inf`. */
export function reprFloat(x: number | 'inf'): string {
  return x === 'inf' ? 'inf' : formatShort(x, true)
}

/** Python's `repr(z)` of an imaginary literal's value (real part +0.0): `2j`, `1.5j`, `infj`. */
export function reprImaginary(imag: number | 'inf'): string {
  return (imag === 'inf' ? 'inf' : formatShort(imag, false)) + 'j'
}
