import { describe, expect, it } from 'vitest'
import { canonicalEncode, digestOf, DIGEST_ALGORITHM } from '../src/core/canonical-encode.js'
import { computePackageDigest, packageDigestInputs } from '../src/core/digest/package-digest.js'

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
    expect(DIGEST_ALGORITHM).toBe('binary-check/digest@1')
  })
  it('pins digestOf', () => {
    expect(digestOf({ algorithm: DIGEST_ALGORITHM, a: 'b' })).toBe(
      'sha256:9d64ec2942ac70a0d25a32b6882a743f5425626f969c380da80e074f2d3ebb04',
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
      'sha256:6149810ca1cf0844a638bd61a56d38a99ee9f888cbdef6ffa68d4540993ad427',
    )
  })
})

describe('foldedDigest', () => {
  it('hashes exactly what digestOf would', async () => {
    const { foldedDigest } = await import('../src/core/digest/spec-digest.js')
    const deps = {
      'zlib@1.3 %gcc@13': 'sha256:' + '1'.repeat(64),
      'b"quoted"': 'sha256:' + '2'.repeat(64),
      a: 'sha256:' + '3'.repeat(64),
    }
    const local = 'sha256:' + '4'.repeat(64)
    expect(foldedDigest(local, deps)).toBe(
      digestOf({ algorithm: DIGEST_ALGORITHM, local, dependencies: deps }),
    )
    expect(foldedDigest(local, {})).toBe(
      digestOf({ algorithm: DIGEST_ALGORITHM, local, dependencies: {} }),
    )
  })
})
