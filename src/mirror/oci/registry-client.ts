/**
 * The registry operations a mirror needs (OCI distribution spec v1.1): blobs (HEAD, mount,
 * monolithic or chunked upload, verified download), manifests (put with digest check, get, head)
 * and the paginated tag list. All through `registry-http.ts` (auth, retries, one-line errors).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { UserError } from '../../core/errors.js'
import { parseLinkNext } from './link-header.js'
import { sha256Digest, type Descriptor } from './manifests.js'
import { parseOciMirrorUrl, type OciLocation } from './reference.js'
import { createRegistryHttp, discard, type RegistryHttp } from './registry-http.js'
import {
  isInsecureByEnv,
  resolveRegistryOptions,
  type RegistryOptions,
} from './registry-options.js'

/** A blob to push: bytes in memory, or a file streamed in chunks. */
export type BlobSource =
  { bytes: Uint8Array; mediaType: string } | { path: string; mediaType: string }

export interface FetchedManifest {
  bytes: Buffer
  /** `sha256:` of the bytes (checked against `Docker-Content-Digest`). */
  digest: string
  mediaType: string
}

export interface RegistryClient {
  readonly location: OciLocation
  /** `<registry>/<repository>`, the place of every error. */
  readonly place: string
  readonly http: RegistryHttp
  /** HEAD the blob: present (with this size, when given)? */
  blobExists(digest: string, size?: number): Promise<boolean>
  /**
   * Make the blob present: HEAD (skip when there), else mount from each `mountFrom` repository,
   * else upload (one PUT up to `chunkSize`, chunked PATCHes above); the registry checks the
   * digest. Returns its descriptor.
   */
  pushBlob(source: BlobSource): Promise<Descriptor>
  /** Download a blob and verify its sha256 (and size, when given). */
  readBlob(digest: string, size?: number): Promise<Buffer>
  /** Download a blob as it is (the caller verifies it). */
  fetchBlob(digest: string): Promise<Buffer>
  /** PUT a manifest under a tag (or its digest); checks the registry's `Docker-Content-Digest`. */
  putManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string>
  /** GET a manifest by tag or digest; undefined when there is none (or no repository yet). */
  tryGetManifest(reference: string, accept: readonly string[]): Promise<FetchedManifest | undefined>
  /** HEAD a manifest: its digest (`Docker-Content-Digest`), undefined when there is none. */
  tryHeadManifest(reference: string, accept: readonly string[]): Promise<string | undefined>
  /**
   * DELETE a manifest by digest (its tags go with it). False when the registry does not allow
   * deletes (405, `UNSUPPORTED`) or it is already gone.
   */
  tryDeleteManifest(digest: string): Promise<boolean>
  /** Every tag (pages of `tagPageSize`, following `Link: <…>; rel="next"`); [] for no repository. */
  listTags(): Promise<string[]>
}

/** A client for `oci://host/repo` (or a parsed location), options defaulted. */
export function createRegistryClient(
  target: string | OciLocation,
  options: RegistryOptions = {},
): RegistryClient {
  const insecure = options.insecure ?? isInsecureByEnv(options.env ?? process.env)
  const location = typeof target === 'string' ? parseOciMirrorUrl(target, insecure) : target
  // A mirror's client: our credentials belong to the mirror's registry unless told otherwise.
  const resolved = resolveRegistryOptions(location.registry, {
    ...options,
    credentialsHost: options.credentialsHost ?? location.registry,
  })
  return clientOver(createRegistryHttp(location, resolved))
}

