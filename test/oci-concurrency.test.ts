/**
 * Parallel build jobs against one `oci://` mirror, as separate dist/cli.js processes on a local
 * registry (`support/registry.ts`): 32 `record`s at once (some uploading the same bytes, so the
 * same blob, at the same moment), one spec recorded from 8 digests at once, then `index`; and two
 * `index` runs at once. Checked straight at the registry: every tag's blobs are present, the
 * index blob parses with a valid checksum and holds every entry.
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { parseIndex, type MirrorEntry, type MirrorIndex } from '../src/mirror/index.js'
import { classifyTag, computeSpecTag, INDEX_TAG } from '../src/mirror/oci/index.js'
import {
  checkTagsComplete,
  headBlobDirect,
  listTagsDirect,
  readLayerDirect,
  registrySkipReason,
  startRegistry,
  type Registry,
} from './support/registry.js'
import { cleanEnv, runCli } from './support/run-dist.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-concurrency')

const skip = registrySkipReason(['htpasswd'])
if (skip) console.warn(`oci-concurrency tests skipped: ${skip}`)

let registry: Registry
let work: string

beforeAll(async () => {
  if (skip) return
  registry = await startRegistry({ auth: 'htpasswd', users: { builder: 'b-secret' } })
  work = await mkdtemp(join(tmpdir(), 'binary-check-oci-concurrency-'))
})
afterAll(async () => {
  await registry?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

/** Build jobs authenticate as CI does: from the environment. */
const ENV = () =>
  cleanEnv({ BINARY_CHECK_REGISTRY_USER: 'builder', BINARY_CHECK_REGISTRY_PASSWORD: 'b-secret' })

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

interface Job {
  spec: string
  pkg: string
  version: string
  digest: string
  artifact: string
  content: string
}

function record(mirror: string, j: Job) {
  return runCli(
    [
      'record',
      '--mirror',
      mirror,
      '--spec',
      j.spec,
      '--digest',
      j.digest,
      '--artifact',
      j.artifact,
      '--package',
      j.pkg,
      '--version',
      j.version,
      '--commit',
      'c0ffee',
    ],
    { env: ENV() },
  )
}

async function readIndexDirect(repository: string): Promise<MirrorIndex> {
  const bytes = await readLayerDirect(registry, repository, INDEX_TAG)
  expect(bytes, 'the index manifest').toBeDefined()
  return parseIndex(bytes!.toString('utf8'), `${repository}:${INDEX_TAG}`) // verifies the checksum
}

/** Every entry's artifact is a present blob of its size; every tag's blobs are present. */
async function expectNothingDangles(repository: string, index: MirrorIndex): Promise<void> {
  expect((await checkTagsComplete(registry, repository)).problems).toEqual([])
  for (const entry of Object.values(index.entries)) {
    expect(entry.artifact.path).toBe(`blobs/sha256:${entry.artifact.sha256}`)
    expect(await headBlobDirect(registry, repository, `sha256:${entry.artifact.sha256}`)).toBe(
      entry.artifact.size,
    )
  }
}

