#!/usr/bin/env node
// Speed benchmark of `binary-check plan` at Spack scale (`npm run bench`). Prints figures; asserts
// nothing: exits 0 whatever the figures, non-zero only when a command fails.
//
//   node bench/plan-scale.mjs [--packages N] [--keep] [--repo DIR] [--runs 3]
//                             [--cli dist/cli.js] [--change PACKAGE]
//
// 1. generates a Spack repository from the real package graph (bench/generate-spack-repo.mjs) into
//    a temp dir, or uses --repo DIR (left untouched: the incremental commit is made in a clone);
// 2. floor: `git ls-tree -r -z HEAD` + every package.py through one `git cat-file --batch` + sha256;
// 3. cold full plan (empty cache dir), warm plan (cache filled by the cold run), incremental plan
//    (one commit changing one recipe's method body, `--base HEAD~1 --head HEAD`, warm cache);
// 4. prints a table with the ratio of each figure to the floor and the targets.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  statSync,
  readdirSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measureFloor } from './floor.mjs'
import { measuredCommand, median, TIME } from './measure.mjs'
import { generateRepo, PACKAGES_ROOT, packageDir } from './generate-spack-repo.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(here, '..')

const TARGETS = {
  coldRatio: 10,
  coldSeconds: 4,
  warmRatio: 2,
  incrementalRatio: 2,
  rssMB: 600,
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'binary-check bench',
  GIT_AUTHOR_EMAIL: 'bench@binary-check.invalid',
  GIT_COMMITTER_NAME: 'binary-check bench',
  GIT_COMMITTER_EMAIL: 'bench@binary-check.invalid',
  GIT_AUTHOR_DATE: '1767312000 +0000', // the day after the generated commit
  GIT_COMMITTER_DATE: '1767312000 +0000',
}

class CommandError extends Error {}

