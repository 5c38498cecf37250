/**
 * One request to a registry, the way every registry call is made: with what authentication is
 * known, answering a `401` challenge once, retrying connection failures, timeouts, `429` and
 * `5xx` with full-jitter exponential backoff (a `Retry-After` wins), at most `maxAttempts` times.
 * A failure is one line: `UserError('mirror', '<registry>/<repo>', '<what> failed (…)')`.
 */
import { UserError } from '../../core/errors.js'
import { computeBackoffMs, parseRetryAfter } from './backoff.js'
import {
  answerChallenge,
  authorizationFor,
  createAuthState,
  type AuthState,
} from './registry-auth.js'
import { formatRegistryPlace, isLoopback, redactUrl, type OciLocation } from './reference.js'
import type { ResolvedRegistryOptions } from './registry-options.js'

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Absolute URL. */
  url: string
  headers?: Record<string, string>
  body?: Uint8Array
  /** What is being done, for errors: `upload of blob sha256:…`. */
  what: string
  /** Statuses that are an answer (anything else non-retryable is an error). */
  accept: readonly number[]
  /** The token scope the request needs: `repository:<name>:pull` … */
  scope: string
  /**
   * Registry error codes that are transient for this request and retried like a 5xx (a
   * manifest put racing a concurrent upload of a blob it references gets `DIGEST_INVALID` or
   * `MANIFEST_BLOB_UNKNOWN` from distribution 2.x).
   */
  retryCodes?: readonly string[]
  /**
   * Read the whole body inside the attempt, whatever the status (a connection cut mid-body is
   * then retried like a reset); the response handed back carries it in memory. For small bodies: manifests, entry
   * and index blobs, tag lists, tokens.
   */
  readBody?: boolean
}

export interface RegistryHttp {
  readonly location: OciLocation
  /** `<registry>/<repo>` */
  readonly place: string
  readonly options: ResolvedRegistryOptions
  /** The response (status in `accept`); its body is the caller's to read or cancel. */
  send(request: RegistryRequest): Promise<Response>
}

/**
 * The most a body read in memory may hold (manifests, entries, indexes, tokens, Spack spec
 * files): above the largest of their own limits (the 256 MiB index), far below what exhausts a
 * runner. Larger answers are cut off while they stream in.
 */
export const MAX_BODY_BYTES = 512 * 2 ** 20

/** A response's body, refusing (`tooLarge()`) past `max` bytes, by Content-Length or as read. */
async function readBounded(
  response: Response,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > max) {
    await discard(response)
    throw tooLarge()
  }
  const reader = response.body?.getReader()
  if (!reader) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/** Redirect statuses followed (with a `Location`), and how many hops at most. */
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5

