/**
 * `record` processes of the bundled CLI (dist/cli.js) against one file:// mirror: 50 at once, the
 * same spec from 10 digests at once, and processes SIGKILLed at random points of a large copy.
 * Afterwards no entry references a missing artifact, `index` succeeds with a valid checksum, and
 * the temp files a killed writer left are ignored (then removed by `index` once stale).
 *
 * On a busy machine (issue 10 §5): deadlines scale with the measured load (support/load.ts), kill
 * times follow how long the runs that finished took, and the kill loop stops after a time budget
 * once it has hit the middle of the write sequence; each artifact is hashed once, not once per
 * kill (that was most of the time, and grew with every kill).
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import {
  computeEntryName,
  parseIndex,
  validateEntry,
  type MirrorEntry,
} from '../src/mirror/index.js'
import { scaled, scaleTimeouts } from './support/load.js'
import { CLI, cleanEnv, runCli } from './support/run-dist.js'

scaleTimeouts('mirror-crash')

let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-mirror-crash-'))
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

function recordArgs(mirror: string, spec: string, digest: string, artifact: string): string[] {
  const [name, rest] = spec.split('@') as [string, string]
  return [
    'record',
    '--mirror',
    `file://${mirror}`,
    '--spec',
    spec,
    '--digest',
    digest,
    '--artifact',
    artifact,
    '--package',
    name,
    '--version',
    rest.split(' ')[0]!,
  ]
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Hashes of artifact files by path, inode, size and mtime: an artifact in place is never written
 * again (a new one is a rename: a new inode), so each is hashed once however often it is checked.
 */
const hashed = new Map<string, string>()
async function sha256Cached(path: string, info: { ino: number; size: number; mtimeMs: number }) {
  const key = `${path}\0${info.ino}\0${info.size}\0${info.mtimeMs}`
  let hex = hashed.get(key)
  if (hex === undefined) hashed.set(key, (hex = await sha256File(path)))
  return hex
}

/** Every file under `dir`, relative, sorted. */
async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort()
}

const isTemp = (path: string) => /\.tmp-[0-9]+-[0-9a-f]+$/.test(path)

/**
 * The invariant: every entry and history file (temp files aside) is a valid entry whose
 * artifact is present with its recorded size and content hash. Returns the entries by file.
 */
async function checkNoDanglingEntries(mirror: string): Promise<Map<string, MirrorEntry>> {
  const out = new Map<string, MirrorEntry>()
  const files = (await listAll(mirror)).filter(
    (f) => (f.startsWith('entries/') || f.startsWith('history/')) && !isTemp(f),
  )
  for (const file of files) {
    const result = validateEntry(JSON.parse(await readFile(join(mirror, file), 'utf8')))
    if ('error' in result) throw new Error(`${file}: ${result.error}`)
    const { entry } = result
    const artifact = join(mirror, entry.artifact.path)
    const info = await stat(artifact).catch(() => undefined)
    expect(info?.size, `${file} → ${entry.artifact.path}`).toBe(entry.artifact.size)
    expect(await sha256Cached(artifact, info!), `${file} → ${entry.artifact.path}`).toBe(
      entry.artifact.sha256,
    )
    out.set(file, entry)
  }
  return out
}