function parseArgs(argv) {
  const o = {
    packages: undefined,
    keep: false,
    repo: null,
    runs: 3,
    cli: join(projectRoot, 'dist/cli.js'),
    change: null,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} expects a value`)
      return v
    }
    if (a === '--packages') o.packages = Number(val())
    else if (a === '--keep') o.keep = true
    else if (a === '--repo') o.repo = resolve(val())
    else if (a === '--runs') o.runs = Number(val())
    else if (a === '--cli') o.cli = resolve(val())
    else if (a === '--change') o.change = val()
    else if (a === '-h' || a === '--help') o.help = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (o.packages !== undefined && !(Number.isInteger(o.packages) && o.packages > 0))
    throw new Error('--packages expects a positive integer')
  if (!(Number.isInteger(o.runs) && o.runs > 0))
    throw new Error('--runs expects a positive integer')
  return o
}

function git(cwd, args, env = {}) {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, maxBuffer: 1 << 30 })
  if (r.status !== 0)
    throw new CommandError(
      `git ${args.join(' ')} (in ${cwd}) failed with status ${r.status}:\n${r.stderr}`,
    )
  return r.stdout.toString().trim()
}

/**
 * Runs the CLI; returns { seconds, rssMB (or null), stdout, stderr }.
 */
function runCli(cli, args, { cwd }) {
  const m = measuredCommand(cli, args)
  const t0 = performance.now()
  const r = spawnSync(m.cmd, m.args, { cwd, env: m.env, maxBuffer: 1 << 30, encoding: 'utf8' })
  const seconds = (performance.now() - t0) / 1000
  const rssMB = m.readRssMB()
  m.cleanup()
  if (r.status !== 0) {
    throw new CommandError(
      `binary-check ${args.join(' ')}\nexited with status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stderr ---\n${r.stderr}${r.stdout ? `--- stdout ---\n${r.stdout.slice(0, 4000)}` : ''}`,
    )
  }
  return { seconds, rssMB, stdout: r.stdout, stderr: r.stderr }
}

function dirSize(dir) {
  let total = 0
  let files = 0
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        total += statSync(p).size
        files++
      }
    }
  }
  if (existsSync(dir)) walk(dir)
  return { bytes: total, files }
}

/** Adds a statement to the first method of a recipe: a real code change (not a comment). */
function changeMethodBody(text) {
  const lines = text.split('\n')
  const i = lines.findIndex((l) => /^ {4}def \w+\(self\b.*\):\s*$/.test(l))
  if (i < 0) throw new Error('no method found to change')
  // after the def line (and after a docstring line, if any)
  let at = i + 1
  if (/^\s+("""|''')/.test(lines[at] ?? '')) at++
  lines.splice(at, 0, '        tty.debug(f"binary-check bench: incremental change in {self.name}")')
  return lines.join('\n')
}

function planSummary(file) {
  const plan = JSON.parse(readFileSync(file, 'utf8'))
  const specs = Array.isArray(plan.specs) ? plan.specs : []
  const count = (st) => specs.filter((s) => s.status === st).length
  return {
    specs: specs.length,
    rebuild: plan.summary?.rebuild ?? count('rebuild'),
    new: plan.summary?.new ?? count('new'),
    upToDate: plan.summary?.upToDate ?? count('up-to-date'),
    packages: Array.isArray(plan.packages) ? plan.packages.length : null,
    unresolved: Array.isArray(plan.unresolved) ? plan.unresolved.length : null,
    waves: plan.summary?.waves ?? null,
  }
}

const fmtS = (s) => (s === null || s === undefined ? 'n/a' : s.toFixed(3))
const fmtRatio = (r) => (r === null || r === undefined ? 'n/a' : `${r.toFixed(1)}×`)

function table(rows) {
  const head = ['figure', 'seconds', '× floor', 'target', 'result']
  const body = rows.map((r) => [r.figure, r.seconds, r.ratio, r.target, r.result])
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
      'Usage: node bench/plan-scale.mjs [--packages N] [--keep] [--repo DIR] [--runs N] [--cli FILE] [--change PACKAGE]',
    )
    return 0
  }
  if (!existsSync(o.cli)) {
    console.error(`plan-scale: ${o.cli} not found — run \`npm run build\` first`)
    return 1
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bc-bench-'))
  const cleanup = []
  try {
    // 1. the repository
    let repo = o.repo
    let generated = null
    if (!repo) {
      repo = join(scratch, 'spack-repo')
      console.log(
        `generating a Spack repository${o.packages ? ` of ${o.packages} packages` : ''} into ${repo} …`,
      )
      generated = generateRepo(repo, { packages: o.packages })
      console.log(
        `  ${generated.packages} packages, ${generated.patchFiles} patch files, ${generated.files} files in ${(generated.totalMs / 1000).toFixed(2)} s ` +
          `(render ${(generated.renderMs / 1000).toFixed(2)} s, git ${(generated.gitMs / 1000).toFixed(2)} s)`,
      )
    } else {
      console.log(`using the repository ${repo}`)
    }
    const head0 = git(repo, ['rev-parse', 'HEAD'])
    console.log(
      `node ${process.version}, CLI ${o.cli}, peak RSS via ${TIME ? `GNU time (${TIME})` : 'process.resourceUsage() preload'}`,
    )

    // 2. floor
    const floors = []
    let floorInfo = null
    for (let i = 0; i < o.runs; i++) {
      floorInfo = await measureFloor(repo)
      floors.push(floorInfo.seconds)
    }
    const floor = median(floors)
    console.log(
      `floor: ${floorInfo.files} package.py blobs, ${(floorInfo.bytes / 1048576).toFixed(1)} MiB: ${floors.map(fmtS).join(', ')} s → median ${fmtS(floor)} s`,
    )

    // fixed cost of starting the CLI (Node + bundle load), for reading the figures below
    const startup = median(
      Array.from(
        { length: o.runs },
        () => runCli(o.cli, ['plan', '--help'], { cwd: repo }).seconds,
      ),
    )
    console.log(`CLI startup (plan --help): ${fmtS(startup)} s`)

    // 3a. cold: each run with its own empty cache dir
    const out = join(scratch, 'plan.json')
    const planArgs = (cacheDir, extra = []) => [
      'plan',
      '--repo',
      repo,
      '--format',
      'json',
      '--output',
      out,
      '--cache-dir',
      cacheDir,
      ...extra,
    ]
    const cold = []
    let warmCache = null
    for (let i = 0; i < o.runs; i++) {
      const cacheDir = mkdtempSync(join(scratch, 'cache-'))
      const r = runCli(o.cli, planArgs(cacheDir), { cwd: repo })
      cold.push(r)
      warmCache = cacheDir
      if (i === 0 && r.stderr.trim())
        console.log(`  cold run stderr: ${r.stderr.trim().split('\n').join('\n    ')}`)
    }
    const coldPlan = planSummary(out)
    const cache = dirSize(warmCache)
    console.log(
      `cold: ${cold.map((r) => fmtS(r.seconds)).join(', ')} s; plan: ${coldPlan.packages} packages, ${coldPlan.specs} specs, ${coldPlan.waves} waves, ` +
        `${coldPlan.unresolved} unresolved directives; cache ${cache.files} files, ${(cache.bytes / 1048576).toFixed(1)} MiB`,
    )

    // 3b. warm: the cache filled by the last cold run
    const warm = []
    for (let i = 0; i < o.runs; i++) warm.push(runCli(o.cli, planArgs(warmCache), { cwd: repo }))
    console.log(`warm: ${warm.map((r) => fmtS(r.seconds)).join(', ')} s`)

    // 3c. incremental: one commit changing one recipe's method body
    let incRepo = repo
    if (o.repo) {
      incRepo = join(scratch, 'incremental-clone')
      git(scratch, ['clone', '-q', '--no-hardlinks', repo, incRepo])
    }
    const P = (n) => join(incRepo, PACKAGES_ROOT, packageDir(n), 'package.py')
    const candidates = o.change ? [o.change] : ['openssl', 'zlib', 'zlib-ng', 'cmake']
    let changed = candidates.find((n) => existsSync(P(n)))
    if (!changed) {
      const dirs = readdirSync(join(incRepo, PACKAGES_ROOT)).sort()
      changed = dirs[Math.floor(dirs.length / 2)].replace(/^_(?=\d)/, '').replace(/_/g, '-')
    }
    if (!existsSync(P(changed))) throw new Error(`no recipe for --change ${changed}`)
    writeFileSync(P(changed), changeMethodBody(readFileSync(P(changed), 'utf8')))
    git(incRepo, ['add', '--', join(PACKAGES_ROOT, packageDir(changed), 'package.py')], GIT_ENV)
    git(
      incRepo,
      [
        '-c',
        'commit.gpgsign=false',
        'commit',
        '-q',
        '-m',
        `${changed}: change a method body (bench)`,
      ],
      GIT_ENV,
    )
    const head1 = git(incRepo, ['rev-parse', 'HEAD'])
    const incArgs = [
      'plan',
      '--repo',
      incRepo,
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'json',
      '--output',
      out,
      '--cache-dir',
      warmCache,
    ]
    // Each run starts from a copy of the warm cache, so no run finds the head already digested
    // by an earlier one: every run derives the head from the cached base.
    const inc = []
    for (let i = 0; i < o.runs; i++) {
      const cacheCopy = join(scratch, `incremental-cache-${i}`)
      cpSync(warmCache, cacheCopy, { recursive: true })
      inc.push(
        runCli(
          o.cli,
          incArgs.map((a) => (a === warmCache ? cacheCopy : a)),
          { cwd: incRepo },
        ),
      )
    }
    const incPlan = planSummary(out)
    console.log(
      `incremental (${changed}, ${head0.slice(0, 10)}..${head1.slice(0, 10)}): ${inc.map((r) => fmtS(r.seconds)).join(', ')} s; ` +
        `rebuilds ${incPlan.rebuild} of ${incPlan.specs} specs (${incPlan.upToDate} up to date, ${incPlan.new} new)`,
    )

    // 4. the table
    const coldS = median(cold.map((r) => r.seconds))
    const warmS = median(warm.map((r) => r.seconds))
    const incS = median(inc.map((r) => r.seconds))
    const rssAll = [...cold, ...warm, ...inc].map((r) => r.rssMB).filter((x) => x !== null)
    const rssMax = rssAll.length ? Math.max(...rssAll) : null
    const coldRssMax = cold.some((r) => r.rssMB !== null)
      ? Math.max(...cold.filter((r) => r.rssMB !== null).map((r) => r.rssMB))
      : null
    const pf = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS')
    const rows = [
      {
        figure: `floor (${floorInfo.files} recipes)`,
        seconds: fmtS(floor),
        ratio: '1.0×',
        target: '—',
        result: '',
      },
      {
        figure: 'CLI startup (plan --help)',
        seconds: fmtS(startup),
        ratio: fmtRatio(startup / floor),
        target: '— (info)',
        result: '',
      },
      {
        figure: 'cold full plan',
        seconds: fmtS(coldS),
        ratio: fmtRatio(coldS / floor),
        target: `≤ ${TARGETS.coldRatio}× floor and < ${TARGETS.coldSeconds} s`,
        result: pf(coldS / floor <= TARGETS.coldRatio && coldS < TARGETS.coldSeconds),
      },
      {
        figure: 'warm plan',
        seconds: fmtS(warmS),
        ratio: fmtRatio(warmS / floor),
        target: `≤ ${TARGETS.warmRatio}× floor`,
        result: pf(warmS / floor <= TARGETS.warmRatio),
      },
      {
        figure: `incremental (${changed}: ${incPlan.rebuild} rebuilds)`,
        seconds: fmtS(incS),
        ratio: fmtRatio(incS / floor),
        target: `≤ ${TARGETS.incrementalRatio}× floor`,
        result: pf(incS / floor <= TARGETS.incrementalRatio),
      },
      {
        figure: `peak RSS (max of all runs; cold ${coldRssMax === null ? 'n/a' : `${coldRssMax.toFixed(0)} MB`})`,
        seconds: rssMax === null ? 'unknown' : `${rssMax.toFixed(0)} MB`,
        ratio: '',
        target: `< ${TARGETS.rssMB} MB`,
        result: rssMax === null ? 'n/a' : pf(rssMax < TARGETS.rssMB),
      },
    ]
    console.log('')
    console.log(
      `binary-check plan at Spack scale: ${coldPlan.packages} packages, ${coldPlan.specs} specs (median of ${o.runs} runs)`,
    )
    console.log(table(rows))
    if (o.keep) console.log(`\nkept: ${scratch}${o.repo ? '' : ` (repository ${repo})`}`)
    else cleanup.push(scratch)
    return 0
  } catch (e) {
    if (e instanceof CommandError) {
      console.error(`\nplan-scale: a command failed:\n${e.message}`)
      console.error(`(scratch directory kept: ${scratch})`)
      return 1
    }
    throw e
  } finally {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true })
  }
}

process.exitCode = await main()
