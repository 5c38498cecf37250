/**
 * Talking to registries: pure parts (tag names, backoff and Retry-After, challenges, Link
 * headers, URLs, credentials from the environment), then against the real registry
 * (`test/support/registry.ts`): htpasswd basic auth, a Bearer token flow through our own token
 * server in front of it, tag pagination, retries against a server of the test's own that keeps
 * failing, and image digests (`resolveImageDigest`).
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { UserError } from '../src/core/errors.js'
import { openMirror } from '../src/mirror/index.js'
import {
  classifyTag,
  computeBackoffMs,
  computeClaimTag,
  computeSpecTag,
  createRegistryClient,
  EMPTY_BLOB,
  EMPTY_DESCRIPTOR,
  INDEX_TAG,
  MEDIA_TYPES,
  parseChallenge,
  parseImageReference,
  parseLinkNext,
  parseOciMirrorUrl,
  parseRetryAfter,
  resolveCredentials,
  resolveImageDigest,
  type OciMirror,
} from '../src/mirror/oci/index.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { startPagingProxy } from './support/paging-proxy.js'
import { startTokenServer, type TokenServer } from './support/token-server.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-client')

const TAG_RULE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const D = `sha256:${'0123456789abcdef'.repeat(4)}`

async function thrown(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error instanceof UserError) return error
  throw error ?? new Error('expected a UserError')
}

describe('tag names', () => {
  it('package, version and 16 hex of the digest, tag-safe', () => {
    expect(computeSpecTag('zlib', '1.3.1', D)).toBe('zlib-1.3.1-0123456789abcdef')
    expect(computeSpecTag('py-numpy', '1.26.4', D)).toBe('py-numpy-1.26.4-0123456789abcdef')
    expect(computeSpecTag('gcc', '13.2.0+patch@x', D)).toBe('gcc-13.2.0_patch_x-0123456789abcdef')
    expect(computeSpecTag('.hidden', '1', D)).toBe('_.hidden-1-0123456789abcdef')
    expect(computeSpecTag('-x', '1', D)).toBe('_-x-1-0123456789abcdef')
  })

  it('long names are cut to 128 characters with the digest kept', () => {
    const tag = computeSpecTag('p'.repeat(100), 'v'.repeat(100), D)
    expect(tag).toHaveLength(128)
    expect(tag.endsWith('-0123456789abcdef')).toBe(true)
    expect(tag).toMatch(TAG_RULE)
    for (const [pkg, version] of [
      ['ünïcode', '1 2\t3'],
      ['a/b', '../..'],
      ['', ''],
    ] as const)
      expect(computeSpecTag(pkg, version, D)).toMatch(TAG_RULE)
  })

  it('kinds: spec, index, claim, other', () => {
    expect(classifyTag(computeSpecTag('zlib', '1.3.1', D))).toBe('spec')
    expect(classifyTag(INDEX_TAG)).toBe('index')
    expect(computeClaimTag(D)).toBe(`binary-check-claim-${D.slice(7)}`)
    expect(classifyTag(computeClaimTag(D))).toBe('claim')
    expect(classifyTag('latest')).toBe('other')
  })
})

describe('backoff and Retry-After', () => {
  it('full jitter: uniform below base · 2^(retry-1), capped', () => {
    expect(computeBackoffMs(1, 500, 30_000, () => 0)).toBe(0)
    expect(computeBackoffMs(1, 500, 30_000, () => 0.999)).toBe(499)
    expect(computeBackoffMs(3, 500, 30_000, () => 0.5)).toBe(1000)
    expect(computeBackoffMs(20, 500, 30_000, () => 0.5)).toBe(15_000)
  })

  it('Retry-After in seconds or as an HTTP date', () => {
    const now = new Date('2024-05-01T10:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-5', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})

describe('WWW-Authenticate challenges', () => {
  it('a registry Bearer challenge, scope with commas and spaces kept whole', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push repository:c:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://ghcr.io/token',
          service: 'ghcr.io',
          scope: 'repository:a/b:pull,push repository:c:pull',
        },
      },
    ])
  })

  it('Basic, several challenges, tokens and escapes', () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ])
    expect(
      parseChallenge('Negotiate, Basic realm=x, Bearer realm="a\\"b", error=invalid_token'),
    ).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } },
    ])
    expect(parseChallenge(null)).toEqual([])
  })
})

describe('Link header', () => {
  const base = 'http://127.0.0.1:5000/v2/a/tags/list?n=2'
  it('follows rel="next", relative or absolute', () => {
    expect(parseLinkNext('</v2/a/tags/list?last=b&n=2>; rel="next"', base)).toBe(
      'http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2',
    )
    expect(
      parseLinkNext(
        '<https://x/prev>; rel="prev", <https://x/v2/a/tags/list?last=c>; rel=next',
        base,
      ),
    ).toBe('https://x/v2/a/tags/list?last=c')
    expect(parseLinkNext('<https://x/y?a=1,2>; rel="last next"', base)).toBe('https://x/y?a=1,2')
  })
  it('no next page', () => {
    expect(parseLinkNext('<https://x/prev>; rel="prev"', base)).toBeUndefined()
    expect(parseLinkNext(null, base)).toBeUndefined()
  })
})

describe('URLs and credentials', () => {
  it('oci:// URLs: HTTPS, plain HTTP for loopback or when allowed', () => {
    expect(parseOciMirrorUrl('oci://ghcr.io/acme/bins')).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/bins',
      baseUrl: 'https://ghcr.io',
    })
    expect(parseOciMirrorUrl('oci://127.0.0.1:5000/m').baseUrl).toBe('http://127.0.0.1:5000')
    expect(parseOciMirrorUrl('oci://localhost:5000/m').baseUrl).toBe('http://localhost:5000')
    expect(parseOciMirrorUrl('oci://[::1]:5000/m').baseUrl).toBe('http://[::1]:5000')
    expect(parseOciMirrorUrl('oci://reg.local:5000/m', true).baseUrl).toBe('http://reg.local:5000')
    expect(
      openMirror('oci://reg.local/m', {
        registry: { env: { BINARY_CHECK_REGISTRY_INSECURE: '1' } },
      }).url,
    ).toBe('oci://reg.local/m')
    expect(
      (
        openMirror('oci://reg.local/m', {
          registry: { env: { BINARY_CHECK_REGISTRY_INSECURE: '1' } },
        }) as OciMirror
      ).location.baseUrl,
    ).toBe('http://reg.local')
  })

  it('timeout, retries and parallelism from the environment; options win', () => {
    const env = {
      BINARY_CHECK_REGISTRY_TIMEOUT_MS: '1500',
      BINARY_CHECK_REGISTRY_RETRIES: '2',
      BINARY_CHECK_REGISTRY_CONCURRENCY: '4',
    }
    const options = (registry: object) =>
      (openMirror('oci://r.example/x', { registry }) as OciMirror).client.http.options
    expect(options({ env })).toMatchObject({ timeoutMs: 1500, maxAttempts: 3, concurrency: 4 })
    expect(options({ env: {} })).toMatchObject({
      timeoutMs: 30_000,
      maxAttempts: 5,
      concurrency: 8,
    })
    expect(options({ env, maxAttempts: 7 })).toMatchObject({ maxAttempts: 7 })
    expect(() => options({ env: { BINARY_CHECK_REGISTRY_RETRIES: 'many' } })).toThrow(
      'BINARY_CHECK_REGISTRY_RETRIES: expected a whole number of at least 0, got "many"',
    )
  })

  it('bad URLs in one line, never echoing credentials', () => {
    expect(() => parseOciMirrorUrl('oci://ghcr.io')).toThrow(
      'oci://ghcr.io: expected oci://host[:port]/repository (a repository path)',
    )
    expect(() => parseOciMirrorUrl('oci://ghcr.io/Acme')).toThrow('not a repository name: "Acme"')
    let message = ''
    try {
      parseOciMirrorUrl('oci://me:hunter2@ghcr.io/acme')
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toBe(
      'oci://ghcr.io/acme: credentials do not belong in the URL: use BINARY_CHECK_REGISTRY_USER and BINARY_CHECK_REGISTRY_PASSWORD',
    )
  })

  it('image references as docker pull takes them', () => {
    expect(parseImageReference('ubuntu')).toMatchObject({
      registry: 'registry-1.docker.io',
      repository: 'library/ubuntu',
      reference: 'latest',
    })
    expect(parseImageReference('ghcr.io/acme/builder:2024.1')).toMatchObject({
      registry: 'ghcr.io',
      repository: 'acme/builder',
      reference: '2024.1',
    })
    expect(parseImageReference(`localhost:5000/a/b:t@${D}`)).toMatchObject({
      baseUrl: 'http://localhost:5000',
      repository: 'a/b',
      reference: D,
    })
  })

  it('credentials: ours, then ghcr.io GITHUB_TOKEN, then GitLab CI_REGISTRY', () => {
    const github = { GITHUB_ACTOR: 'octo', GITHUB_TOKEN: 'ghs_x' }
    const gitlab = {
      CI_REGISTRY: 'registry.gitlab.com',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'glp',
    }
    const ours = { BINARY_CHECK_REGISTRY_USER: 'u', BINARY_CHECK_REGISTRY_PASSWORD: 'p' }
    expect(resolveCredentials('ghcr.io', github)).toEqual({ username: 'octo', password: 'ghs_x' })
    expect(resolveCredentials('quay.io', github)).toBeUndefined()
    expect(resolveCredentials('registry.gitlab.com', gitlab)).toEqual({
      username: 'gitlab-ci-token',
      password: 'glp',
    })
    expect(resolveCredentials('ghcr.io', gitlab)).toBeUndefined()
    // ours go to the trusted mirror's host (or BINARY_CHECK_REGISTRY_HOST) only: see
    // credentials-host.test.ts
    expect(resolveCredentials('ghcr.io', { ...github, ...ours }, 'ghcr.io')).toEqual({
      username: 'u',
      password: 'p',
    })
    expect(resolveCredentials('ghcr.io', { ...github, ...ours })).toEqual({
      username: 'octo',
      password: 'ghs_x',
    })
  })
})

const skip = registrySkipReason(['htpasswd'])
if (skip) console.warn(`oci-client registry tests skipped: ${skip}`)

describe.skipIf(skip)('against a real registry', () => {
  const USER = 'ci'
  const PASSWORD = 'pa55-w0rd-do-not-print'
  let open: Registry
  let locked: Registry
  let tokens: TokenServer
  const FAST = { backoffBaseMs: 1, claimSettleMs: 10 }

  beforeAll(async () => {
    open = await startRegistry()
    locked = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } })
    tokens = await startTokenServer(open.host, { [USER]: PASSWORD })
  })
  afterAll(async () => {
    await tokens?.stop()
    await open?.stop()
    await locked?.stop()
  })

  async function roundTrip(url: string, credentials?: { username: string; password: string }) {
    const mirror = openMirror(url, {
      registry: { ...FAST, env: {}, ...(credentials ? { credentials } : {}) },
    })
    const { writeFile, mkdtemp } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const artifact = join(await mkdtemp(join(tmpdir(), 'binary-check-oci-client-')), 'a.bin')
    await writeFile(artifact, 'built')
    const entry = await mirror.record({
      entry: { spec: 'zlib@1.3.1', package: 'zlib', version: '1.3.1', digest: digestText('z') },
      artifactPath: artifact,
      now: new Date('2024-05-01T10:00:00Z'),
    })
    const index = await mirror.writeIndex()
    expect(await mirror.tryReadIndex()).toEqual(index)
    expect(index.entries['zlib@1.3.1']).toEqual(entry)
    return mirror
  }

  it('htpasswd: basic credentials work; a wrong password is one line without the password', async () => {
    await roundTrip(`oci://${locked.host}/basic/ok`, { username: USER, password: PASSWORD })
    const wrong = openMirror(`oci://${locked.host}/basic/ok`, {
      registry: { ...FAST, env: {}, credentials: { username: USER, password: 'wrong-secret' } },
    })
    const e = await thrown(wrong.tryReadIndex())
    expect(e.oneLine()).toBe(
      `${locked.host}/basic/ok: read of manifest binary-check-index failed (HTTP 401: authentication as "ci" refused)`,
    )
    expect(e.message).not.toContain('wrong-secret')
    const anonymous = openMirror(`oci://${locked.host}/basic/ok`, {
      registry: { ...FAST, env: {} },
    })
    expect((await thrown(anonymous.tryReadIndex())).oneLine()).toBe(
      `${locked.host}/basic/ok: read of manifest binary-check-index failed (HTTP 401: authentication required; set BINARY_CHECK_REGISTRY_USER and BINARY_CHECK_REGISTRY_PASSWORD)`,
    )
  })

  it('credentials from BINARY_CHECK_REGISTRY_USER / _PASSWORD', async () => {
    const mirror = openMirror(`oci://${locked.host}/basic/ok`, {
      registry: {
        ...FAST,
        env: { BINARY_CHECK_REGISTRY_USER: USER, BINARY_CHECK_REGISTRY_PASSWORD: PASSWORD },
      },
    })
    expect(await mirror.tryReadIndex()).toBeDefined()
  })

  it('Bearer: token from the realm with basic credentials, cached per scope', async () => {
    tokens.tokenRequests.length = 0
    const mirror = await roundTrip(`oci://${tokens.host}/bearer/m`, {
      username: USER,
      password: PASSWORD,
    })
    // one token for pull,push (record and index), one for pull (reads): not one per request
    expect(tokens.tokenRequests.length).toBeLessThanOrEqual(3)
    expect(tokens.tokenRequests.every((r) => r.user === USER)).toBe(true)
    expect(tokens.tokenRequests.map((r) => r.scopes.join(' '))).toContain(
      'repository:bearer/m:pull,push',
    )
    const before = tokens.tokenRequests.length
    await mirror.readHistory('zlib@1.3.1')
    await mirror.tryReadEntry('zlib@1.3.1')
    expect(tokens.tokenRequests.length).toBe(before)

    const wrong = openMirror(`oci://${tokens.host}/bearer/m`, {
      registry: { ...FAST, env: {}, credentials: { username: USER, password: 'nope-secret' } },
    })
    const e = await thrown(wrong.tryReadIndex())
    expect(e.oneLine()).toBe(
      `${tokens.host}/bearer/m: token request to http://${tokens.host} failed (HTTP 401: authentication as "ci" refused)`,
    )
    expect(e.message).not.toContain('nope-secret')
  })

  it('lists more tags than one page, following Link rel="next" (?n=)', async () => {
    // docker-registry 2.8 ignores ?n= (one page with everything): our paging front does what
    // distribution v3, ghcr.io and Harbor do, over the real registry's tags
    const direct = createRegistryClient(`oci://${open.host}/paged/tags`, {
      ...FAST,
      tagPageSize: 10,
      env: {},
    })
    await direct.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
    const want: string[] = []
    for (let i = 0; i < 25; i++) {
      const tag = `t-${String(i).padStart(2, '0')}`
      want.push(tag)
      const manifest = {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: EMPTY_DESCRIPTOR,
        layers: [EMPTY_DESCRIPTOR],
        annotations: { n: String(i) },
      }
      await direct.putManifest(tag, Buffer.from(JSON.stringify(manifest)), MEDIA_TYPES.manifest)
    }
    expect((await direct.listTags()).sort()).toEqual(want)

    const proxy = await startPagingProxy(open.host)
    try {
      const paged = createRegistryClient(`oci://${proxy.host}/paged/tags`, {
        ...FAST,
        tagPageSize: 10,
        env: {},
      })
      expect(await paged.listTags()).toEqual(want)
      expect(proxy.tagRequests).toEqual([
        '/v2/paged/tags/tags/list?n=10',
        '/v2/paged/tags/tags/list?n=10&last=t-09',
        '/v2/paged/tags/tags/list?n=10&last=t-19',
      ])
      // the default page size asks for 1000 at a time
      proxy.tagRequests.length = 0
      const defaults = createRegistryClient(`oci://${proxy.host}/paged/tags`, { env: {} })
      expect(await defaults.listTags()).toHaveLength(25)
      expect(proxy.tagRequests).toEqual(['/v2/paged/tags/tags/list?n=1000'])
    } finally {
      await proxy.stop()
    }
  })

  it('index reads 60 spec tags with at most `concurrency` requests in flight', async () => {
    const url = `oci://${open.host}/bounded/index`
    const mirror = openMirror(url, { registry: { ...FAST, env: {}, concurrency: 3 } }) as OciMirror
    const { writeFile, mkdtemp } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = await mkdtemp(join(tmpdir(), 'binary-check-oci-bounded-'))
    for (let i = 0; i < 60; i++) {
      const artifact = join(dir, `${i}`)
      await writeFile(artifact, `bin ${i}`)
      await mirror.record({
        entry: { spec: `p${i}@1`, package: `p${i}`, version: '1', digest: digestText(`p${i}`) },
        artifactPath: artifact,
        now: new Date('2024-05-01T10:00:00Z'),
      })
    }
    let inFlight = 0
    let most = 0
    const { send } = mirror.client.http
    ;(mirror.client.http as { send: typeof send }).send = async (req) => {
      most = Math.max(most, ++inFlight)
      try {
        return await send(req)
      } finally {
        inFlight--
      }
    }
    const index = await mirror.writeIndex()
    expect(Object.keys(index.entries)).toHaveLength(60)
    expect(most).toBe(3)
  })

  it('resolveImageDigest: a manifest list answers its own digest, cached per run', async () => {
    const client = createRegistryClient(`oci://${open.host}/images/builder`, { ...FAST, env: {} })
    await client.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
    const image = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: EMPTY_DESCRIPTOR,
        layers: [EMPTY_DESCRIPTOR],
      }),
    )
    const imageDigest = await client.putManifest('amd64', image, MEDIA_TYPES.manifest)
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          {
            mediaType: MEDIA_TYPES.manifest,
            digest: imageDigest,
            size: image.length,
            platform: { architecture: 'amd64', os: 'linux' },
          },
        ],
      }),
    )
    const listDigest = await client.putManifest('2024.1', list, MEDIA_TYPES.ociIndex)
    const cache = new Map<string, Promise<string>>()
    const options = { ...FAST, env: {}, cache }
    expect(await resolveImageDigest(`${open.host}/images/builder:2024.1`, options)).toBe(listDigest)
    expect(await resolveImageDigest(`${open.host}/images/builder:amd64`, options)).toBe(imageDigest)
    expect([...cache.keys()]).toHaveLength(2)
    expect(await resolveImageDigest(`${open.host}/images/builder:2024.1`, options)).toBe(listDigest)
    expect(
      (await thrown(resolveImageDigest(`${open.host}/images/builder:nope`, options))).oneLine(),
    ).toBe(`${open.host}/images/builder: image nope not found`)
  })

  it('an unknown mirror repository reads as empty; claims on it are undefined', async () => {
    const mirror = openMirror(`oci://${open.host}/never/written`, {
      registry: { ...FAST, env: {} },
    })
    expect(await mirror.tryReadIndex()).toBeUndefined()
    expect(await mirror.tryReadClaims!(new Date())).toBeUndefined()
    expect((await mirror.readEntries()).entries).toEqual({})
  })
})

describe("retries (a server of the test's own that keeps failing)", () => {
  let server: Server
  let host = ''
  let hits: Array<{ method: string; url: string }> = []
  let answer: (res: import('node:http').ServerResponse) => void = () => {}

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push({ method: req.method ?? '', url: req.url ?? '' })
      req.resume()
      answer(res)
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const a = server.address()
    host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  function mirrorWith(sleeps: number[], extra: object = {}) {
    hits = []
    return openMirror(`oci://${host}/flaky/m`, {
      registry: {
        env: {},
        maxAttempts: 4,
        backoffBaseMs: 100,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms)
        },
        ...extra,
      },
    })
  }

  it('5xx: backoff with full jitter, then one line naming the attempts', async () => {
    answer = (res) => res.writeHead(503).end()
    const sleeps: number[] = []
    const e = await thrown(mirrorWith(sleeps).tryReadIndex())
    expect(e.oneLine()).toBe(
      `${host}/flaky/m: read of manifest binary-check-index failed (HTTP 503 after 4 attempts)`,
    )
    expect(hits).toHaveLength(4)
    expect(sleeps).toEqual([50, 100, 200])
  })

  it('429 honours Retry-After (seconds and HTTP date)', async () => {
    answer = (res) => res.writeHead(429, { 'retry-after': '2' }).end()
    const sleeps: number[] = []
    await thrown(mirrorWith(sleeps).tryReadIndex())
    expect(sleeps).toEqual([2000, 2000, 2000])
    const when = new Date(Date.now() + 60_000).toUTCString()
    answer = (res) => res.writeHead(429, { 'retry-after': when }).end()
    const capped: number[] = []
    await thrown(mirrorWith(capped).tryReadIndex())
    expect(capped).toEqual([30_000, 30_000, 30_000]) // at most backoffMaxMs
    const later: number[] = []
    await thrown(mirrorWith(later, { backoffMaxMs: 120_000 }).tryReadIndex())
    for (const ms of later) expect(ms).toBeGreaterThan(50_000)
  })

  it('connection resets and timeouts are retried too', async () => {
    answer = (res) => res.socket?.destroy()
    const e = await thrown(mirrorWith([]).tryReadIndex())
    expect(e.oneLine()).toBe(
      `${host}/flaky/m: read of manifest binary-check-index failed (connection reset after 4 attempts)`,
    )
    answer = () => {} // never answers
    const slow = await thrown(mirrorWith([], { timeoutMs: 100, maxAttempts: 2 }).tryReadIndex())
    expect(slow.oneLine()).toBe(
      `${host}/flaky/m: read of manifest binary-check-index failed (timed out after 100 ms after 2 attempts)`,
    )
  })

  it('a body cut off mid-way is retried like a reset', async () => {
    let n = 0
    answer = (res) => {
      const body = JSON.stringify({ name: 'flaky/m', tags: ['a', 'b'] })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
      if (++n > 1) return res.end(body)
      res.write(body.slice(0, 10), () => res.socket?.destroy())
    }
    const client = createRegistryClient(`oci://${host}/flaky/m`, {
      env: {},
      sleep: async () => {},
    })
    hits = []
    expect(await client.listTags()).toEqual(['a', 'b'])
    expect(hits).toHaveLength(2)
  })

  it('a 4xx other than 401/404/429 is not retried', async () => {
    answer = (res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }),
        )
    const e = await thrown(mirrorWith([]).tryReadIndex())
    expect(e.oneLine()).toBe(
      `${host}/flaky/m: read of manifest binary-check-index failed (HTTP 400 MANIFEST_INVALID: manifest invalid)`,
    )
    expect(hits).toHaveLength(1)
  })

  it('a manifest whose bytes do not match Docker-Content-Digest is refused', async () => {
    answer = (res) =>
      res
        .writeHead(200, { 'content-type': MEDIA_TYPES.manifest, 'docker-content-digest': D })
        .end('{"schemaVersion":2}')
    const e = await thrown(mirrorWith([]).tryReadIndex())
    expect(e.oneLine()).toMatch(
      new RegExp(
        `^${host}/flaky/m: manifest binary-check-index: the registry reports digest ${D}, expected sha256:[0-9a-f]{64}$`,
      ),
    )
  })
})
