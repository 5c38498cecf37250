import { createHash } from 'node:crypto'

/**
 * The digest algorithm tag. Changing the encoder or any canonicalisation rule bumps it.
 * @2: a spec digest folds each dependency edge's deptypes and virtuals, not only its digest.
 */
export const DIGEST_ALGORITHM = 'binary-check/digest@2' as const
export type DigestAlgorithm = typeof DIGEST_ALGORITHM

/** `sha256:<64 hex>` */
export type Digest = string

export type Canonical =
  | string
  | number
  | boolean
  | null
  | readonly Canonical[]
  | { readonly [key: string]: Canonical | undefined }

/**
 * The one canonical encoder: JSON with object keys sorted by code unit (not locale), no
 * whitespace, `undefined` members dropped, integers only (a float or a non-finite number is a bug).
 */
export function canonicalEncode(value: Canonical | undefined): string {
  if (value === undefined || value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Error(`canonicalEncode: not an integer: ${value}`)
      return String(value)
    case 'object':
      break
    default:
      throw new Error(`canonicalEncode: unsupported ${typeof value}`)
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalEncode(v as Canonical)).join(',')}]`
  const rec = value as { readonly [key: string]: Canonical | undefined }
  const keys = Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort(compareCodeUnits)
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalEncode(rec[k])}`).join(',')}}`
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** H(value): `sha256:` + sha256 of the canonical encoding. Callers put the algorithm tag in `value`. */
export function digestOf(value: Canonical): Digest {
  return `sha256:${sha256Hex(canonicalEncode(value))}`
}

/** Digest of raw text (a canonical recipe, a file's content). */
export function digestText(text: string | Uint8Array): Digest {
  return `sha256:${sha256Hex(text)}`
}
