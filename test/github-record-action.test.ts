/**
 * The `record` sub-action (record/action.yml → dist/record.js) run the way the runner runs it:
 * INPUT_* variables, GITHUB_OUTPUT, the BINARY_CHECK_* variables a build step sets, against a
 * file:// mirror in a temp dir. The whole loop: the plan action's batches → build → record each
 * batch → `binary-check index` → the plan action again has nothing to do.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { openMirror } from '../src/mirror/index.js'
import type { GitFixture } from './support/git-fixture.js'
import { parseGithubOutput } from './support/github-output.js'
import { ACTION, cleanEnv, PROJECT_ROOT, runCli, runNode } from './support/run-dist.js'
import { createSpackFixture } from './support/spack-fixture.js'

const RECORD = join(PROJECT_ROOT, 'dist/record.js')
const exec = promisify(execFile)

let fx: GitFixture
let head: string
let work: string
let mirrorDir: string
let mirrorUrl: string

beforeAll(async () => {
  fx = await createSpackFixture()
  head = (await fx.git('rev-parse', 'HEAD')).trim()
  work = await mkdtemp(join(tmpdir(), 'binary-check-record-action-'))
  mirrorDir = join(work, 'mirror')
  mirrorUrl = `file://${mirrorDir}`
})
afterAll(async () => {
  await fx.cleanup()
  await rm(work, { recursive: true, force: true })
})

interface Run {
  code: number
  stdout: string
  outputs: Record<string, string>
}

async function runBundle(
  bundle: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<Run> {
  const dir = await mkdtemp(join(work, 'run-'))
  const outputPath = join(dir, 'output')
  const eventPath = join(dir, 'event.json')
  await writeFile(outputPath, '')
  await writeFile(join(dir, 'summary.md'), '')
  await writeFile(eventPath, JSON.stringify({ before: '0'.repeat(40), after: head }))
  const r = await runNode(bundle, [], {
    cwd: fx.dir,
    env: cleanEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_WORKSPACE: fx.dir,
      GITHUB_SHA: head,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'org/recipes',
      GITHUB_RUN_ID: '42',
      RUNNER_TEMP: dir,
      INPUT_CACHE: 'false',
      ...env,
      ...Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
      ),
    }),
  })
  return {
    code: r.code,
    stdout: r.stdout,
    outputs: parseGithubOutput(await readFile(outputPath, 'utf8')),
  }
}

/** A "build": a small real tarball naming the spec. */
async function build(spec: string, to: string): Promise<void> {
  const dir = await mkdtemp(join(work, 'build-'))
  await writeFile(join(dir, 'BUILT_FROM'), `${spec}\n`)
  await exec('tar', ['-czf', to, '-C', dir, 'BUILT_FROM'])
}

interface Batch {
  spec: string
  batch: number
  specs: Array<{ spec: string; digest?: string }>
}

