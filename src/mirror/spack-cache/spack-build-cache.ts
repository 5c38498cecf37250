/**
 * A Spack build cache as a read-only reference: which DAG hashes it holds and the `package_hash`
 * (Spack's content hash) each was built with. Three places, one reading:
 *
 *   spack+file:///path, spack+/path     a directory `spack buildcache push` wrote (layout v3:
 *                                       `v3/manifests/…` + `blobs/sha256/…`; layout v2's
 *                                       `build_cache/index.json` is read too)
 *   spack+https://host/path             the same layout over HTTP(S) (S3, GCS, any web server)
 *   spack+oci://host/repo               an OCI registry: tags `<name>-<version>-<hash>.spack`
 *   spack+oci+http://host/repo          and `index.spack` (plain HTTP, as Spack's `oci+http://`)
 *
 * The index is read first. A wanted spec that the index lacks is looked up in its own spec
 * manifest (file/HTTP) or tag (OCI), so a push whose `update-index` has not run yet still counts.
 * In an OCI cache the tag list is the truth for presence: an index entry without a tag is gone.
 * HTTP and OCI requests go through the registry client (auth from the challenge, retries with
 * backoff, pagination); nothing is ever written.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UserError } from '../../core/errors.js'
import { mapBounded } from '../oci/bounded-map.js'
import { MEDIA_TYPES, parseManifest as parseOciManifest } from '../oci/manifests.js'
import { parseOciMirrorUrl, redactUrl } from '../oci/reference.js'
import { createRegistryClient, type RegistryClient } from '../oci/registry-client.js'
import { createRegistryHttp, type RegistryHttp } from '../oci/registry-http.js'
import { resolveRegistryOptions, type RegistryOptions } from '../oci/registry-options.js'
import {
  blobContent,
  blobPath,
  gunzipOr,
  hashOfTag,
  INDEX_MANIFEST_PATH,
  INDEX_MEDIA_TYPE,
  manifestBlob,
  OCI_INDEX_TAG,
  parseDatabase,
  parseManifest,
  parseSpecFile,
  specManifestPath,
  specOfDocument,
  SPEC_MEDIA_PREFIX,
  V2_INDEX_PATH,
  type CachedSpec,
} from './records.js'

export type { CachedSpec } from './records.js'

/** A spec to look up: a lock node's DAG hash, name and version. */
export interface WantedSpec {
  hash: string
  name: string
  version: string
}

export interface CacheLookup {
  /** DAG hash → what the cache holds, for the wanted specs it has. */
  specs: Map<string, CachedSpec>
  /** Specs in the cache's index (undefined: the cache has no index). */
  indexed: number | undefined
  /** How many wanted specs were found only in their own spec file (not yet indexed). */
  unindexed: number
}

export interface SpackBuildCache {
  /** The URL as given, without credentials. */
  readonly url: string
  lookUp(wanted: readonly WantedSpec[]): Promise<CacheLookup>
}

export interface SpackCacheOptions {
  cwd?: string
  registry?: RegistryOptions
}

/** Is this a Spack build cache URL (`spack+…`)? */
export function isSpackCacheUrl(url: string): boolean {
  return /^spack\+/i.test(url.trim())
}

