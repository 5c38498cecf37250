import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import {
  type SpecConstraint,
  type SpecView,
  formatSpecConstraint,
  parseSpecConstraint,
  parseSpecConstraintCached,
  satisfies,
} from '../src/core/spec/constraint.js'
import { isTargetFamily, targetFamily, targetSatisfies } from '../src/core/spec/target.js'

const CORPUS = fileURLToPath(
  new URL('../../shared/corpus/spack-packages-graph.json.gz', import.meta.url),
)

function parseError(text: string, where?: string): UserError {
  try {
    parseSpecConstraint(text, where)
  } catch (e) {
    if (e instanceof UserError) return e
    throw e
  }
  throw new Error(`expected "${text}" not to parse`)
}

interface ViewInit {
  name: string
  version: string
  variants?: Record<string, string>
  compiler?: { name: string; version?: string }
  os?: string
  target?: string
  platform?: string
  hash?: string
  parameters?: Record<string, string>
  /** By package or virtual name. */
  deps?: Record<string, SpecView>
}

function view(init: ViewInit): SpecView {
  const { deps = {}, variants = {}, ...rest } = init
  return { ...rest, variants, dependency: (name: string) => deps[name] }
}

const sat = (v: SpecView, text: string): boolean => satisfies(v, parseSpecConstraint(text))

