/**
 * Which config a plan runs with: the head commit's `.binary-check.yml` (or `--config`), with its
 * execution-bearing fields taken from a trusted config when the head cannot be trusted
 * (`trust-mode.ts`, `trusted-config.ts`).
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { UserError } from '../core/errors.js'
import { DEFAULT_CONFIG_PATH, parseConfigText, readConfigFile } from '../config/read-config.js'
import type { Config } from '../config/config-schema.js'
import type { RepoSnapshot } from '../ecosystems/snapshot.js'
import { WORKTREE, type Git, type GitHubEventContext } from '../git/index.js'
import type { EngineLog, PlanRequest } from './plan-request.js'
import { decideTrust } from './trust-mode.js'
import { withTrustedExecution } from './trusted-config.js'

export interface LoadedConfig {
  config: Config
  /** What the plan's notes (the job summary) should say about it: ignored head settings … */
  notes: string[]
}

/**
 * The config for this run. A `--config` outside the repository is trusted whole. Otherwise the
 * head's config gives the plan; when trust is `base`, the execution-bearing fields come from the
 * same path in the base commit (none when there is no base, or it has no config there).
 */
export async function loadPlanConfig(
  request: PlanRequest,
  git: Git,
  headSnap: RepoSnapshot,
  base: string | null,
  log: EngineLog,
): Promise<LoadedConfig> {
  const outside = request.config !== undefined ? outsideRepo(request.config, request.repo) : false
  const head = await loadConfig(request, headSnap)
  if (outside || headSnap.rev === WORKTREE) return { config: head, notes: [] }
  const env = request.env ?? process.env
  const decision = decideTrust(request.trust ?? 'auto', request.event ?? eventFromEnv(env), env)
  const notes: string[] = []
  if (decision.warning) {
    log.warn(decision.warning)
    notes.push(decision.warning)
  }
  if (decision.trust === 'head') return { config: head, notes }

  const path = request.config !== undefined ? repoRelative(request.config, request.repo) : null
  const shownPath = path ?? DEFAULT_CONFIG_PATH
  let trusted: Config | undefined
  let missing: string | undefined
  if (base === null) missing = 'there is no base commit'
  else {
    const text = await readAt(git, base, shownPath)
    if (text === undefined) missing = `the base commit ${base.slice(0, 12)} has no ${shownPath}`
    else trusted = parseConfigText(text, `${shownPath} at the base commit ${base.slice(0, 12)}`)
  }
  const merged = withTrustedExecution(head, trusted)
  log.info(
    trusted
      ? `Trust (${decision.why}): commands, environment values and hosts from ${shownPath} at the base commit ${base!.slice(0, 12)}`
      : `Trust (${decision.why}): ${missing}, so no command, environment value, image digest or config mirror is used`,
  )
  if (!trusted && merged.ignored.length > 0)
    notes.push(
      `trusted settings: ${missing} (${decision.why}): the head's commands, environment values, image lookups and mirror are not used`,
    )
  for (const line of merged.ignored) {
    log.warn(line)
    notes.push(line)
  }
  return { config: merged.config, notes }
}

/** The head's own config (a `--config` file, the working tree's, or the head commit's blob). */
export async function loadConfig(request: PlanRequest, headSnap: RepoSnapshot): Promise<Config> {
  if (request.config !== undefined) {
    const path = isAbsolute(request.config) ? request.config : resolve(request.config)
    return readConfigFile(path, request.config)
  }
  if (headSnap.rev === WORKTREE) {
    // Read from disk, where a symbolic link would be followed out of the repository: refused,
    // as a commit's tree never follows one either.
    const path = join(request.repo, DEFAULT_CONFIG_PATH)
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink())
      throw new UserError(
        'config',
        DEFAULT_CONFIG_PATH,
        'is a symbolic link in the working tree; binary-check does not follow links (make it a file, or pass --config)',
      )
    return readConfigFile(path, DEFAULT_CONFIG_PATH)
  }
  const oid = headSnap.files.get(DEFAULT_CONFIG_PATH)
  if (!oid)
    throw new UserError(
      'config',
      DEFAULT_CONFIG_PATH,
      `not found in commit ${headSnap.rev.slice(0, 12)} (add one, or pass --config)`,
    )
  const text = (await headSnap.readBlobs([oid])).get(oid)!.toString('utf8')
  return parseConfigText(text, DEFAULT_CONFIG_PATH)
}

/**
 * The config the base side is read with: the head's (so both sides resolve the same spec
 * requests), except that manifest package definitions — which are recipes, not settings — come
 * from the base commit's own config when it has one.
 */
export async function baseConfig(
  request: PlanRequest,
  baseSnap: RepoSnapshot,
  head: Config,
): Promise<Config> {
  if (head.ecosystem !== 'manifest' || request.config !== undefined) return head
  try {
    const own = await loadConfig(request, baseSnap)
    return own.ecosystem === 'manifest' ? { ...head, packages: own.packages } : head
  } catch (e) {
    if (e instanceof UserError) return head
    throw e
  }
}

/** A file's text at `rev`, or undefined when the commit has no such file. */
async function readAt(git: Git, rev: string, path: string): Promise<string | undefined> {
  const entry = (await git.lsTree(rev, [path])).find((e) => e.path === path && e.type === 'blob')
  if (!entry) return undefined
  return (await git.readBlobs([entry.oid])).get(entry.oid)?.toString('utf8')
}

/** Whether `config` (resolved) lies outside the repository `repo` (symlinks resolved). */
function outsideRepo(config: string, repo: string): boolean {
  return repoRelative(config, repo) === null
}

/** `config`'s path inside `repo` (`/`-separated), or null when it is outside. */
function repoRelative(config: string, repo: string): string | null {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p))
  const rel = relative(real(repo), real(resolve(config)))
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return null
  return rel.split(sep).join('/')
}

/** The GitHub event of a run outside the Action (the CLI in a workflow): from the runner's files. */
function eventFromEnv(env: NodeJS.ProcessEnv): GitHubEventContext | undefined {
  const name = env.GITHUB_EVENT_NAME
  if (env.GITHUB_ACTIONS !== 'true' || !name) return undefined
  let payload: unknown = {}
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    // An unreadable event file: the event name alone decides (a pull request counts as a fork's).
  }
  return { eventName: name, payload }
}
