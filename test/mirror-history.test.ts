/**
 * The history of a spec's entries: recording again from the same digest is a no-op, from another
 * digest the newer entry becomes current and the older one stays listed; `history` lists them
 * newest first. In process on a file:// mirror, and through dist/cli.js.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestText, sha256Hex } from '../src/core/canonical-encode.js'
import {
  computeEntryName,
  openFileMirror,
  type FileMirror,
  type RecordInput,
} from '../src/mirror/index.js'
import { runCli } from './support/run-dist.js'

let work: string
let mirror: FileMirror
let warnings: string[]

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-history-'))
  warnings = []
  mirror = openFileMirror(join(work, 'mirror'), { onWarning: (m) => warnings.push(m) })
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const SPEC = 'zlib@1.3.1 os=ubuntu24.04'
const day = (d: number) => new Date(Date.UTC(2024, 2, d, 12))

async function input(
  seed: string,
  content: string,
  now: Date,
  commit?: string,
): Promise<RecordInput> {
  await mkdir(join(work, 'out'), { recursive: true })
  const artifactPath = join(work, 'out', `${seed}-${now.getTime()}`)
  await writeFile(artifactPath, content)
  return {
    entry: {
      spec: SPEC,
      package: 'zlib',
      version: '1.3.1',
      digest: digestText(seed),
      ...(commit ? { commit } : {}),
    },
    artifactPath,
    now,
  }
}

const historyDir = () => join(work, 'mirror', 'history', computeEntryName(SPEC))

describe('readHistory', () => {
  it('newest first, one per digest; the current entry is the newest record', async () => {
    expect(await mirror.readHistory(SPEC)).toEqual([])
    const a1 = await mirror.record(await input('a', 'binary a', day(1), 'c1'))
    // same digest again: a no-op (the first record stands, nothing new is written)
    const files = await readdir(historyDir())
    expect(await mirror.record(await input('a', 'binary a, rebuilt', day(2)))).toEqual(a1)
    expect(await readdir(historyDir())).toEqual(files)
    expect(await mirror.readHistory(SPEC)).toEqual([a1])

    const b = await mirror.record(await input('b', 'binary b', day(3), 'c2'))
    expect(await mirror.tryReadEntry(SPEC)).toEqual(b)
    expect(await mirror.readHistory(SPEC)).toEqual([b, a1])

    // digest a built again later: it is current again, listed once, with its new build
    const a2 = await mirror.record(await input('a', 'binary a again', day(4), 'c3'))
    expect(await mirror.tryReadEntry(SPEC)).toEqual(a2)
    expect(await mirror.readHistory(SPEC)).toEqual([a2, b])
    expect(warnings).toEqual([])
  })

  it('lists an entry recorded before the history kept every entry (only superseded ones)', async () => {
    const a = await mirror.record(await input('a', 'binary a', day(1)))
    await rm(join(work, 'mirror', 'history'), { recursive: true }) // as an older binary-check left it
    const b = await mirror.record(await input('b', 'binary b', day(2)))
    expect(await mirror.readHistory(SPEC)).toEqual([b, a])
    expect((await readdir(historyDir())).sort()).toEqual(
      [`${sha256Hex('a')}.json`, `${sha256Hex('b')}.json`].sort(),
    )
  })

  it('skips unusable history files with a warning, and temp files silently', async () => {
    const a = await mirror.record(await input('a', 'binary a', day(1)))
    await writeFile(join(historyDir(), `${sha256Hex('x')}.json`), '{"schema"')
    await writeFile(join(historyDir(), `${sha256Hex('y')}.json`), JSON.stringify(a))
    await writeFile(join(historyDir(), `${sha256Hex('z')}.json.tmp-12-abcdef`), '{')
    expect(await mirror.readHistory(SPEC)).toEqual([a])
    expect(warnings).toEqual([
      `${join(historyDir(), `${sha256Hex('x')}.json`)}: skipped: not valid JSON (Expected ':' after property name in JSON at position 9 (line 1 column 10))`,
      `${join(historyDir(), `${sha256Hex('y')}.json`)}: skipped: holds digest ${a.digest}, whose file is history/${computeEntryName(SPEC)}/${sha256Hex('a')}.json`,
    ])
  })
})

describe('binary-check history (dist/cli.js)', () => {
  it('prints the entries newest first, the current one marked; JSON with --format json', async () => {
    const a = await mirror.record(await input('a', 'binary a', day(1), 'c1'))
    const b = await mirror.record(await input('b', 'binary b', day(2)))
    const r = await runCli(['history', SPEC, '--mirror', `file://${mirror.dir}`])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        `${SPEC}: 2 entries, newest first`,
        `* ${b.digest}  built 2024-03-02T12:00:00.000Z  commit -  ${b.artifact.path}`,
        `  ${a.digest}  built 2024-03-01T12:00:00.000Z  commit c1  ${a.artifact.path}`,
        '',
      ].join('\n'),
    )
    const j = await runCli(['history', SPEC, '--mirror', mirror.dir, '--format', 'json'])
    expect(JSON.parse(j.stdout)).toEqual({ spec: SPEC, current: b.digest, entries: [b, a] })

    const none = await runCli(['history', 'curl@8', '--mirror', mirror.dir])
    expect(none.stdout).toBe(`curl@8: no entries in ${mirror.url}\n`)
    expect(
      JSON.parse(
        (await runCli(['history', 'curl@8', '--mirror', mirror.dir, '--format', 'json'])).stdout,
      ),
    ).toEqual({ spec: 'curl@8', current: null, entries: [] })
  })

  it('usage errors exit 2', async () => {
    const noSpec = await runCli(['history', '--mirror', mirror.dir])
    expect(noSpec.code).toBe(2)
    expect(noSpec.stderr.split('\n')[0]).toBe('binary-check: history needs exactly one SPEC, got 0')
    const noMirror = await runCli(['history', SPEC])
    expect(noMirror.code).toBe(2)
    expect(noMirror.stderr.split('\n')[0]).toBe('binary-check: history needs --mirror')
    expect((await runCli(['history', SPEC, '--mirror', mirror.dir, '--format', 'yaml'])).code).toBe(
      2,
    )
  })
})
