// The browser front door: serves the built renderer and the API over HTTP, and events over a
// WebSocket. Binds to loopback by default; every API request and socket must carry the token;
// requests whose Host header is not the bound address are refused (DNS-rebinding defence).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { isOpName } from '../shared/contract.ts'
import { workbenchCsp } from '../shared/csp.ts'
import { AppError, toWireError, type ErrorCode } from '../shared/errors.ts'
import { decodeWire, encodeWire } from '../shared/wire.ts'
import type { Services } from '../services/index.ts'

export interface ServeOptions {
  services: Services
  host?: string
  port?: number
  /** fixed token (tests); a random one otherwise */
  token?: string
  /** folder with the built renderer (index.html) */
  staticDir?: string
  /** largest accepted request body */
  maxBodyBytes?: number
}

export interface RunningServer {
  url: string
  /** the URL with the token, as printed for the user */
  openUrl: string
  token: string
  host: string
  port: number
  close(): Promise<void>
}

const statusOf: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  BUSY: 409,
  CANCELLED: 409,
  UNSUPPORTED: 400,
  DB_NEWER: 500,
  DB_NOT_SQLITE: 500,
  ADDON_MISSING: 503,
  INTERNAL: 500,
}

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.')
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim()
  const header = req.headers['x-mimic-token']
  if (typeof header === 'string') return header
  return url.searchParams.get('token')
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeWire(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(text)
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, status = statusOf[code]): void {
  sendJson(res, status, { ok: false, error: { code, message } })
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        reject(new AppError('INVALID_ARGUMENT', `The request body is larger than ${max} bytes: send less data per call.`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function defaultStaticDir(): string {
  return resolve(join(import.meta.dirname, '..', '..', 'out', 'renderer'))
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { services } = opts
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? randomBytes(24).toString('hex')
  const staticDir = opts.staticDir ?? defaultStaticDir()
  // Imported datasets travel in the body (base64): allow up to about 256 MB of data.
  const maxBody = opts.maxBodyBytes ?? 360 * 1024 * 1024
  let port = opts.port ?? 0

  const allowedHosts = (): Set<string> => {
    const names = new Set<string>([`${host}:${port}`])
    if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '[::1]']) names.add(`${h}:${port}`)
    if (host.includes(':') && !host.startsWith('[')) names.add(`[${host}]:${port}`)
    return names
  }
  const anyHost = host === '0.0.0.0' || host === '::'
  const hostAllowed = (req: IncomingMessage): boolean => anyHost || allowedHosts().has((req.headers.host ?? '').toLowerCase())

  const csp = (): string => workbenchCsp(`'self' ws://${host.includes(':') ? `[${host}]` : host}:${port} ws://localhost:${port}`)

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    if (!existsSync(join(staticDir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`The renderer is not built (no ${join(staticDir, 'index.html')}): run \`npm run build\`, then reload.`)
      return
    }
    let rel = decodeURIComponent(pathname)
    if (rel === '/' || rel === '') rel = '/index.html'
    const file = normalize(join(staticDir, rel))
    if (!file.startsWith(staticDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (rel === '/favicon.ico') {
        res.writeHead(204)
        res.end()
        return
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('not found')
      return
    }
    const headers: Record<string, string> = {
      'content-type': mime[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    }
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = csp()
      headers['cache-control'] = 'no-store'
    }
    res.writeHead(200, headers)
    res.end(readFileSync(file))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    // Refusals below answer before reading the body: close the connection so an unread body is
    // not taken for the next request on a kept-alive socket.
    const refuseEarly = (): void => {
      res.setHeader('connection', 'close')
    }
    if (!hostAllowed(req)) {
      refuseEarly()
      sendError(res, 'FORBIDDEN', `Host "${req.headers.host ?? ''}" is not the address this server is bound to; open ${host}:${port} instead.`)
      return
    }
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        refuseEarly()
        sendError(res, 'INVALID_ARGUMENT', `${req.method} is not supported here.`, 405)
        return
      }
      serveStatic(res, url.pathname)
      return
    }
    if (!sameToken(tokenOf(req, url), token)) {
      refuseEarly()
      sendError(res, 'UNAUTHORIZED', 'This request has no valid token: open the URL that `mimic serve` printed (it carries ?token=...).')
      return
    }
    const name = url.pathname.slice('/api/'.length)
    if (!isOpName(name)) {
      refuseEarly()
      sendError(res, 'NOT_FOUND', `There is no API operation "${name}".`)
      return
    }
    if (req.method !== 'POST') {
      refuseEarly()
      sendError(res, 'INVALID_ARGUMENT', `API operations are called with POST (received ${req.method}).`, 405)
      return
    }
    let args: unknown
    try {
      const body = await readBody(req, maxBody)
      args = body.trim() === '' ? {} : decodeWire(body)
    } catch (err) {
      if (err instanceof AppError) sendError(res, err.code, err.message, 413)
      else sendError(res, 'INVALID_ARGUMENT', 'The request body is not valid JSON: send a JSON object of arguments.')
      return
    }
    try {
      const value = await services.call(name, args)
      sendJson(res, 200, { ok: true, value })
    } catch (err) {
      // the whole wire error: the field it is about and its details (dependants, running jobs)
      const e = toWireError(err)
      sendJson(res, statusOf[e.code], { ok: false, error: e })
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 'INTERNAL', (err as Error).message)
      else res.destroy()
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const refuse = (status: number, text: string): void => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      socket.destroy()
    }
    if (!hostAllowed(req)) return refuse(403, 'Forbidden')
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found')
    if (!sameToken(tokenOf(req, url), token)) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      const unsubscribe = services.subscribe((event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event))
      })
      ws.on('message', (data) => {
        // The socket only pushes events; a client may send "ping" to keep it alive.
        const text = data.toString()
        if (text === 'ping') ws.send(JSON.stringify({ type: 'pong' }))
        else ws.send(JSON.stringify({ type: 'error', error: { code: 'INVALID_ARGUMENT', message: 'this socket only carries events: call operations with POST /api/<operation>' } }))
      })
      ws.on('close', () => {
        unsubscribe()
        sockets.delete(ws)
      })
    })
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new AppError('CONFLICT', `Port ${port} on ${host} is in use: choose another with --port, or --port 0 for any free one.`))
      else if (err.code === 'EADDRNOTAVAIL') fail(new AppError('INVALID_ARGUMENT', `${host} is not an address of this machine: use --host 127.0.0.1.`))
      else fail(err)
    })
    server.listen(port, host, () => ok())
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  const url = `http://${shownHost}:${port}/`
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    host,
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of sockets) ws.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
