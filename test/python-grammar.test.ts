/**
 * The repository's Python grammar (src/ecosystems/spack/recipe/grammar, issue 8 §2): the committed
 * parser is what python.grammar generates, every construct of valid Python parses without an error
 * node (each snippet is also checked against CPython where python3 is new enough), the trees keep
 * the shapes the analyser walks, and invalid Python is still a one-line syntax error.
 */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GRAMMAR_DIR, generateGrammar } from '../scripts/build-grammar.mjs'
import { UserError } from '../src/core/errors.js'
import { parser } from '../src/ecosystems/spack/recipe/grammar/parser.js'
import { parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'
import { parsePython, type PyNode } from '../src/ecosystems/spack/recipe/syntax.js'

/** Valid Python, by construct; `since` is the first CPython that reads it (default 3.9). */
const VALID: Array<{ name: string; code: string; since?: string }> = [
  { name: 'bare yield statement', code: 'def f():\n    yield\n' },
  {
    name: 'yield as a value',
    code: 'def f():\n    x = (yield)\n    y = yield\n    z = yield 1, 2\n',
  },
  { name: 'yield from', code: 'def f():\n    yield from g()\n' },
  { name: 'yield in a lambda', code: 'g = lambda: (yield)\n' },
  {
    name: '@contextmanager with a bare yield',
    code:
      'class A:\n    @contextmanager\n    def env(self):\n        try:\n            yield\n' +
      '        finally:\n            pass\n',
  },
  {
    name: 'trailing-dot floats',
    code: 'a = 1.\nb = 24.*3600.\nc = 1.e5 + 1.E-3 + 1.j\nd = f(0., x=2.)\n',
  },
  {
    name: 'other numbers',
    code: 'a = [1_000, 0x_FF, 0o17, 0b1, .5, 1e10, 3.14j, 1_0.0_1]\nb = 1 .real\n',
  },
  {
    name: 'parenthesized context managers',
    code:
      'with (open(a) as f, open(b) as g):\n    pass\n' +
      'with (\n    open(a) as f,\n    open(b) as g,\n):\n    pass\n' +
      'with (a, b):\n    pass\nwith (a,):\n    pass\nwith (a):\n    pass\n',
  },
  {
    name: 'with targets and tuples',
    code:
      'with a as (b, c), d as self.e, f as g[0]:\n    pass\n' +
      'with (a, b) as c:\n    pass\nwith (a).b as c, (d, e).f:\n    pass\n',
  },
  {
    name: 'match statement',
    code: [
      'match command.split():',
      '    case [action]:',
      '        pass',
      '    case [action, obj, *rest]:',
      '        pass',
      '    case Point(x=0, y=0) | Point(1, 2):',
      '        pass',
      '    case ast.BinOp() | ast.Call(func=ast.Name()):',
      '        pass',
      '    case {"k": v, a.b: 1, **rest}:',
      '        pass',
      '    case {} | [] | ():',
      '        pass',
      '    case -1 | 1 + 2j | -3.0 - 4j | "a" "b" | b"c" | None | True:',
      '        pass',
      '    case (1 | 2) as n if n > (m := 1):',
      '        pass',
      '    case a.b.C:',
      '        pass',
      '    case x, *_:',
      '        pass',
      '    case _:',
      '        pass',
      'match a, *b:',
      '    case _:',
      '        pass',
      'match x := f():',
      '    case _:',
      '        pass',
      'match = re.match(p, s)',
      'match(a)',
      'case = 1',
      '',
    ].join('\n'),
    since: '3.10',
  },
  {
    name: 'PEP 695 generics',
    code:
      'def f[T](x: T) -> T:\n    return x\n' +
      'class C[T: int, *Ts, **P](Base[T]):\n    pass\n' +
      'type X = int\ntype Y[T] = list[T]\ntype = 1\nprint(type(x), x.type)\n',
    since: '3.12',
  },
  {
    name: 'PEP 696 type parameter defaults',
    code: 'def f[T = int](): pass\nclass C[*Ts = *tuple[int], **P = [int]]: pass\n',
    since: '3.13',
  },
  {
    name: 'nested f-strings with the same quotes',
    code:
      'a = f"{x["a"]}"\nb = f"{f"{y}"}"\nc = f"{", ".join([\n    "p",\n])}"\n' +
      "d = f'{'\\n'.join(z)}'\n" +
      'e = f"""{\n    x  # a comment\n}"""\n',
    since: '3.12',
  },
  {
    name: 'f-string fields',
    code:
      'a = f"{x!r:>{width}} {y=} {z = !s:10} {{lit}} {d[\'k\']:%Y-%m-%d}"\n' +
      'b = f"{x:=10}" rf"\\{{x}}" f"\\N{BULLET} {a if b else c}"\n',
  },
  {
    name: 'walrus',
    code:
      'if (n := len(a)) > 10:\n    pass\nwhile chunk := f.read():\n    pass\n' +
      '[y for x in a if (y := g(x))]\nprint(x := 1, {y := 2}, a[z := 3])\n',
    since: '3.10',
  },
  {
    name: 'async and await',
    code:
      'async def f():\n    async with a as b, c:\n        pass\n    async for x in y:\n' +
      '        await x\n    return [i async for i in g() if await i]\n' +
      'class A:\n    @dec\n    async def m(self):\n        await self.x\n',
  },
  {
    name: 'decorators with any expression',
    code:
      '@a[0].b(c)\ndef f(): pass\n@a.b(c).d\nclass C: pass\n@(lambda f: f)\ndef g(): pass\n' +
      '@x := y\ndef h(): pass\n@when("+x")\n@a.b.c(d)\n@property\ndef i(): pass\n',
  },
  {
    name: 'backslash continuations',
    code:
      'x = 1 + \\\n    2\nassert x, \\\n    "message"\n' +
      'def f():\n    return a and \\\nb\nif a and \\\n   b:\n    pass\n' +
      'with a as b, \\\n     c as d:\n    pass\n',
  },
  {
    name: 'tabs mixed with spaces',
    code:
      'if a:\n\tif b:\n\t\tx = 1\n\telse:\n\t        y = 2\n\tz = 3\n' +
      'class A:\n  \tdef f(self):\n  \t    return 1\n  \tx = 2\n',
  },
  {
    name: 'form feeds',
    code: 'import os\n\f\nclass A:\n    x = 1\n\f\n    y = 2\n\f\ndef f():\n    pass\n',
  },
  {
    name: 'starred expressions',
    code:
      'a[*b]\na[1:2, *c]\nfor x in *a, *b:\n    pass\n[x for x, *y in z]\nreturn_ = *a, *b\n' +
      'def f(*args: *Ts): pass\n',
    since: '3.11',
  },
  {
    name: 'lambdas',
    code: 'a = lambda x, /, y=1, *, z: 0\nb = lambda a,: 0\nc = lambda *a, **k: 0\nd = lambda: 0\n',
  },
  {
    name: 'print is a name',
    code: 'print >> sys.stderr, "message"\nprint = 3\nprint += 1\nprint\nprint(a, file=f)\n',
  },
  {
    name: 'other statements',
    code: [
      'from . import a',
      'from ..b.c import (d as e, f,)',
      'import a.b as c, d',
      'global g',
      'def f(a, /, b: int = 1, *args, c, d=2, **kw) -> "x":',
      '    nonlocal_ = 1',
      '    del a[0], b.c',
      '    raise E from None',
      'try:',
      '    pass',
      'except* (A, B) as e:',
      '    pass',
      'try:',
      '    pass',
      'except (A, B):',
      '    pass',
      'except C as e:',
      '    pass',
      'else:',
      '    pass',
      'finally:',
      '    pass',
      'x: list[int] = []',
      'self.y: int',
      'a = b = c',
      'a, *b = [c, *d] = e',
      'x = a if b else c if d else e',
      'x = not a == b is not c not in d',
      'x = {**a, "b": 1, **{c: d for c, d in e}}',
      'x = {*a, *b}',
      'f(*a, *b, c=1, **d, **e)',
      'f(x for x in y)',
      'if x: pass; y = 1;',
      'while 0:',
      '    break',
      'else:',
      '    continue_ = 1',
      '...',
      '',
    ].join('\n'),
    since: '3.11',
  },
]

/** Invalid Python: still a one-line syntax error with the message of describeError. */
const INVALID: Array<{ code: string; message: string }> = [
  { code: 'class Broken(:\n', message: 'x.py:1: Python syntax error: unexpected ":"' },
  { code: 'print "hello"\n', message: 'x.py:1: Python syntax error: unexpected "\\""' },
  { code: 'x = (1,\n', message: 'x.py:2: Python syntax error: unexpected end of file' },
  { code: 'with (a as b:\n    pass\n', message: 'x.py:1: Python syntax error: unexpected ":"' },
  { code: 'def f():\nreturn 1\n', message: 'x.py:2: Python syntax error: unexpected "return"' },
]

/** Error nodes of a parse, as `line: text` (empty for a clean parse). */
function errors(code: string): string[] {
  const out: string[] = []
  const cursor = parser.parse(code).cursor()
  do {
    if (cursor.type.isError) {
      const line = code.slice(0, cursor.from).split('\n').length
      out.push(`${line}: ${JSON.stringify(code.split('\n')[line - 1])}`)
    }
  } while (cursor.next())
  return out
}

const LEAF_TEXT = new Set(['VariableName', 'PropertyName', 'Number', 'String'])

/** A node as `Name(children)`, named leaves with their text: the shape the analyser walks. */
function shape(node: PyNode, text: string): string {
  const children: string[] = []
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== 'Comment') children.push(shape(child, text))
  }
  if (children.length > 0) return `${node.name}(${children.join(' ')})`
  return LEAF_TEXT.has(node.name) ? `${node.name}=${text.slice(node.from, node.to)}` : node.name
}

