/**
 * Where a mirror or an image lives: `oci://host[:port]/repository` for a mirror, and
 * `host[:port]/repository[:tag][@digest]` (Docker Hub's short forms too) for an image. Pure.
 */
import { UserError } from '../../core/errors.js'

export interface OciLocation {
  /** `host[:port]` as written (lower-cased host), what errors and tokens name. */
  registry: string
  /** The repository path inside the registry: `team/binaries`. */
  repository: string
  /** `https://host[:port]` or, for loopback or insecure registries, `http://…`. */
  baseUrl: string
}

export interface ImageReference extends OciLocation {
  /** The tag, or the digest (`sha256:…`) when the reference pins one. */
  reference: string
}

/** distribution's repository name grammar (lower-case path components). */
const REPOSITORY =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/

/** `host[:port]` of a registry reached over plain HTTP without asking. */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').toLowerCase()
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
}

/**
 * Parse a mirror URL `oci://host[:port]/repository`. `insecure` allows plain HTTP to a host that
 * is not loopback. Errors name the URL without any userinfo.
 */
export function parseOciMirrorUrl(url: string, insecure = false): OciLocation {
  const m = /^oci:\/\/([^/]*)\/(.*)$/i.exec(url.trim())
  const shown = redactUrl(url)
  if (!m)
    throw new UserError(
      'mirror',
      shown,
      'expected oci://host[:port]/repository (a repository path)',
    )
  if (m[1]!.includes('@'))
    throw new UserError(
      'mirror',
      shown,
      'credentials do not belong in the URL: use BINARY_CHECK_REGISTRY_USER and BINARY_CHECK_REGISTRY_PASSWORD',
    )
  const repository = m[2]!.replace(/\/+$/, '')
  return locate(m[1]!, repository, insecure, shown)
}

/**
 * Parse an image reference as `docker pull` takes it: `[host[:port]/]path[:tag][@sha256:…]`;
 * without a host, Docker Hub (`registry-1.docker.io`, `library/` for one-component names); the
 * tag defaults to `latest`. A `docker://` prefix is accepted.
 */
export function parseImageReference(ref: string, insecure = false): ImageReference {
  const text = ref.trim().replace(/^docker:\/\//, '')
  const shown = redactUrl(text)
  let rest = text
  let reference: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    reference = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(reference))
      throw new UserError('input', shown, `not a digest: ${JSON.stringify(reference)}`)
  }
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  const hasHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost')
  const registry = hasHost ? first : 'registry-1.docker.io'
  let path = hasHost ? rest.slice(slash + 1) : rest
  const colon = path.lastIndexOf(':')
  if (colon >= 0) {
    const tag = path.slice(colon + 1)
    path = path.slice(0, colon)
    if (!TAG.test(tag))
      throw new UserError('input', shown, `not a valid tag: ${JSON.stringify(tag)}`)
    reference ??= tag
  }
  if (!hasHost && !path.includes('/')) path = `library/${path}`
  return { ...locate(registry, path, insecure, shown), reference: reference ?? 'latest' }
}

/** `<registry>/<repository>`: the place every registry error names. */
export function formatRegistryPlace(
  location: Pick<OciLocation, 'registry' | 'repository'>,
): string {
  return `${location.registry}/${location.repository}`
}

/** A URL without its userinfo (`https://user:pw@h/x` → `https://h/x`), for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1').replace(/^[^/@:]*:[^/@]*@/, '')
}

function locate(host: string, repository: string, insecure: boolean, shown: string): OciLocation {
  if (!HOST.test(host))
    throw new UserError('mirror', shown, `not a registry host: ${JSON.stringify(host)}`)
  if (!REPOSITORY.test(repository))
    throw new UserError(
      'mirror',
      shown,
      `not a repository name: ${JSON.stringify(repository)} (lower-case letters, digits, separators . _ __ -, components joined by /)`,
    )
  const registry = host.toLowerCase()
  const scheme = insecure || isLoopback(registry) ? 'http' : 'https'
  return { registry, repository, baseUrl: `${scheme}://${registry}` }
}
