#!/usr/bin/env node
// Scale benchmark of an `oci://` mirror on a local registry (Debian's docker-registry, started
// here). Prints figures; asserts nothing: exits 0 whatever the figures, non-zero only when a
// command fails or the registry is missing.
//
//   node bench/oci-scale.mjs [--entries 100000] [--specs 10000] [--tags 10000] [--runs 3]
//                            [--push-concurrency 16] [--only a|b] [--keep]
//
// (a) plan against a big index: a manifest-ecosystem repository of --specs packages (one spec
//     each, a dependency tree), an index of --entries entries (every spec of the repository, half
//     up to date, plus synthetic others) pushed as the mirror's index blob + manifest through the
//     registry client; then `plan --mirror oci://…` (warm analysis cache, so the mirror is what
//     differs) against `plan` without a mirror. Reported: the mirror phase of `plan --verbose`
//     (download + verify + parse + lookup map), the download alone (the same blob fetched by the
//     client in this process), and the time beyond the download (target < 1.5 s).
// (b) `index` over --tags spec tags: the tags pushed first through the mirror's own `record` with
//     bounded parallelism (timed apart), then `binary-check index` (default 8 requests in flight)
//     timed with its peak RSS (GNU time %M when /usr/bin/time exists): targets < 60 s, < 500 MB.
//     A second `index` (the previous index's entries reused) is reported too.
import { spawnSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { measuredCommand, median, TIME } from './measure.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(here, '..')
const CLI = join(projectRoot, 'dist/cli.js')

const TARGETS = { beyondDownloadSeconds: 1.5, indexSeconds: 60, indexRssMB: 500 }

class CommandError extends Error {}

function parseArgs(argv) {
  const o = {
    entries: 100_000,
    specs: 10_000,
    tags: 10_000,
    runs: 3,
    pushConcurrency: 16,
    only: null,
    keep: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} expects a value`)
      return v
    }
    const int = () => {
      const n = Number(val())
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} expects a positive integer`)
      return n
    }
    if (a === '--entries') o.entries = int()
    else if (a === '--specs') o.specs = int()
    else if (a === '--tags') o.tags = int()
    else if (a === '--runs') o.runs = int()
    else if (a === '--push-concurrency') o.pushConcurrency = int()
    else if (a === '--only') o.only = val()
    else if (a === '--keep') o.keep = true
    else if (a === '-h' || a === '--help') o.help = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (o.only !== null && o.only !== 'a' && o.only !== 'b') throw new Error('--only expects a or b')
  if (o.specs > o.entries) throw new Error('--specs must not exceed --entries')
  return o
}

const sha256Hex = (x) => createHash('sha256').update(x).digest('hex')
const seconds = (ms) => (ms / 1000).toFixed(2)

/**
 * Run the CLI asynchronously (the registry client in this process keeps working meanwhile);
 * resolves to { ms, rssMB, stdout, stderr }. Peak RSS from GNU time, else from a preloaded
 * module recording process.resourceUsage().maxRSS at exit.
 */
function runCli(args, { cwd = projectRoot, env = {} } = {}) {
  const m = measuredCommand(CLI, args, { ...process.env, ...env })
  return new Promise((done, fail) => {
    const t0 = performance.now()
    const child = spawn(m.cmd, m.args, { cwd, env: m.env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    const err = []
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    child.on('error', fail)
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0
      const rssMB = m.readRssMB()
      m.cleanup()
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8')
      if (code !== 0)
        fail(
          new CommandError(
            `binary-check ${args.join(' ')}\nexited with status ${code}${signal ? ` (signal ${signal})` : ''}\n--- stderr ---\n${stderr.slice(0, 4000)}`,
          ),
        )
      else done({ ms, rssMB, stdout, stderr })
    })
  })
}

