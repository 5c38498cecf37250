/**
 * `concretizer: {unify, reuse}` and Spack's default provider preferences (issue 8 §6), each on a
 * real git repository: the root `zlib@1.3.1` with openssl and curl depending on any zlib, a new
 * zlib version, the reused version deprecated or removed, conflicting requests, a mirror without a
 * base commit, and a virtual with several providers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Plan } from '../src/core/plan.js'
import { runPlan } from '../src/engine/plan-engine.js'
import { openMirror } from '../src/mirror/index.js'
import { describeReasons } from '../src/render/reason-text.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { BS, GENERIC, PKG, ROOT } from './support/spack-fixture.js'

const recipe = (cls: string, body: string): string =>
  `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class ${cls}(Package):
${body}
    def install(self, spec, prefix):
        make("install")
`

const ZLIB_VERSIONS = ['1.3.1', '1.2.13']
/** zlib's recipe with `versions` (each its own checksum), `deprecated` ones marked so. */
const zlib = (versions: readonly string[] = ZLIB_VERSIONS, deprecated = ''): string =>
  recipe(
    'Zlib',
    versions
      .map(
        (v) =>
          `    version("${v}", sha256="${v.replace(/\./g, '')}"${deprecated === v ? ', deprecated=True' : ''})\n`,
      )
      .join(''),
  )
const OPENSSL = recipe(
  'Openssl',
  `    version("3.6.0", sha256="1111")
    version("3.5.0", sha256="2222")

    depends_on("zlib", type=("build", "link"))
`,
)
const CURL = recipe(
  'Curl',
  `    version("8.11.0", sha256="3333")

    depends_on("zlib", type=("build", "link"))
    depends_on("openssl", type=("build", "link"))
`,
)

const config = (specs: readonly string[], extra = ''): string => `ecosystem: spack
recipes: ${PKG}
buildSystems: ${BS}
specs: [${specs.map((s) => JSON.stringify(s)).join(', ')}]
${extra}`

const files = (cfg: string, zlibText = zlib()): Record<string, string> => ({
  '.binary-check.yml': cfg,
  [`${ROOT}/__init__.py`]: '',
  [`${BS}/__init__.py`]: '',
  [`${BS}/generic.py`]: GENERIC,
  [`${PKG}/zlib/package.py`]: zlibText,
  [`${PKG}/openssl/package.py`]: OPENSSL,
  [`${PKG}/curl/package.py`]: CURL,
})

let fx: GitFixture | undefined
const temps: string[] = []
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true })
})

/** Commit `initial`, apply `change`, commit, plan base..head. */
async function planChange(
  initial: Record<string, string>,
  change: (fx: GitFixture) => Promise<void>,
): Promise<Plan> {
  fx = await createGitFixture(initial)
  const base = (await fx.git('rev-parse', 'HEAD')).trim()
  await change(fx)
  const head = await fx.commit('change')
  return (await runPlan({ repo: fx.dir, base, head })).plan
}

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()
const ids = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status !== 'removed')
    .map((s) => s.id)
    .sort()
const depsOf = (plan: Plan, id: string): string[] =>
  plan.specs.find((s) => s.id === id)!.dependencies
const spec = (plan: Plan, id: string) => plan.specs.find((s) => s.id === id)!

const addZlib132 =
  (versions = ['1.3.2', ...ZLIB_VERSIONS], deprecated = '') =>
  async (fx: GitFixture) =>
    fx.write(`${PKG}/zlib/package.py`, zlib(versions, deprecated))

