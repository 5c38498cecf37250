/**
 * The sweep behind corpus-sweep-*.test.ts, the real history as the test bed (issue 8 §1): clone
 * the bundle of 519 real spack-packages commits and plan consecutive pairs with every package at
 * its default spec, the cache shared across ranges as a CI would share it. Every range must plan, every plan must satisfy the
 * invariants of support/plan-invariants.ts, and on a sample of ranges (every 25th and the one with
 * the most changed files) the head as planned must equal a full digest of that commit.
 * Prints the figures the issue asks for, and writes every range's to a JSON file in the temporary
 * directory (named in the output).
 */
import { graphViolations } from './graph-checks.js'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, matchesGlob, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { UserError } from '../../src/core/errors.js'
import { readConfigFile } from '../../src/config/read-config.js'
import { reusableFrom } from '../../src/core/resolve-specs.js'
import { digestTreeFully } from '../../src/engine/digest-tree.js'
import { FileBlobCache } from '../../src/engine/file-blob-cache.js'
import { runPlan, type PlanResult } from '../../src/engine/plan-engine.js'
import { readSnapshot } from '../../src/engine/repo-snapshot.js'
import { createGit } from '../../src/git/index.js'
import { planViolations } from './plan-invariants.js'

const run = promisify(execFile)
const BUNDLE = resolve(import.meta.dirname, '../../../shared/corpus/spack-packages-2025-12.bundle')
export const HAVE_CORPUS = existsSync(BUNDLE)

const CONFIG = `ecosystem: spack
recipes: repos/spack_repo/builtin/packages
buildSystems: repos/spack_repo/builtin/build_systems
`

interface RangeFigure {
  index: number
  base: string
  head: string
  subject: string
  changedFiles: number
  building: number
  ms: number
}

/**
 * A full digest of `rev` (analysis cache only, no tree cache): the reference. Resolved as a head of
 * `base` is: keeping the versions the base resolved to (concretizer.reuse).
 */
