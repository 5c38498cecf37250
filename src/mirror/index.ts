export { ENTRY_SCHEMA, validateEntry, type ArtifactRef, type MirrorEntry } from './entry.js'
export { openFileMirror, type FileMirror } from './file-mirror.js'
export {
  ARTIFACTS_DIR,
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
} from './mirror.js'
export {
  computeIndex,
  computeIndexChecksum,
  INDEX_SCHEMA,
  parseIndex,
  serializeIndex,
  type MirrorIndex,
} from './mirror-index.js'
