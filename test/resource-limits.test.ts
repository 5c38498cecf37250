/**
 * Resource bombs end in a bounded, one-line error (or the documented warning), and quickly
 * (issue 10 §3; the limits are README's "Hostile names and contents, and how much is read"):
 * a `spack.lock.gz` that inflates to 4 GiB, a 50 MB recipe, an expression nested 100,000 deep, a
 * `graph.json` of a million nodes, a 300 MiB `index.json` and a 100 MB entry (file mirror), an
 * oversized entry blob, manifest and index blob (`oci://`), and symbolic links out of the
 * repository, committed or in the working tree. Bombs are made lazily: the gzip is one small
 * member repeated, the mirror files are sparse.
 *
 * Runs the bundled CLI (dist/cli.js): `npm run -s build` first (as `npm test` does).
 */
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { isUserError } from '../src/core/errors.js'
import { openMirror, type OciMirror } from '../src/mirror/index.js'
import { MEDIA_TYPES, parseManifest } from '../src/mirror/oci/manifests.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { runCli, type RunResult } from './support/run-dist.js'

const PKG = 'repos/spack_repo/t/packages'
const CONFIG = `ecosystem: spack\nrecipes: ${PKG}\n`
const NO_BASE = 'binary-check: warning: no base commit given: comparing against the mirror only'
/** What "quickly" means here, on a loaded two-core CI machine. */
const QUICK_MS = 30_000

const RECIPE = (extra = '', version = '1.0') => `from spack.package import *


class Zlib(Package):
    version("${version}", sha256="aaaa")

    def install(self, spec, prefix):
        make("install")
${extra}`

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'binary-check-limits-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

/** The CLI's stderr lines, without Node's notices and the no-base warning. */
function lines(r: RunResult): string[] {
  return r.stderr
    .split('\n')
    .filter((l) => l !== '' && l !== NO_BASE && !l.startsWith('(node:') && !l.startsWith('(Use'))
}

async function timed(run: () => Promise<RunResult>): Promise<RunResult> {
  const start = performance.now()
  const r = await run()
  expect(performance.now() - start).toBeLessThan(QUICK_MS)
  return r
}

/** Exit 1, one line `binary-check: <match>`. */
function expectOneLine(r: RunResult, match: RegExp): void {
  expect(r.code, r.stderr.slice(0, 2000)).toBe(1)
  expect(lines(r)).toHaveLength(1)
  expect(lines(r)[0]).toMatch(/^binary-check: /)
  expect(lines(r)[0]).toMatch(match)
  expect(lines(r)[0]!.length).toBeLessThan(600)
}

/** Exit 0, and exactly these warnings. */
function expectWarned(r: RunResult, match: RegExp): void {
  expect(r.code, r.stderr.slice(0, 2000)).toBe(0)
  expect(lines(r)).toHaveLength(1)
  expect(lines(r)[0]).toMatch(/^binary-check: warning: /)
  expect(lines(r)[0]).toMatch(match)
  expect(lines(r)[0]!.length).toBeLessThan(600)
}

async function spackRepo(files: Record<string, string | Uint8Array> = {}): Promise<GitFixture> {
  return createGitFixture({
    '.binary-check.yml': CONFIG,
    [`${PKG}/zlib/package.py`]: RECIPE(),
    ...files,
  })
}

const plan = (fx: GitFixture, ...extra: string[]) =>
  timed(() => runCli(['plan', '--repo', fx.dir, '--no-cache', '--format', 'json', ...extra]))

