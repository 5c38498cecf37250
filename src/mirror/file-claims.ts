/**
 * Claims in a `file://` mirror: `claims/<digest hex>.json`.
 *
 * - **Taking a free digest** is create-exclusive: the claim is written to a temp file and
 *   hard-linked to its name (`link` fails with EEXIST like `O_EXCL`, and the file appears with its
 *   whole content, so no reader ever sees half a claim). Exactly one of any number of concurrent
 *   takers succeeds. On file systems without hard links it falls back to `open(…, 'wx')`.
 * - **Taking over an expired claim** (or renewing one's own): the new claim is written to a temp
 *   file, the claim file is re-read and compared with what was judged expired, then the temp file
 *   is renamed over it and read back; the taker whose claim it reads back wins. Race bound: two
 *   takers of the same expired claim can both win only if one's rename and read-back fall between
 *   the other's re-check and rename — a file read and a rename apart, well under a millisecond.
 *   The cost of losing that race is one duplicate build, never a wrong binary.
 * - **Corrupt claim files** count as expired (they can be taken over), and are skipped by readers.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { hasInvisible, quote, UserError } from '../core/errors.js'
import { tempNameFor } from './atomic-file.js'
import { CLAIM_SCHEMA, isLive, parseClaim, type Claim, type ClaimResult } from './claim.js'
import { claimPath, CLAIMS_DIR, isTempName } from './layout.js'
import { serializeCanonical } from './mirror-index.js'

export interface ClaimInput {
  digest: string
  owner: string
  /** Time to live in milliseconds. */
  ttlMs: number
  /** The clock is an input. */
  now: Date
}

export interface ReleaseInput {
  digest: string
  /** When given, only a claim of this owner is released. */
  owner?: string
}

export interface ReleaseResult {
  /** False when there was no claim. */
  removed: boolean
  /** The claim that was removed (absent when there was none, or it was unreadable). */
  claim?: Claim
}

/** How often a taker re-reads a claim file that changed under it before giving up. */
const ATTEMPTS = 8

export async function claimDigest(dir: string, input: ClaimInput): Promise<ClaimResult> {
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
  const target = join(dir, claimPath(digest))
  await mkdir(dirname(target), { recursive: true })
  const mine: Claim = {
    schema: CLAIM_SCHEMA,
    digest,
    owner,
    claimedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    token: randomBytes(12).toString('hex'),
  }
  const text = serializeCanonical(mine)
  const temp = tempNameFor(target)
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await writeTemp(temp, text)
      if (await createExclusive(temp, target, text)) return { claimed: true, claim: mine }

      const seen = await readText(target)
      if (seen === undefined) continue // released meanwhile: create again
      const parsed = parseClaim(seen)
      const held = 'claim' in parsed ? parsed.claim : undefined
      if (held && isLive(held, now) && held.owner !== owner) return { claimed: false, claim: held }
      const replaced = held && isLive(held, now) ? 'own' : 'expired'

      // Re-check right before the rename: still the claim judged replaceable?
      if ((await readText(target)) !== seen) continue
      await rename(temp, target)
      const back = await readText(target)
      const now2 = back === undefined ? undefined : parseClaim(back)
      if (now2 && 'claim' in now2) {
        if (now2.claim.token === mine.token) return { claimed: true, claim: mine, replaced }
        return { claimed: false, claim: now2.claim }
      }
      // released or garbled right after our rename: start over
    }
    throw new UserError(
      'mirror',
      target,
      `the claim kept changing while it was being taken (${ATTEMPTS} attempts)`,
    )
  } finally {
    await rm(temp, { force: true })
  }
}

export async function releaseDigest(dir: string, input: ReleaseInput): Promise<ReleaseResult> {
  checkDigest(input.digest, 'release')
  const target = join(dir, claimPath(input.digest))
  const text = await readText(target)
  if (text === undefined) return { removed: false }
  const parsed = parseClaim(text)
  const held = 'claim' in parsed ? parsed.claim : undefined
  if (input.owner !== undefined && held && held.owner !== input.owner)
    throw new UserError(
      'mirror',
      target,
      `claimed by ${JSON.stringify(held.owner)} until ${held.expiresAt}, not by ${JSON.stringify(input.owner)}: not released`,
    )
  await rm(target, { force: true })
  return { removed: true, ...(held ? { claim: held } : {}) }
}

/**
 * The live claims by digest, or undefined when the mirror has no `claims/` directory. Expired,
 * temp and unreadable claim files are left out (the latter with a warning).
 */
export async function readLiveClaims(
  dir: string,
  now: Date,
  warn: (message: string) => void,
): Promise<Map<string, Claim> | undefined> {
  let names: string[]
  try {
    names = await readdir(join(dir, CLAIMS_DIR))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const live = new Map<string, Claim>()
  for (const name of names.filter((n) => !isTempName(n)).sort()) {
    const path = join(dir, CLAIMS_DIR, name)
    const text = await readText(path)
    if (text === undefined) continue // released meanwhile
    const parsed = parseClaim(text)
    if ('error' in parsed) {
      warn(`${path}: skipped: ${parsed.error}`)
      continue
    }
    const expected = claimPath(parsed.claim.digest).slice(CLAIMS_DIR.length + 1)
    if (name !== expected) {
      warn(`${path}: skipped: holds the claim on ${parsed.claim.digest}, whose file is ${expected}`)
      continue
    }
    if (isLive(parsed.claim, now)) live.set(parsed.claim.digest, parsed.claim)
  }
  return live
}

function checkDigest(digest: string, place: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new UserError(
      'input',
      place,
      `digest: expected sha256:<64 hex>, got ${JSON.stringify(digest)}`,
    )
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** (Re)write the temp file with the claim, flushed (it may have been renamed away). */
async function writeTemp(temp: string, text: string): Promise<void> {
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Create `target` with the temp file's content if it does not exist; false when it does. */
async function createExclusive(temp: string, target: string, text: string): Promise<boolean> {
  try {
    await link(temp, target)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP')
      throw error
  }
  // No hard links here: O_EXCL create, then write (a reader may briefly see a partial claim,
  // which counts as expired).
  let handle
  try {
    handle = await open(target, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}
