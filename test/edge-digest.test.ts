/**
 * Edge types and virtuals in the spec digest (issue 8 §5), on real git repositories: a spec digest
 * folds each dependency edge as (its deptypes, the virtuals it satisfies, the dependency's
 * digest), as Spack's DAG hash does. So `depends_on("findutils", type="run")` becoming
 * `type=("build", "run")` rebuilds the spec and its dependents, and so does a change of which
 * virtuals an edge satisfies; an unchanged edge rebuilds nothing. Against the base commit and
 * against a mirror (whose entries carry the edge breakdown), with `explain`; and a mirror written
 * with the previous digest algorithm gives the `algorithm` reason once per spec.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { DIGEST_ALGORITHM } from '../src/core/canonical-encode.js'
import type { Plan, PlannedSpec } from '../src/core/plan.js'
import { runPlan } from '../src/engine/plan-engine.js'
import { recordArtifact, recordFields } from '../src/engine/record-request.js'
import { openMirror } from '../src/mirror/index.js'
import { describeReasons } from '../src/render/reason-text.js'
import type { GitFixture } from './support/git-fixture.js'
import { CONFIG, createSpackFixture, FILES, PKG } from './support/spack-fixture.js'

const recipe = (cls: string, version: string, body = '') =>
  `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class ${cls}(Package):
    version("${version}", sha256="5555")
${body}
    def install(self, spec, prefix):
        make("install")
`

const FINDUTILS = recipe('Findutils', '4.10.0')
const LIBTOOL = recipe('Libtool', '2.4.7', '\n    depends_on("findutils", type="run")\n')
const AUTOGEN = recipe('Autogen', '5.18.16', '\n    depends_on("libtool", type="build")\n')
const OPENBLAS = recipe('Openblas', '0.3.28', '\n    provides("blas")\n')
const BLASAPP = recipe('Blasapp', '1.0', '\n    depends_on("blas")\n    depends_on("lapack")\n')

const EDGE_CONFIG = CONFIG.replace(
  '  - cmake\n',
  '  - cmake\n  - findutils\n  - libtool\n  - autogen\n  - openblas\n  - blasapp\n',
)

const EDGE_FILES: Record<string, string> = {
  ...FILES,
  '.binary-check.yml': EDGE_CONFIG,
  [`${PKG}/findutils/package.py`]: FINDUTILS,
  [`${PKG}/libtool/package.py`]: LIBTOOL,
  [`${PKG}/autogen/package.py`]: AUTOGEN,
  [`${PKG}/openblas/package.py`]: OPENBLAS,
  [`${PKG}/blasapp/package.py`]: BLASAPP,
}

const FINDUTILS_ID = 'findutils@4.10.0'
const LIBTOOL_ID = 'libtool@2.4.7'
const AUTOGEN_ID = 'autogen@5.18.16'
const OPENBLAS_ID = 'openblas@0.3.28'
const BLASAPP_ID = 'blasapp@1.0'

let fx: GitFixture | undefined
let work: string
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-edge-'))
})
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
  await rm(work, { recursive: true, force: true })
})

/** Commit `files`, then `change`; the base and head commits. */
async function commits(
  change: (fx: GitFixture) => Promise<void>,
  files: Record<string, string> = EDGE_FILES,
): Promise<{ base: string; head: string }> {
  fx = await createSpackFixture(files)
  const base = (await fx.git('rev-parse', 'HEAD')).trim()
  await change(fx)
  return { base, head: await fx.commit('change') }
}

async function planChange(
  change: (fx: GitFixture) => Promise<void>,
  files: Record<string, string> = EDGE_FILES,
): Promise<Plan> {
  const { base, head } = await commits(change, files)
  return (await runPlan({ repo: fx!.dir, base, head })).plan
}

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

const specOf = (plan: Plan, id: string): PlannedSpec => plan.specs.find((s) => s.id === id)!
const why = (plan: Plan, id: string): string => describeReasons(specOf(plan, id).reasons)

/** Build and record every spec of the plan's matrix into `mirror`, then index it. */
async function recordAll(plan: Plan, mirror: string): Promise<void> {
  const stored = JSON.parse(JSON.stringify(plan)) as Plan // what the plan file holds
  for (const m of stored.matrix.include) {
    const fields = recordFields(
      { spec: m.spec, digest: m.digest },
      { plan: stored, label: 'plan.json' },
      '--digest',
    )!
    const artifact = join(work, 'artifact.bin')
    await writeFile(artifact, `${m.spec}\n${m.digest}\n`)
    await recordArtifact({ mirror, fields, artifact, cwd: work, now: new Date() })
  }
  await openMirror(mirror, { cwd: work }).writeIndex()
}

