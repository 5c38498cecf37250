/**
 * Registry authentication: answers a `401` challenge. `Bearer realm=…,service=…,scope=…` → a
 * token from the realm (`?service=&scope=`, with basic credentials when there are some), cached
 * per scope; `Basic` → the credentials on every later request. Tokens and passwords never reach
 * an error message.
 */
import { UserError } from '../../core/errors.js'
import { parseChallenge, type Challenge } from './challenge.js'
import { isLoopback } from './reference.js'
import type { ResolvedRegistryOptions } from './registry-options.js'

export interface AuthState {
  /** Bearer tokens by the scope they were asked for (`repository:x:pull,push …`). */
  readonly tokens: Map<string, string>
  /** Set once the registry answered with a Basic challenge. */
  basic: boolean
}

export function createAuthState(): AuthState {
  return { tokens: new Map(), basic: false }
}

/** The `Authorization` header to send for a request needing `scope`, if any is known. */
export function authorizationFor(
  state: AuthState,
  scope: string,
  options: ResolvedRegistryOptions,
): string | undefined {
  const token = state.tokens.get(scope)
  if (token !== undefined) return `Bearer ${token}`
  if (state.basic && options.credentials) return basicHeader(options.credentials)
  return undefined
}

/** What `answerChallenge` needs besides the challenge. */
export interface ChallengeContext {
  state: AuthState
  /** The scope the request needs, when the challenge names none. */
  scope: string
  options: ResolvedRegistryOptions
  /** `<registry>/<repo>`, for errors. */
  place: string
  /** `host[:port]` of the registry that answered (whose credentials `options` holds). */
  registry: string
  /** Fetch the token (through the retrying request loop). */
  fetchToken: (url: string, headers: Record<string, string>) => Promise<Response>
}

/**
 * Handle a 401's `WWW-Authenticate` header: store what the next attempt should send. False when
 * nothing new can be tried (no usable challenge, or Basic without credentials).
 */
export async function answerChallenge(
  header: string | null,
  context: ChallengeContext,
): Promise<boolean> {
  const challenges = parseChallenge(header)
  const bearer = challenges.find((c) => c.scheme === 'bearer')
  if (bearer?.params.realm !== undefined) {
    const token = await requestToken(bearer, context)
    context.state.tokens.set(context.scope, token)
    return true
  }
  if (challenges.some((c) => c.scheme === 'basic') && context.options.credentials) {
    if (context.state.basic) return false // already sent: the credentials are wrong
    context.state.basic = true
    return true
  }
  return false
}

async function requestToken(challenge: Challenge, context: ChallengeContext): Promise<string> {
  const { realm, service } = challenge.params
  const scope = challenge.params.scope ?? context.scope
  let url: URL
  try {
    url = new URL(realm!)
  } catch {
    throw new UserError('mirror', context.place, 'the registry names an unusable token realm')
  }
  const plain = url.protocol === 'http:'
  if (
    (plain && !context.options.insecure && !isLoopback(url.host)) ||
    !/^https?:$/.test(url.protocol)
  )
    throw new UserError(
      'mirror',
      context.place,
      `the registry's token realm ${url.origin} is not HTTPS (allow it with BINARY_CHECK_REGISTRY_INSECURE=1)`,
    )
  if (service !== undefined) url.searchParams.set('service', service)
  for (const s of scope.split(' ').filter((x) => x !== '')) url.searchParams.append('scope', s)
  // The credentials are the registry's (see credentials.ts); its token service gets them when
  // it is on the registry's own host, or on another host over HTTPS (loopback aside): never in
  // clear text to a host that is not the registry.
  const sameHost = url.host.toLowerCase() === context.registry.toLowerCase()
  const headers: Record<string, string> = {}
  if (context.options.credentials && (sameHost || !plain || isLoopback(url.host)))
    headers.authorization = basicHeader(context.options.credentials)
  const response = await context.fetchToken(url.href, headers)
  const body = (await response.json().catch(() => ({}))) as {
    token?: unknown
    access_token?: unknown
  }
  const token = typeof body.token === 'string' ? body.token : body.access_token
  if (typeof token !== 'string' || token === '')
    throw new UserError(
      'mirror',
      context.place,
      `the token service ${url.origin} returned no token`,
    )
  return token
}

export function basicHeader(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}
