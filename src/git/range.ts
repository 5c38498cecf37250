/**
 * Which two commits to compare: explicit revisions win, else the GitHub event that started the
 * run (push, pull_request, pull_request_target, merge_group), else HEAD and no base. Missing
 * commits in a shallow clone are fetched by deepening the history step by step.
 */
import { z } from 'zod'
import { UserError } from '../core/errors.js'
import type { Git } from './git.js'
import { isZeroObjectId, type ObjectId } from './output.js'

/** The part of a GitHub Actions context we read (`github.context` has this shape). */
export interface GitHubEventContext {
  eventName: string
  payload: unknown
}

export interface DeepenPolicy {
  /** Commits fetched by the first `git fetch --deepen`; each further try doubles it. */
  initial: number
  /** At most this many fetches. */
  maxTries: number
  /** Stop once this many commits have been asked for in total. */
  maxCommits: number
  /** Remote to deepen; default `origin`. */
  remote?: string
}

/** 32 + 64 + 128 + 256 + 512 = 992 commits at most. */
export const DEFAULT_DEEPEN_POLICY: DeepenPolicy = { initial: 32, maxTries: 5, maxCommits: 1000 }

export interface RangeRequest {
  /** `--base`: a revision; wins over the event. */
  base?: string
  /** `--head`: a revision; wins over the event. Default HEAD. */
  head?: string
  event?: GitHubEventContext
  deepen?: DeepenPolicy
}

export interface ResolvedRange {
  /** Full commit id, or null: nothing to diff against, so compare against the mirror only. */
  base: ObjectId | null
  head: ObjectId
  /** Why base is null, or how it was chosen when it is not the obvious commit. */
  note?: string
}

export const NO_BASE_NOTE = 'no base commit (first push): comparing against the mirror only'

const sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a full commit sha')
const pushPayload = z.object({
  before: sha.optional(),
  after: sha,
  created: z.boolean().optional(),
})
const pullRequestPayload = z.object({
  pull_request: z.object({ base: z.object({ sha }), head: z.object({ sha }) }),
})
const mergeGroupPayload = z.object({ merge_group: z.object({ base_sha: sha, head_sha: sha }) })

/** What the event asks for, before any git work. */
type EventRange =
  | { kind: 'commits'; base: string | null; head: string; note?: string }
  | { kind: 'merge-base'; base: string; head: string }
  | { kind: 'none'; note: string }

export function parseEventRange(event: GitHubEventContext): EventRange {
  const parse = <T>(schema: z.ZodType<T>): T => {
    const result = schema.safeParse(event.payload)
    if (result.success) return result.data
    const issue = result.error.issues[0]
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload'
    throw new UserError(
      'input',
      `${event.eventName} event ${where}`,
      `expected ${expectedOf(issue)}`,
    )
  }
  switch (event.eventName) {
    case 'push': {
      const push = parse(pushPayload)
      if (isZeroObjectId(push.after)) {
        throw new UserError(
          'input',
          'push event after',
          'is the zero sha (a deleted ref): there is nothing to build',
        )
      }
      if (push.before === undefined || isZeroObjectId(push.before) || push.created === true) {
        return { kind: 'commits', base: null, head: push.after, note: NO_BASE_NOTE }
      }
      return { kind: 'commits', base: push.before, head: push.after }
    }
    case 'pull_request':
    case 'pull_request_target': {
      const { pull_request } = parse(pullRequestPayload)
      return { kind: 'merge-base', base: pull_request.base.sha, head: pull_request.head.sha }
    }
    case 'merge_group': {
      const { merge_group } = parse(mergeGroupPayload)
      return { kind: 'commits', base: merge_group.base_sha, head: merge_group.head_sha }
    }
    default:
      return {
        kind: 'none',
        note: `a ${event.eventName} event names no base commit: comparing against the mirror only`,
      }
  }
}

function expectedOf(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'a GitHub event payload'
  if (issue.code === 'invalid_format') return 'a full commit sha'
  if (issue.code === 'invalid_type') return `${issue.expected}`
  return issue.message
}

/**
 * Resolve the commits to compare. Errors are `UserError`s naming the revision:
 * `--base X: not a commit in <dir>` for an explicit revision, `base <sha>: commit not found in
 * <dir> (fetch it or use --base)` for an event's commit in a complete (not shallow) clone.
 */
