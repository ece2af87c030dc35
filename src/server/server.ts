// The browser front door: serves the built renderer and the API over HTTP, and events over a
// WebSocket. Binds to loopback by default; every API request and socket must carry the token;
// requests whose Host header is not the bound address are refused (DNS-rebinding defence), and so
// are API requests and sockets whose Origin is another web page's. Hostile input never ends the
// process: every socket, stream and the server itself has an 'error' handler, and every bad
// request gets a 4xx answer.
import { isUtf8 } from 'node:buffer'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { isOpName } from '../shared/contract.ts'
import { workbenchCsp } from '../shared/csp.ts'
import { AppError, toWireError, type ErrorCode } from '../shared/errors.ts'
import { decodeWire, encodeWire } from '../shared/wire.ts'
import type { FrontDoorServices } from '../services/index.ts'

export interface ServeOptions {
  services: FrontDoorServices
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

/** Whether an address is this machine's loopback (reachable from no other machine): 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1' || host.startsWith('127.')
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

/** The client went away before its request body was complete: there is no one to answer. */
class ClientGone extends Error {}

/** A body over the limit: answered with 413, and the rest of it is never read. */
class TooLarge extends AppError {}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const tooLarge = (): TooLarge => new TooLarge('INVALID_ARGUMENT', `The request body is larger than ${max} bytes: send less data per call.`)
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > max) {
      req.pause()
      reject(tooLarge())
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const onData = (c: Buffer): void => {
      size += c.length
      if (size > max) {
        done = true
        chunks.length = 0
        req.off('data', onData)
        req.pause()
        reject(tooLarge())
        return
      }
      chunks.push(c)
    }
    req.on('data', onData)
    req.on('end', () => {
      if (done) return
      done = true
      const body = Buffer.concat(chunks)
      // not decoded with replacement characters: a name sent in Latin-1 would be stored as "caf\ufffd"
      if (!isUtf8(body)) reject(new AppError('INVALID_ARGUMENT', `The request body is not valid UTF-8 (a malformed byte sequence at byte ${firstInvalidUtf8(body) + 1}): send the JSON as UTF-8 text.`))
      else resolveBody(body.toString('utf8'))
    })
    req.on('error', () => {
      done = true
      reject(new ClientGone())
    })
    req.on('close', () => {
      if (done) return
      done = true
      chunks.length = 0
      reject(new ClientGone())
    })
  })
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence (-1: none). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]
    // the sequence length, and the range of its second byte (which rules out overlong forms, surrogates and > U+10FFFF)
    const [n, lo, hi] = c < 0x80 ? [1, 0, 0] : c >= 0xc2 && c <= 0xdf ? [2, 0x80, 0xbf] : c === 0xe0 ? [3, 0xa0, 0xbf] : c === 0xed ? [3, 0x80, 0x9f] : c >= 0xe1 && c <= 0xef ? [3, 0x80, 0xbf] : c === 0xf0 ? [4, 0x90, 0xbf] : c >= 0xf1 && c <= 0xf3 ? [4, 0x80, 0xbf] : c === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0]
    if (n === 0) return i
    if (n > 1 && !(b[i + 1] >= lo && b[i + 1] <= hi)) return i
    for (let k = 2; k < n; k++) if (!(b[i + k] >= 0x80 && b[i + k] <= 0xbf)) return i
    i += n
  }
  return -1
}

/** "host" or "host:port" with the port made explicit (an Origin or Host for port 80 leaves it out). */
function withPort(hostPort: string): string {
  return /:\d+$/.test(hostPort) ? hostPort : `${hostPort}:80`
}

function ignore(): void {
  // the 'error' listener of a socket or stream whose failure only concerns its own client
}

/** Events a socket may have unsent before the server drops it (bytes). */
const maxSocketBacklog = 4 * 1024 * 1024

/** The request target as a URL, or null when it is not a path (absolute-form, "*", garbage). */
function parseTarget(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null
  try {
    return new URL(`http://placeholder${target}`)
  } catch {
    return null
  }
}

