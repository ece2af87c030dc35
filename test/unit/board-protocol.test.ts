// The board protocol's codec (src/hardware/protocol): CRC-32C against its published check value,
// every message type through encode → frame → streaming decode at every chunk boundary, the
// example frames of docs/board-protocol.md byte for byte, and refusals with a code for each defect.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/hardware/protocol/crc32c.ts'
import { ProtocolError } from '../../src/hardware/protocol/errors.ts'
import { encodeFrame, encodeMessage, decodeMessage, FrameDecoder, HEADER_BYTES, MAX_FRAME_BYTES, toHex, type Frame } from '../../src/hardware/protocol/frame.ts'
import { decodePayload, encodePayload, limits, maxPayload, MessageType, PROTOCOL_VERSION, type Message } from '../../src/hardware/protocol/messages.ts'
import { exampleMessages } from '../../src/hardware/protocol/examples.ts'

const root = join(import.meta.dirname, '../..')

function decodeAll(bytes: Uint8Array, chunk = bytes.length): { frames: Frame[]; errors: ProtocolError[] } {
  const d = new FrameDecoder()
  const frames: Frame[] = []
  const errors: ProtocolError[] = []
  for (let i = 0; i < bytes.length; i += chunk) {
    for (const item of d.push(bytes.subarray(i, i + chunk))) {
      if (item.frame) frames.push(item.frame)
      else errors.push(item.error)
    }
  }
  const e = d.end()
  if (e) errors.push(e)
  return { frames, errors }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

describe('CRC-32C', () => {
  it('has the check value of RFC 3720 and iSCSI test vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })
  it('continues from a previous value', () => {
    const b = new TextEncoder().encode('123456789')
    expect(crc32c(b, 4, 9, crc32c(b, 0, 4))).toBe(0xe3069283)
  })
})

describe('messages', () => {
  it('every message type round-trips through a frame, whole and one byte at a time', () => {
    const names = new Set(exampleMessages.map((m) => m.type))
    expect([...names].sort()).toEqual(Object.keys(MessageType).sort())
    const frames = exampleMessages.map((m, i) => encodeMessage(m, i + 1))
    const stream = concat(frames)
    for (const chunk of [stream.length, 1, 7, 16, 17, 333]) {
      const { frames: got, errors } = decodeAll(stream, chunk)
      expect(errors).toEqual([])
      expect(got.map((f) => f.seq)).toEqual(exampleMessages.map((_, i) => i + 1))
      expect(got.map(decodeMessage)).toEqual(exampleMessages)
    }
  })

  it('the example frames of docs/board-protocol.md are what the codec writes', () => {
    const doc = readFileSync(join(root, 'docs/board-protocol.md'), 'utf8')
    let seen = 0
    for (const [i, m] of exampleMessages.entries()) {
      const hex = toHex(encodeMessage(m, i + 1))
      if (hex.length > 400) continue
      expect(doc.replace(/\s+/g, ' ')).toContain(hex)
      seen++
    }
    expect(seen).toBeGreaterThanOrEqual(15)
  })

  it('payload sizes are exact: one byte more or less is refused naming the field', () => {
    for (const m of exampleMessages) {
      const p = encodePayload(m)
      const t = MessageType[m.type]
      expect(decodePayload(t, p)).toEqual(m)
      const longer = concat([p, new Uint8Array(1)])
      expect(() => decodePayload(t, longer)).toThrow(ProtocolError)
      if (p.length > 0) expect(() => decodePayload(t, p.subarray(0, p.length - 1))).toThrow(/payload: .* (needs|announce|bytes)/)
    }
  })

  it('refuses values outside the bounds with the field named', () => {
    const run = encodePayload({ type: 'RUN_START', runId: 1, durationUs: 1000, input: 'events', record: true, analogChannels: 0, samplePeriodUs: 0 })
    const bad = run.slice()
    bad[8] = 2
    expect(() => decodePayload(MessageType.RUN_START, bad)).toThrow(/RUN_START payload: input must be 0 \(events\) or 1 \(samples\)/)
    const hello = encodePayload({ type: 'HELLO', version: 1, client: 'x' })
    hello[2] = 1
    expect(() => decodePayload(MessageType.HELLO, hello)).toThrow(/reserved and must be 0/)
    const conn = encodePayload({ type: 'CONFIG_CONNECTIONS', pre: Uint32Array.of(1), post: Uint32Array.of(2), types: Uint8Array.of(4), weights: Uint8Array.of(1) })
    expect(() => decodePayload(MessageType.CONFIG_CONNECTIONS, conn)).toThrow(/connections\[0\]\.type must be 0\.\.3 \(received 4\)/)
    const samples = encodePayload({ type: 'STIM_SAMPLES', runId: 1, firstSample: 0, channels: 1, values: Float32Array.of(1, 2) })
    new DataView(samples.buffer).setFloat32(16, NaN, true)
    expect(() => decodePayload(MessageType.STIM_SAMPLES, samples)).toThrow(/values\[0\] must be a finite number/)
    // a count that promises more records than the payload holds is refused before anything is allocated for it
    const events = encodePayload({ type: 'STIM_EVENTS', runId: 1, timesUs: Uint32Array.of(5), channels: Uint32Array.of(0) })
    new DataView(events.buffer).setUint32(4, limits.eventsPerFrame, true)
    expect(() => decodePayload(MessageType.STIM_EVENTS, events)).toThrow(/announce 65536 records of 8 bytes/)
    new DataView(events.buffer).setUint32(4, 0xffffffff, true)
    expect(() => decodePayload(MessageType.STIM_EVENTS, events)).toThrow(/count must be between 0 and 65536/)
    const err = encodePayload({ type: 'ERROR', code: 1, about: 1, message: 'é' })
    err[6] = 0xff
    expect(() => decodePayload(MessageType.ERROR, err)).toThrow(/message is not valid UTF-8/)
  })

  it('strings are cut to their byte bound at a character boundary', () => {
    const m = decodePayload(MessageType.HELLO, encodePayload({ type: 'HELLO', version: 1, client: 'é'.repeat(40) })) as Extract<Message, { type: 'HELLO' }>
    expect(m.client).toBe('é'.repeat(32))
  })
})

describe('frame decoder', () => {
  const good = encodeMessage({ type: 'PING', nonce: 0x01020304 }, 9)

  it('refuses a bad magic at the first wrong byte', () => {
    const d = new FrameDecoder()
    const items = d.push(Uint8Array.of(0x47, 0x45, 0x54))
    expect(items).toHaveLength(1)
    expect(items[0].error?.code).toBe('BAD_FRAME')
    expect(items[0].error?.message).toMatch(/bad magic.*received 0x47/)
    expect(d.push(good)).toEqual([])
  })

  it('checks the header before it trusts the length', () => {
    const f = good.slice()
    f[8] = 0xff // length byte: the header checksum no longer matches
    const { errors } = decodeAll(f)
    expect(errors[0].code).toBe('CHECKSUM')
    expect(errors[0].message).toMatch(/header checksum mismatch/)
  })

  it('refuses a length beyond the bound of the type before reading the payload', () => {
    const f = encodeFrame(MessageType.PING, 1, new Uint8Array(4))
    const v = new DataView(f.buffer)
    v.setUint32(8, maxPayload[MessageType.PING] + 1, true)
    v.setUint32(12, crc32c(f, 0, 12), true)
    const d = new FrameDecoder()
    const items = d.push(f.subarray(0, HEADER_BYTES))
    expect(items[0].error?.message).toBe('a PING frame announces 5 payload bytes, more than the 4 it may have')
    expect(d.pendingBytes).toBe(HEADER_BYTES)
  })

  it('refuses an unknown type, non-zero flags and a payload checksum mismatch with codes', () => {
    const unknown = encodeFrame(0x66, 1, new Uint8Array(0))
    expect(decodeAll(unknown).errors[0].code).toBe('UNSUPPORTED')
    const flags = good.slice()
    flags[3] = 1
    new DataView(flags.buffer).setUint32(12, crc32c(flags, 0, 12), true)
    expect(decodeAll(flags).errors[0].message).toMatch(/flags must be 0/)
    const payload = good.slice()
    payload[HEADER_BYTES] ^= 0x10
    const e = decodeAll(payload).errors[0]
    expect(e.code).toBe('CHECKSUM')
    expect(e.message).toMatch(/payload checksum mismatch in a PING frame \(seq 9, 4 bytes\)/)
  })

  it('reports a truncated frame at the end of the stream', () => {
    expect(decodeAll(good.subarray(0, 10)).errors[0].message).toBe('truncated frame: the stream ended after 10 bytes of a frame header (16 bytes)')
    expect(decodeAll(good.subarray(0, 20)).errors[0].message).toBe('truncated frame: the stream ended after 20 bytes of a PING frame of 24 bytes')
  })

  it('in resync mode skips garbage and corrupt frames and finds the next good one', () => {
    const corrupt = good.slice()
    corrupt[HEADER_BYTES + 1] ^= 1
    const stream = concat([Uint8Array.of(0x4d, 0x4d, 0x42, 0x00, 0x4d), good, corrupt, new Uint8Array(7).fill(0x4d), good])
    for (const chunk of [1, 3, stream.length]) {
      const d = new FrameDecoder('resync')
      const frames: Frame[] = []
      const errors: ProtocolError[] = []
      for (let i = 0; i < stream.length; i += chunk) for (const it of d.push(stream.subarray(i, i + chunk))) it.frame ? frames.push(it.frame) : errors.push(it.error!)
      expect(frames.map((f) => decodeMessage(f))).toEqual([
        { type: 'PING', nonce: 0x01020304 },
        { type: 'PING', nonce: 0x01020304 },
      ])
      expect(errors.length).toBeGreaterThanOrEqual(2)
      expect(errors.map((e) => e.code)).toContain('CHECKSUM')
    }
  })

  it('in resync mode finds a frame that begins inside a frame cut short', () => {
    // an earlier session's STIM_EVENTS cut after 30 bytes, then a new client's HELLO: the HELLO lies inside the announced payload
    const cut = encodeMessage({ type: 'STIM_EVENTS', runId: 1, timesUs: Uint32Array.from({ length: 40 }, (_, i) => i), channels: new Uint32Array(40) }, 5).subarray(0, 30)
    const hello = encodeMessage({ type: 'HELLO', version: 1, client: 'next' }, 1)
    const filler = encodeMessage({ type: 'PING', nonce: 1 }, 2)
    const stream = concat([cut, hello, ...Array.from({ length: 20 }, () => filler)])
    for (const chunk of [1, 5, stream.length]) {
      const d = new FrameDecoder('resync')
      const got: Message[] = []
      for (let i = 0; i < stream.length; i += chunk) for (const it of d.push(stream.subarray(i, i + chunk))) if (it.frame) got.push(decodeMessage(it.frame))
      expect(got[0]).toEqual({ type: 'HELLO', version: 1, client: 'next' })
      // the frames that followed inside the bad frame's announced length are found too
      expect(got.length).toBeGreaterThanOrEqual(19)
    }
    // a strict decoder refuses the same stream with the checksum error and stops
    const strict = new FrameDecoder()
    const items = strict.push(stream)
    expect(items.map((x) => x.error?.code ?? 'frame')).toEqual(['CHECKSUM'])
  })

  it('never holds more than one bounded frame', () => {
    expect(MAX_FRAME_BYTES).toBe(16 + 786_436 + 4)
    expect(PROTOCOL_VERSION).toBe(1)
  })
})
