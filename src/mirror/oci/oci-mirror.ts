/**
 * A mirror in an OCI registry repository (`oci://host[:port]/repository`), the same `Mirror` as
 * `file://`. Layout in `layout.ts`, manifest shapes in `manifests.ts`, claims in `oci-claims.ts`.
 *
 * - `record`: the artifact blob, then the entry blob, then the spec manifest under its tag
 *   (`<pkg>-<version>-<digest hex 16>`); never the index. The registry refuses a manifest whose
 *   blobs it does not have, so no tag points at nothing; a failed upload is never referenced.
 * - The current entry of a spec is its newest spec tag (by `org.opencontainers.image.created`);
 *   older digests keep their tags, which is the history.
 * - `writeIndex` rebuilds `index.json` from the spec tags (all pages), reading manifests and entry
 *   blobs at most `concurrency` at a time (only entries are kept in memory; entries of the
 *   previous index whose bytes match a manifest's config digest are reused, not downloaded), then
 *   pushes the index blob and the `binary-check-index` manifest.
 * - Blobs referenced by a tagged manifest are never garbage-collected, so unlike `file://` the
 *   artifacts are not checked one by one.
 */
import { UserError } from '../../core/errors.js'
import type { MirrorEntry } from '../entry.js'
import { MAX_INDEX_BYTES, tooLarge } from '../limits.js'
import type { Mirror, MirrorOptions, RecordInput, WriteIndexOptions } from '../mirror.js'
import {
  computeIndex,
  parseIndex,
  serializeCanonical,
  serializeIndex,
  type MirrorIndex,
} from '../mirror-index.js'
import { compareNewestFirst, computeView, type ViewRequest } from '../mirror-view.js'
import { checkRecordInput, computeEntry } from '../record-check.js'
import { mapBounded } from './bounded-map.js'
import { claimOciDigest, readLiveOciClaims, releaseOciDigest } from './oci-claims.js'
import {
  classifyTag,
  computeSpecTag,
  computeSpecTagPrefix,
  INDEX_TAG,
  parseSpecIdPackage,
} from './layout.js'
import {
  artifactMediaType,
  computeIndexManifest,
  computeSpecManifest,
  EMPTY_BLOB,
  MEDIA_TYPES,
  parseManifest,
  serializeManifest,
  sha256Digest,
} from './manifests.js'
import { type OciLocation } from './reference.js'
import { createRegistryClient, type RegistryClient } from './registry-client.js'
import { pickCurrent, readRecordEntry, readSpecRecords, type SpecRecord } from './spec-records.js'
import { open } from 'node:fs/promises'

export interface OciMirror extends Mirror {
  readonly location: OciLocation
  readonly client: RegistryClient
}

const REBUILD_HINT = 'run `binary-check index` to rebuild it from entries'

