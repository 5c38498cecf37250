/**
 * The `Mirror` interface (ARCHITECTURE §4) and `openMirror`, which picks the implementation from
 * the URL scheme: `file://` (or a plain directory path), `oci://` (a registry repository).
 */
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UserError } from '../core/errors.js'
import type { Claim, ClaimResult } from './claim.js'
import type { MirrorEntry } from './entry.js'
import type { ClaimInput, ReleaseInput, ReleaseResult } from './file-claims.js'
import { openFileMirror } from './file-mirror.js'
import type { MirrorIndex } from './mirror-index.js'
import { openOciMirror } from './oci/oci-mirror.js'
import type { RegistryOptions } from './oci/registry-options.js'
import type { ViewRequest } from './mirror-view.js'

/** The entry fields a build job supplies; the mirror adds `schema`, `artifact` and `builtAt`. */
export type RecordedFields = Omit<MirrorEntry, 'schema' | 'artifact' | 'builtAt'>

/** What a build job hands to `record`. */
export interface RecordInput {
  entry: RecordedFields
  /** The built binary (a file) on local disk. */
  artifactPath: string
  /** Recording time (the clock is an input). */
  now: Date
}

export interface Mirror {
  /** Canonical URL of the mirror (`file:///abs/path` for a directory). */
  readonly url: string
  /**
   * The verified index, or undefined when the mirror has none (legal: an empty mirror). A corrupt
   * index is a `UserError('mirror', '<dir>/index.json', 'index is corrupt: … run `binary-check
   * index` to rebuild it from entries')`.
   */
  tryReadIndex(): Promise<MirrorIndex | undefined>
  /** The entry of one spec, or undefined when there is none (or it is unreadable). */
  tryReadEntry(specId: string): Promise<MirrorEntry | undefined>
  /**
   * Store a built binary and its entry: the binary first (content-addressed), then the entry
   * (also kept in the spec's history, one per digest). Recording a spec again with the same
   * digest changes nothing and returns the existing entry; with another digest the newer entry
   * becomes current and the older one stays in the history. Never touches the index.
   */
  record(input: RecordInput): Promise<MirrorEntry>
  /** Every entry recorded for a spec (one per digest, the current one included), newest first. */
  readHistory(specId: string): Promise<MirrorEntry[]>
  /** An index built from all entries, in memory (what `writeIndex` would write). */
  readEntries(): Promise<MirrorIndex>
  /**
   * Build the index from all entries and write it atomically; with `view`, add the complete view
   * of that plan's specs (`mirror-view.ts`).
   */
  writeIndex(options?: WriteIndexOptions): Promise<MirrorIndex>
  /** Claim a spec digest for building (see `file-claims.ts`); absent where unsupported. */
  claim?(input: ClaimInput): Promise<ClaimResult>
  /** Remove a digest's claim. */
  release?(input: ReleaseInput): Promise<ReleaseResult>
  /** The live claims by digest; undefined when the mirror has none at all. */
  tryReadClaims?(now: Date): Promise<ReadonlyMap<string, Claim> | undefined>
  /**
   * Remove temp files (`<name>.tmp-<pid>-<hex>`) last modified before `olderThan`: what a killed
   * writer left behind. Readers ignore them anyway. Returns their mirror-relative paths.
   */
  removeStaleTempFiles?(olderThan: Date): Promise<string[]>
}

export interface WriteIndexOptions {
  view?: ViewRequest
}

export interface MirrorOptions {
  /** Base for relative paths; default `process.cwd()`. */
  cwd?: string
  /** Receives warnings (skipped entry files). The front end decides how to show them. */
  onWarning?: (message: string) => void
  /** For `oci://` mirrors: credentials, timeouts, retries, parallelism (all defaulted). */
  registry?: RegistryOptions
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//

/**
 * Open a mirror by URL: `file:///abs/dir`, `file://relative/dir` (relative to `cwd`), a plain
 * path, or `oci://host[:port]/repository`. Other schemes are a `UserError`. Opening does no I/O:
 * a mirror directory (or repository) that does not exist yet is an empty mirror.
 */
export function openMirror(url: string, options: MirrorOptions = {}): Mirror {
  if (/^spack\+/i.test(url.trim()))
    throw new UserError(
      'mirror',
      url.trim().replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1'),
      'is a Spack build cache, which binary-check only reads (`plan` with `lockfile:`): the build job writes it with `spack buildcache push <mirror> /<hash>` and then `spack buildcache update-index <mirror>`',
    )
  if (/^oci:\/\//i.test(url.trim())) return openOciMirror(url.trim(), options)
  return openFileMirror(resolveMirrorDirectory(url, options.cwd ?? process.cwd()), options)
}

/** The local directory a `file://` URL or plain path names. */
export function resolveMirrorDirectory(url: string, cwd: string): string {
  if (url.trim() === '')
    throw new UserError(
      'mirror',
      'mirror',
      'expected a mirror URL (file://…, oci://…) or a directory path, got nothing',
    )
  const scheme = SCHEME.exec(url)?.[1]
  if (scheme === undefined) return resolve(cwd, url)
  if (scheme.toLowerCase() !== 'file') {
    throw new UserError(
      'mirror',
      url,
      `unsupported mirror URL scheme "${scheme}://" (expected file://, oci:// or a directory path)`,
    )
  }
  const rest = url.slice(scheme.length + 3)
  if (rest.startsWith('/')) {
    try {
      return fileURLToPath(`file://${rest}`)
    } catch (error) {
      throw new UserError('mirror', url, `not a usable file:// URL (${(error as Error).message})`)
    }
  }
  // file://relative/dir and file://./dir: relative to cwd (not a host name).
  let path: string
  try {
    path = decodeURIComponent(rest)
  } catch {
    throw new UserError('mirror', url, 'not a usable file:// URL (bad %-escape)')
  }
  return isAbsolute(path) ? path : resolve(cwd, path)
}
