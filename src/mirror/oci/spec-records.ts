/**
 * Reading spec manifests: what a spec tag's manifest says (spec id, digest, build time, config
 * and artifact descriptors) without downloading anything else, and the entry behind it. Used by
 * every read of an `oci://` mirror.
 */
import { singleLine } from '../../core/errors.js'
import { validateEntry, type MirrorEntry } from '../entry.js'
import { MAX_ENTRY_BYTES, tooLarge } from '../limits.js'
import { mapBounded } from './bounded-map.js'
import { reportProgress } from '../../core/progress.js'
import { ANNOTATIONS, MEDIA_TYPES, parseManifest, type Descriptor } from './manifests.js'
import type { RegistryClient } from './registry-client.js'

/** One spec tag, as its manifest describes it. */
export interface SpecRecord {
  tag: string
  spec: string
  digest: string
  builtAt: string
  /** The entry JSON blob. */
  config: Descriptor
  /** The artifact blob. */
  artifact: Descriptor
}

const ACCEPT = [MEDIA_TYPES.manifest] as const

/** The records of `tags` (at most `concurrency` requests at once); unusable ones warned about. */
export async function readSpecRecords(
  client: RegistryClient,
  tags: readonly string[],
  warn: (message: string) => void,
): Promise<SpecRecord[]> {
  let done = 0
  const results = await mapBounded(tags, client.http.options.concurrency, async (tag) => {
    const record = await readSpecRecord(client, tag)
    reportProgress('Reading spec tags', ++done, tags.length)
    return record
  })
  const records: SpecRecord[] = []
  for (const [i, result] of results.entries()) {
    if (typeof result === 'string') warn(`${client.place}:${tags[i]}: skipped: ${result}`)
    else if (result !== undefined) records.push(result)
  }
  return records
}

/** A tag's record, the reason it is unusable, or undefined when the tag is gone. */
async function readSpecRecord(
  client: RegistryClient,
  tag: string,
): Promise<SpecRecord | string | undefined> {
  const fetched = await client.tryGetManifest(tag, ACCEPT)
  if (fetched === undefined) return undefined
  const parsed = parseManifest(fetched.bytes)
  if ('error' in parsed) return parsed.error
  const { manifest } = parsed
  const a = manifest.annotations ?? {}
  const [spec, digest, builtAt] = [
    a[ANNOTATIONS.spec],
    a[ANNOTATIONS.digest],
    a[ANNOTATIONS.created],
  ]
  if (manifest.config.mediaType !== MEDIA_TYPES.entry)
    return `not a binary-check spec manifest (config ${manifest.config.mediaType})`
  if (!spec || !digest || !builtAt || manifest.layers.length !== 1)
    return 'spec manifest lacks its spec, digest or created annotation, or its one layer'
  return { tag, spec, digest, builtAt, config: manifest.config, artifact: manifest.layers[0]! }
}

/**
 * The entry of a record (its config blob, digest verified), or the reason it is unusable: not
 * an entry, or one that disagrees with its manifest.
 */
export async function readRecordEntry(
  client: RegistryClient,
  record: SpecRecord,
  known?: ReadonlyMap<string, MirrorEntry>,
): Promise<MirrorEntry | string> {
  const cached = known?.get(record.config.digest)
  if (cached !== undefined) return checkRecordEntry(record, cached) ?? cached
  if (record.config.size > MAX_ENTRY_BYTES)
    return `entry ${tooLarge(record.config.size, MAX_ENTRY_BYTES, 'an entry')}`
  const bytes = await client.readBlob(record.config.digest, record.config.size)
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    return `entry is not valid JSON (${singleLine((error as Error).message)})`
  }
  const result = validateEntry(value)
  if ('error' in result) return result.error
  return checkRecordEntry(record, result.entry) ?? result.entry
}

/** Why an entry does not belong to its manifest, or undefined when it does. */
function checkRecordEntry(record: SpecRecord, entry: MirrorEntry): string | undefined {
  if (entry.spec !== record.spec || entry.digest !== record.digest)
    return `entry holds ${JSON.stringify(entry.spec)} ${entry.digest}, its manifest says ${JSON.stringify(record.spec)} ${record.digest}`
  if (`sha256:${entry.artifact.sha256}` !== record.artifact.digest)
    return `entry's artifact ${entry.artifact.sha256} is not the manifest's layer ${record.artifact.digest}`
  return undefined
}

/** Newest `builtAt` first; ties by artifact digest, then spec digest (as `compareNewestFirst`). */
export function compareRecordsNewestFirst(a: SpecRecord, b: SpecRecord): number {
  const t = Date.parse(b.builtAt) - Date.parse(a.builtAt)
  if (t !== 0) return t
  for (const [x, y] of [
    [a.artifact.digest, b.artifact.digest],
    [a.digest, b.digest],
  ] as const)
    if (x !== y) return x < y ? -1 : 1
  return 0
}

/** The newest record of each spec. */
export function pickCurrent(records: readonly SpecRecord[]): Map<string, SpecRecord> {
  const current = new Map<string, SpecRecord>()
  for (const r of [...records].sort(compareRecordsNewestFirst))
    if (!current.has(r.spec)) current.set(r.spec, r)
  return current
}