describe('parseSpecConstraint', () => {
  it('parses name, versions, variants and key-values', () => {
    expect(parseSpecConstraint('boost@:1.75+serialization+graph~mpi cxxstd=17')).toEqual({
      name: 'boost',
      versions: [{ hi: '1.75' }],
      variants: { serialization: ['true'], graph: ['true'], mpi: ['false'], cxxstd: ['17'] },
      dependencies: [],
    })
  })

  it('parses the empty string as the constraint everything meets', () => {
    expect(parseSpecConstraint('')).toEqual({ variants: {}, dependencies: [] })
    expect(parseSpecConstraint('   ')).toEqual({ variants: {}, dependencies: [] })
  })

  it('treats -v after whitespace as a disabled variant, - inside a name as part of it', () => {
    expect(parseSpecConstraint('hdf +java -external-xdr').variants).toEqual({
      java: ['true'],
      'external-xdr': ['false'],
    })
    expect(parseSpecConstraint('zoltan-fortran').name).toBe('zoltan-fortran')
    // a range may end before a "-variant" (Spack's tokenizer does the same)
    const c = parseSpecConstraint('libzmq@4.2.5:-libsodium')
    expect(c.versions).toEqual([{ lo: '4.2.5' }])
    expect(c.variants).toEqual({ libsodium: ['false'] })
  })

  it('parses multi-valued, quoted, propagated and concrete key-values', () => {
    expect(parseSpecConstraint('gcc languages=c,c++,fortran').variants).toEqual({
      languages: ['c', 'c++', 'fortran'],
    })
    expect(parseSpecConstraint(`libarchive programs='bsdtar'`).variants).toEqual({
      programs: ['bsdtar'],
    })
    expect(parseSpecConstraint('x v="a b"').variants).toEqual({ v: ['a b'] })
    expect(parseSpecConstraint(`x v="say \\"hi\\""`).variants).toEqual({ v: ['say "hi"'] })
    expect(parseSpecConstraint('x v==val w:=1').variants).toEqual({ v: ['val'], w: ['1'] })
    expect(parseSpecConstraint('x ++shared ~~debug').variants).toEqual({
      shared: ['true'],
      debug: ['false'],
    })
    expect(parseSpecConstraint('x shared=True').variants).toEqual({ shared: ['true'] })
    expect(parseSpecConstraint('build_system=cmake').variants).toEqual({
      build_system: ['cmake'],
    })
  })

  it('parses arch attributes and flags', () => {
    expect(parseSpecConstraint('zlib arch=linux-ubuntu22.04-x86_64')).toMatchObject({
      platform: 'linux',
      os: 'ubuntu22.04',
      target: 'x86_64',
    })
    expect(parseSpecConstraint('os=rhel8 platform=linux target=aarch64:')).toMatchObject({
      os: 'rhel8',
      platform: 'linux',
      target: 'aarch64:',
    })
    expect(parseSpecConstraint('arch=ppc64le:').target).toBe('ppc64le:')
    expect(parseSpecConstraint('arch=linux-None-zen2')).toMatchObject({
      platform: 'linux',
      target: 'zen2',
    })
    expect(parseSpecConstraint('arch=linux-None-zen2').os).toBeUndefined()
    expect(parseSpecConstraint('zlib cflags="-O2 -g" ldflags=-Wl,-z').flags).toEqual({
      cflags: '-O2 -g',
      ldflags: '-Wl,-z',
    })
  })

  it('parses a compiler, with or without version', () => {
    expect(parseSpecConstraint('%gcc').compiler).toEqual({ name: 'gcc' })
    expect(parseSpecConstraint('zlib %gcc@12:').compiler).toEqual({
      name: 'gcc',
      versions: [{ lo: '12' }],
    })
    expect(parseSpecConstraint('build_system=cmake %cmake@3.9:').compiler).toEqual({
      name: 'cmake',
      versions: [{ lo: '3.9' }],
    })
  })

  it('keeps other % nodes as direct dependencies (Spack 1.x binds options after % to it)', () => {
    expect(parseSpecConstraint('@8.1.0 %fortran=gcc')).toEqual({
      versions: [{ lo: '8.1.0', hi: '8.1.0' }],
      variants: {},
      dependencies: [
        { name: 'gcc', variants: {}, dependencies: [], virtuals: ['fortran'], direct: true },
      ],
    })
    expect(parseSpecConstraint('%[virtuals=zlib-api] zlib').dependencies).toEqual([
      { name: 'zlib', variants: {}, dependencies: [], virtuals: ['zlib-api'], direct: true },
    ])
    const c = parseSpecConstraint('@4.23:4.24 %clang platform=darwin')
    expect(c.platform).toBeUndefined()
    expect(c.dependencies).toEqual([
      { name: 'clang', platform: 'darwin', variants: {}, dependencies: [], direct: true },
    ])
    const two = parseSpecConstraint('%gcc %cmake@3.20:')
    expect(two.compiler).toEqual({ name: 'gcc' })
    expect(two.dependencies.map((d) => [d.name, d.direct])).toEqual([['cmake', true]])
  })

  it('parses ^ dependencies, with edge attributes and virtual assignment', () => {
    const c = parseSpecConstraint('+cuda ^[virtuals=mpi] openmpi@5:+rocm %gcc@12 ^cmake@3.24:')
    expect(c.variants).toEqual({ cuda: ['true'] })
    expect(c.dependencies).toEqual([
      {
        name: 'openmpi',
        versions: [{ lo: '5' }],
        variants: { rocm: ['true'] },
        virtuals: ['mpi'],
        compiler: { name: 'gcc', versions: [{ lo: '12', hi: '12' }] },
        dependencies: [],
      },
      { name: 'cmake', versions: [{ lo: '3.24' }], variants: {}, dependencies: [] },
    ])
    expect(parseSpecConstraint('^mpi=openmpi').dependencies).toEqual([
      { name: 'openmpi', variants: {}, dependencies: [], virtuals: ['mpi'] },
    ])
    expect(parseSpecConstraint('^c,cxx=gcc@13').dependencies[0]).toMatchObject({
      name: 'gcc',
      virtuals: ['c', 'cxx'],
      versions: [{ lo: '13', hi: '13' }],
    })
    expect(parseSpecConstraint('~libxml2 ^[virtuals=iconv]gettext').dependencies[0]).toMatchObject({
      name: 'gettext',
      virtuals: ['iconv'],
    })
    expect(
      parseSpecConstraint('^[deptypes=link,build virtuals=blas] openblas').dependencies[0],
    ).toMatchObject({ name: 'openblas', deptypes: ['build', 'link'], virtuals: ['blas'] })
  })

  it('parses whitespace between name and version, and multi-line text', () => {
    expect(parseSpecConstraint('qt @11.2:11.3')).toMatchObject({
      name: 'qt',
      versions: [{ lo: '11.2', hi: '11.3' }],
    })
    const c = parseSpecConstraint('\n   boost\n   +filesystem+program_options\n   +thread\n')
    expect(c.name).toBe('boost')
    expect(Object.keys(c.variants)).toEqual(['filesystem', 'program_options', 'thread'])
    expect(parseSpecConstraint('@1.2 , 1.4').versions).toEqual([
      { lo: '1.2', hi: '1.2' },
      { lo: '1.4', hi: '1.4' },
    ])
  })

  it('parses namespaces, hashes, git versions and the anonymous *', () => {
    expect(parseSpecConstraint('builtin.zlib@1.3 /abc123')).toMatchObject({
      namespace: 'builtin',
      name: 'zlib',
      hash: 'abc123',
    })
    expect(parseSpecConstraint('foo@git.feature/x=1.2').versions).toEqual([
      { lo: 'git.feature/x=1.2', hi: 'git.feature/x=1.2', exact: true },
    ])
    expect(parseSpecConstraint('*@1.2').name).toBeUndefined()
    expect(parseSpecConstraint('a@1.2:foo=bar')).toMatchObject({
      versions: [{ lo: '1.2' }],
      variants: { foo: ['bar'] },
    })
  })

  it('merges repeated attributes of concatenated conditions', () => {
    expect(parseSpecConstraint('+plumed @2025.0+plumed')).toEqual({
      versions: [{ lo: '2025.0', hi: '2025.0' }],
      variants: { plumed: ['true'] },
      dependencies: [],
    })
    expect(parseSpecConstraint('@1.27: @:1.61').versions).toEqual([{ lo: '1.27', hi: '1.61' }])
    expect(parseSpecConstraint('@5 @5.13: +rocm').versions).toEqual([{ lo: '5.13', hi: '5' }])
    // contradictions are kept, and nothing satisfies them
    expect(parseSpecConstraint('+a ~a').variants).toEqual({ a: ['false', 'true'] })
    expect(parseSpecConstraint('@1.2 @1.4').versions).toEqual([])
    expect(parseSpecConstraint('platform=linux platform=linux').platform).toBe('linux')
  })

  it('reports errors with a 1-based column', () => {
    const cases: [string, string][] = [
      [
        'foo bar',
        'at column 5: unexpected package name "bar" (a spec has one name; use "^" for a dependency)',
      ],
      ['+cuda zlib', 'at column 7: unexpected package name "zlib" (the name must come first)'],
      ['^+cuda', 'at column 1: expected a package name after "^"'],
      ['foo %', 'at column 5: expected a package name after "%"'],
      ['foo ==bar', 'at column 5: unexpected character "="'],
      ['foo@', 'at column 4: expected a version after "@"'],
      ['foo@1.4:1.2', 'at column 5: invalid version constraint "1.4:1.2": empty range "1.4:1.2"'],
      ['foo v=', 'at column 7: expected a value after "v="'],
      ['foo v="abc', 'at column 7: unterminated quoted value'],
      ['x ^[when=+a] y', 'at column 5: conditional edges ("when=" in "[...]") are not supported'],
      ['x ^[virtuals=mpi', 'at column 4: unterminated "["'],
      ['x ^[virtuals=mpi y', 'at column 19: expected "=" after "y"'],
      [
        'x ^[color=red] y',
        'at column 5: unknown edge attribute "color" (expected virtuals or deptypes)',
      ],
      ['x ^[deptypes=nope] y', 'at column 14: unknown deptype "nope"'],
      ['foo /', 'at column 5: expected a hash after "/"'],
      ['foo /ab /cd', 'at column 9: a spec cannot have two hashes'],
      ['foo (x)', 'at column 5: unexpected character "("'],
      ['foo.', 'at column 1: invalid package name "foo."'],
      ['os=a os=b', 'at column 6: conflicting os=a and os=b'],
      [
        'arch=linux-x86_64',
        'at column 1: expected "arch=platform-os-target" or a target, got "linux-x86_64"',
      ],
      ['+', 'at column 1: expected a variant name after "+"'],
    ]
    for (const [text, tail] of cases) {
      const e = parseError(text, 'pkg/package.py:12')
      expect(e.kind).toBe('spec-syntax')
      expect(e.place).toBe('pkg/package.py:12')
      expect(e.message).toBe(`pkg/package.py:12: invalid spec "${text}" ${tail}`)
    }
    expect(parseError('foo bar').place).toBe('')
    expect(parseError('foo bar').message).toBe(
      'invalid spec "foo bar" at column 5: unexpected package name "bar" (a spec has one name; use "^" for a dependency)',
    )
  })
})

