/** The Action: read inputs, plan, set outputs, write the summary; a throw becomes setFailed. */
import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { isUserError } from '../core/errors.js'
import { runPlan } from '../engine/plan-engine.js'
import { safeMatrix } from '../render/github-matrix.js'
import { renderGithubSummary } from '../render/github-summary.js'
import { verdict } from '../render/plan-text.js'
import { restoreAnalysisCache, saveAnalysisCache } from './analysis-cache.js'
import { readActionSettings } from './inputs.js'

export async function run(): Promise<void> {
  try {
    const settings = readActionSettings()
    if (settings.useCache && settings.request.cacheDir)
      await restoreAnalysisCache(settings.request.cacheDir)
    const { plan } = await runPlan(settings.request, {
      info: (m) => core.info(m),
      warn: (m) => core.warning(m),
    })
    const matrix = safeMatrix(plan)
    await writeFile(settings.planFile, `${JSON.stringify(plan)}\n`)
    const count = matrix.include.length
    core.setOutput('matrix', JSON.stringify(matrix))
    core.setOutput('has-work', count > 0 ? 'true' : 'false')
    core.setOutput('rebuild-count', String(count))
    core.setOutput('plan-file', settings.planFile)
    core.info(`binary-check: ${verdict(plan)}`)
    await core.summary.addRaw(renderGithubSummary(plan)).write()
    if (settings.useCache && settings.request.cacheDir)
      await saveAnalysisCache(settings.request.cacheDir)
  } catch (e) {
    if (isUserError(e)) core.setFailed(`binary-check: ${e.oneLine()}`)
    else core.setFailed(e instanceof Error ? (e.stack ?? e.message) : String(e))
  }
}
