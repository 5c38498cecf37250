#!/usr/bin/env node
// Speed and memory of `binary-check plan` on the REAL spack-packages history (issue 8 §7): the
// bundle ../shared/corpus/spack-packages-2025-12.bundle, cloned into a temp dir. Prints figures
// against the targets; asserts nothing (exit 0 whatever the figures, non-zero only on failure).
//
//   node bench/corpus-scale.mjs [--runs 3] [--cli dist/cli.js] [--range BASE..HEAD]...
//
// Figures (each against the floor measured in the same run: `git ls-tree -r` + every package.py
// through one `git cat-file --batch` + sha256):
//   cold head      plan of the bundle's head alone, empty cache
//   warm head      the same again, cache from the cold run
//   cold range     BASE..HEAD with an empty cache (both sides digested): the peak-RSS figure
//   incremental    BASE..HEAD with the cache holding BASE (as a CI that planned BASE before)
// Default ranges: HEAD~1..HEAD (gcc: a recipe change many specs build with) and HEAD~2..HEAD~1
// (py-ty: a new version).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measureFloor } from './floor.mjs'
import { measuredCommand, median } from './measure.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(here, '..')
const BUNDLE = resolve(projectRoot, '../shared/corpus/spack-packages-2025-12.bundle')
const TARGETS = { cold: 10, warm: 2, incremental: 2, rssMB: 600 }
const CONFIG = `ecosystem: spack
recipes: repos/spack_repo/builtin/packages
buildSystems: repos/spack_repo/builtin/build_systems
`

function parseArgs(argv) {
  const o = { runs: 3, cli: join(projectRoot, 'dist/cli.js'), ranges: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} expects a value`)
      return v
    }
    if (a === '--runs') o.runs = Number(val())
    else if (a === '--cli') o.cli = resolve(val())
    else if (a === '--range') o.ranges.push(val())
    else if (a === '-h' || a === '--help') o.help = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (!(Number.isInteger(o.runs) && o.runs > 0))
    throw new Error('--runs expects a positive integer')
  if (o.ranges.length === 0) o.ranges = ['HEAD~1..HEAD', 'HEAD~2..HEAD~1']
  return o
}

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, maxBuffer: 1 << 30, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout.trim()
}

function plan(cli, repo, config, cacheDir, extra) {
  const out = join(cacheDir, '..', `plan-${process.pid}.json`)
  const args = ['plan', '--repo', repo, '--config', config, '--cache-dir', cacheDir]
  const m = measuredCommand(cli, [...args, ...extra, '--format', 'json', '--output', out])
  const t0 = performance.now()
  const r = spawnSync(m.cmd, m.args, { env: m.env, maxBuffer: 1 << 30, encoding: 'utf8' })
  const seconds = (performance.now() - t0) / 1000
  const rssMB = m.readRssMB()
  m.cleanup()
  if (r.status !== 0)
    throw new Error(`binary-check ${[...args, ...extra].join(' ')} failed:\n${r.stderr}`)
  return { seconds, rssMB }
}

const row = (figure, seconds, floor, target, rssMB) => {
  const ratio = seconds / floor
  return {
    figure,
    seconds: seconds.toFixed(2),
    ratio: `${ratio.toFixed(1)}×`,
    target: target === null ? '—' : `≤ ${target}×`,
    rss: rssMB === null ? 'n/a' : `${rssMB.toFixed(0)} MB`,
    result: target === null ? '' : ratio <= target ? 'met' : 'MISSED',
  }
}

function table(rows) {
  const head = ['figure', 'seconds', '× floor', 'target', 'peak RSS', 'result']
  const body = rows.map((r) => [r.figure, r.seconds, r.ratio, r.target, r.rss, r.result])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)))
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n')
}

async function main() {
  const o = parseArgs(process.argv.slice(2))
  if (o.help) {
    console.log(
      'Usage: node bench/corpus-scale.mjs [--runs N] [--cli FILE] [--range BASE..HEAD]...',
    )
    return 0
  }
  if (!existsSync(BUNDLE)) {
    console.error(`corpus-scale: ${BUNDLE} not found (it ships in ../shared)`)
    return 1
  }
  if (!existsSync(o.cli)) {
    console.error(`corpus-scale: ${o.cli} not found — run \`npm run build\` first`)
    return 1
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bc-corpus-bench-'))
  try {
    const repo = join(scratch, 'spack-packages')
    git(scratch, ['clone', '--quiet', BUNDLE, repo])
    const config = join(scratch, 'binary-check.yml')
    writeFileSync(config, CONFIG)
    const floors = []
    for (let i = 0; i < Math.max(3, o.runs); i++) floors.push((await measureFloor(repo)).seconds)
    const floor = median(floors)
    const { files } = await measureFloor(repo)
    console.log(`floor: ${floor.toFixed(3)} s (${files} recipes; median of ${floors.length})`)

    const rows = []
    const cold = join(scratch, 'cold')
    const colds = []
    let coldRss = null
    for (let i = 0; i < o.runs; i++) {
      rmSync(cold, { recursive: true, force: true })
      const r = plan(o.cli, repo, config, cold, ['--head', 'HEAD'])
      colds.push(r.seconds)
      coldRss = Math.max(coldRss ?? 0, r.rssMB ?? 0)
    }
    rows.push(row('cold head (empty cache)', median(colds), floor, TARGETS.cold, coldRss))
    const warms = []
    let warmRss = null
    for (let i = 0; i < o.runs; i++) {
      const r = plan(o.cli, repo, config, cold, ['--head', 'HEAD'])
      warms.push(r.seconds)
      warmRss = Math.max(warmRss ?? 0, r.rssMB ?? 0)
    }
    rows.push(row('warm head (cache from cold)', median(warms), floor, TARGETS.warm, warmRss))

    for (const range of o.ranges) {
      const [base, head] = range.split('..')
      const subject = git(repo, ['log', '-1', '--format=%s', head])
      const fresh = join(scratch, 'range-cold')
      rmSync(fresh, { recursive: true, force: true })
      const c = plan(o.cli, repo, config, fresh, ['--base', base, '--head', head])
      rows.push(
        row(
          `cold range ${range} (${subject.slice(0, 40)})`,
          c.seconds,
          floor,
          TARGETS.cold,
          c.rssMB,
        ),
      )
      // The cache a CI has after planning BASE: analyses and BASE's tree.
      const primed = join(scratch, 'primed')
      rmSync(primed, { recursive: true, force: true })
      plan(o.cli, repo, config, primed, ['--head', base])
      const incs = []
      let incRss = null
      for (let i = 0; i < o.runs; i++) {
        const copy = join(scratch, `inc-${i}`)
        cpSync(primed, copy, { recursive: true })
        const r = plan(o.cli, repo, config, copy, ['--base', base, '--head', head])
        incs.push(r.seconds)
        incRss = Math.max(incRss ?? 0, r.rssMB ?? 0)
        rmSync(copy, { recursive: true, force: true })
      }
      rows.push(row(`incremental ${range}`, median(incs), floor, TARGETS.incremental, incRss))
    }
    console.log(table(rows))
    console.log(`peak RSS target: < ${TARGETS.rssMB} MB; times are medians of ${o.runs} run(s).`)
    return 0
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`corpus-scale: ${e.message}`)
    process.exit(1)
  },
)