describe('formatSpecConstraint', () => {
  it('writes a canonical, stable text', () => {
    const cases: [string, string][] = [
      ['boost@:1.75+serialization+graph cxxstd=17', 'boost@:1.75+graph+serialization cxxstd=17'],
      ['hdf +java -external-xdr +shared', 'hdf~external-xdr+java+shared'],
      ['^b ^a@2 %gcc', '^a@2 %gcc ^b'],
      ['zlib os=rhel8 +shared %gcc@13', 'zlib+shared os=rhel8 %gcc@13'],
      // Spack 1.x: options after %gcc are gcc's
      ['zlib %gcc@13 +shared', 'zlib %gcc@13+shared'],
      ['^b %gcc ^a %gcc@12 %gcc@:13', '^a %gcc@12 ^b %gcc'],
      ['^a+x ^a~y ^a@1.2:', '^a@1.2:+x~y'],
      ['x cflags="-O2 -g" target=zen2', `x cflags='-O2 -g' target=zen2`],
      ['+cuda ^mpi=openmpi', '+cuda ^[virtuals=mpi] openmpi'],
      ['@8.1.0 %fortran=gcc', '@8.1.0 %[virtuals=fortran] gcc'],
      ['x v==a,b,a', 'x v=a,b'],
      ['x @1.4,1.2:1.3,=2', 'x@1.2:1.3,1.4,=2'],
      ['', ''],
      ['@1.2 @1.4', '@=0 @=1'],
      [`x v="it's"`, `x v="it's"`],
    ]
    for (const [text, canonical] of cases) {
      expect(formatSpecConstraint(parseSpecConstraint(text))).toBe(canonical)
      // canonical text is a fixed point and parses to an equal constraint
      expect(formatSpecConstraint(parseSpecConstraint(canonical))).toBe(canonical)
      expect(parseSpecConstraint(canonical)).toEqual(parseSpecConstraint(text))
    }
  })
})