/** The shape of the first node named `name` in the parse of `code`. */
function first(code: string, name: string): string {
  const source = parsePython(code, 'x.py')
  const cursor = source.tree.cursor()
  do if (cursor.name === name) return shape(cursor.node, source.text)
  while (cursor.next())
  throw new Error(`no ${name} in ${code}`)
}

describe('the committed parser', () => {
  it('is what scripts/build-grammar.mjs generates from python.grammar', async () => {
    const generated = await generateGrammar()
    for (const [name, text] of Object.entries(generated)) {
      const committed = await readFile(join(GRAMMAR_DIR, name), 'utf8')
      expect(committed === text, `${name} is stale: run npm run build-grammar`).toBe(true)
    }
  })
})

describe('valid Python parses without an error node', () => {
  it.each(VALID)('$name', ({ code }) => {
    expect(errors(code)).toEqual([])
  })

  const version = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])
  const python = version.status === 0 ? version.stdout.toString().trim() : undefined
  const older = (a: string, b: string): boolean => {
    const [a1, a2] = a.split('.').map(Number) as [number, number]
    const [b1, b2] = b.split('.').map(Number) as [number, number]
    return a1 < b1 || (a1 === b1 && a2 < b2)
  }
  it.skipIf(python === undefined)(
    `and CPython agrees that every snippet is valid (python3 ${python ?? 'absent'}: newer syntax skipped)`,
    () => {
      const snippets = VALID.filter((s) => !older(python as string, s.since ?? '3.9'))
      const check = spawnSync(
        'python3',
        [
          '-c',
          'import ast, json, sys\nfor s in json.load(sys.stdin):\n' +
            '    try: ast.parse(s["code"])\n' +
            '    except SyntaxError as e: print(s["name"] + ": " + str(e))\n',
        ],
        { input: JSON.stringify(snippets) },
      )
      expect(check.stderr.toString()).toBe('')
      expect(check.stdout.toString()).toBe('')
      expect(snippets.length).toBeGreaterThan(10)
    },
  )
})

