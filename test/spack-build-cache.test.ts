/**
 * A real Spack build cache as the plan's reference (issue 9 §3). Everything here is what real
 * Spack wrote (../shared/corpus/spack): a file mirror (layout v3) and a docker-registry storage
 * holding an OCI build cache, both of the 81-node all-pythons lock (77 binaries; 4 externals).
 * The recipe repository is made of the recipes Spack put inside those very binaries
 * (`.spack/repos/…`, spack-packages 95a0c0514a), so: the 36 ubuntu24.04 binaries, built from
 * these recipes, are current; the 41 ubuntu22.04 ones were concretized from an older recipe
 * commit, and the 11 of their packages whose recipes changed since (imports, methods) rebuild
 * with their dependents. The file mirror is read from disk and over HTTP (a node:http server on
 * 127.0.0.1), the OCI cache from Debian's docker-registry started on that storage.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isUserError } from '../src/core/errors.js'
import type { Plan } from '../src/core/plan.js'
import { runPlan } from '../src/engine/plan-engine.js'
import { computeSpackHashes } from '../src/engine/spack-hashes.js'
import { dagHashOfNode, parseSpackJson } from '../src/ecosystems/spack/package-hash/dag-hash.js'
import { openMirror } from '../src/mirror/index.js'
import {
  hashOfTag,
  parseDatabase,
  parseManifest,
  stripClearSignature,
} from '../src/mirror/spack-cache/records.js'
import {
  openSpackBuildCache,
  type WantedSpec,
} from '../src/mirror/spack-cache/spack-build-cache.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { runCli } from './support/run-dist.js'
import { GITLAB_SCHEMA_PRESENT, gitlabSchemaErrors } from './support/gitlab-schema.js'
import YAML from 'yaml'

const exec = promisify(execFile)
const SPACK = fileURLToPath(new URL('../../shared/corpus/spack/', import.meta.url))
const LOCK = fileURLToPath(
  new URL('../../shared/corpus/lockfiles/all-pythons.spack.lock', import.meta.url),
)
const SHARED = existsSync(join(SPACK, 'buildcache-file-v3.tar.gz')) && existsSync(LOCK)
if (!SHARED) console.warn('Spack build cache tests skipped: ../shared/corpus/spack is absent')
const registrySkip = SHARED ? registrySkipReason() : 'needs ../shared'
if (SHARED && registrySkip) console.warn(`Spack OCI build cache tests skipped: ${registrySkip}`)

/** The 11 ubuntu22.04 packages whose recipe at 95a0c0514a differs from the one they were built from. */
const CHANGED_SINCE = [
  'berkeley-db',
  'bison',
  'compiler-wrapper',
  'curl',
  'gcc-runtime',
  'gdbm',
  'git',
  'krb5',
  'libxml2',
  'perl',
  'readline',
]

interface LockNodeJson {
  name: string
  version: string
  package_hash?: string
  external?: unknown
  arch?: { platform_os?: string }
}
type LockJson = { concrete_specs: Record<string, LockNodeJson> }

let work: string
let fileCache: string
let lock: LockJson
let wanted: WantedSpec[]
let repo: GitFixture

/** The sha256 of the install tarball named in each spec manifest of the file cache. */
async function installBlobs(root: string): Promise<string[]> {
  const out: string[] = []
  const specDir = join(root, 'v3/manifests/spec')
  for (const name of await readdir(specDir))
    for (const file of await readdir(join(specDir, name))) {
      const m = JSON.parse(await readFile(join(specDir, name, file), 'utf8')) as {
        data: { mediaType: string; checksum: string }[]
      }
      out.push(m.data.find((d) => d.mediaType.includes('install'))!.checksum)
    }
  return out
}

