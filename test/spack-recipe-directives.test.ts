/**
 * Directive extraction from Spack recipes: every directive kind, `with when()` / `default_args()`
 * blocks, literal loops, `@when` methods, what stays as code (unresolved) and what is an error.
 */
import { describe, expect, it } from 'vitest'
import { parseSpackRecipe, type ParsedRecipe } from '../src/ecosystems/spack/recipe/index.js'

const FILE = 'repo/packages/foo/package.py'

/** A recipe whose class body is `body` (indented by four spaces), starting at line 4. */
function recipe(
  body: string,
  header = 'from spack.package import *\n\n\nclass Foo(Package):\n',
): ParsedRecipe {
  const indented = body
    .split('\n')
    .map((line) => (line.length > 0 ? '    ' + line : line))
    .join('\n')
  return parseSpackRecipe(header + indented + '\n', FILE)
}

const at = (line: number) => ({ file: FILE, line })

describe('version', () => {
  it('reads checksums, sources, flags and other keywords', () => {
    const r = recipe(`version("2.0", sha256="aa", preferred=True)
version("1.9", "0123456789abcdef0123456789abcdef")
version("1.8", md5="bb", deprecated=True, expand=False, extension="tar.gz")
version("main", branch="main", submodules=True)
version("1.7", tag="v1.7", commit="c0ffee", get_full_repo=True)
version("1.6", url="https://example.org/foo-1.6.tgz", sha256="cc", sha512="dd")`)
    expect(r.versions).toEqual([
      { version: '2.0', checksum: 'aa', deprecated: false, preferred: true, place: at(5) },
      {
        version: '1.9',
        checksum: '0123456789abcdef0123456789abcdef',
        deprecated: false,
        preferred: false,
        place: at(6),
      },
      {
        version: '1.8',
        checksum: 'bb',
        deprecated: true,
        preferred: false,
        extra: { expand: 'false', extension: 'tar.gz' },
        place: at(7),
      },
      {
        version: 'main',
        branch: 'main',
        deprecated: false,
        preferred: false,
        extra: { submodules: 'true' },
        place: at(8),
      },
      {
        version: '1.7',
        tag: 'v1.7',
        commit: 'c0ffee',
        deprecated: false,
        preferred: false,
        extra: { get_full_repo: 'true' },
        place: at(9),
      },
      {
        version: '1.6',
        url: 'https://example.org/foo-1.6.tgz',
        checksum: 'cc',
        deprecated: false,
        preferred: false,
        extra: { sha512: 'dd' },
        place: at(10),
      },
    ])
    expect(r.canonical).toBe('from spack.package import *\nclass Foo(Package):\n    pass\n')
  })

  it('reads a directive spread over several lines with any quoting', () => {
    const r = recipe(`version(
    '1.0',
    sha256='ab' 'cd',  # split
)`)
    expect(r.versions).toEqual([
      { version: '1.0', checksum: 'abcd', deprecated: false, preferred: false, place: at(5) },
    ])
  })
})

describe('variant and build_system', () => {
  it('stringifies defaults and values', () => {
    const r = recipe(`variant("shared", default=True, description="Shared libraries")
variant("static", default=False, description="Static")
variant("libs", default="shared,static", values=("shared", "static"), multi=True, description="Libs")
variant("arch", default=("70", "80"), values=["70", "80", "90"], multi=True, description="Archs", sticky=True)
variant("java", default=False, when="@1.10:", description="Java")
variant("plain")`)
    expect(r.variants).toEqual([
      { name: 'shared', default: 'true', place: at(5) },
      { name: 'static', default: 'false', place: at(6) },
      {
        name: 'libs',
        default: 'shared,static',
        values: ['shared', 'static'],
        multi: true,
        place: at(7),
      },
      { name: 'arch', default: '70,80', values: ['70', '80', '90'], multi: true, place: at(8) },
      { name: 'java', default: 'false', when: '@1.10:', place: at(9) },
      { name: 'plain', default: 'false', place: at(10) },
    ])
  })

  it('records build_system(...) as the build_system variant', () => {
    const r = recipe('build_system("cmake", "autotools", default="cmake")\nbuild_system("meson")')
    expect(r.variants).toEqual([
      {
        name: 'build_system',
        default: 'cmake',
        values: ['cmake', 'autotools'],
        multi: false,
        place: at(5),
      },
      { name: 'build_system', default: 'meson', values: ['meson'], multi: false, place: at(6) },
    ])
  })
})

