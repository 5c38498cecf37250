/** The Action: read inputs, plan, set outputs, annotate, write the summary; a throw becomes setFailed. */
import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { escapeInvisible, isUserError } from '../core/errors.js'
import { runPlan } from '../engine/plan-engine.js'
import { GITHUB_MAX_WARNINGS, renderUnresolvedAnnotations } from '../render/github-annotations.js'
import { shapeGithubOutputs, type GithubShape } from '../render/github-outputs.js'
import { renderGithubSummary } from '../render/github-summary.js'
import { verdict } from '../render/plan-text.js'
import { renderPlanReport } from '../render/plan-report.js'
import { planJsonPieces } from '../render/plan-json.js'
import { restoreAnalysisCache, saveAnalysisCache } from './analysis-cache.js'
import { readActionSettings } from './inputs.js'
import { decidePlanUpload, uploadPlanArtifact } from './plan-artifact.js'

export async function run(): Promise<void> {
  try {
    const settings = readActionSettings()
    if (settings.useCache && settings.request.cacheDir)
      await restoreAnalysisCache(settings.request.cacheDir)
    let warnings = 0
    const warn = (m: string, where?: core.AnnotationProperties): void => {
      warnings++
      // @actions/core escapes line breaks; invisible characters (U+202E …) are escaped here.
      core.warning(escapeInvisible(m), where)
    }
    const { plan } = await runPlan(settings.request, {
      info: (m) => core.info(m),
      warn: (m) => warn(m),
    })
    await writeFile(settings.planFile, planJsonPieces(plan))
    // The Markdown report (verdict, counts by reason, the rebuild graph) for a comment.
    const runUrl =
      process.env.GITHUB_SERVER_URL && process.env.GITHUB_REPOSITORY && process.env.GITHUB_RUN_ID
        ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`
        : undefined
    await writeFile(
      settings.reportFile,
      renderPlanReport(plan, runUrl ? { detailsUrl: runUrl } : {}),
    )
    core.setOutput('report-file', settings.reportFile)
    // A plan that cannot become outputs (too large, too many containers, an unsafe value) fails the
    // step, but only after the plan is uploaded and summarised, so that it can be looked at.
    let shape: GithubShape | undefined
    let tooLarge: unknown
    try {
      shape = shapeGithubOutputs(plan, settings.planFile, {
        maxJobs: settings.maxJobs,
        maxWaves: settings.maxWaves,
        allowIdsOnly: settings.planArtifact.trim() !== '',
      })
    } catch (e) {
      if (!isUserError(e)) throw e
      tooLarge = e
    }
    if (shape) {
      for (const [name, value] of Object.entries(shape.outputs)) core.setOutput(name, value)
      core.info(`binary-check: ${verdict(plan)}`)
      if (shape.batched)
        core.info(
          `binary-check: matrices over ${shape.jobLimit} jobs are packed into batches (each batch lists ${shape.detail === 'full' ? 'its specs in full' : shape.detail === 'compact' ? 'spec ids and digests' : 'spec ids only'}); outputs take ${shape.bytes} bytes`,
        )
      if (shape.folded)
        warn(
          `The plan has ${shape.levels} waves; waves ${settings.maxWaves - 1}–${shape.levels - 1} are folded into wave-${settings.maxWaves - 1} (max-waves ${settings.maxWaves}). Its entries carry "order" (their own wave): build lower orders first, or raise max-waves.`,
        )
    }
    for (const a of renderUnresolvedAnnotations(plan.unresolved, {
      limit: GITHUB_MAX_WARNINGS - warnings,
      pathPrefix: settings.repoPath,
    }))
      warn(a.message, a.properties)

    const upload = decidePlanUpload({
      artifactName: settings.planArtifact,
      batched: shape?.batched ?? false,
    })
    let uploaded = false
    if (upload.upload)
      uploaded = await uploadPlanArtifact(upload.name, settings.planFile, {
        info: (m) => core.info(m),
        warning: (m) => core.warning(m),
      })
    else if (upload.warning) core.warning(upload.warning)

    await core.summary
      .addRaw(
        renderGithubSummary(plan, {
          ...(shape ? { waves: shape.waves, levels: shape.levels } : {}),
          planFile: settings.planFile,
          ...(uploaded && upload.upload ? { planArtifact: upload.name } : {}),
        }),
      )
      .write()
    if (settings.useCache && settings.request.cacheDir)
      await saveAnalysisCache(settings.request.cacheDir)
    if (tooLarge) throw tooLarge
  } catch (e) {
    if (isUserError(e)) core.setFailed(`binary-check: ${e.oneLine()}`)
    else core.setFailed(e instanceof Error ? (e.stack ?? e.message) : String(e))
  }
}
