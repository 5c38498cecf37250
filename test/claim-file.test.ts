/**
 * Claims in a file:// mirror, in process: taking a free digest, a live claim held by another
 * owner, renewing one's own, taking over an expired or corrupt claim, releasing, reading the live
 * ones; TTL parsing. The clock is an input throughout.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestText, sha256Hex } from '../src/core/canonical-encode.js'
import { UserError } from '../src/core/errors.js'
import { openFileMirror, parseTtl, type FileMirror } from '../src/mirror/index.js'

let work: string
let mirror: FileMirror
let warnings: string[]

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-claims-'))
  warnings = []
  mirror = openFileMirror(join(work, 'mirror'), { onWarning: (m) => warnings.push(m) })
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const T0 = new Date('2024-05-01T10:00:00.000Z')
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)
const D = digestText('zlib@1.3.1 build')
const HOUR = 3600_000
const claimFile = () => join(work, 'mirror', 'claims', `${sha256Hex('zlib@1.3.1 build')}.json`)

async function thrown(promise: Promise<unknown> | (() => unknown)): Promise<UserError> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    if (error instanceof UserError) return error
    throw error
  }
  throw new Error('expected a UserError')
}

describe('parseTtl', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseTtl('90')).toBe(90_000)
    expect(parseTtl('90s')).toBe(90_000)
    expect(parseTtl('30m')).toBe(30 * 60_000)
    expect(parseTtl('2h')).toBe(2 * HOUR)
    expect(parseTtl('1d')).toBe(24 * HOUR)
    expect(parseTtl('30d')).toBe(30 * 24 * HOUR)
  })

  it('rejects anything else in one line naming the option', async () => {
    for (const bad of ['', '2x', '0', '0m', '-1h', '1.5h', '31d', 'h', '2 hours']) {
      const e = await thrown(() => parseTtl(bad))
      expect(e.kind).toBe('input')
      expect(e.oneLine()).toBe(
        `--ttl: expected a duration such as 30m, 2h, 1d or a number of seconds (at most 30d), got ${JSON.stringify(bad)}`,
      )
    }
  })
})

describe('claim and release', () => {
  it('takes a free digest; another owner is told who holds it until when', async () => {
    const mine = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: 2 * HOUR, now: T0 })
    expect(mine).toEqual({
      claimed: true,
      claim: {
        schema: 'binary-check/claim@1',
        digest: D,
        owner: 'job-1',
        claimedAt: '2024-05-01T10:00:00.000Z',
        expiresAt: '2024-05-01T12:00:00.000Z',
        token: expect.stringMatching(/^[0-9a-f]{24}$/),
      },
    })
    expect(JSON.parse(await readFile(claimFile(), 'utf8'))).toEqual(mine.claim)

    const theirs = await mirror.claim!({ digest: D, owner: 'job-2', ttlMs: HOUR, now: at(30) })
    expect(theirs).toEqual({ claimed: false, claim: mine.claim })
    // nothing but the claim file (no temp files)
    expect(await readdir(join(work, 'mirror', 'claims'))).toEqual([
      `${sha256Hex('zlib@1.3.1 build')}.json`,
    ])
  })

  it('the same owner renews its live claim', async () => {
    await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    const renewed = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: at(50) })
    expect(renewed).toMatchObject({
      claimed: true,
      replaced: 'own',
      claim: { owner: 'job-1', expiresAt: '2024-05-01T11:50:00.000Z' },
    })
  })

  it('an expired claim is taken over; its expiry instant already counts as expired', async () => {
    const old = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    const late = await mirror.claim!({ digest: D, owner: 'job-2', ttlMs: HOUR, now: at(60) })
    expect(late).toMatchObject({
      claimed: true,
      replaced: 'expired',
      claim: { owner: 'job-2', expiresAt: '2024-05-01T12:00:00.000Z' },
    })
    expect(late.claim.token).not.toBe(old.claim.token)
    expect(JSON.parse(await readFile(claimFile(), 'utf8')).owner).toBe('job-2')
  })

  it('a corrupt claim file counts as expired: taken over, and skipped by readers with a warning', async () => {
    await mkdir(join(work, 'mirror', 'claims'), { recursive: true })
    await writeFile(claimFile(), '{"schema": "binary-check/claim@1", "dig')
    expect(await mirror.tryReadClaims!(T0)).toEqual(new Map())
    expect(warnings).toEqual([
      `${claimFile()}: skipped: not valid JSON (Unterminated string in JSON at position 39 (line 1 column 40))`,
    ])
    const taken = await mirror.claim!({ digest: D, owner: 'job-3', ttlMs: HOUR, now: T0 })
    expect(taken).toMatchObject({ claimed: true, replaced: 'expired' })
  })

  it('tryReadClaims: undefined without claims, else the live ones by digest', async () => {
    expect(await mirror.tryReadClaims!(T0)).toBeUndefined()
    const other = digestText('curl build')
    await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    await mirror.claim!({ digest: other, owner: 'job-2', ttlMs: 2 * HOUR, now: T0 })
    expect([...(await mirror.tryReadClaims!(at(59)))!.keys()].sort()).toEqual([D, other].sort())
    expect([...(await mirror.tryReadClaims!(at(60)))!.keys()]).toEqual([other])
    expect((await mirror.tryReadClaims!(at(120)))!.size).toBe(0)
  })

  it('release removes the claim; with an owner, only that owner’s', async () => {
    expect(await mirror.release!({ digest: D })).toEqual({ removed: false })
    const { claim } = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    const refused = await thrown(mirror.release!({ digest: D, owner: 'job-2' }))
    expect(refused.oneLine()).toBe(
      `${claimFile()}: claimed by "job-1" until 2024-05-01T11:00:00.000Z, not by "job-2": not released`,
    )
    expect(await mirror.release!({ digest: D, owner: 'job-1' })).toEqual({ removed: true, claim })
    expect(await mirror.tryReadClaims!(T0)).toEqual(new Map())
    // free again
    expect((await mirror.claim!({ digest: D, owner: 'job-2', ttlMs: HOUR, now: T0 })).claimed).toBe(
      true,
    )
  })

  it('names bad input', async () => {
    expect(
      (await thrown(mirror.claim!({ digest: 'sha256:abc', owner: 'x', ttlMs: HOUR, now: T0 })))
        .message,
    ).toBe('claim: digest: expected sha256:<64 hex>, got "sha256:abc"')
    expect(
      (await thrown(mirror.claim!({ digest: D, owner: ' ', ttlMs: HOUR, now: T0 }))).message,
    ).toBe('claim: owner: expected a non-empty string, got ""')
    expect((await thrown(mirror.release!({ digest: 'md5:1' }))).message).toBe(
      'release: digest: expected sha256:<64 hex>, got "md5:1"',
    )
  })

  it('many takers of one free digest at once: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        mirror.claim!({ digest: D, owner: `job-${i}`, ttlMs: HOUR, now: T0 }),
      ),
    )
    const winners = results.filter((r) => r.claimed)
    expect(winners).toHaveLength(1)
    for (const r of results) expect(r.claim.owner).toBe(winners[0]!.claim.owner)
  })
})
