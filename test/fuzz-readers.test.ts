/**
 * Property-based fuzzing of the readers of user input (issue 10 §4): the config, spec
 * constraints, Spack lockfiles, the file and OCI mirror indexes, entries and manifests, Fromager's
 * graph.json and settings. Random text and structured mutations of valid inputs; each either reads
 * or is a one-line `UserError`. Bounded (test/support/fuzz.ts); FC_RUNS=<n> runs a long campaign,
 * FC_SEED=<seed> replays a failure. Real lockfiles and constraint strings from ../shared/corpus
 * are used as seeds when present, built-in ones otherwise.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify as yamlStringify } from 'yaml'
import { parseConfigText } from '../src/config/read-config.js'
import { UserError } from '../src/core/errors.js'
import { formatSpecConstraint, parseSpecConstraint } from '../src/core/spec/constraint.js'
import { parseFromagerGraph } from '../src/ecosystems/fromager/graph.js'
import { parseFromagerSettings } from '../src/ecosystems/fromager/settings.js'
import { parseSpackLockfile } from '../src/ecosystems/spack/lockfile.js'
import { parseClaim } from '../src/mirror/claim.js'
import { validateEntry, type MirrorEntry } from '../src/mirror/entry.js'
import { openFileMirror } from '../src/mirror/file-mirror.js'
import { computeEntryName, entryPath, historyPath } from '../src/mirror/layout.js'
import {
  computeIndex,
  computeIndexChecksum,
  parseIndex,
  serializeCanonical,
  serializeIndex,
} from '../src/mirror/mirror-index.js'
import {
  claimFromManifest,
  computeSpecManifest,
  MEDIA_TYPES,
  parseManifest,
  sha256Digest,
} from '../src/mirror/oci/manifests.js'
import { readRecordEntry, readSpecRecords } from '../src/mirror/oci/spec-records.js'
import type { RegistryClient } from '../src/mirror/oci/registry-client.js'
import { FROMAGER_CONFIG, graphJson } from './support/fromager-fixture.js'
import {
  applyEdits,
  applyJsonEdits,
  checkReason,
  fuzz,
  fuzzAsync,
  jsonEdits,
  nested,
  oddKey,
  reportCases,
  textEdits,
  valueOrUserError,
  valueOrUserErrorAsync,
} from './support/fuzz.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const CORPUS = join(PROJECT_ROOT, '../shared/corpus')
const HAVE_CORPUS = existsSync(CORPUS)
if (!HAVE_CORPUS)
  console.warn(`fuzz-readers: ${CORPUS} is absent: built-in seeds only (no real lockfiles)`)

afterAll(() => reportCases('fuzz-readers'))

/** Random text: any code points, or a soup of the tokens the format is made of. */
function soup(tokens: readonly string[], maxLength = 60): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
    fc.array(fc.constantFrom(...tokens), { maxLength }).map((t) => t.join('')),
  )
}

/** Deep nesting of the format's brackets (the readers' recursion). */
const depth = fc.integer({ min: 1, max: 20_000 })

// ---------------------------------------------------------------------------------------------
// Config

const CONFIGS: Record<string, unknown>[] = [
  {
    ecosystem: 'spack',
    recipes: 'repos/spack_repo/demo/packages',
    buildSystems: 'repos/spack_repo/demo/build_systems',
    providers: { mpi: 'openmpi', 'zlib-api': ['zlib-ng+compat', 'zlib'] },
    concretizer: { unify: 'when_possible', reuse: false },
    deptypes: ['build', 'link', 'run'],
    specs: [
      { matrix: [['zlib', 'curl'], ['%gcc@13', '%clang@17'], ['os=ubuntu24.04']] },
      'zlib@1.2.13 os=rockylinux9 %gcc@13',
    ],
    containers: [
      {
        when: 'os=ubuntu24.04 %gcc@13',
        image: 'ghcr.io/x/builder:1',
        environment: { env: ['CC'], optionalEnv: ['CFLAGS'], files: ['ci/*.sh'] },
      },
    ],
    environment: { command: ['./ci/sig.sh', '--x'], commandTimeout: '30s' },
    mirror: 'file:///srv/mirror',
    ignore: ['**/*.md'],
  },
  {
    ecosystem: 'manifest',
    packages: {
      zlib: {
        inputs: ['zlib/**'],
        versions: { '1.3.1': { url: 'https://x/zlib.tgz' } },
        variants: { shared: true, opt: 'O2' },
        dependencies: ['cmake@3:', { spec: 'pkgconf', types: ['build'], when: '+shared' }],
        provides: ['zlib-api'],
      },
    },
    specs: ['zlib'],
  },
  { ecosystem: 'spack', lockfile: 'envs/a/spack.lock', mirror: 'spack+file:///srv/cache' },
  {},
]

