/**
 * Parallel build jobs recording into one mirror, as separate processes. The mirror module is
 * bundled to plain ESM first (node cannot resolve our `.js` imports of `.ts` files).
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText, sha256Hex } from '../src/core/canonical-encode.js'
import { computeIndexChecksum, openFileMirror, type MirrorEntry } from '../src/mirror/index.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('mirror-concurrency')

const run = promisify(execFile)
const WORKER = resolve(import.meta.dirname, 'support/record-worker.mjs')
let work: string
let bundle: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-mirror-procs-'))
  bundle = join(work, 'mirror.mjs')
  await build({
    entryPoints: [resolve(import.meta.dirname, '../src/mirror/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile: bundle,
    logLevel: 'error',
  })
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe('concurrent recording', () => {
  it('20 processes record 20 specs into one mirror; the index holds all of them', async () => {
    const mirrorDir = join(work, 'mirror')
    await mkdir(join(work, 'out'), { recursive: true })
    const jobs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const spec = `pkg${i}@1.${i} os=linux`
        // every fourth job builds the same bytes: concurrent writers of one content address
        const content = i % 4 === 0 ? 'shared binary' : `binary ${i} ${'x'.repeat(i * 1000)}`
        const artifact = join(work, 'out', `pkg${i}.tar`)
        await writeFile(artifact, content)
        return { spec, digest: digestText(`digest ${i}`), artifact, content }
      }),
    )
    const outputs = await Promise.all(
      jobs.map((job) =>
        run(process.execPath, [WORKER, bundle, mirrorDir, job.spec, job.digest, job.artifact]),
      ),
    )
    const recorded = outputs.map((o) => JSON.parse(o.stdout) as MirrorEntry)
    expect(recorded.map((e) => e.spec)).toEqual(jobs.map((j) => j.spec))

    const mirror = openFileMirror(mirrorDir)
    const index = await mirror.writeIndex()
    expect(Object.keys(index.entries).sort()).toEqual(jobs.map((j) => j.spec).sort())
    const reread = await mirror.tryReadIndex()
    expect(reread?.checksum).toBe(computeIndexChecksum(reread?.entries))
    for (const job of jobs) {
      const entry = index.entries[job.spec] as MirrorEntry
      expect(entry.digest).toBe(job.digest)
      expect(entry.artifact.sha256).toBe(sha256Hex(job.content))
      expect(await readFile(join(mirrorDir, entry.artifact.path), 'utf8')).toBe(job.content)
    }
    const artifacts = await readdir(join(mirrorDir, 'artifacts/sha256'))
    expect(artifacts).toHaveLength(16) // 15 distinct + 1 shared
    const everything = await readdir(mirrorDir, { recursive: true })
    expect(everything.filter((f) => f.includes('.tmp'))).toEqual([])
  })
})
