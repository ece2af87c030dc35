// The messages of board protocol version 1 (docs/board-protocol.md §5): their type codes, the
// exact little-endian layout of each payload, and the bounds every count and length must meet.
// decodePayload refuses anything else with a ProtocolError (BAD_FRAME) that names the field; nothing
// is allocated from a count before the payload's size has been checked against it.
import { ProtocolError } from './errors.ts'

export const PROTOCOL_VERSION = 1

export const MessageType = {
  HELLO: 0x01,
  HELLO_ACK: 0x02,
  CONFIG_BEGIN: 0x10,
  CONFIG_CONNECTIONS: 0x11,
  CONFIG_COMMIT: 0x12,
  CONFIG_DONE: 0x13,
  RUN_START: 0x20,
  STIM_EVENTS: 0x21,
  STIM_SAMPLES: 0x22,
  STIM_END: 0x23,
  SPIKES: 0x30,
  RUN_PROGRESS: 0x31,
  RUN_DONE: 0x32,
  RESET: 0x40,
  CLOSE: 0x41,
  PING: 0x50,
  PONG: 0x51,
  ACK: 0x7e,
  ERROR: 0x7f,
} as const

export type MessageTypeName = keyof typeof MessageType
const typeNames = new Map<number, MessageTypeName>(Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]))

