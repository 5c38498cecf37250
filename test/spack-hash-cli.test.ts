/**
 * `binary-check spack-hash` run as users run it (the bundled dist/cli.js on a real git
 * repository): Spack's package_hash and content_hash per package at its default spec, for given
 * specs, from a specs file, and for the nodes of a spack.lock; formatting and docstrings never
 * change a hash, code does; bad input is one line. The expected canonical texts below are what
 * Spack's own unparser writes for the fixture recipe (checked with it when the test was written).
 * With ../shared: the CLI agrees with the ground truth real Spack made for the corpus head.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { PROJECT_ROOT, runCli } from './support/run-dist.js'
import { BS, GENERIC, PKG } from './support/spack-fixture.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

const FOO = `# Copyright header
from spack_repo.t.build_systems.generic import Package

from spack.package import *


class Foo(Package):
    """A package."""

    homepage = "https://example.org"
    url = "https://example.org/foo-2.0.tar.gz"

    version("2.0", sha256="${A}")
    version("1.0", sha256="${B}")

    variant("mpi", default=True, description="MPI")
    depends_on("mpi", when="+mpi")

    flags = {"a": 1e16, "b": (1,)}

    @when("@2:")
    def install(self, spec, prefix):
        """Version 2."""
        make("v2", f"--jobs={spec['x'].prefix!r:>4}")

    @when("@:1")
    def install(self, spec, prefix):
        make("v1")

    @property
    def libs(self):
        return -(2 ** self.n) if not self.a and self.b else lambda x: (yield x)
`

/** The same recipe reformatted, comments and docstrings changed: the same canonical source. */
const FOO_REFORMATTED = FOO.replace('"""A package."""', "'''Another text.'''  # a comment")
  .replace('make("v1")', "make(\n            'v1',\n        )")
  .replace('{"a": 1e16, "b": (1,)}', "{'a': 10_000_000_000_000_000.0, 'b': (1, )}")

const canonical = (install: string): string =>
  `from spack_repo.t.build_systems.generic import Package
from spack.package import *

class Foo(Package):
    flags = {'a': 1e+16, 'b': (1,)}

    def install(self, spec, prefix):
        ${install}

    @property
    def libs(self):
        return -2 ** self.n if not self.a and self.b else lambda x: (yield x)
`
const V2 = canonical(`make('v2', f"--jobs={spec['x'].prefix!r:>4}")`)
const V1 = canonical(`make('v1')`)

/** RFC 4648 base32, lower case, padded: written here again so the test does not trust the code. */
function b32(bytes: Buffer): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  let out = ''
  for (let i = 0; i < bits.length; i += 5)
    out += abc[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)]
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=')
}
const sha1b32 = (text: string): string => b32(createHash('sha1').update(text).digest())
const contentHash = (parts: string[]): string =>
  b32(
    createHash('sha256')
      .update([...parts].sort().join(''))
      .digest(),
  )

interface Entry {
  package: string
  spec: string
  package_hash: string
  content_hash?: string
  lock_hash?: string
  stored_package_hash?: string | null
}

const CONFIG = `ecosystem: spack\nrecipes: ${PKG}\nbuildSystems: ${BS}\n`

describe('binary-check spack-hash (bundled CLI, real git repository)', () => {
  let repo: GitFixture
  beforeAll(async () => {
    repo = await createGitFixture({
      '.binary-check.yml': CONFIG,
      [`${BS}/generic.py`]: GENERIC,
      [`${PKG}/foo/package.py`]: FOO,
    })
    await repo.commit('foo')
  })
  afterAll(async () => repo?.cleanup())

  const hashes = async (...args: string[]): Promise<Entry[]> => {
    const r = await runCli(['spack-hash', '--repo', repo.dir, ...args])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    return JSON.parse(r.stdout) as Entry[]
  }

  it('hashes each package at its default spec, the way Spack does', async () => {
    const [foo, ...rest] = await hashes()
    expect(rest).toEqual([])
    const packageHash = sha1b32(V2)
    expect(foo).toEqual({
      package: 'foo',
      spec: 'foo@=2.0+mpi build_system=generic',
      package_hash: packageHash,
      content_hash: contentHash([A, packageHash]),
    })
  })

  it('--spec and --specs-file select the @when method the spec satisfies', async () => {
    const [v1, v2] = await hashes('--spec', 'foo@=1.0+mpi', '--spec', 'foo@=2.0~mpi')
    expect(v1!.package_hash).toBe(sha1b32(V1))
    expect(v1!.content_hash).toBe(contentHash([B, sha1b32(V1)]))
    expect(v2!.package_hash).toBe(sha1b32(V2))
    const dir = await mkdtemp(join(tmpdir(), 'bc-specs-'))
    try {
      await writeFile(join(dir, 'specs.txt'), '# wanted\nfoo@=1.0\n\n  foo@=2.0  # current\n')
      const fromFile = await hashes('--specs-file', join(dir, 'specs.txt'))
      expect(fromFile.map((e) => e.package_hash)).toEqual([sha1b32(V1), sha1b32(V2)])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('formatting, comments and docstrings change no hash; code does', async () => {
    const before = await hashes('--head', 'HEAD')
    await repo.write(`${PKG}/foo/package.py`, FOO_REFORMATTED)
    await repo.commit('reformat')
    expect(await hashes()).toEqual(before)
    await repo.write(`${PKG}/foo/package.py`, FOO.replace('make("v2"', 'make("v3"'))
    await repo.commit('code')
    const [after] = await hashes()
    expect(after!.package_hash).not.toBe(before[0]!.package_hash)
    expect(after!.package_hash).toBe(sha1b32(V2.replace("make('v2'", "make('v3'")))
    // the older commit still reads as before
    expect(await hashes('--head', 'HEAD~2')).toEqual(before)
  })

  it('bad input is one clear line, exit 1 (usage: exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--spec', 'nosuch@1'], /no recipe for package "nosuch" at [0-9a-f]{12}/],
      [['--spec', 'foo@@1'], /spec 1 "foo@@1"/],
      [['--lockfile', 'missing.lock'], /missing\.lock: cannot read the lockfile: ENOENT/],
      [['--specs-file', '/nonexistent/specs.txt'], /specs\.txt: cannot read the specs file/],
      [['--head', 'no-such-rev'], /no-such-rev/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['spack-hash', '--repo', repo.dir, ...args])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    }
    const usage = await runCli([
      'spack-hash',
      '--repo',
      repo.dir,
      '--lockfile',
      'x',
      '--spec',
      'foo',
    ])
    expect(usage.code).toBe(2)
  })
})