describe('a spack.lock.gz that inflates to 4 GiB', () => {
  // One gzip member of 16 MiB of zeros (~16 KB), 256 times: a 4 MB file of 4 GiB.
  const member = gzipSync(Buffer.alloc(16 * 2 ** 20))
  const bomb = Buffer.concat(Array.from({ length: 256 }, () => member))
  let fx: GitFixture
  beforeAll(async () => {
    fx = await spackRepo({
      '.binary-check.yml': `${CONFIG}lockfile: spack.lock.gz\n`,
      'spack.lock.gz': bomb,
    })
  })
  afterAll(async () => fx?.cleanup())

  it('is refused by plan after 128 MiB, in one line', async () => {
    expect(bomb.length).toBeLessThan(8 * 2 ** 20)
    expectOneLine(
      await plan(fx),
      /^binary-check: spack\.lock\.gz: inflates to more than the 128 MiB binary-check reads$/,
    )
  })

  it('and by spack-hash --lockfile', async () => {
    const r = await timed(() =>
      runCli(['spack-hash', '--repo', fx.dir, '--lockfile', 'spack.lock.gz']),
    )
    expectOneLine(r, /^binary-check: spack\.lock\.gz: inflates to more than the 128 MiB/)
  })
})

describe('a 50 MB recipe', () => {
  let fx: GitFixture
  let base: string
  let head: string
  beforeAll(async () => {
    fx = await spackRepo()
    base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(`${PKG}/zlib/package.py`, RECIPE(`# ${'x'.repeat(50_000_000)}\n`))
    head = await fx.commit('50 MB')
    // The working tree's copy is not needed any more (git holds it, compressed).
    await fx.write(`${PKG}/zlib/package.py`, RECIPE())
  })
  afterAll(async () => fx?.cleanup())

  it('changed by the range: one line naming the file and the limit', async () => {
    expectOneLine(
      await plan(fx, '--base', base, '--head', head),
      /^binary-check: repos\/spack_repo\/t\/packages\/zlib\/package\.py: is 47\.7 MiB, more than the 4 MiB of Python binary-check parses$/,
    )
  })

  it('unchanged (a first plan): unreadable, digested from its raw text, with a warning', async () => {
    const r = await plan(fx, '--head', head)
    expectWarned(r, /zlib\/package\.py: is 47\.7 MiB, more than the 4 MiB .*: unreadable/)
    const out = JSON.parse(r.stdout)
    expect(out.specs.map((s: { id: string }) => s.id)).toEqual(['zlib@none'])
  })
})

describe('an expression nested 100,000 deep', () => {
  const N = 100_000
  const kinds: Record<string, (n: number) => string> = {
    parentheses: (n) => `${'('.repeat(n)}1${')'.repeat(n)}`,
    lists: (n) => `${'['.repeat(n)}${']'.repeat(n)}`,
    'unary minus': (n) => `${'-'.repeat(n)}1`,
    'not not …': (n) => `${'not '.repeat(n)}x`,
    'a + a + …': (n) => Array.from({ length: n }, () => 'a').join(' + '),
    'attribute chain': (n) => `a${'.b'.repeat(n)}`,
    calls: (n) => `f${'()'.repeat(n)}`,
  }
  const deep = (expr: string) => RECIPE(`\n    def helper(self):\n        return ${expr}\n`)

  it.each(Object.keys(kinds))(
    '%s (100,000 and 2,500 deep: no stack overflow), changed: one line',
    async (kind) => {
      for (const n of [N, 2_500]) {
        const fx = await spackRepo()
        try {
          const base = (await fx.git('rev-parse', 'HEAD')).trim()
          await fx.write(`${PKG}/zlib/package.py`, deep(kinds[kind]!(n)))
          const head = await fx.commit('deep')
          expectOneLine(
            await plan(fx, '--base', base, '--head', head),
            /^binary-check: repos\/spack_repo\/t\/packages\/zlib\/package\.py:\d+: nested too deep: more than 500 levels of expressions and blocks$/,
          )
          // What Spack's hash reader does with it: a warning, no package_hash, exit 0.
          const hashed = await timed(() => runCli(['spack-hash', '--repo', fx.dir]))
          expectWarned(
            hashed,
            /zlib\/package\.py:\d+: nested too deep: .*\(no package_hash for zlib\)$/,
          )
        } finally {
          await fx.cleanup()
        }
      }
    },
  )

  it('unchanged: unreadable with a warning, and the plan goes on', async () => {
    const fx = await spackRepo({ [`${PKG}/zlib/package.py`]: deep(kinds.parentheses!(N)) })
    try {
      const r = await plan(fx)
      expectWarned(
        r,
        /zlib\/package\.py:\d+: nested too deep: .*: unreadable, digested from its raw text/,
      )
    } finally {
      await fx.cleanup()
    }
  })

  it('499 levels still parse', async () => {
    const fx = await spackRepo({
      [`${PKG}/zlib/package.py`]: deep(kinds.parentheses!(480)),
    })
    try {
      const r = await plan(fx)
      expect(r.code, r.stderr).toBe(0)
      expect(lines(r)).toEqual([])
    } finally {
      await fx.cleanup()
    }
  })
})