async function explain(args: string[]): Promise<string> {
  let out = ''
  const code = await runCli(['explain', '--repo', fx!.dir, '--no-cache', ...args], {
    stdout: (t) => (out += t),
    stderr: () => {},
    cwd: work,
  })
  expect(code).toBe(0)
  return out
}

const line = (label: string, text: string) => `  ${label.padEnd(16)}${text}`

const RUN_TO_BUILD_RUN = async (fx: GitFixture) =>
  fx.write(`${PKG}/libtool/package.py`, LIBTOOL.replace('type="run"', 'type=("build", "run")'))

describe('edge types in the spec digest', () => {
  it('run → build, run on one depends_on rebuilds that spec and its dependents (vs base)', async () => {
    const plan = await planChange(RUN_TO_BUILD_RUN)
    expect(building(plan)).toEqual([AUTOGEN_ID, LIBTOOL_ID])
    expect(specOf(plan, LIBTOOL_ID).reasons).toEqual([
      {
        kind: 'dependency',
        dependency: FINDUTILS_ID,
        change: 'types',
        chain: [FINDUTILS_ID],
        cause: [],
        old: ['run'],
        new: ['build', 'run'],
      },
    ])
    expect(why(plan, LIBTOOL_ID)).toBe(`dependency ${FINDUTILS_ID}: type run → build, run`)
    // a dependent names the dependency whose digest moved and, as its cause, the changed edge
    expect(why(plan, AUTOGEN_ID)).toBe(
      `dependency ${LIBTOOL_ID}: dependency ${FINDUTILS_ID}: type run → build, run`,
    )
    expect(specOf(plan, AUTOGEN_ID).reasons).toEqual([
      {
        kind: 'dependency',
        dependency: LIBTOOL_ID,
        change: 'changed',
        chain: [LIBTOOL_ID],
        cause: specOf(plan, LIBTOOL_ID).reasons,
      },
    ])
    // the breakdown carries the edge: all its types, and the dependency's digest
    expect(specOf(plan, LIBTOOL_ID).inputs!.dependencies).toEqual({
      [FINDUTILS_ID]: { digest: specOf(plan, FINDUTILS_ID).digest, types: ['build', 'run'] },
    })
    expect(plan.summary.byReason).toEqual({ dependency: 2 })
  })

  it('the same against a mirror recorded at the base, and explain names the edge', async () => {
    const { base, head } = await commits(RUN_TO_BUILD_RUN)
    const mirror = `file://${join(work, 'mirror')}`
    const first = (await runPlan({ repo: fx!.dir, base, head: base, mirror })).plan
    await recordAll(first, mirror)
    expect(building((await runPlan({ repo: fx!.dir, base, head: base, mirror })).plan)).toEqual([])

    const plan = (await runPlan({ repo: fx!.dir, head, mirror })).plan
    expect(plan.reference).toBe('mirror')
    expect(building(plan)).toEqual([AUTOGEN_ID, LIBTOOL_ID])
    expect(why(plan, LIBTOOL_ID)).toBe(`dependency ${FINDUTILS_ID}: type run → build, run`)
    expect(why(plan, AUTOGEN_ID)).toBe(
      `dependency ${LIBTOOL_ID}: dependency ${FINDUTILS_ID}: type run → build, run`,
    )

    const text = await explain(['--head', head, '--mirror', mirror, 'libtool'])
    const findutilsDigest = specOf(plan, FINDUTILS_ID).digest!
    expect(text).toContain(
      `\n${line('dependency', `${FINDUTILS_ID} ${findutilsDigest} (build, run)`)}\n`,
    )
    expect(text).toContain(
      `\n${line('differs', `dependency ${FINDUTILS_ID}: type run → build, run`)}\n`,
    )
    expect(text.split('\n').filter((l) => l.startsWith('  changed'))).toEqual([
      line('changed', `dependency ${FINDUTILS_ID}: type run → build, run`),
    ])
  })

  it('an unchanged edge rebuilds nothing (types reordered, the call reformatted)', async () => {
    const files = {
      ...EDGE_FILES,
      [`${PKG}/libtool/package.py`]: LIBTOOL.replace('type="run"', 'type=("build", "run")'),
    }
    const plan = await planChange(
      async (fx) =>
        fx.write(
          `${PKG}/libtool/package.py`,
          LIBTOOL.replace(
            '    depends_on("findutils", type="run")',
            '    # find at build and run time\n    depends_on(\n        "findutils",\n        type=("run", "build"),\n    )',
          ),
        ),
      files,
    )
    expect(plan.changedFiles.length).toBe(1)
    expect(building(plan)).toEqual([])
  })
})

