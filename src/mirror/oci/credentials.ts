/**
 * Which credentials a registry gets. Pure over `env`. Credentials stay with the host they are
 * for:
 *
 *  - ours (`BINARY_CHECK_REGISTRY_USER` + `_PASSWORD`, or ones given explicitly, e.g. the
 *    Action's `registry-username`/`registry-password`) go to `BINARY_CHECK_REGISTRY_HOST` when it
 *    is set, else to the trusted mirror's registry (`ownHost`), and nowhere else;
 *  - `GITHUB_ACTOR` + `GITHUB_TOKEN` to `ghcr.io` only;
 *  - `CI_REGISTRY_USER` + `CI_REGISTRY_PASSWORD` to the host of `$CI_REGISTRY` only.
 */
import type { RegistryCredentials } from './registry-options.js'

/**
 * Credentials for `registry` (`host[:port]`), or undefined (anonymous). `explicit` are ours when
 * given (else the environment's); `ownHost` is the trusted mirror's registry, where ours go when
 * `BINARY_CHECK_REGISTRY_HOST` is unset.
 */
export function resolveCredentials(
  registry: string,
  env: NodeJS.ProcessEnv,
  ownHost?: string,
  explicit?: RegistryCredentials,
): RegistryCredentials | undefined {
  const pair = (user: string | undefined, password: string | undefined) =>
    user && password ? { username: user, password } : undefined
  const host = normaliseRegistryHost(registry)
  const own = explicit ?? pair(env.BINARY_CHECK_REGISTRY_USER, env.BINARY_CHECK_REGISTRY_PASSWORD)
  const ownFor = ownCredentialsHost(env, ownHost)
  if (own && ownFor !== undefined && ownFor === host) return own
  if (host === 'ghcr.io') {
    const github = pair(env.GITHUB_ACTOR, env.GITHUB_TOKEN)
    if (github) return github
  }
  if (env.CI_REGISTRY && normaliseRegistryHost(env.CI_REGISTRY) === host)
    return pair(env.CI_REGISTRY_USER, env.CI_REGISTRY_PASSWORD)
  return undefined
}

/** The registry our own credentials belong to (normalised), or undefined: none. */
export function ownCredentialsHost(env: NodeJS.ProcessEnv, ownHost?: string): string | undefined {
  const named = env.BINARY_CHECK_REGISTRY_HOST?.trim()
  if (named) return normaliseRegistryHost(named)
  return ownHost === undefined ? undefined : normaliseRegistryHost(ownHost)
}

/**
 * `host[:port]` lower-cased, without a scheme or path; Docker Hub's names (`docker.io`,
 * `index.docker.io`) as the host its API is on.
 */
export function normaliseRegistryHost(text: string): string {
  const host = text
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
  return host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host
}
