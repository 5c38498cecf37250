/**
 * Spack's unparser, byte for byte (`spack.util.unparse.unparse(tree, py_ver_consistent=True)`):
 * the text Spack hashes as a recipe's canonical source. Every expected text below is what Spack's
 * own unparser printed for the source beside it (Spack core 9cf66332df, CPython 3.11), written out
 * literally so the tests need no Python. The trees are built by hand; where python3 is installed,
 * each hand-built tree is also checked against CPython's `ast` of its source, and every source is
 * unparsed from CPython's tree too (test/support/python-ast-json.py).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type {
  ConstantValue,
  PyAst,
  PyField,
} from '../src/ecosystems/spack/package-hash/python-ast.js'
import {
  isPrintable,
  reprBytes,
  reprFloat,
  reprImaginary,
  reprStr,
} from '../src/ecosystems/spack/package-hash/python-repr.js'
import { unparseSpack } from '../src/ecosystems/spack/package-hash/spack-unparse.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const HAVE_PYTHON = spawnSync('python3', ['--version']).status === 0
if (!HAVE_PYTHON)
  console.warn('spack-unparse test: no python3, the comparison with CPython is skipped')
const AST_SCRIPT = join(PROJECT_ROOT, 'test/support/python-ast-json.py')

// ---------------------------------------------------------------------------------------------
// Tree builders, in CPython 3.11's fields (as python-ast-json.py prints them).

const N = (_type: string, fields: Record<string, PyField> = {}): PyAst => ({ _type, ...fields })
const mod = (...body: PyAst[]): PyAst => N('Module', { body })
const nm = (id: string, ctx = 'Load'): PyAst => N('Name', { id, ctx })
const st = (id: string): PyAst => nm(id, 'Store')
const k = (value: ConstantValue, kind: string | null = null): PyAst =>
  N('Constant', { value, kind })
const int = (digits: string): PyAst => k({ int: digits })
const flt = (value: number | 'inf'): PyAst => k({ float: value })
const expr = (value: PyAst): PyAst => N('Expr', { value })
const assign = (target: PyAst | PyAst[], value: PyAst): PyAst =>
  N('Assign', { targets: Array.isArray(target) ? target : [target], value })
/** `x = VALUE`: most expression cases are written as one. */
const x = (value: PyAst): PyAst => mod(assign(st('x'), value))
const bin = (left: PyAst, op: string, right: PyAst): PyAst => N('BinOp', { left, op, right })
const un = (op: string, operand: PyAst): PyAst => N('UnaryOp', { op, operand })
const bool = (op: string, ...values: PyAst[]): PyAst => N('BoolOp', { op, values })
const cmp = (left: PyAst, ...rest: (string | PyAst)[]): PyAst =>
  N('Compare', {
    left,
    ops: rest.filter((r): r is string => typeof r === 'string'),
    comparators: rest.filter((r): r is PyAst => typeof r !== 'string'),
  })
const kw = (arg: string | null, value: PyAst): PyAst => N('keyword', { arg, value })
const call = (func: PyAst, args: PyAst[] = [], keywords: PyAst[] = []): PyAst =>
  N('Call', { func, args, keywords })
const attr = (value: PyAst, name: string, ctx = 'Load'): PyAst =>
  N('Attribute', { value, attr: name, ctx })
const sub = (value: PyAst, slice: PyAst, ctx = 'Load'): PyAst =>
  N('Subscript', { value, slice, ctx })
const slice = (lower: PyAst | null, upper: PyAst | null, step: PyAst | null = null): PyAst =>
  N('Slice', { lower, upper, step })
const tup = (elts: PyAst[], ctx = 'Load'): PyAst => N('Tuple', { elts, ctx })
const list = (...elts: PyAst[]): PyAst => N('List', { elts, ctx: 'Load' })
const star = (value: PyAst, ctx = 'Load'): PyAst => N('Starred', { value, ctx })
const dict = (keys: (PyAst | null)[], values: PyAst[]): PyAst => N('Dict', { keys, values })
const ifexp = (body: PyAst, test: PyAst, orelse: PyAst): PyAst => N('IfExp', { test, body, orelse })
const arg = (name: string, annotation: PyAst | null = null): PyAst =>
  N('arg', { arg: name, annotation })
const args = (fields: Partial<Record<string, PyField>> = {}): PyAst =>
  N('arguments', {
    posonlyargs: [],
    args: [],
    vararg: null,
    kwonlyargs: [],
    kw_defaults: [],
    kwarg: null,
    defaults: [],
    ...(fields as Record<string, PyField>),
  })
const lambda = (a: PyAst, body: PyAst): PyAst => N('Lambda', { args: a, body })
const gen = (target: PyAst, iter: PyAst, ifs: PyAst[] = [], is_async = 0): PyAst =>
  N('comprehension', { target, iter, ifs, is_async })
const fv = (value: PyAst, conversion = -1, format_spec: PyAst | null = null): PyAst =>
  N('FormattedValue', { value, conversion, format_spec })
const fstr = (...parts: (string | PyAst)[]): PyAst =>
  N('JoinedStr', { values: parts.map((p) => (typeof p === 'string' ? k(p) : p)) })