describe('a graph.json of a million nodes', () => {
  it('is refused in one line, before anything is planned', async () => {
    const nodes = [
      '"":{"download_url":"","pre_built":false,"version":"0","canonicalized_name":"","edges":[]}',
    ]
    for (let i = 0; i < 1_000_000; i++)
      nodes.push(`"p${i}==1.0":{"version":"1.0","canonicalized_name":"p${i}","edges":[]}`)
    const fx = await createGitFixture({
      '.binary-check.yml': 'ecosystem: fromager\n',
      'graph.json': `{${nodes.join(',')}}`,
    })
    try {
      expectOneLine(
        await plan(fx),
        /^binary-check: graph\.json: has 1000001 nodes, more than the 100000 binary-check plans$/,
      )
    } finally {
      await fx.cleanup()
    }
  })
})

/** A sparse file of `size` bytes (nothing written). */
async function sparse(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w')
  try {
    await handle.truncate(size)
  } finally {
    await handle.close()
  }
}

describe('a file mirror with a 300 MiB index and a 100 MB entry', () => {
  let fx: GitFixture
  let dir: string
  beforeAll(async () => {
    fx = await spackRepo()
    dir = await mkdtemp(join(scratch, 'mirror-'))
  })
  afterAll(async () => fx?.cleanup())

  it('the index: one line, nothing read', async () => {
    await sparse(join(dir, 'index.json'), 300 * 2 ** 20)
    expectOneLine(
      await plan(fx, '--mirror', `file://${dir}`),
      /index\.json: index is 300 MiB, more than the 256 MiB binary-check reads for an index; run `binary-check index` to rebuild it from entries$/,
    )
  })

  it('an entry: skipped with a warning when the index is rebuilt', async () => {
    await mkdir(join(dir, 'entries'), { recursive: true })
    await sparse(join(dir, 'entries', 'zlib@1.0-0123456789ab.json'), 100 * 2 ** 20)
    const r = await timed(() => runCli(['index', '--mirror', `file://${dir}`]))
    expect(r.code, r.stderr).toBe(0)
    expect(lines(r)).toEqual([
      `binary-check: warning: ${join(dir, 'entries', 'zlib@1.0-0123456789ab.json')}: skipped: is 100 MiB, more than the 1 MiB binary-check reads for an entry`,
    ])
    // The rebuilt index replaced the sparse one: plans read it again.
    const planned = await plan(fx, '--mirror', `file://${dir}`)
    expect(planned.code, planned.stderr).toBe(0)
  })
})

const registrySkip = registrySkipReason()
if (registrySkip) console.warn(`oci:// limit tests skipped: ${registrySkip}`)