describe('virtuals in the spec digest', () => {
  it('a provider that adds provides("lapack"): the edge now satisfies blas and lapack', async () => {
    const plan = await planChange(async (fx) =>
      fx.write(
        `${PKG}/openblas/package.py`,
        OPENBLAS.replace('provides("blas")', 'provides("blas")\n    provides("lapack")'),
      ),
    )
    expect(building(plan)).toEqual([BLASAPP_ID])
    expect(specOf(plan, BLASAPP_ID).reasons).toEqual([
      {
        kind: 'dependency',
        dependency: OPENBLAS_ID,
        change: 'virtuals',
        chain: [OPENBLAS_ID],
        cause: [],
        old: ['blas'],
        new: ['blas', 'lapack'],
      },
    ])
    expect(why(plan, BLASAPP_ID)).toBe(`dependency ${OPENBLAS_ID}: virtuals blas → blas, lapack`)
    expect(specOf(plan, BLASAPP_ID).inputs!.dependencies[OPENBLAS_ID]).toEqual({
      digest: specOf(plan, OPENBLAS_ID).digest,
      types: ['build', 'link'],
      virtuals: ['blas', 'lapack'],
    })
  })

  it('a depends_on on another virtual that resolves to the same provider', async () => {
    const files = {
      ...EDGE_FILES,
      [`${PKG}/openblas/package.py`]: OPENBLAS.replace(
        'provides("blas")',
        'provides("blas")\n    provides("lapack")',
      ),
      [`${PKG}/blasapp/package.py`]: BLASAPP.replace('    depends_on("lapack")\n', ''),
    }
    const plan = await planChange(
      async (fx) =>
        fx.write(`${PKG}/blasapp/package.py`, BLASAPP.replace('    depends_on("blas")\n', '')),
      files,
    )
    expect(building(plan)).toEqual([BLASAPP_ID])
    expect(why(plan, BLASAPP_ID)).toBe(`dependency ${OPENBLAS_ID}: virtuals blas → lapack`)
  })
})

describe('a mirror written with the previous digest algorithm', () => {
  it('gives the algorithm reason once per spec; explain reads the old entries', async () => {
    const { head } = await commits(async () => {})
    const mirror = `file://${join(work, 'mirror')}`
    const now = (await runPlan({ repo: fx!.dir, head, mirror })).plan
    // What an @1 writer recorded: another digest, and dependencies as bare digests.
    const m = openMirror(mirror, { cwd: work })
    const artifact = join(work, 'artifact.bin')
    await writeFile(artifact, 'old\n')
    const old = 'binary-check/digest@1'
    for (const s of now.specs.filter((x) => x.inputs)) {
      const deps = Object.fromEntries(
        Object.entries(s.inputs!.dependencies).map(([k, d]) => [k, d.digest]),
      )
      await m.record({
        entry: {
          spec: s.id,
          package: s.package,
          version: s.version,
          digest: `sha256:${'0'.repeat(63)}1`,
          inputs: { ...s.inputs!, algorithm: old, dependencies: deps },
          packageInputs: { ...s.packageInputs!, algorithm: old },
        },
        artifactPath: artifact,
        now: new Date(),
      })
    }
    await m.writeIndex()

    const plan = (await runPlan({ repo: fx!.dir, head, mirror })).plan
    const rebuilt = plan.specs.filter((s) => s.status === 'rebuild')
    expect(rebuilt.length).toBe(plan.specs.length)
    for (const s of rebuilt)
      expect(s.reasons).toEqual([{ kind: 'algorithm', old, new: DIGEST_ALGORITHM }])
    expect(plan.summary.byReason).toEqual({ algorithm: plan.specs.length })
    expect(why(plan, AUTOGEN_ID)).toBe(`digest algorithm ${old} → ${DIGEST_ALGORITHM}`)

    const text = await explain(['--head', head, '--mirror', mirror, 'autogen'])
    expect(text.split('\n').filter((l) => l.startsWith('  changed'))).toEqual([
      line('changed', `algorithm: ${old} → ${DIGEST_ALGORITHM}`),
    ])
    expect(text).toContain(
      `\n${line('differs', `digest algorithm ${old} → ${DIGEST_ALGORITHM}`)}\n`,
    )
  })
})
