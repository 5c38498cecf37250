/**
 * Formatting never counts (issue 8 §4): the canonical text is written from the syntax tree, so
 * sources that differ only in redundant parentheses, string spelling, implicit concatenation,
 * number spelling, trailing commas, wrapping, continuations, comments or blank lines give the same
 * text, and sources that differ in meaning give different ones. Every canonical text re-parses
 * and canonicalizes to itself; where python3 is installed, CPython reads the same module (its
 * `ast`) from each source and from its canonical text, and different modules from each pair that
 * must differ.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { canonicalizePythonModule, parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'
import { parsePython } from '../src/ecosystems/spack/recipe/syntax.js'

const canon = (source: string): string => canonicalizePythonModule(source, 'm.py')

const HAVE_PYTHON = spawnSync('python3', ['--version']).status === 0
if (!HAVE_PYTHON) console.warn('format test: no python3, the comparison with CPython is skipped')

/** Indent a snippet into a function body (for `return`, `yield`, `await`). */
const inDef = (body: string, header = 'def f():'): string =>
  `${header}\n${body
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n')}\n`

/** Rule → groups of sources that must give one canonical text. */
const SAME: Record<string, string[][]> = {
  'redundant parentheses': [
    ['x = (a)\n', 'x = a\n', 'x = ((a))\n', 'x = (\n    a\n)\n'],
    [inDef('return (a + b)'), inDef('return a + b'), inDef('return (\n    a\n    + b\n)')],
    ['if (a and b):\n    pass\n', 'if a and b:\n    pass\n'],
    ['while (x):\n    pass\n', 'while x:\n    pass\n'],
    ['f((a), (b + c), k=(d))\n', 'f(a, b + c, k=d)\n'],
    ['x = (a * b) + c\n', 'x = a * b + c\n'],
    ['x = a + (b * c)\n', 'x = a + b * c\n'],
    ['x = (a + b) + c\n', 'x = a + b + c\n'],
    ['x = a ** (b ** c)\n', 'x = a ** b ** c\n'],
    ['x = -(a ** 2)\n', 'x = -a ** 2\n', 'x = -(a) ** 2\n'],
    ['x = a ** (-b)\n', 'x = a ** -b\n'],
    ['x = (-a) + b\n', 'x = -a + b\n'],
    ['x = (not a) and b\n', 'x = not a and b\n'],
    ['x = not (a == b)\n', 'x = not a == b\n'],
    ['x = a < (b) < c\n', 'x = a < b < c\n'],
    ['x = (a in b) or (c is not d)\n', 'x = a in b or c is not d\n'],
    [
      'x = (a or b) if (c) else (d if e else f)\n',
      'x = a or b if c else d if e else f\n',
      'x = (\n    (a or b)\n    if c\n    else (d if e else f)\n)\n',
    ],
    ['x = (a.b)(c)[(d)].e\n', 'x = a.b(c)[d].e\n'],
    ['x = (lambda: (a))\n', 'x = lambda: a\n'],
    ['f(key=(lambda kv: kv[0]))\n', 'f(key=lambda kv: kv[0])\n'],
    ['for (x) in (y):\n    pass\n', 'for x in y:\n    pass\n'],
    ['del (a), (b.c)\n', 'del a, b.c\n'],
    ['with (open(p)) as f:\n    pass\n', 'with open(p) as f:\n    pass\n'],
    [
      'with (open(p) as f, open(q) as g,):\n    pass\n',
      'with open(p) as f, open(q) as g:\n    pass\n',
    ],
    ['x = [(a) for (b) in (c) if (d)]\n', 'x = [a for b in c if d]\n'],
    ['x = {(k): (v) for k, v in (d.items())}\n', 'x = {k: v for k, v in d.items()}\n'],
    ['x = [*(a), *(b)]\n', 'x = [*a, *b]\n'],
    ['x = f"{(a + b)}"\n', 'x = f"{a + b}"\n'],
    ['x = ("a" "b").join(y)\n', 'x = "ab".join(y)\n'],
    [inDef('x = (yield)'), inDef('x = yield')],
    [inDef('x = (yield a)'), inDef('x = yield a')],
    ['if (y := f()):\n    pass\n', 'if y := f():\n    pass\n'],
    ['x = (1).real\n', 'x = 1 .real\n'],
    ['raise (E) from (e)\n', 'raise E from e\n'],
    ['assert (x), ("message")\n', 'assert x, "message"\n'],
    ['(a).b = (c)\n', 'a.b = c\n'],
    ['x += (a)\n', 'x += a\n'],
    [inDef('x = await (f())', 'async def f():'), inDef('x = await f()', 'async def f():')],
    ['@(a.b)\ndef g():\n    pass\n', '@a.b\ndef g():\n    pass\n'],
    ['try:\n    pass\nexcept (E) as e:\n    pass\n', 'try:\n    pass\nexcept E as e:\n    pass\n'],
    ['("a docstring")\nx = 1\n', 'x = 1\n'],
  ],
  'tuples: values parenthesized, targets bare': [
    ['x = 1, 2\n', 'x = (1, 2)\n', 'x = ((1, 2))\n', 'x = (\n    1,\n    2,\n)\n'],
    ['x = 1,\n', 'x = (1,)\n'],
    ['a, b = c\n', '(a, b) = c\n', '(a, b,) = c\n'],
    ['a, = c\n', '(a,) = c\n'],
    ['for a, b in c, d:\n    pass\n', 'for (a, b) in (c, d):\n    pass\n'],
    [inDef('return a, b'), inDef('return (a, b)')],
    [inDef('yield a, b'), inDef('yield (a, b)')],
    ['del a, b\n', 'del (a, b)\n'],
    ['x = [y for a, b in c]\n', 'x = [y for (a, b) in c]\n'],
    ['x = *a, b\n', 'x = (*a, b)\n'],
    ['a, b\n', '(a, b)\n'],
  ],
  'quote style, prefixes and escapes': [
    [
      `x = 'a'\n`,
      'x = "a"\n',
      'x = """a"""\n',
      "x = '''a'''\n",
      'x = r"a"\n',
      'x = u"a"\n',
      "x = R'a'\n",
    ],
    ['x = "\\x41\\101\\u0041"\n', 'x = "AAA"\n'],
    [`x = 'it\\'s'\n`, `x = "it's"\n`],
    ['x = "\\t"\n', 'x = "\\x09"\n', 'x = "\\011"\n'],
    ['x = r"\\d+"\n', 'x = "\\\\d+"\n'],
    ['x = "a\\\nb"\n', 'x = "ab"\n'],
    ['x = """a\nb"""\n', 'x = "a\\nb"\n'],
    [`x = b'a'\n`, 'x = B"a"\n', 'x = b"""a"""\n'],
    ['x = rb"\\d"\n', 'x = b"\\\\d"\n', 'x = BR"\\d"\n'],
    [`x = f'{a}'\n`, 'x = f"{a}"\n', 'x = F"{a}"\n', 'x = f"""{a}"""\n'],
    ['x = rf"{a}x"\n', 'x = f"{a}x"\n'],
    ['x = f"abc"\n', 'x = "abc"\n'],
    ['x = f"\\x41{a}"\n', 'x = f"A{a}"\n'],
    [`x = f"{d['k']}"\n`, `x = f'{d["k"]}'\n`],
  ],
  'implicit string concatenation': [
    ['x = "a" "b"\n', 'x = "ab"\n', 'x = ("a"\n     "b")\n', "x = 'a' \\\n    'b'\n"],
    ['x = b"a" b"b"\n', 'x = b"ab"\n'],
    ['x = f"{y}" "b"\n', 'x = f"{y}b"\n'],
    [`x = "a" f"{y}" 'c'\n`, 'x = f"a{y}c"\n'],
    ['x = f"{y}" f"{z}"\n', 'x = f"{y}{z}"\n'],
    ['x = "{" f"{y}"\n', 'x = f"{{{y}"\n'],
  ],
  'numeric spellings': [
    [
      'x = 1000\n',
      'x = 1_000\n',
      'x = 0x3E8\n',
      'x = 0X3e8\n',
      'x = 0o1750\n',
      'x = 0b1111101000\n',
    ],
    ['x = 1000.0\n', 'x = 1e3\n', 'x = 1E3\n', 'x = 1_000.0\n', 'x = 1000.\n', 'x = 10e2\n'],
    ['x = 1.5e-7\n', 'x = 0.00000015\n', 'x = 15e-8\n'],
    ['x = 0.5\n', 'x = .5\n', 'x = 5e-1\n', 'x = 0.50\n'],
    ['x = 2j\n', 'x = 2.0j\n', 'x = 2J\n', 'x = 2.j\n'],
    ['x = 0\n', 'x = 00\n', 'x = 0x0\n'],
    ['x = 1_0 .real\n', 'x = 10 .real\n'],
  ],
  'trailing commas, wrapping, continuations, comments, blank lines': [
    ['f(a, b,)\n', 'f(a, b)\n', 'f(\n    a,\n    b,\n)\n'],
    ['x = [1, 2,]\n', 'x = [1, 2]\n'],
    ['x = {1: 2,}\n', 'x = {1: 2}\n'],
    ['x = {1, 2,}\n', 'x = {1, 2}\n'],
    ['def f(a, b,):\n    pass\n', 'def f(a, b):\n    pass\n'],
    ['from x import (a, b,)\n', 'from x import a, b\n'],
    ['x = y[1, 2,]\n', 'x = y[1, 2]\n'],
    ['x = lambda a,: 0\n', 'x = lambda a: 0\n'],
    ['x = a + \\\n    b\n', 'x = a + b\n'],
    ['x = [  # first\n    1,  # one\n    # two\n    2,\n]\n', 'x = [1, 2]\n'],
    ['x = 1\n\n\n\ny = 2  # two\n', 'x = 1\ny = 2\n'],
    ['if x: y = 1; z = 2\n', 'if x:\n    y = 1\n    z = 2\n'],
  ],
}