describe.skipIf(registrySkip)('an oci:// mirror with oversized blobs and manifests', () => {
  let registry: Registry
  let work: string
  let count = 0
  beforeAll(async () => {
    registry = await startRegistry()
    work = await mkdtemp(join(scratch, 'oci-'))
  })
  afterAll(async () => registry?.stop())

  /** A fresh mirror holding one recorded spec (and its index); its tag and manifest. */
  async function recorded(warnings: string[]) {
    const mirror = openMirror(`oci://${registry.host}/limits/m${++count}`, {
      registry: { claimSettleMs: 20, backoffBaseMs: 10 },
      onWarning: (m) => warnings.push(m),
    }) as OciMirror
    const artifactPath = join(work, `a${count}`)
    await writeFile(artifactPath, 'binary')
    const entry = await mirror.record({
      entry: { spec: 'zlib@1.0', package: 'zlib', version: '1.0', digest: digestText(`d${count}`) },
      artifactPath,
      now: new Date(Date.UTC(2024, 0, 1)),
    })
    const tag = (await mirror.client.listTags()).find((t) => t.startsWith('zlib-1.0-'))!
    const fetched = await mirror.client.tryGetManifest(tag, [MEDIA_TYPES.manifest])
    const manifest = JSON.parse(fetched!.bytes.toString('utf8'))
    return { mirror, entry, tag, manifest }
  }

  it('an entry blob over 1 MiB: skipped with a warning, never downloaded', async () => {
    const warnings: string[] = []
    const { mirror, tag, manifest } = await recorded(warnings)
    const big = await mirror.client.pushBlob({
      bytes: Buffer.alloc(2 * 2 ** 20, 0x20),
      mediaType: MEDIA_TYPES.entry,
    })
    manifest.config = { ...manifest.config, digest: big.digest, size: big.size }
    await mirror.client.putManifest(
      tag,
      Buffer.from(JSON.stringify(manifest)),
      MEDIA_TYPES.manifest,
    )
    const index = await mirror.readEntries()
    expect(Object.keys(index.entries)).toEqual([])
    expect(warnings).toEqual([
      `${registry.host}/limits/m${count}:${tag}: skipped: entry is 2 MiB, more than the 1 MiB binary-check reads for an entry`,
    ])
  })

  it('a manifest over 4 MiB: the registry refuses it; one served anyway is not parsed', async () => {
    const { mirror, tag, manifest } = await recorded([])
    manifest.annotations = { ...manifest.annotations, padding: 'x'.repeat(5 * 2 ** 20) }
    const bytes = Buffer.from(JSON.stringify(manifest))
    // The distribution registry holds manifests to 4 MiB itself …
    const pushed = await mirror.client
      .putManifest(tag, bytes, MEDIA_TYPES.manifest)
      .catch((e: unknown) => e)
    expect(isUserError(pushed) && pushed.oneLine()).toMatch(/HTTP 400 MANIFEST_INVALID/)
    // … and what another registry serves is refused before JSON.parse (a skipped spec tag).
    expect(parseManifest(bytes)).toEqual({
      error: 'manifest is 5 MiB, more than the 4 MiB binary-check reads for a manifest',
    })
  })

  it('an index blob said to be 300 MiB: refused in one line, never downloaded', async () => {
    const { mirror } = await recorded([])
    await mirror.writeIndex()
    const fetched = await mirror.client.tryGetManifest('binary-check-index', [MEDIA_TYPES.manifest])
    const manifest = JSON.parse(fetched!.bytes.toString('utf8'))
    manifest.layers[0].size = 300 * 2 ** 20
    await mirror.client.putManifest(
      'binary-check-index',
      Buffer.from(JSON.stringify(manifest)),
      MEDIA_TYPES.manifest,
    )
    const start = performance.now()
    const error = await mirror.tryReadIndex().catch((e: unknown) => e)
    expect(performance.now() - start).toBeLessThan(QUICK_MS)
    expect(isUserError(error)).toBe(true)
    expect((error as Error & { oneLine(): string }).oneLine()).toMatch(
      /:binary-check-index: index is corrupt: the index blob is 300 MiB, more than the 256 MiB binary-check reads for an index; run `binary-check index` to rebuild it from entries$/,
    )
  })
})

