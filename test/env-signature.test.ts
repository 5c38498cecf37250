/**
 * Build-environment signatures (issue 5 §2) on real git fixtures: declared environment variables,
 * files, a signature command, and (with a real local registry) the container image's digest.
 * Env values and the command's output are read once per run for both sides, so their changes
 * show against the mirror; files come from each side's tree, so they show between commits too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { digestOf } from '../src/core/canonical-encode.js'
import { diffEnvSignatures, envSignatureDigest } from '../src/core/digest/env-signature.js'
import { UserError } from '../src/core/errors.js'
import type { Plan } from '../src/core/plan.js'
import { validateConfig } from '../src/config/config-schema.js'
import { runPlan } from '../src/engine/plan-engine.js'
import { recordArtifact, recordFields } from '../src/engine/record-request.js'
import { openMirror } from '../src/mirror/index.js'
import {
  createRegistryClient,
  EMPTY_BLOB,
  EMPTY_DESCRIPTOR,
  MEDIA_TYPES,
} from '../src/mirror/oci/index.js'
import type { GitFixture } from './support/git-fixture.js'
import { CONFIG, createSpackFixture, FILES } from './support/spack-fixture.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { scaled, scaleTimeouts } from './support/load.js'

scaleTimeouts('env-signature')

const BASE_CONFIG = CONFIG.slice(0, CONFIG.indexOf('containers:'))

/** The fixture's config with these `containers:` (and anything else) appended. */
function configWith(tail: string): string {
  return `${BASE_CONFIG}${tail}`
}

const TWO_CONTAINERS = `containers:
  - when: "app"
    image: ghcr.io/example/app:1
    environment:
      env: [BC_TEST_CUDA_VERSION]
      files: ["containers/app*.Containerfile"]
  - when: "zlib"
    image: ghcr.io/example/zlib:1
    environment:
      optionalEnv: [BC_TEST_MAYBE]
`

let fx: GitFixture | undefined
let work: string
const saved = { ...process.env }
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'bc-env-'))
})
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
  await rm(work, { recursive: true, force: true })
  for (const k of Object.keys(process.env)) if (k.startsWith('BC_TEST_')) delete process.env[k]
  Object.assign(process.env, saved)
})

async function fixture(config: string, extra: Record<string, string> = {}): Promise<string> {
  fx = await createSpackFixture({ ...FILES, '.binary-check.yml': config, ...extra })
  return (await fx.git('rev-parse', 'HEAD')).trim()
}

const building = (plan: Plan): string[] =>
  plan.specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .map((s) => s.id)
    .sort()

const envReasons = (plan: Plan, id: string): string[] =>
  plan.specs
    .find((s) => s.id === id)!
    .reasons.flatMap((r) => (r.kind === 'environment' ? (r.changes ?? [r.detail]) : []))

/** Record every spec a plan builds into a file mirror (as `record --plan` does) and index it. */
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

async function planAt(rev: string, mirror?: string): Promise<Plan> {
  // With the tree cache: a cached tree must not outlive the environment it was digested under.
  const request = { repo: fx!.dir, base: rev, head: rev, cacheDir: join(work, 'cache') }
  return (await runPlan({ ...request, ...(mirror ? { mirror } : {}) })).plan
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (e instanceof UserError) return e.oneLine()
    throw e
  }
  throw new Error('expected a UserError')
}

