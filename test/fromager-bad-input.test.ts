/**
 * Bad input in a Fromager tree through the bundled CLI (dist/cli.js): one line naming the file and
 * field, exit 1, no plan file written.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './support/run-dist.js'
import {
  createFromagerFixture,
  graphJson,
  TORCH_PLUGIN,
  TORCH_SETTINGS,
} from './support/fromager-fixture.js'

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'binary-check-fromager-'))
})
afterAll(async () => rm(scratch, { recursive: true, force: true }))

async function planWith(files: Record<string, string | null>): Promise<{
  code: number
  stderr: string
  written: string[]
}> {
  const fx = await createFromagerFixture(files)
  try {
    const out = join(scratch, `plan-${Math.random().toString(16).slice(2)}.json`)
    const r = await runCli(['plan', '--repo', fx.dir, '--no-cache', '--output', out])
    return {
      code: r.code,
      stderr: r.stderr,
      written: (await readdir(scratch)).filter((f) => out.endsWith(f)),
    }
  } finally {
    await fx.cleanup()
  }
}

function expectOneLineError(
  r: { code: number; stderr: string; written: string[] },
  pattern: RegExp,
): void {
  expect(r.code).toBe(1)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^binary-check: /)
  expect(lines[0]).toMatch(pattern)
  expect(r.stderr).not.toMatch(/\n\s+at /)
  expect(r.written).toEqual([])
}

describe('fromager bad input (dist/cli.js): one line, exit 1, nothing written', () => {
  it('the fixture itself plans (exit 0, plan written)', async () => {
    const fx = await createFromagerFixture()
    try {
      const out = join(scratch, 'good.json')
      const r = await runCli([
        'plan',
        '--repo',
        fx.dir,
        '--base',
        'HEAD',
        '--no-cache',
        '--output',
        out,
      ])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(await readdir(scratch)).toContain('good.json')
    } finally {
      await fx.cleanup()
    }
  })

  it('malformed settings YAML names the file and line', async () => {
    const r = await planWith({
      'overrides/settings/torch.yaml': TORCH_SETTINGS.replace(
        '  MAX_JOBS: "4"',
        '  MAX_JOBS: "4\n  bad: [1, 2',
      ),
    })
    expectOneLineError(r, /^binary-check: overrides\/settings\/torch\.yaml:\d+: invalid YAML: /)
  })

  it('settings whose variants are not a map name the field', async () => {
    const r = await planWith({ 'overrides/settings/torch.yaml': 'variants: [cpu, cuda]\n' })
    expectOneLineError(
      r,
      /^binary-check: overrides\/settings\/torch\.yaml: variants: expected a map of variant → settings, got a list$/,
    )
  })

  it('a graph.json edge to a node that is not there', async () => {
    const r = await planWith({
      'graph.json': graphJson({
        edges: { 'torch==2.5.1': [{ key: 'numpy==9.9.9', req_type: 'install', req: 'numpy' }] },
      }),
    })
    expectOneLineError(
      r,
      /^binary-check: graph\.json: "torch==2\.5\.1"\.edges\.0\.key: dangling edge: no node "numpy==9\.9\.9" in the graph$/,
    )
  })

  it('a graph.json edge with an unknown requirement type', async () => {
    const r = await planWith({
      'graph.json': graphJson({
        edges: {
          'torchvision==0.20.1': [{ key: 'torch==2.5.1', req_type: 'runtime', req: 'torch' }],
        },
      }),
    })
    expectOneLineError(
      r,
      /^binary-check: graph\.json: "torchvision==0\.20\.1"\.edges\.0\.req_type: unknown requirement type "runtime" \(expected one of build-system, build-backend, build-sdist, install, toplevel\)$/,
    )
  })

  it('a graph.json that is not JSON', async () => {
    const r = await planWith({ 'graph.json': '{"torch==2.5.1": {' })
    expectOneLineError(r, /^binary-check: graph\.json: invalid JSON: /)
  })

  it('a plugin file that does not parse names the file and line', async () => {
    const r = await planWith({
      'package_plugins/torch.py': TORCH_PLUGIN.replace('build_dir):', 'build_dir)'),
    })
    expectOneLineError(r, /^binary-check: package_plugins\/torch\.py:\d+: /)
  })

  it('a plugin that is not in the tree names the config field', async () => {
    const r = await planWith({ 'package_plugins/torch.py': null })
    expectOneLineError(
      r,
      /^binary-check: fromager\.plugins\.torch: plugin file "package_plugins\/torch\.py" not found in commit [0-9a-f]{12}$/,
    )
  })
})
