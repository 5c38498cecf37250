/**
 * A build system counts only for the specs built with it (issue 8 §4): a package offering
 * `build_system("autotools", "cmake")` takes in cmake.py only for its `build_system=cmake` specs,
 * while modules every build system reaches (generic.py here) count for all of them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Plan } from '../src/core/plan.js'
import { runPlan } from '../src/engine/plan-engine.js'
import type { GitFixture } from './support/git-fixture.js'
import { BS, CMAKE_BS, createSpackFixture, FILES, PKG } from './support/spack-fixture.js'

const AUTOTOOLS_BS = `from spack.package import *

from .generic import Package


class AutotoolsPackage(Package):
    build_system("autotools")

    depends_on("gmake", type="build", when="build_system=autotools")

    def configure_args(self):
        return []
`

const GMAKE = `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class Gmake(Package):
    version("4.4", sha256="5555")
`

const DUAL = `from spack_repo.t.build_systems.autotools import AutotoolsPackage
from spack_repo.t.build_systems.cmake import CMakePackage

from spack.package import *


class Dual(AutotoolsPackage, CMakePackage):
    version("1.0", sha256="6666")

    build_system("autotools", "cmake", default="autotools")
`

const CONFIG = `ecosystem: spack
recipes: ${PKG}
buildSystems: ${BS}
specs:
  - dual
  - dual build_system=cmake
concretizer: { unify: false }
`

let fx: GitFixture | undefined
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
})

async function planChange(path: string, edit: (text: string) => string): Promise<Plan> {
  const files: Record<string, string> = {
    ...FILES,
    '.binary-check.yml': CONFIG,
    [`${BS}/autotools.py`]: AUTOTOOLS_BS,
    [`${PKG}/gmake/package.py`]: GMAKE,
    [`${PKG}/dual/package.py`]: DUAL,
  }
  fx = await createSpackFixture(files)
  const base = (await fx.git('rev-parse', 'HEAD')).trim()
  await fx.write(path, edit(files[path]!))
  const head = await fx.commit('change')
  return (await runPlan({ repo: fx.dir, base, head })).plan
}

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

describe('a build-system module counts only for the specs built with it', () => {
  it('cmake.py changed: only the build_system=cmake spec rebuilds, naming cmake.py', async () => {
    const plan = await planChange(`${BS}/cmake.py`, () =>
      CMAKE_BS.replace('return []', 'return ["-DX=1"]'),
    )
    expect(building(plan)).toEqual(['dual@1.0 build_system=cmake'])
    const spec = plan.specs.find((s) => s.id === 'dual@1.0 build_system=cmake')!
    expect(spec.reasons).toEqual([
      expect.objectContaining({ kind: 'recipe', package: 'dual', files: [`${BS}/cmake.py`] }),
    ])
  })

  it('autotools.py changed: only the default (autotools) spec rebuilds', async () => {
    const plan = await planChange(`${BS}/autotools.py`, (t) =>
      t.replace('return []', 'return ["--enable-x"]'),
    )
    expect(building(plan)).toEqual(['dual@1.0'])
  })

  it('a module both build systems reach (generic.py) rebuilds both specs', async () => {
    const plan = await planChange(`${BS}/generic.py`, (t) => t.replace('"1"', '"2"'))
    expect(building(plan)).toEqual(
      expect.arrayContaining(['dual@1.0', 'dual@1.0 build_system=cmake']),
    )
  })

  it('a reformatting of cmake.py alone rebuilds nothing', async () => {
    const plan = await planChange(`${BS}/cmake.py`, (t) => `${t}\n\n# trailing comment\n`)
    expect(building(plan)).toEqual([])
  })
})

describe('a recipe that changes the build-system modules its specs are built with', () => {
  it('names the recipe with the module that now applies, marked added (corpus: libvips)', async () => {
    // Before, Dual derives from AutotoolsPackage only; the change adds CMakePackage, so its
    // build_system=cmake spec now takes cmake.py although cmake.py itself did not change.
    const before = DUAL.replace(
      'class Dual(AutotoolsPackage, CMakePackage):',
      'class Dual(AutotoolsPackage):',
    ).replace('from spack_repo.t.build_systems.cmake import CMakePackage\n', '')
    fx = await createSpackFixture({
      ...FILES,
      '.binary-check.yml': CONFIG,
      [`${BS}/autotools.py`]: AUTOTOOLS_BS,
      [`${PKG}/gmake/package.py`]: GMAKE,
      [`${PKG}/dual/package.py`]: before,
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(`${PKG}/dual/package.py`, DUAL)
    const head = await fx.commit('dual builds with CMakePackage')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    const spec = plan.specs.find((s) => s.id === 'dual@1.0 build_system=cmake')!
    expect(spec.status).toBe('rebuild')
    const code = spec.reasons.filter(
      (r) => r.kind === 'recipe' && (r.detail ?? '').startsWith('conditional code'),
    )
    expect(code).toEqual([
      {
        kind: 'recipe',
        package: 'dual',
        files: [`${BS}/cmake.py`, `${PKG}/dual/package.py`].sort(),
        detail: `conditional code: module ${BS}/cmake.py (build_system=cmake) (added)`,
      },
    ])
  })
})

describe('a recipe that changes the base modules its package builds on', () => {
  it('names the recipe with each base module, marked added or removed', async () => {
    // Dual stops deriving from CMakePackage: cmake.py no longer reaches it at all.
    fx = await createSpackFixture({
      ...FILES,
      '.binary-check.yml': `ecosystem: spack\nrecipes: ${PKG}\nbuildSystems: ${BS}\nspecs: [single]\n`,
      [`${PKG}/single/package.py`]:
        'from spack_repo.t.build_systems.cmake import CMakePackage\n\nfrom spack.package import *\n\n\nclass Single(CMakePackage):\n    version("1.0", sha256="7777")\n',
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(
      `${PKG}/single/package.py`,
      'from spack_repo.t.build_systems.generic import Package\n\nfrom spack.package import *\n\n\nclass Single(Package):\n    version("1.0", sha256="7777")\n',
    )
    const head = await fx.commit('single: a generic package')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    const pkg = plan.packages.find((p) => p.name === 'single')!
    const recipe = pkg.reasons.find((r) => r.kind === 'recipe')!
    expect(recipe).toMatchObject({
      kind: 'recipe',
      package: 'single',
      detail: `base modules: ${BS}/cmake.py (removed)`,
    })
    expect((recipe as { files: string[] }).files[0]).toBe(`${PKG}/single/package.py`)
    expect((recipe as { files: string[] }).files).toContain(`${BS}/cmake.py`)
  })
})
