// Frames of the board protocol (docs/board-protocol.md §3), all little-endian:
//
//   offset  size  field
//   0       2     magic 0x4D 0x42 ("MB")
//   2       1     message type
//   3       1     flags (0 in version 1)
//   4       4     sequence number
//   8       4     payload length L
//   12      4     CRC-32C of bytes 0..11 (the header check)
//   16      L     payload
//   16+L    4     CRC-32C of the payload (0 for an empty payload)
//
// FrameDecoder reads frames from a byte stream cut at arbitrary places. It allocates a frame's
// buffer only after the header's checksum matched and its length fits the bound of its type (at
// most 1 MiB), so corrupt bytes can never make it allocate more than one bounded frame.
import { crc32c } from './crc32c.ts'
import { ProtocolError } from './errors.ts'
import { decodePayload, encodePayload, isMessageType, maxPayload, MessageType, messageTypeName, type Message } from './messages.ts'

export const MAGIC0 = 0x4d
export const MAGIC1 = 0x42
export const HEADER_BYTES = 16
export const TRAILER_BYTES = 4
/** no payload of any type is larger */
export const MAX_PAYLOAD_BYTES = Math.max(...Object.values(maxPayload))
export const MAX_FRAME_BYTES = HEADER_BYTES + MAX_PAYLOAD_BYTES + TRAILER_BYTES

export interface Frame {
  type: number
  seq: number
  payload: Uint8Array
}

export function encodeFrame(type: number, seq: number, payload: Uint8Array): Uint8Array {
  if (payload.length > (maxPayload[type] ?? MAX_PAYLOAD_BYTES)) {
    throw new ProtocolError('BAD_FRAME', `a ${messageTypeName(type)} payload of ${payload.length} bytes is more than the ${maxPayload[type]} allowed`)
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length + TRAILER_BYTES)
  const v = new DataView(out.buffer)
  out[0] = MAGIC0
  out[1] = MAGIC1
  out[2] = type
  out[3] = 0
  v.setUint32(4, seq >>> 0, true)
  v.setUint32(8, payload.length, true)
  v.setUint32(12, crc32c(out, 0, 12), true)
  out.set(payload, HEADER_BYTES)
  v.setUint32(HEADER_BYTES + payload.length, crc32c(payload), true)
  return out
}

export function encodeMessage(m: Message, seq: number): Uint8Array {
  return encodeFrame(MessageType[m.type], seq, encodePayload(m))
}

export function decodeMessage(f: Frame): Message {
  return decodePayload(f.type, f.payload)
}

export type DecodeItem = { frame: Frame; error?: undefined } | { error: ProtocolError; frame?: undefined }

/**
 * A streaming frame decoder. `push` returns the frames completed by a chunk, in order, and the
 * errors met. In `strict` mode (a connection: TCP) the first error ends decoding, and every later
 * push returns nothing: the owner reports the error and closes the link. In `resync` mode (a serial
 * line, which cannot be closed) the decoder skips the bad bytes and hunts for the next header whose
 * magic and checksum match.
 */
export class FrameDecoder {
  private readonly mode: 'strict' | 'resync'
  private readonly header = new Uint8Array(HEADER_BYTES)
  private headerFill = 0
  /** payload + trailer of the current frame, once its header has been checked */
  private body: Uint8Array | null = null
  private bodyFill = 0
  private type = 0
  private seq = 0
  private failed: ProtocolError | null = null
  /** bytes discarded while hunting for a header (resync mode) */
  skippedBytes = 0
  /** resync mode: after an error, until the next good frame (one error is reported per bad stretch) */
  private hunting = false

  constructor(mode: 'strict' | 'resync' = 'strict') {
    this.mode = mode
  }

  /** The error that ended a strict decoder, or null. */
  get error(): ProtocolError | null {
    return this.failed
  }

  /** Bytes of a frame begun but not finished (0 between frames). */
  get pendingBytes(): number {
    return this.headerFill + this.bodyFill
  }

  /** Length the current frame will have when complete, when its header is known. */
  get expectedBytes(): number | null {
    return this.body ? HEADER_BYTES + this.body.length : null
  }

  /**
   * Gives up the partial frame (it stopped arriving). In resync mode its bytes after the first are
   * read again, since they may hold the start of a good frame (a new client's HELLO after an earlier
   * client vanished in the middle of a frame); returns what that finds. In strict mode: reset().
   */
  abandon(): DecodeItem[] {
    if (this.mode === 'strict' || this.pendingBytes === 0) {
      this.reset()
      return []
    }
    const again = new Uint8Array(this.pendingBytes - 1)
    again.set(this.header.subarray(1, this.headerFill), 0)
    if (this.body) again.set(this.body.subarray(0, this.bodyFill), this.headerFill - 1)
    this.reset()
    this.skippedBytes += 1
    this.hunting = true
    return this.push(again)
  }

  /** Forgets any partial frame (and a strict decoder's error). */
  reset(): void {
    this.headerFill = 0
    this.body = null
    this.bodyFill = 0
    this.failed = null
    this.replay = []
  }

  push(chunk: Uint8Array): DecodeItem[] {
    const out: DecodeItem[] = []
    this.feed(chunk, out)
    // resync: bytes of a bad frame that are read again (they may hold the start of a good one)
    while (this.replay.length && !this.failed) this.feed(this.replay.shift()!, out)
    return out
  }