describe('depends_on and extends', () => {
  it('reads name, types and conditions', () => {
    const r = recipe(`depends_on("py-numpy@1.2:+x", type=("build", "run"), when="@2:")
depends_on("zlib-api")
depends_on("cmake@3.18: +ownlibs", type="build")
depends_on("mpi", "+mpi")
depends_on("builtin.hdf5 ~mpi", type=["link", "build", "link"])
extends("python")
extends("perl", type="build")`)
    expect(r.dependencies).toEqual([
      {
        name: 'py-numpy',
        spec: 'py-numpy@1.2:+x',
        types: ['build', 'run'],
        when: '@2:',
        place: at(5),
      },
      { name: 'zlib-api', spec: 'zlib-api', types: ['build', 'link'], place: at(6) },
      { name: 'cmake', spec: 'cmake@3.18: +ownlibs', types: ['build'], place: at(7) },
      { name: 'mpi', spec: 'mpi', types: ['build', 'link'], when: '+mpi', place: at(8) },
      { name: 'hdf5', spec: 'builtin.hdf5 ~mpi', types: ['build', 'link'], place: at(9) },
      // Spack's extends() defaults to type=("build", "run") (directives.py).
      { name: 'python', spec: 'python', types: ['build', 'run'], place: at(10) },
      { name: 'perl', spec: 'perl', types: ['build'], place: at(11) },
    ])
  })
})

describe('patch, resource, provides, conflicts, requires', () => {
  it('reads patches from files and urls', () => {
    const r = recipe(`patch("fix-build.patch", when="@:1.1")
patch("https://github.com/x/y/commit/abc.patch?full_index=1", sha256="ee", when="@1.2")
patch("ftp://mirror.example.org/p.diff", sha256="ff", level=0, working_dir="src", reverse=True)`)
    expect(r.patches).toEqual([
      { file: 'fix-build.patch', when: '@:1.1', place: at(5) },
      {
        url: 'https://github.com/x/y/commit/abc.patch?full_index=1',
        sha256: 'ee',
        when: '@1.2',
        place: at(6),
      },
      {
        url: 'ftp://mirror.example.org/p.diff',
        sha256: 'ff',
        level: 0,
        extra: { working_dir: 'src', reverse: 'true' },
        place: at(7),
      },
    ])
  })

  it('reads resources with all their fields', () => {
    const r =
      recipe(`resource(name="cub", url="https://example.org/cub-1.0.zip", sha256="12", destination="cub", when="+cuda")
resource(name="data", git="https://example.org/data.git", tag="v1", placement={"a": "b"}, expand=False)`)
    expect(r.resources).toEqual([
      {
        fields: {
          name: 'cub',
          url: 'https://example.org/cub-1.0.zip',
          sha256: '12',
          destination: 'cub',
        },
        when: '+cuda',
        place: at(5),
      },
      {
        fields: {
          name: 'data',
          git: 'https://example.org/data.git',
          tag: 'v1',
          placement: '{"a":"b"}',
          expand: 'false',
        },
        place: at(6),
      },
    ])
  })

  it('reads provides, conflicts and requires', () => {
    const r = recipe(`provides("mpi@:3.1", "mpi-io", when="@3:")
provides("blas")
conflicts("%gcc@:7", when="+cuda", msg="too old")
conflicts("+shared", "@:1.0")
requires("%gcc", when="platform=linux", msg="gcc only")
requires("+pic")`)
    expect(r.provides).toEqual([
      { specs: ['mpi@:3.1', 'mpi-io'], when: '@3:' },
      { specs: ['blas'] },
    ])
    expect(r.conflicts).toEqual([
      { spec: '%gcc@:7', when: '+cuda', msg: 'too old' },
      { spec: '+shared', when: '@:1.0' },
    ])
    expect(r.requires).toEqual([
      { spec: '%gcc', when: 'platform=linux', msg: 'gcc only' },
      { spec: '+pic' },
    ])
    expect(r.unresolved).toEqual([])
  })
})

