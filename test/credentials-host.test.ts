/**
 * Issue 10 §2: credentials stay with their host. A real registry behind fronts of the test's own
 * (`support/credential-fronts.ts`): the registry names a token realm on another host and sends
 * blob reads to a storage host. Every assertion is on what each host received.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { UserError } from '../src/core/errors.js'
import { openMirror, resolveImageDigest } from '../src/mirror/index.js'
import { resolveCredentials } from '../src/mirror/oci/credentials.js'
import { answerChallenge, createAuthState } from '../src/mirror/oci/registry-auth.js'
import { resolveRegistryOptions } from '../src/mirror/oci/registry-options.js'
import { startCredentialFronts, type CredentialFronts } from './support/credential-fronts.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'

const USER = 'builder'
const PASSWORD = 'b-secret-never-elsewhere'
const OURS = { BINARY_CHECK_REGISTRY_USER: USER, BINARY_CHECK_REGISTRY_PASSWORD: PASSWORD }
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
const FAST = { backoffBaseMs: 1, claimSettleMs: 10, maxAttempts: 2 }

describe('which credentials a registry gets (pure)', () => {
  const github = { GITHUB_ACTOR: 'octo', GITHUB_TOKEN: 'ghs_x' }
  const gitlab = {
    CI_REGISTRY: 'registry.gitlab.com',
    CI_REGISTRY_USER: 'gitlab-ci-token',
    CI_REGISTRY_PASSWORD: 'glp',
  }
  it('ours go to BINARY_CHECK_REGISTRY_HOST, else to the trusted mirror host, else nowhere', () => {
    expect(resolveCredentials('reg.example', OURS)).toBeUndefined()
    expect(resolveCredentials('reg.example', OURS, 'reg.example')).toEqual({
      username: USER,
      password: PASSWORD,
    })
    expect(resolveCredentials('evil.example', OURS, 'reg.example')).toBeUndefined()
    const named = { ...OURS, BINARY_CHECK_REGISTRY_HOST: 'Named.Example:5000' }
    expect(resolveCredentials('named.example:5000', named, 'reg.example')).toBeDefined()
    expect(resolveCredentials('reg.example', named, 'reg.example')).toBeUndefined()
    // Docker Hub's names are one host
    expect(
      resolveCredentials('registry-1.docker.io', {
        ...OURS,
        BINARY_CHECK_REGISTRY_HOST: 'docker.io',
      }),
    ).toBeDefined()
  })
  it('GITHUB_TOKEN goes to ghcr.io only; CI_REGISTRY_* to $CI_REGISTRY only', () => {
    expect(resolveCredentials('ghcr.io', github)).toEqual({ username: 'octo', password: 'ghs_x' })
    expect(resolveCredentials('quay.io', github)).toBeUndefined()
    expect(resolveCredentials('ghcr.io.evil.example', github)).toBeUndefined()
    expect(resolveCredentials('registry.gitlab.com', gitlab)).toEqual({
      username: 'gitlab-ci-token',
      password: 'glp',
    })
    expect(resolveCredentials('registry.gitlab.com.evil', gitlab)).toBeUndefined()
    expect(resolveCredentials('ghcr.io', gitlab)).toBeUndefined()
    // ours for the mirror on ghcr.io win there
    expect(resolveCredentials('ghcr.io', { ...github, ...OURS }, 'ghcr.io')).toEqual({
      username: USER,
      password: PASSWORD,
    })
    expect(resolveCredentials('ghcr.io', { ...github, ...OURS }, 'reg.example')).toEqual({
      username: 'octo',
      password: 'ghs_x',
    })
  })
  it('explicit credentials (the Action inputs) obey the same host rule', () => {
    const credentials = { username: 'u', password: 'p' }
    expect(resolveRegistryOptions('evil.example', { env: {}, credentials }).credentials).toBe(
      undefined,
    )
    expect(
      resolveRegistryOptions('evil.example', {
        env: {},
        credentials,
        credentialsHost: 'reg.example',
      }).credentials,
    ).toBeUndefined()
    expect(
      resolveRegistryOptions('reg.example', {
        env: {},
        credentials,
        credentialsHost: 'reg.example',
      }).credentials,
    ).toEqual(credentials)
  })
})

describe('a token realm on another host', () => {
  const options = resolveRegistryOptions('reg.example', {
    env: {},
    insecure: true,
    credentials: { username: USER, password: PASSWORD },
    credentialsHost: 'reg.example',
  })
  async function tokenHeaders(realm: string): Promise<Record<string, string>> {
    let sent: Record<string, string> = {}
    await answerChallenge(`Bearer realm="${realm}",service="s"`, {
      state: createAuthState(),
      scope: 'repository:x:pull',
      options,
      place: 'reg.example/x',
      registry: 'reg.example',
      fetchToken: async (_url, headers) => {
        sent = headers
        return new Response(JSON.stringify({ token: 't' }))
      },
    })
    return sent
  }
  it('gets the credentials over HTTPS, or on the registry host itself', async () => {
    expect((await tokenHeaders('https://auth.example/token')).authorization).toBe(BASIC)
    expect((await tokenHeaders('http://reg.example/token')).authorization).toBe(BASIC)
  })
  it('gets none over plain HTTP to another host (even when plain HTTP is allowed)', async () => {
    expect((await tokenHeaders('http://auth.example/token')).authorization).toBeUndefined()
  })
})

const skip = registrySkipReason()
if (skip) console.warn(`credentials-host registry tests skipped: ${skip}`)

describe.skipIf(skip)('against a real registry behind a front, a realm and a storage host', () => {
  let registry: Registry
  let fronts: CredentialFronts
  let temp: string
  const repo = 'creds/m'

  beforeAll(async () => {
    registry = await startRegistry()
    fronts = await startCredentialFronts(registry.host, { [USER]: PASSWORD })
    temp = await mkdtemp(join(tmpdir(), 'binary-check-creds-'))
  })
  afterAll(async () => {
    await fronts?.stop()
    await registry?.stop()
    await rm(temp, { recursive: true, force: true })
  })

  async function recordOne(env: NodeJS.ProcessEnv) {
    const mirror = openMirror(`oci://${fronts.front}/${repo}`, { registry: { ...FAST, env } })
    const artifact = join(temp, 'a.bin')
    await writeFile(artifact, 'built')
    await mirror.record({
      entry: { spec: 'zlib@1.3.1', package: 'zlib', version: '1.3.1', digest: digestText('z') },
      artifactPath: artifact,
      now: new Date('2024-05-01T10:00:00Z'),
    })
    await mirror.writeIndex()
    return mirror
  }

  it('the mirror: the realm gets our credentials, the front only a token, the storage host nothing', async () => {
    fronts.reset()
    const mirror = await recordOne(OURS)
    const index = await mirror.tryReadIndex()
    expect(index?.entries['zlib@1.3.1']).toBeDefined()
    // blob reads went to the storage host (through the redirect) …
    expect(fronts.received.storage.length).toBeGreaterThan(0)
    // … which never saw an Authorization header
    expect(fronts.received.storage.map((r) => r.authorization)).toEqual(
      fronts.received.storage.map(() => undefined),
    )
    expect(fronts.received.realm.length).toBeGreaterThan(0)
    expect(fronts.received.realm.every((r) => r.authorization === BASIC)).toBe(true)
    expect(fronts.received.front.some((r) => r.authorization?.startsWith('Bearer '))).toBe(true)
    expect(fronts.received.front.some((r) => r.authorization?.startsWith('Basic '))).toBe(false)
  })

  it('credentials named for another host never reach this registry or its realm', async () => {
    fronts.reset()
    const mirror = openMirror(`oci://${fronts.front}/${repo}`, {
      registry: { ...FAST, env: { ...OURS, BINARY_CHECK_REGISTRY_HOST: 'elsewhere.example' } },
    })
    const e = await mirror.tryReadIndex().then(
      () => undefined,
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).oneLine()).toMatch(/token request to http:\/\/127\.0\.0\.1:\d+ failed/)
    expect(fronts.received.realm.length).toBeGreaterThan(0)
    expect(fronts.received.realm.every((r) => r.authorization === undefined)).toBe(true)
    expect(fronts.received.front.every((r) => r.authorization === undefined)).toBe(true)
  })

  it('an image on this registry, looked up with another mirror trusted, gets none of ours', async () => {
    fronts.reset()
    const env = {
      ...OURS,
      GITHUB_ACTOR: 'octo',
      GITHUB_TOKEN: 'ghs_secret',
      CI_REGISTRY: 'registry.gitlab.example',
      CI_REGISTRY_USER: 'ci',
      CI_REGISTRY_PASSWORD: 'glpat',
    }
    const e = await resolveImageDigest(`${fronts.front}/${repo}:binary-check-index`, {
      ...FAST,
      env,
      credentialsHost: 'mirror.example',
      cache: new Map(),
    }).then(
      () => undefined,
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(UserError)
    const everything = [...fronts.received.front, ...fronts.received.realm]
    expect(everything.length).toBeGreaterThan(0)
    expect(everything.every((r) => r.authorization === undefined)).toBe(true)
    // with this registry as the trusted mirror's host, the same lookup works
    fronts.reset()
    const digest = await resolveImageDigest(`${fronts.front}/${repo}:binary-check-index`, {
      ...FAST,
      env,
      credentialsHost: fronts.front,
      cache: new Map(),
    })
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(fronts.received.realm.every((r) => r.authorization === BASIC)).toBe(true)
  })
})
