/**
 * Python string literals: decoding a literal's value (prefixes, quote styles, escapes) and writing
 * one canonical spelling of a value, so that `'x'`, `"x"`, `"""x"""` and `r"x"` all read the same.
 */

export interface LiteralParts {
  /** Lower-cased prefix letters (`r`, `b`, `f`, `u`, `rb` …). */
  prefix: string
  /** The quote sequence: `'`, `"`, `'''` or `"""`. */
  quote: string
  /** Offsets of the body (between the quotes) inside the literal text. */
  bodyFrom: number
  bodyTo: number
}

export function splitLiteral(raw: string): LiteralParts {
  let i = 0
  while (i < raw.length && raw[i] !== '"' && raw[i] !== "'") i++
  const prefix = raw.slice(0, i).toLowerCase()
  const q = raw[i] as string
  const quote = raw.startsWith(q + q + q, i) && raw.length - i >= 6 ? q + q + q : q
  return { prefix, quote, bodyFrom: i + quote.length, bodyTo: raw.length - quote.length }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7'
}

const HEX = /^[0-9a-fA-F]+$/

/**
 * The value of a literal body. `undefined` when the body uses an escape this decoder does not
 * model (`\N{name}`); callers then keep the literal as written.
 */
export function decodeBody(body: string, raw: boolean, bytes: boolean): string | undefined {
  if (raw || !body.includes('\\')) return body
  let out = ''
  let i = 0
  while (i < body.length) {
    const j = body.indexOf('\\', i)
    if (j === -1) {
      out += body.slice(i)
      break
    }
    out += body.slice(i, j)
    const c = body[j + 1]
    if (c === undefined) {
      out += '\\'
      break
    }
    if (c === '\n') {
      i = j + 2
      continue
    }
    const simple = SIMPLE_ESCAPES[c]
    if (simple !== undefined) {
      out += simple
      i = j + 2
      continue
    }
    if (isOctal(c)) {
      let k = j + 2
      while (k < j + 4 && isOctal(body[k])) k++
      out += String.fromCharCode(parseInt(body.slice(j + 1, k), 8) & (bytes ? 0xff : 0x1ff))
      i = k
      continue
    }
    const width = c === 'x' ? 2 : !bytes && c === 'u' ? 4 : !bytes && c === 'U' ? 8 : 0
    if (width > 0) {
      const digits = body.slice(j + 2, j + 2 + width)
      if (digits.length !== width || !HEX.test(digits)) return undefined
      const code = parseInt(digits, 16)
      if (code > 0x10ffff) return undefined
      out += String.fromCodePoint(code)
      i = j + 2 + width
      continue
    }
    if (!bytes && c === 'N') return undefined
    // An unknown escape keeps its backslash.
    out += '\\'
    i = j + 1
  }
  return out
}

/** Decode a complete non-f-string literal (`'a'`, `rb"\\d"`, `"""x"""`). */
export function decodeLiteral(raw: string): { value: string; bytes: boolean } | undefined {
  const parts = splitLiteral(raw)
  const bytes = parts.prefix.includes('b')
  const value = decodeBody(
    raw.slice(parts.bodyFrom, parts.bodyTo),
    parts.prefix.includes('r'),
    bytes,
  )
  return value === undefined ? undefined : { value, bytes }
}

function hex2(code: number): string {
  return '\\x' + (code < 16 ? '0' : '') + code.toString(16)
}

/** Escape a value for the body of a literal quoted with `quote` (one character). */
export function escapeBody(value: string, quote: string, bytes: boolean): string {
  let needs = false
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (
      code < 0x20 ||
      code === 0x5c ||
      value[i] === quote ||
      code === 0x7f ||
      (code >= 0xd800 && code <= 0xdfff) ||
      (bytes && code > 0x7e)
    ) {
      needs = true
      break
    }
  }
  if (!needs) return value
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string
    const code = value.charCodeAt(i)
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += '\\' + quote
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (code < 0x20 || code === 0x7f || (bytes && code > 0x7e)) out += hex2(code & 0xff)
    else if (
      code >= 0xd800 &&
      code <= 0xdbff &&
      i + 1 < value.length &&
      value.charCodeAt(i + 1) >= 0xdc00 &&
      value.charCodeAt(i + 1) <= 0xdfff
    ) {
      out += ch + (value[i + 1] as string)
      i++
    } else if (code >= 0xd800 && code <= 0xdfff) out += '\\u' + code.toString(16)
    else out += ch
  }
  return out
}

/** The canonical spelling of a str (or bytes) value: double quotes, `b` prefix for bytes. */
export function quoteValue(value: string, bytes: boolean): string {
  return (bytes ? 'b"' : '"') + escapeBody(value, '"', bytes) + '"'
}

/** Canonical spelling of one plain (non-f) literal as written in the source. */
export function canonicalLiteral(raw: string): string {
  const decoded = decodeLiteral(raw)
  return decoded === undefined ? raw : quoteValue(decoded.value, decoded.bytes)
}