/** A git repository of the recipes Spack put inside the binaries, plus the lock and a config. */
async function recipeRepository(root: string, mirror: string): Promise<GitFixture> {
  const extracted = join(work, 'extracted')
  await mkdir(extracted, { recursive: true })
  for (const sum of await installBlobs(root))
    await exec('tar', [
      '-xzf',
      join(root, 'blobs/sha256', sum.slice(0, 2), sum),
      '-C',
      extracted,
      '--wildcards',
      '*/.spack/repos/*',
    ])
  const files: Record<string, string | Uint8Array> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name)
      if (e.isDirectory()) await walk(path)
      else {
        const rel = relative(extracted, path)
        const at = rel.indexOf('.spack/repos/')
        files[rel.slice(at + '.spack/'.length)] = await readFile(path)
      }
    }
  }
  await walk(extracted)
  files['spack.lock'] = await readFile(LOCK)
  files['.binary-check.yml'] =
    `ecosystem: spack\nrecipes: repos/spack_repo/builtin/packages\nlockfile: spack.lock\nmirror: ${mirror}\n`
  const fx = await createGitFixture(files)
  await fx.commit('recipes of spack-packages 95a0c0514a, as the build cache holds them')
  return fx
}

beforeAll(async () => {
  if (!SHARED) return
  work = await mkdtemp(join(tmpdir(), 'binary-check-spack-cache-'))
  fileCache = join(work, 'file-cache')
  await mkdir(fileCache)
  await exec('tar', ['-xzf', join(SPACK, 'buildcache-file-v3.tar.gz'), '-C', fileCache])
  lock = JSON.parse(await readFile(LOCK, 'utf8')) as LockJson
  // what the planner looks up: every node but the externals (Spack never pushes those)
  wanted = Object.entries(lock.concrete_specs)
    .filter(([, n]) => n.external === undefined)
    .map(([hash, n]) => ({ hash, name: n.name, version: n.version }))
  repo = await recipeRepository(fileCache, `spack+file://${fileCache}`)
}, 120_000)

