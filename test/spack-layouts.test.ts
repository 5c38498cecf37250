/**
 * Both Spack repository layouts: classic `<root>/<name>/package.py` with build systems found by
 * class name, and `spack_repo` where directory `py_numpy` is package `py-numpy` and `_3dtk` is
 * `3dtk`; base classes imported from another package's module.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

const PYTHON_BS = `from spack.package import *


class PythonPackage(PackageBase):
    build_system("python_pip")

    def install(self, spec, prefix):
        pip("install", ".")
`

describe('Spack repository layouts', () => {
  it('classic layout: names are directories, base classes are found by class name', async () => {
    fx = await createGitFixture({
      '.binary-check.yml':
        'recipes: var/spack/repos/builtin/packages\nbuildSystems: lib/build_systems\n',
      'lib/build_systems/python.py': PYTHON_BS,
      'var/spack/repos/builtin/packages/py-numpy/package.py':
        'from spack.package import *\n\n\nclass PyNumpy(PythonPackage):\n    version("2.0", sha256="aa")\n',
      'var/spack/repos/builtin/packages/zlib/package.py':
        'from spack.package import *\n\n\nclass Zlib(Package):\n    version("1.3", sha256="bb")\n',
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(
      'lib/build_systems/python.py',
      PYTHON_BS.replace('pip("install", ".")', 'pip("install", "--no-deps", ".")'),
    )
    const head = await fx.commit('pip --no-deps')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    expect(plan.specs.map((s) => s.id).sort()).toEqual(['py-numpy@2.0', 'zlib@1.3'])
    expect(plan.specs.filter((s) => s.status === 'rebuild').map((s) => s.id)).toEqual([
      'py-numpy@2.0',
    ])
  })

  it('spack_repo layout: py_numpy is py-numpy, _3dtk is 3dtk; a base class from another package module', async () => {
    const root = 'repos/spack_repo/builtin'
    fx = await createGitFixture({
      '.binary-check.yml': `recipes: ${root}/packages\nbuildSystems: ${root}/build_systems\n`,
      [`${root}/build_systems/generic.py`]:
        'from spack.package import *\n\n\nclass Package(PackageBase):\n    pass\n',
      [`${root}/packages/_3dtk/package.py`]: `from spack_repo.builtin.build_systems.generic import Package\n\n\nclass _3dtk(Package):\n    version("1.2", sha256="aa")\n`,
      [`${root}/packages/qt_base/package.py`]: `from spack_repo.builtin.build_systems.generic import Package\n\n\nclass QtPackage(Package):\n    def qmake_args(self):\n        return []\n\n\nclass QtBase(QtPackage):\n    version("6.8", sha256="bb")\n`,
      [`${root}/packages/qt_svg/package.py`]: `from ..qt_base.package import QtPackage\n\n\nclass QtSvg(QtPackage):\n    version("6.8", sha256="cc")\n    depends_on("qt-base")\n`,
      [`${root}/packages/py_numpy/package.py`]: `from spack_repo.builtin.build_systems.generic import Package\n\n\nclass PyNumpy(Package):\n    version("2.0", sha256="dd")\n`,
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(
      `${root}/packages/qt_base/package.py`,
      (await fx.git('show', `HEAD:${root}/packages/qt_base/package.py`)).replace(
        'return []',
        'return ["-release"]',
      ),
    )
    const head = await fx.commit('qmake args')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    expect(plan.specs.map((s) => s.id).sort()).toEqual([
      '3dtk@1.2',
      'py-numpy@2.0',
      'qt-base@6.8',
      'qt-svg@6.8',
    ])
    const svg = plan.specs.find((s) => s.id === 'qt-svg@6.8')!
    expect(svg.status).toBe('rebuild')
    expect(svg.reasons).toContainEqual({
      kind: 'recipe',
      package: 'qt-svg',
      files: [`${root}/packages/qt_base/package.py`],
    })
    expect(
      plan.specs
        .filter((s) => s.status === 'rebuild')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['qt-base@6.8', 'qt-svg@6.8'])
  })
})

describe('base classes imported under another name', () => {
  it('follows `import X as Y` to the module defining X', async () => {
    const root = 'repos/spack_repo/builtin'
    fx = await createGitFixture({
      '.binary-check.yml': `recipes: ${root}/packages\nbuildSystems: ${root}/build_systems\n`,
      [`${root}/build_systems/generic.py`]:
        'from spack.package import *\n\n\nclass Package(PackageBase):\n    pass\n',
      [`${root}/packages/mpich/package.py`]: `from spack_repo.builtin.build_systems.generic import Package\n\n\nclass MpichBase(Package):\n    depends_on("hwloc")\n\n    def configure_args(self):\n        return []\n\n\nclass Mpich(MpichBase):\n    version("4.2", sha256="aa")\n`,
      [`${root}/packages/mvapich/package.py`]: `from ..mpich.package import MpichBase as Base\n\n\nclass Mvapich(Base):\n    version("3.0", sha256="bb")\n`,
      [`${root}/packages/hwloc/package.py`]: `from spack_repo.builtin.build_systems.generic import Package\n\n\nclass Hwloc(Package):\n    version("2.11", sha256="cc")\n`,
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    const mpich = `${root}/packages/mpich/package.py`
    await fx.write(
      mpich,
      (await fx.git('show', `HEAD:${mpich}`)).replace('return []', 'return ["--with-device=ch4"]'),
    )
    const head = await fx.commit('mpich configure args')
    const { plan } = await runPlan({ repo: fx.dir, base, head })
    expect(
      plan.specs
        .filter((s) => s.status === 'rebuild')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['mpich@4.2', 'mvapich@3.0'])
    // the directives of the aliased base class are inherited too
    expect(plan.specs.find((s) => s.id === 'mvapich@3.0')!.dependencies).toEqual(['hwloc@2.11'])
  })
})
