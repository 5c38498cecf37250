/**
 * `plan` with `lockfile:` and no base (issue 9 §2): each lock node's stored package_hash (Spack's
 * content hash) is checked against the recipe at head. A real lock (all-pythons.spack.lock, 81
 * nodes) in a real git repository whose recipes for zlib-ng and bzip2 are ours: once the lock
 * holds their hashes, nothing is stale; a code change to zlib-ng makes its nodes stale, names the
 * first changed line of Spack's canonical source and how far back the lock's recipe is, and every
 * spec that depends on them (python, perl, git, … over all edge types) rebuilds; a docstring edit
 * changes nothing. A lock from Spack before 1.0 is said not to be comparable.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import { computeSpackHashes } from '../src/engine/spack-hashes.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'

const LOCK = fileURLToPath(
  new URL('../../shared/corpus/lockfiles/all-pythons.spack.lock', import.meta.url),
)
const SHARED = existsSync(LOCK)
if (!SHARED) console.warn('lock check test skipped: ../shared/corpus/lockfiles is absent')

const recipe = (cls: string, version: string, body: string): string => `from spack.package import *


class ${cls}(Package):
    """A library."""

    version("${version}", sha256="${'c'.repeat(64)}")

    def install(self, spec, prefix):
${body}
`
const ZLIB_NG = recipe('ZlibNg', '2.2.4', '        make("install")')
const BZIP2 = recipe('Bzip2', '1.0.8', '        make("install", "PREFIX=" + prefix)')

type Lock = { concrete_specs: Record<string, { name: string; package_hash?: string }> }

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

/** A repository whose lock holds, for zlib-ng and bzip2, the hashes of the recipes committed. */
async function lockedRepository(): Promise<GitFixture> {
  const text = readFileSync(LOCK, 'utf8')
  fx = await createGitFixture({
    '.binary-check.yml': 'ecosystem: spack\nrecipes: packages\nlockfile: spack.lock\n',
    'spack.lock': text,
    'packages/zlib-ng/package.py': ZLIB_NG,
    'packages/bzip2/package.py': BZIP2,
  })
  await fx.commit('recipes')
  const { entries } = await computeSpackHashes({ repo: fx.dir, lockfile: 'spack.lock' })
  const lock = JSON.parse(text) as Lock
  for (const e of entries)
    if (e.package_hash !== null && e.lock_hash)
      lock.concrete_specs[e.lock_hash]!.package_hash = e.content_hash
  await fx.write('spack.lock', JSON.stringify(lock))
  await fx.commit('lock concretized from these recipes')
  return fx
}

const rebuilding = (plan: Awaited<ReturnType<typeof runPlan>>['plan']): string[] =>
  plan.specs.filter((s) => s.status === 'rebuild').map((s) => s.package)

describe.skipIf(!SHARED)('plan: is the lock still what the recipes say? (needs ../shared)', () => {
  it('nothing is stale while the recipes give the hashes the lock stored', async () => {
    const repo = await lockedRepository()
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    expect(plan.reference).toBe('lock')
    expect(plan.summary.rebuild).toBe(0)
    expect(plan.summary.upToDate + plan.summary.external).toBe(81)
    expect(plan.notes.join('\n')).toMatch(
      /no recipe at head for .*python.*: those nodes are not checked/,
    )
  })

  it('a code change makes the node stale, names the line, and every dependent rebuilds', async () => {
    const repo = await lockedRepository()
    await repo.write(
      'packages/zlib-ng/package.py',
      ZLIB_NG.replace('make("install")', 'make("install", "-j1")'),
    )
    await repo.commit('zlib-ng: serial install')
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    const zlib = plan.specs.filter((s) => s.package === 'zlib-ng')
    expect(zlib).toHaveLength(2)
    for (const z of zlib) {
      expect(z.status).toBe('rebuild')
      expect(z.reasons).toEqual([
        {
          kind: 'lock',
          detail:
            `code, line 6 of the canonical source: "        make('install')" → "        make('install', '-j1')" ` +
            "(the lock's hash is the recipe's from 1 change(s) back)",
        },
      ])
    }
    const built = new Set(rebuilding(plan))
    for (const dependent of ['python', 'perl', 'git', 'curl', 'openssl', 'libxml2', 'sqlite'])
      expect(built, dependent).toContain(dependent)
    // bzip2 and things that need neither stay current
    expect(plan.specs.filter((s) => s.package === 'bzip2').map((s) => s.status)).toEqual([
      'up-to-date',
      'up-to-date',
    ])
    expect(built).not.toContain('gmake')
    const python = plan.specs.find((s) => s.package === 'python' && s.version === '3.13.5')!
    expect(python.reasons).toContainEqual(
      expect.objectContaining({ kind: 'dependency', change: 'changed', cause: expect.any(Array) }),
    )
  })

  it('a docstring or formatting edit is not a change', async () => {
    const repo = await lockedRepository()
    await repo.write(
      'packages/bzip2/package.py',
      BZIP2.replace('"""A library."""', "'''Reworded.'''  # and a comment"),
    )
    await repo.commit('bzip2: docs')
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    expect(plan.summary.rebuild).toBe(0)
  })

  it('a hash the recipe history does not hold is stale, and says so', async () => {
    const repo = await lockedRepository()
    const lock = JSON.parse(readFileSync(`${repo.dir}/spack.lock`, 'utf8')) as Lock
    for (const s of Object.values(lock.concrete_specs))
      if (s.name === 'bzip2') s.package_hash = 'a'.repeat(52) + '===='
    await repo.write('spack.lock', JSON.stringify(lock))
    await repo.commit('a lock from elsewhere')
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    const bzip2 = plan.specs.filter((s) => s.package === 'bzip2')
    expect(bzip2.map((s) => s.status)).toEqual(['rebuild', 'rebuild'])
    expect(bzip2[0]!.reasons[0]).toEqual({
      kind: 'lock',
      detail: expect.stringMatching(
        /^source, patches or code: the lock's hash is none of the 1 versions of packages\/bzip2\/package\.py/,
      ),
    })
  })

  it('a lock from Spack before 1.0 is not compared (and not reported stale)', async () => {
    const repo = await lockedRepository()
    const lock = JSON.parse(readFileSync(`${repo.dir}/spack.lock`, 'utf8')) as Lock & {
      spack: { version: string }
    }
    lock.spack.version = '0.22.0.dev0'
    for (const s of Object.values(lock.concrete_specs)) s.package_hash = 'b'.repeat(52) + '===='
    await repo.write('spack.lock', JSON.stringify(lock))
    await repo.commit('old lock')
    const { plan } = await runPlan({ repo: repo.dir, head: 'HEAD' })
    expect(plan.summary.rebuild).toBe(0)
    expect(plan.notes.join('\n')).toMatch(/written by Spack 0\.22\.0\.dev0.*cannot be compared/)
  })
})
