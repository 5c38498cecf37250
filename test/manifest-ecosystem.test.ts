/** The manifest ecosystem on a real git repository: same digests, graph and plan as Spack. */
import { afterEach, describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'

const CONFIG = `ecosystem: manifest
specs:
  - app os=ubuntu24.04
  - tool
deptypes: [link, run]
packages:
  lib:
    inputs: ["lib/**"]
    versions:
      "2.0": { sha256: "aa" }
      "1.0": { sha256: "bb" }
  tool:
    inputs: ["tool/*.sh"]
    versions: { "1.0": {} }
  app:
    inputs: ["app/**", "cmake/toolchain.cmake"]
    versions: { "3.1": { url: "https://example.invalid/app-3.1.tar.gz" } }
    dependencies:
      - lib@2
      - { spec: tool, types: [build] }
`

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

async function setup(): Promise<string> {
  fx = await createGitFixture({
    '.binary-check.yml': CONFIG,
    'lib/src/lib.c': 'int lib(void) { return 1; }\n',
    'tool/run.sh': '#!/bin/sh\necho tool\n',
    'tool/README': 'docs\n',
    'app/main.c': 'int main(void) { return 0; }\n',
    'cmake/toolchain.cmake': 'set(CMAKE_C_FLAGS "-O2")\n',
  })
  return (await fx.git('rev-parse', 'HEAD')).trim()
}

const building = (plan: Awaited<ReturnType<typeof runPlan>>['plan']) =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

describe('manifest ecosystem', () => {
  it('resolves specs, dependencies and os propagation', async () => {
    const base = await setup()
    const { plan } = await runPlan({ repo: fx!.dir, base, head: base })
    expect(plan.specs.map((s) => s.id).sort()).toEqual([
      'app@3.1 os=ubuntu24.04',
      'lib@2.0 os=ubuntu24.04',
      'tool@1.0',
      'tool@1.0 os=ubuntu24.04',
    ])
  })

  it('an input file change rebuilds the package and its link/run dependents only', async () => {
    const base = await setup()
    await fx!.write('lib/src/lib.c', 'int lib(void) { return 2; }\n')
    await fx!.write('tool/run.sh', '#!/bin/sh\necho tool v2\n')
    await fx!.write('tool/README', 'more docs\n')
    const head = await fx!.commit('change')
    const { plan } = await runPlan({ repo: fx!.dir, base, head })
    // tool is a build-only dependency of app and deptypes are [link, run]: app does not rebuild for it
    expect(building(plan)).toEqual([
      'app@3.1 os=ubuntu24.04',
      'lib@2.0 os=ubuntu24.04',
      'tool@1.0',
      'tool@1.0 os=ubuntu24.04',
    ])
    const app = plan.specs.find((s) => s.id === 'app@3.1 os=ubuntu24.04')!
    expect(app.reasons).toEqual([
      {
        kind: 'dependency',
        dependency: 'lib@2.0 os=ubuntu24.04',
        change: 'changed',
        chain: ['lib@2.0 os=ubuntu24.04'],
        cause: [{ kind: 'input-file', package: 'lib', file: 'lib/src/lib.c' }],
      },
    ])
    expect(plan.ignoredFiles).toEqual(['tool/README'])
  })

  it('a changed source checksum of the version in use rebuilds; of another version does not', async () => {
    const base = await setup()
    await fx!.write(
      '.binary-check.yml',
      CONFIG.replace('"1.0": { sha256: "bb" }', '"1.0": { sha256: "bc" }'),
    )
    let head = await fx!.commit('lib 1.0 checksum')
    expect(building((await runPlan({ repo: fx!.dir, base, head })).plan)).toEqual([])
    await fx!.write(
      '.binary-check.yml',
      CONFIG.replace('"2.0": { sha256: "aa" }', '"2.0": { sha256: "ab" }'),
    )
    head = await fx!.commit('lib 2.0 checksum')
    expect(building((await runPlan({ repo: fx!.dir, base, head })).plan)).toEqual([
      'app@3.1 os=ubuntu24.04',
      'lib@2.0 os=ubuntu24.04',
    ])
  })

  it('an input glob that matches nothing is an error naming the field', async () => {
    await setup()
    await fx!.write(
      '.binary-check.yml',
      CONFIG.replace('"cmake/toolchain.cmake"', '"cmake/missing.cmake"'),
    )
    const head = await fx!.commit('bad glob')
    await expect(runPlan({ repo: fx!.dir, base: head, head })).rejects.toThrow(
      /^packages\.app\.inputs\.1: glob "cmake\/missing\.cmake" matches no file in commit [0-9a-f]{12}$/,
    )
  })
})
