/**
 * A throwaway OCI registry for tests: the CNCF distribution registry (Debian's `docker-registry`,
 * v2.8) started as a child process on 127.0.0.1 with filesystem storage in a temp dir, optionally
 * behind htpasswd (bcrypt, written with `htpasswd -Bbn`). `stop()` kills it and removes the dir.
 *
 *   const registry = await startRegistry({ auth: 'htpasswd', users: { ci: 'secret' } })
 *   registry.host  // 127.0.0.1:PORT
 *   registry.url   // http://127.0.0.1:PORT
 *
 * Availability: `registrySkipReason()` is a message saying what is missing (skip the suite with
 * it) when the binaries are absent and `CI` is unset; with `CI` set, absent binaries throw instead
 * (.ci/run installs them: docker-registry, skopeo, apache2-utils).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import { cp, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { scaled } from './load.js'

const exec = promisify(execFile)

export interface RegistryOptions {
  /** `none` (default): anonymous pull and push; `htpasswd`: HTTP basic auth for everything. */
  auth?: 'none' | 'htpasswd'
  /** Users for `htpasswd` (default `{ ci: 'ci-password' }`). */
  users?: Record<string, string>
  /** A registry storage root to start from (copied, so the original is never written). */
  seedStorage?: string
}

export interface Registry {
  /** `127.0.0.1:PORT`: what goes after `oci://` and `docker://`. */
  readonly host: string
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  /** The registry's storage root (filesystem driver), for tests that look underneath. */
  readonly storageDir: string
  /** The htpasswd users (empty without auth). */
  readonly users: Readonly<Record<string, string>>
  /**
   * An HTTP request straight to the registry (not through any proxy): `path` is `/v2/…`;
   * with auth, the first user's basic credentials are sent.
   */
  request(path: string, init?: RequestInit): Promise<Response>
  stop(): Promise<void>
}

export const REGISTRY_BINARY = 'docker-registry'
const HTPASSWD_BINARY = 'htpasswd'
const SKOPEO_BINARY = 'skopeo'

/** Absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * Why the registry tests cannot run here (a message for `describe.skipIf`), or undefined when
 * they can: `docker-registry` always, plus `alsoNeeds` (`htpasswd` for `auth: 'htpasswd'`,
 * `skopeo`). With `CI` set a missing tool is an error, not a skip: CI must run these tests.
 */
export function registrySkipReason(
  alsoNeeds: readonly ('htpasswd' | 'skopeo')[] = [],
): string | undefined {
  const tools = [REGISTRY_BINARY, ...alsoNeeds]
  const missing = tools.filter((t) => findExecutable(t) === undefined)
  if (missing.length === 0) return undefined
  const packages = missing.map((t) =>
    t === HTPASSWD_BINARY ? 'apache2-utils' : t === SKOPEO_BINARY ? 'skopeo' : t,
  )
  const what = `${missing.join(', ')} on PATH (apt-get install ${packages.join(' ')})`
  if (process.env.CI)
    throw new Error(`CI is set, but the registry tests cannot run without ${what}`)
  return `needs ${what}`
}