/** The operations over an `http` (shared by mirrors and image-digest lookups). */
export function clientOver(http: RegistryHttp): RegistryClient {
  const { location, place, options } = http
  const repoUrl = `${location.baseUrl}/v2/${location.repository}`
  const pull = `repository:${location.repository}:pull`
  const push = `repository:${location.repository}:pull,push`

  async function blobExists(digest: string, size?: number): Promise<boolean> {
    const response = await http.send({
      method: 'HEAD',
      url: `${repoUrl}/blobs/${digest}`,
      what: `check of blob ${digest}`,
      accept: [200, 404],
      scope: pull,
    })
    await discard(response)
    if (response.status !== 200) return false
    const length = response.headers.get('content-length')
    return size === undefined || length === null || Number(length) === size
  }

  async function pushBlob(source: BlobSource): Promise<Descriptor> {
    const { digest, size } = await describeSource(source)
    const descriptor = { mediaType: source.mediaType, digest, size }
    if (await blobExists(digest, size)) return descriptor
    let session: string | undefined
    for (const from of options.mountFrom) {
      if (from === location.repository) continue
      const mounted = await tryMount(digest, from)
      if (mounted === true) return descriptor
      session ??= mounted
    }
    session ??= await startUpload(digest)
    try {
      if (size <= options.chunkSize) await uploadWhole(session, source, digest)
      else await uploadChunked(session, source, digest, size)
    } catch (error) {
      // The PUT may have landed before its answer was lost: the blob is then complete.
      if (error instanceof UserError && (await blobExists(digest, size))) return descriptor
      throw error
    }
    return descriptor
  }

  /** `true` when mounted; otherwise the upload session the registry opened instead (if any). */
  async function tryMount(digest: string, from: string): Promise<true | string | undefined> {
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`
    const response = await http.send({
      method: 'POST',
      url: `${repoUrl}/blobs/uploads/?${query}`,
      what: `mount of blob ${digest} from ${from}`,
      accept: [201, 202, 404],
      scope: `${push} repository:${from}:pull`,
    })
    await discard(response)
    if (response.status === 201) return true
    return response.status === 202 ? uploadLocation(response) : undefined
  }

  async function startUpload(digest: string): Promise<string> {
    const response = await http.send({
      method: 'POST',
      url: `${repoUrl}/blobs/uploads/`,
      what: `upload of blob ${digest}`,
      accept: [202],
      scope: push,
    })
    await discard(response)
    return uploadLocation(response)
  }

  function uploadLocation(response: Response): string {
    const location = response.headers.get('location')
    if (!location)
      throw new UserError('mirror', place, 'the registry opened an upload without a Location')
    return new URL(location, response.url || repoUrl).href
  }

  async function uploadWhole(session: string, source: BlobSource, digest: string): Promise<void> {
    const bytes = 'bytes' in source ? source.bytes : await readFile(source.path)
    await finishUpload(session, digest, bytes)
  }

  async function finishUpload(session: string, digest: string, bytes: Uint8Array): Promise<void> {
    const url = new URL(session)
    url.searchParams.set('digest', digest)
    const response = await http.send({
      method: 'PUT',
      url: url.href,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      what: `upload of blob ${digest}`,
      accept: [201],
      scope: push,
    })
    await discard(response)
    checkDigestHeader(response, digest, `blob ${digest}`)
  }

  /** PATCH `chunkSize` pieces with `Content-Range`, then the closing PUT `?digest=`. */
  async function uploadChunked(
    session: string,
    source: BlobSource,
    digest: string,
    size: number,
  ): Promise<void> {
    // From memory (an index of many entries) or from a file (an artifact), chunk by chunk.
    const handle = 'path' in source ? await open(source.path, 'r') : undefined
    const readChunk = async (offset: number, length: number): Promise<Buffer> => {
      if (!handle)
        return Buffer.from(
          (source as { bytes: Uint8Array }).bytes.subarray(offset, offset + length),
        )
      const chunk = Buffer.alloc(length)
      await handle.read(chunk, 0, length, offset)
      return chunk
    }
    try {
      let location = session
      for (let offset = 0; offset < size;) {
        const length = Math.min(options.chunkSize, size - offset)
        const chunk = await readChunk(offset, length)
        const response = await http.send({
          method: 'PATCH',
          url: location,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + length - 1}`,
          },
          body: chunk,
          what: `upload of blob ${digest} (bytes ${offset}-${offset + length - 1})`,
          accept: [202, 416],
          scope: push,
        })
        await discard(response)
        if (response.status === 416) {
          // A retried PATCH whose first try landed: ask where the upload stands.
          ;({ location, offset } = await uploadStatus(location, digest))
          continue
        }
        location = uploadLocation(response)
        offset += length
      }
      await finishUpload(location, digest, new Uint8Array(0))
    } finally {
      await handle?.close()
    }
  }

  /** Where an upload session stands: its next offset (from `Range: 0-<last>`) and Location. */
  async function uploadStatus(
    session: string,
    digest: string,
  ): Promise<{ location: string; offset: number }> {
    const response = await http.send({
      method: 'GET',
      url: session,
      what: `upload of blob ${digest} (status)`,
      accept: [204],
      scope: push,
    })
    await discard(response)
    const range = /^(?:bytes=)?0-([0-9]+)$/.exec(response.headers.get('range') ?? '')
    return { location: uploadLocation(response), offset: range ? Number(range[1]) + 1 : 0 }
  }

  async function fetchBlob(digest: string): Promise<Buffer> {
    const response = await http.send({
      method: 'GET',
      url: `${repoUrl}/blobs/${digest}`,
      what: `download of blob ${digest}`,
      accept: [200],
      scope: pull,
      readBody: true,
    })
    return Buffer.from(await response.arrayBuffer())
  }

  async function readBlob(digest: string, size?: number): Promise<Buffer> {
    const bytes = await fetchBlob(digest)
    const actual = sha256Digest(bytes)
    if (actual !== digest || (size !== undefined && bytes.length !== size))
      throw new UserError(
        'mirror',
        place,
        `blob ${digest} is corrupt (got ${bytes.length} bytes with digest ${actual})`,
      )
    return bytes
  }

  async function putManifest(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    const digest = sha256Digest(bytes)
    const response = await http.send({
      method: 'PUT',
      url: `${repoUrl}/manifests/${reference}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      what: `push of manifest ${reference}`,
      accept: [201],
      scope: push,
      retryCodes: ['DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN'],
    })
    await discard(response)
    checkDigestHeader(response, digest, `manifest ${reference}`)
    return digest
  }

  async function tryGetManifest(
    reference: string,
    accept: readonly string[],
  ): Promise<FetchedManifest | undefined> {
    const response = await http.send({
      method: 'GET',
      url: `${repoUrl}/manifests/${reference}`,
      headers: { accept: accept.join(', ') },
      what: `read of manifest ${reference}`,
      accept: [200, 404],
      scope: pull,
      readBody: true,
    })
    if (response.status === 404) {
      await discard(response)
      return undefined
    }
    const bytes = Buffer.from(await response.arrayBuffer())
    const digest = sha256Digest(bytes)
    checkDigestHeader(response, digest, `manifest ${reference}`)
    if (reference.startsWith('sha256:') && reference !== digest)
      throw new UserError('mirror', place, `manifest ${reference} is corrupt (digest ${digest})`)
    return { bytes, digest, mediaType: response.headers.get('content-type') ?? '' }
  }

  async function tryHeadManifest(
    reference: string,
    accept: readonly string[],
  ): Promise<string | undefined> {
    const response = await http.send({
      method: 'HEAD',
      url: `${repoUrl}/manifests/${reference}`,
      headers: { accept: accept.join(', ') },
      what: `check of manifest ${reference}`,
      accept: [200, 404],
      scope: pull,
    })
    await discard(response)
    if (response.status === 404) return undefined
    const digest = response.headers.get('docker-content-digest')
    if (digest !== null) return digest
    // No digest header on HEAD (some registries): GET and hash the bytes.
    return (await tryGetManifest(reference, accept))?.digest
  }

  async function tryDeleteManifest(digest: string): Promise<boolean> {
    const response = await http.send({
      method: 'DELETE',
      url: `${repoUrl}/manifests/${digest}`,
      what: `delete of manifest ${digest}`,
      accept: [202, 400, 404, 405],
      scope: `repository:${location.repository}:delete`,
    })
    await discard(response)
    return response.status === 202
  }

  async function listTags(): Promise<string[]> {
    const tags: string[] = []
    let url: string | undefined = `${repoUrl}/tags/list?n=${options.tagPageSize}`
    const seen = new Set<string>([url])
    while (url !== undefined) {
      const response = await http.send({
        method: 'GET',
        url,
        what: 'listing of tags',
        accept: [200, 404],
        scope: pull,
        readBody: true,
      })
      if (response.status === 404) {
        await discard(response)
        return tags // no repository yet: no tags
      }
      const body = (await response.json().catch(() => undefined)) as { tags?: unknown } | undefined
      if (body === undefined || (body.tags != null && !Array.isArray(body.tags)))
        throw new UserError('mirror', place, 'listing of tags failed (not a tag list)')
      for (const tag of (body.tags as unknown[] | null) ?? [])
        if (typeof tag === 'string') tags.push(tag)
      const next = parseLinkNext(response.headers.get('link'), url)
      if (next !== undefined && seen.has(next))
        throw new UserError(
          'mirror',
          place,
          'listing of tags failed (the registry pages in a loop)',
        )
      if (next !== undefined) seen.add(next)
      url = next
    }
    return tags
  }

  function checkDigestHeader(response: Response, expected: string, what: string): void {
    const returned = response.headers.get('docker-content-digest')
    if (returned !== null && returned !== expected)
      throw new UserError(
        'mirror',
        place,
        `${what}: the registry reports digest ${returned}, expected ${expected}`,
      )
  }

  return {
    location,
    place,
    http,
    blobExists,
    pushBlob,
    readBlob,
    fetchBlob,
    putManifest,
    tryGetManifest,
    tryHeadManifest,
    tryDeleteManifest,
    listTags,
  }
}

/** sha256 and size of a blob source (a file is streamed). */
async function describeSource(source: BlobSource): Promise<{ digest: string; size: number }> {
  if ('bytes' in source) return { digest: sha256Digest(source.bytes), size: source.bytes.length }
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(source.path) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { digest: `sha256:${hash.digest('hex')}`, size }
}
