#!/usr/bin/env node
// Speed of planning a spack.lock against real Spack build caches (issue 9 §2–§4), with the
// real data in ../shared/corpus/spack: the file build cache (layout v3) and the docker-registry
// storage of the OCI build cache that real Spack wrote for lockfiles/all-pythons.spack.lock (81
// nodes, 77 binaries). The recipe repository is made of the recipes inside those binaries.
// Prints figures; asserts nothing (exit 0 whatever the figures, non-zero on failure).
//
//   node bench/spack-buildcache.mjs [--runs 3] [--cli dist/cli.js]
//
// Figures (medians; each run a fresh process, no analysis cache):
//   lock check      plan with the lock and nothing else (each node's stored package_hash)
//   spack+file      plan against the file build cache
//   spack+oci       plan against the OCI build cache in docker-registry on 127.0.0.1 (skipped
//                   when docker-registry is not installed)
//   floor           `git ls-tree -r` + every recipe through `git cat-file --batch` + sha256
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  cpSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mkdtempSync } from 'node:fs'
import { measureFloor } from './floor.mjs'
import { measuredCommand, median } from './measure.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(here, '..')
const SPACK = resolve(projectRoot, '../shared/corpus/spack')
const LOCK = resolve(projectRoot, '../shared/corpus/lockfiles/all-pythons.spack.lock')

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

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout
}

/** A git repository of the recipes inside the file cache's binaries, the lock and a config. */
function recipeRepository(cache, dir) {
  const extracted = join(dir, 'extracted')
  mkdirSync(extracted, { recursive: true })
  const specDir = join(cache, 'v3/manifests/spec')
  for (const name of readdirSync(specDir))
    for (const file of readdirSync(join(specDir, name))) {
      const m = JSON.parse(readFileSync(join(specDir, name, file), 'utf8'))
      const sum = m.data.find((d) => d.mediaType.includes('install')).checksum
      run('tar', [
        '-xzf',
        join(cache, 'blobs/sha256', sum.slice(0, 2), sum),
        '-C',
        extracted,
        '--wildcards',
        '*/.spack/repos/*',
      ])
    }
  const repo = join(dir, 'repo')
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const rel = relative(extracted, p)
        const target = join(repo, rel.slice(rel.indexOf('.spack/repos/') + '.spack/'.length))
        mkdirSync(dirname(target), { recursive: true })
        cpSync(p, target)
      }
    }
  }
  walk(extracted)
  cpSync(LOCK, join(repo, 'spack.lock'))
  writeFileSync(
    join(repo, '.binary-check.yml'),
    'ecosystem: spack\nrecipes: repos/spack_repo/builtin/packages\nlockfile: spack.lock\n',
  )
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@x',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@x',
  }
  run('git', ['init', '-q', repo])
  run('git', ['-C', repo, 'add', '-A'], { env })
  run('git', ['-C', repo, 'commit', '-qm', 'recipes'], { env })
  return repo
}

function freePort() {
  return new Promise((done, fail) => {
    const s = createServer()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port
      s.close(() => done(port))
    })
  })
}

async function startRegistry(storage, dir) {
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) return undefined
  const port = await freePort()
  const config = join(dir, 'registry.yml')
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(storage)}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  )
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok)
        return { host: `127.0.0.1:${port}`, child }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill()
  throw new Error('docker-registry did not start')
}

function timedPlan(cli, repo, extra) {
  const m = measuredCommand(cli, [
    'plan',
    '--repo',
    repo,
    '--head',
    'HEAD',
    '--format',
    'json',
    ...extra,
  ])
  const t0 = performance.now()
  const r = spawnSync(m.cmd, m.args, { env: m.env, maxBuffer: 1 << 30, encoding: 'utf8' })
  const seconds = (performance.now() - t0) / 1000
  const rssMB = m.readRssMB()
  m.cleanup()
  if (r.status !== 0) throw new Error(`plan ${extra.join(' ')} failed:\n${r.stderr}`)
  return { seconds, rssMB, plan: JSON.parse(r.stdout) }
}

async function main() {
  const o = parseArgs(process.argv.slice(2))
  if (o.help) {
    console.log('Usage: node bench/spack-buildcache.mjs [--runs N] [--cli FILE]')
    return 0
  }
  if (!existsSync(join(SPACK, 'buildcache-file-v3.tar.gz'))) {
    console.error(`spack-buildcache bench: ${SPACK} not found (it ships in ../shared)`)
    return 1
  }
  if (!existsSync(o.cli)) {
    console.error(`spack-buildcache bench: ${o.cli} not found — run \`npm run build\` first`)
    return 1
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bc-spack-buildcache-bench-'))
  let registry
  try {
    const cache = join(scratch, 'file-cache')
    mkdirSync(cache)
    run('tar', ['-xzf', join(SPACK, 'buildcache-file-v3.tar.gz'), '-C', cache])
    const oci = join(scratch, 'oci')
    mkdirSync(oci)
    run('tar', ['-xzf', join(SPACK, 'buildcache-oci-registry-storage.tar.gz'), '-C', oci])
    const repo = recipeRepository(cache, scratch)
    registry = await startRegistry(join(oci, 'storage'), scratch)
    const floors = []
    for (let i = 0; i < 3; i++) floors.push((await measureFloor(repo)).seconds)
    const floor = median(floors)
    console.log(`floor: ${floor.toFixed(3)} s (median of 3; ${repo})`)
    const cases = [
      ['lock check (81 nodes, no cache)', []],
      ['spack+file build cache', ['--mirror', `spack+file://${cache}`]],
      ...(registry
        ? [
            [
              'spack+oci build cache (docker-registry)',
              ['--mirror', `spack+oci://${registry.host}/spack-cache`],
            ],
          ]
        : []),
    ]
    if (!registry) console.log('docker-registry is not installed: the OCI figure is skipped')
    console.log(
      '| figure | seconds | × floor | peak RSS | reference | rebuild | new | up to date |',
    )
    console.log('|---|---|---|---|---|---|---|---|')
    for (const [figure, extra] of cases) {
      const runs = []
      let rss = 0
      let plan
      for (let i = 0; i < o.runs; i++) {
        const r = timedPlan(o.cli, repo, extra)
        runs.push(r.seconds)
        rss = Math.max(rss, r.rssMB ?? 0)
        plan = r.plan
      }
      const s = median(runs)
      const sum = plan.summary
      console.log(
        `| ${figure} | ${s.toFixed(2)} | ${(s / floor).toFixed(1)}× | ${rss ? `${rss.toFixed(0)} MB` : 'n/a'} | ${plan.reference} | ${sum.rebuild} | ${sum.new} | ${sum.upToDate} |`,
      )
    }
    console.log(`times are medians of ${o.runs} run(s)`)
    return 0
  } finally {
    registry?.child.kill()
    rmSync(scratch, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`spack-buildcache bench: ${e.message}`)
    process.exit(1)
  },
)
