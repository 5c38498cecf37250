/** Reading a plan JSON (`plan --format json --output FILE`) back, for `index --plan`. */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { z } from 'zod'
import { UserError } from '../core/errors.js'
import { PLAN_SCHEMA } from '../core/plan.js'
import { describeIssue } from '../mirror/entry.js'
import type { ViewRequest } from '../mirror/index.js'

/** The part of a plan the complete view needs; other fields are not looked at. */
const planForView = z.looseObject({
  schema: z.literal(PLAN_SCHEMA),
  head: z.string().min(1, 'expected a non-empty string'),
  specs: z.array(
    z.looseObject({
      id: z.string().min(1, 'expected a non-empty string'),
      status: z.string(),
      digest: z
        .string()
        .regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>')
        .nullable(),
    }),
  ),
})

/**
 * The view request of a plan file: its head and every spec that has a digest and is neither
 * removed nor external (those have no artifact of ours). `shown` names the file in errors.
 */
export async function readViewRequest(
  path: string,
  cwd: string,
  shown = path,
): Promise<ViewRequest> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(resolve(cwd, path), 'utf8'))
  } catch (e) {
    throw new UserError(
      'input',
      shown,
      `cannot read the plan JSON (${(e as Error).message.split('\n')[0]})`,
    )
  }
  const parsed = planForView.safeParse(value, { reportInput: true })
  if (!parsed.success)
    throw new UserError(
      'input',
      shown,
      `not a binary-check plan: ${describeIssue(parsed.error.issues[0])}`,
    )
  return {
    head: parsed.data.head,
    specs: parsed.data.specs
      .filter((s) => s.digest !== null && s.status !== 'removed' && s.status !== 'external')
      .map((s) => ({ id: s.id, digest: s.digest! })),
  }
}