describe('conditions and defaults from with-blocks', () => {
  it('applies with when(...) to every directive inside, nested and combined with when=', () => {
    const r = recipe(`with when("+cuda"):
    depends_on("cuda@11:")
    with when("@2:"):
        conflicts("%gcc@:8", msg="no")
        depends_on("cub", when="@:2.5")
    variant("cuda_arch", default="80", values=("70", "80"), multi=True)
depends_on("zlib")`)
    expect(r.dependencies).toEqual([
      { name: 'cuda', spec: 'cuda@11:', types: ['build', 'link'], when: '+cuda', place: at(6) },
      { name: 'cub', spec: 'cub', types: ['build', 'link'], when: '+cuda @2: @:2.5', place: at(9) },
      { name: 'zlib', spec: 'zlib', types: ['build', 'link'], place: at(11) },
    ])
    expect(r.conflicts).toEqual([{ spec: '%gcc@:8', when: '+cuda @2:', msg: 'no' }])
    expect(r.variants).toEqual([
      {
        name: 'cuda_arch',
        default: '80',
        values: ['70', '80'],
        multi: true,
        when: '+cuda',
        place: at(10),
      },
    ])
    expect(r.canonical).toBe('from spack.package import *\nclass Foo(Package):\n    pass\n')
  })

  it('fills in default_args(...) keywords a directive does not give itself', () => {
    const r = recipe(`with default_args(type=("build", "run")):
    depends_on("py-a")
    depends_on("py-b", type="build")
    with when("+x"), default_args(when="@2:"):
        depends_on("py-c")`)
    expect(r.dependencies).toEqual([
      { name: 'py-a', spec: 'py-a', types: ['build', 'run'], place: at(6) },
      { name: 'py-b', spec: 'py-b', types: ['build'], place: at(7) },
      { name: 'py-c', spec: 'py-c', types: ['build', 'run'], when: '+x @2:', place: at(9) },
    ])
  })

  it('moves other code of a with when() block to conditional code, nested conditions combined', () => {
    const r = recipe(`with when("+cuda"):
    depends_on("cuda")
    def cuda_flags(self):
        return ["-arch=sm_80"]  # default arch
    with when("@2:"):
        conflicts("%gcc@:8")
        cuda_std = 17
with when("+rocm"):
    depends_on("hip", when=HIP_WHEN)`)
    expect(r.dependencies).toHaveLength(1)
    expect(r.conflicts).toEqual([{ spec: '%gcc@:8', when: '+cuda @2:' }])
    expect(r.conditionalCode).toEqual([
      {
        when: '+cuda @2:',
        label: 'with when("+cuda @2:") block',
        canonical: 'cuda_std = 17\n',
        line: 9,
      },
      {
        when: '+cuda',
        label: 'with when("+cuda") block',
        canonical: 'def cuda_flags(self):\n    return ["-arch=sm_80"]\n',
        line: 5,
      },
      {
        when: '+rocm',
        label: 'with when("+rocm") block',
        canonical: 'depends_on("hip", when=HIP_WHEN)\n',
        line: 12,
      },
    ])
    expect(r.unresolved).toEqual([
      { line: 13, reason: "depends_on(...): argument 'when' is not a literal" },
    ])
    expect(r.canonical).toBe('from spack.package import *\nclass Foo(Package):\n    pass\n')
  })

  it('numbers repeated block labels without line numbers', () => {
    const r = recipe('with when("+x"):\n    a = 1\nwith when("+x"):\n    b = 2')
    expect(r.conditionalCode.map((c) => c.label)).toEqual([
      'with when("+x") block',
      'with when("+x") block #2',
    ])
  })

  it('keeps that code unconditional on request (Spack runs it for every spec)', () => {
    const source =
      'from spack.package import *\n\nclass Foo(Package):\n    with when("+cuda"):\n        depends_on("cuda")\n        cuda_flags = ["-O3"]\n'
    const r = parseSpackRecipe(source, FILE, { withWhenCode: 'unconditional' })
    expect(r.dependencies).toHaveLength(1)
    expect(r.conditionalCode).toEqual([])
    expect(r.canonical).toBe(
      'from spack.package import *\nclass Foo(Package):\n    with when("+cuda"):\n        cuda_flags = ["-O3"]\n',
    )
  })
})

