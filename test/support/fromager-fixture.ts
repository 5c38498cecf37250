/**
 * A Fromager overrides tree in a real git repository, laid out as Fromager documents it:
 * `overrides/settings/<name>.yaml`, `overrides/patches/<name>[-<version>][/<variant>]/*.patch`,
 * a plugin package registered for torch, a `graph.json` as `fromager bootstrap` writes it, and a
 * local sdist directory for the one node whose graph entry carries no sha256.
 */
import { createGitFixture, type GitFixture } from './git-fixture.js'

export const FROMAGER_CONFIG = `ecosystem: fromager
fromager:
  variants: [cpu, cuda]
  plugins:
    torch: package_plugins/torch.py
  sdists: sdists-repo/downloads
  envFiles: [overrides/envs/common.env]
containers:
  - { when: "variant=cuda", image: "quay.io/example/wheels-cuda:12.4" }
  - { when: "variant=cpu", image: "quay.io/example/wheels-cpu:1" }
`

const SHA = (c: string): string => c.repeat(64)

export interface GraphOptions {
  numpySha?: string
  edges?: Record<string, Array<{ key: string; req_type: string; req: string }>>
}

/** graph.json as Fromager's DependencyGraph.serialize writes it (root key "", node edges). */
export function graphJson(o: GraphOptions = {}): string {
  const node = (
    name: string,
    version: string,
    url: string,
    edges: Array<{ key: string; req_type: string; req: string }>,
  ) => ({ download_url: url, pre_built: false, version, canonicalized_name: name, edges })
  const setuptools = { key: 'setuptools==75.0.0', req_type: 'build-system', req: 'setuptools>=64' }
  const graph: Record<string, unknown> = {
    '': {
      download_url: '',
      pre_built: false,
      version: '0',
      canonicalized_name: '',
      edges: [
        { key: 'torch==2.5.1', req_type: 'toplevel', req: 'torch==2.5.1' },
        { key: 'torch==2.4.0', req_type: 'toplevel', req: 'torch==2.4.0' },
        { key: 'torchvision==0.20.1', req_type: 'toplevel', req: 'torchvision' },
      ],
    },
    'torchvision==0.20.1': node(
      'torchvision',
      '0.20.1',
      `https://files.example/torchvision-0.20.1.tar.gz#sha256=${SHA('c')}`,
      o.edges?.['torchvision==0.20.1'] ?? [
        { key: 'torch==2.5.1', req_type: 'install', req: 'torch==2.5.1' },
        setuptools,
      ],
    ),
    'torch==2.5.1': node(
      'torch',
      '2.5.1',
      `https://files.example/torch-2.5.1.tar.gz#sha256=${SHA('a')}`,
      o.edges?.['torch==2.5.1'] ?? [
        { key: 'numpy==2.1.0', req_type: 'install', req: 'numpy' },
        setuptools,
      ],
    ),
    'torch==2.4.0': node(
      'torch',
      '2.4.0',
      `https://files.example/torch-2.4.0.tar.gz#sha256=${SHA('b')}`,
      [{ key: 'numpy==2.1.0', req_type: 'install', req: 'numpy' }, setuptools],
    ),
    'numpy==2.1.0': node(
      'numpy',
      '2.1.0',
      `https://files.example/numpy-2.1.0.tar.gz#sha256=${o.numpySha ?? SHA('d')}`,
      [{ key: 'setuptools==75.0.0', req_type: 'build-backend', req: 'setuptools' }],
    ),
    'setuptools==75.0.0': node(
      'setuptools',
      '75.0.0',
      'https://files.example/setuptools-75.0.0.tar.gz',
      [],
    ),
  }
  return `${JSON.stringify(graph, null, 2)}\n`
}

export const TORCH_SETTINGS = `# torch: built from source for every variant
env:
  USE_DISTRIBUTED: "1"   # keep NCCL/gloo
  MAX_JOBS: "4"
build_options:
  cpu_cores_per_job: 2
  memory_per_job_gb: 1.5
changelog:
  "2.4.0":
    - rebuild against numpy 2
variants:
  cpu:
    env:
      USE_CUDA: "0"
  cuda:
    env:
      USE_CUDA: "1"
      TORCH_CUDA_ARCH_LIST: "8.0;9.0"
  rocm:
    pre_built: true
`

export const TORCH_PLUGIN = `"""Fromager hooks for torch."""
from package_plugins import common


def build_wheel(ctx, build_env, extra_environ, req, sdist_root_dir, version, build_dir):
    # delegate to the shared helper
    return common.build_with_cmake(ctx, build_env, extra_environ, req, build_dir)
`

export const COMMON_PLUGIN = `def build_with_cmake(ctx, build_env, extra_environ, req, build_dir):
    extra_environ["CMAKE_BUILD_TYPE"] = "Release"
    return build_env.run(["python", "-m", "build"], extra_environ=extra_environ, cwd=build_dir)
`

export const FILES: Record<string, string> = {
  '.binary-check.yml': FROMAGER_CONFIG,
  'graph.json': graphJson(),
  'overrides/settings/torch.yaml': TORCH_SETTINGS,
  'overrides/settings/NumPy.yaml': 'env:\n  NPY_BLAS_ORDER: openblas\n',
  'overrides/patches/torch/0001-cmake-policy.patch':
    '--- a/CMakeLists.txt\n+++ b/CMakeLists.txt\n@@ -1 +1 @@\n-a\n+b\n',
  'overrides/patches/torch-2.5.1/0002-fix-build.patch':
    '--- a/setup.py\n+++ b/setup.py\n@@ -1 +1 @@\n-x\n+y\n',
  'overrides/patches/torch-2.4.0/0002-fix-build.patch':
    '--- a/setup.py\n+++ b/setup.py\n@@ -1 +1 @@\n-x\n+z\n',
  'overrides/patches/numpy-2.1.0/cuda/0001-cuda-only.patch':
    '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-1\n+2\n',
  'overrides/envs/common.env': 'CFLAGS=-O2\n',
  'package_plugins/__init__.py': '',
  'package_plugins/torch.py': TORCH_PLUGIN,
  'package_plugins/common.py': COMMON_PLUGIN,
  'sdists-repo/downloads/setuptools-75.0.0.tar.gz': 'not really a tarball, but content\n',
  'README.md': '# wheels\n',
}

export async function createFromagerFixture(
  overrides: Record<string, string | null> = {},
): Promise<GitFixture> {
  const files: Record<string, string> = { ...FILES }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete files[k]
    else files[k] = v
  }
  return createGitFixture(files)
}
