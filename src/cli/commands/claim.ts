import { hostname, userInfo } from 'node:os'
import type { ParseArgsConfig } from 'node:util'
import { UserError } from '../../core/errors.js'
import { openMirror, parseTtl, type ClaimResult, type Mirror } from '../../mirror/index.js'
import { formatOf, help, parse, UsageError, type CliIo } from '../cli-io.js'
import { CLAIM_HELP, RELEASE_HELP } from '../usage.js'

const DEFAULT_TTL = '2h'

const CLAIM_OPTIONS = {
  mirror: { type: 'string' },
  digest: { type: 'string' },
  ttl: { type: 'string' },
  owner: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export async function claimCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, CLAIM_OPTIONS)
  if (values.help) return help(io, CLAIM_HELP)
  if (!values.mirror) throw new UsageError('claim needs --mirror')
  if (!values.digest) throw new UsageError('claim needs --digest')
  const format = formatOf(values.format, ['json', 'text'], 'text')
  const ttlMs = parseTtl(values.ttl ?? DEFAULT_TTL)
  if (values.owner !== undefined && values.owner.trim() === '')
    throw new UserError('input', '--owner', 'expected a non-empty text, got ""')
  const mirror = openMirror(values.mirror, { cwd: io.cwd })
  const result = await supported(mirror, 'claim').claim!({
    digest: values.digest,
    owner: values.owner ?? defaultOwner(),
    ttlMs,
    now: new Date(),
  })
  io.stdout(format === 'json' ? `${JSON.stringify(claimJson(result))}\n` : claimText(result))
  return 0
}

export async function releaseCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    mirror: { type: 'string' },
    digest: { type: 'string' },
    owner: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return help(io, RELEASE_HELP)
  if (!values.mirror) throw new UsageError('release needs --mirror')
  if (!values.digest) throw new UsageError('release needs --digest')
  const mirror = openMirror(values.mirror, { cwd: io.cwd })
  const result = await supported(mirror, 'release').release!({
    digest: values.digest,
    ...(values.owner !== undefined ? { owner: values.owner } : {}),
  })
  io.stdout(
    !result.removed
      ? `no claim on ${values.digest}\n`
      : `released ${values.digest}${result.claim ? ` (held by ${result.claim.owner} until ${result.claim.expiresAt})` : ''}\n`,
  )
  return 0
}

function supported(mirror: Mirror, what: 'claim' | 'release'): Mirror {
  if (mirror[what] === undefined)
    throw new UserError('mirror', mirror.url, `this mirror does not support claims`)
  return mirror
}

function claimText(r: ClaimResult): string {
  const { owner, expiresAt, digest } = r.claim
  if (!r.claimed) return `held by ${owner} until ${expiresAt}\n`
  const how =
    r.replaced === 'expired'
      ? ' (took over an expired claim)'
      : r.replaced === 'own'
        ? ' (renewed)'
        : ''
  return `claimed ${digest} by ${owner} until ${expiresAt}${how}\n`
}

function claimJson(r: ClaimResult): Record<string, unknown> {
  const { digest, owner, claimedAt, expiresAt } = r.claim
  return {
    claimed: r.claimed,
    digest,
    owner,
    claimedAt,
    expiresAt,
    ...(r.claimed && r.replaced ? { replaced: r.replaced } : {}),
  }
}

/**
 * The CI run (GitLab pipeline URL, GitHub run URL), else `user@host`. A run, not a job: a retried
 * job of the same run renews the claim its failed attempt left instead of waiting for it to expire.
 */
function defaultOwner(): string {
  const env = process.env
  if (env.CI_PIPELINE_URL) return env.CI_PIPELINE_URL
  if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com'
    return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
  }
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    /* no passwd entry (some containers) */
  }
  return `${user}@${hostname()}`
}