const YAML_TOKENS = [
  'ecosystem',
  'spack',
  'fromager',
  'manifest',
  'specs',
  'containers',
  'when',
  'image',
  'packages',
  'providers',
  'concretizer',
  'unify',
  'fromager',
  'variants',
  ': ',
  ':',
  '- ',
  '-',
  '\n',
  '  ',
  '    ',
  '\t',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '&b ',
  '*b',
  '<<: ',
  '!!str ',
  '!!map ',
  '!!binary ',
  '!foo ',
  '? ',
  '|',
  '>-',
  '#',
  '---',
  '...',
  '%YAML 1.2',
  'null',
  '~',
  'true',
  '0x1F',
  '1e400',
  '.nan',
  '__proto__',
  'zlib@1.3 %gcc',
]

/** Alias bombs and self-references: the YAML resource-exhaustion classics. */
const aliasBomb = fc.integer({ min: 1, max: 9 }).map((n) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i <= n; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    )
  return `${lines.join('\n')}\nspecs: *a${n}\n`
})
/** Many distinct aliases of one anchor (each resolved by walking the document). */
const manyAliases = fc
  .integer({ min: 1, max: 20_000 })
  .map((n) => `a: &a {x: 1}\nb: [${Array(n).fill('*a').join(', ')}]\n`)
const selfReference = fc.constantFrom(
  'specs: &a [*a]\n',
  'providers: &a {mpi: *a}\n',
  'a: &a {b: *a}\n',
  'specs: *a\n',
  'containers: &c [{when: x, image: *c}]\n',
  '<<: &m {ecosystem: spack}\nx: *m\n',
)

