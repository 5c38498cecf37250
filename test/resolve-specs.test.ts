import { describe, expect, it } from 'vitest'
import { DIGEST_ALGORITHM } from '../src/core/canonical-encode.js'
import type {
  DependencyDirective,
  Package,
  VariantDirective,
  VersionDirective,
} from '../src/core/model.js'
import { resolveSpecs, reusableFrom } from '../src/core/resolve-specs.js'

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

const depsOf = (r: ReturnType<typeof resolveSpecs>, id: string) =>
  r.specs.get(id)!.dependencies.map((e) => e.id)

describe('resolveSpecs: concretizer.unify', () => {
  // zlib pinned by a root; openssl and curl depend on any zlib
  const packages = table(
    pkg('zlib', { versions: ['1.3.2', '1.3.1', '1.2.13'] }),
    pkg('openssl', { versions: ['3.6.0', '3.5.0'], deps: [dep('zlib')] }),
    pkg('curl', { versions: ['8.11.0'], deps: [dep('zlib'), dep('openssl')] }),
  )

  it('false: every request and edge on its own (a second zlib for the dependents)', () => {
    const r = resolveSpecs({
      packages,
      requests: req('zlib@1.3.1', 'openssl', 'curl'),
      providers: {},
      unify: false,
    })
    expect([...r.specs.keys()].sort()).toEqual([
      'curl@8.11.0',
      'openssl@3.6.0',
      'zlib@1.3.1',
      'zlib@1.3.2',
    ])
    expect(depsOf(r, 'openssl@3.6.0')).toEqual(['zlib@1.3.2'])
  })

  it('true: one node per package across the requests, satisfying every constraint', () => {
    const r = resolveSpecs({
      packages,
      requests: req('zlib@1.3.1', 'openssl', 'curl'),
      providers: {},
      unify: true,
    })
    expect([...r.specs.keys()].sort()).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1'])
    expect(depsOf(r, 'openssl@3.6.0')).toEqual(['zlib@1.3.1'])
    expect(depsOf(r, 'curl@8.11.0')).toEqual(['openssl@3.6.0', 'zlib@1.3.1'])
    expect(r.roots).toEqual(['zlib@1.3.1', 'openssl@3.6.0', 'curl@8.11.0'])
    // a dependency constraint moves an unpinned request; variants unify too
    const withVariant = table(
      pkg('zlib', {
        versions: ['1.3.1', '1.2.13'],
        variants: [{ name: 'shared', default: 'true' }],
      }),
      pkg('old', { deps: [dep('zlib@:1.2~shared')] }),
    )
    const u = resolveSpecs({
      packages: withVariant,
      requests: req('zlib', 'old'),
      providers: {},
      unify: true,
    })
    expect([...u.specs.keys()].sort()).toEqual(['old@1.0', 'zlib@1.2.13~shared'])
    // requests folded into one node are named
    const folded = resolveSpecs({
      packages: withVariant,
      requests: req('zlib', 'zlib~shared'),
      providers: {},
      unify: true,
    })
    expect(folded.roots).toEqual(['zlib@1.3.1~shared'])
    expect(folded.notes).toEqual([
      'concretizer.unify: specs.0 "zlib", specs.1 "zlib~shared" are one node, zlib@1.3.1~shared',
    ])
  })

  it('true: requests that cannot share a node are an error naming them', () => {
    expect(() =>
      resolveSpecs({
        packages,
        requests: req('zlib@1.3.1', 'curl', 'zlib@1.2.13'),
        providers: {},
        unify: true,
      }),
    ).toThrow(
      'concretizer.unify: specs.0 "zlib@1.3.1" and specs.2 "zlib@1.2.13" cannot be unified: no single zlib satisfies both (set concretizer.unify to when_possible or false to give them their own nodes)',
    )
    // other contexts (compiler, os) are other nodes: no conflict
    const r = resolveSpecs({
      packages,
      requests: req('zlib@1.3.1 %gcc@13', 'zlib@1.2.13 %clang@17'),
      providers: {},
      unify: true,
    })
    expect(r.roots).toEqual(['zlib@1.3.1 %gcc@13', 'zlib@1.2.13 %clang@17'])
    // the lenient base side skips the request instead
    const base = resolveSpecs({
      packages,
      requests: req('zlib@1.3.1', 'zlib@1.2.13'),
      providers: {},
      unify: true,
      skipUnknownRoots: true,
    })
    expect(base.roots).toEqual(['zlib@1.3.1'])
    expect(base.notes[0]).toMatch(/^base: concretizer\.unify: specs\.0 "zlib@1\.3\.1" and specs\.1/)
  })

  it('true: a dependency constraint the unified node cannot meet gets its own node, with a note', () => {
    const r = resolveSpecs({
      packages: table(
        pkg('zlib', { versions: ['1.3.1', '1.2.13'] }),
        pkg('old', { deps: [dep('zlib@:1.2')] }),
      ),
      requests: req('zlib@1.3.1', 'old'),
      providers: {},
      unify: true,
    })
    expect(depsOf(r, 'old@1.0')).toEqual(['zlib@1.2.13'])
    expect(r.notes).toEqual([
      'zlib: packages/old/package.py asks for "zlib@:1.2", which does not fit the unified zlib@1.3.1: resolved on its own',
    ])
  })

  it('when_possible: conflicting requests form another group, unified within itself', () => {
    const requests = req('zlib@1.3.1', 'openssl@3.6.0', 'curl', 'zlib@1.2.13', 'openssl@3.5.0')
    const r = resolveSpecs({ packages, requests, providers: {}, unify: 'when_possible' })
    expect(depsOf(r, 'openssl@3.6.0')).toEqual(['zlib@1.3.1'])
    expect(depsOf(r, 'curl@8.11.0')).toEqual(['openssl@3.6.0', 'zlib@1.3.1'])
    expect(depsOf(r, 'openssl@3.5.0')).toEqual(['zlib@1.2.13'])
    expect(r.roots).toEqual([
      'zlib@1.3.1',
      'openssl@3.6.0',
      'curl@8.11.0',
      'zlib@1.2.13',
      'openssl@3.5.0',
    ])
    const separate = resolveSpecs({ packages, requests, providers: {}, unify: false })
    expect(depsOf(separate, 'openssl@3.5.0')).toEqual(['zlib@1.3.2'])
  })

  it('without requests every package resolves on its own, whatever unify says', () => {
    const r = resolveSpecs({ packages, requests: [], providers: {}, unify: true })
    expect(r.roots).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.2'])
  })
})