describe.skipIf(skip)('concurrent record and index processes (dist/cli.js, oci://)', () => {
  it('32 records at once, then index: all 32 entries, checksum valid, nothing dangles', async () => {
    const repository = 'parallel/jobs32'
    const mirror = `oci://${registry.host}/${repository}`
    await mkdir(join(work, 'out32'), { recursive: true })
    const jobs: Job[] = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const pkg = `pkg${i}`
        const version = `1.${i}`
        // every fourth job built the same bytes: the same blob uploaded by 8 processes at once
        const content = i % 4 === 0 ? 'shared bytes\n' : `binary ${i}\n${'x'.repeat(i * 3000)}`
        const artifact = join(work, 'out32', `${pkg}.tar`)
        await writeFile(artifact, content)
        return {
          spec: `${pkg}@${version} os=ubuntu24.04`,
          pkg,
          version,
          digest: digestText(`digest ${i}`),
          artifact,
          content,
        }
      }),
    )
    const results = await Promise.all(jobs.map((j) => record(mirror, j)))
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([])
    for (const [i, r] of results.entries())
      expect(r.stdout).toBe(
        `recorded ${jobs[i]!.spec} ${jobs[i]!.digest} → blobs/sha256:${sha256(jobs[i]!.content)}\n`,
      )

    // one tag per job, straight from the registry
    const tags = await listTagsDirect(registry, repository)
    expect(tags.filter((t) => classifyTag(t) === 'spec').sort()).toEqual(
      jobs.map((j) => computeSpecTag(j.pkg, j.version, j.digest)).sort(),
    )

    const idx = await runCli(['index', '--mirror', mirror], { env: ENV() })
    expect(idx.stderr).toBe('')
    expect(idx.code).toBe(0)
    expect(idx.stdout).toMatch(/^indexed 32 entries \(sha256:[0-9a-f]{64}\)\n$/)
    const index = await readIndexDirect(repository)
    expect(idx.stdout).toContain(index.checksum)
    expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
    for (const j of jobs) {
      const entry = index.entries[j.spec]!
      expect(entry.digest).toBe(j.digest)
      expect(entry.artifact.sha256).toBe(sha256(j.content))
      expect(entry.commit).toBe('c0ffee')
    }
    // 24 distinct binaries + 1 shared by 8 jobs
    expect(new Set(Object.values(index.entries).map((e) => e.artifact.sha256)).size).toBe(25)
    await expectNothingDangles(repository, index)
  })

  it('one spec recorded from 8 digests at once: all 8 in the history, the newest current', async () => {
    const repository = 'parallel/same-spec'
    const mirror = `oci://${registry.host}/${repository}`
    await mkdir(join(work, 'out8'), { recursive: true })
    const spec = 'zlib@1.3.1 os=ubuntu24.04'
    const jobs: Job[] = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const artifact = join(work, 'out8', `zlib-${i}.tar`)
        const content = `zlib binary ${i}\n`
        await writeFile(artifact, content)
        return {
          spec,
          pkg: 'zlib',
          version: '1.3.1',
          digest: digestText(`zlib build ${i}`),
          artifact,
          content,
        }
      }),
    )
    const results = await Promise.all(jobs.map((j) => record(mirror, j)))
    expect(results.map((r) => r.stderr)).toEqual(Array(8).fill(''))

    const history = await runCli(['history', spec, '--mirror', mirror, '--format', 'json'], {
      env: ENV(),
    })
    expect(history.stderr).toBe('')
    const listed = JSON.parse(history.stdout) as { current: string; entries: MirrorEntry[] }
    expect(listed.entries.map((e) => e.digest).sort()).toEqual(jobs.map((j) => j.digest).sort())
    const times = listed.entries.map((e) => Date.parse(e.builtAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(listed.current).toBe(listed.entries[0]!.digest)

    const idx = await runCli(['index', '--mirror', mirror], { env: ENV() })
    expect(idx.stdout).toMatch(/^indexed 1 entries/)
    const index = await readIndexDirect(repository)
    expect(index.entries[spec]!.digest).toBe(listed.current)
    await expectNothingDangles(repository, index)
  })

  it('two index runs at once (and a third while records land): a valid index with every entry', async () => {
    const repository = 'parallel/two-indexes'
    const mirror = `oci://${registry.host}/${repository}`
    await mkdir(join(work, 'out-idx'), { recursive: true })
    const jobs: Job[] = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const artifact = join(work, 'out-idx', `lib${i}.tar`)
        const content = `lib ${i}\n${'y'.repeat(i * 500)}`
        await writeFile(artifact, content)
        return {
          spec: `lib${i}@2.${i}`,
          pkg: `lib${i}`,
          version: `2.${i}`,
          digest: digestText(`lib ${i}`),
          artifact,
          content,
        }
      }),
    )
    // an index run racing the records themselves: whatever it sees must be consistent
    const [early, ...recorded] = await Promise.all([
      runCli(['index', '--mirror', mirror], { env: ENV() }),
      ...jobs.map((j) => record(mirror, j)),
    ])
    expect(recorded.map((r) => r.stderr)).toEqual(Array(20).fill(''))
    expect(early!.stderr).toBe('')
    expect(early!.stdout).toMatch(/^indexed [0-9]+ entries \(sha256:[0-9a-f]{64}\)\n$/)
    await expectNothingDangles(repository, await readIndexDirect(repository))

    // the two concurrent runs, once every record is in: both complete, either one's index stands
    const [a, b] = await Promise.all([
      runCli(['index', '--mirror', mirror], { env: ENV() }),
      runCli(['index', '--mirror', mirror], { env: ENV() }),
    ])
    for (const r of [a!, b!]) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^indexed 20 entries \(sha256:[0-9a-f]{64}\)\n$/)
    }
    // same entries, same canonical index: the same checksum, whoever wrote last
    expect(a!.stdout).toBe(b!.stdout)
    const index = await readIndexDirect(repository)
    expect(a!.stdout).toContain(index.checksum)
    expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
    await expectNothingDangles(repository, index)

    // and plan-side reading agrees: the index tag resolves to one manifest, read by the CLI
    const history = await runCli(['history', jobs[3]!.spec, '--mirror', mirror], { env: ENV() })
    expect(history.code).toBe(0)
    expect(history.stdout).toContain(jobs[3]!.digest)
  })
})