export async function resolveRange(git: Git, request: RangeRequest): Promise<ResolvedRange> {
  const policy = request.deepen ?? DEFAULT_DEEPEN_POLICY
  const fromEvent = request.event ? parseEventRange(request.event) : undefined
  const notes: string[] = []
  const deepener = new Deepener(git, policy)

  // Head: --head, else the event's head, else HEAD.
  const headRev = request.head ?? (fromEvent && fromEvent.kind !== 'none' ? fromEvent.head : 'HEAD')
  const headFromEvent =
    request.head === undefined && fromEvent !== undefined && fromEvent.kind !== 'none'

  // Base: --base, else what the event says.
  let baseRev: string | null
  let needMergeBase = false
  let baseLabel: 'explicit' | 'event'
  if (request.base !== undefined) {
    baseRev = request.base
    baseLabel = 'explicit'
  } else if (fromEvent === undefined) {
    baseRev = null
    baseLabel = 'event'
    notes.push('no base commit given: comparing against the mirror only')
  } else if (fromEvent.kind === 'none') {
    baseRev = null
    baseLabel = 'event'
    notes.push(fromEvent.note)
  } else {
    baseRev = fromEvent.base
    baseLabel = 'event'
    needMergeBase = fromEvent.kind === 'merge-base'
    if (fromEvent.kind === 'commits' && fromEvent.note) notes.push(fromEvent.note)
  }

  const head = await deepener.find(headRev)
  if (head === undefined) {
    if (!headFromEvent)
      throw new UserError('git', `--head ${headRev}`, `not a commit in ${git.dir}`)
    throw new UserError(
      'git',
      `head ${headRev}`,
      `commit not found in ${git.dir} (fetch it or use --head)`,
    )
  }

  if (baseRev === null) return withNotes({ base: null, head }, notes)

  let base = await deepener.find(baseRev)
  if (base === undefined && baseLabel === 'event') base = await tryFetchCommit(git, baseRev)
  if (base === undefined) {
    if (baseLabel === 'explicit')
      throw new UserError('git', `--base ${baseRev}`, `not a commit in ${git.dir}`)
    if (deepener.triedShallow) {
      notes.push(
        `base commit ${baseRev} not found ${deepener.describe()}: comparing against the mirror only`,
      )
      return withNotes({ base: null, head }, notes)
    }
    throw new UserError(
      'git',
      `base ${baseRev}`,
      `commit not found in ${git.dir} (fetch it or use --base)`,
    )
  }

  if (!needMergeBase) return withNotes({ base, head }, notes)

  // pull_request: compare against the merge base of the PR's base and head, as GitHub does.
  const mergeBase = await deepener.findMergeBase(base, head)
  if (mergeBase === null) {
    notes.push(
      `no merge base of ${base} and ${head}${deepener.triedShallow ? ` ${deepener.describe()}` : ''}: comparing against ${base}`,
    )
    return withNotes({ base, head }, notes)
  }
  return withNotes({ base: mergeBase, head }, notes)
}

function withNotes(range: ResolvedRange, notes: string[]): ResolvedRange {
  return notes.length > 0 ? { ...range, note: notes.join('; ') } : range
}

/** Try one direct fetch of a commit by sha (servers such as GitHub allow it); undefined if that fails. */
async function tryFetchCommit(git: Git, sha: string): Promise<ObjectId | undefined> {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) return undefined
  const remotes = await git.remotes()
  if (!remotes.includes('origin')) return undefined
  try {
    await git.fetchRef(sha, (await git.isShallow()) ? { depth: 1 } : {})
  } catch {
    return undefined
  }
  return git.tryRevParse(sha)
}

/** Deepens a shallow clone on demand, doubling each time, within one shared budget. */
class Deepener {
  private tries = 0
  private nextBy: number
  /** Commits asked for so far. */
  fetched = 0
  /** Whether the repository was shallow when something was missing. */
  triedShallow = false
  /** Why the last `git fetch --deepen` failed, if it did. */
  failure: string | undefined

  constructor(
    private readonly git: Git,
    private readonly policy: DeepenPolicy,
  ) {
    this.nextBy = policy.initial
  }

  async find(rev: string): Promise<ObjectId | undefined> {
    for (;;) {
      const oid = await this.git.tryRevParse(rev)
      if (oid !== undefined) return oid
      if (!(await this.step())) return undefined
    }
  }

  async findMergeBase(a: ObjectId, b: ObjectId): Promise<ObjectId | null> {
    for (;;) {
      const oid = await this.git.mergeBase(a, b)
      if (oid !== null) return oid
      if (!(await this.step())) return null
    }
  }

  /** How far the search went, for notes. */
  describe(): string {
    const depth = `after deepening the shallow clone by ${this.fetched} commits`
    return this.failure === undefined
      ? depth
      : `${depth} (git fetch --deepen failed: ${this.failure})`
  }

  /** One more `git fetch --deepen`; false when not shallow or out of budget. */
  private async step(): Promise<boolean> {
    if (!(await this.git.isShallow())) return false
    this.triedShallow = true
    if (this.tries >= this.policy.maxTries || this.fetched >= this.policy.maxCommits) return false
    if (this.failure !== undefined) return false
    const by = Math.min(this.nextBy, this.policy.maxCommits - this.fetched)
    try {
      await this.git.deepen(
        by,
        this.policy.remote === undefined ? {} : { remote: this.policy.remote },
      )
    } catch (error) {
      // No remote, no network, no credentials: stop deepening; the caller reports what is missing.
      this.failure = (error as Error).message.split('\n')[0]
      return false
    }
    this.tries += 1
    this.fetched += by
    this.nextBy *= 2
    return true
  }
}