describe('parseSpecConstraintCached', () => {
  it('returns the same frozen object for the same text', () => {
    const a = parseSpecConstraintCached('zlib@1.3+shared ^cmake')
    const b = parseSpecConstraintCached('zlib@1.3+shared ^cmake')
    expect(a).toBe(b)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.variants)).toBe(true)
    expect(Object.isFrozen(a.dependencies[0])).toBe(true)
    expect(a).toEqual(parseSpecConstraint('zlib@1.3+shared ^cmake'))
  })

  it('does not cache errors and reports each caller place', () => {
    expect(() => parseSpecConstraintCached('foo bar', 'a.py:1')).toThrow(
      'a.py:1: invalid spec "foo bar" at column 5',
    )
    expect(() => parseSpecConstraintCached('foo bar', 'b.py:2')).toThrow('b.py:2: invalid spec')
  })
})

describe('targets', () => {
  it('knows families', () => {
    expect(isTargetFamily('x86_64')).toBe(true)
    expect(isTargetFamily('haswell')).toBe(false)
    expect(targetFamily('zen4')).toBe('x86_64')
    expect(targetFamily('neoverse_v2')).toBe('aarch64')
    expect(targetFamily('power9le')).toBe('ppc64le')
    expect(targetFamily('nonesuch')).toBeUndefined()
  })

  it('matches names, families and ranges', () => {
    expect(targetSatisfies('x86_64_v3', 'x86_64_v3')).toBe(true)
    expect(targetSatisfies('x86_64_v3', 'x86_64')).toBe(true) // family name covers members
    expect(targetSatisfies('neoverse_v2', 'x86_64')).toBe(false)
    expect(targetSatisfies('x86_64_v3', 'haswell')).toBe(false)
    expect(targetSatisfies('neoverse_v2', 'aarch64:')).toBe(true)
    expect(targetSatisfies('zen3', 'aarch64:')).toBe(false)
    expect(targetSatisfies('zen5', 'zen4:')).toBe(true)
    expect(targetSatisfies('zen3', 'zen4:')).toBe(false)
    expect(targetSatisfies('skylake_avx512', 'x86_64_v3:')).toBe(true)
    expect(targetSatisfies('ivybridge', 'x86_64_v3:')).toBe(false)
    expect(targetSatisfies('haswell', ':skylake')).toBe(true)
    expect(targetSatisfies('icelake', ':skylake')).toBe(false)
    expect(targetSatisfies('zen3', 'zen2:zen4')).toBe(true)
    expect(targetSatisfies('a64fx', 'zen2:zen4,aarch64:')).toBe(true)
    // unknown names cannot be ruled out by a range: match (a spurious rebuild, never a missed one)
    expect(targetSatisfies('future_chip', 'aarch64:')).toBe(true)
    expect(targetSatisfies('future_chip', 'future')).toBe(false)
  })
})

