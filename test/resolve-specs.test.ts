import { describe, expect, it } from 'vitest'
import { DIGEST_ALGORITHM } from '../src/core/canonical-encode.js'
import type {
  DependencyDirective,
  Package,
  VariantDirective,
  VersionDirective,
} from '../src/core/model.js'
import { resolveSpecs } from '../src/core/resolve-specs.js'

/** A Package value with just what resolution reads. */
function pkg(
  name: string,
  opts: {
    versions?: string[]
    deprecated?: string[]
    preferred?: string
    variants?: VariantDirective[]
    deps?: DependencyDirective[]
    provides?: string[]
  } = {},
): Package {
  const versions: VersionDirective[] = (opts.versions ?? ['1.0']).map((v) => ({
    version: v,
    deprecated: opts.deprecated?.includes(v) ?? false,
    preferred: opts.preferred === v,
  }))
  return {
    name,
    ecosystem: 'spack',
    recipePath: `packages/${name}/package.py`,
    directory: `packages/${name}`,
    digestInputs: {
      algorithm: DIGEST_ALGORITHM,
      ecosystem: 'spack',
      recipe: 'sha256:0',
      bases: {},
      files: {},
    },
    versions,
    variants: opts.variants ?? [],
    dependencies: opts.deps ?? [],
    patches: [],
    resources: [],
    provides: opts.provides ? [{ specs: opts.provides }] : [],
    conflicts: [],
    requires: [],
    conditionalCode: [],
    unresolved: [],
    ignoredFiles: [],
    inputPaths: [],
  }
}

const dep = (
  spec: string,
  types: DependencyDirective['types'] = ['build', 'link'],
  when?: string,
): DependencyDirective => ({
  name: spec.split(/[@+~%\s]/)[0]!,
  spec,
  types,
  ...(when ? { when } : {}),
})

const table = (...ps: Package[]) => new Map(ps.map((p) => [p.name, p]))
const req = (...specs: string[]) => specs.map((spec, i) => ({ spec, place: `specs.${i}` }))

describe('resolveSpecs', () => {
  it('picks preferred, else the highest non-deprecated finite version', () => {
    const packages = table(
      pkg('a', { versions: ['develop', '2.0', '1.9', '3.0'], deprecated: ['3.0'] }),
      pkg('b', { versions: ['1.0', '2.0'], preferred: '1.0' }),
    )
    const r = resolveSpecs({ packages, requests: req('a', 'b', 'a@:1'), providers: {} })
    expect(r.roots).toEqual(['a@2.0', 'b@1.0', 'a@1.9'])
  })

  it('fills variant defaults, applies requests, and keeps conditional variants only where they hold', () => {
    const packages = table(
      pkg('a', {
        versions: ['1.0', '2.0'],
        variants: [
          { name: 'shared', default: 'true' },
          { name: 'cuda_arch', default: '80', when: '+cuda' },
          { name: 'cuda', default: 'false' },
        ],
      }),
    )
    const r = resolveSpecs({
      packages,
      requests: req('a~shared', 'a+cuda cuda_arch=90'),
      providers: {},
    })
    expect(r.roots).toEqual(['a@2.0~shared', 'a@2.0+cuda cuda_arch=90'])
    expect(r.specs.get('a@2.0~shared')!.variants).toEqual({ shared: 'false', cuda: 'false' })
  })

  it('follows depends_on whose when holds, propagating compiler and os', () => {
    const packages = table(
      pkg('app', {
        deps: [
          dep('lib@2:'),
          dep('cmake', ['build']),
          dep('cuda', ['link'], '+cuda'),
          dep('c', ['build']),
        ],
        variants: [{ name: 'cuda', default: 'false' }],
      }),
      pkg('lib', { versions: ['1.0', '2.0', '2.1'] }),
      pkg('cmake', { versions: ['3.30'] }),
      pkg('cuda'),
    )
    const r = resolveSpecs({ packages, requests: req('app %gcc@13 os=ubuntu24.04'), providers: {} })
    const app = r.specs.get('app@1.0 %gcc@13 os=ubuntu24.04')!
    expect(app.dependencies.map((e) => [e.id, e.types])).toEqual([
      ['cmake@3.30 %gcc@13 os=ubuntu24.04', ['build']],
      ['lib@2.1 %gcc@13 os=ubuntu24.04', ['build', 'link']],
    ])
  })

  it('resolves virtuals through providers; without a preference depends on every provider and says so', () => {
    const packages = table(
      pkg('app', { deps: [dep('mpi')] }),
      pkg('openmpi', { provides: ['mpi'] }),
      pkg('mpich', { provides: ['mpi@3'] }),
    )
    const preferred = resolveSpecs({
      packages,
      requests: req('app'),
      providers: { mpi: 'openmpi' },
    })
    expect(preferred.specs.get('app@1.0')!.dependencies).toEqual([
      { id: 'openmpi@1.0', name: 'openmpi', types: ['build', 'link'], virtuals: ['mpi'] },
    ])
    const all = resolveSpecs({ packages, requests: req('app'), providers: {} })
    expect(all.specs.get('app@1.0')!.dependencies.map((e) => e.id)).toEqual([
      'mpich@1.0',
      'openmpi@1.0',
    ])
    expect(all.notes).toEqual([
      'virtual "mpi" has no preferred provider (set providers.mpi); depending on every provider: mpich, openmpi',
    ])
  })

  it('handles dependency cycles', () => {
    const packages = table(pkg('a', { deps: [dep('b')] }), pkg('b', { deps: [dep('a', ['run'])] }))
    const r = resolveSpecs({ packages, requests: [], providers: {} })
    expect(r.specs.get('a@1.0')!.dependencies.map((e) => e.id)).toEqual(['b@1.0'])
    expect(r.specs.get('b@1.0')!.dependencies.map((e) => e.id)).toEqual(['a@1.0'])
  })

  it('rejects unknown packages, versions and variants in requests with the config place', () => {
    const packages = table(pkg('a', { versions: ['1.0'] }))
    expect(() => resolveSpecs({ packages, requests: req('nope'), providers: {} })).toThrow(
      'specs.0: "nope" is not a package in the recipe repository',
    )
    expect(() => resolveSpecs({ packages, requests: req('a@2:'), providers: {} })).toThrow(
      'specs.0: no version of "a" satisfies @2: (declared: 1.0)',
    )
    expect(() => resolveSpecs({ packages, requests: req('a+x'), providers: {} })).toThrow(
      'specs.0: package "a" has no variant "x"',
    )
  })
})
