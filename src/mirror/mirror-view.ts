/**
 * The complete view (`index --plan`): for every spec of a plan, the artifact it resolves to — the
 * newest recorded entry built from the plan's digest for that spec, whether it was rebuilt now or
 * long ago — or `missing`. A consumer reads one full, consistent set even when only a subset was
 * rebuilt. Pure: entries in, view out.
 */
import { z } from 'zod'
import type { ArtifactRef, MirrorEntry } from './entry.js'

export interface ViewItem {
  /** The plan's digest for the spec. */
  digest: string
  /** `current`: an entry built from that digest exists (artifact present); else `missing`. */
  status: 'current' | 'missing'
  artifact?: ArtifactRef
  builtAt?: string
  commit?: string
}

export interface MirrorView {
  /** The head commit of the plan the view was computed for. */
  head: string
  /** By spec id: every spec of the plan except removed and external ones. */
  specs: Record<string, ViewItem>
}

/** What `index --plan` takes from a plan: its head and each spec's digest. */
export interface ViewRequest {
  head: string
  specs: ReadonlyArray<{ id: string; digest: string }>
}

/**
 * The view for `request`. `recorded(id)` gives the entries recorded for a spec (the current one
 * and its history, artifacts known to be present), in any order.
 */
export function computeView(
  request: ViewRequest,
  recorded: (specId: string) => readonly MirrorEntry[],
): MirrorView {
  const specs: Record<string, ViewItem> = {}
  for (const { id, digest } of request.specs) {
    const match = recorded(id)
      .filter((e) => e.digest === digest)
      .sort(compareNewestFirst)[0]
    specs[id] = match
      ? {
          digest,
          status: 'current',
          artifact: match.artifact,
          builtAt: match.builtAt,
          ...(match.commit !== undefined ? { commit: match.commit } : {}),
        }
      : { digest, status: 'missing' }
  }
  return { head: request.head, specs }
}

/** Newest `builtAt` first; ties by artifact sha256, then digest (deterministic). */
export function compareNewestFirst(a: MirrorEntry, b: MirrorEntry): number {
  const t = Date.parse(b.builtAt) - Date.parse(a.builtAt)
  if (t !== 0) return t
  for (const [x, y] of [
    [a.artifact.sha256, b.artifact.sha256],
    [a.digest, b.digest],
  ] as const)
    if (x !== y) return x < y ? -1 : 1
  return 0
}

const DIGEST = /^sha256:[0-9a-f]{64}$/

/** The shape of `view` in `index.json` (checked when the index is read). */
export const mirrorViewSchema = z.strictObject({
  head: z.string().min(1, 'expected a non-empty string'),
  specs: z.record(
    z.string(),
    z.strictObject({
      digest: z.string().regex(DIGEST, 'expected sha256:<64 hex>'),
      status: z.enum(['current', 'missing']),
      artifact: z
        .looseObject({
          path: z.string().min(1),
          sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
          size: z.number().int().nonnegative(),
        })
        .optional(),
      builtAt: z.string().optional(),
      commit: z.string().optional(),
    }),
  ),
})