describe('resolveSpecs: concretizer.reuse', () => {
  const zlib = (opts: { versions?: string[]; deprecated?: string[] } = {}) =>
    table(
      pkg('zlib', { versions: opts.versions ?? ['1.3.2', '1.3.1', '1.2.13'], ...opts }),
      pkg('openssl', { deps: [dep('zlib')] }),
    )
  const kept = (...entries: [string, string, { base?: boolean; mirror?: boolean }][]) => {
    const m = new Map<string, { version: string; base?: boolean; mirror?: boolean }[]>()
    for (const [key, version, flags] of entries)
      m.set(key, [...(m.get(key) ?? []), { version, ...flags }])
    return m
  }

  it('keeps a reusable version while it exists and is not deprecated; says why it moved', () => {
    const reuse = kept(['zlib||||', '1.3.1', { base: true }])
    const r = resolveSpecs({ packages: zlib(), requests: req('openssl'), providers: {}, reuse })
    expect(depsOf(r, 'openssl@1.0')).toEqual(['zlib@1.3.1'])
    expect(r.specs.get('zlib@1.3.1')!.moved).toBeUndefined()
    const deprecated = resolveSpecs({
      packages: zlib({ deprecated: ['1.3.1'] }),
      requests: req('openssl'),
      providers: {},
      reuse,
    })
    expect(depsOf(deprecated, 'openssl@1.0')).toEqual(['zlib@1.3.2'])
    expect(deprecated.specs.get('zlib@1.3.2')!.moved).toEqual({
      from: '1.3.1',
      why: 'deprecated',
      source: 'base',
    })
    const removed = resolveSpecs({
      packages: zlib({ versions: ['1.3.2', '1.2.13'] }),
      requests: req('openssl'),
      providers: {},
      reuse,
    })
    expect(removed.specs.get('zlib@1.3.2')!.moved).toMatchObject({ from: '1.3.1', why: 'removed' })
    // a request that pins a version is not moved by reuse
    const pinned = resolveSpecs({
      packages: zlib(),
      requests: req('zlib@1.2.13'),
      providers: {},
      reuse,
    })
    expect(pinned.roots).toEqual(['zlib@1.2.13'])
    expect(pinned.specs.get('zlib@1.2.13')!.moved).toBeUndefined()
  })

  it('prefers versions the base chose and the mirror holds, then the base, then the mirror; never develop', () => {
    const packages = table(
      pkg('zlib', { versions: ['develop', '1.3.2', '1.3.1', '1.3', '1.2.13'] }),
    )
    const pick = (reuse: ReturnType<typeof kept>) =>
      resolveSpecs({ packages, requests: req('zlib'), providers: {}, reuse }).roots
    expect(pick(kept(['zlib||||', '1.2.13', { mirror: true }]))).toEqual(['zlib@1.2.13'])
    expect(
      pick(kept(['zlib||||', '1.2.13', { mirror: true }], ['zlib||||', '1.3', { base: true }])),
    ).toEqual(['zlib@1.3'])
    expect(
      pick(
        kept(
          ['zlib||||', '1.3.1', { base: true }],
          ['zlib||||', '1.3', { base: true, mirror: true }],
        ),
      ),
    ).toEqual(['zlib@1.3'])
    expect(pick(kept(['zlib||||', 'develop', { base: true }]))).toEqual(['zlib@1.3.2'])
    // another context is another key
    expect(pick(kept(['zlib|gcc@13|||', '1.2.13', { mirror: true }]))).toEqual(['zlib@1.3.2'])
  })

  it('a deprecated version the base chose by name is kept for that request only (no false move)', () => {
    const packages = table(
      pkg('zlib', { versions: ['1.3.2', '1.3.1'], deprecated: ['1.3.2'] }),
      pkg('openssl', { deps: [dep('zlib')] }),
    )
    const base = resolveSpecs({ packages, requests: req('zlib@1.3.2', 'openssl'), providers: {} })
    expect(base.specs.get('zlib@1.3.2')!.deprecated).toBe(true)
    const reuse = reusableFrom(base.specs.values(), undefined)
    expect(reuse.get('zlib||||')).toEqual([
      { version: '1.3.2', base: true, deprecated: true },
      { version: '1.3.1', base: true },
    ])
    expect(base.sameWith(reuse)).toBe(true)
    const head = resolveSpecs({
      packages,
      requests: req('zlib@1.3.2', 'openssl'),
      providers: {},
      reuse,
    })
    expect(depsOf(head, 'openssl@1.0')).toEqual(['zlib@1.3.1'])
    expect(head.specs.get('zlib@1.3.1')!.moved).toBeUndefined()
  })

  it('sameWith replays every version choice with other reusable versions', () => {
    const r = resolveSpecs({ packages: zlib(), requests: req('openssl'), providers: {} })
    expect(r.sameWith(undefined)).toBe(true)
    expect(r.sameWith(kept(['zlib||||', '1.3.2', { base: true }]))).toBe(true)
    expect(r.sameWith(kept(['zlib||||', '1.3.1', { base: true }]))).toBe(false)
  })
})

