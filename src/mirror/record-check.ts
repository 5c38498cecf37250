/** What every mirror checks before recording, and the entry it then writes. Pure. */
import { canonicalEncode, type Canonical } from '../core/canonical-encode.js'
import { UserError } from '../core/errors.js'
import {
  describeIssue,
  ENTRY_SCHEMA,
  recordFieldsSchema,
  type ArtifactRef,
  type MirrorEntry,
} from './entry.js'
import type { RecordInput } from './mirror.js'

/**
 * The caller's fields are an entry's (no others), `now` is a valid date, and the digest inputs
 * encode canonically; else a `UserError('input', 'record', …)` naming the field.
 */
export function checkRecordInput(input: RecordInput): void {
  const { entry: fields, now } = input
  const checked = recordFieldsSchema.safeParse(fields, { reportInput: true })
  if (!checked.success) {
    throw new UserError('input', 'record', describeIssue(checked.error.issues[0], 'entry'))
  }
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new UserError('input', 'record', `now: expected a valid Date, got ${String(now)}`)
  }
  for (const field of ['inputs', 'packageInputs'] as const) {
    try {
      canonicalEncode(fields[field] as Canonical)
    } catch (error) {
      throw new UserError(
        'input',
        'record',
        `entry.${field}: expected JSON with integer numbers only (${(error as Error).message})`,
      )
    }
  }
}

/** The entry `record` writes: the caller's fields, the artifact, the recording time. */
export function computeEntry(input: RecordInput, artifact: ArtifactRef): MirrorEntry {
  const fields = Object.fromEntries(
    Object.entries(input.entry).filter(([, v]) => v !== undefined),
  ) as RecordInput['entry']
  return {
    ...fields,
    schema: ENTRY_SCHEMA,
    artifact,
    builtAt: input.now.toISOString(),
  } as MirrorEntry
}