describe('satisfies', () => {
  const gcc13 = view({ name: 'gcc', version: '13.2.0' })
  const openmpi = view({ name: 'openmpi', version: '5.0.3', variants: { cuda: 'true' } })
  const openblas = view({ name: 'openblas', version: '0.3.28', variants: { threads: 'openmp' } })
  const zlib = view({ name: 'zlib-ng', version: '2.2.1', variants: { compat: 'true' } })
  const v6 = view({
    name: 'hdf5',
    version: '1.14.5',
    variants: { mpi: 'true', shared: 'true', api: 'default', tools: 'a,b,c' },
    os: 'ubuntu24.04',
    target: 'x86_64_v3',
    platform: 'linux',
    hash: 'abcdef1234567',
    parameters: { cflags: '-O2 -g -fPIC' },
    compiler: { name: 'gcc', version: '13.2.0' },
    deps: {
      gcc: gcc13,
      c: gcc13,
      cxx: gcc13,
      openmpi,
      mpi: openmpi,
      openblas,
      blas: openblas,
      lapack: openblas,
      'zlib-ng': zlib,
      'zlib-api': zlib,
    },
  })

  it('checks name, versions and variants', () => {
    expect(sat(v6, '')).toBe(true)
    expect(sat(v6, 'hdf5')).toBe(true)
    expect(sat(v6, 'netcdf-c')).toBe(false)
    expect(sat(v6, '@1.14:')).toBe(true)
    expect(sat(v6, '@1.14')).toBe(true)
    expect(sat(v6, '@:1.12')).toBe(false)
    expect(sat(v6, '@=1.14')).toBe(false)
    expect(sat(v6, '+mpi+shared')).toBe(true)
    expect(sat(v6, '~mpi')).toBe(false)
    expect(sat(v6, '+fortran')).toBe(false) // a variant the spec lacks
    expect(sat(v6, 'api=default')).toBe(true)
    expect(sat(v6, 'api=v18')).toBe(false)
    expect(sat(v6, 'tools=a,c')).toBe(true)
    expect(sat(v6, 'tools=b')).toBe(true)
    expect(sat(v6, 'tools=a,d')).toBe(false)
    expect(sat(v6, '+mpi ~mpi')).toBe(false)
  })

  it('checks arch, flags and hash', () => {
    expect(sat(v6, 'platform=linux os=ubuntu24.04')).toBe(true)
    expect(sat(v6, 'platform=darwin')).toBe(false)
    expect(sat(v6, 'os=rhel8')).toBe(false)
    expect(sat(v6, 'target=x86_64_v3')).toBe(true)
    expect(sat(v6, 'target=x86_64:')).toBe(true)
    expect(sat(v6, 'target=aarch64:')).toBe(false)
    expect(sat(v6, 'arch=linux-ubuntu24.04-x86_64_v3')).toBe(true)
    expect(sat(v6, 'cflags=-O2')).toBe(true)
    expect(sat(v6, 'cflags="-g -O2"')).toBe(true)
    expect(sat(v6, 'cflags=-O3')).toBe(false)
    expect(sat(v6, '/abcdef')).toBe(true)
    expect(sat(v6, '/abcdeg')).toBe(false)
    const bare = view({ name: 'x', version: '1' })
    expect(sat(bare, 'platform=linux')).toBe(false)
    expect(sat(bare, 'target=x86_64:')).toBe(false)
  })

  it('matches the compiler as an attribute or as a dependency', () => {
    expect(sat(v6, '%gcc')).toBe(true)
    expect(sat(v6, '%gcc@13:')).toBe(true)
    expect(sat(v6, '%gcc@:12')).toBe(false)
    expect(sat(v6, '%clang')).toBe(false)
    // Spack 1.x: % is any direct dependency
    expect(sat(v6, '%openmpi@5:')).toBe(true)
    expect(sat(v6, '%cmake')).toBe(false)
    // v5-style: compiler only as an attribute, legacy names alias the packages
    const v5 = view({
      name: 'zlib',
      version: '1.3',
      compiler: { name: 'oneapi', version: '2024.0.2' },
    })
    expect(sat(v5, '%oneapi@2024')).toBe(true)
    expect(sat(v5, '%intel-oneapi-compilers@2024:')).toBe(true)
    expect(sat(v5, '%[virtuals=c] intel-oneapi-compilers')).toBe(true)
    expect(sat(v5, '%gcc')).toBe(false)
    const llvm = view({ name: 'llvm', version: '18.1.8' })
    const v6clang = view({ name: 'zlib', version: '1.3', deps: { llvm, c: llvm } })
    expect(sat(v6clang, '%clang@18')).toBe(true)
    expect(sat(v6clang, '%c=clang')).toBe(true)
    expect(sat(v6clang, '%c=gcc')).toBe(false)
  })

  it('matches ^ dependencies by name or through their virtuals', () => {
    expect(sat(v6, '^openmpi+cuda')).toBe(true)
    expect(sat(v6, '^openmpi~cuda')).toBe(false)
    expect(sat(v6, '^mpi')).toBe(true)
    expect(sat(v6, '^mpich')).toBe(false)
    expect(sat(v6, '^[virtuals=mpi] openmpi@5:')).toBe(true)
    expect(sat(v6, '^[virtuals=mpi] mpich')).toBe(false)
    expect(sat(v6, '^mpi=openmpi')).toBe(true)
    expect(sat(v6, '^[virtuals=blas,lapack] openblas threads=openmp')).toBe(true)
    expect(sat(v6, '^[virtuals=blas,lapack] intel-oneapi-mkl')).toBe(false)
    expect(sat(v6, '^zlib-api')).toBe(true)
    expect(sat(v6, '^[virtuals=zlib-api] zlib-ng +compat')).toBe(true)
    expect(sat(v6, '+mpi ^openmpi ^openblas@0.3.20:')).toBe(true)
    expect(sat(v6, '+mpi ^openmpi ^openblas@:0.3.20')).toBe(false)
    expect(sat(v6, '^openmpi %gcc')).toBe(false) // openmpi's view has no compiler
    const mpiWithCompiler = view({
      name: 'openmpi',
      version: '5.0.3',
      compiler: { name: 'gcc', version: '13.2.0' },
    })
    const root = view({ name: 'app', version: '1', deps: { openmpi: mpiWithCompiler } })
    expect(sat(root, '^openmpi %gcc@13')).toBe(true)
  })

  it('rejects a dependency constraint without a name', () => {
    const c: SpecConstraint = {
      variants: {},
      dependencies: [{ variants: { cuda: ['true'] }, dependencies: [] }],
    }
    expect(satisfies(v6, c)).toBe(false)
  })
})

