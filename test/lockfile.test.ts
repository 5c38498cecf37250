import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import type { ConcreteSpec } from '../src/core/model.js'
import { parseSpecConstraint, satisfies } from '../src/core/spec/constraint.js'
import { specView } from '../src/core/spec-view.js'
import { parseSpackLockfile } from '../src/ecosystems/spack/lockfile.js'

const LOCKFILES = fileURLToPath(new URL('../../shared/corpus/lockfiles/', import.meta.url))
const ALL_PYTHONS = `${LOCKFILES}all-pythons.spack.lock`
const DERECHO = `${LOCKFILES}ncar-derecho.spack.lock.gz`
const SHARED_MISSING = !existsSync(ALL_PYTHONS) || !existsSync(DERECHO)

function lockError(text: string, file = 'envs/a/spack.lock'): UserError {
  try {
    parseSpackLockfile(text, file)
  } catch (e) {
    if (e instanceof UserError) return e
    throw e
  }
  throw new Error('expected the lockfile to be rejected')
}

function byPackage(specs: ConcreteSpec[], name: string): ConcreteSpec[] {
  return specs.filter((s) => s.package === name)
}

/** Checks what every parsed lockfile must hold. */
function checkIntegrity(specs: ConcreteSpec[], roots: string[]): void {
  const ids = new Set(specs.map((s) => s.id))
  expect(ids.size).toBe(specs.length)
  for (const r of roots) expect(ids.has(r), r).toBe(true)
  for (const s of specs) {
    expect(s.id).toMatch(/^[a-z0-9][a-z0-9._+-]*@[^/\s]+\/[a-z0-9]{7,}$/)
    expect(s.id.startsWith(`${s.package}@${s.version}/`)).toBe(true)
    expect(s.origin).toMatch(/^lockfile:[a-z0-9]{32}$/)
    expect(s.origin.slice('lockfile:'.length).startsWith(s.id.split('/')[1] as string)).toBe(true)
    for (const e of s.dependencies) {
      expect(ids.has(e.id), `${s.id} -> ${e.id}`).toBe(true)
      expect(e.types.length).toBeGreaterThan(0)
    }
    for (const k of ['cflags', 'patches', 'namespace']) expect(s.variants[k]).toBeUndefined()
    for (const v of Object.values(s.variants)) expect(typeof v).toBe('string')
  }
}

