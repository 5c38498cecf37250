/**
 * The read side and the record/index loop through the bundled CLI on a file:// mirror:
 * plan → build (a real small tarball) → record → index → plan again = zero rebuilds; a recipe
 * change then rebuilds exactly the affected specs; 20 parallel `record` processes all survive.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GitFixture } from './support/git-fixture.js'
import { runCli } from './support/run-dist.js'
import { createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

const exec = promisify(execFile)
let fx: GitFixture
let work: string
let mirrorUrl: string

beforeAll(async () => {
  fx = await createSpackFixture()
  work = await mkdtemp(join(tmpdir(), 'binary-check-mirror-'))
  mirrorUrl = `file://${join(work, 'mirror')}`
})
afterAll(async () => {
  await fx.cleanup()
  await rm(work, { recursive: true, force: true })
})

interface MatrixEntry {
  spec: string
  digest: string
  package: string
}

async function plan(): Promise<{
  include: MatrixEntry[]
  planFile: string
  summary: Record<string, number>
}> {
  const planFile = join(work, `plan-${Date.now()}.json`)
  const r = await runCli([
    'plan',
    '--repo',
    fx.dir,
    '--mirror',
    mirrorUrl,
    '--format',
    'json',
    '--output',
    planFile,
    '--no-cache',
  ])
  expect(r.stderr.replace(/^binary-check: warning: .*\n/gm, '')).toBe('')
  expect(r.code).toBe(0)
  const p = JSON.parse(await readFile(planFile, 'utf8'))
  return { include: p.matrix.include, planFile, summary: p.summary }
}

async function build(entry: MatrixEntry): Promise<string> {
  const dir = await mkdtemp(join(work, 'build-'))
  await writeFile(join(dir, 'BUILT_FROM'), `${entry.spec}\n${entry.digest}\n`)
  const tarball = join(dir, 'artifact.tar.gz')
  await exec('tar', ['-czf', tarball, '-C', dir, 'BUILT_FROM'])
  return tarball
}

describe('file:// mirror round trip through dist/cli.js', () => {
  it('record → index → plan again rebuilds nothing; a change rebuilds exactly the affected specs', async () => {
    const first = await plan()
    expect(first.include).toHaveLength(10)
    for (const m of first.include) {
      const artifact = await build(m)
      const r = await runCli([
        'record',
        '--mirror',
        mirrorUrl,
        '--spec',
        m.spec,
        '--digest',
        m.digest,
        '--artifact',
        artifact,
        '--plan',
        first.planFile,
      ])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    const idx = await runCli(['index', '--mirror', mirrorUrl])
    expect(idx.code).toBe(0)
    expect(idx.stdout).toMatch(/^indexed 10 entries \(sha256:[0-9a-f]{64}\)$/m)

    const second = await plan()
    expect(second.include).toEqual([])
    expect(second.summary.upToDate).toBe(10)

    await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="cccc"', 'sha256="cccd"'))
    await fx.commit('zlib 1.2.13 checksum')
    const third = await plan()
    expect(third.include.map((m) => m.spec)).toEqual(['zlib@1.2.13'])
    const p = JSON.parse(await readFile(third.planFile, 'utf8'))
    // reasons come from the inputs recorded in the mirror entry
    expect(p.specs.find((s: { id: string }) => s.id === 'zlib@1.2.13').reasons).toEqual([
      { kind: 'source', version: '1.2.13', field: 'checksum', old: 'cccc', new: 'cccd' },
    ])
  })

  it('20 record processes in parallel all survive index', async () => {
    const url = `file://${join(work, 'parallel-mirror')}`
    const artifact = join(work, 'shared-artifact.bin')
    await writeFile(artifact, 'x'.repeat(4096))
    const digests = Array.from(
      { length: 20 },
      (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`,
    )
    const results = await Promise.all(
      digests.map((d, i) =>
        runCli([
          'record',
          '--mirror',
          url,
          '--spec',
          `pkg${i}@1.0 os=ubuntu24.04`,
          '--digest',
          d,
          '--artifact',
          artifact,
          '--package',
          `pkg${i}`,
          '--version',
          '1.0',
        ]),
      ),
    )
    expect(results.map((r) => r.code)).toEqual(Array(20).fill(0))
    const idx = await runCli(['index', '--mirror', url])
    expect(idx.code).toBe(0)
    const index = JSON.parse(await readFile(join(work, 'parallel-mirror', 'index.json'), 'utf8'))
    expect(Object.keys(index.entries).sort()).toEqual(
      digests.map((_, i) => `pkg${i}@1.0 os=ubuntu24.04`).sort(),
    )
  })
})
