/**
 * Tag names in an `oci://` mirror. Tags are at most 128 characters of `[A-Za-z0-9_.-]`, the first
 * one alphanumeric or `_` (the distribution spec). Pure.
 *
 *   <pkg>-<version>-<digest hex 16>    a built spec digest (sanitised, truncated, digest kept)
 *   binary-check-index                 the index
 *   binary-check-claim-<digest hex>    a claim on a spec digest
 */

export const INDEX_TAG = 'binary-check-index'
const CLAIM_PREFIX = 'binary-check-claim-'
const MAX_TAG = 128
/** Hex digits of the spec digest in a spec tag: 64 bits keep digests of one spec apart. */
const DIGEST_HEX_IN_TAG = 16

export type TagKind = 'spec' | 'index' | 'claim' | 'other'

/**
 * The tag of the entry of a spec built from `digest` (`sha256:<64 hex>`): `<package>-<version>-`
 * and the first 16 hex of the digest, every run of characters outside `[A-Za-z0-9_.-]` made `_`,
 * the readable part cut so the whole is at most 128 characters. Example: `zlib`, `1.3.1`,
 * `sha256:0123456789abcdef…` → `zlib-1.3.1-0123456789abcdef`.
 */
export function computeSpecTag(pkg: string, version: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, '').slice(0, DIGEST_HEX_IN_TAG)
  return `${computeSpecTagPrefix(pkg, version)}${hex}`
}

/** What every spec tag of `package@version` starts with (ends with `-`). */
export function computeSpecTagPrefix(pkg: string, version: string): string {
  const readable = sanitize(`${pkg}-${version}`).slice(0, MAX_TAG - DIGEST_HEX_IN_TAG - 1)
  return `${readable}-`
}

/** The claim tag of a spec digest: `binary-check-claim-<64 hex>` (83 characters). */
export function computeClaimTag(digest: string): string {
  return `${CLAIM_PREFIX}${digest.replace(/^sha256:/, '')}`
}

/** The spec digest a claim tag names, or undefined for any other tag. */
export function claimDigestOf(tag: string): string | undefined {
  const m = /^binary-check-claim-([0-9a-f]{64})$/.exec(tag)
  return m ? `sha256:${m[1]}` : undefined
}

export function classifyTag(tag: string): TagKind {
  if (tag === INDEX_TAG) return 'index'
  if (claimDigestOf(tag) !== undefined) return 'claim'
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*-[0-9a-f]{16}$/.test(tag) && tag.length <= MAX_TAG) return 'spec'
  return 'other'
}

/**
 * The `package@version` prefix of a spec id (`zlib@1.3.1+shared os=…` → zlib, 1.3.1), or
 * undefined when the id does not start that way. `record` names a spec's tags by it (falling back
 * to the entry's package and version), and readers of one spec list only tags with its prefix
 * (every spec tag when there is none).
 */
export function parseSpecIdPackage(specId: string): { pkg: string; version: string } | undefined {
  const m = /^([^@\s]+)@([^\s+~]+)/.exec(specId)
  return m ? { pkg: m[1]!, version: m[2]! } : undefined
}

function sanitize(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9_.-]+/g, '_')
  return /^[A-Za-z0-9_]/.test(safe) ? safe : `_${safe}`
}
