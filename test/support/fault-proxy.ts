/**
 * An HTTP proxy of the test's own, on 127.0.0.1, between a registry client and a local registry
 * (`registry.ts`), that injects faults into chosen requests:
 *
 *   const proxy = await startFaultProxy(registry.host)
 *   proxy.inject({ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'reset' }, nth: 2, times: 3 })
 *   // the 2nd, 3rd and 4th PUT to an upload URL get their connection reset; the rest pass
 *   await runCli(['record', '--mirror', `oci://${proxy.host}/repo`, …])
 *   proxy.requests // every request seen, with the fault it got
 *
 * Faults: `reset` (the connection is destroyed on arrival: the registry never sees the request),
 * `reset-after-upstream` (forwarded; the registry applies it; the client gets its connection
 * destroyed instead of the answer), `status` (an answer of the proxy's own, e.g. 503 with
 * `Retry-After: 1`, or 429), `truncate` (forwarded; the client gets the status and headers with the
 * full Content-Length, then part of the body, then the connection closes), `stall` (no answer at
 * all for `ms`, default until the proxy stops: past any client timeout), and `replace-body`
 * (forwarded; the body is swapped for another one, Content-Length fixed: a tampering mirror).
 *
 * The `Host` header is passed through, so the registry's absolute `Location` URLs (upload
 * sessions) point back at the proxy and every later request of the session goes through it too.
 * Bounded: listens on 127.0.0.1 only, forwards only to 127.0.0.1, and stops itself after
 * `lifetimeMs` (default 10 minutes) if the test forgets to.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import type { Socket } from 'node:net'

export type Fault =
  | { kind: 'reset' }
  | { kind: 'reset-after-upstream' }
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'truncate'; fraction?: number }
  | { kind: 'stall'; ms?: number }
  | { kind: 'replace-body'; body: (original: Buffer) => Buffer | string }

export interface FaultRule {
  /** HTTP method (exact, case-insensitive); any method when absent. */
  method?: string
  /** Matched against the request path with its query string (`/v2/repo/blobs/sha256:…?…`). */
  path: RegExp
  fault: Fault
  /** The first matching request (1-based) that gets the fault; default 1. */
  nth?: number
  /** How many matching requests in a row get it, from the nth on; default 1 (`Infinity`: all). */
  times?: number
  /**
   * Instead of `nth`/`times`: which matching requests get it (`n` counts them from 1), e.g. a
   * seeded random choice.
   */
  select?: (n: number) => boolean
}

export interface RuleHandle {
  /** Matching requests seen so far (faulted or not). */
  readonly matched: number
  /** Requests the fault was applied to. */
  readonly hits: number
  /** Stop applying this rule. */
  remove(): void
}

export interface ProxiedRequest {
  method: string
  path: string
  /** The fault applied, if any. */
  fault?: Fault['kind']
  /** The status the client was sent (undefined: no answer, or not finished yet). */
  status?: number
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: put it in `oci://` URLs instead of the registry's host. */
  readonly host: string
  readonly url: string
  readonly port: number
  /** Every request seen, in arrival order. */
  readonly requests: readonly ProxiedRequest[]
  /** Add a rule; rules are checked in the order added, the first one whose turn it is applies. */
  inject(rule: FaultRule): RuleHandle
  /** Remove every rule (requests seen stay listed). */
  clear(): void
  stop(): Promise<void>
}

export interface FaultProxyOptions {
  /** Stop by itself after this long (default 10 minutes). */
  lifetimeMs?: number
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(key.toLowerCase())) out[key] = value
  return out
}