describe('literal loops', () => {
  it('unrolls loops over literal tuples with unpacking and f-strings', () => {
    const r = recipe(`for ver, sha in [("1.0", "aa"), ("1.1", "bb")]:
    version(ver, sha256=sha, url=f"https://example.org/foo-{ver}.tgz")
for v in "2.0", "2.1":
    with when(f"@{v}"):
        patch(f"fix-{v}.patch")`)
    expect(r.versions).toEqual([
      {
        version: '1.0',
        checksum: 'aa',
        url: 'https://example.org/foo-1.0.tgz',
        deprecated: false,
        preferred: false,
        place: at(6),
      },
      {
        version: '1.1',
        checksum: 'bb',
        url: 'https://example.org/foo-1.1.tgz',
        deprecated: false,
        preferred: false,
        place: at(6),
      },
    ])
    expect(r.patches).toEqual([
      { file: 'fix-2.0.patch', when: '@2.0', place: at(9) },
      { file: 'fix-2.1.patch', when: '@2.1', place: at(9) },
    ])
    expect(r.canonical).not.toContain('for ')
  })

  it('keeps a loop over a computed value, or with code in it, and reports its directives', () => {
    const r = recipe(`for v in _versions:
    version(v)
for v in ("3.0",):
    version(v)
    last = v
def install(self, spec, prefix):
    make(self.last)`)
    expect(r.versions).toEqual([])
    expect(r.unresolved).toEqual([
      {
        line: 6,
        reason: "version(...): inside a 'for' loop that cannot be unrolled, kept as code",
      },
      {
        line: 8,
        reason: "version(...): inside a 'for' loop that cannot be unrolled, kept as code",
      },
    ])
    expect(r.canonical).toContain('    for v in _versions:\n        version(v)\n')
  })

  it('unrolls a loop that binds names only it uses (readline: ver = Version(s), ver.joined)', () => {
    const r = recipe(`for verstr, num, checksum in [
    ("8.3", "001", "${'a'.repeat(64)}"),
    ("8.2", "013", "${'b'.repeat(64)}"),
]:
    ver = Version(verstr)
    patch(
        f"https://ftpmirror.gnu.org/readline/readline-{ver}-patches/readline{ver.joined}-{num}",
        level=0,
        when=f"@{ver}",
        sha256=checksum,
    )`)
    expect(r.unresolved).toEqual([])
    expect(r.patches.map((p) => [p.url, p.when, p.level, p.sha256?.slice(0, 1)])).toEqual([
      ['https://ftpmirror.gnu.org/readline/readline-8.3-patches/readline83-001', '@8.3', 0, 'a'],
      ['https://ftpmirror.gnu.org/readline/readline-8.2-patches/readline82-013', '@8.2', 0, 'b'],
    ])
    expect(r.canonical).not.toContain('for verstr')
  })
})

