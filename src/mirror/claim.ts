/**
 * Claims: "someone is building this digest, until <time>". A build job claims a spec digest
 * before building it so that a second pipeline planning the same digest meanwhile reports it as
 * `in-progress` instead of building it again. A claim is advisory: it saves duplicate work, it
 * never makes a build wrong (recording the same digest twice is harmless). Pure: types, the
 * claim file's shape, TTL parsing.
 */
import { z } from 'zod'
import { hasInvisible, singleLine, UserError } from '../core/errors.js'
import { describeIssue } from './entry.js'

export const CLAIM_SCHEMA = 'binary-check/claim@1' as const

export interface Claim {
  schema: typeof CLAIM_SCHEMA
  /** The claimed spec digest, `sha256:<64 hex>`. */
  digest: string
  /** Who holds it: a CI job URL, a runner name. */
  owner: string
  /** ISO 8601 UTC. */
  claimedAt: string
  /** ISO 8601 UTC; at and after this time the claim is expired and may be taken over. */
  expiresAt: string
  /** Random, tells this claim from another one by the same owner (read-back after a rename). */
  token: string
}

/** What `claim` answers: taken (possibly over an expired or own claim), or held by someone else. */
export type ClaimResult =
  { claimed: true; claim: Claim; replaced?: 'expired' | 'own' } | { claimed: false; claim: Claim }

const DIGEST = /^sha256:[0-9a-f]{64}$/

export const claimSchema = z.strictObject({
  schema: z.literal(CLAIM_SCHEMA),
  digest: z.string().regex(DIGEST, 'expected sha256:<64 hex>'),
  owner: z
    .string()
    .min(1, 'expected a non-empty string')
    .refine((v) => !hasInvisible(v), 'expected text without control or invisible characters'),
  claimedAt: z.iso.datetime({ message: 'expected an ISO 8601 UTC time' }),
  expiresAt: z.iso.datetime({ message: 'expected an ISO 8601 UTC time' }),
  token: z.string().min(1, 'expected a non-empty string'),
})

/** Parse a claim file's text; the reason when it is not a claim. */
export function parseClaim(text: string): { claim: Claim } | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { error: `not valid JSON (${singleLine((error as Error).message)})` }
  }
  const result = claimSchema.safeParse(value, { reportInput: true })
  return result.success ? { claim: result.data } : { error: describeIssue(result.error.issues[0]) }
}

export function isLive(claim: Claim, now: Date): boolean {
  return Date.parse(claim.expiresAt) > now.getTime()
}

const TTL_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 }
/** Longest TTL accepted: a claim is for one build, not a reservation. */
const MAX_TTL_SECONDS = 30 * 86_400

/**
 * A claim's time to live in milliseconds: `90` or `90s` (seconds), `30m`, `2h`, `1d`; a positive
 * whole number, at most 30 days. `place` names the option in the error.
 */
export function parseTtl(text: string, place = '--ttl'): number {
  const m = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim())
  const seconds = m ? Number(m[1]) * TTL_UNITS[m[2] || 's']! : NaN
  if (!m || seconds <= 0 || seconds > MAX_TTL_SECONDS)
    throw new UserError(
      'input',
      place,
      `expected a duration such as 30m, 2h, 1d or a number of seconds (at most 30d), got ${JSON.stringify(text)}`,
    )
  return seconds * 1000
}
