import { describe, expect, it } from 'vitest'
import { canonicalEncode, digestOf, DIGEST_ALGORITHM } from '../src/core/canonical-encode.js'
import { computePackageDigest, packageDigestInputs } from '../src/core/digest/package-digest.js'
import {
  foldedDigest,
  foldSpecDigests,
  type LocalSpecDigest,
  type LocalSpecInputs,
} from '../src/core/digest/spec-digest.js'
import {
  DEFAULT_DEPTYPES,
  type ConcreteSpec,
  type DependencyInput,
  type DepType,
  type SpecEdge,
} from '../src/core/model.js'

describe('canonicalEncode', () => {
  it('sorts keys by code unit, drops undefined, keeps array order', () => {
    expect(canonicalEncode({ b: 1, a: [3, 1], Z: 'x', c: undefined, é: true })).toBe(
      '{"Z":"x","a":[3,1],"b":1,"é":true}',
    )
  })
  it('is independent of insertion order', () => {
    expect(canonicalEncode({ a: 1, b: { d: 2, c: 3 } })).toBe(
      canonicalEncode({ b: { c: 3, d: 2 }, a: 1 }),
    )
  })
  it('refuses floats (a bug, not input)', () => {
    expect(() => canonicalEncode({ x: 1.5 })).toThrow(/not an integer/)
  })
})

describe('golden digests (changing these means bumping the algorithm tag)', () => {
  it('pins the algorithm tag', () => {
    expect(DIGEST_ALGORITHM).toBe('binary-check/digest@2')
  })
  it('pins digestOf', () => {
    expect(digestOf({ algorithm: DIGEST_ALGORITHM, a: 'b' })).toBe(
      'sha256:13e613495675924aeac5804ef7beef03e075f1a61f404beb436721b0e8877107',
    )
  })
  it('pins a package digest', () => {
    const inputs = packageDigestInputs(
      'spack',
      'sha256:' + 'a'.repeat(64),
      { 'bs/cmake.py': 'sha256:' + 'b'.repeat(64) },
      {},
    )
    expect(computePackageDigest(inputs)).toBe(
      'sha256:643a6fdafff26b3900a9b7d592702a7357750489c6acc697b17c062cd798dbc6',
    )
  })
})

describe('foldedDigest', () => {
  it('hashes exactly what digestOf would', () => {
    const deps = {
      'zlib@1.3 %gcc@13': { digest: 'sha256:' + '1'.repeat(64), types: ['build', 'link'] },
      'b"quoted"': { digest: 'sha256:' + '2'.repeat(64), types: ['run'], virtuals: ['x"y', 'mpi'] },
      a: { digest: 'sha256:' + '3'.repeat(64), types: [] },
      e: { digest: 'sha256:' + '5'.repeat(64), types: ['build'], virtuals: [] },
    } satisfies Record<string, DependencyInput>
    const local = 'sha256:' + '4'.repeat(64)
    expect(foldedDigest(local, deps)).toBe(
      digestOf({ algorithm: DIGEST_ALGORITHM, local, dependencies: deps }),
    )
    expect(foldedDigest(local, {})).toBe(
      digestOf({ algorithm: DIGEST_ALGORITHM, local, dependencies: {} }),
    )
  })
  it('pins a folded spec digest (edge types and virtuals included)', () => {
    expect(
      foldedDigest('sha256:' + '4'.repeat(64), {
        'findutils@4.10.0': { digest: 'sha256:' + '1'.repeat(64), types: ['build', 'run'] },
        'openblas@0.3.28': {
          digest: 'sha256:' + '2'.repeat(64),
          types: ['build', 'link'],
          virtuals: ['blas', 'lapack'],
        },
      }),
    ).toBe('sha256:37a0a8160e4b301431106b49658583ba2d829096745fd39190ade54f79151bb1')
  })
})

const local = (n: number): LocalSpecDigest => ({
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  inputs: {} as LocalSpecInputs,
})

