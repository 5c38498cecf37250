/**
 * `claim` / `release` through the bundled CLI (dist/cli.js): concurrent claim processes, the
 * take-over of an expired claim, errors; and the planner: a spec whose digest is claimed is
 * `in-progress`, out of the matrix, counted in the summary; every matrix entry carries its `lock`.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText, sha256Hex } from '../src/core/canonical-encode.js'
import type { Plan } from '../src/core/plan.js'
import type { GitFixture } from './support/git-fixture.js'
import { runCli } from './support/run-dist.js'
import { createSpackFixture } from './support/spack-fixture.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('claim-cli')

let work: string
let fx: GitFixture

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-claim-cli-'))
  fx = await createSpackFixture()
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
  await fx.cleanup()
})

const claim = (mirror: string, digest: string, ...rest: string[]) =>
  runCli(['claim', '--mirror', mirror, '--digest', digest, ...rest])

describe('binary-check claim / release', () => {
  it('20 claim processes on one digest: exactly one "claimed", the others "held by" it', async () => {
    const mirror = `file://${join(work, 'm1')}`
    const D = digestText('one digest')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claim(mirror, D, '--owner', `job-${i}`, '--ttl', '2h')),
    )
    expect(results.map((r) => [r.code, r.stderr])).toEqual(Array(20).fill([0, '']))
    const claimed = results.filter((r) => r.stdout.startsWith('claimed '))
    expect(claimed).toHaveLength(1)
    const [, winner, until] = /^claimed \S+ by (\S+) until (\S+)\n$/.exec(claimed[0]!.stdout)!
    expect(Date.parse(until!)).toBeGreaterThan(Date.now() + 119 * 60_000)
    for (const r of results)
      if (r !== claimed[0]) expect(r.stdout).toBe(`held by ${winner} until ${until}\n`)

    // JSON answers, held and (after release) claimed
    const held = await claim(mirror, D, '--owner', 'late', '--format', 'json')
    expect(JSON.parse(held.stdout)).toEqual({
      claimed: false,
      digest: D,
      owner: winner,
      claimedAt: expect.any(String),
      expiresAt: until,
    })
    const released = await runCli(['release', '--mirror', mirror, '--digest', D])
    expect(released.code).toBe(0)
    expect(released.stdout).toBe(`released ${D} (held by ${winner} until ${until})\n`)
    const again = await claim(mirror, D, '--owner', 'late', '--ttl', '30m', '--format', 'json')
    expect(JSON.parse(again.stdout)).toMatchObject({ claimed: true, owner: 'late' })
    expect(
      (await runCli(['release', '--mirror', mirror, '--digest', D, '--owner', 'late'])).code,
    ).toBe(0)
    expect((await runCli(['release', '--mirror', mirror, '--digest', D])).stdout).toBe(
      `no claim on ${D}\n`,
    )
  })

  it('an expired claim is taken over by one of many concurrent takers', async () => {
    const dir = join(work, 'm2')
    const D = digestText('expired digest')
    const file = join(dir, 'claims', `${sha256Hex('expired digest')}.json`)
    await mkdir(join(dir, 'claims'), { recursive: true })
    await writeFile(
      file,
      JSON.stringify({
        schema: 'binary-check/claim@1',
        digest: D,
        owner: 'crashed-job',
        claimedAt: '2024-01-01T00:00:00.000Z',
        expiresAt: '2024-01-01T02:00:00.000Z',
        token: 'abc',
      }),
    )
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claim(dir, D, '--owner', `taker-${i}`)),
    )
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0))
    const winners = results
      .filter((r) => r.stdout.startsWith('claimed '))
      .map((r) => /by (\S+) until/.exec(r.stdout)![1])
    // (two winners are possible only within the documented sub-millisecond race window)
    expect(winners.length).toBeGreaterThanOrEqual(1)
    const final = JSON.parse(await readFile(file, 'utf8'))
    expect(winners).toContain(final.owner)
    for (const r of results) expect(r.stdout).not.toContain('crashed-job')
    expect(results.some((r) => r.stdout.includes('(took over an expired claim)'))).toBe(true)
  })

  it('errors: one line, exit 1 for bad values, exit 2 for usage', async () => {
    const mirror = join(work, 'm3')
    const D = digestText('x')
    const ttl = await claim(mirror, D, '--ttl', '2 hours')
    expect(ttl.code).toBe(1)
    expect(ttl.stderr).toBe(
      'binary-check: --ttl: expected a duration such as 30m, 2h, 1d or a number of seconds (at most 30d), got "2 hours"\n',
    )
    const digest = await claim(mirror, 'sha256:xyz')
    expect(digest.code).toBe(1)
    expect(digest.stderr).toBe(
      'binary-check: claim: digest: expected sha256:<64 hex>, got "sha256:xyz"\n',
    )
    await claim(mirror, D, '--owner', 'a')
    const notMine = await runCli(['release', '--mirror', mirror, '--digest', D, '--owner', 'b'])
    expect(notMine.code).toBe(1)
    expect(notMine.stderr).toMatch(
      /^binary-check: \S+\/claims\/[0-9a-f]{64}\.json: claimed by "a" until \S+Z, not by "b": not released\n$/,
    )
    const noDigest = await runCli(['claim', '--mirror', mirror])
    expect(noDigest.code).toBe(2)
    expect(noDigest.stderr.split('\n')[0]).toBe('binary-check: claim needs --digest')
    expect((await runCli(['release', '--digest', D])).code).toBe(2)
    for (const cmd of ['claim', 'release', 'history']) {
      const r = await runCli([cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^Usage: binary-check ${cmd} `))
    }
  })
})

describe('plan with claims in the mirror', () => {
  async function plan(mirror: string): Promise<Plan> {
    const r = await runCli([
      'plan',
      '--repo',
      fx.dir,
      '--mirror',
      mirror,
      '--format',
      'json',
      '--no-cache',
    ])
    expect(r.code).toBe(0)
    return JSON.parse(r.stdout) as Plan
  }

  it('a claimed digest without an entry is in-progress, not in the matrix; each entry has its lock', async () => {
    const mirror = join(work, 'planned')
    const before = await plan(mirror)
    expect(before.summary).toMatchObject({ rebuild: 10, inProgress: 0 })
    for (const m of before.matrix.include) expect(m.lock).toBe(m.digest)

    const digestOf = (id: string) => before.specs.find((s) => s.id === id)!.digest!
    expect((await claim(mirror, digestOf('zlib@1.3.1'), '--owner', 'other-pipeline')).code).toBe(0)
    expect((await claim(mirror, digestOf('app@1.0'), '--owner', 'other-pipeline')).code).toBe(0)
    // an expired claim changes nothing
    const cmake = digestOf('cmake@3.31.0')
    await writeFile(
      join(mirror, 'claims', `${cmake.slice('sha256:'.length)}.json`),
      JSON.stringify({
        schema: 'binary-check/claim@1',
        digest: cmake,
        owner: 'long-gone',
        claimedAt: '2024-01-01T00:00:00.000Z',
        expiresAt: '2024-01-01T02:00:00.000Z',
        token: 'abc',
      }),
    )

    const during = await plan(mirror)
    const statusOf = (p: Plan, id: string) => p.specs.find((s) => s.id === id)!.status
    expect(statusOf(during, 'zlib@1.3.1')).toBe('in-progress')
    expect(statusOf(during, 'app@1.0')).toBe('in-progress')
    expect(statusOf(during, 'cmake@3.31.0')).toBe('rebuild')
    expect(during.summary).toMatchObject({ specs: 10, rebuild: 8, inProgress: 2 })
    expect(during.matrix.include.map((m) => m.spec).sort()).toEqual(
      before.matrix.include
        .map((m) => m.spec)
        .filter((s) => s !== 'zlib@1.3.1' && s !== 'app@1.0')
        .sort(),
    )
    for (const m of during.matrix.include) expect(m.lock).toBe(m.digest)
    // in-progress specs still say why they need building, and carry their inputs
    const zlib = during.specs.find((s) => s.id === 'zlib@1.3.1')!
    expect(zlib.reasons).toEqual([{ kind: 'missing', detail: 'not in the mirror' }])
    expect(zlib.wave).toBeNull()
    expect(zlib.inputs?.source).toEqual({ version: '1.3.1', checksum: 'aaaa' })

    const text = await runCli(['plan', '--repo', fx.dir, '--mirror', mirror, '--no-cache'])
    expect(text.stdout).toContain('\nin progress elsewhere (claimed): app@1.0, zlib@1.3.1\n')

    await runCli(['release', '--mirror', mirror, '--digest', digestOf('app@1.0')])
    const after = await plan(mirror)
    expect(statusOf(after, 'app@1.0')).toBe('rebuild')
    expect(after.summary.inProgress).toBe(1)

    // once recorded (and indexed), a still-claimed digest is simply up to date
    const artifact = join(work, 'zlib.bin')
    await writeFile(artifact, 'zlib binary')
    const recorded = await runCli([
      'record',
      '--mirror',
      mirror,
      '--spec',
      'zlib@1.3.1',
      '--digest',
      digestOf('zlib@1.3.1'),
      '--artifact',
      artifact,
      '--package',
      'zlib',
      '--version',
      '1.3.1',
    ])
    expect(recorded.code).toBe(0)
    expect((await runCli(['index', '--mirror', mirror])).code).toBe(0)
    const built = await plan(mirror)
    expect(statusOf(built, 'zlib@1.3.1')).toBe('up-to-date')
    expect(built.summary.inProgress).toBe(0)
  })
})
