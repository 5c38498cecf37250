/**
 * The conversion of the lezer syntax tree to CPython's `ast` tree (package-hash/syntax-to-ast.ts):
 * (1) constructs one by one, each compared with CPython 3.11's own tree
 * (test/support/python-ast-json.py) where python3 is installed, plus a few literal expectations
 * that hold without it; (2) every head recipe and build_systems module of
 * ../shared/corpus/spack-packages-2025-12.bundle compared with CPython (skipped with a message
 * when the bundle or python3 is absent).
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual, promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PyAst } from '../src/ecosystems/spack/package-hash/python-ast.js'
import { toPythonAst } from '../src/ecosystems/spack/package-hash/syntax-to-ast.js'
import { parsePython } from '../src/ecosystems/spack/recipe/syntax.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const run = promisify(execFile)
const BUNDLE = join(PROJECT_ROOT, '../shared/corpus/spack-packages-2025-12.bundle')
const HAVE_CORPUS = existsSync(BUNDLE)
const HAVE_PYTHON = spawnSync('python3', ['--version']).status === 0
const AST_SCRIPT = join(PROJECT_ROOT, 'test/support/python-ast-json.py')
if (!HAVE_PYTHON)
  console.warn('python ast test: no python3, the comparisons with CPython are skipped')
if (!HAVE_CORPUS)
  console.warn(`python ast corpus test skipped: ${BUNDLE} is absent (it ships in ../shared)`)

function convert(text: string): PyAst {
  return toPythonAst(parsePython(text, 'snippet.py'))
}

/** The first place two trees differ, as a path and both values (for failure messages). */
function firstDifference(ours: unknown, theirs: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(ours, theirs)) return undefined
  if (
    typeof ours === 'object' &&
    typeof theirs === 'object' &&
    ours !== null &&
    theirs !== null &&
    Array.isArray(ours) === Array.isArray(theirs) &&
    !(Array.isArray(ours) && (ours as unknown[]).length !== (theirs as unknown[]).length)
  ) {
    const a = ours as Record<string, unknown>
    const b = theirs as Record<string, unknown>
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
  }
  const show = (v: unknown): string => (JSON.stringify(v) ?? 'undefined').slice(0, 400)
  return `${path || '(root)'}: ours ${show(ours)}, CPython ${show(theirs)}`
}

interface AstRecord {
  path: string
  ast?: PyAst
  error?: string
}

/** CPython's trees of files (python-ast-json.py, `batch` files per run, a few runs at a time). */
async function cpythonTrees(files: string[], batch = 500): Promise<Map<string, AstRecord>> {
  const records = new Map<string, AstRecord>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const chunk = files.slice(next, next + batch)
      next += batch
      const { stdout } = await run('python3', [AST_SCRIPT, ...chunk], {
        maxBuffer: 1024 * 1024 * 1024,
      })
      for (const line of stdout.split('\n')) {
        if (line.length === 0) continue
        const record = JSON.parse(line) as AstRecord
        records.set(record.path, record)
      }
    }
  }
  await Promise.all([worker(), worker(), worker()])
  return records
}

