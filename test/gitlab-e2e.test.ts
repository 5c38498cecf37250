/**
 * The GitLab component and its child pipeline end to end, run with gitlab-ci-local (there is no
 * GitLab server here): a fixture recipe repository includes the component's template, its plan
 * job writes child.yml, the child pipeline builds each spec in a job with no Node on PATH, leaves
 * a real tarball as a job artifact, records it into a `file://` mirror from a job that runs the
 * CLI through npx (installed from an `npm pack` tarball of this repository), and indexes; a second
 * run plans nothing (the noop child, run through the trigger job); a recipe change plans exactly
 * the affected specs, here in batches.
 *
 * Where gitlab-ci-local differs from GitLab, and how the test covers the difference:
 * - It cannot resolve `include: component:` (that needs a GitLab server's catalog): the fixture
 *   includes a copy of templates/plan/template.yml with `include: local:` and the same inputs.
 * - Its shell executor ignores `image:` (no Docker here). The build jobs' "image without Node" is
 *   a PATH without node: links to every system tool except node/npm/npx, plus an `npx` stand-in
 *   for the record image (node:24) that puts Node 24 on the PATH of its own process only. The
 *   build script fails if `node` is on its PATH.
 * - It runs a trigger job's child pipeline (experimentally) but ignores `strategy: depend` (a
 *   failed child leaves the trigger job passing) and accepts an empty child pipeline; so the build
 *   runs use `--file child.yml` (whose exit status is the jobs'), and the noop job and the
 *   trigger job's shape are checked against GitLab's schema in gitlab-pipeline.test.ts and
 *   gitlab-component.test.ts.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Document, parse } from 'yaml'
import type { GitFixture } from './support/git-fixture.js'
import { GITLAB_SCHEMA_PRESENT, gitlabYamlErrors } from './support/gitlab-schema.js'
import { PROJECT_ROOT, runCli } from './support/run-dist.js'
import { createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

const exec = promisify(execFile)

const GCL = join(PROJECT_ROOT, 'node_modules/gitlab-ci-local/dist/index.js')
const TEMPLATE = join(PROJECT_ROOT, 'gitlab-component/templates/plan/template.yml')
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']
const NODE_TOOLS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack'])

/** npm's npx-cli.js (npm ships with Node; this repository's Node 24 package has no npm). */
function findNpxCli(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npx')
    if (!existsSync(candidate)) continue
    const cli = join(dirname(candidate), '..', 'lib/node_modules/npm/bin/npx-cli.js')
    for (const c of [
      cli,
      '/usr/lib/node_modules/npm/bin/npx-cli.js',
      '/usr/local/lib/node_modules/npm/bin/npx-cli.js',
    ])
      if (existsSync(c)) return c
  }
  return undefined
}

const NPX_CLI = findNpxCli()
const has = (tool: string): boolean => SYSTEM_DIRS.some((d) => existsSync(join(d, tool)))
const MISSING = [
  ...(existsSync(GCL) ? [] : ['gitlab-ci-local (npm ci)']),
  ...(NPX_CLI ? [] : ['npm (npx-cli.js)']),
  ...['bash', 'git', 'rsync', 'tar'].filter((t) => !has(t)),
]

// CI installs every tool (.ci/run): there a missing one is a failure, not a skip.
if (process.env.CI && MISSING.length > 0)
  throw new Error(`GitLab end-to-end test: missing ${MISSING.join(', ')} on a CI machine`)

let work: string
let fx: GitFixture
let mirrorDir: string
let env: NodeJS.ProcessEnv

interface GclRun {
  code: number
  output: string
}

/** gitlab-ci-local in the fixture: shell executor, each job in its own copy of the repository. */
function gcl(args: readonly string[]): Promise<GclRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [
        GCL,
        '--home',
        join(work, 'gcl-home'),
        '--force-shell-executor',
        '--shell-isolation',
        '--no-artifacts-to-source',
        '--no-color',
        ...args,
      ],
      { cwd: fx.dir, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, output: `${String(stdout)}${String(stderr)}` })
      },
    )
  })
}

/** The `.gitlab-ci.yml` of the fixture, written with the yaml library. */
function gitlabCi(inputs: Record<string, string | number>): string {
  const doc = new Document({ include: [{ local: 'binary-check/plan.yml', inputs }] })
  doc.commentBefore =
    ' gitlab-ci-local cannot fetch CI/CD components (`include: component:` is resolved by a\n' +
    " GitLab server's catalog): this includes a copy of the component's template instead, with\n" +
    ' the inputs a project would give the component.'
  return doc.toString()
}