interface CorpusPackage {
  deps?: { spec: string; when: string }[]
  variants?: { when: string }[]
  patches?: { when: string }[]
  provides?: { spec: string; when: string }[]
}

/**
 * Unevaluated Python the corpus extractor kept as text: `<?expr>` markers and string literals
 * with `%`/`.format`/f-string interpolation (e.g. `'kokkos cuda_arch=%s' % arch`). Not spec
 * strings; the recipe reader resolves or flags them before they reach the parser.
 */
function isUnevaluatedPython(s: string): boolean {
  return s.includes('<?') || /^f?["']/.test(s)
}

/** The corpus strings, split into spec strings and unevaluated Python; read on first use. */
let corpus: { all: number; specs: string[]; python: string[] } | undefined
function loadCorpus(): { all: number; specs: string[]; python: string[] } {
  if (corpus) return corpus
  const graph = JSON.parse(gunzipSync(readFileSync(CORPUS)).toString('utf8')) as {
    packages: Record<string, CorpusPackage>
  }
  const all: string[] = []
  for (const p of Object.values(graph.packages)) {
    for (const d of p.deps ?? []) all.push(d.spec, d.when)
    for (const v of p.variants ?? []) all.push(v.when)
    for (const x of p.patches ?? []) all.push(x.when)
    for (const x of p.provides ?? []) all.push(x.spec, x.when)
  }
  const distinct = [...new Set(all)]
  corpus = {
    all: all.length,
    specs: distinct.filter((s) => !isUnevaluatedPython(s)),
    python: distinct.filter(isUnevaluatedPython),
  }
  return corpus
}

describe.skipIf(!existsSync(CORPUS))(
  'real constraint strings (needs ../shared/corpus/spack-packages-graph.json.gz; skipped when absent)',
  () => {
    it('parses every spec and when string', () => {
      const { all, specs, python } = loadCorpus()
      const failures: string[] = []
      for (const s of specs) {
        try {
          parseSpecConstraint(s)
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e))
        }
      }
      console.log(
        `corpus: ${all} spec/when strings, ${specs.length} distinct parsed, ` +
          `${python.length} distinct unevaluated Python expressions skipped`,
      )
      expect(failures).toEqual([])
      expect(specs.length).toBeGreaterThan(30_000)
      expect(python.length).toBeLessThan(specs.length / 50)
    })

    it('formats every string to a fixed point that parses back equal', () => {
      for (const s of loadCorpus().specs) {
        const c = parseSpecConstraint(s)
        const text = formatSpecConstraint(c)
        const again = parseSpecConstraint(text)
        expect(again, s).toEqual(c)
        expect(formatSpecConstraint(again), s).toBe(text)
      }
    })

    it('parses fast enough for the planner (well over 200k strings/s)', () => {
      const { specs } = loadCorpus()
      const rounds = 4
      const start = performance.now()
      for (let i = 0; i < rounds; i++) for (const s of specs) parseSpecConstraint(s)
      const seconds = (performance.now() - start) / 1000
      const rate = Math.round((rounds * specs.length) / seconds)
      console.log(`uncached parse: ${rate} strings/s`)
      // The bar is set below the target to keep loaded CI machines green; locally it is ~1M/s.
      expect(rate).toBeGreaterThan(100_000)
    })
  },
)