/** Pairs that differ in meaning: their canonical texts must differ. */
const DIFFERENT: Array<[string, string, string]> = [
  ['a one-element tuple and a parenthesized name', 'x = (a,)\n', 'x = (a)\n'],
  ['a bare one-element tuple and a name', 'x = a,\n', 'x = a\n'],
  ['an int and a float', 'x = 1\n', 'x = 1.0\n'],
  ['an int and an imaginary', 'x = 1\n', 'x = 1j\n'],
  ['a float and its negation', 'x = 0.0\n', 'x = -0.0\n'],
  ['bytes and str', 'x = b"x"\n', 'x = "x"\n'],
  ['an escape and its letters', 'x = "a\\n"\n', 'x = "a\\\\n"\n'],
  ['grouping over precedence', 'x = (a + b) * c\n', 'x = a + b * c\n'],
  ['right-nested subtraction', 'x = a - (b - c)\n', 'x = a - b - c\n'],
  ['left-nested power', 'x = (a ** b) ** c\n', 'x = a ** b ** c\n'],
  ['a negated base', 'x = (-a) ** b\n', 'x = -a ** b\n'],
  ['a comparison of a comparison', 'x = (a < b) < c\n', 'x = a < b < c\n'],
  ['not of a conjunction', 'x = not (a and b)\n', 'x = not a and b\n'],
  ['and over or', 'x = a and (b or c)\n', 'x = a and b or c\n'],
  ['nested conditional', 'x = (a if b else c) if d else e\n', 'x = a if b else c if d else e\n'],
  [
    'an awaited power',
    inDef('x = await (a ** b)', 'async def f():'),
    inDef('x = await a ** b', 'async def f():'),
  ],
  ['an f-string and its text', 'x = f"{y}"\n', 'x = "{y}"\n'],
  ['a conversion', 'x = f"{y!r}"\n', 'x = f"{y}"\n'],
  ['a parenthesized annotated target', '(x): int = 1\n', 'x: int = 1\n'],
  ['a list target', '[a] = b\n', 'a = b\n'],
  ['concatenation and a tuple', 'x = "a" "b"\n', 'x = "a", "b"\n'],
  ['a list of a tuple', 'x = [(a, b)]\n', 'x = [a, b]\n'],
  ['a tuple argument', 'f((a, b))\n', 'f(a, b)\n'],
  ['a tuple index', 'x = y[1,]\n', 'x = y[1]\n'],
  ['a tuple of a slice', 'x = y[1:2,]\n', 'x = y[1:2]\n'],
  ['an assert of a tuple', 'assert (x, "m")\n', 'assert x, "m"\n'],
  ['a generator and a list', 'f(x for x in y)\n', 'f([x for x in y])\n'],
]