async function fullDigest(
  repo: string,
  config: string,
  base: string,
  rev: string,
  cacheDir: string,
) {
  const dir = await mkdtemp(join(tmpdir(), 'bc-full-'))
  try {
    for (const f of await readdir(cacheDir))
      if (f.startsWith('recipes-')) await cp(join(cacheDir, f), join(dir, f))
    const baseTree = (await runPlan({ repo, config, head: base, cacheDir: dir })).head
    const parsed = await readConfigFile(config)
    return await digestTreeFully(
      await readSnapshot(await createGit(repo), rev),
      {
        config: parsed,
        isIgnored: (p) => parsed.ignore.some((g) => matchesGlob(p, g)),
        deptypes: new Set(parsed.deptypes),
        isBase: false,
        reuse: reusableFrom(baseTree.specs.values(), undefined),
      },
      await FileBlobCache.open(dir),
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function sameDigests(planned: PlanResult['head'], full: PlanResult['head']): string[] {
  const out: string[] = []
  const ids = new Set([...planned.specDigests.keys(), ...full.specDigests.keys()])
  for (const id of ids) {
    const a = planned.specDigests.get(id)?.digest
    const b = full.specDigests.get(id)?.digest
    if (a !== b) out.push(`${id}: planned ${a ?? '(absent)'}, full ${b ?? '(absent)'}`)
  }
  return out
}

/** The ranges of one part of the sweep: range i plans commit i-1 → commit i (1 ≤ i ≤ 518). */
export interface SweepPart {
  first: number
  last: number
}

/**
 * Plan every range of `part` in order, in a fresh clone of the bundle with one cache shared by
 * them (its first range starts cold), check the invariants on each and derived = full on the
 * sample; print the figures and fail on any violation.
 */
export async function sweepCorpus(part: SweepPart): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bc-sweep-'))
  try {
    const repo = join(work, 'spack-packages')
    await run('git', ['clone', '--quiet', BUNDLE, repo])
    const config = join(work, 'binary-check.yml')
    await writeFile(config, CONFIG)
    const cacheDir = join(work, 'cache')
    const git = await createGit(repo)
    const revs = (
      await run('git', ['-C', repo, 'rev-list', '--first-parent', '--reverse', 'HEAD'], {
        maxBuffer: 1 << 24,
      })
    ).stdout
      .trim()
      .split('\n')
    const subjects = (
      await run('git', ['-C', repo, 'log', '--first-parent', '--reverse', '--format=%s', 'HEAD'], {
        maxBuffer: 1 << 24,
      })
    ).stdout.split('\n')
    expect(revs.length).toBe(519)

    const figures: RangeFigure[] = []
    const failures: string[] = []
    const planned = new Map<number, PlanResult['head']>()
    const started = performance.now()
    // SWEEP_RANGES=N plans only the first N ranges of the part (a quick local look; CI plans all).
    const last = Math.min(
      part.last,
      part.first - 1 + Number(process.env.SWEEP_RANGES ?? revs.length),
    )
    for (let i = part.first; i <= last; i++) {
      const base = revs[i - 1]!
      const head = revs[i]!
      const t0 = performance.now()
      let result: PlanResult
      try {
        result = await runPlan({ repo, config, base, head, cacheDir })
      } catch (e) {
        failures.push(
          `range ${i} ${head.slice(0, 10)}: ${e instanceof UserError ? e.oneLine() : String(e)}`,
        )
        continue
      }
      const ms = performance.now() - t0
      const changed = await git.changedFiles(base, head)
      for (const v of planViolations(result, changed))
        if (failures.length < 50)
          failures.push(`range ${i} ${head.slice(0, 10)} (${subjects[i]}): ${v}`)
      // The rebuild picture of every range stays within bounds; every 25th is parsed too.
      for (const v of await graphViolations(result.plan, i % 25 === 0))
        if (failures.length < 50) failures.push(`range ${i} ${head.slice(0, 10)}: ${v}`)
      const building = result.plan.summary.rebuild + result.plan.summary.new
      figures.push({
        index: i,
        base,
        head,
        subject: subjects[i] ?? '',
        changedFiles: changed.length,
        building,
        ms,
      })
      if (i % 25 === 0) planned.set(i, result.head)
    }
    const totalS = (performance.now() - started) / 1000

    // The sample: every 25th range and the one with the most changed files.
    const largest = [...figures].sort((a, b) => b.changedFiles - a.changedFiles)[0]!
    const sample = [...new Set([...planned.keys(), largest.index])].sort((a, b) => a - b)
    for (const i of sample) {
      let head = planned.get(i)
      if (!head)
        head = (await runPlan({ repo, config, base: revs[i - 1]!, head: revs[i]!, cacheDir })).head
      const full = await fullDigest(repo, config, revs[i - 1]!, revs[i]!, cacheDir)
      const diff = sameDigests(head, full)
      if (diff.length > 0)
        failures.push(
          `range ${i}: planned head differs from a full digest in ${diff.length} specs, first: ${diff[0]}`,
        )
    }

    const sorted = [...figures].sort((a, b) => b.ms - a.ms)
    const counts = figures.map((f) => f.building).sort((a, b) => a - b)
    const slowest = sorted[0]!
    console.log(
      [
        `corpus sweep, ranges ${part.first}-${last}: ${figures.length} ranges planned in ${totalS.toFixed(1)} s`,
        `  slowest: range ${slowest.index} (${slowest.subject}) ${(slowest.ms / 1000).toFixed(1)} s, ${slowest.changedFiles} files changed, ${slowest.building} specs building`,
        `  next slowest: ${sorted
          .slice(1, 4)
          .map((f) => `range ${f.index} ${(f.ms / 1000).toFixed(1)} s`)
          .join(', ')}`,
        `  ranges rebuilding nothing: ${counts.filter((c) => c === 0).length}`,
        `  median rebuild count: ${counts[Math.floor(counts.length / 2)]}; largest: ${counts[counts.length - 1]}`,
        `  largest change: range ${largest.index} (${largest.subject}), ${largest.changedFiles} files`,
        `  derived = full digest checked on ranges ${sample.join(', ')}`,
      ].join('\n'),
    )
    const figuresFile = join(tmpdir(), `binary-check-corpus-sweep-${part.first}-${last}.json`)
    await writeFile(figuresFile, JSON.stringify({ totalS, figures }, null, 1))
    console.log(`  every range's figures: ${figuresFile}`)
    if (failures.length > 0)
      console.log(`  failures:\n${failures.map((f) => `    ${f}`).join('\n')}`)
    expect(failures).toEqual([])
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