/** Start a proxy in front of `upstream` (`127.0.0.1:PORT`, the registry's `host`). */
export async function startFaultProxy(
  upstream: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = /^127\.0\.0\.1:([0-9]{1,5})$/.exec(upstream)
  if (!target) throw new Error(`fault proxy: upstream must be 127.0.0.1:PORT, got ${upstream}`)
  const upstreamPort = Number(target[1])
  const agent = new Agent({ keepAlive: true })
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const requests: ProxiedRequest[] = []

  interface ActiveRule {
    rule: FaultRule
    matched: number
    hits: number
    removed: boolean
  }
  let rules: ActiveRule[] = []

  function pickFault(method: string, path: string): Fault | undefined {
    let chosen: Fault | undefined
    for (const active of rules) {
      const { rule } = active
      if (active.removed) continue
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue
      rule.path.lastIndex = 0
      if (!rule.path.test(path)) continue
      active.matched++
      const first = rule.nth ?? 1
      const last = first + (rule.times ?? 1) - 1
      const due =
        rule.select !== undefined
          ? rule.select(active.matched)
          : active.matched >= first && active.matched <= last
      if (chosen === undefined && due) {
        active.hits++
        chosen = rule.fault
      }
    }
    return chosen
  }

  function later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    timers.add(timer)
  }

  /** Forward to the registry; `onResponse` gets its answer (nothing when the upstream fails). */
  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    onResponse: (upstream: IncomingMessage) => void,
  ): void {
    const out = httpRequest(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.headers),
        agent,
      },
      onResponse,
    )
    out.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end('fault proxy: upstream failed\n')
      } else res.destroy()
    })
    res.on('close', () => {
      if (!res.writableFinished) out.destroy()
    })
    req.pipe(out)
  }

  function readAll(stream: IncomingMessage): Promise<Buffer> {
    return new Promise((done, fail) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => done(Buffer.concat(chunks)))
      stream.on('error', fail)
    })
  }

  const server = createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase()
    const path = req.url ?? '/'
    const log: ProxiedRequest = { method, path }
    requests.push(log)
    res.on('finish', () => (log.status = res.statusCode))
    const fault = pickFault(method, path)
    if (fault !== undefined) log.fault = fault.kind

    switch (fault?.kind) {
      case undefined:
        forward(req, res, (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, endToEnd(upstream.headers))
          upstream.pipe(res)
        })
        return
      case 'reset':
        req.socket.destroy()
        return
      case 'reset-after-upstream':
        forward(req, res, (upstream) => {
          upstream.resume()
          upstream.on('end', () => req.socket.destroy())
        })
        return
      case 'status':
        // read the request (an upload body) first, as a real overloaded server would
        void readAll(req).then(() => {
          const headers: OutgoingHttpHeaders = { 'content-type': 'application/json' }
          if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter
          res.writeHead(fault.status, headers)
          res.end(
            fault.body ??
              JSON.stringify({
                errors: [{ code: 'UNAVAILABLE', message: `fault proxy: ${fault.status}` }],
              }),
          )
        })
        return
      case 'stall':
        req.resume()
        if (fault.ms !== undefined) later(fault.ms, () => req.socket.destroy())
        return
      case 'truncate':
        forward(req, res, (upstream) => {
          void readAll(upstream).then((body) => {
            const headers = endToEnd(upstream.headers)
            headers['content-length'] = String(body.length)
            res.writeHead(upstream.statusCode ?? 502, headers)
            const part = Math.floor(body.length * (fault.fraction ?? 0.5))
            res.write(body.subarray(0, Math.min(part, Math.max(body.length - 1, 0))), () => {
              // let the partial body reach the client, then cut the connection
              later(20, () => req.socket.destroy())
            })
          })
        })
        return
      case 'replace-body':
        forward(req, res, (upstream) => {
          void readAll(upstream).then((original) => {
            const replaced = fault.body(original)
            const body = typeof replaced === 'string' ? Buffer.from(replaced) : replaced
            const headers = endToEnd(upstream.headers)
            headers['content-length'] = String(body.length)
            res.writeHead(upstream.statusCode ?? 502, headers)
            res.end(body)
          })
        })
        return
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => done())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const host = `127.0.0.1:${port}`

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((done) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => done())
      for (const socket of sockets) socket.destroy()
      agent.destroy()
    })
    return stopped
  }
  const lifetime = setTimeout(() => void stop(), options.lifetimeMs ?? 10 * 60_000)
  lifetime.unref()

  return {
    host,
    url: `http://${host}`,
    port,
    requests,
    inject(rule) {
      const active: ActiveRule = { rule, matched: 0, hits: 0, removed: false }
      rules.push(active)
      return {
        get matched() {
          return active.matched
        },
        get hits() {
          return active.hits
        },
        remove() {
          active.removed = true
        },
      }
    },
    clear() {
      for (const active of rules) active.removed = true
      rules = []
    },
    async stop() {
      clearTimeout(lifetime)
      await stop()
    },
  }
}
