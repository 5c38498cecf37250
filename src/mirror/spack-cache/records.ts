/**
 * What a Spack build cache (`spack buildcache push` + `update-index`) holds, read from its bytes:
 * the v3 manifests (index and spec), the database index (`application/vnd.spack.db.v8+json`,
 * the same document in `build_cache/index.json` of layout v2 and in an OCI cache's `index.spack`)
 * and the spec file (`{"spec": {"nodes": [...]}}`, possibly PGP clear-signed). Pure: bytes in,
 * values out; every malformed document is a one-line `UserError` naming where it came from.
 */
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { constants as bufferConstants } from 'node:buffer'
import { UserError } from '../../core/errors.js'

/** One spec the cache knows, by DAG hash. */
export interface CachedSpec {
  /** The DAG hash (32 base32 characters). */
  hash: string
  name: string
  version: string
  /** Spack's `content_hash` of the package as built (the node's `package_hash`); null if none. */
  packageHash: string | null
  /** Where it was read: the index, or the spec's own file (a push not yet indexed). */
  from: 'index' | 'spec-file'
}

/** One entry of a v3 manifest's `data`. */
export interface ManifestBlob {
  mediaType: string
  compression: string
  checksum: string
  contentLength: number
}

export const INDEX_MEDIA_TYPE = 'application/vnd.spack.db.v8+json'
export const SPEC_MEDIA_PREFIX = 'application/vnd.spack.spec.'

const SHA256 = /^[0-9a-f]{64}$/
const DAG_HASH = /^[a-z2-7]{32}$/

/** `v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json` */
export function specManifestPath(name: string, version: string, hash: string): string {
  return `v3/manifests/spec/${name}/${name}-${version}-${hash}.spec.manifest.json`
}

export const INDEX_MANIFEST_PATH = 'v3/manifests/index/index.manifest.json'
export const V2_INDEX_PATH = 'build_cache/index.json'

/** `blobs/sha256/<first two>/<checksum>` */
export function blobPath(checksum: string): string {
  return `blobs/sha256/${checksum.slice(0, 2)}/${checksum}`
}

/** The DAG hash a Spack OCI tag (`<name>-<version>-<hash>.spack`) names, or undefined. */
export function hashOfTag(tag: string): string | undefined {
  const m = /-([a-z2-7]{32})\.spack$/.exec(tag)
  return m?.[1]
}

export const OCI_INDEX_TAG = 'index.spack'

function parseJson(bytes: Buffer | string, where: string, what: string): unknown {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new UserError('mirror', where, `not ${what}: ${(error as Error).message}`)
  }
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/** A v3 manifest (`{"version": 3, "data": [...]}`) → its blobs. */
export function parseManifest(bytes: Buffer, where: string): ManifestBlob[] {
  const doc = parseJson(stripClearSignature(bytes.toString('utf8')), where, 'a Spack manifest')
  if (!isObject(doc) || !Array.isArray(doc.data))
    throw new UserError(
      'mirror',
      where,
      'not a Spack manifest: expected {"version": 3, "data": [...]}',
    )
  return doc.data.map((d, i): ManifestBlob => {
    if (
      !isObject(d) ||
      typeof d.mediaType !== 'string' ||
      typeof d.checksum !== 'string' ||
      !SHA256.test(d.checksum) ||
      (d.checksumAlgorithm !== undefined && d.checksumAlgorithm !== 'sha256')
    )
      throw new UserError(
        'mirror',
        where,
        `data[${i}]: expected {mediaType, checksumAlgorithm: "sha256", checksum: <64 hex>}`,
      )
    return {
      mediaType: d.mediaType,
      compression: typeof d.compression === 'string' ? d.compression : 'none',
      checksum: d.checksum,
      contentLength: typeof d.contentLength === 'number' ? d.contentLength : -1,
    }
  })
}

/** The blob of `mediaType` (exact, or by prefix when it ends in `.`) in a manifest. */
export function manifestBlob(
  blobs: readonly ManifestBlob[],
  mediaType: string,
  where: string,
): ManifestBlob {
  const found = blobs.find((b) =>
    mediaType.endsWith('.') ? b.mediaType.startsWith(mediaType) : b.mediaType === mediaType,
  )
  if (!found)
    throw new UserError(
      'mirror',
      where,
      `no ${mediaType.endsWith('.') ? `${mediaType}*` : mediaType} entry (has ${blobs.map((b) => b.mediaType).join(', ') || 'none'})`,
    )
  return found
}