export function openSpackBuildCache(url: string, options: SpackCacheOptions = {}): SpackBuildCache {
  const text = url.trim()
  const shown = redactUrl(text)
  const rest = text.slice('spack+'.length)
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest)?.[1]?.toLowerCase()
  if (scheme === 'oci' || scheme === 'oci+http') {
    const insecure = scheme === 'oci+http'
    const location = parseOciMirrorUrl(`oci://${rest.slice(scheme.length + 3)}`, insecure)
    const client = createRegistryClient(location, { ...options.registry, insecure })
    return { url: shown, lookUp: (wanted) => lookUpOci(client, shown, wanted) }
  }
  if (scheme === 'http' || scheme === 'https') {
    if (/^[^/]*@/.test(rest.slice(scheme.length + 3)))
      throw new UserError(
        'mirror',
        shown,
        'credentials do not belong in the URL: use BINARY_CHECK_REGISTRY_USER and BINARY_CHECK_REGISTRY_PASSWORD',
      )
    let base: URL
    try {
      base = new URL(rest)
    } catch {
      throw new UserError('mirror', shown, 'not a usable URL')
    }
    if (scheme === 'http' && !['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))
      throw new UserError(
        'mirror',
        shown,
        'plain http:// is only for loopback hosts: use spack+https://',
      )
    return layoutCache(shown, httpSource(base, options.registry))
  }
  if (scheme !== undefined && scheme !== 'file')
    throw new UserError(
      'mirror',
      shown,
      `unsupported Spack build cache scheme "spack+${scheme}://" (expected spack+file://, spack+https:// or spack+oci://)`,
    )
  return layoutCache(shown, fileSource(cacheDirectory(rest, options.cwd ?? process.cwd(), shown)))
}

function cacheDirectory(rest: string, cwd: string, shown: string): string {
  if (!/^file:\/\//i.test(rest)) return resolve(cwd, rest)
  const path = rest.slice('file://'.length)
  if (path.startsWith('/')) {
    try {
      return fileURLToPath(`file://${path}`)
    } catch (error) {
      throw new UserError('mirror', shown, `not a usable file:// URL (${(error as Error).message})`)
    }
  }
  return isAbsolute(path) ? path : resolve(cwd, path)
}

/** Reads a mirror-relative path: the bytes, or undefined when there is no such file. */
interface LayoutSource {
  read(path: string): Promise<Buffer | undefined>
  /** How errors name a path: the full location. */
  where(path: string): string
}

function fileSource(dir: string): LayoutSource {
  return {
    where: (path) => join(dir, path),
    async read(path) {
      try {
        return await readFile(join(dir, path))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
        throw new UserError('mirror', join(dir, path), `cannot read (${code ?? String(error)})`)
      }
    },
  }
}

function httpSource(base: URL, registry: RegistryOptions | undefined): LayoutSource {
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`
  const location = { registry: base.host, repository: base.pathname, baseUrl: base.origin }
  const http: RegistryHttp = createRegistryHttp(
    location,
    resolveRegistryOptions(base.host, {
      ...registry,
      credentialsHost: registry?.credentialsHost ?? base.host,
    }),
  )
  const where = (path: string) => redactUrl(new URL(path, root).href)
  return {
    where,
    async read(path) {
      const response = await http.send({
        method: 'GET',
        url: new URL(path, root).href,
        what: `GET ${where(path)}`,
        accept: [200, 403, 404],
        scope: '',
        readBody: true,
      })
      // S3 answers 403 for a missing key in a bucket that does not allow listing
      if (response.status !== 200) return undefined
      return Buffer.from(await response.arrayBuffer())
    },
  }
}

/** Names that go into a path: no separators, no `..`, nothing a shell or URL would read twice. */
const PATH_PART = /^[A-Za-z0-9_][A-Za-z0-9_.+=-]*$/

function layoutCache(url: string, source: LayoutSource): SpackBuildCache {
  async function readIndex(): Promise<Map<string, CachedSpec> | undefined> {
    const manifest = await source.read(INDEX_MANIFEST_PATH)
    if (manifest !== undefined) {
      const where = source.where(INDEX_MANIFEST_PATH)
      const blob = manifestBlob(parseManifest(manifest, where), INDEX_MEDIA_TYPE, where)
      const blobWhere = source.where(blobPath(blob.checksum))
      const bytes = await source.read(blobPath(blob.checksum))
      if (bytes === undefined)
        throw new UserError(
          'mirror',
          blobWhere,
          'the index manifest names this blob, which is missing',
        )
      return parseDatabase(blobContent(bytes, blob, blobWhere), blobWhere)
    }
    const v2 = await source.read(V2_INDEX_PATH)
    return v2 === undefined ? undefined : parseDatabase(v2, source.where(V2_INDEX_PATH))
  }

  async function readSpec(w: WantedSpec): Promise<CachedSpec | undefined> {
    if (!PATH_PART.test(w.name) || !PATH_PART.test(w.version)) return undefined
    const path = specManifestPath(w.name, w.version, w.hash)
    const manifest = await source.read(path)
    if (manifest === undefined) return undefined
    const where = source.where(path)
    const blob = manifestBlob(parseManifest(manifest, where), SPEC_MEDIA_PREFIX, where)
    const blobWhere = source.where(blobPath(blob.checksum))
    const bytes = await source.read(blobPath(blob.checksum))
    if (bytes === undefined)
      throw new UserError(
        'mirror',
        blobWhere,
        `the spec manifest ${path} names this blob, which is missing`,
      )
    return parseSpecFile(blobContent(bytes, blob, blobWhere), w.hash, blobWhere)
  }

  return {
    url,
    async lookUp(wanted) {
      const index = await readIndex()
      const specs = new Map<string, CachedSpec>()
      const rest: WantedSpec[] = []
      for (const w of wanted) {
        const hit = index?.get(w.hash)
        if (hit) specs.set(w.hash, hit)
        else rest.push(w)
      }
      let unindexed = 0
      for (const found of await mapBounded(rest, 16, readSpec))
        if (found) {
          specs.set(found.hash, found)
          unindexed++
        }
      return { specs, indexed: index?.size, unindexed }
    },
  }
}

const MANIFEST_ACCEPT = [MEDIA_TYPES.manifest, MEDIA_TYPES.dockerManifest]

async function lookUpOci(
  client: RegistryClient,
  url: string,
  wanted: readonly WantedSpec[],
): Promise<CacheLookup> {
  const tags = await client.listTags()
  const tagOf = new Map<string, string>()
  for (const tag of tags) {
    const hash = hashOfTag(tag)
    if (hash !== undefined) tagOf.set(hash, tag)
  }
  const manifestOf = async (tag: string) => {
    const fetched = await client.tryGetManifest(tag, MANIFEST_ACCEPT)
    if (!fetched) return undefined
    const parsed = parseOciManifest(fetched.bytes)
    if ('error' in parsed) throw new UserError('mirror', `${url}:${tag}`, parsed.error)
    return parsed.manifest
  }
  let index: Map<string, CachedSpec> | undefined
  if (tags.includes(OCI_INDEX_TAG)) {
    const manifest = await manifestOf(OCI_INDEX_TAG)
    const layer = manifest?.layers[0]
    if (manifest && !layer)
      throw new UserError('mirror', `${url}:${OCI_INDEX_TAG}`, 'the index manifest has no layer')
    if (layer) {
      const where = `${url}:${OCI_INDEX_TAG} (layer ${layer.digest.slice(0, 19)}…)`
      // Spack labels the layer tar+gzip; it holds the index JSON, plain or gzipped
      index = parseDatabase(gunzipOr(await client.readBlob(layer.digest, layer.size), where), where)
    }
  }
  const specs = new Map<string, CachedSpec>()
  const rest: WantedSpec[] = []
  for (const w of wanted) {
    if (!tagOf.has(w.hash)) continue
    const hit = index?.get(w.hash)
    if (hit) specs.set(w.hash, hit)
    else rest.push(w)
  }
  let unindexed = 0
  const found = await mapBounded(rest, client.http.options.concurrency, async (w) => {
    const tag = tagOf.get(w.hash)!
    const manifest = await manifestOf(tag)
    if (!manifest) return undefined
    const where = `${url}:${tag} (config)`
    const config = await client.readBlob(manifest.config.digest, manifest.config.size)
    let doc: unknown
    try {
      doc = JSON.parse(config.toString('utf8'))
    } catch (error) {
      throw new UserError('mirror', where, `not JSON: ${(error as Error).message}`)
    }
    return specOfDocument(doc, w.hash, where)
  })
  for (const f of found)
    if (f) {
      specs.set(f.hash, f)
      unindexed++
    }
  return { specs, indexed: index?.size, unindexed }
}
