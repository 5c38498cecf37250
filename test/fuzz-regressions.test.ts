/**
 * What the fuzzers (test/fuzz-readers.test.ts, test/fuzz-recipes.test.ts) found, one case each:
 * every one was a crash (another exception than a UserError), a hang, or a message on more than
 * one line, and is now a one-line UserError or a value.
 */
import { describe, expect, it } from 'vitest'
import { parseConfigText } from '../src/config/read-config.js'
import { singleLine, UserError } from '../src/core/errors.js'
import { formatSpecConstraint, parseSpecConstraint } from '../src/core/spec/constraint.js'
import { parseFromagerGraph } from '../src/ecosystems/fromager/graph.js'
import { parseFromagerSettings } from '../src/ecosystems/fromager/settings.js'
import { parseSpackLockfile } from '../src/ecosystems/spack/lockfile.js'
import { analyseAndHashRecipe } from '../src/ecosystems/spack/package-hash/analyse-and-hash.js'
import { parseClaim } from '../src/mirror/claim.js'
import { parseIndex } from '../src/mirror/mirror-index.js'
import { parseManifest } from '../src/mirror/oci/manifests.js'

function userError(run: () => unknown): UserError {
  try {
    run()
  } catch (e) {
    if (e instanceof UserError) return e
    throw e
  }
  throw new Error('expected a UserError')
}

const aliasBomb = (levels: number): string => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    )
  return `${lines.join('\n')}\n`
}

describe('config (parseConfigText)', () => {
  it('an alias without its anchor is a UserError, not a ReferenceError', () => {
    expect(userError(() => parseConfigText('specs: *b\n', 'c.yml')).message).toBe(
      'c.yml: invalid YAML: Unresolved alias (the anchor must be set before the alias): b',
    )
  })
  it('an alias bomb is a UserError, not a ReferenceError', () => {
    expect(userError(() => parseConfigText(aliasBomb(6), 'c.yml')).message).toMatch(
      /^c\.yml: invalid YAML: Excessive alias count/,
    )
  })
  it('an alias inside its own anchor is a UserError, not a TypeError (circular JSON)', () => {
    for (const text of ['specs: &a [*a]\n', 'providers: &a {mpi: *a}\n'])
      expect(userError(() => parseConfigText(text, 'c.yml')).message).toBe(
        'c.yml: invalid YAML: an alias refers to a node that contains it',
      )
    // an alias used twice, not inside itself, is fine
    expect(parseConfigText('ignore: &i ["*.md"]\ncontainers: []\n', 'c.yml').ignore).toEqual([
      '*.md',
    ])
  })
  it('a key with a carriage return is quoted on one line', () => {
    const e = userError(() => parseConfigText('"x\\r": 1\n', 'c.yml'))
    expect(e.message).toBe('c.yml: (root): unknown field "x "')
  })
})

describe('Fromager settings (parseFromagerSettings)', () => {
  it('an alias inside its own anchor is a UserError, not a RangeError (endless recursion)', () => {
    expect(userError(() => parseFromagerSettings('env: &a [*a]\n', 's.yaml')).message).toBe(
      's.yaml: env.0: alias *a refers to a node that contains it',
    )
  })
  it('an alias bomb stops at 100,000 values', () => {
    expect(userError(() => parseFromagerSettings(aliasBomb(9), 's.yaml')).message).toMatch(
      /^s\.yaml: a\d(\.\d)+: expands to more than 100000 values \(aliases repeating aliases\)$/,
    )
  })
  it('20,000 aliases of one anchor read in linear time (it took > 10 s)', () => {
    const start = performance.now()
    const s = parseFromagerSettings(
      `a: &a {x: 1}\nb: [${Array(20_000).fill('*a').join(', ')}]\n`,
      's.yaml',
    )
    expect((s.common['b'] as unknown[]).length).toBe(20_000)
    expect(performance.now() - start).toBeLessThan(5_000)
  })
  it('aliases still resolve to the last anchor before them', () => {
    expect(parseFromagerSettings('a: &x 1\nb: *x\nc: &x 2\nd: *x\n', 's.yaml').common).toEqual({
      a: 1,
      b: 1,
      c: 2,
      d: 2,
    })
  })
})

