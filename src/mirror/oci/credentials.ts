/** Which credentials a registry gets when none are given explicitly. Pure over `env`. */
import type { RegistryCredentials } from './registry-options.js'

/**
 * Credentials for `registry` (`host[:port]`) from the environment, in this order:
 * `BINARY_CHECK_REGISTRY_USER` + `BINARY_CHECK_REGISTRY_PASSWORD`; for `ghcr.io`
 * `GITHUB_ACTOR` + `GITHUB_TOKEN`; in GitLab CI, for the host of `CI_REGISTRY`,
 * `CI_REGISTRY_USER` + `CI_REGISTRY_PASSWORD`. Undefined: anonymous.
 */
export function resolveCredentials(
  registry: string,
  env: NodeJS.ProcessEnv,
): RegistryCredentials | undefined {
  const pair = (user: string | undefined, password: string | undefined) =>
    user && password ? { username: user, password } : undefined
  const own = pair(env.BINARY_CHECK_REGISTRY_USER, env.BINARY_CHECK_REGISTRY_PASSWORD)
  if (own) return own
  const host = registry.toLowerCase()
  if (host === 'ghcr.io') {
    const github = pair(env.GITHUB_ACTOR, env.GITHUB_TOKEN)
    if (github) return github
  }
  if (env.CI_REGISTRY && env.CI_REGISTRY.toLowerCase() === host)
    return pair(env.CI_REGISTRY_USER, env.CI_REGISTRY_PASSWORD)
  return undefined
}