describe('concretizer.unify', () => {
  it('true (the default): the root zlib@1.3.1 is the zlib of openssl and curl; a new zlib rebuilds nothing, even without reuse', async () => {
    for (const extra of ['', 'concretizer: { reuse: false }\n']) {
      const plan = await planChange(
        files(config(['zlib@1.3.1', 'openssl', 'curl'], extra)),
        addZlib132(),
      )
      expect(ids(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1'])
      expect(depsOf(plan, 'openssl@3.6.0')).toEqual(['zlib@1.3.1'])
      expect(depsOf(plan, 'curl@8.11.0')).toEqual(['openssl@3.6.0', 'zlib@1.3.1'])
      expect(building(plan)).toEqual([])
      await fx!.cleanup()
      fx = undefined
    }
  })

  it('false with reuse: false is the old behaviour: a second zlib, and openssl and curl rebuild', async () => {
    const plan = await planChange(
      files(
        config(['zlib@1.3.1', 'openssl', 'curl'], 'concretizer: { unify: false, reuse: false }\n'),
      ),
      addZlib132(),
    )
    expect(ids(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1', 'zlib@1.3.2'])
    expect(building(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.2'])
    expect(spec(plan, 'openssl@3.6.0').reasons).toContainEqual({
      kind: 'dependency',
      dependency: 'zlib@1.3.2',
      change: 'added',
      chain: ['zlib@1.3.2'],
      cause: [],
    })
  })

  it('false with reuse: the dependents keep the zlib the base resolved them to', async () => {
    const plan = await planChange(
      files(config(['zlib@1.3.1', 'openssl', 'curl'], 'concretizer: { unify: false }\n')),
      addZlib132(),
    )
    expect(building(plan)).toEqual([])
    expect(depsOf(plan, 'openssl@3.6.0')).toEqual(['zlib@1.3.1'])
  })

  it('true: requests that cannot be unified are a one-line error naming them', async () => {
    fx = await createGitFixture(files(config(['zlib@1.3.1', 'openssl', 'curl', 'zlib@1.2.13'])))
    await expect(runPlan({ repo: fx.dir, head: 'HEAD' })).rejects.toThrow(
      /^concretizer\.unify: specs\.0 "zlib@1\.3\.1" and specs\.3 "zlib@1\.2\.13" cannot be unified: no single zlib satisfies both \(set concretizer\.unify to when_possible or false to give them their own nodes\)$/,
    )
  })

  it('when_possible: conflicting requests get their own nodes, unified among themselves', async () => {
    const specs = ['zlib@1.3.1', 'openssl@3.6.0', 'curl', 'zlib@1.2.13', 'openssl@3.5.0']
    const plan = await planChange(
      files(config(specs, 'concretizer: { unify: when_possible }\n')),
      async () => {},
    )
    expect(ids(plan)).toEqual([
      'curl@8.11.0',
      'openssl@3.5.0',
      'openssl@3.6.0',
      'zlib@1.2.13',
      'zlib@1.3.1',
    ])
    expect(depsOf(plan, 'openssl@3.6.0')).toEqual(['zlib@1.3.1'])
    expect(depsOf(plan, 'curl@8.11.0')).toEqual(['openssl@3.6.0', 'zlib@1.3.1'])
    expect(depsOf(plan, 'openssl@3.5.0')).toEqual(['zlib@1.2.13'])
  })
})

describe('concretizer.reuse', () => {
  const UNPINNED = files(config(['zlib', 'openssl', 'curl']))

  it('adding a newer version rebuilds nothing; reuse: false moves everything to it', async () => {
    let plan = await planChange(UNPINNED, addZlib132())
    expect(ids(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1'])
    expect(building(plan)).toEqual([])
    await fx!.cleanup()
    plan = await planChange(
      files(config(['zlib', 'openssl', 'curl'], 'concretizer: { reuse: false }\n')),
      addZlib132(),
    )
    expect(building(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.2'])
  })

  it('deprecating the reused version moves it, and the plan says why', async () => {
    const plan = await planChange(UNPINNED, addZlib132(undefined, '1.3.1'))
    expect(building(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.2'])
    const moved = {
      kind: 'reuse',
      package: 'zlib',
      old: '1.3.1',
      new: '1.3.2',
      why: 'deprecated',
      source: 'base',
    }
    expect(spec(plan, 'zlib@1.3.2').reasons).toEqual([
      moved,
      { kind: 'missing', detail: 'not in the base commit' },
    ])
    expect(spec(plan, 'openssl@3.6.0').reasons).toContainEqual({
      kind: 'dependency',
      dependency: 'zlib@1.3.2',
      change: 'added',
      chain: ['zlib@1.3.2'],
      cause: [moved],
    })
    expect(describeReasons(spec(plan, 'openssl@3.6.0').reasons)).toContain(
      'dependency zlib@1.3.2 added: zlib: reused version 1.3.1 was deprecated → 1.3.2',
    )
    expect(spec(plan, 'zlib@1.3.1').status).toBe('removed')
  })

  it('removing the reused version moves it to the next best, and says so', async () => {
    const plan = await planChange(UNPINNED, addZlib132(['1.2.13']))
    expect(ids(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.2.13'])
    expect(spec(plan, 'zlib@1.2.13').reasons[0]).toEqual({
      kind: 'reuse',
      package: 'zlib',
      old: '1.3.1',
      new: '1.2.13',
      why: 'removed',
      source: 'base',
    })
    expect(describeReasons(spec(plan, 'zlib@1.2.13').reasons)).toBe(
      'zlib: reused version 1.3.1 was removed → 1.2.13; not in the base commit',
    )
  })

  it('with a mirror and no base: prefers the version the mirror holds', async () => {
    const work = await mkdtemp(join(tmpdir(), 'binary-check-reuse-mirror-'))
    temps.push(work)
    const mirror = join(work, 'mirror')
    fx = await createGitFixture(UNPINNED)
    const first = await runPlan({ repo: fx.dir, head: 'HEAD', mirror })
    const artifact = join(work, 'artifact')
    await writeFile(artifact, 'binary\n')
    const m = openMirror(mirror)
    for (const s of first.plan.specs)
      await m.record({
        entry: {
          spec: s.id,
          package: s.package,
          version: s.version,
          digest: s.digest!,
          ...(s.inputs ? { inputs: s.inputs } : {}),
        },
        artifactPath: artifact,
        now: new Date('2026-01-01T00:00:00Z'),
      })
    await m.writeIndex()
    await addZlib132()(fx)
    const head = await fx.commit('zlib: add 1.3.2')
    const plan = (await runPlan({ repo: fx.dir, head, mirror })).plan
    expect(ids(plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1'])
    expect(building(plan)).toEqual([])
    // with a base too, the base keeps what the mirror holds, and the head what the base chose
    await fx.write(
      `${PKG}/openssl/package.py`,
      OPENSSL.replace('make("install")', 'make("install", "-j2")'),
    )
    const next = await fx.commit('openssl: install')
    const ranged = (await runPlan({ repo: fx.dir, base: head, head: next, mirror })).plan
    expect(ids(ranged)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.1'])
    expect(building(ranged)).toEqual(['curl@8.11.0', 'openssl@3.6.0'])
    // without reuse, the newest version: not in the mirror
    await fx.write(
      '.binary-check.yml',
      config(['zlib', 'openssl', 'curl'], 'concretizer: { reuse: false }\n'),
    )
    const noReuse = (await runPlan({ repo: fx.dir, head: await fx.commit('no reuse'), mirror }))
      .plan
    expect(building(noReuse)).toEqual(['curl@8.11.0', 'openssl@3.6.0', 'zlib@1.3.2'])
  })

  it('a head planned with reuse is read back from the tree cache as the next run’s base', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'binary-check-reuse-cache-'))
    temps.push(cacheDir)
    fx = await createGitFixture(UNPINNED)
    const a = (await fx.git('rev-parse', 'HEAD')).trim()
    // a new recipe: the head is digested in full (resolved keeping the base's versions)
    await fx.write(
      `${PKG}/libpsl/package.py`,
      recipe('Libpsl', '    version("0.21", sha256="6666")\n'),
    )
    const b = await fx.commit('libpsl: new package')
    await fx.write(
      `${PKG}/curl/package.py`,
      CURL.replace('make("install")', 'make("install", "-j2")'),
    )
    const c = await fx.commit('curl: install')
    // a new zlib version: B..C resolves the same, but C as a base (newest) would not
    await fx.write(`${PKG}/zlib/package.py`, zlib(['1.3.2', ...ZLIB_VERSIONS]))
    const d = await fx.commit('zlib: add 1.3.2')
    await fx.write(
      `${PKG}/openssl/package.py`,
      OPENSSL.replace('make("install")', 'make("install", "-j2")'),
    )
    const e = await fx.commit('openssl: install')
    const plan = async (base: string, head: string) => {
      const lines: string[] = []
      const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) }
      const { plan } = await runPlan({ repo: fx!.dir, base, head, cacheDir }, log)
      // the same plan without any cache
      expect((await runPlan({ repo: fx!.dir, base, head })).plan.specs).toEqual(plan.specs)
      return {
        plan,
        baseCached: lines.some((l) => /^Base [0-9a-f]{12}: digests from the cache/.test(l)),
        derived: lines.some((l) => l.includes('derived from the base')),
      }
    }
    expect(await plan(a, b)).toMatchObject({ baseCached: false, derived: false })
    const bc = await plan(b, c)
    expect(bc).toMatchObject({ baseCached: true, derived: true })
    expect(building(bc.plan)).toEqual(['curl@8.11.0'])
    const cd = await plan(c, d)
    expect(cd).toMatchObject({ baseCached: true, derived: false })
    expect(building(cd.plan)).toEqual([])
    // D as a base resolves to zlib 1.3.2 (no mirror, nothing to keep): not the head D was
    const de = await plan(d, e)
    expect(de).toMatchObject({ baseCached: false, derived: true })
    expect(building(de.plan)).toEqual(['curl@8.11.0', 'openssl@3.6.0'])
  })
})

describe("virtual providers: Spack's default preferences", () => {
  const provider = (cls: string, virtual: string) =>
    recipe(cls, `    version("1.0", sha256="4444")\n\n    provides("${virtual}")\n`)
  const MPI_FILES = (cfg: string): Record<string, string> => ({
    ...files(cfg),
    [`${PKG}/app/package.py`]: recipe(
      'App',
      `    version("1.0", sha256="5555")\n\n    depends_on("mpi")\n    depends_on("blas")\n`,
    ),
    [`${PKG}/mpich/package.py`]: provider('Mpich', 'mpi'),
    [`${PKG}/openmpi/package.py`]: provider('Openmpi', 'mpi'),
    [`${PKG}/mvapich/package.py`]: provider('Mvapich', 'mpi'),
    [`${PKG}/netlib_lapack/package.py`]: provider('NetlibLapack', 'blas'),
    [`${PKG}/amdblis/package.py`]: provider('Amdblis', 'blas'),
  })

  it('a virtual with several providers depends on the first Spack-preferred one the repository has', async () => {
    const plan = await planChange(MPI_FILES(config(['app'])), async () => {})
    // mpi: [openmpi, mpich]; blas: [openblas, amdblis] (no openblas here)
    expect(depsOf(plan, 'app@1.0')).toEqual(['amdblis@1.0', 'openmpi@1.0'])
    expect(plan.notes.filter((n) => n.includes('preferred provider'))).toEqual([])
  })

  it('the config overrides them', async () => {
    const plan = await planChange(
      MPI_FILES(config(['app'], 'providers: { mpi: mvapich, blas: [openblas, netlib-lapack] }\n')),
      async () => {},
    )
    expect(depsOf(plan, 'app@1.0')).toEqual(['mvapich@1.0', 'netlib-lapack@1.0'])
  })
})