const BUILD_SCRIPT = `# The fixture's build step. No Node here: like a builder image without it.
if command -v node >/dev/null 2>&1; then
  echo "binary-check e2e: node is on PATH ($(command -v node))" >&2
  exit 1
fi
echo "no node on PATH: building $BINARY_CHECK_SPEC"
work="$(mktemp -d)"
printf '%s\\n%s\\n' "$BINARY_CHECK_SPEC" "$BINARY_CHECK_DIGEST" > "$work/BUILT_FROM"
ls binary-check-artifacts > "$work/DEPENDENCIES"
tar -czf "$BINARY_CHECK_ARTIFACT" -C "$work" BUILT_FROM DEPENDENCIES
rm -rf "$work"
`

let inputs: Record<string, string | number>

beforeAll(async () => {
  if (MISSING.length > 0) return
  work = await realpath(await mkdtemp(join(tmpdir(), 'binary-check-gitlab-e2e-')))
  mirrorDir = join(work, 'mirror')

  // PATH without node, and the record image's npx.
  const bin = join(work, 'bin')
  await mkdir(bin)
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue
    for (const name of await readdir(dir)) {
      if (NODE_TOOLS.has(name) || existsSync(join(bin, name))) continue
      await symlink(join(dir, name), join(bin, name))
    }
  }
  const nodeDir = dirname(process.execPath)
  await writeFile(
    join(bin, 'npx'),
    `#!/bin/sh\n# Stands in for the record image (node:24): Node 24 on the PATH of npx alone.\nPATH="${nodeDir}:$PATH" exec "${process.execPath}" "${NPX_CLI}" "$@"\n`,
  )
  await chmod(join(bin, 'npx'), 0o755)
  const home = join(work, 'home')
  await mkdir(home)
  env = {
    PATH: bin,
    HOME: home,
    LC_ALL: 'C',
    TMPDIR: tmpdir(),
    // The tarball has no dependencies: nothing may come from a registry.
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  }

  // The CLI as published: `npm pack` of this repository (dist/ is built by `npm test`).
  const pack = join(work, 'pack')
  await mkdir(pack)
  const npmCli = join(dirname(NPX_CLI!), 'npm-cli.js')
  const { stdout } = await exec(
    process.execPath,
    [npmCli, 'pack', '--silent', '--pack-destination', pack],
    { cwd: PROJECT_ROOT, env: { ...env, PATH: `${nodeDir}${delimiter}${bin}` } },
  )
  const packed = join(pack, stdout.trim().split('\n').at(-1)!)
  // dist/cli.js is one self-contained bundle: its package needs no dependencies at run time.
  // Until package.json lists none, drop them here so that npx installs the tarball alone (offline).
  await exec('tar', ['-xzf', packed, '-C', pack])
  const manifestPath = join(pack, 'package/package.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  delete manifest.dependencies
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2))
  const tarball = join(work, `binary-check-${manifest.version}.tgz`)
  await exec('tar', ['-czf', tarball, '-C', pack, 'package'])
  // Install it into npx's cache once, so the parallel jobs find it there.
  await exec(join(bin, 'npx'), ['--yes', `--package=${tarball}`, 'binary-check', '--help'], {
    cwd: work,
    env,
  })

  fx = await createSpackFixture()
  await fx.git('remote', 'add', 'origin', 'https://gitlab.example.com/group/recipes.git')
  await fx.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main')
  inputs = {
    mirror: `file://${mirrorDir}`,
    'build-script': 'ci/build.sh',
    'cli-package': tarball,
  }
  await fx.write('binary-check/plan.yml', await readFile(TEMPLATE, 'utf8'))
  await fx.write('ci/build.sh', BUILD_SCRIPT)
  await fx.write('.gitlab-ci.yml', gitlabCi(inputs))
  await fx.commit('CI: the binary-check component')
}, 180_000)

afterAll(async () => {
  if (MISSING.length > 0) return
  await fx?.cleanup()
  await rm(work, { recursive: true, force: true })
})

async function childYml(): Promise<{
  text: string
  config: Record<string, Record<string, unknown>>
}> {
  const text = await readFile(
    join(fx.dir, '.gitlab-ci-local/artifacts/binary-check-plan/child.yml'),
    'utf8',
  )
  if (GITLAB_SCHEMA_PRESENT) expect(gitlabYamlErrors(text)).toEqual([])
  return { text, config: parse(text) }
}

/** Run the plan job alone; then the child pipeline it wrote, with its own exit status. */
async function planAndBuild(): Promise<{
  config: Record<string, Record<string, unknown>>
  run: GclRun
}> {
  const plan = await gcl(['binary-check-plan'])
  expect(plan.output).toMatch(/PASS {2}binary-check-plan/)
  expect(plan.code).toBe(0)
  const { text, config } = await childYml()
  await writeFile(join(fx.dir, 'child.yml'), text)
  const run = await gcl(['--file', 'child.yml'])
  return { config, run }
}