describe.skipIf(SHARED_MISSING)(
  'real lockfiles (needs ../shared/corpus/lockfiles; skipped when absent)',
  () => {
    it('reads all-pythons (lockfile v6: compilers are dependencies)', () => {
      const lock = parseSpackLockfile(readFileSync(ALL_PYTHONS, 'utf8'), 'all-pythons.spack.lock')
      expect(lock.lockfileVersion).toBe(6)
      expect(lock.specs).toHaveLength(81)
      expect(lock.roots).toHaveLength(9)
      expect(lock.roots.slice(0, 3)).toEqual([
        'python@3.13.5/2myq44h',
        'python@3.11.11/3zyswht',
        'python@3.8.20/5czpebj',
      ])
      checkIntegrity(lock.specs, lock.roots)

      const python = lock.specs.find((s) => s.id === 'python@3.13.5/2myq44h') as ConcreteSpec
      expect(python.compiler).toEqual({ name: 'gcc', version: '13.2.0' })
      expect(python).toMatchObject({
        package: 'python',
        version: '3.13.5',
        platform: 'linux',
        os: 'ubuntu24.04',
        target: 'x86_64_v3',
        origin: 'lockfile:2myq44he5nkui3zyqnb2lgkfgessxwfs',
        parameters: { namespace: 'builtin' },
      })
      expect(python.variants).toMatchObject({
        build_system: 'generic',
        shared: 'true',
        debug: 'false',
      })
      expect(python.dependencies).toContainEqual({
        id: 'gcc@13.2.0/6dzveld',
        name: 'gcc',
        types: ['build'],
        virtuals: ['c', 'cxx'],
      })
      expect(python.dependencies).toContainEqual({
        id: 'bzip2@1.0.8/ew5m6ms',
        name: 'bzip2',
        types: ['build', 'link'],
      })

      const gcc = lock.specs.find((s) => s.id === 'gcc@13.2.0/6dzveld') as ConcreteSpec
      expect(gcc.external).toEqual({ path: '/usr' })
      expect(gcc.variants['languages']).toBe('c,c++,fortran')
      expect(gcc.compiler).toBeUndefined()
      expect(gcc.dependencies).toEqual([])
      expect(lock.specs.filter((s) => s.external)).toHaveLength(4)

      const [readline] = byPackage(lock.specs, 'readline')
      expect(readline?.lockedPatches).toEqual([
        '21f0a03106dbe697337cd25c70eb0edbaa2bdb6d595b45f83285cdd35bac84de',
      ])
    })

    it('reads ncar-derecho (lockfile v5: compiler as a spec attribute)', () => {
      const text = gunzipSync(readFileSync(DERECHO)).toString('utf8')
      const lock = parseSpackLockfile(text, 'ncar-derecho.spack.lock')
      expect(lock.lockfileVersion).toBe(5)
      expect(lock.specs).toHaveLength(1238)
      expect(lock.roots).toHaveLength(681)
      expect(lock.roots[0]).toBe('libfabric@1.15.2/6kcbmeb')
      checkIntegrity(lock.specs, lock.roots)

      const libfabric = lock.specs.find((s) => s.id === 'libfabric@1.15.2/6kcbmeb') as ConcreteSpec
      expect(libfabric).toMatchObject({
        compiler: { name: 'gcc', version: '7.5.0' },
        platform: 'linux',
        os: 'sles15',
        target: 'x86_64_v3',
        external: { path: '/opt/cray/libfabric/1.15.2.0' },
        variants: { fabrics: 'cxi,sockets,tcp,udp', kdreg: 'false' },
      })
      const compilers = new Set(lock.specs.map((s) => s.compiler?.name))
      expect([...compilers].sort()).toEqual(['cce', 'gcc', 'nvhpc', 'oneapi'])

      const libsci = lock.specs.find((s) => s.external?.['module'] !== undefined)
      expect(libsci?.external?.['module']).toMatch(/^cray-libsci\/23\./)

      const [autoconf] = byPackage(lock.specs, 'autoconf')
      expect(autoconf?.lockedPatches).toEqual([
        '35c449281546376449766f92d49fc121ca50e330e60fefcfc9be2af3253082c2',
        '7793209b33013dc0f81208718c68440c5aae80e7a1c4b8d336e382525af791a7',
        'a49dd5bac3b62daa0ff688ab4d508d71dbd2f4f8d7e2a02321926346161bf3ee',
      ])
      const withFlags = lock.specs.find((s) => s.parameters['cflags'] !== undefined)
      expect(withFlags?.parameters['cflags']).toBe('-std=c90 -Wno-error=int-conversion')
      expect(withFlags?.parameters['cxxflags']).toBeUndefined() // empty flags are left out

      const python = byPackage(lock.specs, 'python')[0] as ConcreteSpec
      expect(python.dependencies).toContainEqual(
        expect.objectContaining({ name: 'pkg-config', types: ['build'], virtuals: ['pkgconfig'] }),
      )
    })

    it('feeds satisfies() through spec views', () => {
      const v6 = parseSpackLockfile(readFileSync(ALL_PYTHONS, 'utf8'), 'all-pythons.spack.lock')
      const table = new Map(v6.specs.map((s) => [s.id, s]))
      const python = specView(table.get('python@3.13.5/2myq44h')!, table)
      if (!python) throw new Error('python view missing')
      const sat = (text: string): boolean => satisfies(python, parseSpecConstraint(text))
      expect(sat('python@3.13:+shared build_system=generic')).toBe(true)
      expect(sat('python@:3.12')).toBe(false)
      expect(sat('%gcc@13')).toBe(true)
      expect(sat('%c=gcc')).toBe(true)
      expect(sat('%clang')).toBe(false)
      expect(sat('^[virtuals=libc] glibc')).toBe(true)
      expect(sat('^pkgconfig')).toBe(true)
      expect(sat('^pkgconf@2:')).toBe(true)
      expect(sat('^ncurses@6.5')).toBe(true)
      expect(sat('platform=linux os=ubuntu24.04 target=x86_64:')).toBe(true)
      expect(sat('target=aarch64:')).toBe(false)
      expect(sat('/2myq44h')).toBe(true)
      expect(sat('^mpi')).toBe(false)

      const v5 = parseSpackLockfile(gunzipSync(readFileSync(DERECHO)).toString('utf8'), 'derecho')
      const v5table = new Map(v5.specs.map((s) => [s.id, s]))
      const libfabric = specView(v5table.get('libfabric@1.15.2/6kcbmeb')!, v5table)
      if (!libfabric) throw new Error('libfabric view missing')
      expect(satisfies(libfabric, parseSpecConstraint('libfabric@1.15 %gcc@7.5.0'))).toBe(true)
      expect(satisfies(libfabric, parseSpecConstraint('fabrics=cxi,tcp'))).toBe(true)
      expect(satisfies(libfabric, parseSpecConstraint('%gcc@12:'))).toBe(false)
      const oneapi = v5.specs.find((s) => s.compiler?.name === 'oneapi') as ConcreteSpec
      const oneapiView = specView(oneapi, v5table)
      if (!oneapiView) throw new Error('oneapi view missing')
      // the legacy compiler name and the Spack 1.x package name both match
      expect(satisfies(oneapiView, parseSpecConstraint('%oneapi'))).toBe(true)
      expect(satisfies(oneapiView, parseSpecConstraint('%intel-oneapi-compilers'))).toBe(true)
    })
  },
)