describe('build-environment signatures', () => {
  it('an env var change rebuilds only the specs of the containers that declare it (vs the mirror)', async () => {
    const rev = await fixture(configWith(TWO_CONTAINERS), {
      'containers/app.Containerfile': 'FROM scratch\n',
    })
    const mirror = `file://${join(work, 'mirror')}`
    process.env.BC_TEST_CUDA_VERSION = '12.4'
    const first = await planAt(rev, mirror)
    expect(first.specs.find((s) => s.id === 'app@1.0')!.container).toBe('ghcr.io/example/app:1')
    await recordAll(first, mirror)
    expect(building(await planAt(rev, mirror))).toEqual([])

    process.env.BC_TEST_CUDA_VERSION = '12.6'
    const second = await planAt(rev, mirror)
    expect(building(second)).toEqual(['app@1.0'])
    expect(envReasons(second, 'app@1.0')).toEqual(['BC_TEST_CUDA_VERSION 12.4 → 12.6'])
    // The plan carries each signature's breakdown.
    const sig = second.specs.find((s) => s.id === 'app@1.0')!.inputs!.envSignature
    expect(second.environments![sig]!.environment!.env).toEqual({
      BC_TEST_CUDA_VERSION: { sha256: expect.stringMatching(/^sha256:/), value: '12.6' },
    })

    // explain shows the change and the signature's parts.
    let out = ''
    const code = await runCli(
      // the plans' own cache, not the user's default one (~/.cache/binary-check)
      [
        'explain',
        '--repo',
        fx!.dir,
        '--base',
        rev,
        '--head',
        rev,
        '--mirror',
        mirror,
        '--cache-dir',
        join(work, 'cache'),
        'app',
      ],
      { stdout: (t) => (out += t), stderr: () => {}, cwd: work },
    )
    expect(code).toBe(0)
    expect(out).toContain('differs         environment: BC_TEST_CUDA_VERSION 12.4 → 12.6')
    expect(out).toContain('    env           BC_TEST_CUDA_VERSION=12.6')
    expect(out).toContain('    file          containers/app.Containerfile ')
  })

  it('a declared optional variable may be missing; a required one is a one-line error', async () => {
    const rev = await fixture(configWith(TWO_CONTAINERS))
    process.env.BC_TEST_CUDA_VERSION = '12.4'
    delete process.env.BC_TEST_MAYBE
    const plan = await planAt(rev)
    expect(building(plan)).toEqual([])
    const zlibEnv = Object.values(plan.environments!).find(
      (e) => e.container === 'ghcr.io/example/zlib:1',
    )!
    expect(zlibEnv.environment!.env).toEqual({ BC_TEST_MAYBE: null })

    delete process.env.BC_TEST_CUDA_VERSION
    expect(await failure(planAt(rev))).toBe(
      'containers.0.environment.env: BC_TEST_CUDA_VERSION is not set (declare it in optionalEnv if it may be missing)',
    )
  })

  it('a global required variable that is not set names environment.env', async () => {
    const rev = await fixture(configWith('environment:\n  env: [BC_TEST_NOPE]\n'))
    expect(await failure(planAt(rev))).toBe(
      'environment.env: BC_TEST_NOPE is not set (declare it in optionalEnv if it may be missing)',
    )
  })

  it('a Containerfile change rebuilds that container’s specs (base..head)', async () => {
    const base = await fixture(configWith(TWO_CONTAINERS), {
      'containers/app.Containerfile': 'FROM scratch\n',
      'containers/zlib.Containerfile': 'FROM scratch\n',
    })
    process.env.BC_TEST_CUDA_VERSION = '12.4'
    await fx!.write('containers/app.Containerfile', 'FROM scratch\nRUN true\n')
    await fx!.write('containers/zlib.Containerfile', 'FROM scratch\nRUN true\n') // not declared
    const head = await fx!.commit('change the app container')
    const cacheDir = join(work, 'cache')
    await runPlan({ repo: fx!.dir, base, head: base, cacheDir }) // the base tree is cached
    const { plan } = await runPlan({ repo: fx!.dir, base, head, cacheDir })
    expect(building(plan)).toEqual(['app@1.0'])
    expect(envReasons(plan, 'app@1.0')).toEqual(['file containers/app.Containerfile changed'])
  })

  it('a command output change rebuilds; our values reach it as env vars, not argv', async () => {
    const script =
      'process.stdout.write(`${process.env.BC_TEST_SIG}|${process.env.BINARY_CHECK_CONTAINER}`)'
    const rev = await fixture(
      configWith(
        `environment:\n  command: ${JSON.stringify([process.execPath, '-e', script])}\n${TWO_CONTAINERS}`,
      ),
    )
    process.env.BC_TEST_CUDA_VERSION = '12.4'
    process.env.BC_TEST_SIG = 'one'
    const mirror = `file://${join(work, 'mirror')}`
    const first = await planAt(rev, mirror)
    const sig = first.specs.find((s) => s.id === 'app@1.0')!.inputs!.envSignature
    expect(first.environments![sig]!.environment!.command!.output.value).toBe(
      'one|ghcr.io/example/app:1',
    )
    await recordAll(first, mirror)
    process.env.BC_TEST_SIG = 'two'
    const second = await planAt(rev, mirror)
    expect(building(second)).toEqual(building(first))
    expect(envReasons(second, 'app@1.0')).toEqual([
      `command ${process.execPath} -e ${script} output one|ghcr.io/example/app:1 → two|ghcr.io/example/app:1`,
    ])
  })

  it('a failing or hanging command is a one-line error naming it', async () => {
    const failing = await fixture(
      configWith('environment:\n  command: [sh, -c, "echo boom >&2; exit 3"]\n'),
    )
    expect(await failure(planAt(failing))).toBe(
      'environment.command: signature command sh -c echo boom >&2; exit 3 failed (exit status 3): boom',
    )
    await fx!.cleanup()
    const hanging = await fixture(
      configWith(
        'environment:\n  command: [sh, -c, "sleep 30; echo late"]\n  commandTimeout: 300ms\n',
      ),
    )
    const started = Date.now()
    expect(await failure(planAt(hanging))).toBe(
      'environment.command: signature command sh -c sleep 30; echo late timed out after 300ms (killed)',
    )
    expect(Date.now() - started).toBeLessThan(scaled(10_000))
  })

  it('config: a command string, a bad timeout and a variable in env and optionalEnv are errors', () => {
    const r = validateConfig({
      environment: { command: './ci/signature.sh --arg', commandTimeout: 'soon' },
      containers: [{ when: 'zlib', image: 'x', environment: { env: ['A'], optionalEnv: ['A'] } }],
    })
    expect('problems' in r && r.problems).toEqual([
      {
        path: 'environment.command',
        message:
          'expected an argv list, e.g. ["./ci/signature.sh", "--arg"] (no shell splits a string), got string "./ci/signature.sh --arg"',
      },
      {
        path: 'environment.commandTimeout',
        message: 'expected a duration like "30s", "500ms" or "2m", got "soon"',
      },
      {
        path: 'containers.0.environment.optionalEnv',
        message: 'A is also in env (list it in one of them)',
      },
    ])
  })

  it('without environment the signature is H(container) as before; values shown only when safe', () => {
    const plain = { algorithm: 'binary-check/digest@2', container: 'img' }
    expect(envSignatureDigest(plain)).toBe(digestOf(plain)) // what every digest held before
    const a = {
      ...plain,
      environment: {
        image: null,
        env: {
          V: { sha256: 'sha256:1', value: '1' },
          API_TOKEN: { sha256: 'sha256:2' },
        },
        files: {},
        command: null,
      },
    }
    const b = {
      ...a,
      environment: {
        ...a.environment,
        env: { V: { sha256: 'sha256:3', value: '2' }, API_TOKEN: { sha256: 'sha256:4' } },
      },
    }
    expect(diffEnvSignatures(a, b)).toEqual(['API_TOKEN sha256:2 → sha256:4', 'V 1 → 2'])
    // Showing a value never changes the signature.
    const hidden = {
      ...b,
      environment: { ...b.environment, env: { ...b.environment.env, V: { sha256: 'sha256:3' } } },
    }
    expect(envSignatureDigest(hidden)).toBe(envSignatureDigest(b))
  })
})

