/**
 * The `oci://` mirror against a real registry (Debian's docker-registry, `test/support/registry.ts`):
 * in process (record, history, index, claims, corrupt index), then the whole loop through
 * dist/cli.js: plan → record → index → plan again rebuilds nothing; a recipe change rebuilds
 * exactly the affected specs. Skipped with a message when docker-registry is absent (an error
 * with CI set).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { UserError } from '../src/core/errors.js'
import { openMirror, type Mirror, type RecordInput } from '../src/mirror/index.js'
import { computeSpecTag, INDEX_TAG, MEDIA_TYPES, type OciMirror } from '../src/mirror/oci/index.js'
import type { GitFixture } from './support/git-fixture.js'
import { planAgainst, recordFromPlan } from './support/mirror-cli.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { runCli } from './support/run-dist.js'
import { createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'
import { scaled, scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-mirror')

const skip = registrySkipReason()
if (skip) console.warn(`oci-mirror tests skipped: ${skip}`)

let registry: Registry
let work: string
let repoCount = 0
const FAST = { claimSettleMs: 20, backoffBaseMs: 10 }

beforeAll(async () => {
  if (skip) return
  registry = await startRegistry()
  work = await mkdtemp(join(tmpdir(), 'binary-check-oci-'))
})
afterAll(async () => {
  await registry?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

/** A fresh repository on the shared registry. */
function freshMirror(warnings: string[] = []): OciMirror {
  const url = `oci://${registry.host}/test/mirror-${++repoCount}`
  return openMirror(url, { registry: FAST, onWarning: (m) => warnings.push(m) }) as OciMirror
}

const SPEC = 'zlib@1.3.1 os=ubuntu24.04'
const day = (d: number) => new Date(Date.UTC(2024, 2, d, 12))

async function input(
  seed: string,
  content: string | Buffer,
  now: Date,
  spec = SPEC,
): Promise<RecordInput> {
  const artifactPath = join(work, `${seed}-${now.getTime()}-${Math.random()}`)
  await writeFile(artifactPath, content)
  const [pkg, version] = spec.split(' ')[0]!.split('@') as [string, string]
  return {
    entry: { spec, package: pkg, version, digest: digestText(`${spec} ${seed}`), commit: 'c1' },
    artifactPath,
    now,
  }
}