/** Every source of the tables, each with its canonical text. */
function allPairs(): Array<{ source: string; canonical: string }> {
  const sources = [...Object.values(SAME).flat(2), ...DIFFERENT.flatMap(([, a, b]) => [a, b])]
  return sources.map((source) => ({ source, canonical: canon(source) }))
}

/**
 * CPython's reading of a module, as `ast.dump`: docstrings dropped, f-string constant parts joined
 * (`f"abc"` is the str "abc"), `del` tuple targets flattened (what the reference says they do).
 */
const PYTHON_AST = `
import ast, json, sys

class Norm(ast.NodeTransformer):
    def generic_visit(self, node):
        super().generic_visit(node)
        for field in ('body', 'orelse', 'finalbody'):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                kept = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str))]
                setattr(node, field, kept or ([] if isinstance(node, ast.Module) else [ast.Pass()]))
        return node
    def visit_Delete(self, node):
        # \`del (a, b)\` deletes each target, as \`del a, b\` does (the reference, "del statement").
        self.generic_visit(node)
        flat = []
        def add(target):
            if isinstance(target, ast.Tuple):
                for element in target.elts:
                    add(element)
            else:
                flat.append(target)
        for target in node.targets:
            add(target)
        node.targets = flat
        return node
    def visit_Constant(self, node):
        node.kind = None
        return node
    def visit_JoinedStr(self, node):
        self.generic_visit(node)
        values = []
        for v in node.values:
            if isinstance(v, ast.Constant) and values and isinstance(values[-1], ast.Constant):
                values[-1] = ast.Constant(values[-1].value + v.value)
            else:
                values.append(v)
        if all(isinstance(v, ast.Constant) for v in values):
            return ast.Constant(''.join(v.value for v in values))
        node.values = values
        return node

out = []
for text in json.load(sys.stdin):
    try:
        out.append(ast.dump(Norm().visit(ast.parse(text))))
    except SyntaxError as e:
        out.append('SyntaxError: %s' % e)
json.dump(out, sys.stdout)
`

