/**
 * The bundled CLI analyses recipes on worker threads when there are many: same plan as one thread,
 * and a recipe error found by a worker is the same one clear line.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, PROJECT_ROOT, runCli } from './support/run-dist.js'

const exec = promisify(execFile)
const CORPUS = join(PROJECT_ROOT, '../shared/corpus/spack-packages-graph.json.gz')
let work: string
let repo: string

describe.skipIf(!existsSync(CORPUS))(
  'recipe analysis on worker threads (needs ../shared/corpus; skipped when absent)',
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'binary-check-workers-'))
      repo = join(work, 'repo')
      await exec(process.execPath, [
        join(PROJECT_ROOT, 'bench/generate-spack-repo.mjs'),
        repo,
        '--packages',
        '400',
      ])
    })
    afterAll(async () => rm(work, { recursive: true, force: true }))

    it('plans the same with workers as without', async () => {
      const plans: string[] = []
      for (const workers of ['1', '2']) {
        const out = join(work, `plan-${workers}.json`)
        const r = await runCli(
          ['plan', '--repo', repo, '--format', 'json', '--output', out, '--no-cache'],
          { env: cleanEnv({ BINARY_CHECK_WORKERS: workers }) },
        )
        expect(r.stderr.replace(/^binary-check: warning: .*\n/gm, '')).toBe('')
        expect(r.code).toBe(0)
        plans.push(await readFile(out, 'utf8'))
      }
      const [one, two] = plans.map((p) => JSON.parse(p!))
      expect(one.specs.length).toBeGreaterThan(400)
      expect(two.specs).toEqual(one.specs)
      expect(two.packages).toEqual(one.packages)
    })

    it('a syntax error found by a worker is one clear line', async () => {
      const victim = (await exec('git', ['ls-files', '--', '*/package.py'], { cwd: repo })).stdout
        .trim()
        .split('\n')
        .at(-1)!
      await writeFile(join(repo, victim), 'class Broken(:\n')
      await exec(
        'git',
        ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'break one recipe'],
        { cwd: repo },
      )
      // The range introduced the error (issue 8 §3): an error, not an unreadable package.
      const r = await runCli(['plan', '--repo', repo, '--base', 'HEAD~1', '--no-cache'], {
        env: cleanEnv({ BINARY_CHECK_WORKERS: '2' }),
      })
      expect(r.code).toBe(1)
      expect(
        r.stderr
          .trimEnd()
          .split('\n')
          .filter((l) => !l.includes('warning')),
      ).toEqual([
        expect.stringMatching(
          new RegExp(`^binary-check: ${victim.replace(/[.]/g, '\\.')}:1: Python syntax error`),
        ),
      ])
    })
  },
)