describe('Spack lockfile (parseSpackLockfile)', () => {
  it('deeply nested invalid JSON is located without a RangeError (stack overflow)', () => {
    expect(userError(() => parseSpackLockfile('['.repeat(100_000), 'spack.lock')).message).toMatch(
      /^spack\.lock: invalid JSON at line 1, column 100001: /,
    )
    expect(
      userError(() => parseSpackLockfile(`${'{"a":'.repeat(50_000)}1}`, 'spack.lock')).message,
    ).toMatch(/^spack\.lock: invalid JSON at line 1, column 250003: /)
  })
  it('the JSON error position is unchanged for shallow texts', () => {
    expect(
      userError(() => parseSpackLockfile('{\n  "_meta": {"a": [1, 2,]}\n}', 'spack.lock')).message,
    ).toMatch(/^spack\.lock: invalid JSON at line 2, column 24: /)
  })
  it('a JSON excerpt with a line break is quoted on one line', () => {
    const e = userError(() => parseSpackLockfile('roots\n{{', 'spack.lock'))
    expect(e.message).not.toMatch(/[\r\n]/)
  })
})

describe('Spack package hash (analyseAndHashRecipe)', () => {
  it("a tree lezer accepts but Python's ast cannot hold is a hash error, not a crash", () => {
    // `0, :x` is an annotated tuple target: lezer parses it, CPython refuses it
    const text = 'from spack.package import *\n0,:x\nclass Foo(Package):\n    version("1")\n'
    const { analysis, hash } = analyseAndHashRecipe(text, 'packages/foo/package.py')
    expect(analysis.versions.map((v) => v.version)).toEqual(['1'])
    expect(hash).toEqual({
      error: 'packages/foo/package.py:2: toPythonAst: annotated tuple target (TypeDef ":x")',
    })
  })
})

describe('spec constraints', () => {
  it('a value starting with "=" formats to a text that parses back (os=== → os=\'=\')', () => {
    const c = parseSpecConstraint('os===')
    expect(c.os).toBe('=')
    expect(formatSpecConstraint(c)).toBe("os='='")
    expect(parseSpecConstraint(formatSpecConstraint(c))).toEqual(c)
  })
  it('a spec with a line break is quoted on one line', () => {
    expect(userError(() => parseSpecConstraint('\ntarget=', 'f')).message).toBe(
      'f: invalid spec " target=" at column 9: expected a value after "target="',
    )
  })
})

describe('one-line messages and reasons', () => {
  it('UserError: line breaks (\\n, \\r\\n, a lone \\r) in the place or message become a space', () => {
    const e = new UserError('input', 'a\r\nb', 'x\ry \n  z')
    expect([e.place, e.detail, e.message, e.oneLine()]).toEqual([
      'a b',
      'x y z',
      'a b: x y z',
      'a b: x y z',
    ])
    expect(singleLine('one line')).toBe('one line')
  })
  it('graph.json, index.json, OCI manifests and claims: JSON excerpts on one line', () => {
    expect(userError(() => parseFromagerGraph('(\r\n{', 'graph.json')).message).not.toMatch(
      /[\r\n]/,
    )
    expect(userError(() => parseIndex('({\n "x"', 'index.json')).message).not.toMatch(/[\r\n]/)
    const manifest = parseManifest(Buffer.from(' (\n('))
    expect('error' in manifest && manifest.error).toMatch(
      /^manifest is not valid JSON \([^\r\n]*\)$/,
    )
    const claim = parseClaim('{\n(')
    expect('error' in claim && claim.error).toMatch(/^not valid JSON \([^\r\n]*\)$/)
  })
})