describe('unresolvable arguments stay as code', () => {
  it('keeps the statement and reports why', () => {
    const r = recipe(`depends_on("zlib", when=WHEN)
variant("opts", default="none", values=any_combination_of("a", "b"), description="x")
depends_on("llvm", patches=[patch("llvm.patch")])
version("1.0", **_info)
requires("%gcc", "%clang", policy="one_of")
if WITH_ICONV:
    depends_on("libiconv")
with when(_cond):
    depends_on("bzip2")
version("2.0", sha256="aa")`)
    expect(r.unresolved).toEqual([
      { line: 5, reason: "depends_on(...): argument 'when' is not a literal" },
      { line: 6, reason: "variant(...): argument 'values' is not a literal" },
      { line: 7, reason: "depends_on(...): argument 'patches' is not a literal" },
      { line: 8, reason: 'version(...): uses argument unpacking (*args or **kwargs)' },
      {
        line: 9,
        reason: 'requires(...): several specs (policy one_of/any_of) do not fit one constraint',
      },
      { line: 11, reason: "depends_on(...): inside an 'if' statement, kept as code" },
      { line: 12, reason: 'when(...): argument 1 is not a literal' },
      { line: 13, reason: "depends_on(...): inside a 'with' block, kept as code" },
    ])
    expect(r.dependencies).toEqual([])
    expect(r.versions.map((v) => v.version)).toEqual(['2.0'])
    expect(r.canonical).toBe(`from spack.package import *
class Foo(Package):
    depends_on("zlib", when=WHEN)
    variant("opts", default="none", values=any_combination_of("a", "b"), description="x")
    depends_on("llvm", patches=[patch("llvm.patch")])
    version("1.0", **_info)
    requires("%gcc", "%clang", policy="one_of")
    if WITH_ICONV:
        depends_on("libiconv")
    with when(_cond):
        depends_on("bzip2")
`)
  })

  it('treats calls named like Object members as plain code', () => {
    const r = recipe('toString("x")\nconstructor(1)')
    expect(r.unresolved).toEqual([])
    expect(r.canonical).toContain('    toString("x")\n    constructor(1)\n')
  })

  it('ignores directive-like calls outside the package class body', () => {
    const r = recipe('def install(self, spec, prefix):\n    version("1.0")\n')
    expect(r.versions).toEqual([])
    expect(r.canonical).toContain('        version("1.0")')
  })
})

// Spack would reject these at class creation; the analyser keeps the call as code and lists it as
// unresolved, so one odd recipe never blocks a plan (issue 8 §3).
describe('bad directive arguments stay as code, listed as unresolved', () => {
  const cases: Array<[string, string, string]> = [
    ['an unknown keyword', 'depends_on("zlib", foo="bar")', "depends_on(): unknown argument 'foo'"],
    [
      'an unknown variant keyword',
      'variant("x", default=True, descripton="typo")',
      "variant(): unknown argument 'descripton'",
    ],
    [
      'an unknown provides keyword',
      'provides("mpi", since="@2")',
      "provides(): unknown argument 'since'",
    ],
    [
      'an unknown conflicts keyword',
      'conflicts("%gcc", because="old")',
      "conflicts(): unknown argument 'because'",
    ],
    [
      'an unknown requires keyword',
      'requires("%gcc", message="gcc")',
      "requires(): unknown argument 'message'",
    ],
    [
      'too many positional arguments',
      'conflicts("%gcc", "@1", "msg", "extra")',
      'conflicts(): too many positional arguments',
    ],
    [
      'a repeated argument',
      'depends_on("zlib", "+x", when="+y")',
      "depends_on(): got multiple values for argument 'when'",
    ],
    ['a missing argument', 'variant(default=True)', "variant(): missing argument 'name'"],
    [
      'an unknown dependency type',
      'depends_on("zlib", type=("build", "lnk"))',
      "depends_on(): unknown dependency type 'lnk'",
    ],
    [
      'a constraint without a package',
      'depends_on("@1.2:")',
      'depends_on(): "@1.2:" names no package',
    ],
  ]
  for (const [what, line, message] of cases) {
    it(what, () => {
      const r = recipe(line)
      expect(r.unresolved).toEqual([{ line: 5, reason: message }])
      expect(r.canonical).toContain(line.slice(0, line.indexOf('(')))
    })
  }

  it('a version inside a with when() block', () => {
    const r = recipe('with when("+x"):\n    version("1.0")')
    expect(r.versions).toEqual([])
    expect(r.unresolved).toEqual([
      { line: 6, reason: "version(): cannot be used inside a 'with when(...)' block" },
    ])
  })

  it('an argument from default_args that the directive does not take', () => {
    const r = recipe('with default_args(type="build"):\n    variant("x", default=True)')
    expect(r.variants).toEqual([])
    expect(r.unresolved).toEqual([
      { line: 6, reason: "variant(): unknown argument 'type' (from default_args)" },
    ])
  })
})