describe('resolveSpecs: virtual providers', () => {
  const packages = table(
    pkg('app', { deps: [dep('mpi'), dep('zlib-api')] }),
    pkg('mpich', { provides: ['mpi@3'] }),
    pkg('openmpi', { provides: ['mpi'] }),
    pkg('mvapich', { provides: ['mpi'] }),
    // a Spack virtual package recipe (`virtual = True`): no versions
    pkg('mpi', { versions: [] }),
    pkg('zlib', { provides: ['zlib-api'] }),
    pkg('zlib-ng', {
      provides: ['zlib-api'],
      variants: [{ name: 'compat', default: 'false' }],
    }),
  )
  const defaults = { mpi: ['openmpi', 'mpich'], 'zlib-api': ['zlib-ng+compat', 'zlib'] }

  it('the first default provider that is a package providing the virtual wins, with the variants it names', () => {
    const r = resolveSpecs({
      packages,
      requests: req('app'),
      providers: {},
      defaultProviders: defaults,
    })
    expect(r.specs.get('app@1.0')!.dependencies).toEqual([
      { id: 'openmpi@1.0', name: 'openmpi', types: ['build', 'link'], virtuals: ['mpi'] },
      {
        id: 'zlib-ng@1.0+compat',
        name: 'zlib-ng',
        types: ['build', 'link'],
        virtuals: ['zlib-api'],
      },
    ])
    expect(r.notes).toEqual([])
    const missing = resolveSpecs({
      packages,
      requests: req('app'),
      providers: {},
      // nope is no package, zlib provides no mpi
      defaultProviders: { mpi: ['nope', 'zlib', 'mpich'], 'zlib-api': ['zlib'] },
    })
    expect(depsOf(missing, 'app@1.0')).toEqual(['mpich@1.0', 'zlib@1.0'])
  })

  it('the config overrides the defaults (a name or a list); a provider that is no package is an error', () => {
    const r = resolveSpecs({
      packages,
      requests: req('app'),
      providers: { mpi: 'mvapich', 'zlib-api': ['zlib-ng', 'zlib'] },
      defaultProviders: defaults,
    })
    expect(depsOf(r, 'app@1.0')).toEqual(['mvapich@1.0', 'zlib-ng@1.0'])
    expect(() =>
      resolveSpecs({
        packages,
        requests: req('app'),
        providers: { mpi: ['nope', 'none'] },
        defaultProviders: defaults,
      }),
    ).toThrow(
      'providers.mpi: none of the providers "nope", "none" is a package in the recipe repository',
    )
  })
})