function variablesOf(job: Record<string, unknown>): Record<string, string> {
  return job.variables as Record<string, string>
}

function buildJobs(config: Record<string, unknown>): string[] {
  return Object.keys(config).filter((k) => k.startsWith('build '))
}

async function index(): Promise<Record<string, { digest: string; artifact: { path: string } }>> {
  return JSON.parse(await readFile(join(mirrorDir, 'index.json'), 'utf8')).entries
}

async function tarMember(path: string, member: string): Promise<string> {
  const { stdout } = await exec('tar', ['-xzOf', path, member])
  return stdout
}

describe.skipIf(MISSING.length > 0)(
  `GitLab end to end with gitlab-ci-local${MISSING.length > 0 ? ` (skipped: needs ${MISSING.join(', ')})` : ''}`,
  () => {
    it('builds every spec without Node, records each tarball into the mirror, indexes', async () => {
      const { config, run } = await planAndBuild()
      const builds = buildJobs(config)
      expect(builds).toHaveLength(10)
      expect(run.code, run.output).toBe(0)
      for (const job of [...builds, ...builds.map((b) => b.replace(/^build/, 'record')), 'index'])
        expect(run.output).toContain(`PASS  ${job}`)
      expect(run.output).not.toContain('FAIL')
      expect(run.output.match(/> no node on PATH: building /g)).toHaveLength(10)

      const entries = await index()
      expect(Object.keys(entries).sort()).toEqual(
        builds.map((b) => variablesOf(config[b]!).BINARY_CHECK_SPEC).sort(),
      )
      for (const [spec, e] of Object.entries(entries)) {
        const built = await tarMember(join(mirrorDir, e.artifact.path), 'BUILT_FROM')
        expect(built).toBe(`${spec}\n${e.digest}\n`)
      }
      // A build job receives the artifacts of its dependencies' build jobs (needs: artifacts).
      const hex = (spec: string): string => entries[spec]!.digest.slice('sha256:'.length)
      const deps = await tarMember(
        join(mirrorDir, entries['app@1.0']!.artifact.path),
        'DEPENDENCIES',
      )
      expect(deps.trim().split('\n').sort()).toEqual(
        [hex('cmake@3.31.0'), hex('libfoo@2.0')].sort(),
      )
    }, 240_000)

    it('plans nothing on the same commit: the trigger job runs the noop child pipeline', async () => {
      const run = await gcl([])
      expect(run.code, run.output).toBe(0)
      const { config } = await childYml()
      expect(Object.keys(config)).toEqual(['noop'])
      expect(run.output).toContain('PASS  [binary-check-build] -> noop')
      expect(run.output).toContain('binary-check: nothing to rebuild')
    }, 120_000)

    it('a recipe change plans exactly the affected specs (here in batches), and records them', async () => {
      await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="aaaa"', 'sha256="aaab"'))
      // 7 jobs: the index and 3 build+record pairs, so the 5 specs (3 waves) go in 3 batches.
      await fx.write('.gitlab-ci.yml', gitlabCi({ ...inputs, 'max-jobs': 7 }))
      await fx.commit('zlib 1.3.1 checksum; batch the child pipeline')
      const before = await index()
      const { config, run } = await planAndBuild()
      expect(buildJobs(config)).toEqual([
        'build wave-0-batch-1',
        'build wave-1-batch-1',
        'build wave-2-batch-1',
      ])
      const batched = buildJobs(config).map((b) =>
        variablesOf(config[b]!)
          .BINARY_CHECK_BATCH!.split('\n')
          .map((line) => line.split('|')[0]),
      )
      expect(batched).toEqual([
        ['zlib@1.3.1'],
        ['libfoo@1.0', 'libfoo@2.0', 'libfoo@2.0+cuda'],
        ['app@1.0'],
      ])
      expect(run.code, run.output).toBe(0)
      expect(run.output.match(/> no node on PATH: building /g)).toHaveLength(5)
      const after = await index()
      const changed = Object.keys(after)
        .filter((s) => after[s]!.digest !== before[s]!.digest)
        .sort()
      expect(changed).toEqual(batched.flat().sort())
      for (const spec of changed) {
        const built = await tarMember(join(mirrorDir, after[spec]!.artifact.path), 'BUILT_FROM')
        expect(built).toBe(`${spec}\n${after[spec]!.digest}\n`)
      }
      // And now the mirror holds everything the head needs.
      const again = await runCli([
        'plan',
        '--repo',
        fx.dir,
        '--mirror',
        `file://${mirrorDir}`,
        '--format',
        'json',
        '--no-cache',
      ])
      expect(JSON.parse(again.stdout).summary).toMatchObject({ rebuild: 0, new: 0, upToDate: 10 })
    }, 240_000)
  },
)
