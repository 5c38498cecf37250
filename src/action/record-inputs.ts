/**
 * The only module that reads the `record` sub-action's inputs: one spec (`spec`, `digest`,
 * `artifact`) or a batch (`specs`, the matrix entry's list, with one artifact per spec in
 * `artifact-dir`, named by its position: `0`, `1`, …).
 */
import * as core from '@actions/core'
import { join } from 'node:path'
import { UserError } from '../core/errors.js'
import type { RecordRequest } from '../engine/record-request.js'
import type { RegistryOptions } from '../mirror/index.js'
import { readRegistryInputs } from './registry-inputs.js'

export interface RecordJob {
  request: RecordRequest
  /** The built artifact (a file). */
  artifact: string
  /** Where the spec came from, for messages (`spec`, `specs[3]`). */
  field: string
}

export interface RecordSettings {
  mirror: string
  planFile?: string
  jobs: RecordJob[]
  cwd: string
  /** Credentials for an `oci://` mirror (inputs `registry-username`, `registry-password`). */
  registry?: RegistryOptions
}

export function readRecordSettings(env: NodeJS.ProcessEnv = process.env): RecordSettings {
  const mirror = core.getInput('mirror') || env.BINARY_CHECK_MIRROR || ''
  if (!mirror)
    throw new UserError('input', 'mirror', 'expected a mirror URL (file://…, oci://…), got nothing')
  const registry = readRegistryInputs()
  const planFile = core.getInput('plan-file')
  const commit = core.getInput('commit') || env.GITHUB_SHA || undefined
  const builder = core.getInput('builder') || runUrl(env)
  const common = { ...(commit ? { commit } : {}), ...(builder ? { builder } : {}) }
  const specsText = core.getInput('specs')
  let jobs: RecordJob[]
  if (specsText !== '' && specsText !== 'null') {
    const dir = core.getInput('artifact-dir') || env.BINARY_CHECK_ARTIFACT_DIR || ''
    if (!dir)
      throw new UserError(
        'input',
        'artifact-dir',
        'a batch (input specs) needs the directory of its artifacts (input artifact-dir or BINARY_CHECK_ARTIFACT_DIR)',
      )
    jobs = parseBatchSpecs(specsText).map((s, i) => ({
      request: { ...s, ...common },
      artifact: join(dir, String(i)),
      field: `specs[${i}]`,
    }))
  } else {
    const spec = core.getInput('spec')
    const digest = core.getInput('digest')
    const artifact = core.getInput('artifact') || env.BINARY_CHECK_ARTIFACT || ''
    if (!spec)
      throw new UserError('input', 'spec', 'expected a spec id (or a batch in specs), got nothing')
    if (!artifact)
      throw new UserError(
        'input',
        'artifact',
        'expected the built artifact (input artifact or BINARY_CHECK_ARTIFACT), got nothing',
      )
    const pkg = core.getInput('package')
    const version = core.getInput('version')
    jobs = [
      {
        request: {
          spec,
          digest,
          ...(pkg ? { package: pkg } : {}),
          ...(version ? { version } : {}),
          ...common,
        },
        artifact,
        field: 'spec',
      },
    ]
  }
  return {
    mirror,
    ...(planFile ? { planFile } : {}),
    jobs,
    cwd: env.GITHUB_WORKSPACE || process.cwd(),
    ...(registry ? { registry } : {}),
  }
}

/** A batch's `specs` (JSON): objects with `spec`, and `digest`, `package`, `version` when listed. */
export function parseBatchSpecs(text: string): Array<Omit<RecordRequest, 'commit' | 'builder'>> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new UserError(
      'input',
      'specs',
      `expected JSON (a batch's specs list): ${(e as Error).message}`,
    )
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new UserError('input', 'specs', 'expected a non-empty JSON list of {spec, digest, …}')
  return value.map((item: unknown, i) => {
    const o = item as Record<string, unknown>
    if (typeof o !== 'object' || o === null || typeof o.spec !== 'string' || o.spec === '')
      throw new UserError('input', `specs[${i}]`, 'expected an object with a non-empty "spec"')
    const str = (k: string): string | undefined =>
      typeof o[k] === 'string' ? (o[k] as string) : undefined
    return {
      spec: o.spec,
      digest: str('digest') ?? '',
      ...(str('package') ? { package: str('package')! } : {}),
      ...(str('version') ? { version: str('version')! } : {}),
    }
  })
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env
  if (!server || !repo || !run) return undefined
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
  return `${server}/${repo}/actions/runs/${run}${attempt}`
}