describe('@when methods', () => {
  it('moves them to conditional code, in order, with their canonical text', () => {
    const r = recipe(`def install(self, spec, prefix):
    make("install")

@when("@:1.2")
def install(self, spec, prefix):
    """Old releases."""
    make("install-old")  # no DESTDIR

@when('@1.3:1.4')
def install(self, spec, prefix):
    make("install", "V=1")

@run_after("install")
def check_install(self):
    pass`)
    expect(r.conditionalCode).toEqual([
      {
        when: '@:1.2',
        label: 'method install when @:1.2',
        canonical: 'def install(self, spec, prefix):\n    make("install-old")\n',
        line: 8,
      },
      {
        when: '@1.3:1.4',
        label: 'method install when @1.3:1.4',
        canonical:
          '# after @when("@:1.2")\ndef install(self, spec, prefix):\n    make("install", "V=1")\n',
        line: 13,
      },
    ])
    expect(r.canonical).toBe(`from spack.package import *
class Foo(Package):
    def install(self, spec, prefix):
        make("install")
    @run_after("install")
    def check_install(self):
        pass
`)
  })

  it('qualifies methods of other classes (builders) and keeps a non-literal @when', () => {
    const source = `from spack.package import *
from spack_repo.builtin.build_systems import cmake


class Foo(CMakePackage):
    @when(CONDITION)
    def setup_build_environment(self, env):
        env.set("A", "1")


class CMakeBuilder(cmake.CMakeBuilder):
    @when("+mpi")
    def cmake_args(self):
        return [self.define("MPI", True)]
`
    const r = parseSpackRecipe(source, FILE)
    expect(r.className).toBe('Foo')
    expect(r.conditionalCode).toEqual([
      {
        when: '+mpi',
        label: 'method CMakeBuilder.cmake_args when +mpi',
        canonical: 'def cmake_args(self):\n    return [self.define("MPI", True)]\n',
        line: 12,
      },
    ])
    expect(r.canonical).toContain(
      '    @when(CONDITION)\n    def setup_build_environment(self, env):\n',
    )
    expect(r.canonical).toContain('class CMakeBuilder(cmake.CMakeBuilder):\n    pass\n')
  })
})