/** Snippets compared with CPython: each covers a construct (names say which). */
const SNIPPETS: Record<string, string> = {
  'docstring and constants': `"""Doc."""\nx = None\ny = True, False\nz = ...\n`,
  ints: `a = 0, 123, 0x_FF, 0o17, 0b1010, 1_000_000, 123456789012345678901234567890, 0XAB, 00\n`,
  floats: `a = 1.5, 1., .5, 1e10, 1E-7, 1_0.0_1, 1.e5, 1e999, 0.1, 2.5e-320\n`,
  imaginary: `a = 2j, 1.5J, 1e999j, 0j, 1+2j\n`,
  'negative numbers': `a = -1, -1.5, +2, ~3, - -4\n`,
  'string escapes':
    String.raw`a = 'a\tb\n\\\'"', "\x41\u00e9\U0001F600\101\0\7", 'line\
continued', '\q\8'` + '\n',
  'raw strings': String.raw`a = r'\n\t\\', R"\d+", r'''\''''` + '\n',
  bytes: String.raw`a = b'ab\x00\xff\n\777', rb'\x00', B"x" b'y', br'\d'` + '\n',
  'triple quoted': `a = """one\n'two'\n"three"\n"""\nb = '''x''' "y"\n`,
  'u prefix': `a = u"x"\nb = u"x" "y"\nc = "x" u"y"\nd = U"z"\ne = u"a" f"{x}" "b"\n`,
  'implicit concatenation': `a = ("a"\n  # comment\n  'b' "")\nb = "" ""\nc = "x" "" f"" ""\n`,
  'f-strings': `a = f"x{y}z"\nb = f"{y!r}{z!s}{w!a}"\nc = f""\nd = f"{{}}{{{x}}}"\ne = F"plain"\n`,
  'f-string format specs': `a = f"{x:>10}"\nb = f"{x:{w}.{p}f}"\nc = f"{x:}"\nd = f"{x!r:^{w}}"\n`,
  'f-string debug': `a = f"{x=}"\nb = f"{ x = }"\nc = f"{x=!s}"\nd = f"{x=:>4}"\ne = f"a{x + 1=}b"\n`,
  'f-string concatenation': `a = "a" f"b{x}c" "d" f"{y}" "e"\nb = f"{x}" f"{y}"\nc = "" f"{x}" ""\n`,
  'f-string expressions': `a = f"{x, y}"\nb = f"{'q' if c else 'r'}"\nc = f"{f'{x}'}"\nd = f"{d['k']}"\ne = rf"\\d{x}\\n"\n`,
  'f-string escapes': String.raw`a = f"\n{x}\t\\"` + '\n' + String.raw`b = f"\{6}"` + '\n',
  'augmented assignment': `a += 1\nb -= 1\nc *= 2\nd /= 2\ne //= 2\nf %= 2\ng **= 2\nh >>= 1\ni <<= 1\nj &= 1\nk |= 1\nl ^= 1\nm @= n\no.p += 1\nq[0] += 1, 2\n`,
  'annotated assignment': `x: int\ny: int = 1\n(z): int = 2\na.b: str = "s"\nc[0]: int\nd: tuple = 1, 2\n`,
  'chained assignment': `a = b = c = 1\nx, y = y, x\n[p, *q] = r\n(s, (t, u)) = v\nw, = z\no.a = o[b] = 0\nx = y = yield\n`,
  'starred assignment': `a, *b = c\n*a, b = c\n[*a] = b\n`,
  delete: `del a\ndel a, b\ndel (a, b), [c]\ndel a.b, a[0], a[1:2]\ndel a,\n`,
  'functions and arguments': `def f(): pass
def f(a, b=1, *args, c, d=2, **kw): return a
def f(a, /, b, *, c): pass
def f(a=1, /, b=2, *, c, d=3): pass
def f(a, b, /): pass
def f(*, a): pass
def f(x: int, *a: str, y: "s" = 1, **k: dict) -> list[int]: ...
def f(a,): pass
async def f(): await x
`,
  lambdas: `f = lambda: 0\ng = lambda a, b=1, *c, d, **e: a\nh = lambda a, /, b: 0\ni = lambda *, a=1: a\nj = lambda x: (yield)\n`,
  'classes and decorators': `@dec
@dec.attr
@dec.call(1, k=2)
@a[0].b(c)
@(lambda f: f)
class A(B, C.D, metaclass=M, *bases, **kw):
    """Doc."""
    x = 1
    @property
    def f(self): return self.x
class E: pass
class F(): pass
`,
  'return, raise, assert': `def f():
    return
    return 1
    return 1, 2
    return *a, b
raise
raise E
raise E("x") from None
assert x
assert x, "msg"
`,
  imports: `import a
import a.b.c
import a.b as c, d
from a import b
from a.b import (c as d, e,)
from . import x
from .. import y
from ...a import z
from .... import w
from .a.b import *
`,
  'global and nonlocal': `def f():
    global a, b
    def g():
        nonlocal c
`,
  'if, elif, else': `if a: pass
if a:
    x = 1
elif b:
    x = 2
elif c: x = 3
else:
    x = 4
if a: b; c
`,
  loops: `for x in y: pass
for x, y in z: break
for (x, y), *z in w: continue
for x in *a, b: pass
for x in a, b:
    pass
else:
    pass
while x:
    x -= 1
else:
    pass
async def f():
    async for x in y: pass
    async with a as b: pass
`,
  'with statements': `with a: pass
with a as b: pass
with a as b, c as d, e: pass
with a as (b, c): pass
with (a as b, c as d): pass
with (a, b): pass
with (a): pass
with (a, b) as c: pass
with a as b.c, d as e[0]: pass
with (yield x) as y: pass
`,
  'try statements': `try:
    pass
except E:
    pass
except (E, F) as e:
    pass
except:
    pass
else:
    pass
finally:
    pass
try: pass
finally: pass
try: pass
except* E: pass
except* (F, G) as g: pass
`,
  'boolean operators': `a or b or c
a and b and c
a or b and c or d
(a or b) or c
a and (b and c)
not a
not a and b
a and not b or c
not not a or b
not a == b
`,
  comparisons: `a < b
a < b <= c > d >= e == f != g
a in b
a not in b
a is b
a is not b
a < b < c in d not in e is f is not g
(a < b) < c
`,
  'binary operators': `a + b - c * d / e // f % g ** h @ i
a | b ^ c & d << e >> f
a ** b ** c
-a ** b
a ** -b
-a * b
~a + b
a - (b - c)
(a + b) * c
a if b else c if d else e
`,
  await: `async def f():
    await a
    await a + b
    await a ** b
    -await a
    await a.b(c)[d]
    not await a
    return [await x for x in y]
`,
  'named expressions': `if (x := 1): pass\nf(y := 2)\n[z := 3, w]\nwhile (n := f()) > 0: pass\n{(a := 1)}\n`,
  'calls and keywords': `f()
f(a, b)
f(a, *b, c, *d)
f(a, k=1, **kw, j=2)
f(**a, **b)
f(*a, k=1, *b)
f(x for x in y)
f((x for x in y), 1)
f(a)(b)(c)
a.b.c(d).e
`,
  subscripts: `a[0]
a[b, c]
a[b,]
a[1:2]
a[:]
a[::]
a[1:]
a[:2]
a[::3]
a[1:2:3]
a[1:2, ::3, c]
a[*b]
a[b, *c]
a[b][c]
a[(b, c)]
a[x := 1]
`,
  containers: `a = []
b = [1, 2, *c]
d = ()
e = (1,)
f = (1, 2, *g)
h = {}
i = {1: 2, **j, 3: 4}
k = {1, 2, *l}
m = {1,}
`,
  comprehensions: `a = [x for x in y]
b = [x for x in y if x if not x for z in x]
c = {x for x, y in z}
d = {k: v for k, v in e.items() if k}
f = (x for x in y)
g = [(x, y) for x in a for y in b]
h = [x for *x, y in z]
async def f():
    return [x async for x in y]
i = [lambda: x for x in y if (lambda: 1)]
j = [x for x in a if b or c]
`,
  'yield expressions': `def f():
    yield
    yield a
    yield a, b
    yield from a
    x = yield
    x = yield a
    x = yield from b
    f((yield))
    await_ = (yield a)
`,
  'match statements': `match x:
    case 1: pass
    case -1: pass
    case 1.5 | -2.5: pass
    case 1 + 2j: pass
    case -1 - 2j: pass
    case "a": pass
    case "a" "b": pass
    case b"x": pass
    case None: pass
    case True: pass
    case False: pass
    case a.b: pass
    case a.b.c: pass
    case y: pass
    case _: pass
    case [a, b, *rest]: pass
    case [*_]: pass
    case (a, b): pass
    case (a,): pass
    case (a): pass
    case (): pass
    case []: pass
    case a, b: pass
    case a, *b: pass
    case {}: pass
    case {"k": v, 1: w, a.b: c, None: n, -1: m, **rest}: pass
    case Point(): pass
    case Point(1, 2): pass
    case Point(x=1, y=p): pass
    case a.B(1, y=2): pass
    case 1 | 2 | 3: pass
    case 1 | 2 as z: pass
    case (1 | 2) | 3: pass
    case [1, 2] as l: pass
    case str() | bytes(): pass
    case x if x > 0: pass
    case {"a": [1, {"b": _}]}: pass
match a, b:
    case _: pass
match *a, b:
    case _: pass
match (x := 1):
    case _: pass
`,
  'statement groups': `a = 1; b = 2;\nif a: b; c\nx = 1  # comment\n# full-line\n`,
  'expression statements': `a\na, b\n*a, b\na.b\n...\n`,
  'comments in odd places': `f(a,  # one
  b,  # two
)
x = [  # list
    1,
]
def g(a,  # c / d
      b):  # e
    pass
`,
  'conditional and lambda': `a = b if c else d\ne = (lambda: 0) if f else lambda x: x\n`,
  'parenthesized targets and values': `(a) = (b)\n((a)) = 1\n(a.b) = 1\nfor (x) in (y): pass\n[(a), b] = c\n`,
  'string with nested quotes': `a = "it's"\nb = 'say "hi"'\nc = """a "" b"""\n`,
  'unicode text': `a = "héllo wörld ✓ 😀"\nb = f"{x}→{y}"\n`,
  'line continuation': `a = 1 + \\\n    2\nb = "x" \\\n    "y"\n`,
  'f-string corner cases':
    String.raw`a = f"{x!r:{'>'}10}"
b = f'{a["b"]:{c}}'
c = f"{x:{y}{z}}"
d = f"{x:	}"
e = f"{x:{y=}}"
l = f"{x:{y}.{z}f}" f"{ {'a': 1}['a'] }"
m = f"{x!r:}" f"{x:=10}" f"{a:{b}{c!r}x{d=}}"
g = rb"\d" br"x" b"a" b"b"
h = f"{x}" "" f"{y:}"
i = f"{x=}{y=!r:>3}"
j = Rf"{x}\{y}"
k = f'''{
  x
}'''
` + '\n',
  'more numbers': `a = 1_000j, 0_0, 1e1_0, 0x_1, 0B1, 0O7, 1.0e+3, 9999999999999999999.0, 4.9e-324\n`,
  'soft keywords as names': `match = re.match(x)\nif match: match.group(0)\ncase = 1\ntype = type(x)\nprint(match, case, type)\n_ = 1\n`,
  'more parameters': `f = lambda a=1, /, b=2: 0
g = lambda *a, **k: 0
h = lambda a, /: a
def f(a, /, *, b): pass
def g(a, b=1, /, c=2, *d, e=3, f, **g): pass
def h(*args, **kwargs) -> "x": pass
class A:
    def m(self, /): pass
`,
  'more assignment shapes': `x = *a, *b
a = b = yield x
a[1:2] = b
a.b.c = d
a, b = c, d = e
[a, (b, c)] = [d, (e, f)]
`,
}

