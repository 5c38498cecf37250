/**
 * Claims in an `oci://` mirror: the tag `binary-check-claim-<digest hex>`, whose manifest carries
 * the claim in its annotations (empty config and layer).
 *
 * Registries have no compare-and-swap on tags, so taking a claim is check → put → verify: read
 * the tag (free, expired, released or one's own → go on; someone else's live claim → held), put
 * the new claim manifest, wait `claimSettleMs`, read the tag back; the taker whose token it holds
 * wins, the others report the winner. **Race bound**: two takers can both win only when one of
 * them took longer than `claimSettleMs` (default 500 ms) from its check (a manifest GET) to the
 * end of its put (one manifest PUT; its retries count) — the other's read-back then came before
 * the late put landed. Behind a caching proxy or an eventually consistent registry the
 * read-back can also be stale. Losing the race costs one duplicate build, never a wrong binary
 * (claims are advisory).
 *
 * Release deletes the claim manifest by its digest (only that claim: a newer one has another
 * digest); on registries that refuse deletes it overwrites the tag with a tombstone (token
 * `released`, expired at once), which readers treat as no claim.
 */
import { randomBytes } from 'node:crypto'
import { hasInvisible, quote, UserError } from '../../core/errors.js'
import { CLAIM_SCHEMA, isLive, parseClaim, type Claim, type ClaimResult } from '../claim.js'
import type { ClaimInput, ReleaseInput, ReleaseResult } from '../file-claims.js'
import { mapBounded } from './bounded-map.js'
import { claimDigestOf, computeClaimTag } from './layout.js'
import {
  claimFromManifest,
  computeClaimManifest,
  EMPTY_BLOB,
  MEDIA_TYPES,
  parseManifest,
  serializeManifest,
} from './manifests.js'
import type { RegistryClient } from './registry-client.js'

const RELEASED = 'released'
/** How often a taker starts over when the tag changed under it. */
const ATTEMPTS = 4

/** What is under a claim tag: nothing, a tombstone, an unreadable claim, or a claim. */
type Held =
  | { state: 'none' }
  | { state: 'unreadable'; manifest: string }
  | { state: 'claim'; claim: Claim; manifest: string }

export async function claimOciDigest(
  client: RegistryClient,
  input: ClaimInput,
): Promise<ClaimResult> {
  const mine = newClaim(input)
  const tag = computeClaimTag(input.digest)
  // The empty config/layer blob first: nothing but the manifest put between check and put.
  await client.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const held = await readHeld(client, tag)
    const live = held.state === 'claim' && isLive(held.claim, input.now) ? held.claim : undefined
    if (live && live.owner !== input.owner) return { claimed: false, claim: live }
    await putClaim(client, tag, mine)
    await client.http.options.sleep(client.http.options.claimSettleMs)
    const back = await readHeld(client, tag)
    if (back.state !== 'claim') continue // released or garbled meanwhile: start over
    if (back.claim.token !== mine.token) return { claimed: false, claim: back.claim }
    const replaced = live ? 'own' : held.state === 'none' ? undefined : 'expired'
    return { claimed: true, claim: mine, ...(replaced ? { replaced } : {}) }
  }
  throw new UserError(
    'mirror',
    `${client.place}:${tag}`,
    `the claim kept changing while it was being taken (${ATTEMPTS} attempts)`,
  )
}

export async function releaseOciDigest(
  client: RegistryClient,
  input: ReleaseInput,
  now: Date,
): Promise<ReleaseResult> {
  checkDigest(input.digest, 'release')
  const tag = computeClaimTag(input.digest)
  const held = await readHeld(client, tag)
  if (held.state === 'none') return { removed: false }
  const claim = held.state === 'claim' ? held.claim : undefined
  if (input.owner !== undefined && claim && claim.owner !== input.owner)
    throw new UserError(
      'mirror',
      `${client.place}:${tag}`,
      `claimed by ${JSON.stringify(claim.owner)} until ${claim.expiresAt}, not by ${JSON.stringify(input.owner)}: not released`,
    )
  // Deleting by digest removes exactly the claim judged releasable (a newer one has another
  // digest); a registry that refuses deletes gets a tombstone instead.
  if (await client.tryDeleteManifest(held.manifest))
    return { removed: true, ...(claim ? { claim } : {}) }
  const at = now.toISOString()
  await client.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
  await putClaim(client, tag, {
    schema: CLAIM_SCHEMA,
    digest: input.digest,
    owner: claim?.owner ?? input.owner ?? 'unknown',
    claimedAt: at,
    expiresAt: at,
    token: RELEASED,
  })
  return { removed: true, ...(claim ? { claim } : {}) }
}

/** The live claims by digest; undefined when the repository has no claim tag at all. */
export async function readLiveOciClaims(
  client: RegistryClient,
  tags: readonly string[],
  now: Date,
  warn: (message: string) => void,
): Promise<Map<string, Claim> | undefined> {
  const claimTags = tags.filter((t) => claimDigestOf(t) !== undefined).sort()
  if (claimTags.length === 0) return undefined
  const held = await mapBounded(claimTags, client.http.options.concurrency, (t) =>
    readHeld(client, t),
  )
  const live = new Map<string, Claim>()
  for (const [i, h] of held.entries()) {
    if (h.state === 'unreadable') warn(`${client.place}:${claimTags[i]}: skipped: not a claim`)
    else if (h.state === 'claim' && claimDigestOf(claimTags[i]!) === h.claim.digest)
      if (isLive(h.claim, now)) live.set(h.claim.digest, h.claim)
  }
  return live
}

function newClaim(input: ClaimInput): Claim {
  const { digest, owner, ttlMs, now } = input
  checkDigest(digest, 'claim')
  if (owner.trim() === '')
    throw new UserError('input', 'claim', 'owner: expected a non-empty string, got ""')
  // The owner is printed back (`held by <owner>`): one line, nothing a terminal or a runner reads.
  if (hasInvisible(owner))
    throw new UserError(
      'input',
      'claim',
      `owner: expected text without control or invisible characters, got ${quote(owner)}`,
    )
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw new UserError('input', 'claim', `ttl: expected a positive duration, got ${ttlMs} ms`)
  return {
    schema: CLAIM_SCHEMA,
    digest,
    owner,
    claimedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    token: randomBytes(12).toString('hex'),
  }
}

async function readHeld(client: RegistryClient, tag: string): Promise<Held> {
  const fetched = await client.tryGetManifest(tag, [MEDIA_TYPES.manifest])
  if (fetched === undefined) return { state: 'none' }
  const manifest = fetched.digest
  const parsed = parseManifest(fetched.bytes)
  if ('error' in parsed) return { state: 'unreadable', manifest }
  const claim = parseClaim(JSON.stringify(claimFromManifest(parsed.manifest)))
  if ('error' in claim) return { state: 'unreadable', manifest }
  if (claim.claim.token === RELEASED) return { state: 'none' }
  return { state: 'claim', claim: claim.claim, manifest }
}

async function putClaim(client: RegistryClient, tag: string, claim: Claim): Promise<void> {
  const manifest = computeClaimManifest(claim)
  await client.putManifest(tag, serializeManifest(manifest), MEDIA_TYPES.manifest)
}

function checkDigest(digest: string, place: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new UserError(
      'input',
      place,
      `digest: expected sha256:<64 hex>, got ${JSON.stringify(digest)}`,
    )
}