function pythonAsts(texts: string[]): string[] {
  const result = spawnSync('python3', ['-c', PYTHON_AST], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as string[]
}

describe('formatting never changes the canonical text', () => {
  for (const [rule, groups] of Object.entries(SAME)) {
    describe(rule, () => {
      for (const group of groups) {
        const [first, ...rest] = group as [string, ...string[]]
        it(JSON.stringify(first), () => {
          const expected = canon(first)
          for (const source of rest) expect(canon(source), JSON.stringify(source)).toBe(expected)
        })
      }
    })
  }

  it('writes each rule in one spelling', () => {
    expect(canon('x = (a)\ny = ((1, 2))\nz = 1,\na, b = (c, d)\n')).toBe(
      'x = a\ny = (1, 2)\nz = (1,)\na, b = (c, d)\n',
    )
    expect(canon("x = r'\\d' 'a'\ny = 0x10 + 1e3 + 2J\nz = f'{a!r:>{w}}' \"!\"\n")).toBe(
      'x = "\\\\da"\ny = 16 + 1000.0 + 2.0j\nz = f"{a!r:>{w}}!"\n',
    )
    expect(canon('x = (-1) ** 2 + -(1) ** 2\ny = (not a) or (not (b and c))\n')).toBe(
      'x = (-1) ** 2 + -1 ** 2\ny = not a or not (b and c)\n',
    )
  })

  it('reads directive values the same whatever their spelling', () => {
    const read = (body: string): string => {
      const r = parseSpackRecipe(
        `from spack.package import *\n\nclass Foo(Package):\n${body}`,
        'repo/packages/foo/package.py',
      )
      return JSON.stringify([r.variants, r.patches, r.dependencies])
    }
    expect(
      read(
        '    variant("jobs", default=0x10, description="n")\n' +
          '    patch("a.patch", level=0o1)\n' +
          '    depends_on("zlib", when=("+z" "lib"))\n',
      ),
    ).toBe(
      read(
        "    variant('jobs', default=16, description='n')\n" +
          '    patch("a.patch", level=1)\n' +
          '    depends_on("zlib", when="+zlib")\n',
      ),
    )
  })

  it('keeps the parentheses a lambda needs before a colon', () => {
    expect(canon('x = {(lambda: 1): 2}\ny = a[(lambda: 1)]\nz = f"{(lambda: 1)}"\n')).toBe(
      'x = {(lambda: 1): 2}\ny = a[(lambda: 1)]\nz = f"{(lambda: 1)}"\n',
    )
  })

  it('writes the same text for a recipe reformatted in black style', () => {
    const compact = `from spack.package import *


class Foo(AutotoolsPackage):
    def configure_args(self):
        args = ["--with-x=" + self.spec["x"].prefix, "--enable-y"] if self.spec.satisfies("+y") else []
        if self.spec.satisfies("%gcc") and self.compiler.cxx is not None:
            args.extend(("CXX=" + self.compiler.cxx, 'CXXFLAGS=-O2'))
        return args
`
    const wrapped = `from spack.package import *


class Foo(AutotoolsPackage):
    def configure_args(self):
        args = (
            [
                "--with-x="
                + self.spec["x"].prefix,
                "--enable-y",
            ]
            if self.spec.satisfies("+y")
            else []
        )
        if (
            self.spec.satisfies("%gcc")
            and self.compiler.cxx
            is not None
        ):
            args.extend(
                (
                    "CXX="
                    + self.compiler.cxx,
                    "CXXFLAGS=-O2",
                )
            )
        return args
`
    const file = 'repo/packages/foo/package.py'
    expect(parseSpackRecipe(wrapped, file).canonical).toBe(
      parseSpackRecipe(compact, file).canonical,
    )
  })
})

describe('formatting that changes meaning changes the canonical text', () => {
  for (const [what, a, b] of DIFFERENT) {
    it(what, () => {
      expect(canon(a)).not.toBe(canon(b))
    })
  }
})

describe('canonical texts are valid and stable', () => {
  const pairs = allPairs()

  it('re-parse without errors and canonicalize to themselves', () => {
    for (const { source, canonical } of pairs) {
      expect(() => parsePython(canonical, 'canonical.py'), canonical).not.toThrow()
      expect(canon(canonical), JSON.stringify(source)).toBe(canonical)
    }
  })

  it.skipIf(!HAVE_PYTHON)('are the same module as their source for CPython (needs python3)', () => {
    const asts = pythonAsts(pairs.flatMap(({ source, canonical }) => [source, canonical]))
    const mismatches: string[] = []
    pairs.forEach(({ source, canonical }, i) => {
      const [a, b] = [asts[2 * i], asts[2 * i + 1]]
      if (a?.startsWith('SyntaxError') === true) mismatches.push(`${source}: source ${a}`)
      else if (a !== b) mismatches.push(`${source} → ${canonical}: ${b}`)
    })
    expect(mismatches).toEqual([])
  })

  it.skipIf(!HAVE_PYTHON)(
    'pairs that must differ are different modules for CPython (needs python3)',
    () => {
      const asts = pythonAsts(DIFFERENT.flatMap(([, a, b]) => [a, b]))
      const same = DIFFERENT.filter((_, i) => asts[2 * i] === asts[2 * i + 1]).map(([what]) => what)
      expect(same).toEqual([])
    },
  )
})