/** Statuses whose responses carry no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304])

export function createRegistryHttp(
  location: OciLocation,
  options: ResolvedRegistryOptions,
  auth: AuthState = createAuthState(),
): RegistryHttp {
  const place = formatRegistryPlace(location)
  const fail = (what: string, why: string) =>
    new UserError('mirror', place, `${what} failed (${why})`)

  /** One fetch with retries; no authentication handling (token requests use it too). */
  async function fetchRetrying(
    request: Omit<RegistryRequest, 'scope'>,
    authorization: () => string | undefined,
  ): Promise<Response> {
    let last = ''
    let hintMs: number | undefined
    for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
      if (attempt > 1) await options.sleep(hintMs ?? backoff(attempt - 1))
      hintMs = undefined
      const outcome = await fetchOnce(request, authorization())
      if ('failure' in outcome) {
        last = outcome.failure
        continue
      }
      const response = await withTransientCode(outcome.response, request.retryCodes)
      if (response.status === 429 || response.status >= 500 || 'transient' in response) {
        last = 'transient' in response ? response.transient : `HTTP ${response.status}`
        const hinted = parseRetryAfter(response.headers.get('retry-after'), new Date())
        if (hinted !== undefined) hintMs = Math.min(hinted, options.backoffMaxMs)
        await discard(response)
        continue
      }
      return response
    }
    throw fail(request.what, `${last} after ${options.maxAttempts} attempts`)
  }

  function backoff(retry: number): number {
    return computeBackoffMs(retry, options.backoffBaseMs, options.backoffMaxMs, options.random)
  }

  async function fetchOnce(
    request: Omit<RegistryRequest, 'scope'>,
    authorization: string | undefined,
  ): Promise<{ response: Response } | { failure: string }> {
    const headers: Record<string, string> = { ...request.headers }
    if (authorization !== undefined) headers.authorization = authorization
    try {
      const response = await fetchFollowing(request, headers)
      if (!request.readBody) return { response }
      const body = NULL_BODY.has(response.status)
        ? null
        : await readBounded(response, MAX_BODY_BYTES, () =>
            fail(request.what, `the answer is larger than ${MAX_BODY_BYTES / 2 ** 20} MiB`),
          )
      return {
        response: new Response(body, { status: response.status, headers: response.headers }),
      }
    } catch (error) {
      if (error instanceof UserError) throw error
      return { failure: describeFetchFailure(error, options.timeoutMs) }
    }
  }

  /**
   * `fetch` following redirects itself: the `Authorization` header goes no further than the
   * origin it was meant for (GHCR sends blob reads to a storage host), and HTTPS is never
   * followed down to plain HTTP off loopback (unless insecure).
   */
  async function fetchFollowing(
    request: Omit<RegistryRequest, 'scope'>,
    headers: Record<string, string>,
  ): Promise<Response> {
    const signal = AbortSignal.timeout(options.timeoutMs)
    let url = new URL(request.url)
    let method = request.method
    let body = request.body
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal,
      })
      const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null
      if (location === null) return response
      await discard(response)
      if (hop >= MAX_REDIRECTS) throw fail(request.what, `more than ${MAX_REDIRECTS} redirects`)
      let next: URL
      try {
        next = new URL(location, url)
      } catch {
        throw fail(request.what, 'redirected to an unusable location')
      }
      if (!/^https?:$/.test(next.protocol))
        throw fail(request.what, `redirected to a ${next.protocol} URL`)
      if (
        next.protocol === 'http:' &&
        url.protocol === 'https:' &&
        !options.insecure &&
        !isLoopback(next.host)
      )
        throw fail(request.what, `redirected from HTTPS to plain HTTP at ${next.origin}`)
      if (next.origin !== url.origin) {
        delete headers.authorization
        delete headers.Authorization
      }
      if (response.status === 303 || (method === 'POST' && response.status <= 302)) {
        method = method === 'HEAD' ? 'HEAD' : 'GET'
        body = undefined
      }
      url = next
    }
  }

  const fetchToken = async (url: string, headers: Record<string, string>) => {
    const origin = new URL(url).origin
    const what = `token request to ${origin}`
    const response = await fetchRetrying(
      { method: 'GET', url, headers, what, accept: [200], readBody: true },
      () => undefined,
    )
    if (response.status === 200) return response
    await discard(response)
    throw fail(what, authFailure(response.status, options))
  }

  async function send(request: RegistryRequest): Promise<Response> {
    let answered = false
    for (;;) {
      const response = await fetchRetrying(request, () =>
        authorizationFor(auth, request.scope, options),
      )
      if (request.accept.includes(response.status)) return response
      if (response.status === 401 && !answered) {
        const header = response.headers.get('www-authenticate')
        await discard(response)
        answered = true
        const context = {
          state: auth,
          scope: request.scope,
          options,
          place,
          registry: location.registry,
          fetchToken,
        }
        if (await answerChallenge(header, context)) continue
        throw fail(request.what, authFailure(401, options))
      }
      throw fail(request.what, await describeStatus(response, options))
    }
  }

  return { location, place, options, send }
}

/**
 * A 4xx carrying one of `codes` marked `transient` (`HTTP 400 DIGEST_INVALID`); any other
 * response as it is (a 4xx body read to check it is put back).
 */
async function withTransientCode(
  response: Response,
  codes: readonly string[] | undefined,
): Promise<Response | (Response & { transient: string })> {
  if (codes === undefined || response.status < 400 || response.status >= 500) return response
  const text = await response.text()
  const again = new Response(text, { status: response.status, headers: response.headers })
  const code = registryErrorCode(text)
  if (code === undefined || !codes.includes(code)) return again
  return Object.assign(again, { transient: `HTTP ${response.status} ${code}` })
}

function registryErrorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { errors?: Array<{ code?: unknown }> }).errors?.[0]?.code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/** Read and drop a response body (frees the connection). */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel()
  } catch {
    /* already consumed or closed */
  }
}

function authFailure(status: number, options: ResolvedRegistryOptions): string {
  if (!options.credentials)
    return `HTTP ${status}: authentication required; set BINARY_CHECK_REGISTRY_USER and BINARY_CHECK_REGISTRY_PASSWORD`
  return `HTTP ${status}: authentication as ${JSON.stringify(options.credentials.username)} refused`
}

/** `HTTP 404 MANIFEST_UNKNOWN: manifest unknown` from a registry error body, one line. */
async function describeStatus(
  response: Response,
  options: ResolvedRegistryOptions,
): Promise<string> {
  if (response.status === 401) return authFailure(401, options)
  let detail = ''
  try {
    const text = response.bodyUsed ? '' : await response.text()
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }
    const first = body.errors?.[0]
    if (first && typeof first.code === 'string')
      detail = ` ${first.code}${typeof first.message === 'string' ? `: ${first.message}` : ''}`
  } catch {
    /* not a registry error body */
  }
  return `HTTP ${response.status}${oneLine(detail).slice(0, 200)}`
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ')
}

/** Connection reset, refused, timed out … without the URL (the place names the registry). */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string
    message?: string
    cause?: { code?: string; message?: string }
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `timed out after ${timeoutMs} ms`
  const code = e?.cause?.code
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset'
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  if (code) return oneLine(`${code}`)
  return oneLine(redactUrl(e?.cause?.message ?? e?.message ?? String(error)))
}