afterAll(async () => {
  await repo?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

/** The lock's nodes Spack pushed (not externals). */
const built = (): string[] =>
  Object.entries(lock.concrete_specs)
    .filter(([, n]) => n.external === undefined)
    .map(([h]) => h)

/** A copy of the file cache, to break without touching the shared one. */
async function copyOfFileCache(name: string): Promise<string> {
  const dir = join(work, name)
  await cp(fileCache, dir, { recursive: true })
  return dir
}

function expectRealPlan(plan: Plan): void {
  expect(plan.reference).toBe('spack-cache')
  const stale = plan.specs.filter((s) => s.reasons.some((r) => r.kind === 'lock'))
  expect([...new Set(stale.map((s) => s.package))].sort()).toEqual(CHANGED_SINCE)
  for (const s of stale) {
    expect(s.status).toBe('rebuild')
    expect(s.os).toBe('ubuntu22.04')
    const reason = s.reasons.find((r) => r.kind === 'lock')!
    expect(reason).toMatchObject({ against: 'spack-cache' })
  }
  // every ubuntu24.04 binary was built from these recipes: current
  const current = plan.specs.filter((s) => s.os === 'ubuntu24.04' && s.status !== 'external')
  expect(current).toHaveLength(36)
  for (const s of current) expect(s.status).toBe('up-to-date')
  expect(plan.summary).toMatchObject({ specs: 81, new: 0, external: 4, rebuild: 40, upToDate: 37 })
  // each rebuilding spec is stale itself or depends on a stale one
  for (const s of plan.specs.filter((x) => x.status === 'rebuild'))
    expect(s.reasons.some((r) => r.kind === 'lock' || r.kind === 'dependency')).toBe(true)
  expect(plan.matrix.include).toHaveLength(40)
  // each build names the lock node (spack install /<spackHash>) and the hash its binary gets
  for (const m of plan.matrix.include) {
    expect(m.spackHash).toMatch(/^[a-z2-7]{32}$/)
    expect(m.spec.endsWith(`/${m.spackHash!.slice(0, 7)}`)).toBe(true)
    expect(m.newSpackHash).toMatch(/^[a-z2-7]{32}$/)
    expect(m.newSpackHash).not.toBe(m.spackHash)
  }
}

describe('Spack build cache records (pure)', () => {
  it('reads a clear-signed document, dash-escaping undone', () => {
    const signed = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA512',
      '',
      '{"a":',
      '- -1}',
      '-----BEGIN PGP SIGNATURE-----',
      'xyz',
      '-----END PGP SIGNATURE-----',
    ].join('\n')
    expect(JSON.parse(stripClearSignature(signed))).toEqual({ a: -1 })
    expect(stripClearSignature('{"b":2}')).toBe('{"b":2}')
  })

  it('takes the DAG hash from an OCI tag, and nothing from other tags', () => {
    expect(hashOfTag('zlib-ng-2.2.4-s3wkqtwmawsmviodwrzyibusphyfpua2.spack')).toBe(
      's3wkqtwmawsmviodwrzyibusphyfpua2',
    )
    expect(hashOfTag('index.spack')).toBeUndefined()
    expect(hashOfTag('zlib-ng-2.2.4-S3WKQTWMAWSMVIODWRZYIBUSPHYFPUA2.spack')).toBeUndefined()
  })

  it('leaves out index entries that are not in the build cache (externals)', () => {
    const db = {
      database: {
        version: '8',
        installs: {
          aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {
            spec: { name: 'zlib', version: '1.3', package_hash: 'x' },
            in_buildcache: true,
          },
          bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: { spec: { name: 'gcc' }, in_buildcache: false },
        },
      },
    }
    const specs = parseDatabase(Buffer.from(JSON.stringify(db)), 'index')
    expect([...specs.keys()]).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'])
    expect(specs.get('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({ packageHash: 'x' })
  })

  it('rejects a malformed manifest in one line that names it', () => {
    for (const bad of ['{', '{"version":3}', '{"data":[{"mediaType":"x","checksum":"zz"}]}']) {
      let caught: unknown
      try {
        parseManifest(Buffer.from(bad), 'cache/v3/manifests/index/index.manifest.json')
      } catch (e) {
        caught = e
      }
      expect(isUserError(caught)).toBe(true)
      expect((caught as Error).message).toMatch(
        /^cache\/v3\/manifests\/index\/index\.manifest\.json: /,
      )
      expect((caught as Error).message).not.toContain('\n')
    }
  })
})

describe.skipIf(!SHARED)('a real Spack file build cache (layout v3; needs ../shared)', () => {
  it('holds the lock’s 77 binaries, each with the package_hash the lock stored', async () => {
    const found = await openSpackBuildCache(`spack+file://${fileCache}`).lookUp(wanted)
    expect(found.indexed).toBe(77)
    expect(found.unindexed).toBe(0)
    expect([...found.specs.keys()].sort()).toEqual(built().sort())
    for (const [hash, s] of found.specs) {
      expect(s.packageHash).toBe(lock.concrete_specs[hash]!.package_hash)
      expect(s.name).toBe(lock.concrete_specs[hash]!.name)
    }
  })

  it('without an index, reads each spec file; a spec without one is missing', async () => {
    const dir = await copyOfFileCache('no-index')
    await unlink(join(dir, 'v3/manifests/index/index.manifest.json'))
    await unlink(
      join(
        dir,
        'v3/manifests/spec/zlib-ng/zlib-ng-2.2.4-s3wkqtwmawsmviodwrzyibusphyfpua2.spec.manifest.json',
      ),
    )
    const found = await openSpackBuildCache(`spack+${dir}`).lookUp(wanted)
    expect(found.indexed).toBeUndefined()
    expect(found.unindexed).toBe(76)
    expect(found.specs.has('s3wkqtwmawsmviodwrzyibusphyfpua2')).toBe(false)
    for (const [hash, s] of found.specs) {
      expect(s.from).toBe('spec-file')
      expect(s.packageHash).toBe(lock.concrete_specs[hash]!.package_hash)
    }
  })

  it('a corrupt index blob is one line naming the blob, never a wrong answer', async () => {
    const dir = await copyOfFileCache('corrupt')
    const manifest = JSON.parse(
      await readFile(join(dir, 'v3/manifests/index/index.manifest.json'), 'utf8'),
    ) as { data: { checksum: string }[] }
    const sum = manifest.data[0]!.checksum
    const blob = join(dir, 'blobs/sha256', sum.slice(0, 2), sum)
    const bytes = await readFile(blob)
    bytes[10] = bytes[10]! ^ 1
    await writeFile(blob, bytes)
    const error = await openSpackBuildCache(`spack+file://${dir}`)
      .lookUp(wanted)
      .catch((e: unknown) => e)
    expect(isUserError(error)).toBe(true)
    expect((error as Error).message).toContain(blob)
    expect((error as Error).message).toMatch(
      /blob is corrupt: sha256 [0-9a-f]{12}…, the manifest says/,
    )
  })

  it('plans the lock against it: ubuntu24.04 current, 11 changed recipes rebuild with their dependents', async () => {
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    expectRealPlan(plan)
  }, 60_000)

  it('a binary missing from the cache builds; its dependents, whose hashes it does not change, stay', async () => {
    const dir = await copyOfFileCache('missing')
    await unlink(join(dir, 'v3/manifests/index/index.manifest.json'))
    await unlink(
      join(
        dir,
        'v3/manifests/spec/zlib-ng/zlib-ng-2.2.4-xignxs6r42rcx3owpkjmr3zsrlohdxy6.spec.manifest.json',
      ),
    )
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD', mirror: `spack+file://${dir}` })
    const zlib = plan.specs.find((s) => s.id === 'zlib-ng@2.2.4/xignxs6')!
    expect(zlib.status).toBe('new')
    expect(zlib.reasons).toEqual([
      {
        kind: 'missing',
        detail: `DAG hash xignxs6r42rcx3owpkjmr3zsrlohdxy6 is not in the Spack build cache spack+file://${dir}`,
      },
    ])
    const python = plan.specs.find((s) => s.id === 'python@3.13.5/2myq44h')!
    expect(python.status).toBe('up-to-date')
    expect(plan.notes.join('\n')).toContain(
      'has no index (spack buildcache update-index has not run)',
    )
    expect(plan.summary).toMatchObject({ new: 1, rebuild: 40 })
  }, 60_000)

  it('a code change to a recipe makes its binaries stale, names the line, and rebuilds what links them', async () => {
    const path = 'repos/spack_repo/builtin/packages/zlib_ng/package.py'
    const text = await readFile(join(repo.dir, path), 'utf8')
    const edited = text.replace(/(\n {4}def [a-z_]+\(self[^\n]*\n)/, '$1        pass\n')
    expect(edited).not.toBe(text)
    await repo.write(path, edited)
    await repo.commit('zlib-ng: a code change')
    try {
      const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
      const zlib = plan.specs.filter((s) => s.package === 'zlib-ng')
      expect(zlib.map((s) => s.status)).toEqual(['rebuild', 'rebuild'])
      const reason = zlib[0]!.reasons.find((r) => r.kind === 'lock')
      expect(reason).toMatchObject({ kind: 'lock', against: 'spack-cache' })
      expect(reason && 'detail' in reason ? reason.detail : '').toMatch(
        /^code, line [0-9]+ of the canonical source: .* → .*pass.* \(the build cache's hash is the recipe's from 1 change\(s\) back\)$/,
      )
      const python = plan.specs.find((s) => s.id === 'python@3.13.5/2myq44h')!
      expect(python.status).toBe('rebuild')
      expect(python.reasons.some((r) => r.kind === 'dependency')).toBe(true)
      // the new DAG hash: the lock node with head's content hash, hashed as Spack hashes it
      // (the ubuntu24.04 node, whose dependencies keep their hashes)
      const { entries } = await computeSpackHashes({ repo: repo.dir, lockfile: 'spack.lock' })
      const own = zlib.filter((x) => x.os === 'ubuntu24.04')
      expect(own).toHaveLength(1)
      for (const z of own) {
        const content = entries.find((e) => e.lock_hash === z.spackHash)!.content_hash!
        expect(content).not.toBe(lock.concrete_specs[z.spackHash!]!.package_hash)
        const node = parseSpackJson(await readFile(LOCK, 'utf8')) as {
          concrete_specs: Record<string, Record<string, unknown>>
        }
        const edited = { ...node.concrete_specs[z.spackHash!]!, package_hash: content }
        expect(z.newSpackHash).toBe(dagHashOfNode(edited))
      }
    } finally {
      await repo.write(path, text)
      await repo.commit('zlib-ng: back')
    }
  }, 60_000)

  it('is read only: record and index say who writes a Spack build cache', () => {
    let caught: unknown
    try {
      openMirror(`spack+file://${fileCache}`)
    } catch (e) {
      caught = e
    }
    expect(isUserError(caught)).toBe(true)
    expect((caught as Error).message).toMatch(/spack buildcache push/)
  })

  it('needs a lockfile: a config without one is told so in one line', async () => {
    const fx = await createGitFixture({
      '.binary-check.yml': `ecosystem: spack\nrecipes: packages\nmirror: spack+file://${fileCache}\n`,
      'packages/zlib/package.py': 'class Zlib(Package):\n    pass\n',
    })
    try {
      await fx.commit('no lock')
      const error = await runPlan({ repo: fx.dir, head: 'HEAD' }).catch((e: unknown) => e)
      expect(isUserError(error)).toBe(true)
      expect((error as Error).message).toMatch(
        /is a Spack build cache, which is looked up by the DAG hashes of a lock: set ecosystem: spack and lockfile:/,
      )
    } finally {
      await fx.cleanup()
    }
  })
})

describe.skipIf(!SHARED)('a real Spack file build cache over HTTP (needs ../shared)', () => {
  let server: Server
  let base: string
  const requests: string[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      requests.push(url.pathname)
      if (!url.pathname.startsWith('/mirror/') || url.pathname.includes('..')) {
        res.writeHead(404).end()
        return
      }
      readFile(join(fileCache, decodeURIComponent(url.pathname.slice('/mirror/'.length)))).then(
        (bytes) => res.writeHead(200).end(bytes),
        () => res.writeHead(404).end(),
      )
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mirror`
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  it('reads the index over HTTP and plans like the file mirror', async () => {
    const found = await openSpackBuildCache(`spack+${base}`).lookUp(wanted)
    expect([...found.specs.keys()].sort()).toEqual(built().sort())
    // the index (manifest + blob): no spec file needed
    expect(requests.filter((p) => p.includes('/manifests/spec/'))).toEqual([])
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD', mirror: `spack+${base}/` })
    expectRealPlan(plan)
  }, 60_000)

  it('refuses plain HTTP to a host that is not loopback', () => {
    expect(() => openSpackBuildCache('spack+http://cache.example.org/x')).toThrow(
      /plain http:\/\/ is only for loopback hosts: use spack\+https:\/\//,
    )
  })
})

describe.skipIf(!SHARED || registrySkip !== undefined)(
  'a real Spack OCI build cache in docker-registry (needs ../shared, docker-registry)',
  () => {
    let registry: Registry
    beforeAll(async () => {
      const unpacked = join(work, 'oci')
      await mkdir(unpacked)
      await exec('tar', [
        '-xzf',
        join(SPACK, 'buildcache-oci-registry-storage.tar.gz'),
        '-C',
        unpacked,
      ])
      registry = await startRegistry({ seedStorage: join(unpacked, 'storage') })
    }, 60_000)
    afterAll(async () => registry?.stop())

    it('serves 78 tags; the index and tags give the lock’s 77 binaries and their package_hash', async () => {
      const tags = (await (await registry.request('/v2/spack-cache/tags/list')).json()) as {
        tags: string[]
      }
      expect(tags.tags).toHaveLength(78)
      for (const scheme of ['spack+oci', 'spack+oci+http']) {
        const found = await openSpackBuildCache(`${scheme}://${registry.host}/spack-cache`).lookUp(
          wanted,
        )
        expect(found.indexed).toBe(77)
        expect([...found.specs.keys()].sort()).toEqual(built().sort())
        for (const [hash, s] of found.specs)
          expect(s.packageHash).toBe(lock.concrete_specs[hash]!.package_hash)
      }
    })

    it('an image pushed but not yet indexed is read from its own config', async () => {
      // The index without zlib-ng/xignxs6, as if its push came after update-index.
      const manifest = (await (
        await registry.request('/v2/spack-cache/manifests/index.spack', {
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        })
      ).json()) as { layers: { digest: string; size: number; mediaType: string }[] }
      const layer = manifest.layers[0]!
      const db = (await (
        await registry.request(`/v2/spack-cache/blobs/${layer.digest}`)
      ).json()) as {
        database: { installs: Record<string, unknown> }
      }
      delete db.database.installs['xignxs6r42rcx3owpkjmr3zsrlohdxy6']
      const bytes = Buffer.from(JSON.stringify(db))
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
      const start = await registry.request('/v2/spack-cache/blobs/uploads/', { method: 'POST' })
      const location = new URL(start.headers.get('location')!, registry.url)
      location.searchParams.set('digest', digest)
      expect(
        (
          await registry.request(location.pathname + location.search, {
            method: 'PUT',
            body: bytes,
          })
        ).status,
      ).toBe(201)
      const edited = { ...manifest, layers: [{ ...layer, digest, size: bytes.length }] }
      const put = await registry.request('/v2/spack-cache/manifests/index.spack', {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: JSON.stringify(edited),
      })
      expect(put.status).toBe(201)
      const found = await openSpackBuildCache(`spack+oci://${registry.host}/spack-cache`).lookUp(
        wanted,
      )
      expect(found.indexed).toBe(76)
      expect(found.unindexed).toBe(1)
      expect(found.specs.get('xignxs6r42rcx3owpkjmr3zsrlohdxy6')).toMatchObject({
        from: 'spec-file',
        name: 'zlib-ng',
        packageHash: lock.concrete_specs['xignxs6r42rcx3owpkjmr3zsrlohdxy6']!.package_hash,
      })
    })

    it('the bundled dist/cli.js plans the lock against it, as a runner would run it', async () => {
      const result = await runCli([
        'plan',
        '--repo',
        repo.dir,
        '--head',
        'HEAD',
        '--mirror',
        `spack+oci://${registry.host}/spack-cache`,
        '--no-cache',
        '--format',
        'json',
      ])
      expect(result.stderr).not.toMatch(/Error|at .*\.js:/)
      expect(result.code).toBe(0)
      expectRealPlan(JSON.parse(result.stdout) as Plan)
    }, 60_000)

    it('the GitLab child pipeline builds and pushes with Spack: no record or index jobs', async () => {
      const script = join(work, 'build.sh')
      await writeFile(script, 'spack -e . install --no-add "/$BINARY_CHECK_SPACK_HASH"\n')
      const result = await runCli([
        'plan',
        '--repo',
        repo.dir,
        '--head',
        'HEAD',
        '--mirror',
        `spack+oci://${registry.host}/spack-cache`,
        '--no-cache',
        '--format',
        'gitlab',
        '--build-script',
        script,
      ])
      expect(result.stderr).not.toMatch(/Error|at .*\.js:/)
      expect(result.code).toBe(0)
      const config = YAML.parse(result.stdout) as Record<
        string,
        { variables?: Record<string, string> }
      >
      const jobs = Object.keys(config)
      expect(jobs.filter((j) => j.startsWith('record ') || j === 'index')).toEqual([])
      const builds = jobs.filter((j) => j.startsWith('build '))
      expect(builds).toHaveLength(40)
      for (const j of builds) {
        const v = config[j]!.variables!
        expect(v.BINARY_CHECK_SPACK_HASH).toMatch(/^[a-z2-7]{32}$/)
        expect(v.BINARY_CHECK_SPEC!.endsWith(`/${v.BINARY_CHECK_SPACK_HASH!.slice(0, 7)}`)).toBe(
          true,
        )
      }
      if (GITLAB_SCHEMA_PRESENT) expect(gitlabSchemaErrors(config)).toEqual([])
    }, 60_000)
  },
)
