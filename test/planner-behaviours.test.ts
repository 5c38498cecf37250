/**
 * The planner's required behaviours (issue: "Recipes (Spack ecosystem)", 1–8), each on a real git
 * repository built in the test: commit the fixture, change it, commit, plan base..head.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import type { Plan } from '../src/core/plan.js'
import type { GitFixture } from './support/git-fixture.js'
import {
  APP,
  BS,
  CMAKE,
  CMAKE_BS,
  CONFIG,
  createSpackFixture,
  FILES,
  LIBFOO,
  PKG,
  ZLIB,
} from './support/spack-fixture.js'

let fx: GitFixture | undefined
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
})

async function planChange(
  change: (fx: GitFixture) => Promise<void>,
  files: Record<string, string> = FILES,
): Promise<Plan> {
  fx = await createSpackFixture(files)
  const base = (await fx.git('rev-parse', 'HEAD')).trim()
  await change(fx)
  const head = await fx.commit('change')
  const { plan } = await runPlan({ repo: fx.dir, base, head })
  return plan
}

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

const ZLIB_DEPENDENTS = ['app@1.0', 'libfoo@1.0', 'libfoo@2.0', 'libfoo@2.0+cuda']

describe('planner behaviours on a real git repository', () => {
  it('plans the expected spec set with no change at all', async () => {
    const plan = await planChange(async () => {})
    expect(plan.specs.map((s) => s.id).sort()).toEqual([
      'app@1.0',
      'cmake@3.31.0',
      'cuda@12.6',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
      'r-rcpp@1.0.13',
      'r@4.4.1',
      'zlib@1.2.13',
      'zlib@1.3.1',
    ])
    expect(building(plan)).toEqual([])
    expect(plan.summary.upToDate).toBe(10)
  })

  it('1. comment-, docstring-, license-header- and reformat-only changes rebuild nothing', async () => {
    const plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace('"""zlib."""', '"""The zlib compression library.\n\n    Longer text.\n    """')
          .replace(
            'version("1.3.1", sha256="aaaa")',
            "version(\n        '1.3.1',\n        sha256='aaaa',\n    )  # newest",
          )
          .replace('make("install")', "make(  'install', )"),
      )
      await fx.write(
        `${PKG}/libfoo/package.py`,
        `# SPDX-License-Identifier: MIT\n# Copyright 2026\n${LIBFOO.replace('"""libfoo."""', '"""libfoo: a library."""')}`,
      )
      await fx.write(
        `${PKG}/app/package.py`,
        APP.replace(
          '    def cmake_args(self):',
          '    # configure\n\n    def cmake_args(self):',
        ).replace(/^(?: {4})+/gm, (m) => ' '.repeat(m.length / 2)),
      )
      await fx.write(`${BS}/cmake.py`, `"""CMake build system (module docstring)."""\n${CMAKE_BS}`)
    })
    expect(plan.changedFiles.length).toBe(4)
    expect(building(plan)).toEqual([])
  })

  it('2. adding an older version rebuilds nothing; a changed checksum rebuilds only that version and its dependents', async () => {
    let plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace(
          '    version("1.2.13"',
          '    version("1.2.12", sha256="9999")\n    version("1.2.13"',
        ),
      )
    })
    expect(building(plan)).toEqual([])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="cccc"', 'sha256="cccd"'))
    })
    expect(building(plan)).toEqual(['zlib@1.2.13'])
    const reason = plan.specs.find((s) => s.id === 'zlib@1.2.13')!.reasons
    expect(reason).toEqual([
      { kind: 'source', version: '1.2.13', field: 'checksum', old: 'cccc', new: 'cccd' },
    ])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="aaaa"', 'sha256="aaab"'))
    })
    expect(building(plan)).toEqual([...ZLIB_DEPENDENTS, 'zlib@1.3.1'].sort())
    const app = plan.specs.find((s) => s.id === 'app@1.0')!
    expect(app.reasons[0]).toMatchObject({
      kind: 'dependency',
      dependency: 'libfoo@2.0',
      chain: ['libfoo@2.0', 'zlib@1.3.1'],
    })
    expect(app.wave).toBe(2)
    expect(plan.specs.find((s) => s.id === 'zlib@1.3.1')!.wave).toBe(0)
  })

  it('2b. adding a newer version rebuilds nothing (reuse); with reuse: false unpinned requests move to it (new specs), pinned specs stay', async () => {
    const addNewer = async (fx: GitFixture) =>
      fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace(
          '    version("1.3.1"',
          '    version("1.3.2", sha256="abab")\n    version("1.3.1"',
        ),
      )
    let plan = await planChange(addNewer)
    expect(building(plan)).toEqual([])
    expect(plan.specs.find((s) => s.id === 'zlib@1.3.2')).toBeUndefined()
    await fx!.cleanup()
    plan = await planChange(addNewer, {
      ...FILES,
      '.binary-check.yml': CONFIG.replace('{ unify: false }', '{ unify: false, reuse: false }'),
    })
    expect(plan.specs.find((s) => s.id === 'zlib@1.3.1')!.status).toBe('up-to-date')
    expect(plan.specs.find((s) => s.id === 'zlib@1.3.2')!.status).toBe('new')
  })

  it('3. patches rebuild exactly the matching specs; an unused file rebuilds nothing and is listed', async () => {
    let plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/zlib/old.patch`, '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+z\n')
    })
    expect(building(plan)).toEqual(['zlib@1.2.13'])
    expect(plan.specs.find((s) => s.id === 'zlib@1.2.13')!.reasons).toEqual([
      { kind: 'patch', file: 'old.patch', change: 'changed' },
    ])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/zlib/new.patch`, 'new\n')
      await fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace(
          '    patch("old.patch"',
          '    patch("new.patch", when="@1.3.1")\n    patch("old.patch"',
        ),
      )
    })
    expect(building(plan)).toEqual([...ZLIB_DEPENDENTS, 'zlib@1.3.1'].sort())
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/zlib/notes.txt`, 'maintainer notes\n')
      await fx.remove(`${PKG}/zlib/old.patch`)
      await fx.write(`${PKG}/zlib/old.patch`, '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n')
    })
    expect(building(plan)).toEqual([])
    expect(plan.ignoredFiles).toEqual([`${PKG}/zlib/notes.txt`])
  })

  it('4. a method body, a base class or a build-system module change rebuilds every spec built on it', async () => {
    let plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/zlib/package.py`,
        ZLIB.replace('make("install")', 'make("install", parallel=False)'),
      )
    })
    expect(building(plan)).toEqual([...ZLIB_DEPENDENTS, 'zlib@1.2.13', 'zlib@1.3.1'].sort())
    expect(plan.specs.find((s) => s.id === 'zlib@1.3.1')!.reasons).toEqual([
      { kind: 'recipe', package: 'zlib', files: [`${PKG}/zlib/package.py`] },
    ])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(
        `${BS}/r.py`,
        (await import('./support/spack-fixture.js')).R_BS.replace(
          '"INSTALL"',
          '"INSTALL", "--no-docs"',
        ),
      )
    })
    expect(building(plan)).toEqual(['r-rcpp@1.0.13'])
    expect(plan.specs.find((s) => s.id === 'r-rcpp@1.0.13')!.reasons).toEqual([
      { kind: 'recipe', package: 'r-rcpp', files: [`${BS}/r.py`] },
    ])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${BS}/cmake.py`, CMAKE_BS.replace('return []', 'return ["-G", "Ninja"]'))
    })
    expect(building(plan)).toEqual(['app@1.0', 'libfoo@1.0', 'libfoo@2.0', 'libfoo@2.0+cuda'])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/app/package.py`,
        APP.replace('class App(CMakePackage):', 'class App(CMakePackage, Mixin):'),
      )
    })
    expect(building(plan)).toEqual(['app@1.0'])
  })

  it('5. a @when method or a with when() block change affects only the specs that satisfy it', async () => {
    let plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/libfoo/package.py`,
        LIBFOO.replace(
          'filter_file("old", "new", "CMakeLists.txt")',
          'filter_file("old", "newer", "CMakeLists.txt")',
        ),
      )
    })
    expect(building(plan)).toEqual(['app@1.0', 'libfoo@2.0', 'libfoo@2.0+cuda'])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write(`${PKG}/libfoo/package.py`, LIBFOO.replace('"-arch=sm_80"', '"-arch=sm_90"'))
    })
    expect(building(plan)).toEqual(['libfoo@2.0+cuda'])
  })

  it('6. a changed depends_on rebuilds the specs whose dependency set changed', async () => {
    const plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/libfoo/package.py`,
        LIBFOO.replace(
          'depends_on("zlib", type=("build", "link"))',
          'depends_on("zlib", type=("build", "link"), when="@2:")',
        ),
      )
    })
    expect(building(plan)).toEqual(['libfoo@1.0'])
    expect(plan.specs.find((s) => s.id === 'libfoo@1.0')!.reasons).toEqual([
      {
        kind: 'dependency',
        dependency: 'zlib@1.3.1',
        change: 'removed',
        chain: ['zlib@1.3.1'],
        cause: [],
      },
    ])
  })

  it('7. a removed package disappears (removed), its dependents rebuild; a new package is new', async () => {
    const plan = await planChange(async (fx) => {
      await fx.remove(`${PKG}/cuda`)
      await fx.write(
        `${PKG}/libbar/package.py`,
        CMAKE.replace('class Cmake', 'class Libbar').replace('3.31.0', '0.1'),
      )
      await fx.write(
        '.binary-check.yml',
        `${CONFIG.replace('  - cmake\n', '  - cmake\n  - libbar\n')}`,
      )
    })
    expect(plan.specs.find((s) => s.id === 'cuda@12.6')!.status).toBe('removed')
    expect(plan.specs.find((s) => s.id === 'libbar@0.1')!.status).toBe('new')
    expect(building(plan)).toEqual(['libbar@0.1', 'libfoo@2.0+cuda'])
    expect(plan.packages.find((p) => p.name === 'cuda')!.status).toBe('removed')
    expect(plan.packages.find((p) => p.name === 'libbar')!.status).toBe('new')
  })

  it('8. a change propagates over the configured deptypes only, transitively', async () => {
    let plan = await planChange(async (fx) => {
      await fx.write(
        `${PKG}/cmake/package.py`,
        CMAKE.replace('make("install")', 'make("install", "-j1")'),
      )
    })
    expect(building(plan)).toEqual([
      'app@1.0',
      'cmake@3.31.0',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
    ])
    await fx!.cleanup()
    plan = await planChange(async (fx) => {
      await fx.write('.binary-check.yml', `${CONFIG}deptypes: [link, run]\n`)
      await fx.commit('link/run only')
      await fx.write(
        `${PKG}/cmake/package.py`,
        CMAKE.replace('make("install")', 'make("install", "-j1")'),
      )
    })
    // base is the first commit (default deptypes), so compare the last commit alone:
    const { plan: last } = await runPlan({ repo: fx!.dir, base: 'HEAD~1', head: 'HEAD' })
    expect(building(last)).toEqual(['cmake@3.31.0'])
    expect(plan.head).toBe(last.head)
  })
})
