export { createGit, WORKTREE, type FetchOptions, type Git, type Worktree } from './git.js'
export {
  isObjectId,
  isZeroObjectId,
  type ChangedFile,
  type ChangeStatus,
  type ObjectId,
  type TreeEntry,
  type TreeEntryType,
} from './output.js'
export {
  DEFAULT_DEEPEN_POLICY,
  NO_BASE_NOTE,
  parseEventRange,
  resolveRange,
  type DeepenPolicy,
  type GitHubEventContext,
  type RangeRequest,
  type ResolvedRange,
} from './range.js'
