// WebSocket frames written byte by byte over a raw TCP socket, so tests can send what no WebSocket
// client library would: unmasked frames, oversized or lying lengths, bad opcodes, broken
// fragmentation, invalid UTF-8. Also reads the frames the server sends back (close codes).
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

export interface FrameSpec {
  opcode: number
  payload?: Uint8Array
  fin?: boolean
  /** the three RSV bits (0-7); must be 0 without an extension */
  rsv?: number
  /** clients must mask; false sends an unmasked frame */
  mask?: boolean
  /** length written in the header when it should lie about the payload */
  declaredLength?: number
  /** force the 16- or 64-bit length form even for short payloads */
  lengthForm?: 7 | 16 | 64
}

export const opcodes = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

/** One frame as bytes. */
export function frame(spec: FrameSpec): Buffer {
  const payload = Buffer.from(spec.payload ?? new Uint8Array(0))
  const length = spec.declaredLength ?? payload.length
  const form = spec.lengthForm ?? (length < 126 ? 7 : length < 65536 ? 16 : 64)
  const mask = spec.mask ?? true
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 15)]
  const m = mask ? 0x80 : 0
  if (form === 7) head.push(m | (length & 127))
  else if (form === 16) head.push(m | 126, (length >> 8) & 255, length & 255)
  else {
    head.push(m | 127)
    const big = BigInt(length)
    for (let i = 7; i >= 0; i--) head.push(Number((big >> BigInt(8 * i)) & 255n))
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload])
  const key = randomBytes(4)
  const masked = Buffer.alloc(payload.length)
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ key[i & 3]
  return Buffer.concat([Buffer.from(head), key, masked])
}

export function textFrame(text: string | Uint8Array, extra: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Buffer {
  return frame({ opcode: opcodes.text, payload: typeof text === 'string' ? Buffer.from(text) : text, ...extra })
}

export interface ServerFrame {
  opcode: number
  payload: Buffer
  /** for close frames: the status code (1000, 1002, 1007, 1009...) or null */
  closeCode: number | null
}

/** Splits bytes the server sent (unmasked frames) into frames; a trailing partial frame is left out. */
export function parseServerFrames(bytes: Buffer): ServerFrame[] {
  const out: ServerFrame[] = []
  let o = 0
  while (o + 2 <= bytes.length) {
    const opcode = bytes[o] & 15
    let len = bytes[o + 1] & 127
    let at = o + 2
    if (len === 126) {
      if (at + 2 > bytes.length) break
      len = bytes.readUInt16BE(at)
      at += 2
    } else if (len === 127) {
      if (at + 8 > bytes.length) break
      len = Number(bytes.readBigUInt64BE(at))
      at += 8
    }
    if (at + len > bytes.length) break
    const payload = bytes.subarray(at, at + len)
    out.push({ opcode, payload, closeCode: opcode === 8 && len >= 2 ? payload.readUInt16BE(0) : null })
    o = at + len
  }
  return out
}

export interface RawWs {
  socket: Socket
  /** HTTP status of the upgrade answer (101 when it was accepted) */
  status: number
  /** bytes received after the upgrade answer */
  received(): Buffer
  frames(): ServerFrame[]
  /** resolves when the server has closed the TCP connection (or after timeoutMs: false) */
  closed(timeoutMs: number): Promise<boolean>
  /** resolves with the first frame matching, or null after timeoutMs */
  waitFrame(pred: (f: ServerFrame) => boolean, timeoutMs: number): Promise<ServerFrame | null>
  destroy(): void
}

/**
 * Opens a WebSocket by hand: sends the upgrade request with the given headers and waits for the
 * answer's status line. A refused upgrade (401, 403, 404) resolves with that status.
 */
export function openRawWs(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let buf = Buffer.alloc(0)
    let status = 0
    let body = Buffer.alloc(0)
    let ended = false
    const enders: (() => void)[] = []
    const watchers: (() => void)[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no upgrade answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const ws: RawWs = {
      socket,
      get status() {
        return status
      },
      received: () => body,
      frames: () => parseServerFrames(body),
      closed: (ms) =>
        new Promise((done) => {
          if (ended) return done(true)
          const t = setTimeout(() => done(false), ms)
          enders.push(() => {
            clearTimeout(t)
            done(true)
          })
        }),
      waitFrame: (pred, ms) =>
        new Promise((done) => {
          const check = (): boolean => {
            const f = parseServerFrames(body).find(pred)
            if (f) done(f)
            return !!f
          }
          if (check()) return
          const t = setTimeout(() => done(null), ms)
          const w = (): void => {
            if (check()) clearTimeout(t)
          }
          watchers.push(w)
          enders.push(() => {
            if (!check()) {
              clearTimeout(t)
              done(null)
            }
          })
        }),
      destroy: () => socket.destroy(),
    }
    socket.on('error', () => {
      // a reset after the server closed is expected in these tests
    })
    socket.on('close', () => {
      ended = true
      clearTimeout(timer)
      for (const e of enders.splice(0)) e()
      if (status === 0) resolve(Object.assign(ws, {}))
    })
    socket.on('data', (d: Buffer) => {
      if (status === 0) {
        buf = Buffer.concat([buf, d])
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? -1)
        body = buf.subarray(end + 4)
        clearTimeout(timer)
        resolve(ws)
      } else body = Buffer.concat([body, d])
      for (const w of watchers) w()
    })
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
    ]
    for (const [k, v] of Object.entries(headers)) {
      const i = lines.findIndex((l) => l.toLowerCase().startsWith(`${k.toLowerCase()}:`))
      if (i >= 0) lines.splice(i, 1)
      lines.push(`${k}: ${v}`)
    }
    socket.write(lines.join('\r\n') + '\r\n\r\n')
  })
}