const def = (
  name: string,
  a: PyAst,
  body: PyAst[],
  decorator_list: PyAst[] = [],
  returns: PyAst | null = null,
  type = 'FunctionDef',
): PyAst => N(type, { name, args: a, body, decorator_list, returns })
const cls = (
  name: string,
  body: PyAst[],
  bases: PyAst[] = [],
  keywords: PyAst[] = [],
  decorator_list: PyAst[] = [],
): PyAst => N('ClassDef', { name, bases, keywords, body, decorator_list })
const pass = N('Pass')
const ret = (value: PyAst | null): PyAst => N('Return', { value })
const iff = (test: PyAst, body: PyAst[], orelse: PyAst[] = []): PyAst =>
  N('If', { test, body, orelse })
const a = nm('a')
const b = nm('b')
const c = nm('c')
const d = nm('d')

// ---------------------------------------------------------------------------------------------

interface Case {
  /** The Python source. */
  src: string
  /** What Spack's unparser wrote for it. */
  want: string
  /** CPython's tree of `src`, by hand. */
  tree: PyAst
}

const CASES: Record<string, Case[]> = {
  'str repr': [
    { src: "x = 'a'", want: "x = 'a'\n", tree: x(k('a')) },
    { src: `x = "it's"`, want: `x = "it's"\n`, tree: x(k("it's")) },
    { src: `x = 'say "hi"'`, want: `x = 'say "hi"'\n`, tree: x(k('say "hi"')) },
    { src: `x = 'both \\' and "'`, want: `x = 'both \\' and "'\n`, tree: x(k(`both ' and "`)) },
    { src: "x = 'back\\\\slash'", want: "x = 'back\\\\slash'\n", tree: x(k('back\\slash')) },
    { src: "x = r'\\d+'", want: "x = '\\\\d+'\n", tree: x(k('\\d+')) },
    {
      src: "x = 'nl\\ntab\\tcr\\r'",
      want: "x = 'nl\\ntab\\tcr\\r'\n",
      tree: x(k('nl\ntab\tcr\r')),
    },
    {
      src: "x = '\\x00\\x07\\x1f\\x7f\\x80\\xa0\\xad\\xff'",
      want: "x = '\\x00\\x07\\x1f\\x7f\\x80\\xa0\\xadÿ'\n",
      tree: x(k('\x00\x07\x1f\x7f\x80\xa0\xad\xff')),
    },
    {
      src: "x = '\\u2028\\u200b\\ue000\\ufeff\\u0378\\u3000'",
      want: "x = '\\u2028\\u200b\\ue000\\ufeff\\u0378\\u3000'\n",
      tree: x(k('\u2028\u200b\ue000\ufeff\u0378\u3000')),
    },
    { src: "x = 'é ü 中文 😀'", want: "x = 'é ü 中文 😀'\n", tree: x(k('é ü 中文 😀')) },
    {
      src: "x = '\\U000E0001\\U0010FFFF'",
      want: "x = '\\U000e0001\\U0010ffff'\n",
      tree: x(k('\u{e0001}\u{10ffff}')),
    },
    { src: "x = u'unicode'", want: "x = 'unicode'\n", tree: x(k('unicode', 'u')) },
    { src: "x = 'a' 'b'", want: "x = 'ab'\n", tree: x(k('ab')) },
  ],
  'bytes, numbers and other constants': [
    { src: "x = b'abc'", want: "x = b'abc'\n", tree: x(k({ bytes: 'abc' })) },
    { src: `x = b"it's"`, want: `x = b"it's"\n`, tree: x(k({ bytes: "it's" })) },
    {
      src: `x = b'\\x00\\xff\\\\\\n\\t\\r\\'"'`,
      want: `x = b'\\x00\\xff\\\\\\n\\t\\r\\'"'\n`,
      tree: x(k({ bytes: '\x00\xff\\\n\t\r\'"' })),
    },
    { src: "x = rb'\\d'", want: "x = b'\\\\d'\n", tree: x(k({ bytes: '\\d' })) },
    { src: 'x = 1e16', want: 'x = 1e+16\n', tree: x(flt(1e16)) },
    { src: 'x = 1e15', want: 'x = 1000000000000000.0\n', tree: x(flt(1e15)) },
    { src: 'x = 1e-05', want: 'x = 1e-05\n', tree: x(flt(1e-5)) },
    { src: 'x = 0.0001', want: 'x = 0.0001\n', tree: x(flt(0.0001)) },
    { src: 'x = 0.1', want: 'x = 0.1\n', tree: x(flt(0.1)) },
    { src: 'x = 1.5e-05', want: 'x = 1.5e-05\n', tree: x(flt(1.5e-5)) },
    { src: 'x = 1e-07', want: 'x = 1e-07\n', tree: x(flt(1e-7)) },
    { src: 'x = 1.0', want: 'x = 1.0\n', tree: x(flt(1)) },
    { src: 'x = 0.0', want: 'x = 0.0\n', tree: x(flt(0)) },
    { src: 'x = 1.5e300', want: 'x = 1.5e+300\n', tree: x(flt(1.5e300)) },
    { src: 'x = 1e309', want: 'x = 1e309\n', tree: x(flt('inf')) },
    { src: 'x = 5e-324', want: 'x = 5e-324\n', tree: x(flt(5e-324)) },
    {
      src: 'x = 123456789.123456789',
      want: 'x = 123456789.12345679\n',
      tree: x(flt(123456789.12345679)),
    },
    {
      src: 'x = 12345678901234567.0',
      want: 'x = 1.2345678901234568e+16\n',
      tree: x(flt(12345678901234568)),
    },
    {
      src: 'x = 123456789012345678901234567890',
      want: 'x = 123456789012345678901234567890\n',
      tree: x(int('123456789012345678901234567890')),
    },
    {
      src: 'x = 0x1F + 0o17 + 1_000',
      want: 'x = 31 + 15 + 1000\n',
      tree: x(bin(bin(int('31'), 'Add', int('15')), 'Add', int('1000'))),
    },
    { src: 'x = 2j', want: 'x = 2j\n', tree: x(k({ complex: 2 })) },
    { src: 'x = 1.5j', want: 'x = 1.5j\n', tree: x(k({ complex: 1.5 })) },
    { src: 'x = 100.0j', want: 'x = 100j\n', tree: x(k({ complex: 100 })) },
    { src: 'x = 1e16j', want: 'x = 1e+16j\n', tree: x(k({ complex: 1e16 })) },
    { src: 'x = 1e400j', want: 'x = 1e309j\n', tree: x(k({ complex: 'inf' })) },
    { src: 'x = -1.5', want: 'x = -1.5\n', tree: x(un('USub', flt(1.5))) },
    { src: 'x = 3 .real', want: 'x = 3 .real\n', tree: x(attr(int('3'), 'real')) },
    { src: 'x = True .real', want: 'x = True .real\n', tree: x(attr(k(true), 'real')) },
    { src: 'x = 3.0.real', want: 'x = 3.0.real\n', tree: x(attr(flt(3), 'real')) },
    {
      src: 'x = (..., None, True, False)',
      want: 'x = (..., None, True, False)\n',
      tree: x(tup([k({ ellipsis: true }), k(null), k(true), k(false)])),
    },
  ],
  'f-strings': [
    { src: "x = f'a{b}c'", want: "x = f'a{b}c'\n", tree: x(fstr('a', fv(b), 'c')) },
    { src: "x = f''", want: "x = f''\n", tree: x(fstr()) },
    { src: "x = f'{a!r}'", want: "x = f'{a!r}'\n", tree: x(fstr(fv(a, 114))) },
    {
      src: "x = f'{a!s:>10}'",
      want: "x = f'{a!s:>10}'\n",
      tree: x(fstr(fv(a, 115, fstr('>10')))),
    },
    {
      src: "x = f'{a:{b}.{c}f}'",
      want: "x = f'{a:{b}.{c}f}'\n",
      tree: x(fstr(fv(a, -1, fstr(fv(b), '.', fv(c), 'f')))),
    },
    {
      src: `x = f"{a['k']}"`,
      want: `x = f"{a['k']}"\n`,
      tree: x(fstr(fv(sub(a, k('k'))))),
    },
    { src: "x = f'{a}\\n'", want: "x = f'{a}\\n'\n", tree: x(fstr(fv(a), '\n')) },
    {
      src: "x = f'''a\nb{c}'''",
      want: "x = f'a\\nb{c}'\n",
      tree: x(fstr('a\nb', fv(c))),
    },
    { src: `x = f"it's {a}"`, want: `x = f"it's {a}"\n`, tree: x(fstr("it's ", fv(a))) },
    {
      src: `x = f'''{a['k']} "{b}"'''`,
      want: `x = f'''{a['k']} "{b}"'''\n`,
      tree: x(fstr(fv(sub(a, k('k'))), ' "', fv(b), '"')),
    },
    {
      src: `x = f'\\'"{a}'`,
      want: `x = f''''"{a}'''\n`,
      tree: x(fstr(`'"`, fv(a))),
    },
    {
      src: `x = f'{a}' '\\'"""'`,
      want: `x = f'''{a}'"""'''\n`,
      tree: x(fstr(fv(a), `'"""`)),
    },
    {
      src: "x = f'{{literal}} {a}'",
      want: "x = f'{{literal}} {a}'\n",
      tree: x(fstr('{literal} ', fv(a))),
    },
    {
      src: "x = f'{ {1: 2}[1] }'",
      want: "x = f'{ {1: 2}[1]}'\n",
      tree: x(fstr(fv(sub(dict([int('1')], [int('2')]), int('1'))))),
    },
    { src: "x = f'{a, b}'", want: "x = f'{(a, b)}'\n", tree: x(fstr(fv(tup([a, b])))) },
    {
      src: `x = f'{"a" if b else "c"}'`,
      want: `x = f"{('a' if b else 'c')}"\n`,
      tree: x(fstr(fv(ifexp(k('a'), b, k('c'))))),
    },
    {
      src: "x = f'{(lambda y: y)(1)}'",
      want: "x = f'{(lambda y: y)(1)}'\n",
      tree: x(fstr(fv(call(lambda(args({ args: [arg('y')] }), nm('y')), [int('1')])))),
    },
    {
      src: `x = f'{f"{a}"}'`,
      want: `x = f"{f'{a}'}"\n`,
      tree: x(fstr(fv(fstr(fv(a))))),
    },
    {
      src: `x = f'{u"a"}'`,
      want: `x = f"{u'a'}"\n`,
      tree: x(fstr(fv(k('a', 'u')))),
    },
    {
      src: "x = f'{a:\\'}'",
      want: `x = f"{a:\\\\'}"\n`,
      tree: x(fstr(fv(a, -1, fstr("'")))),
    },
    { src: "x = f'{a:\\n}'", want: "x = f'{a:\\\\n}'\n", tree: x(fstr(fv(a, -1, fstr('\n')))) },
    { src: "x = f'{a=}'", want: "x = f'a={a!r}'\n", tree: x(fstr('a=', fv(a, 114))) },
    { src: "x = f'{1e400}'", want: "x = f'{1e309}'\n", tree: x(fstr(fv(flt('inf')))) },
    { src: "x = f'{a}é\\u200b'", want: "x = f'{a}é\\u200b'\n", tree: x(fstr(fv(a), 'é\u200b')) },
    {
      src: "def f():\n    x = f'{yield}'",
      want: "def f():\n    x = f'{(yield)}'\n",
      tree: mod(def('f', args(), [assign(st('x'), fstr(fv(N('Yield', { value: null }))))])),
    },
  ],
  precedence: [
    { src: 'x = -(a ** b)', want: 'x = -a ** b\n', tree: x(un('USub', bin(a, 'Pow', b))) },
    { src: 'x = (-a) ** b', want: 'x = (-a) ** b\n', tree: x(bin(un('USub', a), 'Pow', b)) },
    { src: 'x = a ** -b', want: 'x = a ** (-b)\n', tree: x(bin(a, 'Pow', un('USub', b))) },
    { src: 'x = a ** b ** c', want: 'x = a ** b ** c\n', tree: x(bin(a, 'Pow', bin(b, 'Pow', c))) },
    {
      src: 'x = (a ** b) ** c',
      want: 'x = (a ** b) ** c\n',
      tree: x(bin(bin(a, 'Pow', b), 'Pow', c)),
    },
    { src: 'x = a - (b - c)', want: 'x = a - (b - c)\n', tree: x(bin(a, 'Sub', bin(b, 'Sub', c))) },
    { src: 'x = (a - b) - c', want: 'x = a - b - c\n', tree: x(bin(bin(a, 'Sub', b), 'Sub', c)) },
    {
      src: 'x = a | b ^ c & d << a + b * -c',
      want: 'x = a | b ^ c & d << a + b * -c\n',
      tree: x(
        bin(
          a,
          'BitOr',
          bin(
            b,
            'BitXor',
            bin(c, 'BitAnd', bin(d, 'LShift', bin(a, 'Add', bin(b, 'Mult', un('USub', c))))),
          ),
        ),
      ),
    },
    {
      src: 'x = (a if b else c)(d)',
      want: 'x = (a if b else c)(d)\n',
      tree: x(call(ifexp(a, b, c), [d])),
    },
    {
      src: 'x = a if b else (c if d else a)',
      want: 'x = a if b else c if d else a\n',
      tree: x(ifexp(a, b, ifexp(c, d, a))),
    },
    {
      src: 'x = (a if b else c) if d else a',
      want: 'x = (a if b else c) if d else a\n',
      tree: x(ifexp(ifexp(a, b, c), d, a)),
    },
    {
      src: 'x = not (a and b)',
      want: 'x = not (a and b)\n',
      tree: x(un('Not', bool('And', a, b))),
    },
    { src: 'x = not a and b', want: 'x = not a and b\n', tree: x(bool('And', un('Not', a), b)) },
    { src: 'x = not -a', want: 'x = not -a\n', tree: x(un('Not', un('USub', a))) },
    { src: 'x = -(-a)', want: 'x = --a\n', tree: x(un('USub', un('USub', a))) },
    {
      src: 'x = a or b and c or d',
      want: 'x = a or (b and c) or d\n',
      tree: x(bool('Or', a, bool('And', b, c), d)),
    },
    {
      src: 'x = (a or b) and c',
      want: 'x = (a or b) and c\n',
      tree: x(bool('And', bool('Or', a, b), c)),
    },
    {
      src: 'x = (a or b) or c',
      want: 'x = (a or b) or c\n',
      tree: x(bool('Or', bool('Or', a, b), c)),
    },
    { src: 'x = a < b < c', want: 'x = a < b < c\n', tree: x(cmp(a, 'Lt', b, 'Lt', c)) },
    { src: 'x = (a < b) < c', want: 'x = (a < b) < c\n', tree: x(cmp(cmp(a, 'Lt', b), 'Lt', c)) },
    {
      src: 'x = a is not b not in c',
      want: 'x = a is not b not in c\n',
      tree: x(cmp(a, 'IsNot', b, 'NotIn', c)),
    },
    { src: 'x = not a in b', want: 'x = not a in b\n', tree: x(un('Not', cmp(a, 'In', b))) },
    { src: 'x = (not a) in b', want: 'x = (not a) in b\n', tree: x(cmp(un('Not', a), 'In', b)) },
    {
      src: 'x = [a := 1, a ** 2]',
      want: 'x = [(a := 1), a ** 2]\n',
      tree: x(list(N('NamedExpr', { target: st('a'), value: int('1') }), bin(a, 'Pow', int('2')))),
    },
    {
      src: 'f(lambda y: y, lambda: 1, key=lambda a, *b, c=1, **d: a)',
      want: 'f(lambda y: y, lambda : 1, key=lambda a, *b, c=1, **d: a)\n',
      tree: mod(
        expr(
          call(
            nm('f'),
            [lambda(args({ args: [arg('y')] }), nm('y')), lambda(args(), int('1'))],
            [
              kw(
                'key',
                lambda(
                  args({
                    args: [arg('a')],
                    vararg: arg('b'),
                    kwonlyargs: [arg('c')],
                    kw_defaults: [int('1')],
                    kwarg: arg('d'),
                  }),
                  a,
                ),
              ),
            ],
          ),
        ),
      ),
    },
    {
      src: 'x = (lambda: a) if b else lambda: c',
      want: 'x = (lambda : a) if b else lambda : c\n',
      tree: x(ifexp(lambda(args(), a), b, lambda(args(), c))),
    },
    {
      src: 'def f():\n    x = yield a\n    yield a + b\n    print((yield))\n    await a ** b',
      want: 'def f():\n    x = (yield a)\n    yield (a + b)\n    print((yield))\n    await a ** b\n',
      tree: mod(
        def('f', args(), [
          assign(st('x'), N('Yield', { value: a })),
          expr(N('Yield', { value: bin(a, 'Add', b) })),
          expr(call(nm('print'), [N('Yield', { value: null })])),
          expr(bin(N('Await', { value: a }), 'Pow', b)),
        ]),
      ),
    },
    {
      src: 'x = (a + b).c[d](*a, **b)',
      want: 'x = (a + b).c[d](*a, **b)\n',
      tree: x(call(sub(attr(bin(a, 'Add', b), 'c'), d), [star(a)], [kw(null, b)])),
    },
    {
      src: 'x = [*(a or b)], {**(c or d), 1: 2}',
      want: 'x = ([*(a or b)], {**(c or d), 1: 2})\n',
      tree: x(
        tup([list(star(bool('Or', a, b))), dict([null, int('1')], [bool('Or', c, d), int('2')])]),
      ),
    },
  ],
  'tuples, slices and comprehensions': [
    {
      src: 'a, b = c, d',
      want: '(a, b) = (c, d)\n',
      tree: mod(assign(tup([st('a'), st('b')], 'Store'), tup([c, d]))),
    },
    { src: 'x = ()', want: 'x = ()\n', tree: x(tup([])) },
    { src: 'x = a,', want: 'x = (a,)\n', tree: x(tup([a])) },
    { src: 'x = a[b, c]', want: 'x = a[b, c]\n', tree: x(sub(a, tup([b, c]))) },
    { src: 'x = a[b,]', want: 'x = a[b,]\n', tree: x(sub(a, tup([b]))) },
    { src: 'x = a[()]', want: 'x = a[()]\n', tree: x(sub(a, tup([]))) },
    { src: 'x = a[1, *b]', want: 'x = a[(1, *b)]\n', tree: x(sub(a, tup([int('1'), star(b)]))) },
    {
      src: 'x = a[1:2, ::3, :]',
      want: 'x = a[1:2, ::3, :]\n',
      tree: x(
        sub(a, tup([slice(int('1'), int('2')), slice(null, null, int('3')), slice(null, null)])),
      ),
    },
    { src: 'x = a[b:c:d]', want: 'x = a[b:c:d]\n', tree: x(sub(a, slice(b, c, d))) },
    {
      src: 'x = a[b := 1]',
      want: 'x = a[(b := 1)]\n',
      tree: x(sub(a, N('NamedExpr', { target: st('b'), value: int('1') }))),
    },
    {
      src: 'x = {a: b for a, b in c if d if a}',
      want: 'x = {a: b for (a, b) in c if d if a}\n',
      tree: x(
        N('DictComp', {
          key: a,
          value: b,
          generators: [gen(tup([st('a'), st('b')], 'Store'), c, [d, a])],
        }),
      ),
    },
    {
      src: 'x = [a for b in (c if d else a)]',
      want: 'x = [a for b in (c if d else a)]\n',
      tree: x(N('ListComp', { elt: a, generators: [gen(st('b'), ifexp(c, d, a))] })),
    },
    {
      src: 'f(a for a in b)',
      want: 'f((a for a in b))\n',
      tree: mod(
        expr(call(nm('f'), [N('GeneratorExp', { elt: a, generators: [gen(st('a'), b)] })])),
      ),
    },
    { src: 'x = {a, b}', want: 'x = {a, b}\n', tree: x(N('Set', { elts: [a, b] })) },
    { src: 'x = {}', want: 'x = {}\n', tree: x(dict([], [])) },
    {
      src: 'for a, b in c:\n    pass',
      want: 'for (a, b) in c:\n    pass\n',
      tree: mod(
        N('For', { target: tup([st('a'), st('b')], 'Store'), iter: c, body: [pass], orelse: [] }),
      ),
    },
    {
      src: 'def f():\n    return a, b',
      want: 'def f():\n    return (a, b)\n',
      tree: mod(def('f', args(), [ret(tup([a, b]))])),
    },
  ],
  'statement layout': [
    {
      src: 'import os, sys as system\nfrom ..b.c import d as e, f\nfrom . import *',
      want: 'import os, sys as system\nfrom ..b.c import d as e, f\nfrom . import *\n',
      tree: mod(
        N('Import', {
          names: [
            N('alias', { name: 'os', asname: null }),
            N('alias', { name: 'sys', asname: 'system' }),
          ],
        }),
        N('ImportFrom', {
          module: 'b.c',
          names: [N('alias', { name: 'd', asname: 'e' }), N('alias', { name: 'f', asname: null })],
          level: 2,
        }),
        N('ImportFrom', {
          module: null,
          names: [N('alias', { name: '*', asname: null })],
          level: 1,
        }),
      ),
    },
    {
      src: "'''Module doc.'''\nx = 1",
      want: '"""Module doc."""\nx = 1\n',
      tree: mod(expr(k('Module doc.')), assign(st('x'), int('1'))),
    },
    {
      src: '\'doc with """ inside\'\n',
      want: "'''doc with \"\"\" inside'''\n",
      tree: mod(expr(k('doc with """ inside'))),
    },
    {
      src: "'ends with quote\"'\n",
      want: "'''ends with quote\"'''\n",
      tree: mod(expr(k('ends with quote"'))),
    },
    {
      src: '"doc with \'\'\' and \\"\\"\\""\n',
      want: "'''doc with \\'\\'\\' and \"\"\"'''\n",
      tree: mod(expr(k('doc with \'\'\' and """'))),
    },
    {
      src: "def f():\n    'a\\tb\\\\c\\nd'",
      want: 'def f():\n    """a\tb\\\\c\nd"""\n',
      tree: mod(def('f', args(), [expr(k('a\tb\\c\nd'))])),
    },
    {
      src: "x = 1\n'not a docstring'",
      want: "x = 1\n'not a docstring'\n",
      tree: mod(assign(st('x'), int('1')), expr(k('not a docstring'))),
    },
    {
      src: '@dec\n@dec2(arg)\ndef f(a, b=1, *args, c, d=2, **kw) -> int:\n    """doc"""\n    return a',
      want: '@dec\n@dec2(arg)\ndef f(a, b=1, *args, c, d=2, **kw) -> int:\n    """doc"""\n    return a\n',
      tree: mod(
        def(
          'f',
          args({
            args: [arg('a'), arg('b')],
            defaults: [int('1')],
            vararg: arg('args'),
            kwonlyargs: [arg('c'), arg('d')],
            kw_defaults: [null, int('2')],
            kwarg: arg('kw'),
          }),
          [expr(k('doc')), ret(a)],
          [nm('dec'), call(nm('dec2'), [nm('arg')])],
          nm('int'),
        ),
      ),
    },
    {
      src: 'def f(a, b=1, /, c: int = 2, *, d): pass',
      want: 'def f(a, b=1, /, c: int=2, *, d):\n    pass\n',
      tree: mod(
        def(
          'f',
          args({
            posonlyargs: [arg('a'), arg('b')],
            args: [arg('c', nm('int'))],
            defaults: [int('1'), int('2')],
            kwonlyargs: [arg('d')],
            kw_defaults: [null],
          }),
          [pass],
        ),
      ),
    },
    {
      src: 'class A(B, metaclass=M):\n    """Doc."""\n    x = 1\n    class C:\n        pass\n    @property\n    def f(self):\n        pass\n    y = 2\nclass D: pass',
      want: 'class A(B, metaclass=M):\n    """Doc."""\n    x = 1\n\n    class C:\n        pass\n\n    @property\n    def f(self):\n        pass\n    y = 2\n\nclass D:\n    pass\n',
      tree: mod(
        cls(
          'A',
          [
            expr(k('Doc.')),
            assign(st('x'), int('1')),
            cls('C', [pass]),
            def('f', args({ args: [arg('self')] }), [pass], [nm('property')]),
            assign(st('y'), int('2')),
          ],
          [nm('B')],
          [kw('metaclass', nm('M'))],
        ),
        cls('D', [pass]),
      ),
    },
    {
      src: 'try:\n    a\nexcept E as e:\n    b\nexcept (F, G):\n    c\nexcept:\n    d\nelse:\n    a\nfinally:\n    b',
      want: 'try:\n    a\nexcept E as e:\n    b\nexcept (F, G):\n    c\nexcept:\n    d\nelse:\n    a\nfinally:\n    b\n',
      tree: mod(
        N('Try', {
          body: [expr(a)],
          handlers: [
            N('ExceptHandler', { type: nm('E'), name: 'e', body: [expr(b)] }),
            N('ExceptHandler', { type: tup([nm('F'), nm('G')]), name: null, body: [expr(c)] }),
            N('ExceptHandler', { type: null, name: null, body: [expr(d)] }),
          ],
          orelse: [expr(a)],
          finalbody: [expr(b)],
        }),
      ),
    },
    {
      src: 'try:\n    a\nexcept* E:\n    b',
      want: 'try:\n    a\nexcept* E:\n    b\n',
      tree: mod(
        N('TryStar', {
          body: [expr(a)],
          handlers: [N('ExceptHandler', { type: nm('E'), name: null, body: [expr(b)] })],
          orelse: [],
          finalbody: [],
        }),
      ),
    },
    {
      src: 'with a as (b, c), d:\n    pass',
      want: 'with a as (b, c), d:\n    pass\n',
      tree: mod(
        N('With', {
          items: [
            N('withitem', { context_expr: a, optional_vars: tup([st('b'), st('c')], 'Store') }),
            N('withitem', { context_expr: d, optional_vars: null }),
          ],
          body: [pass],
        }),
      ),
    },
    {
      src: 'if a:\n    pass\nelif b:\n    pass\nelse:\n    if c:\n        pass\n    d',
      want: 'if a:\n    pass\nelif b:\n    pass\nelse:\n    if c:\n        pass\n    d\n',
      tree: mod(iff(a, [pass], [iff(b, [pass], [iff(c, [pass]), expr(d)])])),
    },
    {
      src: 'if a:\n    pass\nelse:\n    if b:\n        pass\n    else:\n        pass',
      want: 'if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n',
      tree: mod(iff(a, [pass], [iff(b, [pass], [pass])])),
    },
    {
      src: 'while a:\n    break\nelse:\n    continue',
      want: 'while a:\n    break\nelse:\n    continue\n',
      tree: mod(N('While', { test: a, body: [N('Break')], orelse: [N('Continue')] })),
    },
    {
      src: 'def f():\n    global a, b\n    del a, b[c]\n    assert a, "m"\n    raise E from e\n    a += 1\n    a: int = 5\n    (b): int\n    return',
      want: "def f():\n    global a, b\n    del a, b[c]\n    assert a, 'm'\n    raise E from e\n    a += 1\n    a: int = 5\n    (b): int\n    return\n",
      tree: mod(
        def('f', args(), [
          N('Global', { names: ['a', 'b'] }),
          N('Delete', { targets: [nm('a', 'Del'), sub(b, c, 'Del')] }),
          N('Assert', { test: a, msg: k('m') }),
          N('Raise', { exc: nm('E'), cause: nm('e') }),
          N('AugAssign', { target: st('a'), op: 'Add', value: int('1') }),
          N('AnnAssign', { target: st('a'), annotation: nm('int'), value: int('5'), simple: 1 }),
          N('AnnAssign', { target: st('b'), annotation: nm('int'), value: null, simple: 0 }),
          ret(null),
        ]),
      ),
    },
    {
      src: 'async def f():\n    async with a as b:\n        pass\n    async for c in d:\n        await c\n    return [a async for a in b]',
      want: 'async def f():\n    async with a as b:\n        pass\n    async for c in d:\n        await c\n    return [a async for a in b]\n',
      tree: mod(
        def(
          'f',
          args(),
          [
            N('AsyncWith', {
              items: [N('withitem', { context_expr: a, optional_vars: st('b') })],
              body: [pass],
            }),
            N('AsyncFor', {
              target: st('c'),
              iter: d,
              body: [expr(N('Await', { value: c }))],
              orelse: [],
            }),
            ret(N('ListComp', { elt: a, generators: [gen(st('a'), b, [], 1)] })),
          ],
          [],
          null,
          'AsyncFunctionDef',
        ),
      ),
    },
    {
      src: "match a:\n    case [1, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case P(b, c=0) | None:\n        pass\n    case (1 | 2) as d if d > 1:\n        pass\n    case _:\n        pass",
      want: "match a:\n    case [1, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case P(b, c=0) | None:\n        pass\n    case 1 | 2 as d if d > 1:\n        pass\n    case _:\n        pass\n",
      tree: mod(
        N('Match', {
          subject: a,
          cases: [
            N('match_case', {
              pattern: N('MatchSequence', {
                patterns: [N('MatchValue', { value: int('1') }), N('MatchStar', { name: 'rest' })],
              }),
              guard: null,
              body: [pass],
            }),
            N('match_case', {
              pattern: N('MatchMapping', {
                keys: [k('k')],
                patterns: [N('MatchAs', { pattern: null, name: 'v' })],
                rest: 'kw',
              }),
              guard: null,
              body: [pass],
            }),
            N('match_case', {
              pattern: N('MatchOr', {
                patterns: [
                  N('MatchClass', {
                    cls: nm('P'),
                    patterns: [N('MatchAs', { pattern: null, name: 'b' })],
                    kwd_attrs: ['c'],
                    kwd_patterns: [N('MatchValue', { value: int('0') })],
                  }),
                  N('MatchSingleton', { value: null }),
                ],
              }),
              guard: null,
              body: [pass],
            }),
            N('match_case', {
              pattern: N('MatchAs', {
                pattern: N('MatchOr', {
                  patterns: [
                    N('MatchValue', { value: int('1') }),
                    N('MatchValue', { value: int('2') }),
                  ],
                }),
                name: 'd',
              }),
              guard: cmp(d, 'Gt', int('1')),
              body: [pass],
            }),
            N('match_case', {
              pattern: N('MatchAs', { pattern: null, name: null }),
              guard: null,
              body: [pass],
            }),
          ],
        }),
      ),
    },
  ],
}

