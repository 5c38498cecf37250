/**
 * What a plan does with recipes it could not fully read: a file that does not parse is an error
 * when the range changed it (the change broke the repository), else a warning (the package is
 * digested from its raw bytes and the plan goes on). Directives kept as code are warnings.
 * `strict` turns both warnings into errors.
 */
import { UserError } from '../core/errors.js'
import type { ChangedFile, Plan } from '../core/plan.js'
import type { EngineLog } from './plan-request.js'

export function checkReadability(
  plan: Plan,
  changedFiles: readonly ChangedFile[],
  strict: boolean,
  log: EngineLog,
): void {
  const changed = new Set<string>()
  for (const f of changedFiles) if (f.status !== 'D') changed.add(f.path)
  for (const u of plan.unreadable) {
    if (changed.has(u.path)) throw new UserError('recipe', u.place, u.message)
  }
  if (strict) {
    const u = plan.unreadable[0]
    if (u) throw new UserError('recipe', u.place, `${u.message} (--strict: an unreadable file)`)
    const d = plan.unresolved[0]
    if (d)
      throw new UserError(
        'recipe',
        `${d.place.file}:${d.place.line}`,
        `${d.reason} (--strict: a directive kept as code)`,
      )
  }
  for (const u of plan.unreadable) {
    const note = `${u.place}: ${u.message}: unreadable, digested from its raw text (any edit rebuilds what uses it)`
    plan.notes.push(note)
    log.warn(note)
  }
}
