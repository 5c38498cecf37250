export {
  CLAIM_SCHEMA,
  isLive,
  parseClaim,
  parseTtl,
  type Claim,
  type ClaimResult,
} from './claim.js'
export { ENTRY_SCHEMA, validateEntry, type ArtifactRef, type MirrorEntry } from './entry.js'
export type { ClaimInput, ReleaseInput, ReleaseResult } from './file-claims.js'
export { openFileMirror, type FileMirror } from './file-mirror.js'
export {
  ARTIFACTS_DIR,
  claimPath,
  CLAIMS_DIR,
  computeEntryName,
  ENTRIES_DIR,
  entryPath,
  HISTORY_DIR,
  historyPath,
  INDEX_FILE,
} from './layout.js'
export {
  openMirror,
  resolveMirrorDirectory,
  type Mirror,
  type MirrorOptions,
  type RecordedFields,
  type RecordInput,
  type WriteIndexOptions,
} from './mirror.js'
export {
  openOciMirror,
  resolveImageDigest,
  type OciMirror,
  type RegistryCredentials,
  type RegistryOptions,
} from './oci/index.js'
export {
  computeIndex,
  computeIndexChecksum,
  INDEX_SCHEMA,
  parseIndex,
  serializeIndex,
  type MirrorIndex,
} from './mirror-index.js'
export {
  compareNewestFirst,
  computeView,
  type MirrorView,
  type ViewItem,
  type ViewRequest,
} from './mirror-view.js'
