/**
 * Three servers of the test's own, on 127.0.0.1, in front of a real registry, each recording what
 * it received (method, path, `Authorization`):
 *
 *  - `front`: the registry as clients see it. `/v2/…` needs `Bearer <token>` from `realm`
 *    (a challenge names the realm, a host of its own), then is forwarded to the registry; blob
 *    GETs are answered with a `307` to `storage` instead, as GHCR sends blob reads to a storage
 *    host;
 *  - `realm`: the token service. `/token` grants a token to the given users' basic credentials;
 *  - `storage`: serves blob GETs from the registry, without asking for anything.
 */
import { randomBytes } from 'node:crypto'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'

export interface Received {
  method: string
  path: string
  authorization: string | undefined
}

export interface CredentialFronts {
  /** `127.0.0.1:PORT` of each. */
  readonly front: string
  readonly realm: string
  readonly storage: string
  /** What each one received, in order. */
  readonly received: { front: Received[]; realm: Received[]; storage: Received[] }
  /** Forget what was received. */
  reset(): void
  stop(): Promise<void>
}

export async function startCredentialFronts(
  upstream: string,
  users: Record<string, string>,
): Promise<CredentialFronts> {
  const received: CredentialFronts['received'] = { front: [], realm: [], storage: [] }
  const tokens = new Set<string>()
  const note = (list: Received[], req: IncomingMessage) =>
    list.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
    })

  const realm = await listen((req, res) => {
    note(received.realm, req)
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(/:(.*)/s) : []
    if (user === undefined || users[user] !== password) return json(res, 401, { errors: [] })
    const token = randomBytes(16).toString('hex')
    tokens.add(token)
    json(res, 200, { token })
  })
  const storage = await listen((req, res) => {
    note(received.storage, req)
    forward(req, res, upstream, hosts.storage)
  })
  const front = await listen((req, res) => {
    note(received.front, req)
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (token === undefined || !tokens.has(token)) {
      res.setHeader(
        'www-authenticate',
        `Bearer realm="http://${hosts.realm}/token",service="fronted",scope="repository:x:pull"`,
      )
      return json(res, 401, {
        errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
      })
    }
    const path = req.url ?? '/'
    if (req.method === 'GET' && /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/.test(path)) {
      res.writeHead(307, { location: `http://${hosts.storage}${path}` })
      return res.end()
    }
    forward(req, res, upstream, hosts.front)
  })
  const hosts = { front: front.host, realm: realm.host, storage: storage.host }
  return {
    ...hosts,
    received,
    reset() {
      for (const list of Object.values(received)) list.length = 0
    },
    async stop() {
      await Promise.all([front, realm, storage].map((s) => s.close()))
    },
  }
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ host: string; close(): Promise<void> }> {
  const server: Server = createServer(handler)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

/** Forward to the registry without any Authorization; its Location headers rewritten to `self`. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: string, self: string): void {
  const { authorization: _dropped, ...headers } = req.headers
  const out = httpRequest(
    `http://${upstream}${req.url ?? '/'}`,
    { method: req.method, headers: { ...headers, host: upstream } },
    (answer) => {
      const h = { ...answer.headers }
      if (typeof h.location === 'string') h.location = h.location.replace(upstream, self)
      res.writeHead(answer.statusCode ?? 502, h)
      answer.pipe(res)
    },
  )
  out.on('error', () => {
    res.writeHead(502)
    res.end()
  })
  req.pipe(out)
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
