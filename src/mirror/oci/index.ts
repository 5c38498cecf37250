/**
 * An OCI registry as a binary-check mirror: `oci://host[:port]/repository`, the same `Mirror`
 * interface as `file://` (plan, record, index, claim, explain, history work unchanged).
 *
 * Layout in one repository (see `layout.ts` for the names and `manifests.ts` for the shapes):
 *
 *   <pkg>-<version>-<digest hex 16>     one OCI image manifest per built spec digest: config = the
 *                                       entry JSON, one layer = the artifact; older digests of a
 *                                       spec keep their tags (the history)
 *   binary-check-index                  the index manifest: one layer = `index.json` (checksummed)
 *   binary-check-claim-<digest hex>     a claim: a manifest whose annotations carry owner/expiry
 *
 * Push order: blobs (HEAD, then cross-repository mount from `mountFrom`, then upload), the spec
 * manifest, and only in `index` the index manifest. A failed upload is never referenced.
 *
 * Talking to registries (`registry-client.ts`): HTTPS, plain HTTP only for loopback hosts or when
 * allowed (`insecure`, `BINARY_CHECK_REGISTRY_INSECURE=1`); Bearer token and Basic auth from the
 * `WWW-Authenticate` challenge; retries with full-jitter exponential backoff on resets, timeouts,
 * 429 (`Retry-After`) and 5xx; every failure after retries is one line:
 * `UserError('mirror', '<registry>/<repo>', '<what failed> (HTTP 503 after 5 attempts)')`, never
 * with credentials or tokens in it.
 *
 * Environment (options win): `BINARY_CHECK_REGISTRY_USER` / `_PASSWORD` (else ghcr.io's
 * `GITHUB_ACTOR` / `GITHUB_TOKEN`, GitLab's `CI_REGISTRY_USER` / `_PASSWORD` for `$CI_REGISTRY`),
 * `BINARY_CHECK_REGISTRY_INSECURE=1`, `BINARY_CHECK_REGISTRY_TIMEOUT_MS`,
 * `BINARY_CHECK_REGISTRY_RETRIES` (attempts − 1), `BINARY_CHECK_REGISTRY_CONCURRENCY`,
 * `BINARY_CHECK_REGISTRY_MOUNT_FROM` (comma-separated sibling repositories).
 */
export { openOciMirror, type OciMirror } from './oci-mirror.js'
export {
  createRegistryClient,
  type BlobSource,
  type FetchedManifest,
  type RegistryClient,
} from './registry-client.js'
export { resolveImageDigest, type ImageDigestOptions } from './image-digest.js'
export {
  DEFAULT_REGISTRY_OPTIONS,
  type RegistryCredentials,
  type RegistryOptions,
} from './registry-options.js'
export { resolveCredentials } from './credentials.js'
export {
  formatRegistryPlace,
  parseImageReference,
  parseOciMirrorUrl,
  type ImageReference,
  type OciLocation,
} from './reference.js'
export {
  classifyTag,
  computeClaimTag,
  computeSpecTag,
  computeSpecTagPrefix,
  INDEX_TAG,
  type TagKind,
} from './layout.js'
export {
  ANNOTATIONS,
  EMPTY_BLOB,
  EMPTY_DESCRIPTOR,
  MEDIA_TYPES,
  type Descriptor,
  type OciManifest,
} from './manifests.js'
export { parseChallenge, type Challenge } from './challenge.js'
export { parseLinkNext } from './link-header.js'
export { computeBackoffMs, parseRetryAfter } from './backoff.js'
