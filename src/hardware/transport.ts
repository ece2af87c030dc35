// Transports of the board link: TCP (node:net) and serial lines (the `serialport` package) behind one
// interface, and the addresses that name them (docs/board-protocol.md §1):
//   tcp://HOST:PORT            a board (or `mimic board emulate`) listening on TCP
//   serial:PATH[?baud=N]       a board on a serial line (USB CDC, UART, a pseudo-terminal); a bare
//                              /dev/... path means the same
import { realpathSync } from 'node:fs'
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { ProtocolError } from './protocol/errors.ts'
import { executionTargetNames } from '../shared/board.ts'

export const defaultBaudRate = 921_600

export type BoardAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'serial'; path: string; baudRate: number }

/** Parses a board address; throws an Error that says which forms are accepted. Port 0 (any free port) only for listening. */
export function parseAddress(text: string, opts: { listen?: boolean } = {}): BoardAddress {
  const s = text.trim()
  const forms = 'a board address is tcp://HOST:PORT (e.g. tcp://127.0.0.1:7777) or serial:PATH[?baud=N] (e.g. serial:/dev/ttyACM0)'
  if (s.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):(\d{1,5})\/?$/.exec(s)
    if (!m) throw new Error(`"${text}" is not a TCP address: ${forms}`)
    const port = Number(m[2])
    const min = opts.listen ? 0 : 1
    if (port < min || port > 65535) throw new Error(`"${text}": the port must be ${min}..65535 (received ${port})`)
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port }
  }
  if (s.startsWith('serial:') || s.startsWith('/dev/')) {
    const rest = s.startsWith('serial:') ? s.slice('serial:'.length).replace(/^\/\/(?=\/)/, '') : s
    const [path, query] = rest.split('?', 2)
    if (!path.startsWith('/')) throw new Error(`"${text}": a serial port is an absolute path such as /dev/ttyACM0: ${forms}`)
    let baudRate = defaultBaudRate
    if (query !== undefined) {
      const m = /^baud=(\d{3,8})$/.exec(query)
      if (!m) throw new Error(`"${text}": the only option of a serial address is baud=N (e.g. serial:${path}?baud=115200)`)
      baudRate = Number(m[1])
    }
    return { kind: 'serial', path, baudRate }
  }
  throw new Error(`"${text}" is not a board address: ${forms}`)
}