const ALL: [string, Case][] = Object.entries(CASES).flatMap(([group, cases]) =>
  cases.map((c): [string, Case] => [group, c]),
)

describe('unparseSpack writes what Spack writes', () => {
  for (const [group, cases] of Object.entries(CASES))
    describe(group, () => {
      for (const { src, want, tree } of cases)
        it(JSON.stringify(src), () => expect(unparseSpack(tree)).toBe(want))
    })

  it('keeps f-string expressions free of backslashes, or refuses them (as Python 3.11 needs)', () => {
    // Trees of Python 3.12 syntax: f'{"\n".join(b)}' and f'{"\\".join(b)}'
    const joined = (sep: string): PyAst => x(fstr(fv(call(attr(k(sep), 'join'), [b]))))
    expect(unparseSpack(joined('\n'))).toBe(`x = f'''{"""\n""".join(b)}'''\n`)
    expect(() => unparseSpack(joined('\\'))).toThrow(/backslash/)
    expect(() => unparseSpack(joined('\x00'))).toThrow(/backslash/)
  })

  it('refuses a node it does not know', () => {
    expect(() => unparseSpack(mod(expr(N('Interpolation'))))).toThrow(/Interpolation/)
  })
})

describe('python repr', () => {
  it('str: quotes and escapes', () => {
    expect(reprStr('')).toBe("''")
    expect(reprStr("it's")).toBe(`"it's"`)
    expect(reprStr(`it's "x"`)).toBe(`'it\\'s "x"'`)
    expect(reprStr('a\\b\n\t\r\x00\x7f')).toBe("'a\\\\b\\n\\t\\r\\x00\\x7f'")
    expect(reprStr('\xa0\xad\xe9')).toBe("'\\xa0\\xadé'")
    expect(reprStr('\u2028\u{1f600}\u{e0001}\ud800')).toBe("'\\u2028😀\\U000e0001\\ud800'")
  })

  it('bytes', () => {
    expect(reprBytes('')).toBe("b''")
    expect(reprBytes("'")).toBe(`b"'"`)
    expect(reprBytes(`'"`)).toBe(`b'\\'"'`)
    expect(reprBytes('\x00\x1f\x7f\x80\xff\\\n')).toBe("b'\\x00\\x1f\\x7f\\x80\\xff\\\\\\n'")
  })

  it('float: the shortest round trip, in Python layout', () => {
    const cases: [number | 'inf', string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [0.1, '0.1'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [9007199254740992, '9007199254740992.0'],
      [1e-5, '1e-05'],
      [1.5e-5, '1.5e-05'],
      [1e-4, '0.0001'],
      [1e-7, '1e-07'],
      [1e22, '1e+22'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [123.456, '123.456'],
      [-2.5e-10, '-2.5e-10'],
      ['inf', 'inf'],
    ]
    for (const [value, want] of cases) expect(reprFloat(value)).toBe(want)
  })

  it('imaginary', () => {
    expect(reprImaginary(2)).toBe('2j')
    expect(reprImaginary(0)).toBe('0j')
    expect(reprImaginary(1.5)).toBe('1.5j')
    expect(reprImaginary(1e16)).toBe('1e+16j')
    expect(reprImaginary('inf')).toBe('infj')
  })

  it('isprintable', () => {
    for (const ch of [' ', 'a', '~', 'é', '中', '😀']) expect(isPrintable(ch)).toBe(true)
    for (const ch of ['\t', '\x7f', '\xa0', '\u200b', '\u2028', '\u3000', '\ue000', '\u0378'])
      expect(isPrintable(ch)).toBe(false)
  })
})

/** CPython's tree of each source (python-ast-json.py). */
function cpythonTrees(sources: string[]): PyAst[] {
  const dir = mkdtempSync(join(tmpdir(), 'spack-unparse-'))
  try {
    const files = sources.map((src, i) => {
      const file = join(dir, `case${i}.py`)
      writeFileSync(file, src)
      return file
    })
    const run = spawnSync('python3', [AST_SCRIPT, ...files], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    if (run.status !== 0) throw new Error(run.stderr)
    return run.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const out = JSON.parse(line) as { ast?: PyAst; error?: string }
        if (!out.ast) throw new Error(out.error)
        return out.ast
      })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe.runIf(HAVE_PYTHON)('against CPython', () => {
  it('each hand-built tree is CPython’s, and CPython’s tree unparses the same', () => {
    const trees = cpythonTrees(ALL.map(([, c]) => c.src))
    ALL.forEach(([group, c], i) => {
      const tree = trees[i] as PyAst
      expect(c.tree, `${group}: ${c.src}`).toEqual(tree)
      expect(unparseSpack(tree), `${group}: ${c.src}`).toBe(c.want)
    })
  })

  it('floats and strings repr as Python does', () => {
    const floats: number[] = []
    let seed = 12345
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (let i = 0; i < 2000; i++) {
      const exp = Math.floor(rand() * 80) - 40
      floats.push(Number((rand() * 10 ** exp).toPrecision(1 + Math.floor(rand() * 17))))
    }
    const strings: string[] = []
    for (let i = 0; i < 300; i++) {
      let s = ''
      for (let j = 0; j < 8; j++) {
        const r = rand()
        const code =
          r < 0.5
            ? Math.floor(rand() * 0x80)
            : r < 0.8
              ? Math.floor(rand() * 0x3000)
              : Math.floor(rand() * 0x10000)
        if (code >= 0xd800 && code < 0xe000) continue
        s += String.fromCodePoint(code)
      }
      strings.push(s)
    }
    // Strings with a code point this Python's Unicode has not assigned yet (JavaScript's may
    // have) are left out: their printability depends on the Unicode version.
    const script = [
      'import json, sys, unicodedata',
      'd = json.load(sys.stdin)',
      "s = [None if any(unicodedata.category(c) == 'Cn' for c in s) else repr(s) for s in d[1]]",
      'print(json.dumps([[repr(float(f)) for f in d[0]], s]))',
    ].join('\n')
    const run = spawnSync('python3', ['-c', script], {
      input: JSON.stringify([floats, strings]),
      encoding: 'utf8',
    })
    const [wantFloats, wantStrings] = JSON.parse(run.stdout) as [string[], (string | null)[]]
    floats.forEach((f, i) => expect(reprFloat(f), String(f)).toBe(wantFloats[i]))
    strings.forEach((s, i) => {
      if (wantStrings[i] !== null) expect(reprStr(s), JSON.stringify(s)).toBe(wantStrings[i])
    })
  })
})
