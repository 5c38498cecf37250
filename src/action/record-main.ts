/**
 * The `record` sub-action: store what a build job built in the mirror, the same way
 * `binary-check record` does. Every artifact is checked before anything is written, so a batch
 * with a missing artifact records nothing.
 */
import * as core from '@actions/core'
import { stat } from 'node:fs/promises'
import { isUserError, UserError } from '../core/errors.js'
import type { Plan } from '../core/plan.js'
import {
  readRecordPlan,
  recordArtifact,
  recordFields,
  type RecordRequest,
} from '../engine/record-request.js'
import type { RecordedFields } from '../mirror/index.js'
import { readRecordSettings } from './record-inputs.js'
import { progressPrinter } from '../core/progress.js'

/** Batches up to this many specs log one line per spec; larger ones their progress. */
const BATCH_LOG_LINES = 10

export async function runRecord(): Promise<void> {
  try {
    const settings = readRecordSettings()
    const plan = settings.planFile
      ? {
          plan: await readRecordPlan(settings.planFile, settings.cwd),
          label: settings.planFile,
        }
      : undefined
    const ready: Array<{ fields: RecordedFields; artifact: string }> = []
    for (const job of settings.jobs) {
      const request = withPlanDigest(job.request, plan?.plan, job.field)
      const digestField = job.field === 'spec' ? 'digest' : `${job.field}.digest`
      const fields = recordFields(request, plan, digestField)
      if (!fields)
        throw new UserError(
          'input',
          'plan-file',
          `no plan file, and no package and version for "${request.spec}": give plan-file (or package and version)`,
        )
      const info = await stat(`${job.artifact}`).catch(() => undefined)
      if (!info?.isFile())
        throw new UserError(
          'input',
          job.field === 'spec' ? 'artifact' : 'artifact-dir',
          `no artifact file for "${request.spec}" at ${job.artifact}`,
        )
      ready.push({ fields, artifact: job.artifact })
    }
    const now = new Date()
    // A large batch logs its progress, one line per 10 %, and each spec at debug level.
    const many = ready.length > BATCH_LOG_LINES
    const progress = progressPrinter((t) => core.info(t.trimEnd()), {
      terminal: false,
      minTotal: BATCH_LOG_LINES + 1,
    })
    for (const [i, r] of ready.entries()) {
      const entry = await recordArtifact({
        mirror: settings.mirror,
        fields: r.fields,
        artifact: r.artifact,
        cwd: settings.cwd,
        now,
        ...(settings.registry ? { registry: settings.registry } : {}),
      })
      const line = `recorded ${entry.spec} ${entry.digest} → ${entry.artifact.path}`
      if (many) {
        core.debug(line)
        progress('Recording', i + 1, ready.length)
      } else core.info(line)
    }
    core.setOutput('recorded', String(ready.length))
  } catch (e) {
    if (isUserError(e)) core.setFailed(`binary-check record: ${e.oneLine()}`)
    else core.setFailed(e instanceof Error ? (e.stack ?? e.message) : String(e))
  }
}

/** A batch listing spec ids only: the digest comes from the plan (one spec: `digest` is required). */
function withPlanDigest(req: RecordRequest, plan: Plan | undefined, field: string): RecordRequest {
  if (req.digest !== '' || field === 'spec') return req
  if (!plan)
    throw new UserError(
      'input',
      field,
      `no digest for "${req.spec}" (the batch lists spec ids only): give plan-file`,
    )
  const digest = plan.specs?.find((s) => s.id === req.spec)?.digest
  if (!digest) throw new UserError('input', 'plan-file', `spec "${req.spec}" is not in this plan`)
  return { ...req, digest }
}
