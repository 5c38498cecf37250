/**
 * The bundled Action (dist/index.js) run the way the runner runs it: `node dist/index.js` with
 * INPUT_* variables, GITHUB_EVENT_NAME/GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
 * files. github.com itself is the only thing not real here: the event payload is a file we write.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GitFixture } from './support/git-fixture.js'
import { ACTION, cleanEnv, runNode } from './support/run-dist.js'
import { createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

let fx: GitFixture
let base: string
let head: string
let temp: string

beforeAll(async () => {
  fx = await createSpackFixture()
  base = (await fx.git('rev-parse', 'HEAD')).trim()
  await fx.write(
    `${PKG}/zlib/package.py`,
    ZLIB.replace('make("install")', 'make("install", "-j4")'),
  )
  head = await fx.commit('zlib install')
  temp = await mkdtemp(join(tmpdir(), 'binary-check-action-'))
})
afterAll(async () => {
  await fx.cleanup()
  await rm(temp, { recursive: true, force: true })
})

/** Parse GITHUB_OUTPUT's `name<<delimiter` / `name=value` records. */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!)
      out[name!] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

async function runAction(
  event: { name: string; payload: unknown },
  inputs: Record<string, string> = {},
) {
  const dir = await mkdtemp(join(temp, 'run-'))
  const eventPath = join(dir, 'event.json')
  await writeFile(eventPath, JSON.stringify(event.payload))
  const outputPath = join(dir, 'output')
  const summaryPath = join(dir, 'summary.md')
  await writeFile(outputPath, '')
  await writeFile(summaryPath, '')
  const env = cleanEnv({
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: fx.dir,
    GITHUB_SHA: head,
    RUNNER_TEMP: dir,
    INPUT_CACHE: 'false',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  })
  const r = await runNode(ACTION, [], { cwd: fx.dir, env })
  return {
    ...r,
    outputs: parseGithubOutput(await readFile(outputPath, 'utf8')),
    summary: await readFile(summaryPath, 'utf8'),
    dir,
  }
}

describe('the bundled action (dist/index.js)', () => {
  it('plans a push event: matrix, has-work, rebuild-count, plan-file and the job summary', async () => {
    const r = await runAction({
      name: 'push',
      payload: { before: base, after: head, ref: 'refs/heads/main' },
    })
    expect(r.code).toBe(0)
    const matrix = JSON.parse(r.outputs.matrix!)
    expect(matrix.include.map((m: { spec: string }) => m.spec)).toEqual([
      'zlib@1.2.13',
      'zlib@1.3.1',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
      'app@1.0',
    ])
    expect(Object.keys(matrix.include[0]).sort()).toEqual([
      'compiler',
      'container',
      'digest',
      'os',
      'package',
      'spec',
      'version',
      'wave',
    ])
    expect(r.outputs['has-work']).toBe('true')
    expect(r.outputs['rebuild-count']).toBe('6')
    const plan = JSON.parse(await readFile(r.outputs['plan-file']!, 'utf8'))
    expect(plan.schema).toBe('binary-check/plan@1')
    expect(plan.base).toBe(base)
    const summaryLines = r.summary.split('\n')
    expect(summaryLines[0]).toBe('### binary-check: 6 specs to build')
    expect(r.summary).toContain(
      '| 0 | zlib@1.3.1 |  | recipe repos/spack\\_repo/t/packages/zlib/package.py changed |',
    )
  })

  it('a pull request compares the merge-base with the head', async () => {
    const r = await runAction({
      name: 'pull_request',
      payload: { pull_request: { base: { sha: base }, head: { sha: head } } },
    })
    expect(r.code).toBe(0)
    expect(r.outputs['rebuild-count']).toBe('6')
  })

  it('a first push (zero before SHA) has no base: everything is new, and it says so', async () => {
    const r = await runAction({
      name: 'push',
      payload: { before: '0'.repeat(40), after: head, created: true },
    })
    expect(r.code).toBe(0)
    expect(r.outputs['rebuild-count']).toBe('10')
    expect(r.stdout).toMatch(/no base commit/)
    const plan = JSON.parse(await readFile(r.outputs['plan-file']!, 'utf8'))
    expect(plan.base).toBeNull()
    expect(plan.notes[0]).toMatch(/no base commit/)
  })

  it('nothing to do gives has-work false and an empty matrix', async () => {
    const r = await runAction({ name: 'push', payload: { before: head, after: head } })
    expect(r.code).toBe(0)
    expect(r.outputs['has-work']).toBe('false')
    expect(JSON.parse(r.outputs.matrix!)).toEqual({ include: [] })
    expect(r.summary.split('\n')[0]).toBe('### binary-check: Nothing to rebuild')
  })

  it('bad input fails the step with one clear error line', async () => {
    const r = await runAction(
      { name: 'push', payload: { before: base, after: head } },
      { config: 'missing.yml' },
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^::error::binary-check: .*missing\.yml: config file not found$/m)
  })
})
