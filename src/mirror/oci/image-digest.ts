/**
 * The digest of a container image by reference (issue 5: a build image's identity enters the
 * spec digest): `HEAD /v2/<name>/manifests/<tag>`, accepting OCI and Docker manifests and
 * indexes, answered by `Docker-Content-Digest`. A multi-arch image gives its index digest. Same
 * authentication and retries as the mirror; answers are cached for the run.
 */
import { UserError } from '../../core/errors.js'
import { MEDIA_TYPES } from './manifests.js'
import { parseImageReference } from './reference.js'
import { clientOver } from './registry-client.js'
import { createRegistryHttp } from './registry-http.js'
import {
  isInsecureByEnv,
  resolveRegistryOptions,
  type RegistryOptions,
} from './registry-options.js'

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.manifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
] as const

export interface ImageDigestOptions extends RegistryOptions {
  /** Answers by reference (default: one cache for the whole process, i.e. the run). */
  cache?: Map<string, Promise<string>>
}

const RUN_CACHE = new Map<string, Promise<string>>()

/**
 * `sha256:…` of the manifest (or index) `ref` names: `[host[:port]/]path[:tag][@digest]`, Docker
 * Hub when there is no host. A reference pinned by digest is checked to exist and returned as is.
 * An image that does not exist is a `UserError('mirror', '<registry>/<repo>', …)`.
 */
export function resolveImageDigest(ref: string, options: ImageDigestOptions = {}): Promise<string> {
  const cache = options.cache ?? RUN_CACHE
  const cached = cache.get(ref)
  if (cached !== undefined) return cached
  const pending = lookUp(ref, options)
  cache.set(ref, pending)
  pending.catch(() => cache.delete(ref)) // a failure is not remembered
  return pending
}

async function lookUp(ref: string, options: RegistryOptions): Promise<string> {
  const insecure = options.insecure ?? isInsecureByEnv(options.env ?? process.env)
  const image = parseImageReference(ref, insecure)
  const resolved = resolveRegistryOptions(image.registry, options)
  const client = clientOver(createRegistryHttp(image, resolved))
  const digest = await client.tryHeadManifest(image.reference, MANIFEST_ACCEPT)
  if (digest === undefined)
    throw new UserError('mirror', client.place, `image ${image.reference} not found`)
  return digest
}
