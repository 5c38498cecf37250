/**
 * Where things live in a `file://` mirror (ARCHITECTURE §4):
 *
 *   artifacts/sha256/<hex>               binaries, content-addressed
 *   entries/<entry-name>.json            one entry per spec
 *   history/<entry-name>/<digest>.json   every entry recorded for the spec, one per digest
 *   claims/<digest hex>.json             "someone is building this digest" (create-exclusive)
 *   index.json                           all entries, with a checksum
 *
 * Pure path computations; no file system.
 */
import { sha256Hex } from '../core/canonical-encode.js'

export const INDEX_FILE = 'index.json'
export const ENTRIES_DIR = 'entries'
export const HISTORY_DIR = 'history'
export const ARTIFACTS_DIR = 'artifacts/sha256'
export const CLAIMS_DIR = 'claims'

/**
 * Temp files carry this marker (`<name>.tmp-<pid>-<random hex>`); readers skip them, and `index`
 * removes those older than an hour (left behind by a killed writer).
 */
export const TEMP_MARKER = '.tmp'

/** Longest readable prefix kept from a spec id (the hash suffix keeps names unique). */
const READABLE_LENGTH = 80

/**
 * A file-system-safe, deterministic name for a spec id: the id with every character outside
 * `[A-Za-z0-9._+@=-]` replaced by `_` (runs collapsed, no leading dot, at most 80 characters),
 * then `-` and the first 12 hex of sha256(id), which keeps ids that look alike apart (also on
 * case-insensitive file systems). Example: `zlib@1.3.1 +shared os=ubuntu22.04` →
 * `zlib@1.3.1_+shared_os=ubuntu22.04-<12 hex>`.
 */
export function computeEntryName(specId: string): string {
  const readable = specId
    .replace(/[^A-Za-z0-9._+@=-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, READABLE_LENGTH)
  const hash = sha256Hex(specId).slice(0, 12)
  return readable === '' ? hash : `${readable}-${hash}`
}

export function entryPath(specId: string): string {
  return `${ENTRIES_DIR}/${computeEntryName(specId)}.json`
}

/** `history/<entry-name>/<digest hex>.json` for the entry of `specId` built from `digest`. */
export function historyPath(specId: string, digest: string): string {
  return `${HISTORY_DIR}/${computeEntryName(specId)}/${digest.replace(/^sha256:/, '')}.json`
}

/** `claims/<digest hex>.json`: the claim on one spec digest. */
export function claimPath(digest: string): string {
  return `${CLAIMS_DIR}/${digest.replace(/^sha256:/, '')}.json`
}

export function artifactPath(sha256: string): string {
  return `${ARTIFACTS_DIR}/${sha256}`
}

/** A temp file's name, as `tempNameFor` makes them: `<name>.tmp-<pid>-<hex>`. */
const TEMP_NAME = /\.tmp-[0-9]+-[0-9a-f]+$/

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}
