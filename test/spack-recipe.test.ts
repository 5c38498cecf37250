/**
 * Canonical recipe text (ARCHITECTURE §3, STYLE §4): each rule on inline source, as pairs that
 * differ in one thing, plus validity (the canonical text re-parses) and stability.
 */
import { parser } from '../src/ecosystems/spack/recipe/grammar/parser.js'
import { describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import { canonicalizePythonModule, parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'

const FILE = 'repo/packages/zlib/package.py'
const canon = (source: string): string => parseSpackRecipe(source, FILE).canonical

/** First error position in a lezer parse of `text`, or -1. */
function firstSyntaxError(text: string): number {
  let at = -1
  parser.parse(text).iterate({
    enter: (node) => {
      if (at === -1 && node.type.isError) at = node.from
    },
  })
  return at
}

function thrown(fn: () => unknown): UserError {
  try {
    fn()
  } catch (e) {
    if (e instanceof UserError) return e
    throw e
  }
  throw new Error('expected a UserError')
}

const BASE = `from spack.package import *


class Zlib(CMakePackage):
    """A free, general-purpose data-compression library."""

    homepage = "https://zlib.net"
    url = "https://zlib.net/fossils/zlib-1.2.11.tar.gz"

    version("1.3.1", sha256="9a93b2b7dfdac77ceba5a558a580e74667dd6fede4585b91eefb60f03b72df23")
    variant("shared", default=True, description="Build shared libraries")
    depends_on("cmake@3.10:", type="build")

    def cmake_args(self):
        args = [self.define_from_variant("BUILD_SHARED_LIBS", "shared")]
        if self.spec.satisfies("+pic"):
            args.append(self.define("CMAKE_POSITION_INDEPENDENT_CODE", True))
        return args
`

const BASE_CANONICAL = `from spack.package import *
class Zlib(CMakePackage):
    url = "https://zlib.net/fossils/zlib-1.2.11.tar.gz"
    def cmake_args(self):
        args = [self.define_from_variant("BUILD_SHARED_LIBS", "shared")]
        if self.spec.satisfies("+pic"):
            args.append(self.define("CMAKE_POSITION_INDEPENDENT_CODE", True))
        return args
`

describe('canonical recipe text', () => {
  it('keeps code, drops docstring, metadata, directives, comments and blank lines', () => {
    expect(canon(BASE)).toBe(BASE_CANONICAL)
  })

  describe('changes that must not change it', () => {
    const same: Array<[string, string]> = [
      [
        'a license header and a module docstring',
        `# Copyright Spack Project Developers. See COPYRIGHT file for details.
#
# SPDX-License-Identifier: (Apache-2.0 OR MIT)
"""Zlib recipe."""
${BASE}`,
      ],
      ['a trailing comment', BASE.replace('return args', 'return args  # the list')],
      [
        'a comment line in a method',
        BASE.replace('        return args', '        # hand it back\n        return args'),
      ],
      [
        'a comment inside brackets',
        BASE.replace(
          '[self.define_from_variant(',
          '[  # shared or static\n            self.define_from_variant(',
        ),
      ],
      ['a changed class docstring', BASE.replace('A free, general-purpose', 'The free')],
      [
        'a method docstring',
        BASE.replace(
          '    def cmake_args(self):\n',
          '    def cmake_args(self):\n        """Arguments for cmake."""\n',
        ),
      ],
      [
        'a string statement later in a body',
        BASE.replace('        return args', '        "just a note"\n        return args'),
      ],
      [
        'a docstring in triple single quotes',
        BASE.replace(
          '"""A free, general-purpose data-compression library."""',
          "'''Another\n    text.'''",
        ),
      ],
      [
        'two-space indentation',
        BASE.replace(/^( +)/gm, (spaces: string) => ' '.repeat(spaces.length / 2)),
      ],
      [
        'tabs for indentation',
        BASE.replace(/^( +)/gm, (spaces: string) => '\t'.repeat(spaces.length / 4)),
      ],
      [
        'wrapped call arguments',
        BASE.replace(
          'args.append(self.define("CMAKE_POSITION_INDEPENDENT_CODE", True))',
          'args.append(\n                self.define(\n                    "CMAKE_POSITION_INDEPENDENT_CODE",\n                    True\n                )\n            )',
        ),
      ],
      [
        'a backslash continuation',
        BASE.replace('        return args', '        return \\\n            args'),
      ],
      [
        'spaces around tokens',
        BASE.replace(
          'args = [self.define_from_variant("BUILD_SHARED_LIBS", "shared")]',
          'args=[ self.define_from_variant ( "BUILD_SHARED_LIBS" ,"shared" ) ]',
        ),
      ],
      ['extra blank lines', BASE.replace('        return args', '\n\n        return args\n\n')],
      ['single quotes', BASE.replace(/"([A-Za-z_+:/.@0-9-]+)"/g, "'$1'")],
      [
        'triple-quoted and raw strings',
        BASE.replace('"BUILD_SHARED_LIBS"', 'r"""BUILD_SHARED_LIBS"""').replace(
          '"+pic"',
          "r'+pic'",
        ),
      ],
      [
        'implicit string concatenation',
        BASE.replace('"BUILD_SHARED_LIBS"', '"BUILD_" \'SHARED_\'\n            "LIBS"'),
      ],
      [
        'trailing commas in brackets',
        BASE.replace('"shared")]', '"shared",),]').replace('True))', 'True,),)'),
      ],
      [
        'a one-line if body',
        BASE.replace(
          'if self.spec.satisfies("+pic"):\n            args.append',
          'if self.spec.satisfies("+pic"): args.append',
        ),
      ],
      ['CRLF line endings', BASE.replace(/\n/g, '\r\n')],
      [
        'a new version',
        BASE.replace(
          '    version("1.3.1"',
          '    version("1.3.2", sha256="abc")\n    version("1.3.1"',
        ),
      ],
      [
        'changed maintainers, license, tags, homepage',
        BASE.replace(
          '    homepage = "https://zlib.net"',
          '    homepage = "https://www.zlib.net"\n    maintainers("alice", "bob")\n    license("Zlib")\n    tags = ["core"]\n    list_url = "https://zlib.net/fossils"',
        ),
      ],
      [
        'a new variant and dependency',
        BASE.replace(
          '    depends_on("cmake@3.10:", type="build")',
          '    depends_on("cmake@3.10:", type="build")\n    variant("pic", default=True, description="PIC")\n    depends_on("ninja", type="build")',
        ),
      ],
    ]
    for (const [what, source] of same) {
      it(what, () => {
        expect(source).not.toBe(BASE)
        expect(canon(source)).toBe(BASE_CANONICAL)
      })
    }

    it('semicolon-separated statements equal separate lines', () => {
      expect(canonicalizePythonModule('a = 1; b = 2\n', 'm.py')).toBe(
        canonicalizePythonModule('a = 1\nb = 2\n', 'm.py'),
      )
    })
  })

  describe('changes that must change it', () => {
    const different: Array<[string, string]> = [
      ['a changed method body', BASE.replace('return args', 'return args + ["-G", "Ninja"]')],
      ['a changed string in code', BASE.replace('"BUILD_SHARED_LIBS"', '"BUILD_STATIC_LIBS"')],
      [
        'a changed base class',
        BASE.replace('class Zlib(CMakePackage):', 'class Zlib(CMakePackage, CudaPackage):'),
      ],
      [
        'a changed import',
        BASE.replace('from spack.package import *', 'from spack.package import *\nimport os'),
      ],
      ['a changed class url', BASE.replace('zlib-1.2.11.tar.gz', 'zlib-1.3.tar.gz')],
      ['a new method', `${BASE}\n    def check(self):\n        make("check")\n`],
      ['a changed condition', BASE.replace('"+pic"', '"+shared"')],
    ]
    for (const [what, source] of different) {
      it(what, () => {
        expect(canon(source)).not.toBe(BASE_CANONICAL)
      })
    }

    it('keeps the comma of a one-element tuple', () => {
      expect(canonicalizePythonModule('x = (1,)\ny = (1)\nz = [1,]\n', 'm.py')).toBe(
        'x = (1,)\ny = 1\nz = [1]\n',
      )
    })

    it('keeps the comma of a bare tuple (written in parentheses) and of a tuple index', () => {
      expect(canonicalizePythonModule('x = 1,\ny = a[1,]\n', 'm.py')).toBe('x = (1,)\ny = a[1,]\n')
    })
  })

  it('fills a class body that only held directives with pass', () => {
    const source =
      'from spack.package import *\n\nclass Foo(Package):\n    """Doc."""\n    version("1.0", sha256="ab")\n'
    expect(canon(source)).toBe('from spack.package import *\nclass Foo(Package):\n    pass\n')
  })

  it('fills a function body that only held a docstring with pass', () => {
    expect(canonicalizePythonModule('def f():\n    """Doc."""\n', 'm.py')).toBe(
      'def f():\n    pass\n',
    )
  })
})

describe('canonical Python formatting', () => {
  const cases: Array<[string, string, string]> = [
    ['escapes in single quotes', `x = 'it\\'s "q"'\n`, `x = "it's \\"q\\""\n`],
    ['raw strings', `x = r'\\d+\\.\\d'\n`, `x = "\\\\d+\\\\.\\\\d"\n`],
    ['bytes', `x = b'\\x00a\\n'\n`, `x = b"\\x00a\\n"\n`],
    ['u prefix', `x = u'a'\n`, `x = "a"\n`],
    ['octal and unicode escapes', `x = '\\101\\u00e9'\n`, `x = "Aé"\n`],
    ['a named unicode escape is kept as written', `x = '\\N{DASH}'\n`, `x = '\\N{DASH}'\n`],
    [
      'f-string literal parts and fields',
      `x = f'v{ver!r:>10} {{y}} {a [0]}'\n`,
      `x = f"v{ver!r:>10} {{y}} {a[0]}"\n`,
    ],
    ['f-string with a quoted field', `x = f"{d['k']}"\n`, `x = f'{d["k"]}'\n`],
    [
      'keyword arguments and defaults',
      'def f(a, b = 1, *args, c: int = 2, **kw) -> int:\n  return g(a, key = b)\n',
      'def f(a, b=1, *args, c: int=2, **kw) -> int:\n    return g(a, key=b)\n',
    ],
    [
      'operators',
      'x = -a ** 2 + b*c - (d or not e) if f  else g[1 : 2]\n',
      'x = -a ** 2 + b * c - (d or not e) if f else g[1:2]\n',
    ],
    [
      'lambda, dict and comprehension',
      'x = {k : v for k, v in sorted(d.items(), key = lambda kv : kv[0])}\n',
      'x = {k: v for k, v in sorted(d.items(), key=lambda kv: kv[0])}\n',
    ],
    [
      'decorators and classes',
      '@property\ndef f( self ) :\n    pass\nclass A( B , metaclass = M ) : pass\n',
      '@property\ndef f(self):\n    pass\nclass A(B, metaclass=M):\n    pass\n',
    ],
    [
      'try / except / else / finally',
      'try: a()\nexcept (A, B) as e: raise X from e\nelse: pass\nfinally: b()\n',
      'try:\n    a()\nexcept (A, B) as e:\n    raise X from e\nelse:\n    pass\nfinally:\n    b()\n',
    ],
    [
      'with and for',
      'with open(p) as f, g: \n  for i, x in enumerate(f): print(i, x, sep = "")\n',
      'with open(p) as f, g:\n    for i, x in enumerate(f):\n        print(i, x, sep="")\n',
    ],
    [
      'imports',
      'from  os.path import (join as j,\n   exists,)\nimport a.b as c, d\nfrom .. import e\n',
      'from os.path import join as j, exists\nimport a.b as c, d\nfrom .. import e\n',
    ],
    ['an int literal before a dot', 'x = 1 .real + 1.5\n', 'x = 1 .real + 1.5\n'],
    [
      'star arguments and splats',
      'f(*a, **k)\nx = [*a, *b]\ny = {**d}\n*h, t = x\n',
      'f(*a, **k)\nx = [*a, *b]\ny = {**d}\n*h, t = x\n',
    ],
  ]
  for (const [what, source, expected] of cases) {
    it(what, () => {
      const text = canonicalizePythonModule(source, 'm.py')
      expect(text).toBe(expected)
      expect(firstSyntaxError(text)).toBe(-1)
    })
  }

  it('keeps directives in plain modules (build systems, plugins)', () => {
    const source =
      'class CMakePackage(PackageBase):\n    """CMake."""\n    build_system("cmake")  # the class\n    depends_on("cmake", type="build")\n'
    expect(canonicalizePythonModule(source, 'build_systems/cmake.py')).toBe(
      'class CMakePackage(PackageBase):\n    build_system("cmake")\n    depends_on("cmake", type="build")\n',
    )
  })

  it('is stable: canonical text canonicalizes to itself', () => {
    const text = canon(BASE)
    expect(canonicalizePythonModule(text, 'x.py')).toBe(text)
  })
})

describe('syntax errors', () => {
  it('names file, line and the unexpected token', () => {
    const source =
      'from spack.package import *\n\nclass Foo(Package):\n    version("1.0" sha256="abc")\n'
    const error = thrown(() => parseSpackRecipe(source, FILE))
    expect(error.kind).toBe('recipe')
    expect(error.place).toBe(`${FILE}:4`)
    expect(error.message).toBe(`${FILE}:4: Python syntax error: unexpected "sha256"`)
  })

  it('reports an unclosed bracket at the end of the file', () => {
    const error = thrown(() => canonicalizePythonModule('x = [1,\n', 'm.py'))
    expect(error.message).toBe('m.py:2: Python syntax error: unexpected end of file')
  })
})