/** Open `oci://host[:port]/repository`; no I/O until the first call. */
export function openOciMirror(url: string, options: MirrorOptions = {}): OciMirror {
  const warn = options.onWarning ?? (() => {})
  const client = createRegistryClient(url, options.registry)
  const { location, place } = client
  const indexPlace = `${place}:${INDEX_TAG}`

  /** Spec tags, optionally only those of one spec id's package and version. */
  async function listSpecTags(specId?: string): Promise<string[]> {
    const tags = (await client.listTags()).filter((t) => classifyTag(t) === 'spec')
    const pkg = specId === undefined ? undefined : parseSpecIdPackage(specId)
    if (pkg === undefined) return tags.sort()
    const prefix = computeSpecTagPrefix(pkg.pkg, pkg.version)
    return tags.filter((t) => t.startsWith(prefix)).sort()
  }

  async function readRecordsOf(specId: string): Promise<SpecRecord[]> {
    const records = await readSpecRecords(client, await listSpecTags(specId), warn)
    return records.filter((r) => r.spec === specId)
  }

  /** The entry of a record, or undefined (warned) when it is unusable. */
  async function entryOf(
    record: SpecRecord,
    known?: ReadonlyMap<string, MirrorEntry>,
  ): Promise<MirrorEntry | undefined> {
    const result = await readRecordEntry(client, record, known)
    if (typeof result !== 'string') return result
    warn(`${place}:${record.tag}: skipped: ${result}`)
    return undefined
  }

  async function tryReadEntry(specId: string): Promise<MirrorEntry | undefined> {
    const current = pickCurrent(await readRecordsOf(specId)).get(specId)
    return current === undefined ? undefined : entryOf(current)
  }

  async function readHistory(specId: string): Promise<MirrorEntry[]> {
    const records = await readRecordsOf(specId)
    const entries = await mapBounded(records, client.http.options.concurrency, (r) => entryOf(r))
    const newest = new Map<string, MirrorEntry>()
    for (const e of entries.filter((x) => x !== undefined).sort(compareNewestFirst))
      if (!newest.has(e.digest)) newest.set(e.digest, e)
    return [...newest.values()]
  }

  async function tryReadIndex(): Promise<MirrorIndex | undefined> {
    const fetched = await client.tryGetManifest(INDEX_TAG, [MEDIA_TYPES.manifest])
    if (fetched === undefined) return undefined
    const corrupt = (what: string) =>
      new UserError('mirror', indexPlace, `index is corrupt: ${what}; ${REBUILD_HINT}`)
    const parsed = parseManifest(fetched.bytes)
    if ('error' in parsed) throw corrupt(parsed.error)
    const layer = parsed.manifest.layers[0]
    if (layer === undefined || layer.mediaType !== MEDIA_TYPES.index)
      throw corrupt(`expected one layer of ${MEDIA_TYPES.index}`)
    if (layer.size > MAX_INDEX_BYTES)
      throw corrupt(`the index blob ${tooLarge(layer.size, MAX_INDEX_BYTES, 'an index')}`)
    const bytes = await client.fetchBlob(layer.digest)
    const actual = sha256Digest(bytes)
    if (actual !== layer.digest || bytes.length !== layer.size)
      throw corrupt(`blob digest mismatch (expected ${layer.digest}, got ${actual})`)
    return parseIndex(bytes.toString('utf8'), indexPlace)
  }

  /** Every spec's current record and entry (previous index entries reused when identical). */
  async function readCurrent(
    known: ReadonlyMap<string, MirrorEntry>,
  ): Promise<{ records: SpecRecord[]; entries: MirrorEntry[] }> {
    const records = await readSpecRecords(client, await listSpecTags(), warn)
    const current = [...pickCurrent(records).values()]
    const entries = await mapBounded(current, client.http.options.concurrency, (r) =>
      entryOf(r, known),
    )
    return { records, entries: entries.filter((e) => e !== undefined) }
  }

  /** Entries of the previous index by the digest of their bytes (a cache; never trusted alone). */
  async function knownEntries(): Promise<Map<string, MirrorEntry>> {
    let previous: MirrorIndex | undefined
    try {
      previous = await tryReadIndex()
    } catch (error) {
      if (!(error instanceof UserError)) throw error
      return new Map() // corrupt: rebuilt from the entries
    }
    const known = new Map<string, MirrorEntry>()
    for (const entry of Object.values(previous?.entries ?? {}))
      known.set(sha256Digest(serializeCanonical(entry)), entry)
    return known
  }

  async function readEntries(): Promise<MirrorIndex> {
    return computeIndex((await readCurrent(new Map())).entries)
  }

  async function viewEntries(
    request: ViewRequest,
    records: readonly SpecRecord[],
    index: MirrorIndex,
  ): Promise<Map<string, MirrorEntry[]>> {
    const wanted = new Map(request.specs.map((s) => [s.id, s.digest]))
    const out = new Map<string, MirrorEntry[]>()
    for (const [id, digest] of wanted)
      if (index.entries[id]?.digest === digest) out.set(id, [index.entries[id]!])
    const older = records.filter((r) => !out.has(r.spec) && wanted.get(r.spec) === r.digest)
    const entries = await mapBounded(older, client.http.options.concurrency, (r) => entryOf(r))
    for (const e of entries) if (e !== undefined) out.set(e.spec, [...(out.get(e.spec) ?? []), e])
    return out
  }

  async function writeIndex(options: WriteIndexOptions = {}): Promise<MirrorIndex> {
    const { records, entries } = await readCurrent(await knownEntries())
    let index = computeIndex(entries)
    if (options.view !== undefined) {
      const candidates = await viewEntries(options.view, records, index)
      index = computeIndex(
        entries,
        computeView(options.view, (id) => candidates.get(id) ?? []),
      )
    }
    const blob = await client.pushBlob({
      bytes: Buffer.from(serializeIndex(index)),
      mediaType: MEDIA_TYPES.index,
    })
    await client.pushBlob({ bytes: EMPTY_BLOB, mediaType: MEDIA_TYPES.empty })
    const manifest = computeIndexManifest(blob, index.checksum)
    await client.putManifest(INDEX_TAG, serializeManifest(manifest), MEDIA_TYPES.manifest)
    return index
  }

  /**
   * The current entry when it was built from `digest` (recording it again changes nothing).
   * Only when this digest's tag exists are the spec's other tags read (the usual new digest
   * costs one manifest read, not a tag listing).
   */
  async function tryReadUnchanged(
    specId: string,
    digest: string,
    tag: string,
  ): Promise<MirrorEntry | undefined> {
    const [own] = await readSpecRecords(client, [tag], warn)
    if (own?.spec !== specId) return undefined
    const current = pickCurrent(await readRecordsOf(specId)).get(specId)
    return current?.digest === digest ? entryOf(current) : undefined
  }

  async function record(input: RecordInput): Promise<MirrorEntry> {
    checkRecordInput(input)
    const { entry: fields, artifactPath } = input
    // Named as the spec id starts (`name@version`), which is what readers look it up by.
    const named = parseSpecIdPackage(fields.spec) ?? {
      pkg: fields.package,
      version: fields.version,
    }
    const tag = computeSpecTag(named.pkg, named.version, fields.digest)
    const existing = await tryReadUnchanged(fields.spec, fields.digest, tag)
    if (existing !== undefined) return existing
    // 1. the artifact
    const artifact = await client.pushBlob({
      path: artifactPath,
      mediaType: await sniffArtifact(artifactPath),
    })
    const hex = artifact.digest.slice('sha256:'.length)
    const entry = computeEntry(input, {
      path: `blobs/${artifact.digest}`,
      sha256: hex,
      size: artifact.size,
    })
    // 2. the entry
    const config = await client.pushBlob({
      bytes: Buffer.from(serializeCanonical(entry)),
      mediaType: MEDIA_TYPES.entry,
    })
    // 3. the manifest, under the spec's tag for this digest
    const manifest = computeSpecManifest(entry, config, artifact, tag)
    await client.putManifest(tag, serializeManifest(manifest), MEDIA_TYPES.manifest)
    return entry
  }

  return {
    url: `oci://${location.registry}/${location.repository}`,
    location,
    client,
    tryReadIndex,
    tryReadEntry,
    record,
    readHistory,
    readEntries,
    writeIndex,
    claim: (input) => claimOciDigest(client, input),
    release: (input) => releaseOciDigest(client, input, new Date()),
    tryReadClaims: async (now) => readLiveOciClaims(client, await client.listTags(), now, warn),
  }
}

/** The artifact's layer media type from its first bytes; a missing file is the caller's error. */
async function sniffArtifact(path: string): Promise<string> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new UserError('input', path, 'artifact not found (expected the built binary file)')
    throw error
  }
  try {
    const head = Buffer.alloc(2)
    await handle.read(head, 0, 2, 0)
    return artifactMediaType(head)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR')
      throw new UserError('input', path, 'is a directory (expected the built binary file)')
    throw error
  } finally {
    await handle.close()
  }
}
