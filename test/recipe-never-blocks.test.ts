/**
 * One recipe never blocks a plan (issue 8 §3): directives bind as Spack's signatures do, a call
 * that cannot be bound or evaluated stays as code (unresolved, a warning), and a file that does
 * not parse is an error only when the range changed it — otherwise the package is `unreadable`,
 * digested from its raw text, and the plan goes on. `strict` turns the warnings into errors.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import type { Plan } from '../src/core/plan.js'
import { runPlan } from '../src/engine/plan-engine.js'
import { parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'
import type { GitFixture } from './support/git-fixture.js'
import { BS, createSpackFixture, FILES, PKG, ZLIB } from './support/spack-fixture.js'

let fx: GitFixture | undefined
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
})

const recipe = (body: string): string =>
  `from spack.package import *\n\n\nclass Foo(Package):\n${body
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n')}\n`

const parse = (body: string) => parseSpackRecipe(recipe(body), 'packages/foo/package.py')

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (e instanceof UserError) return e.oneLine()
    throw e
  }
  throw new Error('expected a UserError')
}

describe("directive signatures follow Spack's", () => {
  it('binds version(ver=..., sha256=..., url=...) as aocc writes it', () => {
    const r = parse(
      'version(ver="5.2.0", sha256="abc", url="https://example.com/aocc-5.2.0.tar")\nversion(2)',
    )
    expect(r.versions.map((v) => [v.version, v.checksum, v.url])).toEqual([
      ['5.2.0', 'abc', 'https://example.com/aocc-5.2.0.tar'],
      ['2', undefined, undefined],
    ])
    expect(r.unresolved).toEqual([])
  })

  it('binds conflicts(conflict_spec=...) and extends() with its default types build, run', () => {
    const r = parse('conflicts(conflict_spec="%intel", when="+x", msg="no")\nextends("python")')
    expect(r.conflicts).toEqual([{ spec: '%intel', when: '+x', msg: 'no' }])
    expect(r.dependencies.map((d) => [d.name, d.types])).toEqual([['python', ['build', 'run']]])
  })

  it('keeps a call Python would reject as code, listed as unresolved, never an error', () => {
    const r = parse(
      [
        'depends_on("zlib", flavour="x")',
        'depends_on("bzip2", type="linkk")',
        'patch("a.patch", 1, None, ".", False, None, None, "extra")',
        'version()',
        'depends_on("@1.2")',
      ].join('\n'),
    )
    expect(r.dependencies).toEqual([])
    expect(r.patches).toEqual([])
    expect(r.versions).toEqual([])
    expect(r.unresolved.map((u) => u.reason)).toEqual([
      "depends_on(): unknown argument 'flavour'",
      "depends_on(): unknown dependency type 'linkk'",
      'patch(): too many positional arguments',
      "version(): missing argument 'ver'",
      'depends_on(): "@1.2" names no package',
    ])
    // Kept as code: the calls are in the canonical text, so editing them rebuilds.
    expect(r.canonical).toContain('flavour')
    expect(r.canonical).toContain('linkk')
  })

  it('keeps version() inside a when() block and a malformed when() as code', () => {
    const r = parse(
      'with when("+x"):\n    version("1.0")\nwith when("+a", "+b"):\n    depends_on("z")',
    )
    expect(r.versions).toEqual([])
    expect(r.dependencies).toEqual([])
    expect(r.unresolved.map((u) => u.reason)).toEqual([
      "version(): cannot be used inside a 'with when(...)' block",
      'when(): takes exactly one condition',
      "depends_on(...): inside a 'with' block, kept as code",
    ])
  })
})

const BROKEN = ZLIB.replace(
  '    def install(self, spec, prefix):',
  '    def install(self, spec, prefix:',
)

describe('a recipe that does not parse', () => {
  it('is unreadable when the range does not change it: warning, raw digest, the plan goes on', async () => {
    fx = await createSpackFixture({ ...FILES, [`${PKG}/zlib/package.py`]: BROKEN })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(`${PKG}/cmake/package.py`, FILES[`${PKG}/cmake/package.py`] + '\n# edit\n')
    await fx.write(
      `${PKG}/app/package.py`,
      FILES[`${PKG}/app/package.py`]!.replace('"-DAPP=ON"', '"-DAPP=OFF"'),
    )
    const head = await fx.commit('change app')
    const warnings: string[] = []
    const { plan } = await runPlan(
      { repo: fx.dir, base, head },
      { info: () => {}, warn: (m) => warnings.push(m) },
    )
    expect(plan.unreadable).toEqual([
      {
        path: `${PKG}/zlib/package.py`,
        place: `${PKG}/zlib/package.py:22`,
        message: expect.stringMatching(/^Python syntax error: unexpected /),
      },
    ])
    expect(warnings.some((w) => w.includes(`${PKG}/zlib/package.py:22`))).toBe(true)
    expect(plan.notes.some((n) => n.includes('unreadable'))).toBe(true)
    expect(building(plan)).toEqual(['app@1.0'])
    // The unreadable package is still a spec of the plan (its versions are unknown).
    expect(plan.specs.some((s) => s.package === 'zlib')).toBe(true)
  })

  it('is an error when the range changed it (the change broke the repository)', async () => {
    fx = await createSpackFixture()
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(`${PKG}/zlib/package.py`, BROKEN)
    const head = await fx.commit('break zlib')
    expect(await rejection(runPlan({ repo: fx.dir, base, head }))).toMatch(
      /^repos\/spack_repo\/t\/packages\/zlib\/package\.py:22: Python syntax error: unexpected [^(]*$/,
    )
  })

  it('on a first plan (no base) is a warning; any edit to it changes its digest', async () => {
    fx = await createSpackFixture({ ...FILES, [`${PKG}/zlib/package.py`]: BROKEN })
    const first = await runPlan({ repo: fx.dir })
    expect(first.plan.unreadable.map((u) => u.path)).toEqual([`${PKG}/zlib/package.py`])
    const before = first.head.packageDigests.get('zlib')
    await fx.write(`${PKG}/zlib/package.py`, BROKEN + '\n# only a comment\n')
    await fx.commit('comment')
    const second = await runPlan({ repo: fx.dir })
    expect(second.head.packageDigests.get('zlib')).not.toBe(before)
  })

  it('in an unchanged build-system module is a warning for the packages built on it', async () => {
    const cmake = FILES[`${BS}/cmake.py`]!.replace('def cmake_args(self):', 'def cmake_args(self:')
    fx = await createSpackFixture({ ...FILES, [`${BS}/cmake.py`]: cmake })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write('README.md', 'docs\n')
    const head = await fx.commit('docs')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    expect(plan.unreadable.map((u) => u.path)).toEqual([`${BS}/cmake.py`])
    expect(building(plan)).toEqual([])
  })

  it('with strict is an error, and so is a directive kept as code', async () => {
    fx = await createSpackFixture({ ...FILES, [`${PKG}/zlib/package.py`]: BROKEN })
    expect(await rejection(runPlan({ repo: fx.dir, strict: true }))).toMatch(
      /^repos\/spack_repo\/t\/packages\/zlib\/package\.py:22: Python syntax error: .* \(--strict: an unreadable file\)$/,
    )
    await fx.cleanup()
    const odd = ZLIB.replace(
      '    patch("old.patch"',
      '    depends_on("bzip2", flavour=1)\n    patch("old.patch"',
    )
    fx = await createSpackFixture({ ...FILES, [`${PKG}/zlib/package.py`]: odd })
    expect((await runPlan({ repo: fx.dir })).plan.unresolved.length).toBe(1)
    expect(await rejection(runPlan({ repo: fx.dir, strict: true }))).toBe(
      `${PKG}/zlib/package.py:18: depends_on(): unknown argument 'flavour' (--strict: a directive kept as code)`,
    )
  })
})