describe('package class and imports', () => {
  it('finds the class and its bases with new-style imports', () => {
    const source = `from spack_repo.builtin.build_systems.cmake import CMakePackage, generator
from spack_repo.builtin.build_systems.cuda import CudaPackage

from spack.package import *


class Helper:
    pass


class Foo(CMakePackage, CudaPackage):
    version("1.0")
`
    const r = parseSpackRecipe(source, FILE)
    expect(r.className).toBe('Foo')
    expect(r.baseClassNames).toEqual(['CMakePackage', 'CudaPackage'])
    expect(r.imports).toEqual([
      {
        module: 'spack_repo.builtin.build_systems.cmake',
        names: ['CMakePackage', 'generator'],
        line: 1,
      },
      { module: 'spack_repo.builtin.build_systems.cuda', names: ['CudaPackage'], line: 2 },
      { module: 'spack.package', names: ['*'], line: 4 },
    ])
    expect(r.versions).toHaveLength(1)
  })

  it('finds a class derived from a package imported from the repository', () => {
    const source = `import os
from spack.package import *
from spack.pkg.builtin.mpich import Mpich as MpichBase
from ..boost.package import Boost
from . import helpers


class Mvapich(MpichBase):
    version("3.0")


class Other(Boost):
    pass
`
    const r = parseSpackRecipe(source, FILE)
    expect(r.className).toBe('Mvapich')
    expect(r.baseClassNames).toEqual(['MpichBase'])
    expect(r.imports).toEqual([
      { module: 'os', names: [], line: 1 },
      { module: 'spack.package', names: ['*'], line: 2 },
      {
        module: 'spack.pkg.builtin.mpich',
        names: ['Mpich'],
        aliases: { MpichBase: 'Mpich' },
        line: 3,
      },
      { module: '..boost.package', names: ['Boost'], line: 4 },
      { module: '.', names: ['helpers'], line: 5 },
    ])
    expect(r.versions.map((v) => v.version)).toEqual(['3.0'])
  })

  it('prefers the class named after the package directory and takes directives of its same-file bases', () => {
    const source = `from spack_repo.builtin.build_systems.cmake import CMakePackage


class QtPackage(CMakePackage):
    variant("debug", default=False, description="Debug")
    depends_on("cmake@3.16:", type="build")

    def qmake_args(self):
        return []


class QtBase(QtPackage):
    version("6.8", sha256="bb")
`
    const r = parseSpackRecipe(source, 'repos/spack_repo/builtin/packages/qt_base/package.py')
    expect(r.className).toBe('QtBase')
    expect(r.baseClassNames).toEqual(['QtPackage'])
    expect(r.versions.map((v) => v.version)).toEqual(['6.8'])
    expect(r.variants.map((v) => v.name)).toEqual(['debug'])
    expect(r.dependencies.map((d) => d.spec)).toEqual(['cmake@3.16:'])
    expect(r.canonical).toContain('class QtPackage(CMakePackage):\n    def qmake_args(self):\n')
    expect(r.canonical).toContain('class QtBase(QtPackage):\n    pass\n')
    // Without a directory hint: the package-like class no other class derives from.
    expect(parseSpackRecipe(source, 'x.py').className).toBe('QtBase')
    expect(
      parseSpackRecipe('class _3dtk(Base):\n    version("1")\n', 'packages/3dtk/package.py')
        .className,
    ).toBe('_3dtk')
  })

  it('reads a build-system module whose class derives from PackageBase', () => {
    const source = `class CMakePackage(PackageBase):
    build_system("cmake")
    depends_on("cmake", type="build", when="build_system=cmake")


class CMakeBuilder(BuilderWithDefaults):
    pass
`
    const r = parseSpackRecipe(source, 'build_systems/cmake.py')
    expect(r.className).toBe('CMakePackage')
    expect(r.variants).toEqual([
      {
        name: 'build_system',
        default: 'cmake',
        values: ['cmake'],
        multi: false,
        place: { file: 'build_systems/cmake.py', line: 2 },
      },
    ])
    expect(r.dependencies.map((d) => d.when)).toEqual(['build_system=cmake'])
  })

  it('has no package class in a module without one: nothing is extracted', () => {
    const r = parseSpackRecipe('def helper():\n    version("1.0")\n', FILE)
    expect(r.className).toBeUndefined()
    expect(r.baseClassNames).toEqual([])
    expect(r.versions).toEqual([])
  })
})
