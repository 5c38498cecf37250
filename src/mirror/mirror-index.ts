/**
 * The aggregated index (`index.json`): every entry keyed by spec id and, when built with a plan,
 * the complete view of that plan's specs (`mirror-view.ts`), with a checksum over the canonical
 * encoding of both so a truncated or edited index is detected, not trusted.
 * Pure: text in, values out.
 */
import { canonicalEncode, sha256Hex, type Canonical } from '../core/canonical-encode.js'
import { UserError } from '../core/errors.js'
import { describeIssue, describeValue, validateEntry, type MirrorEntry } from './entry.js'
import { mirrorViewSchema, type MirrorView } from './mirror-view.js'

export const INDEX_SCHEMA = 'binary-check/index@1' as const

export interface MirrorIndex {
  schema: typeof INDEX_SCHEMA
  /** `sha256:` + sha256 of `canonicalEncode(entries)`, or of `{entries, view}` with a view. */
  checksum: string
  entries: Record<string, MirrorEntry>
  /** With `index --plan`: what every spec of that plan resolves to. */
  view?: MirrorView
}

const REBUILD_HINT = 'run `binary-check index` to rebuild it from entries'

/**
 * `sha256:<hex>` of the canonical encoding of the entries record, or of `{entries, view}` when
 * there is a view (an index without one keeps the checksum it always had).
 */
export function computeIndexChecksum(entries: unknown, view?: unknown): string {
  const covered = view === undefined ? entries : { entries, view }
  return `sha256:${sha256Hex(canonicalEncode(covered as Canonical))}`
}

/** Build an index from entries (keys sorted by the canonical encoder when serialized). */
export function computeIndex(entries: readonly MirrorEntry[], view?: MirrorView): MirrorIndex {
  const record: Record<string, MirrorEntry> = {}
  for (const entry of [...entries].sort((a, b) =>
    a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0,
  )) {
    record[entry.spec] = entry
  }
  return {
    schema: INDEX_SCHEMA,
    checksum: computeIndexChecksum(record, view),
    entries: record,
    ...(view !== undefined ? { view } : {}),
  }
}

/** The bytes written to `index.json`: keys sorted at every level, two-space indent. */
export function serializeIndex(index: MirrorIndex): string {
  return serializeCanonical(index)
}

/** Pretty JSON with keys in canonical order (readable, diffable, deterministic). */
export function serializeCanonical(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (record[key] !== undefined) out[key] = sortKeys(record[key])
  }
  return out
}

/**
 * Parse and verify `index.json` text. `place` names the file in errors. A corrupt index (not
 * JSON, wrong shape, checksum mismatch, an invalid entry) is a `UserError` that says how to
 * rebuild it; an index written by a newer binary-check says so instead.
 */
export function parseIndex(text: string, place: string): MirrorIndex {
  const corrupt = (what: string): UserError =>
    new UserError('mirror', place, `index is corrupt: ${what}; ${REBUILD_HINT}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw corrupt(`not valid JSON (${(error as Error).message})`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw corrupt(`expected a JSON object, got ${describeValue(value)}`)
  }
  const raw = value as Record<string, unknown>
  if (raw.schema !== INDEX_SCHEMA) {
    if (typeof raw.schema === 'string' && raw.schema.startsWith('binary-check/index@')) {
      throw new UserError(
        'mirror',
        place,
        `index has schema "${raw.schema}"; this binary-check reads "${INDEX_SCHEMA}" (upgrade binary-check)`,
      )
    }
    throw corrupt(`schema: expected "${INDEX_SCHEMA}", got ${describeValue(raw.schema)}`)
  }
  if (typeof raw.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(raw.checksum)) {
    throw corrupt(`checksum: expected sha256:<64 hex>, got ${describeValue(raw.checksum)}`)
  }
  const entries = raw.entries
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw corrupt(`entries: expected an object, got ${describeValue(entries)}`)
  }
  let actual: string
  try {
    actual = computeIndexChecksum(entries, raw.view)
  } catch (error) {
    throw corrupt(`entries cannot be encoded (${(error as Error).message})`)
  }
  if (actual !== raw.checksum)
    throw corrupt(`checksum mismatch (expected ${raw.checksum}, got ${actual})`)

  const verified: Record<string, MirrorEntry> = {}
  for (const [spec, rawEntry] of Object.entries(entries as Record<string, unknown>)) {
    const at = `entries[${JSON.stringify(spec)}]`
    const result = validateEntry(rawEntry, at)
    if ('error' in result) throw corrupt(result.error)
    if (result.entry.spec !== spec) {
      throw corrupt(
        `${at}.spec: expected ${JSON.stringify(spec)}, got ${JSON.stringify(result.entry.spec)}`,
      )
    }
    verified[spec] = result.entry
  }
  if (raw.view === undefined)
    return { schema: INDEX_SCHEMA, checksum: raw.checksum, entries: verified }
  const view = mirrorViewSchema.safeParse(raw.view, { reportInput: true })
  if (!view.success) throw corrupt(describeIssue(view.error.issues[0], 'view'))
  return { schema: INDEX_SCHEMA, checksum: raw.checksum, entries: verified, view: view.data }
}