describe('tree shapes', () => {
  it('a recipe with a bare yield in a @contextmanager method parses as a recipe', () => {
    const recipe = parseSpackRecipe(
      [
        'from contextlib import contextmanager',
        'from spack_repo.builtin.build_systems.generic import Package',
        'from spack.package import *',
        '',
        '',
        'class Perl(Package):',
        '    version("5.40.0", sha256="aa")',
        '',
        '    @contextmanager',
        '    def _setup_env(self):',
        '        saved = dict(os.environ)',
        '        try:',
        '            yield',
        '        finally:',
        '            os.environ.update(saved)',
        '',
      ].join('\n'),
      'repos/spack_repo/builtin/packages/perl/package.py',
    )
    expect(recipe.className).toBe('Perl')
    expect(recipe.versions.map((v) => v.version)).toEqual(['5.40.0'])
    expect(recipe.canonical).toContain('    @contextmanager\n    def _setup_env(self):\n')
    expect(recipe.canonical).toContain('        try:\n            yield\n        finally:\n')
    expect(first('def f():\n    yield\n', 'Body')).toBe('Body(: YieldStatement(yield))')
  })

  it('yield as a value, trailing-dot floats', () => {
    expect(first('x = (yield)\n', 'AssignStatement')).toBe(
      'AssignStatement(VariableName=x AssignOp ParenthesizedExpression(( YieldExpression(yield) )))',
    )
    expect(first('a = 1.\n', 'AssignStatement')).toBe(
      'AssignStatement(VariableName=a AssignOp Number=1.)',
    )
    expect(first('a = 1.e5\n', 'AssignStatement')).toBe(
      'AssignStatement(VariableName=a AssignOp Number=1.e5)',
    )
    expect(first('a = 1 .real\n', 'MemberExpression')).toBe(
      'MemberExpression(Number=1 . PropertyName=real)',
    )
  })

  it('with: parenthesized items are items; a parenthesized expression stays one', () => {
    expect(first('with (open(a) as f, b):\n    pass\n', 'WithStatement')).toBe(
      'WithStatement(with ( CallExpression(VariableName=open ArgList(( VariableName=a ))) as ' +
        'VariableName=f , VariableName=b ) Body(: PassStatement(pass)))',
    )
    // Python 3.9+ reads two context managers, not a tuple.
    expect(first('with (when("+a"), b):\n    pass\n', 'WithStatement')).toBe(
      'WithStatement(with ( CallExpression(VariableName=when ArgList(( String="+a" ))) , ' +
        'VariableName=b ) Body(: PassStatement(pass)))',
    )
    expect(first('with (a):\n    pass\n', 'WithStatement')).toBe(
      'WithStatement(with ParenthesizedExpression(( VariableName=a )) Body(: PassStatement(pass)))',
    )
    expect(first('with (a, b) as c:\n    pass\n', 'WithStatement')).toBe(
      'WithStatement(with TupleExpression(( VariableName=a , VariableName=b )) as VariableName=c ' +
        'Body(: PassStatement(pass)))',
    )
    expect(first('with when("+x"), a as b.c:\n    pass\n', 'WithStatement')).toBe(
      'WithStatement(with CallExpression(VariableName=when ArgList(( String="+x" ))) , ' +
        'VariableName=a as MemberExpression(VariableName=b . PropertyName=c) ' +
        'Body(: PassStatement(pass)))',
    )
  })

  it('decorators: a dotted name keeps its shape, anything else is an expression', () => {
    expect(first('@when("+x")\ndef f(): pass\n', 'Decorator')).toBe(
      'Decorator(At VariableName=when ArgList(( String="+x" )))',
    )
    expect(first('@a.b.c(d)\ndef f(): pass\n', 'Decorator')).toBe(
      'Decorator(At VariableName=a . VariableName=b . VariableName=c ArgList(( VariableName=d )))',
    )
    expect(first('@a[0].b(c)\ndef f(): pass\n', 'Decorator')).toBe(
      'Decorator(At CallExpression(MemberExpression(MemberExpression(VariableName=a [ Number=0 ]) ' +
        '. PropertyName=b) ArgList(( VariableName=c ))))',
    )
    const recipe = parseSpackRecipe(
      'class Foo(Package):\n    @when("+x")\n    def install(self, spec, prefix):\n' +
        '        pass\n\n    @registry[0].hook(1)\n    def other(self):\n        pass\n',
      'repos/spack_repo/builtin/packages/foo/package.py',
    )
    expect(recipe.conditionalCode.map((p) => p.label)).toEqual(['method install when +x'])
    expect(recipe.canonical).toContain('    @registry[0].hook(1)\n    def other(self):\n')
  })

  it('match statements', () => {
    expect(first('match p:\n    case Point(x=0) | None:\n        pass\n', 'MatchStatement')).toBe(
      'MatchStatement(match VariableName=p MatchBody(: MatchClause(case OrPattern(ClassPattern(' +
        'VariableName=Point PatternArgList(( KeywordPattern(VariableName=x LiteralPattern(' +
        'Number=0)) ))) LogicOp LiteralPattern(None)) Body(: PassStatement(pass)))))',
    )
    expect(first('match a, b:\n    case {}:\n        pass\n', 'MatchStatement')).toBe(
      'MatchStatement(match VariableName=a , VariableName=b MatchBody(: MatchClause(case ' +
        'MappingPattern({ }) Body(: PassStatement(pass)))))',
    )
  })

  it('PEP 695 generics', () => {
    expect(first('def f[T](x: T): pass\n', 'FunctionDefinition')).toBe(
      'FunctionDefinition(def VariableName=f TypeParamList([ TypeParam(VariableName=T) ]) ' +
        'ParamList(( VariableName=x TypeDef(: VariableName=T) )) Body(: PassStatement(pass)))',
    )
    expect(first('class C[T](B): pass\n', 'ClassDefinition')).toBe(
      'ClassDefinition(class VariableName=C TypeParamList([ TypeParam(VariableName=T) ]) ' +
        'ArgList(( VariableName=B )) Body(: PassStatement(pass)))',
    )
    expect(first('type X = int\n', 'TypeDefinition')).toBe(
      'TypeDefinition(type VariableName=X VariableName=int)',
    )
  })

  it('nested f-strings, walrus, async', () => {
    expect(first('f"{x["a"]}"\n', 'FormatString')).toBe(
      'FormatString(FormatReplacement({ MemberExpression(VariableName=x [ String="a" ]) }))',
    )
    expect(first('f"{f"{y}"}"\n', 'FormatString')).toBe(
      'FormatString(FormatReplacement({ FormatString(FormatReplacement({ VariableName=y })) }))',
    )
    expect(first('f"{x:=10}"\n', 'FormatString')).toBe(
      'FormatString(FormatReplacement({ VariableName=x FormatSpec(:) }))',
    )
    expect(first('if (n := 1) > 0: pass\n', 'ParenthesizedExpression')).toBe(
      'ParenthesizedExpression(( NamedExpression(VariableName=n AssignOp Number=1) ))',
    )
    expect(first('async def f():\n    await g()\n', 'FunctionDefinition')).toBe(
      'FunctionDefinition(async def VariableName=f ParamList(( )) Body(: ExpressionStatement(' +
        'AwaitExpression(await CallExpression(VariableName=g ArgList(( )))))))',
    )
  })

  it('continuation lines and tabs do not open or close blocks', () => {
    expect(first('def f():\n    return a and \\\nb\nx = 1\n', 'Script')).toBe(
      'Script(FunctionDefinition(def VariableName=f ParamList(( )) Body(: ReturnStatement(return ' +
        'BinaryExpression(VariableName=a and VariableName=b)))) AssignStatement(VariableName=x ' +
        'AssignOp Number=1))',
    )
    expect(first('if a:\n\tif b:\n\t\tx\n\ty\nz\n', 'Script')).toBe(
      'Script(IfStatement(if VariableName=a Body(: IfStatement(if VariableName=b Body(: ' +
        'ExpressionStatement(VariableName=x))) ExpressionStatement(VariableName=y))) ' +
        'ExpressionStatement(VariableName=z))',
    )
    expect(first('class A:\n    x = 1\n\f\n    y = 2\n', 'Body')).toBe(
      'Body(: AssignStatement(VariableName=x AssignOp Number=1) AssignStatement(VariableName=y ' +
        'AssignOp Number=2))',
    )
  })

  it('a byte order mark is not part of the module', () => {
    expect(parsePython('\ufeffimport os\n', 'x.py').text).toBe('import os\n')
  })
})

describe('invalid Python', () => {
  it.each(INVALID)('$code is a one-line syntax error', ({ code, message }) => {
    let error: unknown
    try {
      parsePython(code, 'x.py')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).oneLine()).toBe(message)
  })
})
