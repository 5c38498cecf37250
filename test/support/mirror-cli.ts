/** Plan → build → record through the bundled CLI, for mirror tests on a fixture repository. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { Plan } from '../../src/core/plan.js'
import { runCli } from './run-dist.js'

let planCount = 0

/** `plan --format json --output FILE` against `mirror`; the plan and its file. */
export async function planAgainst(
  repo: string,
  mirror: string,
  work: string,
): Promise<{ plan: Plan; file: string }> {
  const file = join(work, `plan-${++planCount}.json`)
  const r = await runCli([
    'plan',
    '--repo',
    repo,
    '--mirror',
    mirror,
    '--format',
    'json',
    '--output',
    file,
    '--no-cache',
  ])
  expect(r.stderr.replace(/^binary-check: warning: .*\n/gm, '')).toBe('')
  expect(r.code).toBe(0)
  return { plan: JSON.parse(await readFile(file, 'utf8')) as Plan, file }
}

/** "Build" a spec: a small file naming it and its digest. */
export async function buildArtifact(work: string, spec: string, digest: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'build-'))
  const path = join(dir, 'artifact.bin')
  await writeFile(path, `${spec}\n${digest}\n`)
  return path
}

/** Build and `record --plan` the given specs of a plan (default: its whole matrix). */
export async function recordFromPlan(
  mirror: string,
  planned: { plan: Plan; file: string },
  work: string,
  specs: readonly string[] = planned.plan.matrix.include.map((m) => m.spec),
  extra: readonly string[] = [],
): Promise<void> {
  for (const spec of specs) {
    const digest = planned.plan.specs.find((s) => s.id === spec)!.digest!
    const artifact = await buildArtifact(work, spec, digest)
    const r = await runCli([
      'record',
      '--mirror',
      mirror,
      '--spec',
      spec,
      '--digest',
      digest,
      '--artifact',
      artifact,
      '--plan',
      planned.file,
      ...extra,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  }
}
