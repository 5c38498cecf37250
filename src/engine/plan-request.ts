import type { GitHubEventContext } from '../git/index.js'
import type { RegistryOptions } from '../mirror/index.js'
import type { TrustSetting } from './trust-mode.js'

/** Everything one plan needs, whoever asked (CLI argv or Action inputs). */
export interface PlanRequest {
  /** The recipe repository (a git work tree). */
  repo: string
  /** Config path (absolute or relative to cwd); default `.binary-check.yml` in the repository. */
  config?: string
  base?: string
  /** A revision, or `WORKTREE` for the uncommitted working tree. */
  head?: string
  /** Mirror URL; overrides the config's `mirror`. */
  mirror?: string
  /** The GitHub event (action only). */
  event?: GitHubEventContext
  /** Directory of the analysis cache (undefined: no persistent cache). */
  cacheDir?: string
  /** For an `oci://` mirror: credentials and the like (default: from the environment). */
  registry?: RegistryOptions
  /** Unreadable recipes and directives kept as code are errors, not warnings. */
  strict?: boolean
  /**
   * Whose config may run commands, read the environment and pick hosts: `head`, `base` (the
   * base commit's config), or `auto` (default: `base` for events whose head anyone can write).
   */
  trust?: TrustSetting
  /** The environment (default `process.env`): CI variables that decide `auto` trust. */
  env?: NodeJS.ProcessEnv
}

export interface EngineLog {
  info(message: string): void
  warn(message: string): void
}

export const SILENT_LOG: EngineLog = { info: () => {}, warn: () => {} }