/** A free TCP port on 127.0.0.1 (bound and released; the caller retries if someone takes it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? done(port) : fail(new Error('no port assigned'))))
    })
  })
}

const START_ATTEMPTS = 5
/** How long a start may take before it counts as failed (longer on a busy machine). */
const READY_TIMEOUT_MS = scaled(15_000)

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const binary = findExecutable(REGISTRY_BINARY)
  if (binary === undefined) throw new Error(`${REGISTRY_BINARY} is not on PATH`)
  const auth = options.auth ?? 'none'
  const users = auth === 'htpasswd' ? (options.users ?? { ci: 'ci-password' }) : {}
  if (auth === 'htpasswd' && Object.keys(users).length === 0)
    throw new Error('startRegistry: htpasswd auth needs at least one user')

  const dir = await realpath(await mkdtemp(join(tmpdir(), 'binary-check-registry-')))
  const storageDir = join(dir, 'storage')
  try {
    if (options.seedStorage !== undefined)
      await cp(options.seedStorage, storageDir, { recursive: true })
    let htpasswdFile: string | undefined
    if (auth === 'htpasswd') {
      htpasswdFile = join(dir, 'htpasswd')
      const lines: string[] = []
      for (const [user, password] of Object.entries(users)) {
        // -B bcrypt (the only scheme distribution accepts), -b password from argv, -n to stdout
        const { stdout } = await exec(HTPASSWD_BINARY, ['-Bbn', user, password])
        lines.push(stdout.trim())
      }
      await writeFile(htpasswdFile, `${lines.join('\n')}\n`)
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const config = join(dir, 'config.yml')
      await writeFile(config, registryConfig(storageDir, port, htpasswdFile))
      const started = await launch(binary, config, port)
      if ('child' in started) {
        const host = `127.0.0.1:${port}`
        const url = `http://${host}`
        const [firstUser, firstPassword] = Object.entries(users)[0] ?? []
        const authorization =
          firstUser === undefined
            ? undefined
            : `Basic ${Buffer.from(`${firstUser}:${firstPassword}`).toString('base64')}`
        let stopped: Promise<void> | undefined
        // If the test process dies without stop(), take the registry with it.
        const onExit = () => started.child.kill('SIGKILL')
        process.once('exit', onExit)
        return {
          host,
          url,
          storageDir,
          users,
          request(path, init = {}) {
            const headers = new Headers(init.headers)
            if (authorization !== undefined && !headers.has('authorization'))
              headers.set('authorization', authorization)
            return fetch(`${url}${path}`, { ...init, headers })
          },
          stop() {
            process.off('exit', onExit)
            stopped ??= terminate(started.child).then(() =>
              rm(dir, { recursive: true, force: true }),
            )
            return stopped
          },
        }
      }
      if (!started.addressInUse || attempt >= START_ATTEMPTS)
        throw new Error(`${REGISTRY_BINARY} did not start: ${started.error}`)
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/** distribution's config (v0.1 format): filesystem storage, delete on, quiet, no redis. */
function registryConfig(storageDir: string, port: number, htpasswdFile?: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ]
  if (htpasswdFile !== undefined)
    lines.push(
      'auth:',
      '  htpasswd:',
      '    realm: binary-check-test',
      `    path: ${JSON.stringify(htpasswdFile)}`,
    )
  return `${lines.join('\n')}\n`
}

type Launch = { child: ChildProcess } | { error: string; addressInUse: boolean }

/** Start the registry and wait until `GET /v2/` answers 200 or 401. */
async function launch(binary: string, config: string, port: number): Promise<Launch> {
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString()
  })
  let exited: string | undefined
  child.on('exit', (code, signal) => (exited = `exited ${signal ?? code}`))
  child.on('error', (error) => (exited = error.message))

  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const error = `${exited}: ${stderr.trim()}`
      return { error, addressInUse: /address already in use/i.test(stderr) }
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`, {
        signal: AbortSignal.timeout(1000),
      })
      await response.arrayBuffer()
      if (response.status === 200 || response.status === 401) return { child }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  await terminate(child)
  return {
    error: `no answer on port ${port} within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`,
    addressInUse: false,
  }
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process is gone. */
function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(timer)
      done()
    })
    child.kill('SIGTERM')
  })
}

// ---- Looking at a repository directly (no binary-check code in between) ----

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

export interface DirectDescriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface DirectManifest {
  /** `sha256:` of the manifest bytes as served. */
  digest: string
  bytes: Buffer
  config: DirectDescriptor
  layers: DirectDescriptor[]
  annotations: Record<string, string>
}

/** Every tag of `repository`, all pages (`?n=` + `Link: rel="next"`), straight from the registry. */
export async function listTagsDirect(
  registry: Registry,
  repository: string,
  pageSize = 1000,
): Promise<string[]> {
  const tags: string[] = []
  let path: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`
  while (path !== undefined) {
    const response = await registry.request(path)
    if (response.status === 404) {
      await response.arrayBuffer()
      return tags
    }
    if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`)
    const body = (await response.json()) as { tags?: string[] | null }
    tags.push(...(body.tags ?? []))
    const next = /<([^>]+)>;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1]
    if (next === undefined) path = undefined
    else {
      const url = new URL(next, registry.url)
      path = `${url.pathname}${url.search}`
    }
  }
  return tags.sort()
}

/** GET a manifest by tag or digest, straight from the registry; undefined on 404. */
export async function readManifestDirect(
  registry: Registry,
  repository: string,
  reference: string,
): Promise<DirectManifest | undefined> {
  const response = await registry.request(`/v2/${repository}/manifests/${reference}`, {
    headers: { accept: OCI_MANIFEST },
  })
  if (response.status === 404) {
    await response.arrayBuffer()
    return undefined
  }
  if (response.status !== 200) throw new Error(`GET manifest ${reference}: HTTP ${response.status}`)
  const bytes = Buffer.from(await response.arrayBuffer())
  const value = JSON.parse(bytes.toString('utf8')) as Omit<DirectManifest, 'digest' | 'bytes'>
  return {
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    bytes,
    config: value.config,
    layers: value.layers,
    annotations: value.annotations ?? {},
  }
}

/** HEAD a blob straight at the registry: its size, or undefined when it is not there. */
export async function headBlobDirect(
  registry: Registry,
  repository: string,
  digest: string,
): Promise<number | undefined> {
  const response = await registry.request(`/v2/${repository}/blobs/${digest}`, { method: 'HEAD' })
  if (response.status === 404) return undefined
  if (response.status !== 200) throw new Error(`HEAD blob ${digest}: HTTP ${response.status}`)
  return Number(response.headers.get('content-length'))
}

/** GET a blob straight from the registry (not verified: the caller compares). */
export async function readBlobDirect(
  registry: Registry,
  repository: string,
  digest: string,
): Promise<Buffer> {
  const response = await registry.request(`/v2/${repository}/blobs/${digest}`)
  if (response.status !== 200) throw new Error(`GET blob ${digest}: HTTP ${response.status}`)
  return Buffer.from(await response.arrayBuffer())
}

/**
 * The invariant "no tag references a missing blob": for every tag of `repository` (or those
 * `select` keeps), its manifest's config and every layer are present with their sizes. Returns
 * the manifests by tag and the list of problems (empty when the invariant holds).
 */
export async function checkTagsComplete(
  registry: Registry,
  repository: string,
  select: (tag: string) => boolean = () => true,
): Promise<{ manifests: Map<string, DirectManifest>; problems: string[] }> {
  const manifests = new Map<string, DirectManifest>()
  const problems: string[] = []
  for (const tag of (await listTagsDirect(registry, repository)).filter(select)) {
    const manifest = await readManifestDirect(registry, repository, tag)
    if (manifest === undefined) {
      problems.push(`${tag}: listed, but its manifest is gone`)
      continue
    }
    manifests.set(tag, manifest)
    for (const [role, d] of [
      ['config', manifest.config] as const,
      ...manifest.layers.map((l, i) => [`layer ${i}`, l] as const),
    ]) {
      const size = await headBlobDirect(registry, repository, d.digest)
      if (size === undefined) problems.push(`${tag}: ${role} ${d.digest} is missing`)
      else if (size !== d.size)
        problems.push(`${tag}: ${role} ${d.digest} has ${size} bytes, not ${d.size}`)
    }
  }
  return { manifests, problems }
}

/**
 * The bytes of the single layer of the manifest tagged `tag` (the mirror's `index.json` under
 * `binary-check-index`), checked against the layer's digest; undefined when there is no such tag.
 */
export async function readLayerDirect(
  registry: Registry,
  repository: string,
  tag: string,
): Promise<Buffer | undefined> {
  const manifest = await readManifestDirect(registry, repository, tag)
  if (manifest === undefined) return undefined
  if (manifest.layers.length !== 1) throw new Error(`${tag}: ${manifest.layers.length} layers`)
  const layer = manifest.layers[0]!
  const bytes = await readBlobDirect(registry, repository, layer.digest)
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  if (actual !== layer.digest) throw new Error(`${tag}: layer ${layer.digest} has digest ${actual}`)
  return bytes
}
