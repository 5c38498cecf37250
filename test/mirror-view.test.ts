/**
 * The complete view (`index --plan`): for every spec of a plan, the artifact it resolves to —
 * rebuilt now or built earlier (also a superseded entry from the history) — or `missing`; covered
 * by the index checksum. Through dist/cli.js on a real fixture repository.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { computeView, parseIndex, type MirrorEntry, type MirrorIndex } from '../src/mirror/index.js'
import type { GitFixture } from './support/git-fixture.js'
import { planAgainst, recordFromPlan } from './support/mirror-cli.js'
import { runCli } from './support/run-dist.js'
import { APP, createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

let work: string
let fx: GitFixture

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-view-'))
  fx = await createSpackFixture()
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
  await fx.cleanup()
})

function entry(spec: string, seed: string, builtAt: string, sha: string): MirrorEntry {
  return {
    schema: 'binary-check/entry@1',
    spec,
    package: spec.split('@')[0]!,
    version: '1',
    digest: digestText(seed),
    artifact: { path: `artifacts/sha256/${sha.repeat(64)}`, sha256: sha.repeat(64), size: 1 },
    builtAt,
    commit: `commit-${sha}`,
  }
}

describe('computeView', () => {
  it('takes the newest entry built from the plan digest, else missing', () => {
    const recorded: Record<string, MirrorEntry[]> = {
      'a@1': [
        entry('a@1', 'old', '2024-01-01T00:00:00.000Z', 'a'),
        entry('a@1', 'new', '2024-03-01T00:00:00.000Z', 'b'),
        entry('a@1', 'old', '2024-02-01T00:00:00.000Z', 'c'),
      ],
      'b@1': [entry('b@1', 'other', '2024-01-01T00:00:00.000Z', 'd')],
    }
    const view = computeView(
      {
        head: 'h',
        specs: [
          { id: 'a@1', digest: digestText('old') },
          { id: 'b@1', digest: digestText('b') },
          { id: 'c@1', digest: digestText('c') },
        ],
      },
      (id) => recorded[id] ?? [],
    )
    expect(view).toEqual({
      head: 'h',
      specs: {
        'a@1': {
          digest: digestText('old'),
          status: 'current',
          artifact: recorded['a@1']![2]!.artifact,
          builtAt: '2024-02-01T00:00:00.000Z',
          commit: 'commit-c',
        },
        'b@1': { digest: digestText('b'), status: 'missing' },
        'c@1': { digest: digestText('c'), status: 'missing' },
      },
    })
  })
})

describe('binary-check index --plan', () => {
  async function index(mirror: string, planFile?: string) {
    const r = await runCli(['index', '--mirror', mirror, ...(planFile ? ['--plan', planFile] : [])])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const text = await readFile(join(mirror, 'index.json'), 'utf8')
    return { stdout: r.stdout, text, index: parseIndex(text, 'index.json') }
  }

  it('a rebuilt subset still yields one complete, consistent view of the whole spec set', async () => {
    const mirror = join(work, 'mirror')
    // 1. everything built and recorded
    const first = await planAgainst(fx.dir, mirror, work)
    expect(first.plan.matrix.include).toHaveLength(10)
    await recordFromPlan(mirror, first, work, undefined, ['--commit', first.plan.head])
    const plain = await index(mirror)
    expect(plain.index.view).toBeUndefined()
    expect(JSON.parse(plain.text)).not.toHaveProperty('view')

    // 2. one spec changes; only it is rebuilt; the view still lists all ten
    await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="cccc"', 'sha256="cccd"'))
    await fx.commit('zlib 1.2.13 checksum')
    const second = await planAgainst(fx.dir, mirror, work)
    expect(second.plan.matrix.include.map((m) => m.spec)).toEqual(['zlib@1.2.13'])
    await recordFromPlan(mirror, second, work, undefined, ['--commit', second.plan.head])
    const viewed = await index(mirror, second.file)
    expect(viewed.stdout).toBe(
      `indexed 10 entries (${viewed.index.checksum})\nview of ${second.plan.head}: 10 specs, 10 current, 0 missing\n`,
    )
    const view = viewed.index.view!
    expect(view.head).toBe(second.plan.head)
    expect(Object.keys(view.specs).sort()).toEqual(second.plan.specs.map((s) => s.id).sort())
    for (const s of second.plan.specs) {
      const e = viewed.index.entries[s.id]!
      expect(view.specs[s.id]).toEqual({
        digest: s.digest,
        status: 'current',
        artifact: e.artifact,
        builtAt: e.builtAt,
        commit: s.id === 'zlib@1.2.13' ? second.plan.head : first.plan.head,
      })
    }

    // 3. the change is reverted: the view resolves to the earlier build, kept in the history
    await fx.write(`${PKG}/zlib/package.py`, ZLIB)
    await fx.commit('revert zlib 1.2.13 checksum')
    const third = await planAgainst(fx.dir, mirror, work)
    const zlibThen = first.plan.specs.find((s) => s.id === 'zlib@1.2.13')!
    expect(third.plan.specs.find((s) => s.id === 'zlib@1.2.13')!.digest).toBe(zlibThen.digest)
    const reverted = await index(mirror, third.file)
    expect(reverted.index.entries['zlib@1.2.13']!.digest).not.toBe(zlibThen.digest) // current entry: step 2
    expect(reverted.index.view!.specs['zlib@1.2.13']).toMatchObject({
      digest: zlibThen.digest,
      status: 'current',
      artifact: plain.index.entries['zlib@1.2.13']!.artifact,
      builtAt: plain.index.entries['zlib@1.2.13']!.builtAt,
      commit: first.plan.head,
    })

    // 4. a change not built yet: missing in the view, the rest still resolves
    await fx.write(`${PKG}/app/package.py`, APP.replace('-DAPP=ON', '-DAPP=OFF'))
    await fx.commit('app flag')
    const fourth = await planAgainst(fx.dir, mirror, work)
    const pending = await index(mirror, fourth.file)
    expect(pending.stdout).toContain(`view of ${fourth.plan.head}: 10 specs, 9 current, 1 missing`)
    expect(pending.index.view!.specs['app@1.0']).toEqual({
      digest: fourth.plan.specs.find((s) => s.id === 'app@1.0')!.digest,
      status: 'missing',
    })

    // the checksum covers the view: an edited view is detected
    const edited = JSON.parse(pending.text) as MirrorIndex
    edited.view!.specs['app@1.0']!.status = 'current'
    await writeFile(join(mirror, 'index.json'), JSON.stringify(edited))
    const r = await runCli(['plan', '--repo', fx.dir, '--mirror', mirror, '--no-cache'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^binary-check: \S+\/index\.json: index is corrupt: checksum mismatch \(expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\); run `binary-check index` to rebuild it from entries\n$/,
    )
  })

  it('names a bad --plan file in one line, exit 1, and writes nothing', async () => {
    const mirror = join(work, 'untouched')
    const missing = await runCli(['index', '--mirror', mirror, '--plan', join(work, 'nope.json')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /^binary-check: \S+nope\.json: cannot read the plan JSON \(ENOENT: no such file or directory, open '\S+nope\.json'\)\n$/,
    )
    const notPlan = join(work, 'not-a-plan.json')
    await writeFile(
      notPlan,
      JSON.stringify({ schema: 'binary-check/plan@1', head: 'abc', specs: [{ id: 'x' }] }),
    )
    const bad = await runCli(['index', '--mirror', mirror, '--plan', notPlan])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      `binary-check: ${notPlan}: not a binary-check plan: specs[0].status: expected string, got nothing\n`,
    )
    await expect(readFile(join(mirror, 'index.json'))).rejects.toThrow(/ENOENT/)
  })
})