function git(cwd, args) {
  const r = spawnSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'binary-check bench',
      GIT_AUTHOR_EMAIL: 'bench@binary-check.invalid',
      GIT_COMMITTER_NAME: 'binary-check bench',
      GIT_COMMITTER_EMAIL: 'bench@binary-check.invalid',
      GIT_AUTHOR_DATE: '1767225600 +0000',
      GIT_COMMITTER_DATE: '1767225600 +0000',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
    maxBuffer: 1 << 30,
  })
  if (r.status !== 0) throw new CommandError(`git ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout.toString().trim()
}

/** Our TypeScript (mirror, registry client, test registry helper) bundled to one ESM file. */
async function bundleHelpers(dir) {
  const { build } = await import('esbuild')
  const entry = join(dir, 'entry.ts')
  const src = (p) => JSON.stringify(join(projectRoot, p))
  writeFileSync(
    entry,
    [
      `export { openMirror, computeIndex, serializeIndex } from ${src('src/mirror/index.ts')}`,
      `export { createRegistryClient, INDEX_TAG, MEDIA_TYPES } from ${src('src/mirror/oci/index.ts')}`,
      `export { computeIndexManifest, serializeManifest, EMPTY_BLOB } from ${src('src/mirror/oci/manifests.ts')}`,
      `export { mapBounded } from ${src('src/mirror/oci/bounded-map.ts')}`,
      `export { startRegistry, findExecutable } from ${src('test/support/registry.ts')}`,
    ].join('\n'),
  )
  const outfile = join(dir, 'helpers.mjs')
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile,
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __bcRequire } from 'node:module'; const require = __bcRequire(import.meta.url);",
    },
  })
  return import(pathToFileURL(outfile).href)
}

/** A manifest-ecosystem repository of `n` packages (p<i> depends on p<(i-1)/2>): one spec each. */
function generateManifestRepo(dir, n) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  const lines = ['ecosystem: manifest', 'packages:']
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, 'src', `p${i}.c`), `int p${i}(void) { return ${i}; }\n`)
    lines.push(`  p${i}:`, `    inputs: ["src/p${i}.c"]`, `    versions: { "1.${i % 7}": {} }`)
    if (i > 0) lines.push(`    dependencies: ["p${Math.floor((i - 1) / 2)}"]`)
  }
  writeFileSync(join(dir, '.binary-check.yml'), `${lines.join('\n')}\n`)
  git(dir, ['init', '--quiet', '--initial-branch=main'])
  git(dir, ['add', '--all'])
  git(dir, ['commit', '--quiet', '--no-verify', '-m', `${n} packages`])
}

const verboseMs = (stderr, pattern) => {
  const m = pattern.exec(stderr)
  return m ? Number(m[1]) : NaN
}

async function benchPlan(h, registry, opts, work, rows) {
  const repo = join(work, 'repo')
  mkdirSync(repo)
  let t0 = performance.now()
  generateManifestRepo(repo, opts.specs)
  console.log(`(a) generated ${opts.specs} packages in ${seconds(performance.now() - t0)} s`)

  const cacheDir = join(work, 'cache')
  const planArgs = ['plan', '--repo', repo, '--cache-dir', cacheDir, '--format', 'json']
  const planFile = join(work, 'plan.json')
  // cold run fills the cache; its plan gives the spec ids and digests
  const cold = await runCli([...planArgs, '--output', planFile])
  console.log(`(a) cold plan without mirror: ${seconds(cold.ms)} s`)
  const plan = JSON.parse(readFileSync(planFile, 'utf8'))
  const specs = plan.specs.filter((s) => s.digest)
  console.log(`(a) ${specs.length} specs in the plan`)

  // the index: every spec of the plan (even ones up to date, odd ones from another digest), then
  // synthetic entries up to --entries
  t0 = performance.now()
  const entries = []
  const builtAt = '2026-01-02T03:04:05.000Z'
  const entry = (spec, pkg, version, digest, i) => {
    const hex = sha256Hex(`artifact ${i}`)
    return {
      schema: 'binary-check/entry@1',
      spec,
      package: pkg,
      version,
      os: 'ubuntu24.04',
      digest,
      artifact: { path: `blobs/sha256:${hex}`, sha256: hex, size: 1000 + (i % 100_000) },
      builtAt,
      commit: sha256Hex(`commit ${i % 97}`).slice(0, 40),
      builder: `https://ci.example.invalid/jobs/${i}`,
    }
  }
  specs.forEach((s, i) =>
    entries.push(
      entry(
        s.id,
        s.package,
        s.version,
        i % 2 === 0 ? s.digest : `sha256:${sha256Hex(`old ${s.id}`)}`,
        i,
      ),
    ),
  )
  for (let i = entries.length; i < opts.entries; i++)
    entries.push(
      entry(
        `other${i}@2.${i % 13} os=ubuntu24.04`,
        `other${i}`,
        `2.${i % 13}`,
        `sha256:${sha256Hex(`d${i}`)}`,
        i,
      ),
    )
  const index = h.computeIndex(entries)
  const indexFile = join(work, 'index.json')
  writeFileSync(indexFile, h.serializeIndex(index))
  const indexBytes = statSync(indexFile).size
  console.log(
    `(a) built an index of ${entries.length} entries, ${(indexBytes / 1e6).toFixed(1)} MB, in ${seconds(performance.now() - t0)} s`,
  )

  // push it as the mirror's index (blob from a file: chunked above 8 MiB, as a big index is)
  const url = `oci://${registry.host}/bench/plan-index`
  const client = h.createRegistryClient(url)
  t0 = performance.now()
  const blob = await client.pushBlob({ path: indexFile, mediaType: h.MEDIA_TYPES.index })
  await client.pushBlob({ bytes: h.EMPTY_BLOB, mediaType: h.MEDIA_TYPES.empty })
  await client.putManifest(
    h.INDEX_TAG,
    h.serializeManifest(h.computeIndexManifest(blob, index.checksum)),
    h.MEDIA_TYPES.manifest,
  )
  console.log(`(a) pushed the index in ${seconds(performance.now() - t0)} s`)

  // the download alone: manifest + blob through the same client code, in this process
  const downloads = []
  const verifies = []
  for (let i = 0; i < opts.runs; i++) {
    const fresh = h.createRegistryClient(url)
    const d0 = performance.now()
    await fresh.tryGetManifest(h.INDEX_TAG, [h.MEDIA_TYPES.manifest])
    const bytes = await fresh.fetchBlob(blob.digest)
    downloads.push(performance.now() - d0)
    const v0 = performance.now()
    sha256Hex(bytes)
    verifies.push(performance.now() - v0)
  }

  const withMirror = []
  const without = []
  for (let i = 0; i < opts.runs; i++) {
    without.push(await runCli([...planArgs, '--verbose']))
    withMirror.push(await runCli([...planArgs, '--verbose', '--mirror', url]))
  }
  const phases = (r) =>
    r.stderr
      .split('\n')
      .filter((l) => / \([0-9]+ ms\)$/.test(l))
      .map((l) => `    ${l.replace(/^binary-check: /, '')}`)
      .join('\n')
  console.log(`(a) plan --verbose without a mirror (last run):\n${phases(without.at(-1))}`)
  console.log(`(a) plan --verbose with the mirror (last run):\n${phases(withMirror.at(-1))}`)
  const check = JSON.parse(withMirror[0].stdout)
  const readMs = withMirror.map((r) =>
    verboseMs(r.stderr, /Read the mirror index: [0-9]+ entries \(([0-9]+) ms\)/),
  )
  const planMsWith = withMirror.map((r) => verboseMs(r.stderr, /Planned: .* \(([0-9]+) ms\)/))
  const planMsWithout = without.map((r) => verboseMs(r.stderr, /Planned: .* \(([0-9]+) ms\)/))
  const download = median(downloads)
  const beyond = median(readMs) - download + (median(planMsWith) - median(planMsWithout))
  console.log(
    `(a) plan against the index: ${check.summary.specs} specs, ${check.summary.upToDate} up to date, ${check.summary.rebuild + check.summary.new} to build`,
  )
  rows.push(
    ['(a) index size', `${entries.length} entries, ${(indexBytes / 1e6).toFixed(1)} MB`, ''],
    [
      '(a) plan, no mirror (warm cache), wall',
      `${seconds(median(without.map((r) => r.ms)))} s`,
      '',
    ],
    ['(a) plan --mirror oci://, wall', `${seconds(median(withMirror.map((r) => r.ms)))} s`, ''],
    [
      '(a) wall difference',
      `${seconds(median(withMirror.map((r) => r.ms)) - median(without.map((r) => r.ms)))} s`,
      '',
    ],
    ['(a) mirror phase (download+verify+parse+map)', `${seconds(median(readMs))} s`, ''],
    [
      '(a) download alone (manifest + blob)',
      `${seconds(download)} s (sha256 ${seconds(median(verifies))} s)`,
      '',
    ],
    [
      '(a) planning with vs without the index',
      `${seconds(median(planMsWith))} s vs ${seconds(median(planMsWithout))} s`,
      '',
    ],
    ['(a) beyond the download', `${seconds(beyond)} s`, `< ${TARGETS.beyondDownloadSeconds} s`],
    ['(a) plan --mirror peak RSS', fmtMB(median(withMirror.map((r) => r.rssMB ?? NaN))), ''],
  )
}

