/**
 * Class-level conditions on the host platform (issue 8 §4): `if sys.platform != "win32":` holds on
 * the Linux builders, so its directives are plain directives; a condition that is not known
 * statically keeps its directives as code.
 */
import { describe, expect, it } from 'vitest'
import { parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'

const recipe = (body: string) =>
  parseSpackRecipe(
    `from spack.package import *\n\n\nclass Foo(Package):\n    version("1.0")\n${body
      .split('\n')
      .map((l) => (l ? `    ${l}` : l))
      .join('\n')}\n`,
    'packages/foo/package.py',
  )

const deps = (body: string): string[] => recipe(body).dependencies.map((d) => d.name)

describe('class-level host-platform conditions', () => {
  it('takes the branch that holds on Linux and keeps its directives out of the code', () => {
    const r = recipe(
      'if sys.platform != "win32":\n    depends_on("libiconv")\n    variant("pic", default=True)',
    )
    expect(r.dependencies.map((d) => d.name)).toEqual(['libiconv'])
    expect(r.variants.map((v) => v.name)).toEqual(['pic'])
    expect(r.unresolved).toEqual([])
    expect(r.canonical).not.toContain('win32')
    // Editing those directives changes no package-level text.
    const edited = recipe(
      'if sys.platform != "win32":\n    depends_on("libiconv@2:")\n    variant("pic", default=True)',
    )
    expect(edited.canonical).toBe(r.canonical)
  })

  it.each([
    ['sys.platform == "linux"', ['a']],
    ['sys.platform == "darwin"', ['b']],
    ['sys.platform.startswith("linux")', ['a']],
    ['sys.platform not in ["darwin", "win32"]', ['a']],
    ['sys.platform in ("darwin", "win32")', ['b']],
    ['host_platform().name == "linux"', ['a']],
    ['platform.system() == "Linux"', ['a']],
    ['sys.platform == "darwin" and macos_version() >= Version("10.13")', ['b']],
    ['sys.platform.startswith("linux") or sys.platform == "win32"', ['a']],
    ['(sys.platform != "darwin")', ['a']],
    ['not sys.platform == "darwin"', ['a']],
  ])('if %s: … else: …', (condition, expected) => {
    expect(
      deps(`if ${condition}:\n    depends_on("a")\nelse:\n    depends_on("b")`).filter(
        (d) => d === 'a' || d === 'b',
      ),
    ).toEqual(expected)
  })

  it('elif: the first clause that holds', () => {
    expect(
      deps(
        'if sys.platform == "darwin":\n    depends_on("a")\nelif sys.platform == "linux":\n    depends_on("b")\nelse:\n    depends_on("c")',
      ),
    ).toEqual(['b'])
  })

  it('keeps the directives of an untaken branch as code, without a warning', () => {
    const r = recipe('if sys.platform == "darwin":\n    depends_on("apple-libuuid")')
    expect(r.dependencies).toEqual([])
    expect(r.unresolved).toEqual([])
    expect(r.canonical).toContain('apple-libuuid')
  })

  it('keeps a condition that is not known statically as code, reported', () => {
    const r = recipe('if platform.machine() == "aarch64":\n    depends_on("armpl")')
    expect(r.dependencies).toEqual([])
    expect(r.canonical).toContain('armpl')
    expect(r.unresolved.map((u) => u.reason)).toEqual([
      "depends_on(...): inside an 'if' statement, kept as code",
    ])
  })

  it('evaluates `x or not a` whatever x is, since `not a` holds', () => {
    expect(deps('if x or not sys.platform == "darwin":\n    depends_on("a")')).toEqual(['a'])
  })
})

/** A module around a package class, with module-level code before it (curl, qt, paraview). */
const moduleRecipe = (prelude: string, body: string) =>
  parseSpackRecipe(
    `import sys\n\nfrom spack.package import *\n\n${prelude}\n\n\nclass Foo(AutotoolsPackage, NMakePackage):\n    version("1.0")\n${body
      .split('\n')
      .map((l) => (l ? `    ${l}` : l))
      .join('\n')}\n`,
    'packages/foo/package.py',
  )

describe('module-level host-platform constants (IS_WINDOWS = sys.platform == "win32")', () => {
  const IS_WINDOWS = 'IS_WINDOWS = sys.platform == "win32"'

  it('a conditional default reads the Linux value (curl build_system, libs)', () => {
    const r = moduleRecipe(
      IS_WINDOWS,
      [
        'variant("libs", default="shared,static" if not IS_WINDOWS else "shared", values=("shared", "static"), multi=not IS_WINDOWS)',
        'build_system("autotools", "cmake", conditional("nmake", when="platform=windows"), default="cmake" if IS_WINDOWS else "autotools")',
      ].join('\n'),
    )
    expect(r.unresolved).toEqual([])
    const libs = r.variants.find((v) => v.name === 'libs')!
    expect(libs.default).toBe('shared,static')
    expect(libs.multi).toBe(true)
    const bs = r.variants.find((v) => v.name === 'build_system')!
    expect(bs.default).toBe('autotools')
    expect(bs.values).toEqual(['autotools', 'cmake', 'nmake'])
  })

  it('a class-level `if IS_WINDOWS:` / `if not IS_WINDOWS:` takes the Linux branch', () => {
    const r = moduleRecipe(
      IS_WINDOWS,
      'if not IS_WINDOWS:\n    depends_on("a")\nif IS_WINDOWS:\n    depends_on("b")',
    )
    expect(r.dependencies.map((d) => d.name)).toEqual(['a'])
    expect(r.unresolved).toEqual([])
  })

  it.each([
    ['assigned twice', `${IS_WINDOWS}\nIS_WINDOWS = False`],
    ['augmented later', `${IS_WINDOWS}\nIS_WINDOWS |= True`],
    ['rebound by a loop', `${IS_WINDOWS}\nfor IS_WINDOWS in (True,):\n    pass`],
    ['declared global in a function', `${IS_WINDOWS}\ndef f():\n    global IS_WINDOWS`],
    ['not a host condition', 'IS_WINDOWS = os.name == "nt"'],
  ])('a name that is %s stays unknown: the default is unresolved', (_why, prelude) => {
    const r = moduleRecipe(
      prelude,
      'build_system("autotools", "cmake", default="cmake" if IS_WINDOWS else "autotools")',
    )
    expect(r.variants.find((v) => v.name === 'build_system')).toBeUndefined()
    expect(r.unresolved.map((u) => u.reason)).toEqual([
      "build_system(...): argument 'default' is not a literal",
    ])
  })

  it('build_system values written with conditional() resolve (xz, libxml2, cairo …)', () => {
    const r = moduleRecipe(
      '',
      'build_system(conditional("msbuild", when="platform=windows"), "autotools", default="autotools")',
    )
    expect(r.unresolved).toEqual([])
    const bs = r.variants.find((v) => v.name === 'build_system')!
    expect(bs.default).toBe('autotools')
    expect(bs.values).toEqual(['msbuild', 'autotools'])
    // conditional() with something that is not a literal string stays unresolved
    const odd = moduleRecipe('', 'build_system(conditional(NAME, when="@2:"), "autotools")')
    expect(odd.unresolved).toHaveLength(1)
  })
})