export function defaultStaticDir(): string {
  return resolve(join(import.meta.dirname, '..', '..', 'out', 'renderer'))
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { services } = opts
  const host = opts.host ?? '127.0.0.1'
  // an empty host would make Node listen on every address, under a URL ("http://:PORT/") that opens nothing
  if (host.trim() === '') throw new AppError('INVALID_ARGUMENT', '--host is empty: give an address of this machine, e.g. --host 127.0.0.1 (the default).')
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
  const hostAllowed = (req: IncomingMessage): boolean => anyHost || allowedHosts().has(withPort((req.headers.host ?? '').toLowerCase()))
  /**
   * A browser names the page that makes a request in Origin. Only the workbench's own pages (this
   * server under one of its names) may call the API or open the socket; clients that send no
   * Origin (the CLI, scripts, tests) are not browsers and carry the token themselves.
   */
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin
    if (origin === undefined) return true
    const m = /^http:\/\/([^/?#@\s]+)$/i.exec(origin)
    if (!m) return false
    const named = withPort(m[1].toLowerCase())
    return anyHost ? named === withPort((req.headers.host ?? '').toLowerCase()) : allowedHosts().has(named)
  }
  const originRefusal = (req: IncomingMessage): string =>
    `Origin "${String(req.headers.origin).slice(0, 200)}" is not this workbench (http://${host.includes(':') ? `[${host}]` : host}:${port}): requests from other web pages are refused. Open the workbench from the URL \`mimic serve\` printed.`

  const csp = (): string => workbenchCsp(`'self' ws://${host.includes(':') ? `[${host}]` : host}:${port} ws://localhost:${port}`)

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    if (!existsSync(join(staticDir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`The renderer is not built (no ${join(staticDir, 'index.html')}): run \`npm run build\`, then reload.`)
      return
    }
    let rel: string
    try {
      rel = decodeURIComponent(pathname)
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      res.end('The path has a malformed % escape (a % must be followed by two hex digits of UTF-8): check the address.')
      return
    }
    if (rel.includes('\0')) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      res.end('The path holds a NUL character (%00), which no file name has: check the address.')
      return
    }
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
    // Refusals below answer before reading the body: close the connection so an unread body is
    // not taken for the next request on a kept-alive socket.
    const refuseEarly = (): void => {
      res.setHeader('connection', 'close')
    }
    const url = parseTarget(req.url)
    if (!url) {
      refuseEarly()
      sendError(res, 'INVALID_ARGUMENT', 'The request target must be a path such as /api/projects.list.')
      return
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
    if (!originAllowed(req)) {
      refuseEarly()
      sendError(res, 'FORBIDDEN', originRefusal(req))
      return
    }
    if (!sameToken(tokenOf(req, url), token)) {
      refuseEarly()
      sendError(res, 'UNAUTHORIZED', 'This request has no valid token: open the URL that `mimic serve` printed (it carries ?token=...).')
      return
    }
    const name = url.pathname.slice('/api/'.length)
    if (name === 'events') {
      refuseEarly()
      res.setHeader('upgrade', 'websocket') // a 426 names the protocol to upgrade to
      sendError(res, 'INVALID_ARGUMENT', '/api/events is a WebSocket that carries events: open it with a WebSocket client (ws://HOST:PORT/api/events?token=...); operations are called with POST /api/<operation>.', 426)
      return
    }
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
      // a byte order mark (some Windows tools write one) is not part of the JSON
      const body = (await readBody(req, maxBody)).replace(/^\ufeff/, '')
      args = body.trim() === '' ? {} : decodeWire(body)
    } catch (err) {
      if (err instanceof ClientGone) return
      if (err instanceof TooLarge) {
        // the rest of the body is never read: answer, then drop the connection
        refuseEarly()
        res.once('finish', () => req.destroy())
        sendError(res, err.code, err.message, 413)
      } else if (err instanceof AppError) sendError(res, err.code, err.message)
      else if (err instanceof RangeError) sendError(res, 'INVALID_ARGUMENT', 'The request body nests arrays or objects too deeply to be read: send a flatter JSON object of arguments.')
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
    // A client that resets mid-answer must not end the process.
    req.on('error', ignore)
    res.on('error', ignore)
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 'INTERNAL', (err as Error).message)
      else res.destroy()
    })
  })

  // CONNECT (a proxy's method) gets an answer too; without a listener Node drops the connection.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', ignore)
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy())
  })

  // pongs are sent here (autoPong off), so that a client that pings and never reads is dropped too
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, autoPong: false })
  wss.on('error', ignore)
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    // Until ws takes the socket over, a reset would otherwise be an unhandled 'error'.
    socket.on('error', ignore)
    const refuse = (status: number, text: string, message = ''): void => {
      const body = Buffer.from(message)
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${message}`, () => socket.destroy())
    }
    const url = parseTarget(req.url)
    if (!url) return refuse(400, 'Bad Request')
    if (!hostAllowed(req)) return refuse(403, 'Forbidden')
    if (!originAllowed(req)) return refuse(403, 'Forbidden', originRefusal(req))
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found')
    if (!sameToken(tokenOf(req, url), token)) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      // A protocol error (an oversized or unmasked frame, invalid UTF-8...) closes this socket
      // with its status code (ws does that); the error itself needs a listener, or it would end
      // the process.
      ws.on('error', ignore)
      const unsubscribe = services.subscribe((event) => {
        if (ws.readyState !== ws.OPEN) return
        // a client that stops reading does not make the server buffer events without end
        if (ws.bufferedAmount > maxSocketBacklog) ws.terminate()
        else ws.send(JSON.stringify(event))
      })
      ws.on('ping', (data) => {
        if (ws.bufferedAmount > maxSocketBacklog) ws.terminate()
        else ws.pong(data)
      })
      ws.on('message', (data) => {
        // The socket only pushes events; a client may send "ping" to keep it alive. A client that
        // sends and never reads the answers is dropped like one that does not read its events (each
        // one-byte message would otherwise leave an answer of a hundred bytes in memory).
        if (ws.bufferedAmount > maxSocketBacklog) {
          ws.terminate()
          return
        }
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
    server.once('listening', () => {
      // after listening, errors (EMFILE on accept...) are reported, never fatal
      server.on('error', (err: Error) => process.stderr.write(`mimic serve: ${err.message}\n`))
    })
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new AppError('CONFLICT', `Port ${port} on ${host} is in use: choose another with --port, or --port 0 for any free one.`))
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') fail(new AppError('INVALID_ARGUMENT', `--host "${host}" is not an address or a name of this machine: use --host 127.0.0.1 (the default).`))
      else if (err.code === 'EADDRNOTAVAIL') fail(new AppError('INVALID_ARGUMENT', `${host} is not an address of this machine: use --host 127.0.0.1.`))
      else if (err.code === 'EACCES') fail(new AppError('INVALID_ARGUMENT', `Port ${port} on ${host} needs privileges this user does not have (ports below 1024): choose one from 1024 with --port, or --port 0 for any free one.`))
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
