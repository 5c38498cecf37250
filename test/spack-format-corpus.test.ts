/**
 * Formatting never counts, on the real corpus (issue 8 §4): every recipe
 * (`packages/<name>/package.py`) and every build-system module of the head of
 * spack-packages-2025-12.bundle is formatted with black at line length 60 and, separately, 120;
 * each result is committed on top of the head and planned base = head → head = formatted. No
 * package digest may change and nothing may rebuild.
 * Prints how long black and each plan took and which files black could not format.
 * black runs with --fast: its own AST-equivalence and stability checks would double or triple its
 * time, and this test's check (no digest changes) fails on a non-equivalent reformat anyway.
 * Needs ../shared/corpus and black (Debian package `black`); skips with a message where either is
 * absent.
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runPlan } from '../src/engine/plan-engine.js'
import { fixtureGitEnv } from './support/git-fixture.js'

const run = promisify(execFile)
const BUNDLE = resolve(import.meta.dirname, '../../shared/corpus/spack-packages-2025-12.bundle')
const HAVE_BUNDLE = existsSync(BUNDLE)
const BLACK_VERSION = spawnSync('black', ['--version'], { encoding: 'utf8' })
const HAVE_BLACK = BLACK_VERSION.status === 0
if (!HAVE_BUNDLE)
  console.warn(`black corpus test skipped: ${BUNDLE} is absent (it ships in ../shared)`)
else if (!HAVE_BLACK)
  console.warn('black corpus test skipped: `black` is not installed (Debian package `black`)')

const PACKAGES = 'repos/spack_repo/builtin/packages'
const BUILD_SYSTEMS = 'repos/spack_repo/builtin/build_systems'
const CONFIG = `ecosystem: spack
recipes: ${PACKAGES}
buildSystems: ${BUILD_SYSTEMS}
`
const LINE_LENGTHS = [60, 120]

/** Repository-relative paths of every recipe and build-system module. */
async function formatTargets(repo: string): Promise<string[]> {
  const targets: string[] = []
  for (const entry of await readdir(join(repo, PACKAGES), { withFileTypes: true }))
    if (entry.isDirectory() && existsSync(join(repo, PACKAGES, entry.name, 'package.py')))
      targets.push(`${PACKAGES}/${entry.name}/package.py`)
  for (const name of await readdir(join(repo, BUILD_SYSTEMS)))
    if (name.endsWith('.py')) targets.push(`${BUILD_SYSTEMS}/${name}`)
  return targets.sort()
}

/** Run black; resolves to the files it reported it could not format (exit 123), fails otherwise. */
async function black(repo: string, lineLength: number, targets: string[]): Promise<string[]> {
  const args = ['--quiet', '--fast', '--line-length', String(lineLength), '--', ...targets]
  try {
    await run('black', args, { cwd: repo, maxBuffer: 1 << 26 })
    return []
  } catch (e) {
    const failure = e as { code?: number; stderr?: string }
    if (failure.code !== 123) throw e
    return (failure.stderr ?? '').split('\n').filter((line) => line.startsWith('error:'))
  }
}

describe.skipIf(!HAVE_BUNDLE || !HAVE_BLACK)(
  'a black reformat of the real recipes (needs ../shared/corpus and black; skipped when absent)',
  () => {
    it(
      'rebuilds nothing at line length 60 nor at 120',
      async () => {
        const work = await mkdtemp(join(tmpdir(), 'bc-black-'))
        try {
          const repo = join(work, 'spack-packages')
          await run('git', ['clone', '--quiet', BUNDLE, repo])
          const git = async (...args: string[]): Promise<string> =>
            (await run('git', ['-C', repo, ...args], { env: fixtureGitEnv(), maxBuffer: 1 << 26 }))
              .stdout
          // Outside the repository: the formatted commit must differ from the head only by black.
          const config = join(work, 'binary-check.yml')
          await writeFile(config, CONFIG)
          const cacheDir = join(work, 'cache')
          const head = (await git('rev-parse', 'HEAD')).trim()
          const targets = await formatTargets(repo)
          const lines: string[] = [
            `black corpus test: ${targets.length} files, ${BLACK_VERSION.stdout.split('\n')[0]}`,
          ]
          const failures: string[] = []
          for (const lineLength of LINE_LENGTHS) {
            await git('checkout', '--quiet', '--detach', head)
            const t0 = performance.now()
            const unformatted = await black(repo, lineLength, targets)
            const blackS = (performance.now() - t0) / 1000
            const changed = (await git('diff', '--name-only', '-z')).split('\0').filter(Boolean)
            expect(changed.length).toBeGreaterThan(0)
            await git('commit', '--quiet', '--all', '-m', `black -l ${lineLength}`)
            const formatted = (await git('rev-parse', 'HEAD')).trim()
            const t1 = performance.now()
            const { plan } = await runPlan({ repo, config, base: head, head: formatted, cacheDir })
            const planS = (performance.now() - t1) / 1000
            const building = plan.specs.filter((s) => s.status === 'rebuild' || s.status === 'new')
            const changedPackages = plan.packages.filter((p) => p.status !== 'unchanged')
            lines.push(
              `  -l ${lineLength}: black ${blackS.toFixed(1)} s reformatted ${changed.length} files` +
                ` (could not format ${unformatted.length}); plan ${planS.toFixed(1)} s:` +
                ` ${plan.summary.specs} specs, ${changedPackages.length} package digests changed,` +
                ` ${building.length} specs building`,
              ...unformatted.map((line) => `    ${line}`),
            )
            if (changedPackages.length > 0)
              failures.push(
                `-l ${lineLength}: package digests changed: ${changedPackages
                  .slice(0, 20)
                  .map((p) => p.name)
                  .join(', ')}${changedPackages.length > 20 ? ', …' : ''}`,
              )
            if (building.length > 0)
              failures.push(
                `-l ${lineLength}: ${building.length} specs build, first: ${building
                  .slice(0, 5)
                  .map((s) => `${s.id} (${s.reasons.map((r) => r.kind).join(', ')})`)
                  .join('; ')}`,
              )
          }
          console.log(lines.join('\n'))
          expect(failures).toEqual([])
        } finally {
          await rm(work, { recursive: true, force: true })
        }
      },
      60 * 60_000,
    )
  },
)