describe('concurrent record processes (dist/cli.js)', () => {
  it('50 records in parallel, then index: all 50 entries, checksum valid', async () => {
    const mirror = join(work, 'parallel')
    await mkdir(join(work, 'out50'), { recursive: true })
    const jobs = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const spec = `pkg${i}@1.${i} os=ubuntu24.04`
        // every fifth job built the same bytes: concurrent writers of one content address
        const content = i % 5 === 0 ? 'shared bytes' : `binary ${i} ${'x'.repeat(i * 2000)}`
        const artifact = join(work, 'out50', `pkg${i}.tar`)
        await writeFile(artifact, content)
        return { spec, digest: digestText(`digest ${i}`), artifact }
      }),
    )
    const results = await Promise.all(
      jobs.map((j) => runCli(recordArgs(mirror, j.spec, j.digest, j.artifact))),
    )
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([])

    const idx = await runCli(['index', '--mirror', `file://${mirror}`])
    expect(idx.stderr).toBe('')
    expect(idx.code).toBe(0)
    expect(idx.stdout).toMatch(/^indexed 50 entries \(sha256:[0-9a-f]{64}\)\n$/)
    const text = await readFile(join(mirror, 'index.json'), 'utf8')
    const index = parseIndex(text, 'index.json') // verifies the checksum
    expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
    for (const j of jobs) expect(index.entries[j.spec]!.digest).toBe(j.digest)
    expect((await readdir(join(mirror, 'artifacts/sha256'))).length).toBe(41) // 40 + 1 shared
    await checkNoDanglingEntries(mirror)
    expect((await listAll(mirror)).filter(isTemp)).toEqual([])
  })

  it('10 records of one spec from 10 digests at once: all 10 in the history, one current', async () => {
    const mirror = join(work, 'same-spec')
    await mkdir(join(work, 'out10'), { recursive: true })
    const spec = 'zlib@1.3.1 os=ubuntu24.04'
    const digests = Array.from({ length: 10 }, (_, i) => digestText(`zlib build ${i}`))
    const results = await Promise.all(
      digests.map(async (digest, i) => {
        const artifact = join(work, 'out10', `zlib-${i}.tar`)
        await writeFile(artifact, `zlib binary ${i}`)
        return runCli(recordArgs(mirror, spec, digest, artifact))
      }),
    )
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0))

    const history = await runCli(['history', spec, '--mirror', mirror, '--format', 'json'])
    expect(history.code).toBe(0)
    const listed = JSON.parse(history.stdout) as { current: string; entries: MirrorEntry[] }
    expect(listed.entries.map((e) => e.digest).sort()).toEqual([...digests].sort())
    expect(digests).toContain(listed.current)
    // newest first
    const times = listed.entries.map((e) => Date.parse(e.builtAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))

    const idx = await runCli(['index', '--mirror', mirror])
    expect(idx.code).toBe(0)
    const index = parseIndex(await readFile(join(mirror, 'index.json'), 'utf8'), 'index.json')
    expect(index.entries[spec]!.digest).toBe(listed.current)
    await checkNoDanglingEntries(mirror)
  })
})

/**
 * Up to 41 node processes one after another and the index runs: the kill loop's budget, then
 * whatever the last runs and the checks take, all scaled by the load.
 */
const KILL_TEST_MS = scaled(150_000)

