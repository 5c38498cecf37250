/**
 * Planning from a real Spack lockfile (shared/corpus all-pythons.spack.lock, v6): its specs'
 * parameters, compilers, externals and patches reach the spec digests.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'

const LOCK = fileURLToPath(
  new URL('../../shared/corpus/lockfiles/all-pythons.spack.lock', import.meta.url),
)
const SHARED = existsSync(LOCK)

const PYTHON = `from spack.package import *


class Python(Package):
    version("3.13.5", sha256="aa")

    def install(self, spec, prefix):
        make("install")
`

interface LockSpec {
  name: string
  version: string
  parameters: Record<string, unknown>
  patches?: string[]
  external?: { path: string }
}
type Lock = { concrete_specs: Record<string, LockSpec> }

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

async function planLockChange(edit: (lock: Lock) => void, recipe = PYTHON) {
  const text = readFileSync(LOCK, 'utf8')
  fx = await createGitFixture({
    '.binary-check.yml': 'ecosystem: spack\nrecipes: packages\nlockfile: spack.lock\n',
    'spack.lock': text,
    'packages/python/package.py': PYTHON,
  })
  const base = (await fx.git('rev-parse', 'HEAD')).trim()
  const lock = JSON.parse(text) as Lock
  edit(lock)
  await fx.write('spack.lock', JSON.stringify(lock))
  await fx.write('packages/python/package.py', recipe)
  const head = await fx.commit('change')
  return (await runPlan({ repo: fx.dir, base, head })).plan
}

const find = (lock: Lock, name: string, version?: string): LockSpec =>
  Object.values(lock.concrete_specs).find(
    (s) => s.name === name && (!version || s.version === version),
  )!
const building = (plan: Awaited<ReturnType<typeof planLockChange>>) =>
  plan.specs.filter((s) => s.status === 'rebuild').map((s) => s.id)

describe.skipIf(!SHARED)('lockfile specs (needs ../shared/corpus; skipped when absent)', () => {
  it('loads all 81 specs; an unchanged lockfile rebuilds nothing; externals are never built', async () => {
    const plan = await planLockChange(() => {})
    expect(plan.specs).toHaveLength(81)
    expect(building(plan)).toEqual([])
    expect(plan.specs.filter((s) => s.status === 'external').map((s) => s.package)).toContain('gcc')
  })

  it('a changed compiler flag rebuilds that spec only (a root)', async () => {
    const plan = await planLockChange((lock) => {
      find(lock, 'python', '3.13.5').parameters.cflags = ['-O3']
    })
    expect(building(plan)).toEqual([expect.stringMatching(/^python@3\.13\.5\//)])
    expect(plan.specs.find((s) => s.status === 'rebuild')!.reasons).toEqual([
      { kind: 'parameters', name: 'cflags', new: '-O3' },
    ])
  })

  it('a changed patch list rebuilds the patched spec and its dependents', async () => {
    const plan = await planLockChange((lock) => {
      const f = find(lock, 'findutils')
      f.parameters.patches = ['0'.repeat(64)]
      f.patches = ['0'.repeat(64)]
    })
    const ids = building(plan)
    expect(ids.some((id) => id.startsWith('findutils@'))).toBe(true)
    expect(ids.some((id) => id.startsWith('krb5@'))).toBe(true)
    const findutils = plan.specs.find(
      (s) => s.id.startsWith('findutils@') && s.status === 'rebuild',
    )!
    expect(findutils.reasons[0]).toMatchObject({
      kind: 'parameters',
      name: 'lockedPatches',
      new: '0'.repeat(64),
    })
  })

  it('a moved external rebuilds what builds against it, not the external', async () => {
    const plan = await planLockChange((lock) => {
      for (const s of Object.values(lock.concrete_specs))
        if (s.name === 'glibc' && s.external) s.external.path = '/opt/glibc'
    })
    expect(
      plan.specs.filter((s) => s.package === 'glibc').every((s) => s.status === 'external'),
    ).toBe(true)
    expect(building(plan).length).toBeGreaterThan(60)
  })

  it('a recipe change rebuilds every spec of that package from the lockfile', async () => {
    const plan = await planLockChange(
      () => {},
      PYTHON.replace('make("install")', 'make("install", "-j2")'),
    )
    expect(building(plan).filter((id) => id.startsWith('python@')).length).toBe(8)
  })
})