describe('fuzz: config reader (parseConfigText)', () => {
  const read = (text: string) => valueOrUserError(() => parseConfigText(text, '.binary-check.yml'))

  it('random text', () => {
    fuzz('config/random', soup(YAML_TOKENS), read, { numRuns: 300 })
  })
  it('mutated valid configs (structure)', () => {
    for (const c of CONFIGS) expect(read(yamlStringify(c))).not.toBeInstanceOf(UserError)
    const arb = fc.tuple(fc.constantFrom(...CONFIGS), jsonEdits)
    fuzz(
      'config/structure',
      arb,
      ([c, edits]) => void read(yamlStringify(applyJsonEdits(c, edits))),
      {
        numRuns: 300,
      },
    )
  })
  it('mutated valid configs (text)', () => {
    const texts = [...CONFIGS.map((c) => yamlStringify(c)), FROMAGER_CONFIG]
    const arb = fc.tuple(fc.constantFrom(...texts), textEdits)
    fuzz('config/text', arb, ([t, edits]) => void read(applyEdits(t, edits)), { numRuns: 300 })
  })
  it('aliases, self-references and deep nesting', () => {
    const deep = fc.oneof(
      depth.map((d) => `specs: ${nested('[', ']', d)}\n`),
      depth.map((d) => `providers: ${nested('{a: ', '}', d, '1')}\n`),
      fc
        .integer({ min: 1, max: 2_000 })
        .map((d) => Array.from({ length: d }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')),
    )
    fuzz('config/aliases', fc.oneof(aliasBomb, selfReference, manyAliases, deep), read, {
      numRuns: 100,
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Spec constraints

const SPECS = [
  'zlib@1.2.13 +shared os=ubuntu24.04 %gcc@13',
  'hdf5@1.14: +mpi ~fortran api=v114 ^openmpi@5 %clang@17',
  'py-numpy@2: ^python@3.11:3.13 ^[virtuals=blas,lapack] openblas threads=openmp',
  'cmake@3.20:3.28,3.30.1 build_type=Release cflags="-O3 -g" target=x86_64_v3:',
  '%[deptypes=build virtuals=c,cxx] gcc@12:',
  '^mpi',
  'mpich@=4.2.1 platform=linux namespace=builtin',
  'llvm@git.main=19 +clang',
  'curl/abcdef1 %c,cxx=gcc',
  'zlib-api',
  '+cuda cuda_arch=80,90',
  '@:3.12',
  '',
]

const SPEC_TOKENS = [
  'zlib',
  'gcc',
  'mpi',
  '@',
  '@=',
  ':',
  ',',
  '.',
  '1',
  '13',
  '2.1',
  '+',
  '~',
  '-',
  '++',
  '~~',
  '=',
  '==',
  '%',
  '%%',
  '^',
  '[',
  ']',
  'virtuals=',
  'deptypes=',
  'build',
  'os=',
  'target=',
  'platform=',
  'namespace=',
  'cflags=',
  '"',
  "'",
  ' ',
  '\t',
  '\n',
  '/',
  'abcdef1',
  'git.',
  '0123456789abcdef0123456789abcdef01234567',
  '*',
  'x',
  '_',
]

function corpusConstraints(): string[] {
  const file = join(CORPUS, 'spack-packages-graph.json.gz')
  if (!existsSync(file)) return []
  const graph = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
    packages: Record<string, { deps: Array<{ spec: string; when: string }> }>
  }
  const out = new Set<string>()
  for (const p of Object.values(graph.packages))
    for (const d of p.deps) {
      if (out.size >= 2_000) return [...out]
      out.add(d.spec)
      if (d.when) out.add(d.when)
    }
  return [...out]
}

describe('fuzz: spec constraint parser (parseSpecConstraint)', () => {
  let seeds: string[] = SPECS
  beforeAll(() => {
    seeds = [...SPECS, ...corpusConstraints()]
  })
  /** Parses; a constraint that parses formats to a text that parses to the same constraint. */
  const check = (text: string): void => {
    const c = valueOrUserError(() => parseSpecConstraint(text, 'fuzz'))
    if (c instanceof UserError) return
    const formatted = formatSpecConstraint(c)
    const again = valueOrUserError(() => parseSpecConstraint(formatted, 'fuzz'))
    if (again instanceof UserError)
      throw new Error(
        `${JSON.stringify(text)} formats to ${JSON.stringify(formatted)}, which does not parse: ${again.message}`,
      )
    expect(formatSpecConstraint(again)).toBe(formatted)
  }

  it('random text', () => {
    fuzz('spec/random', soup(SPEC_TOKENS, 30), check, { numRuns: 300 })
  })
  it('mutated real constraints', () => {
    const arb = fc.tuple(fc.constantFrom(...seeds), textEdits)
    fuzz('spec/mutated', arb, ([t, edits]) => check(applyEdits(t, edits)), { numRuns: 300 })
    const pair = fc.tuple(
      fc.constantFrom(...seeds),
      fc.constantFrom(...seeds),
      fc.constantFrom(' ^', ' %', ' '),
    )
    fuzz('spec/joined', pair, ([a, b, sep]) => check(`${a}${sep}${b}`), { numRuns: 200 })
  })
  it('long inputs', () => {
    const long = fc.oneof(
      depth.map((d) => nested('[', ']', d)),
      depth.map((d) => 'a ^b'.repeat(Math.ceil(d / 10))),
      depth.map((d) => `a@${'1.'.repeat(d)}1`),
      depth.map((d) => `a ${'+v'.repeat(Math.ceil(d / 10))}`),
    )
    fuzz('spec/long', long, check, { numRuns: 40 })
  })
})

// ---------------------------------------------------------------------------------------------
// Spack lockfiles

const H = (c: string): string => c.repeat(32)

/** v4: dependency `type` lists, a target object, `compiler` attribute. */
const LOCK_V4 = {
  _meta: { 'file-type': 'spack-lockfile', 'lockfile-version': 4, 'specfile-version': 3 },
  roots: [{ hash: H('a'), spec: 'app' }],
  concrete_specs: {
    [H('a')]: {
      name: 'app',
      version: '1.0',
      arch: {
        platform: 'linux',
        platform_os: 'rhel8',
        target: { name: 'skylake', features: ['avx'] },
      },
      compiler: { name: 'gcc', version: '=11.2.0' },
      namespace: 'site',
      parameters: {
        shared: true,
        cuda_arch: ['80'],
        cflags: ['-O3'],
        ldflags: [],
        patches: ['p1'],
      },
      dependencies: [
        { name: 'zlib', hash: H('b'), type: ['build', 'link'] },
        { name: 'cmake', hash: H('c'), type: ['build'] },
      ],
      hash: H('a'),
    },
    [H('b')]: {
      name: 'zlib',
      version: '1.3.1',
      arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
      parameters: {},
      external: { path: '/usr', module: ['zlib/1.3'] },
      hash: H('b'),
    },
    [H('c')]: { name: 'cmake', version: '3.30.0', parameters: {}, hash: H('c') },
  },
}
/** v5: edge `parameters.deptypes`/`virtuals`, old dependency map on one node. */
const LOCK_V5 = {
  _meta: { 'file-type': 'spack-lockfile', 'lockfile-version': 5, 'specfile-version': 4 },
  roots: [{ hash: H('d'), spec: 'hdf5' }],
  concrete_specs: {
    [H('d')]: {
      name: 'hdf5',
      version: '1.14.3',
      compiler: { name: 'oneapi', version: '2024.1' },
      parameters: { mpi: true, api: 'default' },
      dependencies: [
        {
          name: 'openmpi',
          hash: H('e'),
          parameters: { deptypes: ['build', 'link'], virtuals: ['mpi'] },
        },
      ],
      hash: H('d'),
    },
    [H('e')]: {
      name: 'openmpi',
      version: '5.0.3',
      dependencies: { zlib: { hash: H('f'), type: ['link'] } },
      hash: H('e'),
    },
    [H('f')]: { name: 'zlib', version: '1.3', hash: H('f') },
  },
}
/** v6: compilers are dependencies providing c/cxx. */
const LOCK_V6 = {
  _meta: { 'file-type': 'spack-lockfile', 'lockfile-version': 6, 'specfile-version': 5 },
  roots: [{ hash: H('g'), spec: 'curl' }],
  concrete_specs: {
    [H('g')]: {
      name: 'curl',
      version: '8.7.1',
      dependencies: [
        { name: 'gcc', hash: H('h'), parameters: { deptypes: ['build'], virtuals: ['c', 'cxx'] } },
        { name: 'zlib', hash: H('i'), parameters: { deptypes: ['build', 'link'], virtuals: [] } },
      ],
      hash: H('g'),
    },
    [H('h')]: { name: 'gcc', version: '13.2.0', external: { path: '/usr' }, hash: H('h') },
    [H('i')]: { name: 'zlib', version: '1.3.1', hash: H('i') },
  },
}

/** A root of a large lockfile with its dependency closure, at most `limit` specs. */
function closure(lock: Record<string, unknown>, limit: number): Record<string, unknown> {
  const specs = lock['concrete_specs'] as Record<string, { dependencies?: Array<{ hash: string }> }>
  const roots = lock['roots'] as Array<{ hash: string }>
  for (const root of roots) {
    const keep = new Set<string>()
    const queue = [root.hash]
    while (queue.length > 0 && keep.size <= limit) {
      const h = queue.shift() as string
      if (keep.has(h)) continue
      keep.add(h)
      for (const d of specs[h]?.dependencies ?? []) queue.push(d.hash)
    }
    if (keep.size > 3 && keep.size <= limit)
      return {
        ...lock,
        roots: [root],
        concrete_specs: Object.fromEntries([...keep].map((h) => [h, specs[h]])),
      }
  }
  return lock
}

const LOCK_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  '_meta',
  'lockfile-version',
  '6',
  'concrete_specs',
  'roots',
  'hash',
  'name',
  'version',
  'dependencies',
  'null',
  'true',
  '1e999',
  '-',
  '\\u0000',
  '\\',
  ' ',
  '\n',
]

describe('fuzz: Spack lockfile reader (parseSpackLockfile)', () => {
  let locks: unknown[] = [LOCK_V4, LOCK_V5, LOCK_V6]
  beforeAll(() => {
    const dir = join(CORPUS, 'lockfiles')
    if (!existsSync(dir)) return
    const allPythons = JSON.parse(readFileSync(join(dir, 'all-pythons.spack.lock'), 'utf8'))
    const derecho = JSON.parse(
      gunzipSync(readFileSync(join(dir, 'ncar-derecho.spack.lock.gz'))).toString('utf8'),
    )
    locks = [...locks, closure(allPythons, 30), closure(derecho, 30)]
  })
  const read = (text: string) =>
    valueOrUserError(() => parseSpackLockfile(text, 'envs/a/spack.lock'))

  it('valid seeds read', () => {
    for (const l of locks) expect(read(JSON.stringify(l))).not.toBeInstanceOf(UserError)
  })
  it('random text', () => {
    fuzz('lockfile/random', soup(LOCK_TOKENS), read, { numRuns: 200 })
  })
  it('mutated lockfiles (structure)', () => {
    const arb = fc.tuple(fc.nat(), jsonEdits)
    fuzz(
      'lockfile/structure',
      arb,
      ([i, edits]) => void read(JSON.stringify(applyJsonEdits(locks[i % locks.length], edits))),
      {
        numRuns: 300,
      },
    )
  })
  it('mutated lockfiles (text)', () => {
    const arb = fc.tuple(fc.nat(), fc.boolean(), textEdits)
    fuzz(
      'lockfile/text',
      arb,
      ([i, pretty, edits]) =>
        void read(applyEdits(JSON.stringify(locks[i % locks.length], null, pretty ? 1 : 0), edits)),
      { numRuns: 300 },
    )
  })
  it('deep nesting', () => {
    const deep = fc.oneof(
      depth.map((d) => nested('[', ']', d)),
      depth.map((d) => nested('[', '', d)),
      depth.map(
        (d) =>
          `{"_meta": {"lockfile-version": 6}, "concrete_specs": ${nested('{"a":', '}', d, '1')}}`,
      ),
      depth.map(
        (d) =>
          `{"_meta": {"lockfile-version": 6}, "roots": ${nested('[', ']', d)}, "concrete_specs": {}}`,
      ),
    )
    fuzz('lockfile/deep', deep, read, { numRuns: 60 })
  })
})

// ---------------------------------------------------------------------------------------------
// Mirror: file index, entries; OCI manifests and records

const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`

function entry(spec: string, d: string, a: string): MirrorEntry {
  return {
    schema: 'binary-check/entry@1',
    spec,
    package: spec.split('@')[0] as string,
    version: '1.0',
    os: 'ubuntu24.04',
    compiler: 'gcc@13',
    digest: DIGEST(d),
    packageDigest: DIGEST('e'),
    inputs: { recipe: DIGEST('f'), variants: { shared: true } },
    artifact: { path: `artifacts/sha256/${a.repeat(64)}`, sha256: a.repeat(64), size: 3 },
    commit: '0'.repeat(40),
    builtAt: '2026-01-02T03:04:05.678Z',
    builder: 'https://ci/job/1',
  }
}

const ENTRIES = [entry('zlib@1.0 os=ubuntu24.04', 'a', 'b'), entry('curl@1.0 +ssl', 'c', 'd')]
const INDEX = computeIndex(ENTRIES, {
  head: '1'.repeat(40),
  specs: {
    'zlib@1.0 os=ubuntu24.04': {
      digest: DIGEST('a'),
      status: 'current',
      artifact: ENTRIES[0]!.artifact,
      builtAt: ENTRIES[0]!.builtAt,
    },
    'hdf5@1.0': { digest: DIGEST('9'), status: 'missing' },
  },
})

/** An index value with its checksum recomputed (so mutations reach the entry checks). */
function resealed(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const v = value as Record<string, unknown>
  try {
    return { ...v, checksum: computeIndexChecksum(v['entries'], v['view']) }
  } catch {
    return value
  }
}

const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  'schema',
  'binary-check/index@1',
  'checksum',
  'entries',
  'view',
  'sha256:',
  'null',
  '1',
  ' ',
]

describe('fuzz: mirror index reader (parseIndex, file mirror)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bc-fuzz-mirror-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const read = (text: string) => valueOrUserError(() => parseIndex(text, 'index.json'))

  it('the seed index reads', () => {
    expect(read(serializeIndex(INDEX))).not.toBeInstanceOf(UserError)
  })
  it('random text', () => {
    fuzz('index/random', soup(JSON_TOKENS), read, { numRuns: 200 })
  })
  it('mutated indexes (structure, checksum resealed or not)', () => {
    const arb = fc.tuple(jsonEdits, fc.boolean())
    fuzz(
      'index/structure',
      arb,
      ([edits, reseal]) => {
        const v = applyJsonEdits(INDEX, edits)
        void read(JSON.stringify(reseal ? resealed(v) : v))
      },
      { numRuns: 300 },
    )
  })
  it('mutated indexes (text)', () => {
    fuzz('index/text', textEdits, (edits) => void read(applyEdits(serializeIndex(INDEX), edits)), {
      numRuns: 200,
    })
  })
  it('deep nesting in an entry (resealed)', () => {
    fuzz(
      'index/deep',
      depth,
      (d) => {
        const v = structuredClone(INDEX) as unknown as Record<
          string,
          Record<string, Record<string, unknown>>
        >
        v['entries']!['curl@1.0 +ssl']!['inputs'] = JSON.parse(nested('[', ']', d))
        let text: string
        try {
          text = JSON.stringify(resealed(v))
        } catch {
          return // not even encodable here
        }
        void read(text)
      },
      { numRuns: 20 },
    )
  })

  it('a file mirror reads mutated index.json and entry files, and writes nothing', async () => {
    const entryFiles = ENTRIES.map((e) => ({ path: entryPath(e.spec), value: e as unknown }))
    const arb = fc.record({
      index: fc.option(fc.tuple(jsonEdits, fc.boolean()), { nil: undefined }),
      indexText: fc.option(textEdits, { nil: undefined }),
      entries: fc.array(fc.tuple(fc.nat(), jsonEdits), { maxLength: 3 }),
      history: fc.array(fc.tuple(fc.nat(), jsonEdits, fc.boolean()), { maxLength: 2 }),
      strayName: fc.option(oddKey, { nil: undefined }),
    })
    let n = 0
    await fuzzAsync(
      'index/file-mirror',
      arb,
      async (c) => {
        const root = join(dir, `m${n++}`)
        await mkdir(join(root, 'entries'), { recursive: true })
        await mkdir(join(root, 'artifacts/sha256'), { recursive: true })
        for (const e of ENTRIES) await writeFile(join(root, e.artifact.path), 'abc')
        let indexText = serializeIndex(INDEX)
        if (c.index) {
          const v = applyJsonEdits(INDEX, c.index[0])
          indexText = JSON.stringify(c.index[1] ? resealed(v) : v)
        }
        if (c.indexText) indexText = applyEdits(indexText, c.indexText)
        await writeFile(join(root, 'index.json'), indexText)
        for (const f of entryFiles) await writeFile(join(root, f.path), serializeCanonical(f.value))
        for (const [i, edits] of c.entries) {
          const f = entryFiles[i % entryFiles.length]!
          await writeFile(join(root, f.path), JSON.stringify(applyJsonEdits(f.value, edits)))
        }
        for (const [i, edits, asEntry] of c.history) {
          const e = ENTRIES[i % ENTRIES.length]!
          const p = asEntry
            ? historyPath(e.spec, e.digest)
            : `history/${computeEntryName(e.spec)}/x.json`
          await mkdir(join(root, p, '..'), { recursive: true })
          await writeFile(join(root, p), JSON.stringify(applyJsonEdits(e, edits)))
        }
        // (a file name with a line break is quoted raw in its skip warning: left alone)
        if (
          c.strayName !== undefined &&
          !/[/\0\n\r]/.test(c.strayName) &&
          c.strayName !== '' &&
          c.strayName !== '.' &&
          c.strayName !== '..'
        )
          await writeFile(join(root, 'entries', c.strayName), '{')
        const before = await listTree(root)
        const warnings: string[] = []
        const mirror = openFileMirror(root, { onWarning: (w) => warnings.push(w) })
        await valueOrUserErrorAsync(() => mirror.tryReadIndex())
        await valueOrUserErrorAsync(() => mirror.readEntries())
        for (const e of ENTRIES) {
          await valueOrUserErrorAsync(() => mirror.tryReadEntry(e.spec))
          await valueOrUserErrorAsync(() => mirror.readHistory(e.spec))
        }
        for (const w of warnings) checkReason(w, 'mirror warning')
        expect(await listTree(root)).toEqual(before) // a reader writes nothing, leaves no temp file
        await rm(root, { recursive: true, force: true })
      },
      { numRuns: 100, timeLimitMs: 10_000 },
    )
  })

  it('claims: parseClaim never throws, its reason is one line', () => {
    const claim = {
      schema: 'binary-check/claim@1',
      digest: DIGEST('a'),
      owner: 'job-1',
      claimedAt: '2026-01-02T03:04:05.678Z',
      expiresAt: '2026-01-02T04:04:05.678Z',
      token: 'f00d',
    }
    expect('claim' in parseClaim(JSON.stringify(claim))).toBe(true)
    const arb = fc.oneof(
      soup(JSON_TOKENS),
      jsonEdits.map((edits) => JSON.stringify(applyJsonEdits(claim, edits))),
      textEdits.map((edits) => applyEdits(JSON.stringify(claim, null, 2), edits)),
    )
    fuzz(
      'index/claim',
      arb,
      (text) => {
        const r = parseClaim(text)
        if ('error' in r) checkReason(r.error, 'parseClaim')
      },
      { numRuns: 200 },
    )
  })

  it('entries: validateEntry never throws, its reason is one line', () => {
    fuzz(
      'index/entry',
      fc.tuple(fc.nat(), jsonEdits),
      ([i, edits]) => {
        const r = validateEntry(applyJsonEdits(ENTRIES[i % ENTRIES.length], edits), 'entries["x"]')
        if ('error' in r) checkReason(r.error, 'validateEntry')
      },
      { numRuns: 300 },
    )
  })
})

async function listTree(root: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(root, { recursive: true, withFileTypes: true }))
    out.push(join(e.parentPath, e.name).slice(root.length))
  return out.sort()
}

/** A registry client that serves manifests and blobs from maps (readSpecRecords/readRecordEntry). */
function fakeClient(manifests: Map<string, Buffer>, blobs: Map<string, Buffer>): RegistryClient {
  return {
    place: 'oci://fuzz/repo',
    http: { options: { concurrency: 4 } },
    tryGetManifest: async (tag: string) => {
      const bytes = manifests.get(tag)
      return bytes === undefined ? undefined : { bytes, digest: 'sha256:x', mediaType: 'x' }
    },
    readBlob: async (digest: string) => {
      const b = blobs.get(digest)
      if (b === undefined)
        throw new UserError('mirror', 'oci://fuzz/repo', `blob ${digest} not found`)
      return b
    },
  } as unknown as RegistryClient
}

describe('fuzz: OCI manifests and spec records (parseManifest, readSpecRecords)', () => {
  const e = ENTRIES[0]!
  const entryBytes = Buffer.from(serializeCanonical(e))
  const manifest = computeSpecManifest(
    e,
    { mediaType: MEDIA_TYPES.entry, digest: sha256Digest(entryBytes), size: entryBytes.length },
    { mediaType: MEDIA_TYPES.artifactBinary, digest: `sha256:${e.artifact.sha256}`, size: 3 },
    'zlib',
  ) as unknown

  it('parseManifest never throws; its reason is one line', () => {
    const arb = fc.oneof(
      soup(JSON_TOKENS).map((t) => Buffer.from(t)),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      jsonEdits.map((edits) => Buffer.from(JSON.stringify(applyJsonEdits(manifest, edits)))),
      textEdits.map((edits) => Buffer.from(applyEdits(JSON.stringify(manifest), edits))),
    )
    fuzz(
      'oci/manifest',
      arb,
      (bytes) => {
        const r = parseManifest(bytes)
        if ('error' in r) checkReason(r.error, 'parseManifest')
        else void claimFromManifest(r.manifest)
      },
      { numRuns: 300 },
    )
  })

  it('records and entries of mutated manifests and entry blobs', async () => {
    const arb = fc.tuple(jsonEdits, fc.option(jsonEdits, { nil: undefined }))
    await fuzzAsync(
      'oci/records',
      arb,
      async ([mEdits, eEdits]) => {
        const m = applyJsonEdits(manifest, mEdits)
        const text = JSON.stringify(m)
        const blob = eEdits ? Buffer.from(JSON.stringify(applyJsonEdits(e, eEdits))) : entryBytes
        const config = (m as { config?: { digest?: unknown } } | null)?.config?.digest
        const blobs = new Map([[typeof config === 'string' ? config : 'none', blob]])
        const client = fakeClient(new Map([['tag', Buffer.from(text ?? 'null')]]), blobs)
        const warnings: string[] = []
        const records = await valueOrUserErrorAsync(() =>
          readSpecRecords(client, ['tag', 'gone'], (w) => warnings.push(w)),
        )
        for (const w of warnings) checkReason(w, 'readSpecRecords warning')
        if (records instanceof UserError) return
        for (const r of records) {
          const got = await valueOrUserErrorAsync(() => readRecordEntry(client, r))
          if (typeof got === 'string') checkReason(got, 'readRecordEntry')
        }
      },
      { numRuns: 200 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Fromager

const GRAPH = JSON.parse(graphJson()) as unknown
const SETTINGS = [
  'env:\n  CFLAGS: "-O2"\n  USE_CUDA: "0"\nbuild_options:\n  cpu_count: 4\n  exclusive: true\ndownload_source:\n  url: https://x/${version}.tgz\nvariants:\n  cuda:\n    env:\n      USE_CUDA: "1"\n    pre_built: true\n  cpu: {}\nchangelog:\n  "2.5.1":\n    - rebuilt with new flags\n  2.0: [x]\n',
  'resolver_dist:\n  sdist_server_url: https://pypi.org/simple\n  include_wheels: false\nversion: 1.5\nratio: .inf\n',
  '',
  '# only a comment\n',
]
const SETTINGS_VALUES: unknown[] = [
  {
    env: { A: '1' },
    variants: { cuda: { pre_built: true, env: { B: '2' } } },
    changelog: { '1.0': ['x'] },
  },
  { build_options: { n: 4 }, variants: null, changelog: null },
]

describe('fuzz: Fromager graph and settings readers', () => {
  const readGraph = (t: string) => valueOrUserError(() => parseFromagerGraph(t, 'graph.json'))
  const readSettings = (t: string) =>
    valueOrUserError(() => parseFromagerSettings(t, 'overrides/settings/torch.yaml'))

  it('seeds read', () => {
    expect(readGraph(JSON.stringify(GRAPH))).not.toBeInstanceOf(UserError)
    for (const s of SETTINGS) expect(readSettings(s)).not.toBeInstanceOf(UserError)
  })
  it('graph.json: random text and mutations', () => {
    const arb = fc.oneof(
      soup([
        '{',
        '}',
        '[',
        ']',
        '"',
        ':',
        ',',
        'edges',
        'key',
        'req_type',
        'install',
        'toplevel',
        '==',
        'version',
        'canonicalized_name',
        '""',
      ]),
      jsonEdits.map((edits) => JSON.stringify(applyJsonEdits(GRAPH, edits))),
      textEdits.map((edits) => applyEdits(JSON.stringify(GRAPH, null, 1), edits)),
      depth.map(
        (d) =>
          `{"a==1": {"version": "1", "canonicalized_name": "a", "edges": ${nested('[', ']', d)}}}`,
      ),
    )
    fuzz('fromager/graph', arb, readGraph, { numRuns: 300 })
  })
  it('settings: random text, mutations, aliases and deep nesting', () => {
    const arb = fc.oneof(
      soup(YAML_TOKENS),
      fc.tuple(fc.constantFrom(...SETTINGS), textEdits).map(([s, edits]) => applyEdits(s, edits)),
      fc
        .tuple(fc.constantFrom(...SETTINGS_VALUES), jsonEdits)
        .map(([v, edits]) => yamlStringify(applyJsonEdits(v, edits))),
      aliasBomb,
      selfReference,
      manyAliases,
      depth.map((d) => `env: ${nested('[', ']', d)}\n`),
      depth.map((d) => `env: ${nested('{a: ', '}', d, '1')}\n`),
    )
    fuzz('fromager/settings', arb, readSettings, { numRuns: 300 })
  })
})
