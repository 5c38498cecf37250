/**
 * Uploading the full plan as a workflow artifact (input `plan-artifact`), so that build jobs on
 * other runners can read it (the `record` sub-action takes digest inputs from it; batches that
 * list spec ids only need it). The decision is a pure function; the upload is best effort.
 */
import { DefaultArtifactClient } from '@actions/artifact'
import { basename, dirname } from 'node:path'

export type PlanUploadDecision =
  { upload: true; name: string; why: string } | { upload: false; warning?: string }

/**
 * Upload when an artifact name is configured (whether or not the matrix was batched). Without
 * one there is no upload; a batched matrix then only gets a hint, since its jobs may want the plan.
 */
export function decidePlanUpload(input: {
  artifactName: string
  batched: boolean
}): PlanUploadDecision {
  const name = input.artifactName.trim()
  if (name !== '')
    return {
      upload: true,
      name,
      why: input.batched
        ? 'plan-artifact is set and the matrix is batched'
        : 'plan-artifact is set',
    }
  if (input.batched)
    return {
      upload: false,
      warning:
        'The matrix is packed into batches and the plan is not uploaded: set plan-artifact so that build jobs can read the full plan.',
    }
  return { upload: false }
}

export interface PlanUploadLog {
  info(message: string): void
  warning(message: string): void
}

/** Upload `planFile` as artifact `name`; a failure is a warning, never a failed step. */
export async function uploadPlanArtifact(
  name: string,
  planFile: string,
  log: PlanUploadLog,
): Promise<boolean> {
  log.info(`Uploading the plan ${planFile} as workflow artifact "${name}"`)
  try {
    const r = await new DefaultArtifactClient().uploadArtifact(name, [planFile], dirname(planFile))
    log.info(`Uploaded artifact "${name}" (${basename(planFile)}, id ${r.id ?? '?'})`)
    return true
  } catch (e) {
    log.warning(
      `Could not upload the plan as artifact "${name}": ${(e as Error).message.split('\n')[0]}`,
    )
    return false
  }
}
