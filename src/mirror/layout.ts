/**
 * Where things live in a `file://` mirror (ARCHITECTURE §4):
 *
 *   artifacts/sha256/<hex>               binaries, content-addressed
 *   entries/<entry-name>.json            one entry per spec
 *   history/<entry-name>/<digest>.json   entries replaced by a build from another digest
 *   index.json                           all entries, with a checksum
 *
 * Pure path computations; no file system.
 */
import { sha256Hex } from '../core/canonical-encode.js'

export const INDEX_FILE = 'index.json'
export const ENTRIES_DIR = 'entries'
export const HISTORY_DIR = 'history'
export const ARTIFACTS_DIR = 'artifacts/sha256'

/** Temp files carry this marker (`<name>.tmp-<pid>-<random>`); readers skip them. */
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

export function artifactPath(sha256: string): string {
  return `${ARTIFACTS_DIR}/${sha256}`
}

export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARKER)
}
