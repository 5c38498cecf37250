/**
 * Realistic recipes written in Spack's style (test/fixtures/spack-recipes/): a CMakePackage with
 * cmake_args, an AutotoolsPackage with configure_args and a literal version loop, and a
 * PythonPackage; old-style (`from spack.package import *`) and new-style (`spack_repo`) imports.
 */
import { readFileSync } from 'node:fs'
import { parser } from '../src/ecosystems/spack/recipe/grammar/parser.js'
import { describe, expect, it } from 'vitest'
import { canonicalizePythonModule, parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/spack-recipes/${name}`, import.meta.url), 'utf8')

function hasSyntaxError(text: string): boolean {
  let bad = false
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError) bad = true
    },
  })
  return bad
}

/** A reformat in the style of another formatter: single quotes, 2-space indent, comments moved. */
function reformat(source: string): string {
  return source
    .replace(/"([A-Za-z0-9_@:.+\-/=,%~ ]+)"/g, "'$1'")
    .replace(/^((?: {4})+)/gm, (spaces: string) => ' '.repeat(spaces.length / 2))
    .replace(/^(\s*)# .*$/gm, '$1# (comment rewritten)')
    .replace(/\n\n/g, '\n\n\n')
}

const FIXTURES = ['hdf5-cmake.py', 'libpng-autotools.py', 'py-requests.py']

describe.each(FIXTURES)('%s', (name) => {
  const source = fixture(name)
  const parsed = parseSpackRecipe(source, `packages/${name}`)

  it('canonical text re-parses without errors and is stable', () => {
    expect(hasSyntaxError(parsed.canonical)).toBe(false)
    expect(canonicalizePythonModule(parsed.canonical, 'canonical.py')).toBe(parsed.canonical)
  })

  it('holds no comments, docstrings, metadata or extracted directives', () => {
    expect(parsed.canonical).not.toMatch(
      /#|"""|homepage|maintainers|^ +(license|version|variant|depends_on|patch|provides|conflicts)\(/m,
    )
    expect(parsed.unresolved).toEqual([])
  })

  it('does not change under a reformat', () => {
    const reformatted = reformat(source)
    expect(reformatted).not.toBe(source)
    expect(parseSpackRecipe(reformatted, `packages/${name}`).canonical).toBe(parsed.canonical)
  })
})

describe('CMakePackage (new-style imports)', () => {
  const r = parseSpackRecipe(fixture('hdf5-cmake.py'), 'packages/hdf5/package.py')

  it('finds the class, its bases and imports', () => {
    expect(r.className).toBe('Hdf5')
    expect(r.baseClassNames).toEqual(['CMakePackage', 'CudaPackage'])
    expect(r.imports.map((i) => i.module)).toEqual([
      'os',
      'sys',
      'spack_repo.builtin.build_systems.cmake',
      'spack_repo.builtin.build_systems.cuda',
      'spack.package',
    ])
  })

  it('extracts every directive', () => {
    expect(r.versions.map((v) => v.version)).toEqual([
      'develop-1.15',
      '1.14.3',
      '1.14.2',
      '1.14.1-2',
      '1.14.0',
      '1.12.2',
    ])
    expect(r.versions.find((v) => v.version === '1.14.0')).toEqual({
      version: '1.14.0',
      checksum: 'a571cc83efda62e1a51a0a912dd916d01895801c5025af91669484a1575a6ef4',
      deprecated: false,
      preferred: false,
      place: { file: 'packages/hdf5/package.py', line: 35 },
    })
    expect(r.variants.map((v) => v.name)).toEqual([
      'shared',
      'hl',
      'cxx',
      'fortran',
      'java',
      'threadsafe',
      'tools',
      'mpi',
      'szip',
      'api',
    ])
    expect(r.dependencies.find((d) => d.name === 'java')).toMatchObject({
      spec: 'java',
      types: ['build', 'run'],
      when: '+java',
    })
    expect(r.dependencies.find((d) => d.spec === 'cuda@11:')).toMatchObject({ when: '+cuda' })
    expect(r.conflicts).toEqual([
      { spec: '%gcc@:7', when: '+cuda', msg: 'CUDA support requires a newer GCC' },
      { spec: 'api=v114', when: '@1.6:1.12', msg: 'v114 is not compatible with this release' },
      { spec: '+fortran', when: '+shared@:1.8.15' },
    ])
    expect(r.patches.map((p) => p.file ?? p.url)).toEqual([
      'fortran-kinds.patch',
      'https://github.com/HDFGroup/hdf5/commit/abc.patch?full_index=1',
    ])
    expect(r.provides).toEqual([{ specs: ['hdf5-api@1.14'], when: '@1.14' }])
  })

  it('keeps cmake_args and the source urls in the canonical text, the @when method apart', () => {
    expect(r.canonical).toContain('    def cmake_args(self):\n        spec = self.spec\n')
    expect(r.canonical).toContain('    git = "https://github.com/HDFGroup/hdf5.git"\n')
    expect(r.canonical).not.toContain('list_url')
    expect(r.canonical).not.toContain('setup_build_environment')
    expect(r.conditionalCode).toEqual([
      {
        when: '@:1.8.21,1.10.0:1.10.5+szip',
        label: 'method setup_build_environment when @:1.8.21,1.10.0:1.10.5+szip',
        canonical:
          'def setup_build_environment(self, env):\n    env.append_flags("LDFLAGS", self.spec["szip"].libs.ld_flags)\n',
        line: 94,
      },
    ])
  })
})

describe('AutotoolsPackage', () => {
  const r = parseSpackRecipe(fixture('libpng-autotools.py'), 'packages/libpng/package.py')

  it('unrolls the deprecated-version loop', () => {
    expect(r.versions.slice(3)).toEqual([
      {
        version: '1.2.59',
        checksum: 'b4635f15b8adccc8ad0934eea485ef59cc4cae24d0f0300a9a25aeeb6413e0e6',
        url: 'https://prdownloads.sourceforge.net/libpng/libpng-1.2.59.tar.gz',
        deprecated: true,
        preferred: false,
        place: { file: 'packages/libpng/package.py', line: 42 },
      },
      {
        version: '1.2.57',
        checksum: '0f4620e11fa283fedafb474427c8e96bf149511a1804bdc47350963ae5cf54d8',
        url: 'https://prdownloads.sourceforge.net/libpng/libpng-1.2.57.tar.gz',
        deprecated: true,
        preferred: false,
        place: { file: 'packages/libpng/package.py', line: 42 },
      },
    ])
    expect(r.variants[0]).toEqual({
      name: 'libs',
      default: 'shared,static',
      values: ['shared', 'static'],
      multi: true,
      place: { file: 'packages/libpng/package.py', line: 29 },
    })
  })

  it('normalizes f-strings in configure_args', () => {
    expect(r.canonical).toContain(
      `args = [f'CPPFLAGS={self.spec["zlib-api"].headers.include_flags}', f'LDFLAGS={self.spec["zlib-api"].libs.search_flags}']`,
    )
  })
})

describe('PythonPackage', () => {
  it('has this exact canonical text', () => {
    const r = parseSpackRecipe(fixture('py-requests.py'), 'packages/py-requests/package.py')
    expect(r.canonical).toBe(`from spack.package import *
class PyRequests(PythonPackage):
    pypi = "requests/requests-2.24.0.tar.gz"
    def setup_run_environment(self, env):
        env.set("REQUESTS_CA_BUNDLE", join_path(self.spec["py-certifi"].prefix, "cacert.pem"))
`)
    expect(
      r.dependencies.map((d) => `${d.name} ${d.types.join(',')} ${d.when ?? ''}`.trim()),
    ).toEqual([
      'python build,run @2.32:',
      'py-setuptools build',
      'py-charset-normalizer build,run @2.28:',
      'py-idna build,run @2.26:',
      'py-urllib3 build,run @2.30:',
      'py-certifi build,run',
      'py-pysocks build,run +socks',
    ])
  })
})