function spec(id: string, dependencies: SpecEdge[] = []): ConcreteSpec {
  const [name] = id.split('@') as [string]
  return {
    id,
    package: name,
    version: '1',
    variants: {},
    parameters: {},
    dependencies,
    origin: 'test',
  }
}

const edge = (id: string, types: DepType[], virtuals?: string[]): SpecEdge => ({
  id,
  name: id.split('@')[0]!,
  types,
  ...(virtuals ? { virtuals } : {}),
})

/** The folded digests of `specs` (locals numbered in order), propagating over build, link, run. */
function fold(specs: ConcreteSpec[], deptypes: DepType[] = [...DEFAULT_DEPTYPES]) {
  const byId = new Map(specs.map((s) => [s.id, s]))
  const locals = new Map(specs.map((s, i) => [s.id, local(i + 1)]))
  return foldSpecDigests(byId, locals, new Set(deptypes))
}

describe('foldSpecDigests: each edge as (deptypes, virtuals, digest)', () => {
  const findutils = spec('findutils@4.10.0')
  const m4 = spec('m4@1.4', [edge('libtool@2.4.7', ['build'])])
  const withLibtool = (...edges: SpecEdge[]) => [findutils, spec('libtool@2.4.7', edges), m4]
  const digestOfId = (r: ReturnType<typeof fold>, id: string) => r.get(id)!.digest

  it('run → build, run changes the spec digest and its dependents', () => {
    const before = fold(withLibtool(edge('findutils@4.10.0', ['run'])))
    const after = fold(withLibtool(edge('findutils@4.10.0', ['build', 'run'])))
    expect(digestOfId(after, 'findutils@4.10.0')).toBe(digestOfId(before, 'findutils@4.10.0'))
    expect(digestOfId(after, 'libtool@2.4.7')).not.toBe(digestOfId(before, 'libtool@2.4.7'))
    expect(digestOfId(after, 'm4@1.4')).not.toBe(digestOfId(before, 'm4@1.4'))
    expect(after.get('libtool@2.4.7')!.inputs.dependencies).toEqual({
      'findutils@4.10.0': {
        digest: digestOfId(before, 'findutils@4.10.0'),
        types: ['build', 'run'],
      },
    })
  })

  it('a propagating edge carries all its types; a non-propagating edge is not folded', () => {
    const build = fold(withLibtool(edge('findutils@4.10.0', ['build'])))
    const buildTest = fold(withLibtool(edge('findutils@4.10.0', ['build', 'test'])))
    expect(buildTest.get('libtool@2.4.7')!.inputs.dependencies['findutils@4.10.0']!.types).toEqual([
      'build',
      'test',
    ])
    expect(digestOfId(buildTest, 'libtool@2.4.7')).not.toBe(digestOfId(build, 'libtool@2.4.7'))
    const none = fold(withLibtool())
    const test = fold(withLibtool(edge('findutils@4.10.0', ['test'])))
    expect(test.get('libtool@2.4.7')!.inputs.dependencies).toEqual({})
    expect(digestOfId(test, 'libtool@2.4.7')).toBe(digestOfId(none, 'libtool@2.4.7'))
    // with only `link` propagating, a build+run edge does not count at all
    const linkOnly = (e: SpecEdge[]) => fold(withLibtool(...e), ['link'])
    expect(
      digestOfId(linkOnly([edge('findutils@4.10.0', ['build', 'run'])]), 'libtool@2.4.7'),
    ).toBe(digestOfId(linkOnly([]), 'libtool@2.4.7'))
  })

  it('types and virtuals are sorted and merged; their order on the edge does not matter', () => {
    const a = fold(withLibtool(edge('findutils@4.10.0', ['run', 'build'], ['lapack', 'blas'])))
    const b = fold(
      withLibtool(
        edge('findutils@4.10.0', ['build'], ['blas']),
        edge('findutils@4.10.0', ['run', 'build'], ['lapack']),
      ),
    )
    expect(a.get('libtool@2.4.7')!.inputs.dependencies['findutils@4.10.0']).toEqual({
      digest: digestOfId(a, 'findutils@4.10.0'),
      types: ['build', 'run'],
      virtuals: ['blas', 'lapack'],
    })
    expect(digestOfId(b, 'libtool@2.4.7')).toBe(digestOfId(a, 'libtool@2.4.7'))
  })

  it('a change of the virtuals an edge satisfies changes the digest; none and [] are the same', () => {
    const blas = fold(withLibtool(edge('findutils@4.10.0', ['link'], ['blas'])))
    const both = fold(withLibtool(edge('findutils@4.10.0', ['link'], ['blas', 'lapack'])))
    const lapack = fold(withLibtool(edge('findutils@4.10.0', ['link'], ['lapack'])))
    const none = fold(withLibtool(edge('findutils@4.10.0', ['link'])))
    const empty = fold(withLibtool(edge('findutils@4.10.0', ['link'], [])))
    const ds = [blas, both, lapack, none].map((r) => digestOfId(r, 'libtool@2.4.7'))
    expect(new Set(ds).size).toBe(4)
    expect(digestOfId(empty, 'libtool@2.4.7')).toBe(digestOfId(none, 'libtool@2.4.7'))
    expect(none.get('libtool@2.4.7')!.inputs.dependencies['findutils@4.10.0']).not.toHaveProperty(
      'virtuals',
    )
  })

  it('cycles: members share one component digest that covers the edge types inside it', () => {
    const cycle = (aToB: DepType[]) => [
      spec('a@1', [edge('b@1', aToB), edge('z@1', ['link'])]),
      spec('b@1', [edge('a@1', ['run'])]),
      spec('z@1'),
      spec('top@1', [edge('a@1', ['link'])]),
    ]
    const before = fold(cycle(['build']))
    const after = fold(cycle(['build', 'run']))
    const entry = (r: ReturnType<typeof fold>, id: string) => r.get(id)!.inputs.dependencies
    expect(Object.keys(entry(before, 'a@1')).sort()).toEqual(['cycle of 2', 'z@1'])
    expect(Object.keys(entry(before, 'b@1'))).toEqual(['cycle of 2'])
    expect(entry(before, 'a@1')['cycle of 2']).toEqual(entry(before, 'b@1')['cycle of 2'])
    expect(entry(before, 'a@1')['cycle of 2']!.types).toEqual([])
    expect(entry(after, 'a@1')['cycle of 2']!.digest).not.toBe(
      entry(before, 'a@1')['cycle of 2']!.digest,
    )
    for (const id of ['a@1', 'b@1', 'top@1'])
      expect(digestOfId(after, id)).not.toBe(digestOfId(before, id))
    expect(digestOfId(after, 'z@1')).toBe(digestOfId(before, 'z@1'))
    // a self-loop is a cycle of 1, its edge types included
    const self = (t: DepType[]) => fold([spec('s@1', [edge('s@1', t)])])
    expect(Object.keys(self(['run']).get('s@1')!.inputs.dependencies)).toEqual(['cycle of 1'])
    expect(digestOfId(self(['build', 'run']), 's@1')).not.toBe(digestOfId(self(['run']), 's@1'))
  })

  it('does not depend on the order the specs come in', () => {
    const specs = withLibtool(edge('findutils@4.10.0', ['build', 'run'], ['x']))
    const a = fold(specs)
    const byId = new Map([...specs].reverse().map((s) => [s.id, s]))
    const locals = new Map(specs.map((s, i) => [s.id, local(i + 1)]))
    const b = foldSpecDigests(byId, locals, new Set(DEFAULT_DEPTYPES))
    for (const s of specs) expect(b.get(s.id)!.digest).toBe(a.get(s.id)!.digest)
  })
})