const skip = registrySkipReason()
describe.skipIf(skip !== undefined)('build-environment signatures: image: true', () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => {
    await registry?.stop()
  })

  async function pushImage(tag: string, marker: string): Promise<string> {
    const client = createRegistryClient(`oci://${registry.host}/images/builder`, {
      backoffBaseMs: 1,
      env: {},
    })
    await client.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: EMPTY_DESCRIPTOR,
        layers: [EMPTY_DESCRIPTOR],
        annotations: { marker },
      }),
    )
    return client.putManifest(tag, manifest, MEDIA_TYPES.manifest)
  }

  it('moving the tag rebuilds every spec of that container with the image reason', async () => {
    const image = `${registry.host}/images/builder:cuda12`
    const first = await pushImage('cuda12', 'one')
    const rev = await fixture(
      configWith(`containers:
  - when: "zlib"
    image: ${image}
    environment:
      image: true
  - when: "app"
    image: ghcr.io/example/app:1
`),
    )
    const mirror = `file://${join(work, 'mirror')}`
    const one = await planAt(rev, mirror)
    const zlibSig = one.specs.find((s) => s.id === 'zlib@1.3.1')!.inputs!.envSignature
    expect(one.environments![zlibSig]!.environment!.image).toBe(first)
    await recordAll(one, mirror)
    expect(building(await planAt(rev, mirror))).toEqual([])

    const second = await pushImage('cuda12', 'two')
    expect(second).not.toBe(first)
    const two = await planAt(rev, mirror)
    const inContainer = two.specs.filter((s) => s.container === image).map((s) => s.id)
    expect(inContainer).toEqual(['zlib@1.2.13', 'zlib@1.3.1'])
    for (const id of inContainer)
      expect(envReasons(two, id)).toEqual([`image ${image} moved to ${second} (was ${first})`])
    // Its dependents rebuild through the dependency, nothing else does.
    expect(building(two)).toEqual([
      'app@1.0',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
      'zlib@1.2.13',
      'zlib@1.3.1',
    ])
    expect(two.specs.find((s) => s.id === 'app@1.0')!.reasons.map((r) => r.kind)).toEqual([
      'dependency',
    ])

    // A tag that cannot be resolved: one line naming the image.
    await fx!.write(
      '.binary-check.yml',
      configWith(
        `containers:\n  - when: "zlib"\n    image: ${registry.host}/images/builder:nope\n    environment: {image: true}\n`,
      ),
    )
    const bad = await fx!.commit('unknown tag')
    expect(await failure(planAt(bad))).toBe(
      `containers.0.environment.image: cannot resolve image ${registry.host}/images/builder:nope to a digest: ${registry.host}/images/builder: image nope not found`,
    )
  })
})