describe.skipIf(skip)('oci:// mirror in process', () => {
  it('is empty before anything is recorded (no repository yet)', async () => {
    const mirror = freshMirror()
    expect(await mirror.tryReadIndex()).toBeUndefined()
    expect(await mirror.tryReadEntry(SPEC)).toBeUndefined()
    expect(await mirror.readHistory(SPEC)).toEqual([])
    expect(await mirror.tryReadClaims!(day(1))).toBeUndefined()
    expect(mirror.url).toBe(`oci://${registry.host}/test/mirror-${repoCount}`)
  })

  it('records artifact, entry and manifest; same digest again is a no-op; history keeps older digests', async () => {
    const warnings: string[] = []
    const mirror = freshMirror(warnings)
    const a = await mirror.record(await input('a', 'binary a', day(1)))
    expect(a.artifact.path).toBe(`blobs/sha256:${a.artifact.sha256}`)
    expect(await mirror.tryReadEntry(SPEC)).toEqual(a)
    expect(await mirror.record(await input('a', 'binary a rebuilt', day(2)))).toEqual(a)

    const b = await mirror.record(await input('b', 'binary b', day(3)))
    expect(await mirror.tryReadEntry(SPEC)).toEqual(b)
    expect(await mirror.readHistory(SPEC)).toEqual([b, a])
    const a2 = await mirror.record(await input('a', 'binary a again', day(4)))
    expect(await mirror.readHistory(SPEC)).toEqual([a2, b])

    // the manifest: OCI image manifest, entry as config, artifact as the one layer
    const tag = computeSpecTag('zlib', '1.3.1', a2.digest)
    const response = await registry.request(`/v2/${mirror.location.repository}/manifests/${tag}`, {
      headers: { accept: MEDIA_TYPES.manifest },
    })
    const manifest = await response.json()
    expect(manifest).toMatchObject({
      mediaType: MEDIA_TYPES.manifest,
      artifactType: 'application/vnd.binary-check.spec.v1+json',
      config: { mediaType: 'application/vnd.binary-check.entry.v1+json' },
      layers: [{ mediaType: 'application/octet-stream', digest: `sha256:${a2.artifact.sha256}` }],
      annotations: {
        'org.opencontainers.image.title': tag,
        'dev.binary-check.spec': SPEC,
        'dev.binary-check.digest': a2.digest,
      },
    })
    expect(warnings).toEqual([])
  })

  it('index: rebuilt from the spec tags, verified on read; a tampered index is the corrupt-index error', async () => {
    const mirror = freshMirror()
    const specs = ['zlib@1.3.1', 'curl@8.5.0 +ssl', 'openssl@3.2.0 os=debian12']
    const entries = []
    for (const [i, spec] of specs.entries())
      entries.push(await mirror.record(await input(`s${i}`, `bin ${i}`, day(i + 1), spec)))
    expect(await mirror.tryReadIndex()).toBeUndefined() // record never writes the index
    const index = await mirror.writeIndex()
    expect(Object.keys(index.entries)).toEqual([...specs].sort())
    expect(await mirror.tryReadIndex()).toEqual(index)
    expect(await mirror.readEntries()).toEqual(index)

    // a second index run reuses verified entries and gives the same bytes
    expect(await mirror.writeIndex()).toEqual(index)

    // tamper: an index blob whose checksum does not match, under the index tag
    const bad = JSON.stringify({ ...index, entries: {} })
    await pushIndexBlob(mirror.location.repository, bad)
    const error = await mirror.tryReadIndex().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toMatch(
      new RegExp(
        `^${registry.host}/${mirror.location.repository}:${INDEX_TAG}: index is corrupt: checksum mismatch \\(expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\\); run \`binary-check index\` to rebuild it from entries$`,
      ),
    )
    // index repairs it (from the tags, not from the broken index)
    expect(await mirror.writeIndex()).toEqual(index)
  })

  it('index --plan view: current, older history entry, missing', async () => {
    const mirror = freshMirror()
    const a = await mirror.record(await input('a', 'binary a', day(1)))
    const b = await mirror.record(await input('b', 'binary b', day(2)))
    const index = await mirror.writeIndex({
      view: {
        head: 'abc',
        specs: [
          { id: SPEC, digest: a.digest },
          { id: 'curl@8', digest: digestText('curl') },
        ],
      },
    })
    expect(index.entries[SPEC]).toEqual(b)
    expect(index.view).toEqual({
      head: 'abc',
      specs: {
        [SPEC]: {
          digest: a.digest,
          status: 'current',
          artifact: a.artifact,
          builtAt: a.builtAt,
          commit: 'c1',
        },
        'curl@8': { digest: digestText('curl'), status: 'missing' },
      },
    })
  })

  it('claims: take, held by another, renew, release, take after release and after expiry', async () => {
    const mirror: Mirror = freshMirror()
    const D = digestText('claimed build')
    const T0 = day(1)
    const HOUR = 3600_000
    const mine = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    expect(mine).toMatchObject({ claimed: true, claim: { owner: 'job-1', digest: D } })
    expect(mine).not.toHaveProperty('replaced')
    const theirs = await mirror.claim!({ digest: D, owner: 'job-2', ttlMs: HOUR, now: T0 })
    expect(theirs).toEqual({ claimed: false, claim: mine.claim })
    const renewed = await mirror.claim!({ digest: D, owner: 'job-1', ttlMs: HOUR, now: T0 })
    expect(renewed).toMatchObject({ claimed: true, replaced: 'own' })
    expect([...(await mirror.tryReadClaims!(T0))!.keys()]).toEqual([D])
    expect((await mirror.tryReadClaims!(new Date(T0.getTime() + 2 * HOUR)))!.size).toBe(0)

    await expect(mirror.release!({ digest: D, owner: 'job-2' })).rejects.toThrow(
      /claimed by "job-1" until .*, not by "job-2": not released$/,
    )
    expect(await mirror.release!({ digest: D, owner: 'job-1' })).toMatchObject({ removed: true })
    expect(await mirror.release!({ digest: D })).toEqual({ removed: false })
    expect((await mirror.tryReadClaims!(T0))?.size ?? 0).toBe(0) // deleted: no claim tag left
    expect(await mirror.claim!({ digest: D, owner: 'job-2', ttlMs: HOUR, now: T0 })).toMatchObject({
      claimed: true,
    })
    const later = new Date(T0.getTime() + 2 * HOUR)
    expect(
      await mirror.claim!({ digest: D, owner: 'job-3', ttlMs: HOUR, now: later }),
    ).toMatchObject({
      claimed: true,
      replaced: 'expired',
    })
  })

  // Two takers both win only when one's check-to-put takes longer than the settle time (the
  // documented race bound): on a busy machine it does, unless the settle time scales too.
  const CLAIM_SETTLE_MS = scaled(300)

  it('concurrent claimers of one digest: exactly one wins when they overlap within the settle time', async () => {
    const mirror = openMirror(`oci://${registry.host}/test/race-${++repoCount}`, {
      registry: { claimSettleMs: CLAIM_SETTLE_MS, backoffBaseMs: 10 },
    })
    const D = digestText('raced build')
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        mirror.claim!({ digest: D, owner: `job-${i}`, ttlMs: 60_000, now: day(1) }),
      ),
    )
    expect(results.filter((r) => r.claimed)).toHaveLength(1)
    // each loser names a claim not its own (the winner's, or one that briefly held the tag)
    for (const [i, r] of results.entries())
      if (!r.claimed) expect(r.claim.owner).not.toBe(`job-${i}`)
    const held = await mirror.tryReadClaims!(day(1))
    expect(held!.get(D)!.token).toBe(results.find((r) => r.claimed)!.claim.token)
  })

  it('a large artifact goes up in chunks and comes back intact', async () => {
    const mirror = openMirror(`oci://${registry.host}/test/chunks-${++repoCount}`, {
      registry: { chunkSize: 64 * 1024 },
    }) as OciMirror
    const content = Buffer.alloc(200 * 1024 + 17)
    for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 251
    const entry = await mirror.record(await input('big', content, day(1)))
    expect(entry.artifact.size).toBe(content.length)
    const back = await mirror.client.readBlob(`sha256:${entry.artifact.sha256}`, content.length)
    expect(back.equals(content)).toBe(true)
  })

  it('an index larger than one chunk goes up in chunks from memory', async () => {
    const mirror = openMirror(`oci://${registry.host}/test/big-index-${++repoCount}`, {
      registry: { chunkSize: 1024 },
    }) as OciMirror
    for (let i = 0; i < 12; i++)
      await mirror.record(
        await input(`pkg${i}`, `binary ${i}`, day(1), `pkg${i}@1.0 os=ubuntu24.04`),
      )
    const written = await mirror.writeIndex()
    expect(Object.keys(written.entries)).toHaveLength(12)
    expect(JSON.stringify(written).length).toBeGreaterThan(1024)
    const back = await mirror.tryReadIndex()
    expect(back!.checksum).toBe(written.checksum)
  })

  it('mounts a blob from a sibling repository instead of uploading it', async () => {
    const first = freshMirror()
    const a = await first.record(await input('a', 'shared binary', day(1)))
    const second = openMirror(`oci://${registry.host}/test/sibling-${++repoCount}`, {
      registry: { mountFrom: [first.location.repository] },
    }) as OciMirror
    const seen: string[] = []
    const { send } = second.client.http
    ;(second.client.http as { send: typeof send }).send = (req) => {
      seen.push(
        `${req.method} ${new URL(req.url).pathname}${new URL(req.url).search.includes('mount=') ? ' mount' : ''}`,
      )
      return send(req)
    }
    const b = await second.record({ ...(await input('a', 'shared binary', day(2))) })
    expect(b.artifact.sha256).toBe(a.artifact.sha256)
    // artifact and entry blob both try a mount; the artifact's succeeds, the entry's (new bytes)
    // opens the upload session it then goes up in: one blob PUT, no second POST
    expect(seen.filter((s) => s.includes('mount'))).toHaveLength(2)
    expect(seen.filter((s) => /^PUT .*\/blobs\//.test(s))).toHaveLength(1)
    expect(seen.filter((s) => /^POST .*\/blobs\/uploads\/$/.test(s))).toHaveLength(0)
  })
})