/** A small lockfile in the v4 shape: dependency `type` lists, a target object. */
function v4Lockfile(): Record<string, unknown> {
  return {
    _meta: { 'file-type': 'spack-lockfile', 'lockfile-version': 4, 'specfile-version': 3 },
    roots: [{ hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spec: 'app' }],
    concrete_specs: {
      aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {
        name: 'app',
        version: '1.0',
        arch: {
          platform: 'linux',
          platform_os: 'rhel8',
          target: { name: 'skylake_avx512', vendor: 'GenuineIntel', features: ['avx512f'] },
        },
        compiler: { name: 'gcc', version: '=11.2.0' },
        namespace: 'site',
        parameters: {
          shared: true,
          cuda_arch: ['80', '90'],
          build_type: 'Release',
          cflags: ['-O3', '-march=native'],
          ldflags: [],
          patches: ['p1', 'p2'],
        },
        dependencies: [
          { name: 'zlib', hash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', type: ['build', 'link'] },
          { name: 'cmake', hash: 'ccccccccccccccccccccccccccccccc1', type: ['build'] },
        ],
        hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      },
      bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: {
        name: 'zlib',
        version: '1.3.1',
        arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
        parameters: {},
        external: { path: '/usr', module: ['zlib/1.3', 'base'] },
        hash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      },
      ccccccccccccccccccccccccccccccc1: {
        name: 'cmake',
        version: '3.30.0',
        arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
        parameters: {},
        hash: 'ccccccccccccccccccccccccccccccc1',
      },
      ccccccccccccccccccccccccccccccc2: {
        name: 'cmake',
        version: '3.30.0',
        arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
        parameters: {},
        hash: 'ccccccccccccccccccccccccccccccc2',
      },
    },
  }
}

describe('parseSpackLockfile', () => {
  it('reads the v4 shape (dependency type lists, target objects)', () => {
    const lock = parseSpackLockfile(JSON.stringify(v4Lockfile()), 'spack.lock')
    expect(lock.lockfileVersion).toBe(4)
    expect(lock.roots).toEqual(['app@1.0/aaaaaaa'])
    const app = lock.specs[0] as ConcreteSpec
    expect(app).toEqual({
      id: 'app@1.0/aaaaaaa',
      package: 'app',
      version: '1.0',
      variants: { shared: 'true', cuda_arch: '80,90', build_type: 'Release' },
      parameters: { cflags: '-O3 -march=native', namespace: 'site' },
      compiler: { name: 'gcc', version: '11.2.0' },
      platform: 'linux',
      os: 'rhel8',
      target: 'skylake_avx512',
      dependencies: [
        { id: 'zlib@1.3.1/bbbbbbb', name: 'zlib', types: ['build', 'link'] },
        // two cmake@3.30.0 hashes share 31 characters: the id grows until it is unique
        { id: 'cmake@3.30.0/ccccccccccccccccccccccccccccccc1', name: 'cmake', types: ['build'] },
      ],
      lockedPatches: ['p1', 'p2'],
      origin: 'lockfile:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    })
    expect(lock.specs[1]?.external).toEqual({ path: '/usr', module: 'zlib/1.3,base' })
    expect(lock.specs.map((s) => s.id)).toEqual([
      'app@1.0/aaaaaaa',
      'zlib@1.3.1/bbbbbbb',
      'cmake@3.30.0/ccccccccccccccccccccccccccccccc1',
      'cmake@3.30.0/ccccccccccccccccccccccccccccccc2',
    ])
  })

  it('reads the old dependency map shape ({name: {hash, type}})', () => {
    const doc = v4Lockfile()
    const specs = doc['concrete_specs'] as Record<string, Record<string, unknown>>
    const app = specs['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'] as Record<string, unknown>
    app['dependencies'] = { zlib: { hash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', type: ['link'] } }
    const lock = parseSpackLockfile(JSON.stringify(doc), 'spack.lock')
    expect(lock.specs[0]?.dependencies).toEqual([
      { id: 'zlib@1.3.1/bbbbbbb', name: 'zlib', types: ['link'] },
    ])
  })

  it('rejects unsupported lockfile versions', () => {
    const e = lockError(
      JSON.stringify({ _meta: { 'lockfile-version': 7 }, roots: [], concrete_specs: {} }),
    )
    expect(e.kind).toBe('lockfile')
    expect(e.place).toBe('envs/a/spack.lock')
    expect(e.message).toBe('envs/a/spack.lock: unsupported lockfile version 7 (supported: 4, 5, 6)')
    expect(lockError(JSON.stringify({ roots: [], concrete_specs: {} })).message).toBe(
      'envs/a/spack.lock: unsupported lockfile version missing (supported: 4, 5, 6)',
    )
    expect(
      lockError(JSON.stringify({ _meta: { 'lockfile-version': 3 }, concrete_specs: {} })).message,
    ).toBe('envs/a/spack.lock: unsupported lockfile version 3 (supported: 4, 5, 6)')
  })

  it('rejects invalid JSON with its position', () => {
    const e = lockError('{\n  "_meta": {"lockfile-version": 6},\n  "roots": [,]\n}')
    expect(e.kind).toBe('lockfile')
    expect(e.place).toBe('envs/a/spack.lock')
    expect(e.message).toMatch(
      /^envs\/a\/spack\.lock: invalid JSON at line 3, column 13: Unexpected token/,
    )
    // the wording after the position is V8's
    expect(lockError('{"a": 1').message).toMatch(
      /^envs\/a\/spack\.lock: invalid JSON at line 1, column 8: \S/,
    )
    expect(lockError('').message).toMatch(
      /^envs\/a\/spack\.lock: invalid JSON at line 1, column 1: \S/,
    )
    expect(lockError('{"roots": []} x').message).toMatch(
      /^envs\/a\/spack\.lock: invalid JSON at line 1, column 15: \S/,
    )
  })

  it('rejects broken structure with the path of the field', () => {
    const doc = v4Lockfile()
    const specs = doc['concrete_specs'] as Record<string, Record<string, unknown>>
    delete specs['bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb']
    expect(lockError(JSON.stringify(doc)).message).toBe(
      'envs/a/spack.lock: concrete_specs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dependencies[0]: ' +
        'dependency zlib/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb is not in concrete_specs',
    )

    const bad = v4Lockfile()
    const app = (bad['concrete_specs'] as Record<string, Record<string, unknown>>)[
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    ] as Record<string, unknown>
    app['dependencies'] = [
      { name: 'zlib', hash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', type: ['lnk'] },
    ]
    expect(lockError(JSON.stringify(bad)).message).toBe(
      'envs/a/spack.lock: concrete_specs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dependencies[0].deptypes: ' +
        'unknown deptype "lnk"',
    )

    app['dependencies'] = []
    app['version'] = 12
    expect(lockError(JSON.stringify(bad)).message).toBe(
      'envs/a/spack.lock: concrete_specs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.version: ' +
        'expected a string, got number 12',
    )

    const noRoot = v4Lockfile()
    noRoot['roots'] = [{ hash: 'ffffffffffffffffffffffffffffffff', spec: 'gone' }]
    expect(lockError(JSON.stringify(noRoot)).message).toBe(
      'envs/a/spack.lock: roots[0]: root ffffffffffffffffffffffffffffffff is not in concrete_specs',
    )
    expect(lockError('[1, 2]').message).toBe(
      'envs/a/spack.lock: expected a JSON object, got a list',
    )
    expect(lockError(JSON.stringify({ _meta: { 'lockfile-version': 5 }, roots: [] })).message).toBe(
      'envs/a/spack.lock: concrete_specs: expected an object, got nothing',
    )
  })
})
