/**
 * The OCI image manifests an `oci://` mirror writes (image-spec v1.1 artifacts): a spec's, the
 * index's and a claim's. Pure: values in, canonical bytes out, and back.
 */
import { createHash } from 'node:crypto'
import { singleLine } from '../../core/errors.js'
import type { Claim } from '../claim.js'
import type { MirrorEntry } from '../entry.js'
import { MAX_MANIFEST_BYTES, tooLarge } from '../limits.js'

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  specArtifact: 'application/vnd.binary-check.spec.v1+json',
  entry: 'application/vnd.binary-check.entry.v1+json',
  artifactTarGz: 'application/vnd.binary-check.artifact.v1.tar+gzip',
  artifactBinary: 'application/octet-stream',
  index: 'application/vnd.binary-check.index.v1+json',
  claimArtifact: 'application/vnd.binary-check.claim.v1+json',
  empty: 'application/vnd.oci.empty.v1+json',
} as const

export const ANNOTATIONS = {
  title: 'org.opencontainers.image.title',
  created: 'org.opencontainers.image.created',
  revision: 'org.opencontainers.image.revision',
  spec: 'dev.binary-check.spec',
  digest: 'dev.binary-check.digest',
  package: 'dev.binary-check.package',
  version: 'dev.binary-check.version',
  claimOwner: 'dev.binary-check.claim.owner',
  claimedAt: 'dev.binary-check.claim.claimed-at',
  claimExpires: 'dev.binary-check.claim.expires-at',
  claimToken: 'dev.binary-check.claim.token',
} as const

export interface Descriptor {
  mediaType: string
  /** `sha256:<64 hex>` */
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface OciManifest {
  schemaVersion: 2
  mediaType: typeof MEDIA_TYPES.manifest
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

/** The empty JSON blob `{}` (the config of manifests that need none). */
export const EMPTY_BLOB = Buffer.from('{}')
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: MEDIA_TYPES.empty,
  digest: sha256Digest(EMPTY_BLOB),
  size: 2,
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** The layer media type of an artifact: gzip magic → tar+gzip, else octet-stream. */
export function artifactMediaType(head: Uint8Array): string {
  return head[0] === 0x1f && head[1] === 0x8b
    ? MEDIA_TYPES.artifactTarGz
    : MEDIA_TYPES.artifactBinary
}

/** A spec's manifest: config = the entry JSON, one layer = the artifact. */
export function computeSpecManifest(
  entry: MirrorEntry,
  config: Descriptor,
  artifact: Descriptor,
  title: string,
): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    artifactType: MEDIA_TYPES.specArtifact,
    config,
    layers: [{ ...artifact, annotations: { [ANNOTATIONS.title]: title } }],
    annotations: {
      [ANNOTATIONS.title]: title,
      [ANNOTATIONS.created]: entry.builtAt,
      [ANNOTATIONS.spec]: entry.spec,
      [ANNOTATIONS.digest]: entry.digest,
      [ANNOTATIONS.package]: entry.package,
      [ANNOTATIONS.version]: entry.version,
      ...(entry.commit !== undefined ? { [ANNOTATIONS.revision]: entry.commit } : {}),
    },
  }
}

/** The index manifest: empty config, one layer = `index.json`. */
export function computeIndexManifest(index: Descriptor, checksum: string): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    artifactType: MEDIA_TYPES.index,
    config: EMPTY_DESCRIPTOR,
    layers: [{ ...index, annotations: { [ANNOTATIONS.title]: 'index.json' } }],
    annotations: { [ANNOTATIONS.title]: 'index.json', [ANNOTATIONS.digest]: checksum },
  }
}

/** A claim's manifest: empty config and layer, the claim in its annotations. */
export function computeClaimManifest(claim: Claim): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    artifactType: MEDIA_TYPES.claimArtifact,
    config: EMPTY_DESCRIPTOR,
    layers: [EMPTY_DESCRIPTOR],
    annotations: {
      [ANNOTATIONS.digest]: claim.digest,
      [ANNOTATIONS.claimOwner]: claim.owner,
      [ANNOTATIONS.claimedAt]: claim.claimedAt,
      [ANNOTATIONS.claimExpires]: claim.expiresAt,
      [ANNOTATIONS.claimToken]: claim.token,
    },
  }
}

/** The claim a claim manifest carries (unchecked; `parseClaim` validates it). */
export function claimFromManifest(manifest: OciManifest): Record<string, unknown> {
  const a = manifest.annotations ?? {}
  return {
    schema: 'binary-check/claim@1',
    digest: a[ANNOTATIONS.digest],
    owner: a[ANNOTATIONS.claimOwner],
    claimedAt: a[ANNOTATIONS.claimedAt],
    expiresAt: a[ANNOTATIONS.claimExpires],
    token: a[ANNOTATIONS.claimToken],
  }
}

/** Manifest bytes: compact JSON in the key order above (the digest is over these bytes). */
export function serializeManifest(manifest: OciManifest): Buffer {
  return Buffer.from(JSON.stringify(manifest))
}

/**
 * Parse manifest bytes as an OCI image manifest with a config and at least one layer; the
 * reason when it is not one.
 */
export function parseManifest(bytes: Uint8Array): { manifest: OciManifest } | { error: string } {
  if (bytes.length > MAX_MANIFEST_BYTES)
    return { error: `manifest ${tooLarge(bytes.length, MAX_MANIFEST_BYTES, 'a manifest')}` }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (error) {
    return { error: `manifest is not valid JSON (${singleLine((error as Error).message)})` }
  }
  const m = value as Partial<OciManifest> | null
  if (m === null || typeof m !== 'object' || m.schemaVersion !== 2)
    return { error: 'not an image manifest (schemaVersion 2)' }
  if (!isDescriptor(m.config)) return { error: 'manifest has no valid config descriptor' }
  if (!Array.isArray(m.layers) || !m.layers.every(isDescriptor))
    return { error: 'manifest has no valid layers' }
  return { manifest: m as OciManifest }
}

function isDescriptor(d: unknown): d is Descriptor {
  const x = d as Partial<Descriptor> | null
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof x.mediaType === 'string' &&
    typeof x.digest === 'string' &&
    /^sha256:[0-9a-f]{64}$/.test(x.digest) &&
    Number.isSafeInteger(x.size) &&
    (x.size as number) >= 0
  )
}
