/**
 * Whose config may run programs and pick hosts: the head commit's (`head`) or a trusted one
 * (`base`: the base commit's config, or a `--config` file outside the repository). Decided from
 * the setting and the event that started the run. Pure over the event and the environment.
 */
import { UserError } from '../core/errors.js'
import type { GitHubEventContext } from '../git/index.js'

export type Trust = 'head' | 'base'
/** What the user asks: a side, or `auto` (by the event; the default). */
export type TrustSetting = Trust | 'auto'

export const TRUST_SETTINGS: readonly TrustSetting[] = ['auto', 'head', 'base']

export interface TrustDecision {
  trust: Trust
  /** Why, in words for a log line: `pull_request_target event`, `trust: base` … */
  why: string
  /** Set when the user chose `head` for an event whose head anyone can write. */
  warning?: string
}

/** `auto`, `head` or `base`, or a one-line error naming `place`. */
export function parseTrustSetting(text: string | undefined, place: string): TrustSetting {
  if (text === undefined || text === '') return 'auto'
  if ((TRUST_SETTINGS as readonly string[]).includes(text)) return text as TrustSetting
  throw new UserError('input', place, `expected auto, head or base, got ${JSON.stringify(text)}`)
}

/**
 * The side whose execution-bearing settings are used. `auto`: `base` for events whose head is
 * untrusted (see `untrustedHead`), else `head`.
 */
export function decideTrust(
  setting: TrustSetting,
  event: GitHubEventContext | undefined,
  env: NodeJS.ProcessEnv,
): TrustDecision {
  const untrusted = untrustedHead(event, env)
  if (setting === 'base') return { trust: 'base', why: 'trust: base' }
  if (setting === 'head')
    return {
      trust: 'head',
      why: 'trust: head',
      ...(untrusted
        ? {
            warning: `trust: head on a ${untrusted}: the head commit's config may run its environment command and pick the hosts contacted`,
          }
        : {}),
    }
  return untrusted ? { trust: 'base', why: untrusted } : { trust: 'head', why: 'a trusted event' }
}

/** Events that run with content anyone can write at head: what they are, else undefined. */
export function untrustedHead(
  event: GitHubEventContext | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (event) {
    const p = (event.payload ?? {}) as Record<string, unknown>
    switch (event.eventName) {
      case 'pull_request_target':
        return 'pull_request_target event'
      case 'pull_request':
        return isForkPullRequest(p) ? 'pull request from a fork' : undefined
      case 'workflow_run': {
        const run = record(p.workflow_run)
        const from = record(run?.head_repository)?.full_name
        const own = record(p.repository)?.full_name
        return from === undefined || from !== own
          ? 'workflow_run from another repository'
          : undefined
      }
      case 'issue_comment':
      case 'pull_request_review':
      case 'pull_request_review_comment':
        return `${event.eventName} event`
      default:
        return undefined
    }
  }
  if (env.GITLAB_CI === 'true') {
    const source = env.CI_MERGE_REQUEST_SOURCE_PROJECT_ID
    if (source !== undefined && source !== '' && source !== env.CI_PROJECT_ID)
      return 'merge request from a fork'
    const from = env.CI_EXTERNAL_PULL_REQUEST_SOURCE_REPOSITORY
    if (
      from !== undefined &&
      from !== '' &&
      from !== env.CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY
    )
      return 'external pull request from a fork'
  }
  return undefined
}

/** A pull request whose head repository is not the base's (or is gone: a deleted fork). */
function isForkPullRequest(payload: Record<string, unknown>): boolean {
  const pr = record(payload.pull_request)
  const head = record(record(pr?.head)?.repo)
  const base = record(record(pr?.base)?.repo)
  if (head === undefined) return true
  const from = head.full_name
  const to = base?.full_name ?? record(payload.repository)?.full_name
  return typeof from !== 'string' || from !== to
}

function record(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : undefined
}
