/**
 * `explain SPEC --mirror URL` against entries recorded with `record --plan` (which stores the
 * spec's and its package's digest inputs): the output names exactly which leaf differs — source
 * field, patch, recipe file, base-class file, dependency — with its old and new value, in text and
 * in JSON. Through dist/cli.js on a real fixture repository; no base commit, so every "before"
 * value comes from the mirror entry.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PackageDigestInputs, SpecDigestInputs } from '../src/core/model.js'
import { entryPath, type MirrorEntry } from '../src/mirror/index.js'
import type { Explanation } from '../src/render/explain.js'
import type { GitFixture } from './support/git-fixture.js'
import { planAgainst, recordFromPlan } from './support/mirror-cli.js'
import { runCli } from './support/run-dist.js'
import { BS, createSpackFixture, GENERIC, PKG, ZLIB } from './support/spack-fixture.js'

let work: string
let fx: GitFixture
let mirror: string
let recordedAt: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-explain-'))
  fx = await createSpackFixture()
  mirror = join(work, 'mirror')
  const planned = await planAgainst(fx.dir, mirror, work)
  recordedAt = planned.plan.head
  await recordFromPlan(mirror, planned, work, undefined, ['--commit', recordedAt])
  expect((await runCli(['index', '--mirror', mirror])).code).toBe(0)
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
  await fx.cleanup()
})

async function recorded(
  spec: string,
): Promise<MirrorEntry & { inputs: SpecDigestInputs; packageInputs: PackageDigestInputs }> {
  return JSON.parse(await readFile(join(mirror, entryPath(spec)), 'utf8'))
}

async function explainText(spec: string): Promise<string> {
  const r = await runCli(['explain', spec, '--repo', fx.dir, '--mirror', mirror, '--no-cache'])
  expect(r.stderr).toBe(
    'binary-check: warning: no base commit given: comparing against the mirror only\n',
  )
  expect(r.code).toBe(0)
  return r.stdout
}

async function explainJson(spec: string): Promise<Explanation[]> {
  const r = await runCli([
    'explain',
    spec,
    '--repo',
    fx.dir,
    '--mirror',
    mirror,
    '--format',
    'json',
    '--no-cache',
  ])
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as Explanation[]
}

const line = (label: string, text: string) => `  ${label.padEnd(16)}${text}`

describe('explain against the mirror', () => {
  it('record --plan stores the spec and package digest inputs in the entry', async () => {
    const e = await recorded('zlib@1.2.13')
    expect(e.inputs.source).toEqual({ version: '1.2.13', checksum: 'cccc' })
    expect(Object.keys(e.inputs.patches)).toEqual(['old.patch'])
    expect(e.packageInputs).toEqual({
      algorithm: 'binary-check/digest@2',
      ecosystem: 'spack',
      recipe: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      bases: { [`${BS}/generic.py`]: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      files: {},
    })
    expect(e.packageDigest).toBe(e.inputs.packageDigest)
  })

  it('an up-to-date spec: the entry it matches, nothing differs', async () => {
    const text = await explainText('zlib@1.3.1')
    const e = await recorded('zlib@1.3.1')
    expect(text.split('\n').slice(0, 3)).toEqual([
      'zlib@1.3.1  [up-to-date]',
      line('digest', e.digest),
      line('reference', `${e.digest} (mirror entry built ${e.builtAt} from ${recordedAt})`),
    ])
    expect(text).toContain(`\n${line('differs', 'nothing')}\n`)
    expect(text).not.toContain('changed ')
  })

  it('a changed checksum: the source field, old → new, and through a dependency', async () => {
    const before = await recorded('zlib@1.3.1')
    await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="aaaa"', 'sha256="aaab"'))
    await fx.commit('zlib 1.3.1 checksum')
    const text = await explainText('zlib@1.3.1')
    expect(text.split('\n')[0]).toBe('zlib@1.3.1  [rebuild]')
    expect(text).toContain(`\n${line('differs', 'source of 1.3.1: checksum aaaa → aaab')}\n`)
    expect(text.split('\n').filter((l) => l.startsWith('  changed'))).toEqual([
      line('changed', 'source of 1.3.1: checksum aaaa → aaab'),
    ])

    const [zlib] = await explainJson('zlib@1.3.1')
    expect(zlib!.reference).toBe('mirror')
    expect(zlib!.previousDigest).toBe(before.digest)
    expect(zlib!.recorded).toEqual({
      builtAt: before.builtAt,
      commit: recordedAt,
      artifact: before.artifact,
    })
    expect(zlib!.differences).toEqual([
      { kind: 'source', version: '1.3.1', field: 'checksum', old: 'aaaa', new: 'aaab' },
    ])
    expect(zlib!.changes).toEqual([
      { input: 'source', name: 'checksum', version: '1.3.1', old: 'aaaa', new: 'aaab' },
    ])

    // a dependent: the dependency whose digest moved, old → new, and the root cause
    const [libfoo] = await explainJson('libfoo@2.0')
    expect(libfoo!.differences).toEqual([
      {
        kind: 'dependency',
        dependency: 'zlib@1.3.1',
        change: 'changed',
        chain: ['zlib@1.3.1'],
        cause: [{ kind: 'source', version: '1.3.1', field: 'checksum', old: 'aaaa', new: 'aaab' }],
      },
    ])
    expect(libfoo!.changes).toEqual([
      { input: 'dependency', name: 'zlib@1.3.1', old: before.digest, new: zlib!.digest },
    ])
  })

  it('a changed patch file and recipe code: the patch and the recipe file, old → new digests', async () => {
    const before = await recorded('zlib@1.2.13')
    await fx.write(`${PKG}/zlib/old.patch`, '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+z\n')
    await fx.write(
      `${PKG}/zlib/package.py`,
      ZLIB.replace('sha256="aaaa"', 'sha256="aaab"').replace(
        'make("install")',
        'make("install", parallel=False)',
      ),
    )
    await fx.commit('zlib patch and install')
    const [e] = await explainJson('zlib@1.2.13')
    const recipe = `${PKG}/zlib/package.py`
    expect(e!.differences).toEqual([
      { kind: 'recipe', package: 'zlib', files: [recipe] },
      { kind: 'patch', file: 'old.patch', change: 'changed' },
    ])
    expect(e!.changes).toEqual([
      {
        input: 'recipe',
        name: recipe,
        old: before.packageInputs.recipe,
        new: e!.packageInputs!.recipe,
      },
      {
        input: 'patch',
        name: 'old.patch',
        old: before.inputs.patches['old.patch'],
        new: e!.inputs!.patches['old.patch'],
      },
    ])
    expect(e!.changes[0]!.old).not.toBe(e!.changes[0]!.new)

    const text = await explainText('zlib@1.2.13')
    expect(text.split('\n').filter((l) => /^ {2}(differs|changed) /.test(l))).toEqual([
      line('differs', `recipe ${recipe} changed`),
      line('differs', 'patch old.patch changed'),
      line(
        'changed',
        `recipe ${recipe}: ${before.packageInputs.recipe} → ${e!.packageInputs!.recipe}`,
      ),
      line(
        'changed',
        `patch old.patch: ${before.inputs.patches['old.patch']} → ${e!.inputs!.patches['old.patch']}`,
      ),
    ])
  })

  it('a changed base class: the base-class file, old → new', async () => {
    const before = await recorded('cmake@3.31.0')
    await fx.write(`${BS}/generic.py`, GENERIC.replace('env.set("T", "1")', 'env.set("T", "2")'))
    await fx.commit('generic build environment')
    const [e] = await explainJson('cmake@3.31.0')
    const base = `${BS}/generic.py`
    expect(e!.differences).toEqual([{ kind: 'recipe', package: 'cmake', files: [base] }])
    expect(e!.changes).toEqual([
      {
        input: 'base',
        name: base,
        old: before.packageInputs.bases[base],
        new: e!.packageInputs!.bases[base],
      },
    ])
    const text = await explainText('cmake@3.31.0')
    expect(text).toContain(
      `\n${line('changed', `base ${base}: ${before.packageInputs.bases[base]} → ${e!.packageInputs!.bases[base]}`)}\n`,
    )
  })

  it('an entry recorded without --plan: says it records no inputs, lists no leaf', async () => {
    const artifact = join(work, 'r.bin')
    await writeFile(artifact, 'r binary')
    const other = `sha256:${'e'.repeat(64)}`
    const r = await runCli([
      'record',
      '--mirror',
      mirror,
      '--spec',
      'r@4.4.1',
      '--digest',
      other,
      '--artifact',
      artifact,
      '--package',
      'r',
      '--version',
      '4.4.1',
    ])
    expect(r.code).toBe(0)
    expect((await runCli(['index', '--mirror', mirror])).code).toBe(0)
    const [e] = await explainJson('r@4.4.1')
    expect(e!.previousDigest).toBe(other)
    expect(e!.differences).toEqual([
      { kind: 'missing', detail: 'the mirror entry has another digest and records no inputs' },
    ])
    expect(e!.changes).toEqual([])
  })
})
