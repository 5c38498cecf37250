/**
 * The only module that reads Action inputs: turns them (and the event) into the same PlanRequest
 * the CLI builds from argv.
 */
import * as core from '@actions/core'
import * as github from '@actions/github'
import { tmpdir } from 'node:os'
import { relative, resolve } from 'node:path'
import { UserError } from '../core/errors.js'
import type { PlanRequest } from '../engine/plan-request.js'
import { readRegistryInputs } from './registry-inputs.js'
import { parseTrustSetting } from '../engine/trust-mode.js'
import { DEFAULT_MAX_WAVES, GITHUB_MAX_JOBS } from '../render/github-outputs.js'

/** The most waves `max-waves` accepts (each one is two outputs). */
export const MAX_WAVES_LIMIT = 64

export interface ActionSettings {
  request: PlanRequest
  /** Where the full plan JSON goes (output `plan-file`). */
  planFile: string
  /** Where the Markdown report goes (output `report-file`). */
  reportFile: string
  /** Persist the analysis cache with @actions/cache. */
  useCache: boolean
  /** Jobs per matrix (1…256); larger matrices are packed into batches. */
  maxJobs: number
  /** Wave outputs (`wave-0` … `wave-<max-waves - 1>`); deeper levels fold into the last. */
  maxWaves: number
  /** Upload the plan file as a workflow artifact of this name ('' = no upload). */
  planArtifact: string
  /** The recipe repository relative to the workspace, for annotation paths ('' at the root). */
  repoPath: string
}

export function readActionSettings(env: NodeJS.ProcessEnv = process.env): ActionSettings {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const repo = resolve(workspace, core.getInput('working-directory') || '.')
  const config = core.getInput('config')
  const base = core.getInput('base')
  const head = core.getInput('head')
  const mirror = core.getInput('mirror')
  const temp = env.RUNNER_TEMP || tmpdir()
  const cacheInput = core.getInput('cache') || 'true'
  const strict = booleanInput('strict', false)
  const trust = parseTrustSetting(core.getInput('trust'), 'trust')
  const registry = readRegistryInputs()
  return {
    request: {
      repo,
      ...(config ? { config: resolve(repo, config) } : {}),
      ...(base ? { base } : {}),
      ...(head ? { head } : {}),
      ...(mirror ? { mirror } : {}),
      ...(env.GITHUB_EVENT_NAME
        ? { event: { eventName: github.context.eventName, payload: github.context.payload } }
        : {}),
      cacheDir: resolve(temp, 'binary-check-cache'),
      ...(registry ? { registry } : {}),
      ...(strict ? { strict } : {}),
      trust,
    },
    planFile: resolve(temp, 'binary-check-plan.json'),
    reportFile: resolve(temp, 'binary-check-report.md'),
    useCache: cacheInput !== 'false',
    maxJobs: integerInput('max-jobs', GITHUB_MAX_JOBS, 1, GITHUB_MAX_JOBS),
    maxWaves: integerInput('max-waves', DEFAULT_MAX_WAVES, 1, MAX_WAVES_LIMIT),
    planArtifact: core.getInput('plan-artifact'),
    repoPath: relative(resolve(workspace), repo).split('\\').join('/'),
  }
}

function booleanInput(name: string, fallback: boolean): boolean {
  const text = core.getInput(name)
  if (text === '') return fallback
  if (text === 'true' || text === 'false') return text === 'true'
  throw new UserError('input', name, `expected true or false, got "${text}"`)
}

function integerInput(name: string, fallback: number, min: number, max: number): number {
  const text = core.getInput(name)
  if (text === '') return fallback
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError('input', name, `expected an integer from ${min} to ${max}, got "${text}"`)
  return n
}