const run = promisify(execFile)
const CORPUS = join(PROJECT_ROOT, '../shared/corpus')
const BUNDLE = join(CORPUS, 'spack-packages-2025-12.bundle')
const TRUTH = join(CORPUS, 'spack/package-hashes-2026-01.json.gz')
const LOCK = join(CORPUS, 'lockfiles/all-pythons.spack.lock')
const HAVE = existsSync(BUNDLE) && existsSync(TRUTH) && existsSync(LOCK)
if (!HAVE) console.warn('spack-hash CLI corpus test skipped: ../shared/corpus is absent')

describe.skipIf(!HAVE)('binary-check spack-hash on the real corpus (needs ../shared)', () => {
  let work: string
  let clone: string
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bc-spack-hash-cli-'))
    clone = join(work, 'spack-packages')
    await run('git', ['clone', '--quiet', BUNDLE, clone])
  }, 120_000)
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it("agrees with real Spack's package_hash for every package's own spec; reads a real lock", async () => {
    const truth = (
      JSON.parse(gunzipSync(readFileSync(TRUTH)).toString('utf8')) as {
        packages: Record<string, { spec: string; package_hash: string; multimethods: boolean }>
      }
    ).packages
    // every package with @when methods (their hash depends on the spec), with Spack's spec
    const picked = Object.entries(truth).filter(([, t]) => t.multimethods)
    const specsFile = join(work, 'specs.txt')
    await writeFile(specsFile, picked.map(([, t]) => t.spec).join('\n') + '\n')
    const r = await runCli(['spack-hash', '--repo', clone, '--specs-file', specsFile])
    expect(r.stderr).toBe('')
    const entries = JSON.parse(r.stdout) as Entry[]
    expect(entries.map((e) => e.package_hash)).toEqual(picked.map(([, t]) => t.package_hash))

    // the lock was concretized from older recipes (spack-packages 95a0c05 / 30a6412): each node
    // is hashed from head's recipe, beside what the lock stored
    const l = await runCli(['spack-hash', '--repo', clone, '--lockfile', LOCK])
    expect(l.stderr).toBe('')
    const nodes = JSON.parse(l.stdout) as Entry[]
    expect(nodes).toHaveLength(81)
    for (const n of nodes) {
      expect(n.lock_hash).toMatch(/^[a-z2-7]{32}$/)
      expect(n.stored_package_hash).toMatch(/^[a-z2-7]{52}====$/)
      expect(n.content_hash).toMatch(/^[a-z2-7]{52}====$/)
    }
    const same = nodes.filter((n) => n.content_hash === n.stored_package_hash).length
    console.log(`all-pythons.spack.lock against the corpus head: ${same}/81 nodes unchanged`)

    // NCAR's lock (Spack 0.22, 1,238 nodes): hashed, but said plainly not to be comparable, and
    // packages gone from the repository are named once each, not one line per node
    const ncar = join(work, 'ncar.spack.lock')
    await writeFile(
      ncar,
      gunzipSync(readFileSync(join(CORPUS, 'lockfiles/ncar-derecho.spack.lock.gz'))),
    )
    const n = await runCli(['spack-hash', '--repo', clone, '--lockfile', ncar])
    expect(n.code).toBe(0)
    const warnings = n.stderr.trim().split('\n')
    expect(warnings[0]).toMatch(/written by Spack 0\.22\.0\.dev0 .*cannot be compared/)
    expect(warnings[1]).toMatch(
      /no recipe at [0-9a-f]{12} for \d+ of its packages .*netcdf \(\d+ nodes\)/,
    )
    expect(warnings).toHaveLength(2)
    const ncarNodes = JSON.parse(n.stdout) as Entry[]
    expect(ncarNodes).toHaveLength(1238)
    expect(ncarNodes.filter((e) => e.package_hash !== null).length).toBeGreaterThan(1100)
  }, 300_000)
})