const fmtMB = (mb) => (Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'unknown')

async function benchIndex(h, registry, opts, work, rows) {
  const url = `oci://${registry.host}/bench/index-tags`
  const mirror = h.openMirror(url)
  const out = join(work, 'artifacts')
  mkdirSync(out, { recursive: true })
  const jobs = Array.from({ length: opts.tags }, (_, i) => i)
  let t0 = performance.now()
  await h.mapBounded(jobs, opts.pushConcurrency, async (i) => {
    const artifactPath = join(out, `a${i}.bin`)
    writeFileSync(artifactPath, `binary ${i}\n`)
    await mirror.record({
      entry: {
        spec: `pkg${i}@1.${i % 10} os=ubuntu24.04`,
        package: `pkg${i}`,
        version: `1.${i % 10}`,
        digest: `sha256:${sha256Hex(`spec ${i}`)}`,
        commit: sha256Hex(`c ${i % 50}`).slice(0, 40),
      },
      artifactPath,
      now: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    })
    rmSync(artifactPath)
  })
  const pushMs = performance.now() - t0
  console.log(`(b) pushed ${opts.tags} spec manifests in ${seconds(pushMs)} s`)

  const first = await runCli(['index', '--mirror', url])
  const again = await runCli(['index', '--mirror', url])
  for (const r of [first, again])
    if (!r.stdout.startsWith(`indexed ${opts.tags} entries`))
      throw new CommandError(`index said: ${r.stdout}${r.stderr}`)
  rows.push(
    [
      `(b) push ${opts.tags} spec manifests (record, ${opts.pushConcurrency} at once)`,
      `${seconds(pushMs)} s (${(opts.tags / (pushMs / 1000)).toFixed(0)}/s)`,
      '',
    ],
    [
      `(b) index over ${opts.tags} spec tags, wall`,
      `${seconds(first.ms)} s`,
      `< ${TARGETS.indexSeconds} s`,
    ],
    ['(b) index peak RSS', fmtMB(first.rssMB), `< ${TARGETS.indexRssMB} MB`],
    ['(b) index again (previous entries reused), wall', `${seconds(again.ms)} s`, ''],
    ['(b) index again peak RSS', fmtMB(again.rssMB), ''],
  )
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.help) {
    console.log(
      'usage: node bench/oci-scale.mjs [--entries N] [--specs N] [--tags N] [--runs N] [--push-concurrency N] [--only a|b] [--keep]',
    )
    return
  }
  const work = mkdtempSync(join(tmpdir(), 'bc-oci-bench-'))
  const h = await bundleHelpers(work)
  if (!h.findExecutable('docker-registry')) {
    rmSync(work, { recursive: true, force: true })
    throw new CommandError('needs docker-registry on PATH (apt-get install docker-registry)')
  }
  const registry = await h.startRegistry()
  console.log(
    `registry ${registry.url}; node ${process.version}; ${TIME ? 'GNU time' : 'maxRSS'} for memory`,
  )
  const rows = []
  const started = performance.now()
  try {
    if (opts.only !== 'b') await benchPlan(h, registry, opts, work, rows)
    if (opts.only !== 'a') await benchIndex(h, registry, opts, work, rows)
  } finally {
    await registry.stop()
    if (opts.keep) console.log(`kept ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
  const width = Math.max(...rows.map((r) => r[0].length))
  const width2 = Math.max(...rows.map((r) => r[1].length))
  console.log('')
  for (const [what, figure, target] of rows)
    console.log(
      `${what.padEnd(width)}  ${figure.padEnd(width2)}  ${target ? `target ${target}` : ''}`,
    )
  console.log(`\ntotal ${seconds(performance.now() - started)} s`)
}

main().catch((error) => {
  if (error instanceof CommandError) {
    console.error(`oci-scale: ${error.message}`)
    process.exit(1)
  }
  console.error(error)
  process.exit(1)
})