describe('the record sub-action (dist/record.js)', () => {
  it('record/action.yml runs dist/record.js on node24, with the inputs the bundle reads', async () => {
    const meta = YAML.parse(await readFile(join(PROJECT_ROOT, 'record/action.yml'), 'utf8'))
    expect(meta.runs).toEqual({ using: 'node24', main: '../dist/record.js' })
    expect(Object.keys(meta.inputs).sort()).toEqual(
      [
        'artifact',
        'artifact-dir',
        'builder',
        'commit',
        'digest',
        'mirror',
        'package',
        'plan-file',
        'registry-password',
        'registry-username',
        'spec',
        'specs',
        'version',
      ].sort(),
    )
    expect(meta.outputs).toHaveProperty('recorded')
  })

  it('one spec: the artifact from BINARY_CHECK_ARTIFACT, package and inputs from the plan file', async () => {
    const plan = await runBundle(ACTION, { mirror: mirrorUrl })
    expect(plan.code).toBe(0)
    const entry = JSON.parse(plan.outputs['wave-0']!).include.find(
      (e: { spec: string }) => e.spec === 'zlib@1.3.1',
    )
    const artifact = join(work, 'zlib.tar.gz')
    await build(entry.spec, artifact)
    const r = await runBundle(
      RECORD,
      {
        mirror: mirrorUrl,
        spec: entry.spec,
        digest: entry.digest,
        'plan-file': plan.outputs['plan-file']!,
      },
      { BINARY_CHECK_ARTIFACT: artifact },
    )
    expect(r.stdout).not.toMatch(/::error/)
    expect(r.code).toBe(0)
    expect(r.outputs.recorded).toBe('1')
    expect(r.stdout).toMatch(
      /^recorded zlib@1\.3\.1 sha256:[0-9a-f]{64} → artifacts\/sha256\/[0-9a-f]{64}$/m,
    )
    const stored = await openMirror(mirrorUrl).tryReadEntry('zlib@1.3.1')
    expect(stored).toMatchObject({
      spec: 'zlib@1.3.1',
      package: 'zlib',
      version: '1.3.1',
      digest: entry.digest,
      commit: head,
      builder: 'https://github.com/org/recipes/actions/runs/42',
    })
    expect(stored!.inputs).toMatchObject({ packageDigest: expect.stringMatching(/^sha256:/) })
  })

  it('batches from the plan action → build → record each batch → index: nothing left to build', async () => {
    const plan = await runBundle(ACTION, { mirror: mirrorUrl, 'max-jobs': '2' })
    expect(plan.code).toBe(0)
    expect(plan.outputs.batched).toBe('true')
    const planFile = plan.outputs['plan-file']!
    const matrix = JSON.parse(plan.outputs.matrix!) as { include: Batch[] }
    expect(matrix.include).toHaveLength(2)
    for (const batch of matrix.include) {
      // what a build step does with BINARY_CHECK_ARTIFACT_DIR: artifact i for specs[i]
      const dir = join(work, `batch-${batch.batch}`)
      await mkdir(dir)
      for (const [i, s] of batch.specs.entries()) await build(s.spec, join(dir, String(i)))
      const r = await runBundle(
        RECORD,
        {
          mirror: mirrorUrl,
          spec: batch.spec,
          digest: '',
          specs: JSON.stringify(batch.specs),
          'plan-file': planFile,
        },
        { BINARY_CHECK_ARTIFACT_DIR: dir },
      )
      expect(r.stdout).not.toMatch(/::error/)
      expect(r.code).toBe(0)
      expect(r.outputs.recorded).toBe(String(batch.specs.length))
    }
    const idx = await runCli(['index', '--mirror', mirrorUrl])
    expect(idx.code).toBe(0)
    const again = await runBundle(ACTION, { mirror: mirrorUrl })
    expect(again.code).toBe(0)
    expect(again.outputs['has-work']).toBe('false')
    expect(again.outputs['has-wave-0']).toBe('false')
  })

  it('a batch listing spec ids only takes the digests from the plan file', async () => {
    const plan = await runBundle(ACTION, { mirror: join(work, 'other-mirror') })
    const planFile = plan.outputs['plan-file']!
    const dir = join(work, 'ids-batch')
    await mkdir(dir)
    await build('cmake@3.31.0', join(dir, '0'))
    const specs = JSON.stringify([{ spec: 'cmake@3.31.0' }])
    const other = `file://${join(work, 'other-mirror')}`
    const noPlan = await runBundle(RECORD, { mirror: other, specs, 'artifact-dir': dir })
    expect(noPlan.code).toBe(1)
    expect(noPlan.stdout).toMatch(
      /^::error::binary-check record: specs\[0\]: no digest for "cmake@3\.31\.0" \(the batch lists spec ids only\): give plan-file$/m,
    )
    const r = await runBundle(RECORD, {
      mirror: other,
      specs,
      'artifact-dir': dir,
      'plan-file': planFile,
    })
    expect(r.code).toBe(0)
    const stored = await openMirror(other).tryReadEntry('cmake@3.31.0')
    const planned = JSON.parse(await readFile(planFile, 'utf8')).specs.find(
      (s: { id: string }) => s.id === 'cmake@3.31.0',
    )
    expect(stored?.digest).toBe(planned.digest)
  })

  it('a batch with a missing artifact records nothing and names the spec', async () => {
    const plan = await runBundle(ACTION, { mirror: join(work, 'third-mirror') })
    const third = `file://${join(work, 'third-mirror')}`
    const wave = JSON.parse(plan.outputs['wave-0']!).include as Array<{
      spec: string
      digest: string
    }>
    const dir = join(work, 'partial')
    await mkdir(dir)
    await build(wave[0]!.spec, join(dir, '0'))
    const r = await runBundle(RECORD, {
      mirror: third,
      specs: JSON.stringify(wave.slice(0, 2).map((e) => ({ spec: e.spec, digest: e.digest }))),
      'artifact-dir': dir,
      'plan-file': plan.outputs['plan-file']!,
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      `::error::binary-check record: artifact-dir: no artifact file for "${wave[1]!.spec}" at ${join(dir, '1')}`,
    )
    expect(await openMirror(third).tryReadEntry(wave[0]!.spec)).toBeUndefined()
  })

  it('checks the digest against the plan and names the input', async () => {
    const plan = await runBundle(ACTION, { mirror: join(work, 'fourth') })
    const artifact = join(work, 'x.tar.gz')
    await build('zlib@1.3.1', artifact)
    const wrong = `sha256:${'0'.repeat(64)}`
    const r = await runBundle(RECORD, {
      mirror: join(work, 'fourth'),
      spec: 'zlib@1.3.1',
      digest: wrong,
      artifact,
      'plan-file': plan.outputs['plan-file']!,
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      new RegExp(
        `^::error::binary-check record: digest: ${wrong} is not the plan's digest for "zlib@1\\.3\\.1" \\(sha256:[0-9a-f]{64}\\)$`,
        'm',
      ),
    )
    const bad = await runBundle(RECORD, {
      mirror: join(work, 'fourth'),
      spec: 'zlib@1.3.1',
      digest: 'md5:1',
      artifact,
    })
    expect(bad.stdout).toMatch(
      /^::error::binary-check record: digest: expected sha256:<64 hex>, got "md5:1"$/m,
    )
  })
})
