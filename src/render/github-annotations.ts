/**
 * Warning annotations for the directives kept as code (`plan.unresolved`), placed on their file and
 * line. GitHub shows at most 10 warnings per step: past the limit, the first ones are shown and a
 * last one says how many more there are and where to find them.
 */
import type { UnresolvedItem } from '../core/model.js'

/** GitHub's ceiling on warning annotations per step. */
export const GITHUB_MAX_WARNINGS = 10

export interface Annotation {
  message: string
  properties: { title: string; file?: string; startLine?: number }
}

export interface AnnotationOptions {
  /** Warnings this step may still show (default 10); at least 1 is always used. */
  limit?: number
  /** The recipe repository's path relative to the workspace (`working-directory`), '' at the root. */
  pathPrefix?: string
}

export function renderUnresolvedAnnotations(
  items: readonly UnresolvedItem[],
  options: AnnotationOptions = {},
): Annotation[] {
  const limit = Math.max(1, options.limit ?? GITHUB_MAX_WARNINGS)
  const prefix = (options.pathPrefix ?? '').replace(/\\/g, '/').replace(/^\.?\/?$/, '')
  const one = (u: UnresolvedItem): Annotation => ({
    message: `${u.package}: ${u.reason}. Kept in the recipe as code: it affects every spec of ${u.package}.`,
    properties: {
      title: 'binary-check: unresolved directive',
      file: prefix ? `${prefix.replace(/\/+$/, '')}/${u.place.file}` : u.place.file,
      startLine: u.place.line,
    },
  })
  if (items.length <= limit) return items.map(one)
  const shown = items.slice(0, limit - 1).map(one)
  const more = items.length - shown.length
  shown.push({
    message: `and ${more} more unresolved directive${more === 1 ? '' : 's'}; see the plan file (output plan-file, field "unresolved").`,
    properties: { title: 'binary-check: unresolved directives' },
  })
  return shown
}
