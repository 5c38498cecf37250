/**
 * A front for a real registry that paginates `GET /v2/<name>/tags/list` the way the distribution
 * spec describes and newer registries do (distribution v3, ghcr.io, Harbor): tags sorted,
 * `?n=` per page, `?last=` to continue, `Link: <…>; rel="next"` while more remain. Debian's
 * docker-registry 2.8 ignores `n` and returns every tag at once. Everything else is forwarded
 * unchanged (Host kept). Our own server on 127.0.0.1, for tests.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'

export interface PagingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string
  /** The tag-list URLs asked for (path and query). */
  readonly tagRequests: string[]
  stop(): Promise<void>
}

export async function startPagingProxy(upstream: string): Promise<PagingProxy> {
  const tagRequests: string[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    if (req.method === 'GET' && /^\/v2\/.+\/tags\/list$/.test(url.pathname)) {
      tagRequests.push(`${url.pathname}${url.search}`)
      void servePage(req, res, url)
    } else forward(req, res)
  })

  async function servePage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const all = await fetch(`http://${upstream}${url.pathname}`, {
      headers: req.headers.authorization ? { authorization: req.headers.authorization } : {},
    })
    if (all.status !== 200) {
      res.writeHead(all.status, { 'content-type': 'application/json' })
      res.end(await all.text())
      return
    }
    const body = (await all.json()) as { name: string; tags: string[] | null }
    const sorted = [...(body.tags ?? [])].sort()
    const last = url.searchParams.get('last')
    const n = Number(url.searchParams.get('n') ?? sorted.length)
    const rest = last === null ? sorted : sorted.filter((t) => t > last)
    const page = rest.slice(0, n)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (rest.length > page.length)
      headers.link = `<${url.pathname}?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`
    res.writeHead(200, headers)
    res.end(JSON.stringify({ name: body.name, tags: page }))
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const out = httpRequest(
      `http://${upstream}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    out.on('error', () => res.writeHead(502).end())
    req.pipe(out)
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  const host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return { host, tagRequests, stop: () => new Promise((done) => server.close(() => done())) }
}
