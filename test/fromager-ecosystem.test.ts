/**
 * The fromager ecosystem on a real git repository laid out as Fromager documents it: the spec set
 * from graph.json × variants, and what each kind of change rebuilds (and what it does not).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { runPlan } from '../src/engine/plan-engine.js'
import { assertSafeValue } from '../src/render/safe-values.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { PROJECT_ROOT } from './support/run-dist.js'
import {
  COMMON_PLUGIN,
  createFromagerFixture,
  graphJson,
  TORCH_PLUGIN,
  TORCH_SETTINGS,
} from './support/fromager-fixture.js'

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

async function setup(): Promise<string> {
  fx = await createFromagerFixture()
  return (await fx.git('rev-parse', 'HEAD')).trim()
}

async function planAfter(base: string, files: Record<string, string>) {
  for (const [p, c] of Object.entries(files)) await fx!.write(p, c)
  const head = await fx!.commit('change')
  return (await runPlan({ repo: fx!.dir, base, head })).plan
}

const building = (plan: Awaited<ReturnType<typeof runPlan>>['plan']) =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

const ALL_BUILT = [
  'numpy==2.1.0 variant=cpu',
  'numpy==2.1.0 variant=cuda',
  'setuptools==75.0.0 variant=cpu',
  'setuptools==75.0.0 variant=cuda',
  'torch==2.4.0 variant=cpu',
  'torch==2.4.0 variant=cuda',
  'torch==2.5.1 variant=cpu',
  'torch==2.5.1 variant=cuda',
  'torchvision==0.20.1 variant=cpu',
  'torchvision==0.20.1 variant=cuda',
]

describe('fromager ecosystem: spec set', () => {
  it('one spec per graph node and variant, edges by requirement type, containers by variant', async () => {
    const base = await setup()
    const { plan, head } = await runPlan({ repo: fx!.dir, base, head: base })
    expect(plan.specs.map((s) => s.id).sort()).toEqual(ALL_BUILT)
    for (const s of plan.specs) assertSafeValue(s.id, 'spec')
    const torch = head.specs.get('torch==2.5.1 variant=cuda')!
    expect(torch.dependencies).toEqual([
      { id: 'numpy==2.1.0 variant=cuda', name: 'numpy', types: ['run'] },
      { id: 'setuptools==75.0.0 variant=cuda', name: 'setuptools', types: ['build'] },
    ])
    expect(head.containers.get('torch==2.5.1 variant=cuda')).toBe(
      'quay.io/example/wheels-cuda:12.4',
    )
    expect(head.containers.get('torch==2.5.1 variant=cpu')).toBe('quay.io/example/wheels-cpu:1')
    // sdist sha256: from the graph's URL fragment, else the local sdist directory
    const inputs = head.specDigests.get('numpy==2.1.0 variant=cpu')!.inputs
    expect(inputs.source).toEqual({ version: '2.1.0', checksum: `sha256:${'d'.repeat(64)}` })
    expect(head.specDigests.get('setuptools==75.0.0 variant=cpu')!.inputs.source.checksum).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    )
    // NumPy.yaml is numpy's settings (PEP 503), the cuda-only patch reaches cuda wheels only
    expect(head.packages.get('numpy')!.recipePath).toBe('overrides/settings/NumPy.yaml')
    expect(Object.keys(head.specDigests.get('numpy==2.1.0 variant=cuda')!.inputs.patches)).toEqual([
      'overrides/patches/numpy-2.1.0/cuda/0001-cuda-only.patch',
    ])
    expect(head.specDigests.get('numpy==2.1.0 variant=cpu')!.inputs.patches).toEqual({})
    expect(Object.keys(head.specDigests.get('torch==2.4.0 variant=cpu')!.inputs.patches)).toEqual([
      'overrides/patches/torch-2.4.0/0002-fix-build.patch',
      'overrides/patches/torch/0001-cmake-policy.patch',
    ])
    // the plugin, the local module it imports and that module's package (__init__ runs on import)
    expect(Object.keys(head.packages.get('torch')!.digestInputs.bases)).toEqual([
      'package_plugins/__init__.py',
      'package_plugins/common.py',
      'package_plugins/torch.py',
    ])
  })

  it('a variant whose settings say pre_built is not built', async () => {
    fx = await createFromagerFixture({
      '.binary-check.yml': (await import('./support/fromager-fixture.js')).FROMAGER_CONFIG.replace(
        'variants: [cpu, cuda]',
        'variants: [cpu, rocm]',
      ),
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    const { plan } = await runPlan({ repo: fx.dir, base, head: base })
    const rocm = plan.specs.find((s) => s.id === 'torch==2.5.1 variant=rocm')!
    expect(rocm.status).toBe('external')
    expect(plan.matrix.include.map((m) => m.spec)).not.toContain('torch==2.5.1 variant=rocm')
  })
})

describe('fromager ecosystem: what a change rebuilds', () => {
  it('a comment-only settings change rebuilds nothing', async () => {
    const base = await setup()
    const plan = await planAfter(base, {
      'overrides/settings/torch.yaml': `${TORCH_SETTINGS.replace('# keep NCCL/gloo', '# keep NCCL and gloo')}# trailing note\n`,
    })
    expect(building(plan)).toEqual([])
  })

  it('a key-reorder-only settings change rebuilds nothing', async () => {
    const base = await setup()
    const reordered = `variants:
  rocm: { pre_built: true }
  cuda:
    env: { TORCH_CUDA_ARCH_LIST: '8.0;9.0', USE_CUDA: '1' }
  cpu:
    env:
      USE_CUDA: "0"
changelog: { "2.4.0": [rebuild against numpy 2] }
build_options: { memory_per_job_gb: 1.5, cpu_cores_per_job: 2 }
env: { MAX_JOBS: "4", USE_DISTRIBUTED: "1" }
`
    expect(building(await planAfter(base, { 'overrides/settings/torch.yaml': reordered }))).toEqual(
      [],
    )
  })

  it('a package-wide setting rebuilds every wheel of the package and its dependents', async () => {
    const base = await setup()
    const plan = await planAfter(base, {
      'overrides/settings/torch.yaml': TORCH_SETTINGS.replace('MAX_JOBS: "4"', 'MAX_JOBS: "8"'),
    })
    expect(building(plan)).toEqual([
      'torch==2.4.0 variant=cpu',
      'torch==2.4.0 variant=cuda',
      'torch==2.5.1 variant=cpu',
      'torch==2.5.1 variant=cuda',
      'torchvision==0.20.1 variant=cpu',
      'torchvision==0.20.1 variant=cuda',
    ])
    expect(plan.specs.find((s) => s.id === 'torch==2.4.0 variant=cpu')!.reasons).toEqual([
      { kind: 'recipe', package: 'torch', files: ['overrides/settings/torch.yaml'] },
    ])
  })

  it('a patch for one version rebuilds only that version and its dependents', async () => {
    const base = await setup()
    let plan = await planAfter(base, {
      'overrides/patches/torch-2.4.0/0002-fix-build.patch':
        '--- a/setup.py\n+++ b/setup.py\n@@ -1 +1 @@\n-x\n+zz\n',
    })
    expect(building(plan)).toEqual(['torch==2.4.0 variant=cpu', 'torch==2.4.0 variant=cuda'])
    expect(plan.specs.find((s) => s.id === 'torch==2.4.0 variant=cpu')!.reasons).toEqual([
      {
        kind: 'patch',
        file: 'overrides/patches/torch-2.4.0/0002-fix-build.patch',
        change: 'changed',
      },
    ])
    const mid = (await fx!.git('rev-parse', 'HEAD')).trim()
    plan = await planAfter(mid, {
      'overrides/patches/torch-2.5.1/0003-new.patch': '--- a/a\n+++ b/a\n@@ -1 +1 @@\n-1\n+2\n',
    })
    expect(building(plan)).toEqual([
      'torch==2.5.1 variant=cpu',
      'torch==2.5.1 variant=cuda',
      'torchvision==0.20.1 variant=cpu',
      'torchvision==0.20.1 variant=cuda',
    ])
  })

  it('versioned patches reach a local version (2.4.0+cu124) too: conservatively, every version', async () => {
    fx = await createFromagerFixture({
      'graph.json': graphJson()
        .replaceAll('torch==2.4.0', 'torch==2.4.0+cu124')
        .replace('"version": "2.4.0"', '"version": "2.4.0+cu124"'),
    })
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    const plan = await planAfter(base, {
      'overrides/patches/torch-2.4.0/0002-fix-build.patch': '--- a/setup.py\n+++ b/setup.py\n',
    })
    expect(building(plan)).toEqual([
      'torch==2.4.0+cu124 variant=cpu',
      'torch==2.4.0+cu124 variant=cuda',
      'torch==2.5.1 variant=cpu',
      'torch==2.5.1 variant=cuda',
      'torchvision==0.20.1 variant=cpu',
      'torchvision==0.20.1 variant=cuda',
    ])
  })

  it('a new sdist hash rebuilds that wheel and its dependents', async () => {
    const base = await setup()
    const plan = await planAfter(base, { 'graph.json': graphJson({ numpySha: 'e'.repeat(64) }) })
    expect(building(plan)).toEqual(ALL_BUILT.filter((id) => !id.startsWith('setuptools')))
    expect(plan.specs.find((s) => s.id === 'numpy==2.1.0 variant=cpu')!.reasons).toEqual([
      {
        kind: 'source',
        version: '2.1.0',
        field: 'checksum',
        old: `sha256:${'d'.repeat(64)}`,
        new: `sha256:${'e'.repeat(64)}`,
      },
    ])
    // the same for an sdist hashed from the local sdist directory: everything builds on setuptools
    const mid = (await fx!.git('rev-parse', 'HEAD')).trim()
    const again = await planAfter(mid, {
      'sdists-repo/downloads/setuptools-75.0.0.tar.gz': 'a re-released sdist\n',
    })
    expect(building(again)).toEqual(ALL_BUILT)
  })

  it('a plugin change rebuilds that package\u2019s wheels (and dependents); a comment does not', async () => {
    const base = await setup()
    let plan = await planAfter(base, {
      'package_plugins/torch.py': TORCH_PLUGIN.replace(
        '# delegate to the shared helper',
        '# shared',
      ),
    })
    expect(building(plan)).toEqual([])
    let mid = (await fx!.git('rev-parse', 'HEAD')).trim()
    plan = await planAfter(mid, {
      'package_plugins/torch.py': TORCH_PLUGIN.replace('build_dir)\n', 'build_dir / "python")\n'),
    })
    const torchAndDependents = [
      'torch==2.4.0 variant=cpu',
      'torch==2.4.0 variant=cuda',
      'torch==2.5.1 variant=cpu',
      'torch==2.5.1 variant=cuda',
      'torchvision==0.20.1 variant=cpu',
      'torchvision==0.20.1 variant=cuda',
    ]
    expect(building(plan)).toEqual(torchAndDependents)
    expect(plan.specs.find((s) => s.id === 'torch==2.4.0 variant=cpu')!.reasons).toEqual([
      { kind: 'recipe', package: 'torch', files: ['package_plugins/torch.py'] },
    ])
    // a local module the plugin imports counts as plugin source
    mid = (await fx!.git('rev-parse', 'HEAD')).trim()
    plan = await planAfter(mid, {
      'package_plugins/common.py': COMMON_PLUGIN.replace('"Release"', '"RelWithDebInfo"'),
    })
    expect(building(plan)).toEqual(torchAndDependents)
  })

  it('a change to a cuda variant setting rebuilds only cuda wheels', async () => {
    const base = await setup()
    const plan = await planAfter(base, {
      'overrides/settings/torch.yaml': TORCH_SETTINGS.replace('"8.0;9.0"', '"8.0;9.0;10.0"'),
    })
    expect(building(plan)).toEqual([
      'torch==2.4.0 variant=cuda',
      'torch==2.5.1 variant=cuda',
      'torchvision==0.20.1 variant=cuda',
    ])
  })

  it('a changelog entry for one version rebuilds only that version', async () => {
    const base = await setup()
    const plan = await planAfter(base, {
      'overrides/settings/torch.yaml': TORCH_SETTINGS.replace(
        '    - rebuild against numpy 2\n',
        '    - rebuild against numpy 2\n    - fix RPATH\n',
      ),
    })
    expect(building(plan)).toEqual(['torch==2.4.0 variant=cpu', 'torch==2.4.0 variant=cuda'])
  })

  it('an env file change rebuilds every wheel', async () => {
    const base = await setup()
    const plan = await planAfter(base, { 'overrides/envs/common.env': 'CFLAGS=-O3\n' })
    expect(building(plan)).toEqual(ALL_BUILT)
    expect(plan.ignoredFiles).toEqual([])
  })
})

describe('examples/fromager', () => {
  const DIR = join(PROJECT_ROOT, 'examples/fromager')

  async function exampleFiles(dir = DIR, prefix = ''): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = `${prefix}${e.name}`
      if (e.isDirectory()) Object.assign(out, await exampleFiles(join(dir, e.name), `${rel}/`))
      else out[rel] = await readFile(join(dir, e.name), 'utf8')
    }
    return out
  }

  it('plans every graph node per variant, and a cuda setting reaches cuda wheels only', async () => {
    const files = await exampleFiles()
    fx = await createGitFixture(files)
    const base = (await fx.git('rev-parse', 'HEAD')).trim()
    const { plan } = await runPlan({ repo: fx.dir, base, head: base })
    expect(plan.specs).toHaveLength(18)
    expect(plan.specs.find((s) => s.id === 'torch==2.5.1 variant=cuda')!.container).toBe(
      'quay.io/example/fromager-cuda:12.6',
    )
    await fx.write(
      'overrides/settings/numpy.yaml',
      files['overrides/settings/numpy.yaml']!.replace(
        /NPY_DISABLE_SVML: .1./,
        'NPY_DISABLE_SVML: "0"',
      ),
    )
    const head = await fx.commit('numpy cuda setting')
    expect(building((await runPlan({ repo: fx.dir, base, head })).plan)).toEqual([
      'numpy==2.1.3 variant=cuda',
      'torch==2.5.1 variant=cuda',
    ])
  })

  it('the workflows parse and pass spec values to the shell through env only', async () => {
    for (const f of ['wheels.yml', 'build-wave.yml']) {
      const text = await readFile(join(DIR, f), 'utf8')
      const doc = parseYaml(text) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> }
      for (const job of Object.values(doc.jobs))
        for (const step of job.steps ?? []) expect(step.run ?? '').not.toContain('${{')
    }
  })
})
