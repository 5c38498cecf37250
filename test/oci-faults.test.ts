/**
 * The `oci://` mirror on a network that fails: dist/cli.js talks to a local registry
 * (`support/registry.ts`) through a proxy of the test's own (`support/fault-proxy.ts`) that
 * resets connections (before the registry sees a request, or after it applied it), answers 503
 * with `Retry-After: 1` or 429, truncates bodies and stalls past the client's timeout.
 *
 * What must hold whatever the faults:
 * - every `record` either succeeds (exit 0, `recorded …`) or fails with one line
 *   (`binary-check: 127.0.0.1:PORT/repo: …`, exit 1, no stack);
 * - no spec tag ever references a missing blob (checked by listing the tags straight at the
 *   registry and HEADing every config and layer blob);
 * - a transient fault (one or two requests) is retried: the command succeeds;
 * - `plan` never trusts an index whose bytes do not match: a tampered index blob is the
 *   corrupt-index error, exit 1.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import type { Plan } from '../src/core/plan.js'
import { parseIndex, validateEntry, type MirrorEntry } from '../src/mirror/index.js'
import { classifyTag, computeSpecTag, INDEX_TAG } from '../src/mirror/oci/index.js'
import {
  startFaultProxy,
  type Fault,
  type FaultProxy,
  type FaultRule,
} from './support/fault-proxy.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import {
  checkTagsComplete,
  readBlobDirect,
  readLayerDirect,
  readManifestDirect,
  registrySkipReason,
  startRegistry,
  type Registry,
} from './support/registry.js'
import { cleanEnv, runCli, type RunResult } from './support/run-dist.js'
import { scaled, scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-faults')

const skip = registrySkipReason()
if (skip) console.warn(`oci-faults tests skipped: ${skip}`)

/**
 * The client's knobs, as a build job would set them: a short timeout (scaled with the load: a
 * healthy request through the proxy must not time out on a busy machine), few attempts.
 */
const TIMEOUT_MS = scaled(1500)
const ATTEMPTS = 3
const CLIENT_ENV = cleanEnv({
  BINARY_CHECK_REGISTRY_TIMEOUT_MS: String(TIMEOUT_MS),
  BINARY_CHECK_REGISTRY_RETRIES: String(ATTEMPTS - 1),
})

let registry: Registry
let work: string
let repoCount = 0

