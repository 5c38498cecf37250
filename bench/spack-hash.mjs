#!/usr/bin/env node
// Speed of `binary-check spack-hash` (Spack's package_hash / content_hash without Spack, issue 9
// §4) on the REAL corpus: the head of ../shared/corpus/spack-packages-2025-12.bundle, cloned into a
// temp dir. Prints figures; asserts nothing (exit 0 whatever the figures, non-zero on failure).
//
//   node bench/spack-hash.mjs [--runs 3] [--cli dist/cli.js]
//
// Figures, each against the floor measured in the same run (`git ls-tree -r` + every package.py
// through one `git cat-file --batch` + sha256):
//   every recipe     all 8,694 packages at their default spec
//   all-pythons lock the 81 nodes of lockfiles/all-pythons.spack.lock
//   NCAR lock        the 1,238 nodes of lockfiles/ncar-derecho.spack.lock.gz (Spack 0.22)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { measureFloor } from './floor.mjs'
import { measuredCommand, median } from './measure.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(here, '..')
const CORPUS = resolve(projectRoot, '../shared/corpus')
const BUNDLE = join(CORPUS, 'spack-packages-2025-12.bundle')

function parseArgs(argv) {
  const o = { runs: 3, cli: join(projectRoot, 'dist/cli.js') }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--runs') o.runs = Number(argv[++i])
    else if (a === '--cli') o.cli = resolve(argv[++i] ?? '')
    else if (a === '-h' || a === '--help') o.help = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (!(Number.isInteger(o.runs) && o.runs > 0))
    throw new Error('--runs expects a positive integer')
  return o
}

function timed(cli, args) {
  const m = measuredCommand(cli, args)
  const t0 = performance.now()
  const r = spawnSync(m.cmd, m.args, { env: m.env, maxBuffer: 1 << 30, encoding: 'utf8' })
  const seconds = (performance.now() - t0) / 1000
  const rssMB = m.readRssMB()
  m.cleanup()
  if (r.status !== 0) throw new Error(`binary-check ${args.join(' ')} failed:\n${r.stderr}`)
  return { seconds, rssMB, entries: JSON.parse(r.stdout) }
}

async function main() {
  const o = parseArgs(process.argv.slice(2))
  if (o.help) {
    console.log('Usage: node bench/spack-hash.mjs [--runs N] [--cli FILE]')
    return 0
  }
  if (!existsSync(BUNDLE)) {
    console.error(`spack-hash bench: ${BUNDLE} not found (it ships in ../shared)`)
    return 1
  }
  if (!existsSync(o.cli)) {
    console.error(`spack-hash bench: ${o.cli} not found — run \`npm run build\` first`)
    return 1
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bc-spack-hash-bench-'))
  try {
    const repo = join(scratch, 'spack-packages')
    const clone = spawnSync('git', ['clone', '--quiet', BUNDLE, repo])
    if (clone.status !== 0) throw new Error(`git clone failed: ${clone.stderr}`)
    const ncar = join(scratch, 'ncar.spack.lock')
    writeFileSync(
      ncar,
      gunzipSync(readFileSync(join(CORPUS, 'lockfiles/ncar-derecho.spack.lock.gz'))),
    )
    const floors = []
    for (let i = 0; i < Math.max(3, o.runs); i++) floors.push((await measureFloor(repo)).seconds)
    const floor = median(floors)
    console.log(`floor: ${floor.toFixed(3)} s (median of ${floors.length})`)
    const cases = [
      ['every recipe, default specs', []],
      [
        'all-pythons.spack.lock (81 nodes)',
        ['--lockfile', join(CORPUS, 'lockfiles/all-pythons.spack.lock')],
      ],
      ['NCAR lock (1,238 nodes, Spack 0.22)', ['--lockfile', ncar]],
    ]
    console.log('| figure | seconds | × floor | peak RSS | entries |')
    console.log('|---|---|---|---|---|')
    for (const [figure, extra] of cases) {
      const runs = []
      let rss = 0
      let entries = []
      for (let i = 0; i < o.runs; i++) {
        const r = timed(o.cli, ['spack-hash', '--repo', repo, ...extra])
        runs.push(r.seconds)
        rss = Math.max(rss, r.rssMB ?? 0)
        entries = r.entries
      }
      const s = median(runs)
      const hashed = entries.filter((e) => e.package_hash !== null).length
      console.log(
        `| ${figure} | ${s.toFixed(2)} | ${(s / floor).toFixed(1)}× | ${rss ? `${rss.toFixed(0)} MB` : 'n/a'} | ${hashed}/${entries.length} hashed |`,
      )
    }
    console.log(`times are medians of ${o.runs} run(s)`)
    return 0
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`spack-hash bench: ${e.message}`)
    process.exit(1)
  },
)