export function messageTypeName(type: number): string {
  return typeNames.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`
}

export function isMessageType(type: number): boolean {
  return typeNames.has(type)
}

// Bounds (docs §5). Every count read from the wire is checked against them and against the payload's length.
export const limits = {
  /** bytes of a string field (UTF-8) */
  nameBytes: 64,
  messageBytes: 1024,
  chips: 64,
  coresPerChip: 16,
  neuronsPerCore: 4096,
  fanIn: 4096,
  fanOut: 64,
  cores: 1024,
  connectionsPerFrame: 65_536,
  totalConnections: 16_777_216,
  eventsPerFrame: 65_536,
  spikesPerFrame: 65_536,
  samplesPerFrame: 131_072,
  analogChannels: 1024,
} as const

export const CORE_BLOCK_BYTES = 56
export const CONNECTION_BYTES = 12
export const EVENT_BYTES = 8

/** The largest payload of each message type (bytes): a header announcing more is refused before its payload is read. */
export const maxPayload: Record<number, number> = {
  [MessageType.HELLO]: 4 + 1 + limits.nameBytes,
  [MessageType.HELLO_ACK]: 14 + 3 * (1 + limits.nameBytes),
  [MessageType.CONFIG_BEGIN]: 8 + limits.cores * CORE_BLOCK_BYTES,
  [MessageType.CONFIG_CONNECTIONS]: 4 + limits.connectionsPerFrame * CONNECTION_BYTES,
  [MessageType.CONFIG_COMMIT]: 0,
  [MessageType.CONFIG_DONE]: 16,
  [MessageType.RUN_START]: 16,
  [MessageType.STIM_EVENTS]: 8 + limits.eventsPerFrame * EVENT_BYTES,
  [MessageType.STIM_SAMPLES]: 16 + limits.samplesPerFrame * 4,
  [MessageType.STIM_END]: 4,
  [MessageType.SPIKES]: 8 + limits.spikesPerFrame * EVENT_BYTES,
  [MessageType.RUN_PROGRESS]: 8,
  [MessageType.RUN_DONE]: 16,
  [MessageType.RESET]: 4,
  [MessageType.CLOSE]: 0,
  [MessageType.PING]: 4,
  [MessageType.PONG]: 4,
  [MessageType.ACK]: 4,
  [MessageType.ERROR]: 6 + limits.messageBytes,
}

export const weightSchemeCode = { se1: 1, se2: 2 } as const

export interface CoreBlock {
  chip: number
  core: number
  neurons: number
  tauMemMs: number
  refractoryMs: number
  threshold: number
  resetPotential: number
  bias: number
  tauSynMs: [number, number, number, number]
  baseWeights: [number, number, number, number]
}

export type Message =
  | { type: 'HELLO'; version: number; client: string }
  | {
      type: 'HELLO_ACK'
      version: number
      weightScheme: 'se1' | 'se2'
      chips: number
      coresPerChip: number
      neuronsPerCore: number
      fanIn: number
      fanOut: number
      inputChannels: number
      model: string
      serialNumber: string
      firmware: string
    }
  | { type: 'CONFIG_BEGIN'; weightScheme: 'se1' | 'se2'; totalConnections: number; cores: CoreBlock[] }
  /** pre, post: u32 addresses; types: 0..3; weights: SE1 count or SE2 mask */
  | { type: 'CONFIG_CONNECTIONS'; pre: Uint32Array; post: Uint32Array; types: Uint8Array; weights: Uint8Array }
  | { type: 'CONFIG_COMMIT' }
  | { type: 'CONFIG_DONE'; cores: number; neurons: number; connections: number; camEntries: number }
  | { type: 'RUN_START'; runId: number; durationUs: number; input: 'events' | 'samples'; record: boolean; analogChannels: number; samplePeriodUs: number }
  | { type: 'STIM_EVENTS'; runId: number; timesUs: Uint32Array; channels: Uint32Array }
  /** values: sampleCount × channels, sample-major */
  | { type: 'STIM_SAMPLES'; runId: number; firstSample: number; channels: number; values: Float32Array }
  | { type: 'STIM_END'; runId: number }
  | { type: 'SPIKES'; runId: number; timesUs: Uint32Array; neurons: Uint32Array }
  | { type: 'RUN_PROGRESS'; runId: number; timeUs: number }
  | { type: 'RUN_DONE'; runId: number; durationUs: number; spikes: number; inputEvents: number }
  | { type: 'RESET'; clearConfiguration: boolean }
  | { type: 'CLOSE' }
  | { type: 'PING'; nonce: number }
  | { type: 'PONG'; nonce: number }
  | { type: 'ACK'; acked: number }
  | { type: 'ERROR'; code: number; about: number; message: string }

export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

function bad(type: number, field: string, problem: string): ProtocolError {
  return new ProtocolError('BAD_FRAME', `${messageTypeName(type)} payload: ${field} ${problem}`)
}

/** Strings are cut at a character boundary to fit `max` bytes. */
function clipUtf8(s: string, max: number): Uint8Array {
  let b = utf8.encode(s)
  if (b.length <= max) return b
  let chars = [...s]
  while (b.length > max) {
    chars = chars.slice(0, -1)
    b = utf8.encode(chars.join(''))
  }
  return b
}

class Writer {
  private readonly buf: Uint8Array
  private readonly view: DataView
  pos = 0
  constructor(size: number) {
    this.buf = new Uint8Array(size)
    this.view = new DataView(this.buf.buffer)
  }
  u8(v: number): void {
    this.view.setUint8(this.pos, v)
    this.pos += 1
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true)
    this.pos += 2
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true)
    this.pos += 4
  }
  f32(v: number): void {
    this.view.setFloat32(this.pos, v, true)
    this.pos += 4
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos)
    this.pos += b.length
  }
  done(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos)
  }
}

class Reader {
  private readonly view: DataView
  private readonly bytes: Uint8Array
  private readonly type: number
  pos = 0
  constructor(bytes: Uint8Array, type: number) {
    this.bytes = bytes
    this.type = type
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  need(n: number, field: string): void {
    if (this.pos + n > this.bytes.length) throw bad(this.type, field, `needs ${n} more bytes but the payload has ${this.bytes.length - this.pos} left (payload of ${this.bytes.length} bytes)`)
  }
  u8(field: string): number {
    this.need(1, field)
    return this.view.getUint8(this.pos++)
  }
  u16(field: string): number {
    this.need(2, field)
    const v = this.view.getUint16(this.pos, true)
    this.pos += 2
    return v
  }
  u32(field: string): number {
    this.need(4, field)
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }
  f32(field: string): number {
    this.need(4, field)
    const v = this.view.getFloat32(this.pos, true)
    this.pos += 4
    if (!Number.isFinite(v)) throw bad(this.type, field, `must be a finite number (received ${v})`)
    return v
  }
  zero(n: number, field: string): void {
    for (let i = 0; i < n; i++) if (this.u8(field) !== 0) throw bad(this.type, field, 'is reserved and must be 0')
  }
  range(field: string, v: number, min: number, max: number): number {
    if (v < min || v > max) throw bad(this.type, field, `must be between ${min} and ${max} (received ${v})`)
    return v
  }
  str(field: string, lenBytes: 1 | 2, max: number): string {
    const n = lenBytes === 1 ? this.u8(`${field} length`) : this.u16(`${field} length`)
    this.range(`${field} length`, n, 0, max)
    this.need(n, field)
    const slice = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    let text: string
    try {
      text = utf8Strict.decode(slice)
    } catch {
      throw bad(this.type, field, 'is not valid UTF-8')
    }
    // the text reaches a terminal and the database: a control character (an escape sequence that
    // rewrites the terminal, a line break that forges a log line) is refused in a name (str8) and
    // shown as U+FFFD in a message (str16), which is for a person and still says what happened
    const control = /[\u0000-\u001f\u007f-\u009f]/
    if (lenBytes === 1) {
      const m = control.exec(text)
      if (m) throw bad(this.type, field, `contains a control character (U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at character ${m.index + 1}): names are printable text`)
      return text
    }
    return text.replace(new RegExp(control.source, 'g'), '\uFFFD')
  }
  /** `count` records of `size` bytes must be exactly what is left */
  records(count: number, size: number, field: string): void {
    const left = this.bytes.length - this.pos
    if (left !== count * size) throw bad(this.type, field, `announce ${count} records of ${size} bytes (${count * size} bytes) but the payload has ${left} left`)
  }
  end(): void {
    if (this.pos !== this.bytes.length) throw bad(this.type, 'payload', `has ${this.bytes.length - this.pos} bytes after its last field`)
  }
  u32array(count: number, stride: number, offset: number): Uint32Array {
    const out = new Uint32Array(count)
    for (let i = 0; i < count; i++) out[i] = this.view.getUint32(this.pos + i * stride + offset, true)
    return out
  }
  u8array(count: number, stride: number, offset: number): Uint8Array {
    const out = new Uint8Array(count)
    for (let i = 0; i < count; i++) out[i] = this.view.getUint8(this.pos + i * stride + offset)
    return out
  }
  skip(n: number): void {
    this.pos += n
  }
}

function checkCount(type: number, field: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw bad(type, field, `must be an integer between 0 and ${max} (received ${n})`)
}

function schemeOf(type: number, code: number): 'se1' | 'se2' {
  if (code === 1) return 'se1'
  if (code === 2) return 'se2'
  throw bad(type, 'weightScheme', `must be 1 (SE1) or 2 (SE2) (received ${code})`)
}

/** The payload bytes of a message (the frame around it: encodeFrame). Throws BAD_FRAME for values outside the bounds. */
export function encodePayload(m: Message): Uint8Array {
  const t = MessageType[m.type]
  switch (m.type) {
    case 'HELLO': {
      const name = clipUtf8(m.client, limits.nameBytes)
      const w = new Writer(5 + name.length)
      w.u16(m.version)
      w.u16(0)
      w.u8(name.length)
      w.bytes(name)
      return w.done()
    }
    case 'HELLO_ACK': {
      const strs = [m.model, m.serialNumber, m.firmware].map((s) => clipUtf8(s, limits.nameBytes))
      const w = new Writer(14 + strs.reduce((a, s) => a + 1 + s.length, 0))
      w.u16(m.version)
      w.u8(weightSchemeCode[m.weightScheme])
      w.u8(m.chips)
      w.u8(m.coresPerChip)
      w.u8(0)
      w.u16(m.neuronsPerCore)
      w.u16(m.fanIn)
      w.u16(m.fanOut)
      w.u16(m.inputChannels)
      for (const s of strs) {
        w.u8(s.length)
        w.bytes(s)
      }
      return w.done()
    }
    case 'CONFIG_BEGIN': {
      checkCount(t, 'cores', m.cores.length, limits.cores)
      checkCount(t, 'totalConnections', m.totalConnections, limits.totalConnections)
      const w = new Writer(8 + m.cores.length * CORE_BLOCK_BYTES)
      w.u8(weightSchemeCode[m.weightScheme])
      w.u8(0)
      w.u16(m.cores.length)
      w.u32(m.totalConnections)
      for (const c of m.cores) {
        w.u8(c.chip)
        w.u8(c.core)
        w.u16(c.neurons)
        for (const v of [c.tauMemMs, c.refractoryMs, c.threshold, c.resetPotential, c.bias, ...c.tauSynMs, ...c.baseWeights]) w.f32(v)
      }
      return w.done()
    }
    case 'CONFIG_CONNECTIONS': {
      const n = m.pre.length
      checkCount(t, 'count', n, limits.connectionsPerFrame)
      if (m.post.length !== n || m.types.length !== n || m.weights.length !== n) throw bad(t, 'connections', 'arrays must have one length')
      const w = new Writer(4 + n * CONNECTION_BYTES)
      w.u32(n)
      for (let i = 0; i < n; i++) {
        w.u32(m.pre[i])
        w.u32(m.post[i])
        w.u8(m.types[i])
        w.u8(m.weights[i])
        w.u16(0)
      }
      return w.done()
    }
    case 'CONFIG_COMMIT':
    case 'CLOSE':
      return new Uint8Array(0)
    case 'CONFIG_DONE': {
      const w = new Writer(16)
      w.u32(m.cores)
      w.u32(m.neurons)
      w.u32(m.connections)
      w.u32(m.camEntries)
      return w.done()
    }
    case 'RUN_START': {
      const w = new Writer(16)
      w.u32(m.runId)
      w.u32(m.durationUs)
      w.u8(m.input === 'events' ? 0 : 1)
      w.u8(m.record ? 1 : 0)
      w.u16(m.analogChannels)
      w.u32(m.samplePeriodUs)
      return w.done()
    }
    case 'STIM_EVENTS':
    case 'SPIKES': {
      const a = m.timesUs
      const b = m.type === 'SPIKES' ? m.neurons : m.channels
      checkCount(t, 'count', a.length, m.type === 'SPIKES' ? limits.spikesPerFrame : limits.eventsPerFrame)
      if (b.length !== a.length) throw bad(t, 'events', 'arrays must have one length')
      const w = new Writer(8 + a.length * EVENT_BYTES)
      w.u32(m.runId)
      w.u32(a.length)
      for (let i = 0; i < a.length; i++) {
        w.u32(a[i])
        w.u32(b[i])
      }
      return w.done()
    }
    case 'STIM_SAMPLES': {
      if (!Number.isInteger(m.channels) || m.channels < 1 || m.channels > limits.analogChannels) throw bad(t, 'channels', `must be between 1 and ${limits.analogChannels} (received ${m.channels})`)
      checkCount(t, 'values', m.values.length, limits.samplesPerFrame)
      if (m.values.length % m.channels !== 0) throw bad(t, 'values', `must be a whole number of samples of ${m.channels} channels (received ${m.values.length} values)`)
      const w = new Writer(16 + m.values.length * 4)
      w.u32(m.runId)
      w.u32(m.firstSample)
      w.u16(m.channels)
      w.u16(0)
      w.u32(m.values.length / m.channels)
      for (const v of m.values) w.f32(v)
      return w.done()
    }
    case 'STIM_END': {
      const w = new Writer(4)
      w.u32(m.runId)
      return w.done()
    }
    case 'RUN_PROGRESS': {
      const w = new Writer(8)
      w.u32(m.runId)
      w.u32(m.timeUs)
      return w.done()
    }
    case 'RUN_DONE': {
      const w = new Writer(16)
      w.u32(m.runId)
      w.u32(m.durationUs)
      w.u32(m.spikes)
      w.u32(m.inputEvents)
      return w.done()
    }
    case 'RESET': {
      const w = new Writer(4)
      w.u8(m.clearConfiguration ? 1 : 0)
      w.u8(0)
      w.u16(0)
      return w.done()
    }
    case 'PING':
    case 'PONG': {
      const w = new Writer(4)
      w.u32(m.nonce)
      return w.done()
    }
    case 'ACK': {
      const w = new Writer(4)
      w.u8(m.acked)
      w.u8(0)
      w.u16(0)
      return w.done()
    }
    case 'ERROR': {
      const text = clipUtf8(m.message, limits.messageBytes)
      const w = new Writer(6 + text.length)
      w.u16(m.code)
      w.u8(m.about)
      w.u8(0)
      w.u16(text.length)
      w.bytes(text)
      return w.done()
    }
  }
}

/** Parses the payload of a frame of the given type. Throws ProtocolError BAD_FRAME (UNSUPPORTED for an unknown type). */
export function decodePayload(type: number, payload: Uint8Array): Message {
  if (!isMessageType(type)) throw new ProtocolError('UNSUPPORTED', `message type ${messageTypeName(type)} is not part of protocol version ${PROTOCOL_VERSION}`)
  if (payload.length > maxPayload[type]) throw bad(type, 'payload', `is ${payload.length} bytes, more than the ${maxPayload[type]} allowed`)
  const r = new Reader(payload, type)
  const name = typeNames.get(type)!
  let m: Message
  switch (name) {
    case 'HELLO': {
      const version = r.u16('version')
      r.zero(2, 'reserved')
      m = { type: name, version, client: r.str('client', 1, limits.nameBytes) }
      break
    }
    case 'HELLO_ACK': {
      const version = r.u16('version')
      const weightScheme = schemeOf(type, r.u8('weightScheme'))
      const chips = r.range('chips', r.u8('chips'), 1, limits.chips)
      const coresPerChip = r.range('coresPerChip', r.u8('coresPerChip'), 1, limits.coresPerChip)
      r.zero(1, 'reserved')
      const neuronsPerCore = r.range('neuronsPerCore', r.u16('neuronsPerCore'), 1, limits.neuronsPerCore)
      const fanIn = r.range('fanIn', r.u16('fanIn'), 1, limits.fanIn)
      const fanOut = r.range('fanOut', r.u16('fanOut'), 1, limits.fanOut)
      const inputChannels = r.u16('inputChannels')
      const model = r.str('model', 1, limits.nameBytes)
      const serialNumber = r.str('serialNumber', 1, limits.nameBytes)
      const firmware = r.str('firmware', 1, limits.nameBytes)
      m = { type: name, version, weightScheme, chips, coresPerChip, neuronsPerCore, fanIn, fanOut, inputChannels, model, serialNumber, firmware }
      break
    }
    case 'CONFIG_BEGIN': {
      const weightScheme = schemeOf(type, r.u8('weightScheme'))
      r.zero(1, 'reserved')
      const count = r.range('cores', r.u16('cores'), 0, limits.cores)
      const totalConnections = r.range('totalConnections', r.u32('totalConnections'), 0, limits.totalConnections)
      r.records(count, CORE_BLOCK_BYTES, 'cores')
      const cores: CoreBlock[] = []
      for (let i = 0; i < count; i++) {
        const f = `cores[${i}]`
        const chip = r.u8(`${f}.chip`)
        const core = r.u8(`${f}.core`)
        const neurons = r.u16(`${f}.neurons`)
        const vals: number[] = []
        for (const k of ['tauMemMs', 'refractoryMs', 'threshold', 'resetPotential', 'bias', 'tauSynMs[0]', 'tauSynMs[1]', 'tauSynMs[2]', 'tauSynMs[3]', 'baseWeights[0]', 'baseWeights[1]', 'baseWeights[2]', 'baseWeights[3]']) vals.push(r.f32(`${f}.${k}`))
        cores.push({
          chip,
          core,
          neurons,
          tauMemMs: vals[0],
          refractoryMs: vals[1],
          threshold: vals[2],
          resetPotential: vals[3],
          bias: vals[4],
          tauSynMs: [vals[5], vals[6], vals[7], vals[8]],
          baseWeights: [vals[9], vals[10], vals[11], vals[12]],
        })
      }
      m = { type: name, weightScheme, totalConnections, cores }
      break
    }
    case 'CONFIG_CONNECTIONS': {
      const count = r.range('count', r.u32('count'), 1, limits.connectionsPerFrame)
      r.records(count, CONNECTION_BYTES, 'connections')
      const pre = r.u32array(count, CONNECTION_BYTES, 0)
      const post = r.u32array(count, CONNECTION_BYTES, 4)
      const types = r.u8array(count, CONNECTION_BYTES, 8)
      const weights = r.u8array(count, CONNECTION_BYTES, 9)
      for (let i = 0; i < count; i++) {
        if (types[i] > 3) throw bad(type, `connections[${i}].type`, `must be 0..3 (received ${types[i]})`)
        if (weights[i] === 0) throw bad(type, `connections[${i}].weight`, 'must be at least 1')
        const at = 4 + i * CONNECTION_BYTES + 10
        if (payload[at] !== 0 || payload[at + 1] !== 0) throw bad(type, `connections[${i}].reserved`, 'is reserved and must be 0')
      }
      r.skip(count * CONNECTION_BYTES)
      m = { type: name, pre, post, types, weights }
      break
    }
    case 'CONFIG_COMMIT':
    case 'CLOSE':
      m = { type: name }
      break
    case 'CONFIG_DONE':
      m = { type: name, cores: r.u32('cores'), neurons: r.u32('neurons'), connections: r.u32('connections'), camEntries: r.u32('camEntries') }
      break
    case 'RUN_START': {
      const runId = r.u32('runId')
      const durationUs = r.range('durationUs', r.u32('durationUs'), 1, 0xffff_ffff)
      const input = r.u8('input')
      if (input > 1) throw bad(type, 'input', `must be 0 (events) or 1 (samples) (received ${input})`)
      const flags = r.u8('flags')
      if (flags > 1) throw bad(type, 'flags', `has unknown bits set (received 0x${flags.toString(16)}; only bit 0, record, is defined)`)
      const analogChannels = r.u16('analogChannels')
      const samplePeriodUs = r.u32('samplePeriodUs')
      if (input === 1) {
        r.range('analogChannels', analogChannels, 1, limits.analogChannels)
        r.range('samplePeriodUs', samplePeriodUs, 1, 0xffff_ffff)
      } else if (analogChannels !== 0 || samplePeriodUs !== 0) throw bad(type, 'analogChannels and samplePeriodUs', 'must be 0 for event input')
      m = { type: name, runId, durationUs, input: input === 0 ? 'events' : 'samples', record: flags === 1, analogChannels, samplePeriodUs }
      break
    }
    case 'STIM_EVENTS':
    case 'SPIKES': {
      const runId = r.u32('runId')
      const count = r.range('count', r.u32('count'), 0, name === 'SPIKES' ? limits.spikesPerFrame : limits.eventsPerFrame)
      r.records(count, EVENT_BYTES, 'events')
      const timesUs = r.u32array(count, EVENT_BYTES, 0)
      const second = r.u32array(count, EVENT_BYTES, 4)
      r.skip(count * EVENT_BYTES)
      m = name === 'SPIKES' ? { type: name, runId, timesUs, neurons: second } : { type: name, runId, timesUs, channels: second }
      break
    }
    case 'STIM_SAMPLES': {
      const runId = r.u32('runId')
      const firstSample = r.u32('firstSample')
      const channels = r.range('channels', r.u16('channels'), 1, limits.analogChannels)
      r.zero(2, 'reserved')
      const samples = r.u32('sampleCount')
      if (samples * channels > limits.samplesPerFrame) throw bad(type, 'sampleCount × channels', `must be at most ${limits.samplesPerFrame} (received ${samples} × ${channels})`)
      r.records(samples * channels, 4, 'values')
      const values = new Float32Array(samples * channels)
      for (let i = 0; i < values.length; i++) values[i] = r.f32(`values[${i}]`)
      m = { type: name, runId, firstSample, channels, values }
      break
    }
    case 'STIM_END':
      m = { type: name, runId: r.u32('runId') }
      break
    case 'RUN_PROGRESS':
      m = { type: name, runId: r.u32('runId'), timeUs: r.u32('timeUs') }
      break
    case 'RUN_DONE':
      m = { type: name, runId: r.u32('runId'), durationUs: r.u32('durationUs'), spikes: r.u32('spikes'), inputEvents: r.u32('inputEvents') }
      break
    case 'RESET': {
      const flags = r.u8('flags')
      if (flags > 1) throw bad(type, 'flags', `has unknown bits set (received 0x${flags.toString(16)}; only bit 0, clear configuration, is defined)`)
      r.zero(3, 'reserved')
      m = { type: name, clearConfiguration: flags === 1 }
      break
    }
    case 'PING':
    case 'PONG':
      m = { type: name, nonce: r.u32('nonce') }
      break
    case 'ACK': {
      const acked = r.u8('acked')
      r.zero(3, 'reserved')
      m = { type: name, acked }
      break
    }
    case 'ERROR': {
      const code = r.u16('code')
      const about = r.u8('about')
      r.zero(1, 'reserved')
      m = { type: name, code, about, message: r.str('message', 2, limits.messageBytes) }
      break
    }
  }
  r.end()
  return m
}