  private replay: Uint8Array[] = []

  private feed(chunk: Uint8Array, out: DecodeItem[]): void {
    let i = 0
    while (i < chunk.length && !this.failed) {
      if (!this.body) {
        this.headerByte(chunk[i++], out, true)
        continue
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - i)
      this.body.set(chunk.subarray(i, i + take), this.bodyFill)
      this.bodyFill += take
      i += take
      if (this.bodyFill === this.body.length) {
        const rest = chunk.subarray(i)
        if (this.finishBody(out)) {
          // the bad frame's bytes (queued first by finishBody) are read again before the rest of this chunk
          if (rest.length) this.replay.splice(1, 0, rest.slice())
          return
        }
      }
    }
  }

  /** At the end of the stream: an error if a frame was begun and not finished. */
  end(): ProtocolError | null {
    if (this.failed || this.pendingBytes === 0) return null
    const expected = this.expectedBytes
    return new ProtocolError(
      'BAD_FRAME',
      `truncated frame: the stream ended after ${this.pendingBytes} bytes of a ${expected === null ? 'frame header (16 bytes)' : `${messageTypeName(this.type)} frame of ${expected} bytes`}`,
    )
  }

  private headerByte(b: number, out: DecodeItem[], report: boolean): void {
    this.header[this.headerFill++] = b
    const err = this.checkHeaderSoFar()
    if (!err) return
    if (this.mode === 'strict') {
      out.push({ error: err })
      this.failed = err
      return
    }
    if (report && !this.hunting) out.push({ error: err })
    this.hunting = true
    // resync: drop the first byte taken for a header and re-read the rest (silently: one error per bad stretch)
    const rest = this.header.slice(1, this.headerFill)
    this.headerFill = 0
    this.skippedBytes += 1
    for (const r of rest) this.headerByte(r, out, false)
  }

  /** Completes a frame; true when it failed and its bytes were queued to be read again (resync mode). */
  private finishBody(out: DecodeItem[]): boolean {
    const body = this.body!
    const L = body.length - TRAILER_BYTES
    const payload = body.subarray(0, L)
    const want = new DataView(body.buffer, body.byteOffset + L, 4).getUint32(0, true)
    const type = this.type
    const seq = this.seq
    const header = this.header.slice()
    this.body = null
    this.bodyFill = 0
    this.headerFill = 0
    const got = crc32c(payload)
    if (got === want) {
      this.hunting = false
      out.push({ frame: { type, seq, payload } })
      return false
    }
    const err = new ProtocolError('CHECKSUM', `payload checksum mismatch in a ${messageTypeName(type)} frame (seq ${seq}, ${L} bytes): CRC-32C 0x${hex(got)}, the frame says 0x${hex(want)}`)
    if (!this.hunting) out.push({ error: err })
    if (this.mode === 'strict') {
      this.failed = err
      return false
    }
    this.hunting = true
    // resync: the frame may have been cut short (the end of an earlier session) and the next frame
    // begun inside its payload, so everything after its first byte is read again
    this.skippedBytes += 1
    const again = new Uint8Array(HEADER_BYTES - 1 + body.length)
    again.set(header.subarray(1), 0)
    again.set(body, HEADER_BYTES - 1)
    this.replay.unshift(again)
    return true
  }

  /** Checks the header bytes received so far; on a complete valid header, allocates the body. */
  private checkHeaderSoFar(): ProtocolError | null {
    const h = this.header
    const n = this.headerFill
    if (n === 1 && h[0] !== MAGIC0) return new ProtocolError('BAD_FRAME', `bad magic: a frame starts with 0x4D 0x42 ("MB"), received 0x${hex2(h[0])}`)
    if (n === 2 && h[1] !== MAGIC1) return new ProtocolError('BAD_FRAME', `bad magic: a frame starts with 0x4D 0x42 ("MB"), received 0x${hex2(h[0])} 0x${hex2(h[1])}`)
    if (n < HEADER_BYTES) return null
    const v = new DataView(h.buffer)
    const want = v.getUint32(12, true)
    const got = crc32c(h, 0, 12)
    if (got !== want) return new ProtocolError('CHECKSUM', `header checksum mismatch: CRC-32C of the header is 0x${hex(got)}, the frame says 0x${hex(want)}`)
    const type = h[2]
    const flags = h[3]
    const length = v.getUint32(8, true)
    if (flags !== 0) return new ProtocolError('BAD_FRAME', `flags must be 0 in protocol version 1 (received 0x${hex2(flags)} in a ${messageTypeName(type)} frame)`)
    if (!isMessageType(type)) return new ProtocolError('UNSUPPORTED', `message type ${messageTypeName(type)} is not part of protocol version 1`)
    if (length > maxPayload[type]) return new ProtocolError('BAD_FRAME', `a ${messageTypeName(type)} frame announces ${length} payload bytes, more than the ${maxPayload[type]} it may have`)
    this.type = type
    this.seq = v.getUint32(4, true)
    this.body = new Uint8Array(length + TRAILER_BYTES)
    this.bodyFill = 0
    return null
  }
}

function hex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0')
}
function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0')
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
}