export function formatAddress(a: BoardAddress): string {
  if (a.kind === 'tcp') return `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
  return `serial:${a.path}${a.baudRate !== defaultBaudRate ? `?baud=${a.baudRate}` : ''}`
}

/**
 * The key of a board's lease: one board, one key, however its address is written. A serial port by
 * its real device (a /dev/serial/by-id/… link and the tty it points to are one board; the baud rate
 * is how it is spoken to, not which board); a TCP board by host and port, the host in lower case and
 * this machine's loopback names (localhost, ::1, ::ffff:127.0.0.1) as 127.0.0.1. An address that does
 * not parse is its own key (the connection's error words it).
 */
export function boardLeaseKey(address: string): string {
  let a: BoardAddress
  try {
    a = parseAddress(address)
  } catch {
    return address
  }
  if (a.kind === 'serial') {
    let path = a.path
    try {
      path = realpathSync(a.path)
    } catch {
      // a port that is not there (unplugged): its path as written
    }
    return `serial:${path}`
  }
  const host = a.host.toLowerCase()
  const loopback = host === 'localhost' || host === '::1' || host === '::ffff:127.0.0.1' ? '127.0.0.1' : host
  return formatAddress({ kind: 'tcp', host: loopback, port: a.port })
}

/** Whether a target names a board (an address) rather than an execution target of the registry or a saved board's name. */
export function isBoardAddress(target: string): boolean {
  return /^(tcp:|serial:|\/dev\/)/.test(target.trim())
}

/** The saved boards by name (the store's board registry; the hardware layer does not import the store). */
export interface SavedBoards {
  findSaved(name: string): { address: string } | undefined
}

/**
 * A target as a board's canonical address: the address of the saved board of that name, or the
 * target in canonical form when it is a board address; null when it is neither (an execution
 * target's name). A malformed board address throws parseAddress's error: each caller words it.
 */
export function boardAddressOf(boards: SavedBoards, target: string): string | null {
  // an execution target's name means the target, also in a database where a board was saved under it
  if (executionTargetNames.includes(target.trim())) return null
  const saved = boards.findSaved(target.trim())
  if (saved) return saved.address
  if (!isBoardAddress(target)) return null
  return formatAddress(parseAddress(target))
}

/** A byte stream to or from a board. */
export interface Transport {
  readonly address: string
  readonly kind: 'tcp' | 'serial'
  /** Sends bytes; resolves when the system took them (after a drain when its buffer was full). */
  write(bytes: Uint8Array): Promise<void>
  onData(fn: (chunk: Uint8Array) => void): void
  /** Called once when the stream ends: null when this side closed it, else what happened. */
  onClose(fn: (err: Error | null) => void): void
  close(): Promise<void>
  readonly closed: boolean
}

abstract class BaseTransport implements Transport {
  abstract readonly address: string
  abstract readonly kind: 'tcp' | 'serial'
  closed = false
  protected closing = false
  private dataFns: ((chunk: Uint8Array) => void)[] = []
  private closeFns: ((err: Error | null) => void)[] = []
  /** bytes that arrived before anyone listened (a board accepts a connection late): handed to the first listener */
  private early: Uint8Array[] = []
  abstract write(bytes: Uint8Array): Promise<void>
  abstract close(): Promise<void>
  onData(fn: (chunk: Uint8Array) => void): void {
    this.dataFns.push(fn)
    if (this.dataFns.length === 1 && this.early.length) for (const c of this.early.splice(0)) fn(c)
  }
  onClose(fn: (err: Error | null) => void): void {
    this.closeFns.push(fn)
  }
  protected emitData(chunk: Uint8Array): void {
    if (!this.dataFns.length) {
      this.early.push(chunk.slice())
      return
    }
    for (const fn of this.dataFns) fn(chunk)
  }
  protected emitClose(err: Error | null): void {
    if (this.closed) return
    this.closed = true
    for (const fn of this.closeFns) fn(this.closing ? null : err)
  }
}

export class TcpTransport extends BaseTransport {
  readonly address: string
  readonly kind = 'tcp' as const
  private readonly socket: Socket
  /** the peer, for a board's log */
  readonly peer: string

  constructor(socket: Socket, address: string) {
    super()
    this.socket = socket
    this.address = address
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`
    socket.setNoDelay(true)
    let lastError: Error | null = null
    socket.on('data', (b: Buffer) => this.emitData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))
    socket.on('error', (e) => (lastError = e))
    socket.on('close', () => this.emitClose(lastError ?? new Error('the peer closed the connection')))
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ProtocolError('CLOSED', `the connection to ${this.address} is closed`))
    return new Promise((resolve) => {
      const flushed = this.socket.write(bytes)
      if (flushed) resolve()
      else {
        const done = (): void => {
          this.socket.off('drain', done)
          this.socket.off('close', done)
          resolve()
        }
        this.socket.on('drain', done)
        this.socket.on('close', done)
      }
    })
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closing = true
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.end()
      // a peer that does not finish its side within 200 ms is cut
      setTimeout(() => this.socket.destroy(), 200).unref()
    })
  }
}

/** Connects to a board's TCP address within timeoutMs. */
export function connectTcp(host: string, port: number, timeoutMs: number): Promise<TcpTransport> {
  const address = formatAddress({ kind: 'tcp', host, port })
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ProtocolError('CONNECT_FAILED', `no connection to the board at ${address} within ${timeoutMs} ms: is it running, and is the address right?`))
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(new TcpTransport(socket, address))
    })
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const why = e.code === 'ECONNREFUSED' ? 'nothing listens there (connection refused): start the board or its bridge, or check the port' : e.message
      reject(new ProtocolError('CONNECT_FAILED', `cannot connect to the board at ${address}: ${why}`))
    })
  })
}

