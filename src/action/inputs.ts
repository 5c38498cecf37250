/**
 * The only module that reads Action inputs: turns them (and the event) into the same PlanRequest
 * the CLI builds from argv.
 */
import * as core from '@actions/core'
import * as github from '@actions/github'
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import type { PlanRequest } from '../engine/plan-request.js'

export interface ActionSettings {
  request: PlanRequest
  /** Where the full plan JSON goes (output `plan-file`). */
  planFile: string
  /** Persist the analysis cache with @actions/cache. */
  useCache: boolean
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
    },
    planFile: resolve(temp, 'binary-check-plan.json'),
    useCache: cacheInput !== 'false',
  }
}