/** A blob's bytes, checked against its checksum (and length), decompressed when gzip. */
export function blobContent(bytes: Buffer, blob: ManifestBlob, where: string): Buffer {
  const sum = createHash('sha256').update(bytes).digest('hex')
  if (sum !== blob.checksum)
    throw new UserError(
      'mirror',
      where,
      `blob is corrupt: sha256 ${sum.slice(0, 12)}…, the manifest says ${blob.checksum.slice(0, 12)}…`,
    )
  if (blob.contentLength >= 0 && bytes.length !== blob.contentLength)
    throw new UserError(
      'mirror',
      where,
      `blob is ${bytes.length} bytes, the manifest says ${blob.contentLength}`,
    )
  return blob.compression === 'gzip' ? gunzipOr(bytes, where) : bytes
}

/** The most a Spack build cache blob inflates to: the longest string Node can hold. */
const MAX_INFLATED_BYTES = bufferConstants.MAX_STRING_LENGTH

/** gunzip when the bytes are gzip (magic 1f 8b), else the bytes as they are. */
export function gunzipOr(bytes: Buffer, where: string): Buffer {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes
  try {
    // No more than a string can hold (~512 MiB): a gzip bomb ends here, in one line.
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new UserError(
        'mirror',
        where,
        `inflates to more than the ${Math.floor(MAX_INFLATED_BYTES / 2 ** 20)} MiB binary-check reads`,
      )
    throw new UserError('mirror', where, `not valid gzip: ${(error as Error).message}`)
  }
}

/**
 * The database index (`{"database": {"version", "installs": {<hash>: {"spec": node, ...}}}}`)
 * → the specs it says are in the build cache (entries with `in_buildcache: false`, such as
 * externals, are left out).
 */
export function parseDatabase(bytes: Buffer, where: string): Map<string, CachedSpec> {
  const doc = parseJson(gunzipOr(bytes, where), where, 'a Spack build cache index')
  const installs = isObject(doc) && isObject(doc.database) ? doc.database.installs : undefined
  if (!isObject(installs))
    throw new UserError(
      'mirror',
      where,
      'not a Spack build cache index: expected {"database": {"installs": {...}}}',
    )
  const out = new Map<string, CachedSpec>()
  for (const [hash, record] of Object.entries(installs)) {
    if (!isObject(record) || record.in_buildcache === false) continue
    const spec = nodeFields(record.spec, hash, `${where}: installs.${hash}.spec`)
    out.set(hash, { ...spec, from: 'index' })
  }
  return out
}

/** The node for `hash` in a spec file (`{"spec": {"nodes": [...]}}`, clear-signed or not). */
export function parseSpecFile(bytes: Buffer, hash: string, where: string): CachedSpec {
  const text = stripClearSignature(gunzipOr(bytes, where).toString('utf8'))
  return specOfDocument(parseJson(text, where, 'a Spack spec file'), hash, where)
}

/** The node for `hash` in a parsed spec document (a spec file, or an OCI image config). */
export function specOfDocument(doc: unknown, hash: string, where: string): CachedSpec {
  const nodes = isObject(doc) && isObject(doc.spec) ? doc.spec.nodes : undefined
  if (!Array.isArray(nodes))
    throw new UserError(
      'mirror',
      where,
      'not a Spack spec file: expected {"spec": {"nodes": [...]}}',
    )
  const node = nodes.find((n) => isObject(n) && n.hash === hash) ?? nodes[0]
  const spec = nodeFields(node, hash, where)
  if (isObject(node) && typeof node.hash === 'string' && node.hash !== hash)
    throw new UserError('mirror', where, `holds spec ${node.hash}, not ${hash}`)
  return { ...spec, from: 'spec-file' }
}

function nodeFields(node: unknown, hash: string, where: string): Omit<CachedSpec, 'from'> {
  if (!DAG_HASH.test(hash))
    throw new UserError('mirror', where, `not a Spack DAG hash: ${JSON.stringify(hash)}`)
  if (!isObject(node) || typeof node.name !== 'string')
    throw new UserError('mirror', where, 'expected a spec node with a "name"')
  const version = typeof node.version === 'string' ? node.version : String(node.version ?? '')
  const packageHash = typeof node.package_hash === 'string' ? node.package_hash : null
  return { hash, name: node.name, version, packageHash }
}

/**
 * The signed text of a PGP clear-signed message (RFC 4880 §7), dash-escaping undone; any other
 * text as it is. The signature is not checked here: `spack install` checks it before it uses a
 * binary, and binary-check only reads the hashes.
 */
export function stripClearSignature(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text
  const lines = text.split(/\r?\n/)
  let i = 1
  while (i < lines.length && lines[i] !== '') i++ // armor headers (Hash: …)
  const end = lines.indexOf('-----BEGIN PGP SIGNATURE-----', i)
  return lines
    .slice(i + 1, end < 0 ? undefined : end)
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n')
}