export interface TcpListener {
  readonly address: string
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

/** Listens on host:port (0: any free port) and hands every accepted connection to onConnection. */
export function listenTcp(host: string, port: number, onConnection: (t: TcpTransport) => void): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>()
    const server: Server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      const local = server.address()
      const addr = typeof local === 'object' && local ? formatAddress({ kind: 'tcp', host, port: local.port }) : `tcp://${host}`
      onConnection(new TcpTransport(socket, addr))
    })
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on tcp://${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`)))
    server.listen(port, host, () => {
      const a = server.address()
      const actual = typeof a === 'object' && a ? a.port : port
      resolve({
        address: formatAddress({ kind: 'tcp', host, port: actual }),
        host,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}

type SerialPortCtor = typeof import('serialport').SerialPort

let serialModule: Promise<typeof import('serialport')> | null = null
/** The serialport package, loaded on first use (its native binding is the one part of the link that may be missing on a platform). */
export function loadSerialPort(): Promise<typeof import('serialport')> {
  serialModule ??= import('serialport')
  return serialModule
}

export class SerialTransport extends BaseTransport {
  readonly address: string
  readonly kind = 'serial' as const
  private readonly port: InstanceType<SerialPortCtor>

  constructor(port: InstanceType<SerialPortCtor>, address: string) {
    super()
    this.port = port
    this.address = address
    let lastError: Error | null = null
    port.on('data', (b: Buffer) => this.emitData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))
    port.on('error', (e: Error) => (lastError = e))
    port.on('close', (e: Error | null) => this.emitClose(e ?? lastError ?? new Error('the serial port was closed')))
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ProtocolError('CLOSED', `the serial port ${this.address} is closed`))
    // resolved when the bytes were handed to the system (the write callback), not when they left the
    // line (drain = tcdrain, which holds a libuv pool thread until the peer reads: a few of those at
    // once stall every other serial port of the process)
    return new Promise((resolve) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), () => resolve())
    })
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closing = true
    return new Promise((resolve) => {
      if (!this.port.isOpen) {
        this.emitClose(null)
        resolve()
        return
      }
      this.port.close(() => {
        this.emitClose(null)
        resolve()
      })
    })
  }
}

/** Opens a serial port (raw 8N1) within timeoutMs; errors say what to do (permissions, a missing device). */
export async function openSerial(path: string, baudRate: number, timeoutMs: number): Promise<SerialTransport> {
  const address = formatAddress({ kind: 'serial', path, baudRate })
  let mod: typeof import('serialport')
  try {
    mod = await loadSerialPort()
  } catch (e) {
    throw new ProtocolError('CONNECT_FAILED', `serial ports are not available here: the serialport package did not load (${e instanceof Error ? e.message : String(e)})`)
  }
  const port = new mod.SerialPort({ path, baudRate, autoOpen: false, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, hupcl: false })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProtocolError('CONNECT_FAILED', `the serial port ${path} did not open within ${timeoutMs} ms`)), timeoutMs)
    port.open((err) => {
      clearTimeout(timer)
      if (!err) return resolve()
      const m = err.message.replace(/^Error: /, '')
      const why = /EACCES|Permission denied/i.test(m)
        ? `permission denied: your user may not open ${path} (add it to the group that owns the device, often dialout: sudo usermod -aG dialout $USER, then log in again)`
        : /ENOENT|No such file/i.test(m)
          ? 'no such device: is the board plugged in, and is the path right? (`mimic board list` shows the serial ports)'
          : /EBUSY|Resource busy|Cannot lock/i.test(m)
            ? 'the port is in use by another program'
            : /ENOTTY|Inappropriate ioctl/i.test(m)
              ? `it is not a serial device (${m}): give the port of the board, e.g. serial:/dev/ttyACM0 (\`mimic board list\` shows the serial ports)`
              : m
      reject(new ProtocolError('CONNECT_FAILED', `cannot open the serial port ${path}: ${why}`))
    })
  })
  fixPollerInterest(port)
  return new SerialTransport(port, address)
}

/**
 * Works around a bug of @serialport/bindings-cpp 13.0.0/13.0.1 on Linux and macOS: its poller asks
 * libuv for only the event it was last asked for (uv_poll_start(handle, events) with the new flag
 * instead of the union it keeps), so while a write waits for "writable" a pending read no longer
 * hears "readable", and the other way round. Two ends that both write more than the line holds then
 * wait for each other forever (seen on a pty pair: a client streaming stimulus to a board streaming
 * spikes). The fix: every poll asks for the events that still have a waiter as well.
 */
function fixPollerInterest(port: InstanceType<SerialPortCtor>): void {
  const binding = (port as unknown as { port?: { poller?: PollerLike } }).port
  const poller = binding?.poller
  if (!poller || typeof poller.poll !== 'function' || (poller as { fixed?: boolean }).fixed) return
  const READABLE = 0b0001
  const WRITABLE = 0b0010
  const original = poller.poll.bind(poller)
  poller.poll = (flag = 0) => {
    let f = flag
    if (poller.listenerCount('readable') > 0) f |= READABLE
    if (poller.listenerCount('writable') > 0) f |= WRITABLE
    original(f)
  }
  ;(poller as { fixed?: boolean }).fixed = true
}

interface PollerLike {
  poll(flag?: number): void
  listenerCount(event: string): number
}

/** Opens the transport an address names. */
export async function openTransport(address: string, timeoutMs: number): Promise<Transport> {
  const a = parseAddress(address)
  return a.kind === 'tcp' ? connectTcp(a.host, a.port, timeoutMs) : openSerial(a.path, a.baudRate, timeoutMs)
}
