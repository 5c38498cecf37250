/**
 * A tiny Bearer-token front for a real registry (our own server on 127.0.0.1, for tests): every
 * `/v2/…` request needs `Authorization: Bearer <token>` issued by its `/token` endpoint for the
 * scope the request needs, else it answers `401` with a `WWW-Authenticate: Bearer realm=…,
 * service=…,scope=…` challenge, as Docker Hub, ghcr.io and GitLab do. `/token` takes basic
 * credentials (the given users). Valid requests are forwarded to the registry unchanged (the Host
 * header is kept, so the registry's Location headers point back here).
 */
import { randomBytes } from 'node:crypto'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'

export interface TokenServer {
  /** `127.0.0.1:PORT` */
  readonly host: string
  /** Token requests served (granted or refused), with the scopes asked for. */
  readonly tokenRequests: Array<{ user: string | undefined; scopes: string[] }>
  stop(): Promise<void>
}

export const SERVICE = 'binary-check-test-registry'

export async function startTokenServer(
  upstream: string,
  users: Record<string, string>,
): Promise<TokenServer> {
  const tokens = new Map<string, Set<string>>() // token → granted "repo:action"
  const tokenRequests: TokenServer['tokenRequests'] = []
  let host = ''
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`)
    if (url.pathname === '/token') return issueToken(req, res, url)
    if (!url.pathname.startsWith('/v2/')) return end(res, 404, {})
    const needed = neededScope(req.method ?? 'GET', url.pathname)
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const granted = token === undefined ? undefined : tokens.get(token)
    const allowed = needed.every((n) => granted?.has(n))
    if (!allowed) return challenge(res, needed)
    forward(req, res)
  })

  function issueToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(/:(.*)/s) : []
    const scopes = url.searchParams.getAll('scope')
    tokenRequests.push({ user, scopes })
    if (
      user === undefined ||
      users[user] !== password ||
      url.searchParams.get('service') !== SERVICE
    )
      return end(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] })
    const token = randomBytes(16).toString('hex')
    const grants = new Set<string>()
    for (const scope of scopes) {
      const m = /^repository:([^:]+):(.+)$/.exec(scope)
      if (m) for (const action of m[2]!.split(',')) grants.add(`${m[1]}:${action}`)
    }
    tokens.set(token, grants)
    end(res, 200, { token, expires_in: 300 })
  }

  function challenge(res: ServerResponse, needed: string[]): void {
    const byRepo = new Map<string, string[]>()
    for (const n of needed) {
      const [repo, action] = n.split(':') as [string, string]
      byRepo.set(repo, [...(byRepo.get(repo) ?? []), action])
    }
    const scope = [...byRepo].map(([r, a]) => `repository:${r}:${a.join(',')}`).join(' ')
    res.setHeader(
      'www-authenticate',
      `Bearer realm="http://${host}/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}`,
    )
    end(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] })
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers }
    delete headers.authorization
    const out = httpRequest(
      `http://${upstream}${req.url}`,
      { method: req.method, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    out.on('error', () => end(res, 502, {}))
    req.pipe(out)
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    host,
    tokenRequests,
    stop: () => new Promise((done) => server.close(() => done())),
  }
}

/** `repo:pull` / `repo:push` a request needs (a mount also pulls from its source). */
function neededScope(method: string, path: string): string[] {
  if (path === '/v2/' || path === '/v2') return []
  const m = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(path)
  if (!m) return []
  const repo = m[1]!
  return method === 'GET' || method === 'HEAD' ? [`${repo}:pull`] : [`${repo}:pull`, `${repo}:push`]
}

function end(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
