/** What an `oci://` mirror and `resolveImageDigest` can be told; every field has a default. */
import { UserError } from '../../core/errors.js'
import { resolveCredentials } from './credentials.js'

export interface RegistryCredentials {
  username: string
  password: string
}

export interface RegistryOptions {
  /**
   * Our credentials (default `BINARY_CHECK_REGISTRY_USER` / `BINARY_CHECK_REGISTRY_PASSWORD`).
   * They go only to `BINARY_CHECK_REGISTRY_HOST`, else to `credentialsHost`; any other registry
   * gets `GITHUB_ACTOR` / `GITHUB_TOKEN` if it is `ghcr.io`, `CI_REGISTRY_USER` /
   * `CI_REGISTRY_PASSWORD` if it is `$CI_REGISTRY`, else nothing (`resolveCredentials`).
   */
  credentials?: RegistryCredentials
  /**
   * The registry our credentials belong to when `BINARY_CHECK_REGISTRY_HOST` is unset: the
   * trusted mirror's. A mirror's own client defaults it to the mirror's registry; an image
   * lookup has none unless told.
   */
  credentialsHost?: string
  /**
   * Talk plain HTTP to a registry that is not loopback (`localhost`, `127.0.0.1`, `[::1]` always
   * use HTTP). Default: `BINARY_CHECK_REGISTRY_INSECURE=1` in `env`.
   */
  insecure?: boolean
  /**
   * Per-request timeout in milliseconds (default `BINARY_CHECK_REGISTRY_TIMEOUT_MS`, else
   * 30 000); a timeout is retried.
   */
  timeoutMs?: number
  /**
   * Attempts per request, the first one included (default `BINARY_CHECK_REGISTRY_RETRIES` + 1,
   * else 5).
   */
  maxAttempts?: number
  /** First backoff ceiling in milliseconds (default 500); doubles per attempt (full jitter). */
  backoffBaseMs?: number
  /** Largest backoff (and largest `Retry-After` honoured) in milliseconds (default 30 000). */
  backoffMaxMs?: number
  /**
   * Requests in flight when reading many manifests / entries (default
   * `BINARY_CHECK_REGISTRY_CONCURRENCY`, else 8).
   */
  concurrency?: number
  /** Blobs above this many bytes are uploaded in chunks of this size (default 8 MiB). */
  chunkSize?: number
  /**
   * Repositories on the same registry whose blobs may be mounted instead of uploaded (tried in
   * order after a HEAD miss). Default: `BINARY_CHECK_REGISTRY_MOUNT_FROM` (comma-separated).
   */
  mountFrom?: readonly string[]
  /** Tags asked for per page when listing (`?n=`, default 1000). */
  tagPageSize?: number
  /** Wait between putting a claim and reading it back, in milliseconds (default 500). */
  claimSettleMs?: number
  /** Environment for credentials and switches (default `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Test seam: how to wait (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>
  /** Test seam: a number in [0, 1) for the jitter (default `Math.random`). */
  random?: () => number
}

/** The defaults of the numeric options. */
export const DEFAULT_REGISTRY_OPTIONS = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  concurrency: 8,
  chunkSize: 8 * 1024 * 1024,
  tagPageSize: 1000,
  claimSettleMs: 500,
} as const

/** Options with every default filled in (credentials stay optional: anonymous). */
export interface ResolvedRegistryOptions extends Required<
  Omit<RegistryOptions, 'credentials' | 'credentialsHost' | 'env'>
> {
  credentials?: RegistryCredentials
}

/**
 * Fill in the defaults for `registry`: numbers, credentials from the environment
 * (`resolveCredentials`), `insecure` from `BINARY_CHECK_REGISTRY_INSECURE=1`, `mountFrom` from
 * `BINARY_CHECK_REGISTRY_MOUNT_FROM`.
 */
export function resolveRegistryOptions(
  registry: string,
  options: RegistryOptions = {},
): ResolvedRegistryOptions {
  const env = options.env ?? process.env
  const credentials = resolveCredentials(
    registry,
    env,
    options.credentialsHost,
    options.credentials,
  )
  const mountFrom =
    options.mountFrom ??
    (env.BINARY_CHECK_REGISTRY_MOUNT_FROM ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  return {
    ...DEFAULT_REGISTRY_OPTIONS,
    ...readNumbersFromEnv(env),
    ...withoutUndefined(options),
    insecure: options.insecure ?? isInsecureByEnv(env),
    mountFrom,
    sleep: options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms))),
    random: options.random ?? Math.random,
    ...(credentials ? { credentials } : {}),
  }
}

/** `BINARY_CHECK_REGISTRY_TIMEOUT_MS`, `_RETRIES`, `_CONCURRENCY` when set (checked). */
function readNumbersFromEnv(env: NodeJS.ProcessEnv): Partial<ResolvedRegistryOptions> {
  const read = (name: string, min: number): number | undefined => {
    const text = env[name]
    if (text === undefined || text === '') return undefined
    const n = /^[0-9]{1,9}$/.test(text.trim()) ? Number(text) : NaN
    if (!(n >= min))
      throw new UserError(
        'input',
        name,
        `expected a whole number of at least ${min}, got ${JSON.stringify(text)}`,
      )
    return n
  }
  const timeoutMs = read('BINARY_CHECK_REGISTRY_TIMEOUT_MS', 1)
  const retries = read('BINARY_CHECK_REGISTRY_RETRIES', 0)
  const concurrency = read('BINARY_CHECK_REGISTRY_CONCURRENCY', 1)
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retries !== undefined ? { maxAttempts: retries + 1 } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  }
}

export function isInsecureByEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.BINARY_CHECK_REGISTRY_INSECURE
  return v === '1' || v === 'true'
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k as keyof T] = v
  delete (out as { env?: unknown }).env
  delete (out as { credentials?: unknown }).credentials
  delete (out as { credentialsHost?: unknown }).credentialsHost
  return out
}