beforeAll(async () => {
  if (skip) return
  registry = await startRegistry()
  work = await mkdtemp(join(tmpdir(), 'binary-check-oci-faults-'))
})
afterAll(async () => {
  await registry?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

interface Job {
  spec: string
  pkg: string
  version: string
  digest: string
  artifact: string
  content: Buffer
}

async function job(name: string, size = 4096): Promise<Job> {
  const pkg = name.replace(/[^a-z0-9]+/g, '-')
  const version = '1.0'
  const seed = createHash('sha512').update(name).digest('hex')
  const content = Buffer.from(
    `${name}\n${seed.repeat(Math.ceil(size / seed.length)).slice(0, size)}`,
  )
  const artifact = join(work, `${pkg}.bin`)
  await writeFile(artifact, content)
  return {
    spec: `${pkg}@${version} os=ubuntu24.04`,
    pkg,
    version,
    digest: digestText(`digest of ${name}`),
    artifact,
    content,
  }
}

function record(mirrorHost: string, repository: string, j: Job): Promise<RunResult> {
  return runCli(
    [
      'record',
      '--mirror',
      `oci://${mirrorHost}/${repository}`,
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
    ],
    { env: CLIENT_ENV },
  )
}

/** One line naming the registry and repository, exit 1, no stack trace. */
function expectCleanFailure(r: RunResult, host: string, repository: string): void {
  expect(r.code, r.stderr).toBe(1)
  expect(withoutWarnings(r.stderr)).toMatch(
    new RegExp(
      `^binary-check: ${host.replace(/\./g, '\\.')}/${repository}(:[^:\\s]+)?: [^\\n]+\\n$`,
    ),
  )
  expect(r.stderr).not.toMatch(/\n\s+at /)
  expect(r.stdout).toBe('')
}

/** Plan's stderr without its warnings (`no base commit given: comparing against the mirror only`). */
const withoutWarnings = (stderr: string) => stderr.replace(/^binary-check: warning: .*\n/gm, '')

function expectRecorded(r: RunResult, j: Job): void {
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.stdout).toBe(`recorded ${j.spec} ${j.digest} → blobs/sha256:${sha256(j.content)}\n`)
}

/**
 * The invariant, straight at the registry: every tag's blobs are present; every spec tag's
 * layer is an artifact recorded here (bytes and sha256 as built) and its config the entry saying
 * so. Returns the entries by spec.
 */
async function expectConsistent(
  repository: string,
  jobs: readonly Job[],
): Promise<Map<string, MirrorEntry>> {
  const { manifests, problems } = await checkTagsComplete(registry, repository)
  expect(problems).toEqual([])
  const entries = new Map<string, MirrorEntry>()
  for (const [tag, manifest] of manifests) {
    if (classifyTag(tag) !== 'spec') continue
    const config = await readBlobDirect(registry, repository, manifest.config.digest)
    expect(`sha256:${sha256(config)}`).toBe(manifest.config.digest)
    const parsed = validateEntry(JSON.parse(config.toString('utf8')))
    if ('error' in parsed) throw new Error(`${tag}: ${parsed.error}`)
    const entry = parsed.entry
    const j = jobs.find((x) => x.spec === entry.spec)
    expect(j, `${tag} holds ${entry.spec}`).toBeDefined()
    expect(tag).toBe(computeSpecTag(j!.pkg, j!.version, j!.digest))
    expect(entry.digest).toBe(j!.digest)
    expect(manifest.layers).toHaveLength(1)
    expect(manifest.layers[0]!.digest).toBe(`sha256:${sha256(j!.content)}`)
    expect(manifest.layers[0]!.size).toBe(j!.content.length)
    expect(entry.artifact.sha256).toBe(sha256(j!.content))
    const layer = await readBlobDirect(registry, repository, manifest.layers[0]!.digest)
    expect(layer.equals(j!.content)).toBe(true)
    entries.set(entry.spec, entry)
  }
  return entries
}

/** A fresh repository and a proxy in front of the registry for one test. */
async function setup(): Promise<{ repository: string; proxy: FaultProxy }> {
  return {
    repository: `faults/r${++repoCount}`,
    proxy: await startFaultProxy(registry.host),
  }
}

/** Request classes of a `record`, as paths the proxy matches. */
const CLASSES = {
  'spec manifest GET': { method: 'GET', path: /\/manifests\// },
  'blob HEAD': { method: 'HEAD', path: /\/blobs\/sha256:/ },
  'upload start': { method: 'POST', path: /\/blobs\/uploads\/(\?|$)/ },
  'upload PUT': { method: 'PUT', path: /\/blobs\/uploads\/[^/?]+/ },
  'manifest PUT': { method: 'PUT', path: /\/manifests\// },
} as const satisfies Record<string, Omit<FaultRule, 'fault'>>

const FAULTS: Record<string, Fault> = {
  reset: { kind: 'reset' },
  'reset after the registry applied it': { kind: 'reset-after-upstream' },
  '503 Retry-After: 1': { kind: 'status', status: 503, retryAfter: '1' },
  '429': { kind: 'status', status: 429 },
  'stall past the timeout': { kind: 'stall' },
  'truncated body': { kind: 'truncate', fraction: 0.5 },
}

/** Truncation needs a body: only responses that carry one. */
const applies = (cls: keyof typeof CLASSES, fault: string) =>
  fault !== 'truncated body' || cls === 'spec manifest GET'

const TRANSIENT = Object.keys(CLASSES).flatMap((cls) =>
  Object.keys(FAULTS)
    .filter((f) => applies(cls as keyof typeof CLASSES, f))
    .map((f) => [cls as keyof typeof CLASSES, f] as const),
)

describe.skipIf(skip).concurrent('record through transient faults', () => {
  it.each(TRANSIENT)('%s: %s, once → retried, recorded', async (cls, faultName) => {
    const { repository, proxy } = await setup()
    try {
      const j = await job(`${cls} ${faultName}`)
      const rule = proxy.inject({ ...CLASSES[cls], fault: FAULTS[faultName]! })
      const r = await record(proxy.host, repository, j)
      expect(rule.hits, 'the fault happened').toBe(1)
      expectRecorded(r, j)
      const entries = await expectConsistent(repository, [j])
      expect([...entries.keys()]).toEqual([j.spec])
    } finally {
      await proxy.stop()
    }
  })

  it('the second blob (the entry) failing twice in a row, then the manifest once: recorded', async () => {
    const { repository, proxy } = await setup()
    try {
      const j = await job('second blob')
      const a = proxy.inject({
        ...CLASSES['upload PUT'],
        fault: { kind: 'status', status: 503 },
        nth: 2,
        times: 2,
      })
      const b = proxy.inject({ ...CLASSES['manifest PUT'], fault: { kind: 'reset' } })
      expectRecorded(await record(proxy.host, repository, j), j)
      expect([a.hits, b.hits]).toEqual([2, 1])
      await expectConsistent(repository, [j])
    } finally {
      await proxy.stop()
    }
  })
})

/** Faults that never stop: the record fails, in one line; nothing dangles; a later run works. */
const PERSISTENT: ReadonlyArray<readonly [keyof typeof CLASSES, string]> = [
  ['spec manifest GET', 'reset'],
  ['spec manifest GET', 'truncated body'],
  ['blob HEAD', '429'],
  ['upload start', '503 Retry-After: 1'],
  ['upload PUT', 'reset'],
  ['upload PUT', 'stall past the timeout'],
  ['manifest PUT', '503 Retry-After: 1'],
  ['manifest PUT', 'reset after the registry applied it'],
]

describe.skipIf(skip).concurrent('record through persistent faults', () => {
  it.each(PERSISTENT)(
    '%s: %s, every time → one-line error, no dangling tag, a clean retry records',
    async (cls, faultName) => {
      const { repository, proxy } = await setup()
      try {
        const j = await job(`persistent ${cls} ${faultName}`)
        const rule = proxy.inject({ ...CLASSES[cls], fault: FAULTS[faultName]!, times: Infinity })
        const r = await record(proxy.host, repository, j)
        expect(rule.hits).toBeGreaterThanOrEqual(ATTEMPTS)
        expectCleanFailure(r, proxy.host, repository)
        expect(r.stderr).toMatch(/after [0-9]+ attempts|failed|corrupt/)
        // Nothing references a missing blob. Only a manifest PUT the registry applied (its
        // answer lost) may have left the tag — complete.
        const entries = await expectConsistent(repository, [j])
        if (faultName !== 'reset after the registry applied it') expect(entries.size).toBe(0)

        proxy.clear()
        expectRecorded(await record(proxy.host, repository, j), j)
        expect([...(await expectConsistent(repository, [j])).keys()]).toEqual([j.spec])
      } finally {
        await proxy.stop()
      }
    },
  )
})

/** A deterministic pseudo-random sequence (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe.skipIf(skip)('many records on a flaky network', () => {
  it('12 records at once, 15 % of all requests faulted: each succeeds or fails in one line; nothing dangles; index holds every success', async () => {
    const { repository, proxy } = await setup()
    try {
      const random = seeded(20240301)
      const kinds: Fault[] = [
        { kind: 'reset' },
        { kind: 'reset-after-upstream' },
        { kind: 'status', status: 503, retryAfter: '1' },
        { kind: 'status', status: 429 },
        { kind: 'status', status: 500 },
        { kind: 'truncate' },
        { kind: 'stall' },
      ]
      // one rule per fault kind, each taking its share of the 15 %
      for (const fault of kinds)
        proxy.inject({ path: /^\/v2\/.+/, fault, select: () => random() < 0.15 / kinds.length })
      const jobs = await Promise.all(
        Array.from({ length: 12 }, (_, i) => job(`flaky ${i}`, 2048 + i * 997)),
      )
      const results = await Promise.all(jobs.map((j) => record(proxy.host, repository, j)))
      const faulted = proxy.requests.filter((r) => r.fault !== undefined).length
      expect(faulted, 'faults were injected').toBeGreaterThan(0)
      const succeeded: Job[] = []
      for (const [i, r] of results.entries()) {
        if (r.code === 0) {
          expectRecorded(r, jobs[i]!)
          succeeded.push(jobs[i]!)
        } else expectCleanFailure(r, proxy.host, repository)
      }
      const entries = await expectConsistent(repository, jobs)
      for (const j of succeeded) expect(entries.has(j.spec), j.spec).toBe(true)
      console.log(
        `flaky network: ${proxy.requests.length} requests, ${faulted} faulted; ${succeeded.length} of 12 records succeeded`,
      )

      // the failed ones again, on a healthy network, then index: every entry is in it
      proxy.clear()
      for (const [i, r] of results.entries())
        if (r.code !== 0) expectRecorded(await record(proxy.host, repository, jobs[i]!), jobs[i]!)
      const idx = await runCli(['index', '--mirror', `oci://${proxy.host}/${repository}`], {
        env: CLIENT_ENV,
      })
      expect(idx.stderr).toBe('')
      expect(idx.stdout).toMatch(/^indexed 12 entries \(sha256:[0-9a-f]{64}\)\n$/)
      const index = await readIndexDirect(repository)
      expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
    } finally {
      await proxy.stop()
    }
  })
})

/** The index as the registry holds it (manifest → layer → parseIndex, checksum verified). */
async function readIndexDirect(repository: string) {
  const bytes = await readLayerDirect(registry, repository, INDEX_TAG)
  expect(bytes, 'index manifest').toBeDefined()
  return parseIndex(bytes!.toString('utf8'), `${repository}:${INDEX_TAG}`)
}

describe.skipIf(skip).concurrent('index through faults', () => {
  it.each([
    ['spec manifest GET', '503 Retry-After: 1', 'GET', /\/manifests\/(?!binary-check-index)/],
    ['spec manifest GET', 'truncated body', 'GET', /\/manifests\/(?!binary-check-index)/],
    ['entry blob GET', 'reset', 'GET', /\/blobs\/sha256:/],
    ['entry blob GET', 'truncated body', 'GET', /\/blobs\/sha256:/],
    ['index manifest PUT', 'stall past the timeout', 'PUT', /\/manifests\/binary-check-index$/],
    ['index blob upload', 'reset after the registry applied it', 'PUT', /\/blobs\/uploads\/[^/?]+/],
  ] as const)(
    '%s: %s, twice → retried; the index holds every entry',
    async (_what, faultName, method, path) => {
      const { repository, proxy } = await setup()
      try {
        const jobs = await Promise.all(Array.from({ length: 5 }, (_, i) => job(`idx ${i}`)))
        for (const j of jobs) expectRecorded(await record(registry.host, repository, j), j)
        const rule = proxy.inject({ method, path, fault: FAULTS[faultName]!, times: 2 })
        const idx = await runCli(['index', '--mirror', `oci://${proxy.host}/${repository}`], {
          env: CLIENT_ENV,
        })
        expect(rule.hits).toBe(2)
        expect(idx.stderr).toBe('')
        expect(idx.code).toBe(0)
        const index = await readIndexDirect(repository)
        expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
        await expectConsistent(repository, jobs)
      } finally {
        await proxy.stop()
      }
    },
  )
})

// ---- plan against an index served by a faulty (or lying) network ----

const CONFIG = `ecosystem: manifest
specs: [app, tool]
packages:
  lib:
    inputs: ["lib/**"]
    versions: { "2.0": { sha256: "aa" } }
  tool:
    inputs: ["tool/**"]
    versions: { "1.0": {} }
  app:
    inputs: ["app/**"]
    versions: { "3.1": {} }
    dependencies: ["lib@2"]
`

describe.skipIf(skip)('plan against an oci:// index through the proxy', () => {
  let fx: GitFixture
  let repository: string
  let proxy: FaultProxy
  let planFile: string

  const plan = (host: string) =>
    runCli(
      [
        'plan',
        '--repo',
        fx.dir,
        '--mirror',
        `oci://${host}/${repository}`,
        '--format',
        'json',
        '--no-cache',
      ],
      { env: CLIENT_ENV },
    )

  beforeAll(async () => {
    if (skip) return
    fx = await createGitFixture({
      '.binary-check.yml': CONFIG,
      'lib/lib.c': 'int lib;\n',
      'tool/run.sh': 'echo tool\n',
      'app/main.c': 'int main;\n',
    })
    ;({ repository, proxy } = await setup())
    // plan (no index yet), record the whole matrix, index: the mirror is complete
    planFile = join(work, 'plan-faults.json')
    const first = await runCli(
      [
        'plan',
        '--repo',
        fx.dir,
        '--mirror',
        `oci://${registry.host}/${repository}`,
        '--format',
        'json',
        '--output',
        planFile,
        '--no-cache',
      ],
      { env: CLIENT_ENV },
    )
    expect(first.code, first.stderr).toBe(0)
    const planned = JSON.parse(await readFile(planFile, 'utf8')) as Plan
    expect(planned.matrix.include.length).toBe(3)
    for (const m of planned.matrix.include) {
      const artifact = join(work, `plan-${m.package}.bin`)
      await writeFile(artifact, `built ${m.spec}\n`)
      const r = await runCli(
        [
          'record',
          '--mirror',
          `oci://${registry.host}/${repository}`,
          '--spec',
          m.spec,
          '--digest',
          m.digest,
          '--artifact',
          artifact,
          '--plan',
          planFile,
        ],
        { env: CLIENT_ENV },
      )
      expect(r.stderr).toBe('')
    }
    const idx = await runCli(['index', '--mirror', `oci://${registry.host}/${repository}`], {
      env: CLIENT_ENV,
    })
    expect(idx.stdout).toMatch(/^indexed 3 entries/)
  })
  afterAll(async () => {
    await proxy?.stop()
    await fx?.cleanup()
  })

  it('a healthy proxy: everything is up to date', async () => {
    proxy.clear()
    const r = await plan(proxy.host)
    expect(withoutWarnings(r.stderr)).toBe('')
    expect(
      (JSON.parse(r.stdout) as Plan).summary.rebuild + (JSON.parse(r.stdout) as Plan).summary.new,
    ).toBe(0)
  })

  it('transient 503 / reset / truncation on the index manifest and blob: retried, same plan', async () => {
    proxy.clear()
    const m = proxy.inject({
      method: 'GET',
      path: /\/manifests\/binary-check-index$/,
      fault: { kind: 'status', status: 503, retryAfter: '1' },
    })
    const b = proxy.inject({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      fault: { kind: 'truncate', fraction: 0.3 },
    })
    const c = proxy.inject({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      fault: { kind: 'reset' },
      nth: 2,
    })
    const r = await plan(proxy.host)
    expect([m.hits, b.hits, c.hits]).toEqual([1, 1, 1])
    expect(withoutWarnings(r.stderr)).toBe('')
    expect(r.code).toBe(0)
    const p = JSON.parse(r.stdout) as Plan
    expect(p.summary.rebuild + p.summary.new).toBe(0)
  })

  it('a tampered index blob (one digest changed in transit): exit 1, the corrupt-index error, never a plan', async () => {
    proxy.clear()
    const rule = proxy.inject({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: Infinity,
      fault: {
        kind: 'replace-body',
        // only the index blob (the entry configs are not fetched by plan); same length
        body: (original) => {
          const text = original.toString('utf8')
          if (!text.includes('"binary-check/index@1"')) return original
          return text.replace(
            /"digest": "sha256:([0-9a-f])/,
            (_m, c: string) => `"digest": "sha256:${c === '0' ? '1' : '0'}`,
          )
        },
      },
    })
    const r = await plan(proxy.host)
    expect(rule.hits).toBeGreaterThan(0)
    expectCleanFailure(r, proxy.host, repository)
    expect(r.stderr).toMatch(
      new RegExp(
        `^binary-check: ${proxy.host.replace(/\./g, '\\.')}/${repository}:${INDEX_TAG}: index is corrupt: .+; run \`binary-check index\` to rebuild it from entries\\n$`,
      ),
    )
  })

  it('an index edited at the registry (blob digest right, checksum wrong): exit 1, checksum mismatch', async () => {
    proxy.clear()
    const tampered = `faults/tampered${++repoCount}`
    // copy the mirror's index into another repository with one entry's digest edited, pushed
    // as a well-formed blob: only the index's own checksum can tell
    const original = await readIndexDirect(repository)
    const text = JSON.stringify(
      {
        ...original,
        entries: Object.fromEntries(
          Object.entries(original.entries).map(([k, e], i) => [
            k,
            i === 0 ? { ...e, digest: digestText('not what was built') } : e,
          ]),
        ),
      },
      null,
      2,
    )
    const blob = Buffer.from(text)
    const blobDigest = `sha256:${sha256(blob)}`
    const start = await registry.request(`/v2/${tampered}/blobs/uploads/`, { method: 'POST' })
    expect(start.status).toBe(202)
    const upload = new URL(start.headers.get('location')!, registry.url)
    upload.searchParams.set('digest', blobDigest)
    expect(
      (
        await registry.request(`${upload.pathname}${upload.search}`, {
          method: 'PUT',
          body: blob,
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).status,
    ).toBe(201)
    const empty = Buffer.from('{}')
    const e = await registry.request(`/v2/${tampered}/blobs/uploads/`, { method: 'POST' })
    const eu = new URL(e.headers.get('location')!, registry.url)
    eu.searchParams.set('digest', `sha256:${sha256(empty)}`)
    expect(
      (await registry.request(`${eu.pathname}${eu.search}`, { method: 'PUT', body: empty })).status,
    ).toBe(201)
    const source = await readManifestDirect(registry, repository, INDEX_TAG)
    const manifest = JSON.parse(source!.bytes.toString('utf8')) as {
      layers: Array<{ digest: string; size: number }>
    }
    manifest.layers[0]!.digest = blobDigest
    manifest.layers[0]!.size = blob.length
    const put = await registry.request(`/v2/${tampered}/manifests/${INDEX_TAG}`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    })
    expect(put.status).toBe(201)

    const r = await runCli(
      [
        'plan',
        '--repo',
        fx.dir,
        '--mirror',
        `oci://${proxy.host}/${tampered}`,
        '--format',
        'json',
        '--no-cache',
      ],
      { env: CLIENT_ENV },
    )
    expectCleanFailure(r, proxy.host, tampered)
    expect(r.stderr).toMatch(
      /: index is corrupt: checksum mismatch \(expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\); run `binary-check index` to rebuild it from entries\n$/,
    )
  })

  it('the index blob truncated every time: exit 1 in one line, never a plan', async () => {
    proxy.clear()
    proxy.inject({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      fault: { kind: 'truncate' },
      times: Infinity,
    })
    const r = await plan(proxy.host)
    expectCleanFailure(r, proxy.host, repository)
  })
})