describe('symbolic links out of the repository are never followed', () => {
  let outside: string
  beforeAll(async () => {
    // A valid recipe of version 6.6.6 outside the repository: seen only if a link were followed.
    outside = await mkdtemp(join(scratch, 'outside-'))
    await mkdir(join(outside, 'evil'))
    await writeFile(join(outside, 'package.py'), RECIPE('', '6.6.6').replace('Zlib', 'Evil'))
    await writeFile(
      join(outside, 'evil', 'package.py'),
      RECIPE('', '6.6.6').replace('Zlib', 'Evil'),
    )
    await writeFile(join(outside, 'config.yml'), 'ecosystem: spack\nrecipes: /\n')
  })

  async function linked(fx: GitFixture): Promise<void> {
    await mkdir(join(fx.dir, PKG, 'evil'), { recursive: true })
    await symlink(join(outside, 'package.py'), join(fx.dir, PKG, 'evil', 'package.py'))
    await symlink(join(outside, 'evil'), join(fx.dir, PKG, 'evildir'))
  }

  it('in a commit: the linked recipe is unreadable (its text is the link), the linked folder no package', async () => {
    const fx = await spackRepo()
    try {
      await linked(fx)
      await fx.commit('links')
      const r = await plan(fx)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout + r.stderr).not.toContain('6.6.6')
      const out = JSON.parse(r.stdout)
      expect(out.specs.map((s: { id: string }) => s.id).sort()).toEqual(['evil@none', 'zlib@1.0'])
      expect(out.unreadable.map((u: { path: string }) => u.path)).toEqual([
        `${PKG}/evil/package.py`,
      ])
    } finally {
      await fx.cleanup()
    }
  })

  it('in the working tree (--head WORKTREE): the same, and a change, so an error', async () => {
    const fx = await spackRepo()
    try {
      await linked(fx)
      const r = await plan(fx, '--head', 'WORKTREE')
      expect(r.stdout + r.stderr).not.toContain('6.6.6')
      expectOneLine(
        r,
        /^binary-check: repos\/spack_repo\/t\/packages\/evil\/package\.py:1: Python syntax error: /,
      )
    } finally {
      await fx.cleanup()
    }
  })

  it('a linked .binary-check.yml in the working tree is refused', async () => {
    const fx = await spackRepo()
    try {
      await rm(join(fx.dir, '.binary-check.yml'))
      await symlink(join(outside, 'config.yml'), join(fx.dir, '.binary-check.yml'))
      expectOneLine(
        await plan(fx, '--head', 'WORKTREE'),
        /^binary-check: \.binary-check\.yml: is a symbolic link in the working tree; binary-check does not follow links/,
      )
    } finally {
      await fx.cleanup()
    }
  })
})

describe('a registry answer larger than any manifest, entry or index', () => {
  it('is cut off at 512 MiB, in one line, whatever the registry says it is', async () => {
    const { createServer } = await import('node:http')
    let sent = 0
    const server = createServer((req, res) => {
      if (/\/manifests\//.test(req.url ?? '')) {
        // no Content-Length: a stream that never ends, cut by the reader
        res.writeHead(200, { 'content-type': MEDIA_TYPES.manifest })
        const chunk = Buffer.alloc(4 * 2 ** 20, 32)
        const pump = () => {
          while (sent < 700 * 2 ** 20 && res.write(chunk)) sent += chunk.length
          if (sent < 700 * 2 ** 20) res.once('drain', pump)
          else res.end()
        }
        res.on('close', () => (sent = Infinity))
        return pump()
      }
      res.writeHead(404)
      res.end()
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const port = (server.address() as { port: number }).port
    try {
      const mirror = openMirror(`oci://127.0.0.1:${port}/huge`, {
        registry: { env: {}, maxAttempts: 1 },
      })
      const e = await mirror.tryReadIndex().then(
        () => undefined,
        (x: unknown) => x,
      )
      expect(isUserError(e)).toBe(true)
      expect((e as Error).message).toBe(
        `127.0.0.1:${port}/huge: read of manifest binary-check-index failed (the answer is larger than 512 MiB)`,
      )
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