describe('syntax tree to CPython ast', () => {
  let trees = new Map<string, AstRecord>()
  let dir: string | undefined

  beforeAll(async () => {
    if (!HAVE_PYTHON) return
    dir = mkdtempSync(join(tmpdir(), 'binary-check-pyast-'))
    const files: string[] = []
    for (const [i, source] of Object.values(SNIPPETS).entries()) {
      const file = join(dir, `snippet${i}.py`)
      writeFileSync(file, source)
      files.push(file)
    }
    trees = await cpythonTrees(files)
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  for (const [i, [name, source]] of Object.entries(SNIPPETS).entries()) {
    it.skipIf(!HAVE_PYTHON)(`${name} (compared with CPython)`, () => {
      const record = trees.get(join(dir as string, `snippet${i}.py`))
      expect(record?.error, 'CPython reads the snippet').toBeUndefined()
      const ours = convert(source)
      expect(firstDifference(ours, record?.ast)).toBeUndefined()
    })
  }

  it('gives a Module of Expr(Constant) for a docstring, with tagged constant values', () => {
    expect(convert('"""Doc."""\n0x10; 1.5; 2j; b"\\xff"; ...; None; True\n')).toEqual({
      _type: 'Module',
      body: [
        { _type: 'Expr', value: { _type: 'Constant', value: 'Doc.', kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: { int: '16' }, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: { float: 1.5 }, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: { complex: 2 }, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: { bytes: '\xff' }, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: { ellipsis: true }, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: null, kind: null } },
        { _type: 'Expr', value: { _type: 'Constant', value: true, kind: null } },
      ],
    })
  })

  it('reads big ints exactly and overflowing floats as inf', () => {
    const body = (convert('x = 123456789012345678901234567890, 1e999, u"a"\n').body as PyAst[])[0]
    expect((body?.value as PyAst).elts).toEqual([
      { _type: 'Constant', value: { int: '123456789012345678901234567890' }, kind: null },
      { _type: 'Constant', value: { float: 'inf' }, kind: null },
      { _type: 'Constant', value: 'a', kind: 'u' },
    ])
  })

  it('binds `not` looser than `and` and flattens boolean runs like CPython', () => {
    const value = ((convert('not a and b or c or d\n').body as PyAst[])[0] as PyAst).value
    const name = (id: string) => ({ _type: 'Name', id, ctx: 'Load' })
    expect(value).toEqual({
      _type: 'BoolOp',
      op: 'Or',
      values: [
        {
          _type: 'BoolOp',
          op: 'And',
          values: [{ _type: 'UnaryOp', op: 'Not', operand: name('a') }, name('b')],
        },
        name('c'),
        name('d'),
      ],
    })
  })

  it('chains comparisons and gives targets their Store and Del contexts', () => {
    const [compare, assign, del] = convert('a < b <= c\nx, [y, *z] = w\ndel p.q\n').body as PyAst[]
    expect(compare?.value).toMatchObject({ _type: 'Compare', ops: ['Lt', 'LtE'] })
    expect(assign).toMatchObject({
      _type: 'Assign',
      targets: [
        {
          _type: 'Tuple',
          ctx: 'Store',
          elts: [
            { _type: 'Name', id: 'x', ctx: 'Store' },
            {
              _type: 'List',
              ctx: 'Store',
              elts: [
                { _type: 'Name', id: 'y', ctx: 'Store' },
                { _type: 'Starred', ctx: 'Store', value: { _type: 'Name', ctx: 'Store' } },
              ],
            },
          ],
        },
      ],
    })
    expect(del).toMatchObject({
      _type: 'Delete',
      targets: [{ _type: 'Attribute', attr: 'q', ctx: 'Del', value: { ctx: 'Load' } }],
    })
  })

  it('folds f-string concatenation into one JoinedStr with the 3.11 `=` behaviour', () => {
    const value = ((convert('"a" f"b{x=}" ""\n').body as PyAst[])[0] as PyAst).value
    expect(value).toEqual({
      _type: 'JoinedStr',
      values: [
        { _type: 'Constant', value: 'abx=', kind: null },
        {
          _type: 'FormattedValue',
          value: { _type: 'Name', id: 'x', ctx: 'Load' },
          conversion: 114,
          format_spec: null,
        },
      ],
    })
  })

  it('fills posonlyargs, defaults and kw_defaults (null where a keyword has none)', () => {
    const def = (convert('def f(a, /, b=1, *c, d, e=2, **k): pass\n').body as PyAst[])[0]
    const args = def?.args as PyAst
    const arg = (name: string) => ({ _type: 'arg', arg: name, annotation: null })
    expect(args).toEqual({
      _type: 'arguments',
      posonlyargs: [arg('a')],
      args: [arg('b')],
      vararg: arg('c'),
      kwonlyargs: [arg('d'), arg('e')],
      kw_defaults: [null, { _type: 'Constant', value: { int: '2' }, kind: null }],
      kwarg: arg('k'),
      defaults: [{ _type: 'Constant', value: { int: '1' }, kind: null }],
    })
  })

  it('throws, naming the construct, on what CPython 3.11 does not have', () => {
    expect(() => convert('def f[T](x): pass\n')).toThrow(/TypeParamList/)
    expect(() => convert('type X = int\n')).toThrow(/TypeDefinition/)
    expect(() => convert('x = "\\N{BULLET}"\n')).toThrow(/escape/)
  })
})

describe.skipIf(!HAVE_CORPUS || !HAVE_PYTHON)(
  'syntax tree to CPython ast on the spack-packages corpus (needs ../shared/corpus and python3)',
  () => {
    let work: string | undefined
    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true })
    })

    it('gives CPython’s tree for every head recipe and build_systems module', async () => {
      work = await mkdtemp(join(tmpdir(), 'binary-check-pyast-corpus-'))
      const clone = join(work, 'spack-packages')
      await run('git', ['clone', '--quiet', BUNDLE, clone])
      const builtin = join(clone, 'repos/spack_repo/builtin')
      const files: string[] = []
      for (const name of readdirSync(join(builtin, 'packages')).sort()) {
        const file = join(builtin, 'packages', name, 'package.py')
        if (existsSync(file)) files.push(file)
      }
      const recipes = files.length
      for (const name of readdirSync(join(builtin, 'build_systems')).sort())
        if (name.endsWith('.py')) files.push(join(builtin, 'build_systems', name))
      expect(recipes).toBeGreaterThan(8000)
      expect(files.length - recipes).toBeGreaterThan(20)

      const python = cpythonTrees(files)
      const sources = []
      let parseMs = 0
      for (const file of files) {
        const text = await readFile(file, 'utf8')
        const start = performance.now()
        sources.push(parsePython(text, file))
        parseMs += performance.now() - start
      }
      const start = performance.now()
      const ours = sources.map((source) => toPythonAst(source))
      const convertMs = performance.now() - start
      console.log(
        `python ast corpus: ${files.length} modules parsed in ${Math.round(parseMs)} ms, ` +
          `converted to ast in ${Math.round(convertMs)} ms`,
      )

      const records = await python
      const differences: string[] = []
      for (const [i, file] of files.entries()) {
        const record = records.get(file)
        if (record?.ast === undefined) {
          differences.push(`${file}: python: ${record?.error ?? 'no output'}`)
          continue
        }
        const found = firstDifference(ours[i], record.ast)
        if (found !== undefined) differences.push(`${file}: ${found}`)
      }
      expect(differences.length, `first differences:\n${differences.slice(0, 5).join('\n')}`).toBe(
        0,
      )
    }, 600_000)
  },
)