describe('record processes killed at random points', { timeout: KILL_TEST_MS }, () => {
  /** Run `record`, SIGKILL it after `delayMs` (unless it finished); resolves to how it ended. */
  function recordKilledAfter(args: string[], delayMs: number): Promise<'killed' | 'finished'> {
    const started = performance.now()
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: cleanEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
      child.on('error', fail)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        if (signal === 'SIGKILL') done('killed')
        else if (code === 0) {
          finishedMs.push(performance.now() - started)
          done('finished')
        } else fail(new Error(`record exited ${code}: ${stderr}`))
      })
    })
  }

  /** How long the runs that finished took (the load changes while the test runs). */
  const finishedMs: number[] = []
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

  it('never leaves an entry pointing at a missing artifact; index still succeeds', async () => {
    const mirror = join(work, 'killed')
    const out = join(work, 'out-killed')
    await mkdir(out, { recursive: true })
    const SIZE = 12 * 1024 * 1024 // a copy long enough to be killed in the middle of
    const body = randomBytes(SIZE)
    let n = 0
    /** A fresh artifact (new content, so the copy and the rename really happen). */
    async function artifact(): Promise<string> {
      const path = join(out, `build-${n}.bin`)
      await writeFile(path, Buffer.concat([Buffer.from(`build ${n++}\n`), body]))
      return path
    }
    const specOf = (i: number) => `big${i % 12}@1.0 os=ubuntu24.04` // re-records: history too

    // How long one record takes here and now: kills are spread over that span.
    const first = await artifact()
    expect(
      await recordKilledAfter(
        recordArgs(mirror, specOf(0), digestText('k-1'), first),
        scaled(60_000),
      ),
    ).toBe('finished')
    const span = finishedMs[0]!
    await rm(first)
    /** A run's expected length: the recent finished runs, longer when kills come too early. */
    let estimate = span

    // At most 40 kills; after the budget, stop as soon as at least 12 runs were killed or not and
    // one kill hit the middle of the write sequence (what the assertions below need).
    const KILLS = 40
    const MIN_KILLS = 12
    const budgetMs = scaled(40_000)
    const outcome = { killed: 0, finished: 0 }
    const windows = {
      beforeAnyWrite: 0,
      duringArtifactCopy: 0,
      artifactWithoutEntry: 0,
      duringEntryWrite: 0,
      entryWritten: 0,
    }
    const started = performance.now()
    const midWrite = () =>
      windows.duringArtifactCopy + windows.artifactWithoutEntry + windows.duringEntryWrite
    let runs = 0
    for (let i = 0; i < KILLS; i++) {
      if (
        i >= MIN_KILLS &&
        outcome.killed > 0 &&
        midWrite() > 0 &&
        performance.now() - started > budgetMs
      )
        break
      runs++
      const path = await artifact()
      const digest = digestText(`k${i}`)
      const spec = specOf(i)
      const before = new Set(await listAll(mirror))
      // Most of a run is node starting up: kill between 30 % and 110 % of a whole run,
      // stratified so that a few kills cover all of it.
      const at = 0.3 + (0.8 * ((i % 8) + Math.random())) / 8
      const how = await recordKilledAfter(recordArgs(mirror, spec, digest, path), estimate * at)
      outcome[how]++
      // the invariant holds after every single kill
      const entries = await checkNoDanglingEntries(mirror)
      const added = (await listAll(mirror)).filter((f) => !before.has(f))
      const current = [...entries.entries()].find(
        ([f, e]) => f === `entries/${computeEntryName(spec)}.json` && e.digest === digest,
      )
      const window: keyof typeof windows = current
        ? 'entryWritten'
        : added.some((f) => isTemp(f) && !f.startsWith('artifacts/'))
          ? 'duringEntryWrite'
          : added.some((f) => f.startsWith('artifacts/') && !isTemp(f))
            ? 'artifactWithoutEntry'
            : added.some(isTemp)
              ? 'duringArtifactCopy'
              : 'beforeAnyWrite'
      windows[window]++
      // the machine got slower (or faster): follow it
      if (how === 'finished') estimate = median(finishedMs.slice(-5))
      else if (window === 'beforeAnyWrite' && at > 0.9) estimate *= 1.25
      await rm(path)
    }
    const elapsed = performance.now() - started
    console.log(
      `record ≈ ${span.toFixed(0)} ms (at the end ≈ ${estimate.toFixed(0)} ms); ${runs} runs in ${(elapsed / 1000).toFixed(1)} s:`,
      outcome,
      windows,
    )
    expect(outcome.killed).toBeGreaterThan(0)
    // the kills hit the middle of the write sequence, not just before or after it
    expect(midWrite()).toBeGreaterThan(0)

    // index succeeds; temp files are ignored (nothing is warned about), the checksum is valid
    const idx = await runCli(['index', '--mirror', mirror])
    expect(idx.stderr).toBe('')
    expect(idx.code).toBe(0)
    const index = parseIndex(await readFile(join(mirror, 'index.json'), 'utf8'), 'index.json')
    const entryFiles = (await listAll(mirror)).filter((f) => f.startsWith('entries/') && !isTemp(f))
    expect(Object.keys(index.entries)).toHaveLength(entryFiles.length)
    for (const entry of Object.values(index.entries)) {
      const info = await stat(join(mirror, entry.artifact.path))
      expect(info.size).toBe(entry.artifact.size)
    }

    // temp files left behind: ignored while fresh, removed by `index` once older than an hour
    const fresh = join(mirror, 'entries', `fresh.json.tmp-1-${'a'.repeat(12)}`)
    await writeFile(fresh, '{"half')
    const left = (await listAll(mirror)).filter((f) => isTemp(f) && !fresh.endsWith(f))
    const stale = join(mirror, 'artifacts/sha256', `upload.tmp-2-${'b'.repeat(12)}`)
    await writeFile(stale, 'half an upload')
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    for (const f of [...left.map((l) => join(mirror, l)), stale])
      await utimes(f, twoHoursAgo, twoHoursAgo)
    const again = await runCli(['index', '--mirror', mirror])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`removed ${left.length + 1} stale temp file(s)`)
    expect((await listAll(mirror)).filter(isTemp)).toEqual(['entries/' + fresh.split('/').pop()])
    expect(parseIndex(await readFile(join(mirror, 'index.json'), 'utf8'), 'i').checksum).toBe(
      index.checksum,
    )
  })
})