async function pushIndexBlob(repository: string, text: string): Promise<void> {
  const { createHash } = await import('node:crypto')
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
  const put = async (bytes: Buffer) => {
    const start = await registry.request(`/v2/${repository}/blobs/uploads/`, { method: 'POST' })
    const location = new URL(start.headers.get('location')!, registry.url)
    location.searchParams.set('digest', sha(bytes))
    const done = await registry.request(location.pathname + location.search, {
      method: 'PUT',
      body: bytes,
    })
    expect(done.status).toBe(201)
  }
  const blob = Buffer.from(text)
  const empty = Buffer.from('{}')
  await put(blob)
  await put(empty)
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.empty, digest: sha(empty), size: 2 },
    layers: [{ mediaType: MEDIA_TYPES.index, digest: sha(blob), size: blob.length }],
  }
  const r = await registry.request(`/v2/${repository}/manifests/${INDEX_TAG}`, {
    method: 'PUT',
    headers: { 'content-type': MEDIA_TYPES.manifest },
    body: JSON.stringify(manifest),
  })
  expect(r.status).toBe(201)
}

describe.skipIf(skip)('oci:// mirror through dist/cli.js', () => {
  let fx: GitFixture
  beforeAll(async () => {
    fx = await createSpackFixture()
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('plan → record 3 specs → index → plan rebuilds only the rest; a recipe change rebuilds exactly the affected specs', async () => {
    const url = `oci://${registry.host}/cli/mirror`
    const first = await planAgainst(fx.dir, url, work)
    const all = first.plan.matrix.include.map((m) => m.spec)
    expect(all.length).toBeGreaterThan(3)
    await recordFromPlan(url, first, work, all.slice(0, 3))
    const idx = await runCli(['index', '--mirror', url])
    expect(idx.stderr).toBe('')
    expect(idx.stdout).toMatch(/^indexed 3 entries \(sha256:[0-9a-f]{64}\)$/m)

    const second = await planAgainst(fx.dir, url, work)
    expect(second.plan.matrix.include.map((m) => m.spec).sort()).toEqual(all.slice(3).sort())
    await recordFromPlan(url, second, work)
    expect((await runCli(['index', '--mirror', url])).code).toBe(0)
    const third = await planAgainst(fx.dir, url, work)
    expect(third.plan.matrix.include).toEqual([])

    await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="cccc"', 'sha256="cccd"'))
    await fx.commit('zlib 1.2.13 checksum')
    const fourth = await planAgainst(fx.dir, url, work)
    expect(fourth.plan.matrix.include.map((m) => m.spec)).toEqual(['zlib@1.2.13'])
    expect(fourth.plan.specs.find((s) => s.id === 'zlib@1.2.13')!.reasons).toEqual([
      { kind: 'source', version: '1.2.13', field: 'checksum', old: 'cccc', new: 'cccd' },
    ])

    // history and explain read the same mirror
    await recordFromPlan(url, fourth, work)
    const history = await runCli(['history', 'zlib@1.2.13', '--mirror', url])
    expect(history.stdout.split('\n')[0]).toBe('zlib@1.2.13: 2 entries, newest first')
  })

  it('12 record processes in parallel (one shared artifact) all survive index', async () => {
    const url = `oci://${registry.host}/cli/parallel`
    const artifact = join(work, 'shared-artifact.bin')
    await writeFile(artifact, 'x'.repeat(4096))
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runCli(
          [
            'record',
            '--mirror',
            url,
            '--spec',
            `pkg${i}@1.0`,
            '--digest',
            digestText(`pkg${i}`),
            '--artifact',
            artifact,
            '--package',
            `pkg${i}`,
            '--version',
            '1.0',
          ],
          { env: { ...process.env, BINARY_CHECK_REGISTRY_INSECURE: '' } },
        ),
      ),
    )
    for (const r of results) expect([r.code, r.stderr]).toEqual([0, ''])
    const idx = await runCli(['index', '--mirror', url])
    expect(idx.stdout).toMatch(/^indexed 12 entries /m)
  })

  it('claim and release through the CLI', async () => {
    const url = `oci://${registry.host}/cli/claims`
    const D = digestText('cli claim')
    const take = await runCli(['claim', '--mirror', url, '--digest', D, '--owner', 'job-1'])
    expect(take.stderr).toBe('')
    expect(take.stdout).toMatch(new RegExp(`^claimed ${D} by job-1 until .*Z\n$`))
    const other = await runCli(['claim', '--mirror', url, '--digest', D, '--owner', 'job-2'])
    expect(other.stdout).toMatch(/^held by job-1 until /)
    const release = await runCli(['release', '--mirror', url, '--digest', D, '--owner', 'job-1'])
    expect(release.stdout).toMatch(new RegExp(`^released ${D} \\(held by job-1 until .*\\)\n$`))
  })
})
