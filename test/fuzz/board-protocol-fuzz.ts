// Fuzzer of the board protocol's codec (src/hardware/protocol): random and mutated frames fed to the
// streaming decoder in random chunks, every frame's payload parsed.
//
//   node test/fuzz/board-protocol-fuzz.ts --cases N --seed S [--json]
//
// Four kinds of case, in turn:
//   random     random bytes; half of them start with the magic, some with a whole random header
//              (random type, flags and length, its header check right or wrong)
//   mutated    a stream of 1-4 valid random messages, then 1-8 mutations (bit flips, byte sets,
//              insertions, deletions, truncation, a repeated stretch)
//   payload    a frame of a known type with random payload bytes and correct checks: the parser
//              alone must accept or refuse it
//   valid      a stream of valid random messages in random chunks: must decode to the same messages
// A case passes when nothing but a ProtocolError with a protocol code escapes, a refused case names a
// code, a mutated stream is refused unless it is the original or a whole-frame prefix of it, a
// valid stream decodes exactly, and no frame buffer larger than its type's bound is ever allocated.
// Exit code 0 when every case passed.
import { ProtocolError, protocolErrorCodes } from '../../src/hardware/protocol/errors.ts'
import { encodeFrame, encodeMessage, decodeMessage, FrameDecoder, HEADER_BYTES, MAX_FRAME_BYTES, type Frame } from '../../src/hardware/protocol/frame.ts'
import { crc32c } from '../../src/hardware/protocol/crc32c.ts'
import { limits, maxPayload, MessageType, type Message } from '../../src/hardware/protocol/messages.ts'

export interface ProtocolFuzzFigures {
  cases: number
  seed: number
  accepted: number
  refused: number
  refusedByCode: Record<string, number>
  byKind: Record<string, number>
  framesDecoded: number
  bytes: number
  largestFrameBuffer: number
  seconds: number
  violations: { case: number; kind: string; detail: string }[]
}

/** mulberry32: a small seeded generator (test code only). */
function makeRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rand = ReturnType<typeof makeRng>
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
const bytes = (r: Rand, n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
const f32 = (r: Rand): number => Math.fround((r() - 0.5) * 200)
const str = (r: Rand, max: number): string => Array.from({ length: int(r, 0, max) }, () => pick(r, ['a', 'Z', '0', ' ', 'é', '€', '😀'])).join('')

/** A valid message of a random type with random values within the bounds. */
export function randomMessage(r: Rand): Message {
  const n = (max: number): number => int(r, 0, max)
  const u32 = (): number => int(r, 0, 0xffffffff)
  switch (pick(r, Object.keys(MessageType) as (keyof typeof MessageType)[])) {
    case 'HELLO':
      return { type: 'HELLO', version: int(r, 0, 65535), client: str(r, 12) }
    case 'HELLO_ACK':
      return {
        type: 'HELLO_ACK',
        version: int(r, 0, 65535),
        weightScheme: pick(r, ['se1', 'se2'] as const),
        chips: int(r, 1, limits.chips),
        coresPerChip: int(r, 1, limits.coresPerChip),
        neuronsPerCore: int(r, 1, limits.neuronsPerCore),
        fanIn: int(r, 1, limits.fanIn),
        fanOut: int(r, 1, limits.fanOut),
        inputChannels: int(r, 0, 65535),
        model: str(r, 10),
        serialNumber: str(r, 10),
        firmware: str(r, 10),
      }
    case 'CONFIG_BEGIN':
      return {
        type: 'CONFIG_BEGIN',
        weightScheme: pick(r, ['se1', 'se2'] as const),
        totalConnections: int(r, 0, limits.totalConnections),
        cores: Array.from({ length: n(5) }, () => ({
          chip: n(255),
          core: n(255),
          neurons: n(65535),
          tauMemMs: f32(r),
          refractoryMs: f32(r),
          threshold: f32(r),
          resetPotential: f32(r),
          bias: f32(r),
          tauSynMs: [f32(r), f32(r), f32(r), f32(r)],
          baseWeights: [f32(r), f32(r), f32(r), f32(r)],
        })),
      }
    case 'CONFIG_CONNECTIONS': {
      const k = int(r, 1, 40)
      return {
        type: 'CONFIG_CONNECTIONS',
        pre: Uint32Array.from({ length: k }, u32),
        post: Uint32Array.from({ length: k }, u32),
        types: Uint8Array.from({ length: k }, () => n(3)),
        weights: Uint8Array.from({ length: k }, () => int(r, 1, 255)),
      }
    }
    case 'CONFIG_COMMIT':
      return { type: 'CONFIG_COMMIT' }
    case 'CONFIG_DONE':
      return { type: 'CONFIG_DONE', cores: u32(), neurons: u32(), connections: u32(), camEntries: u32() }
    case 'RUN_START': {
      const samples = r() < 0.5
      return {
        type: 'RUN_START',
        runId: u32(),
        durationUs: int(r, 1, 0xffffffff),
        input: samples ? 'samples' : 'events',
        record: r() < 0.5,
        analogChannels: samples ? int(r, 1, limits.analogChannels) : 0,
        samplePeriodUs: samples ? int(r, 1, 0xffffffff) : 0,
      }
    }
    case 'STIM_EVENTS': {
      const k = n(50)
      return { type: 'STIM_EVENTS', runId: u32(), timesUs: Uint32Array.from({ length: k }, u32), channels: Uint32Array.from({ length: k }, u32) }
    }
    case 'STIM_SAMPLES': {
      const channels = int(r, 1, 8)
      return { type: 'STIM_SAMPLES', runId: u32(), firstSample: u32(), channels, values: Float32Array.from({ length: channels * n(10) }, () => f32(r)) }
    }
    case 'STIM_END':
      return { type: 'STIM_END', runId: u32() }
    case 'SPIKES': {
      const k = n(50)
      return { type: 'SPIKES', runId: u32(), timesUs: Uint32Array.from({ length: k }, u32), neurons: Uint32Array.from({ length: k }, u32) }
    }
    case 'RUN_PROGRESS':
      return { type: 'RUN_PROGRESS', runId: u32(), timeUs: u32() }
    case 'RUN_DONE':
      return { type: 'RUN_DONE', runId: u32(), durationUs: u32(), spikes: u32(), inputEvents: u32() }
    case 'RESET':
      return { type: 'RESET', clearConfiguration: r() < 0.5 }
    case 'CLOSE':
      return { type: 'CLOSE' }
    case 'PING':
      return { type: 'PING', nonce: u32() }
    case 'PONG':
      return { type: 'PONG', nonce: u32() }
    case 'ACK':
      return { type: 'ACK', acked: n(255) }
    case 'ERROR':
      return { type: 'ERROR', code: int(r, 0, 65535), about: n(255), message: str(r, 40) }
  }
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

function mutate(r: Rand, src: Uint8Array): Uint8Array {
  let b = Array.from(src)
  for (let k = int(r, 1, 8); k > 0; k--) {
    const at = int(r, 0, Math.max(0, b.length - 1))
    switch (int(r, 0, 5)) {
      case 0:
        if (b.length) b[at] ^= 1 << int(r, 0, 7)
        break
      case 1:
        if (b.length) b[at] = int(r, 0, 255)
        break
      case 2:
        b.splice(at, 0, ...bytes(r, int(r, 1, 8)))
        break
      case 3:
        b.splice(at, int(r, 1, 8))
        break
      case 4:
        b = b.slice(0, at)
        break
      case 5: {
        const len = int(r, 1, 24)
        b.splice(at, 0, ...b.slice(at, at + len))
        break
      }
    }
  }
  return Uint8Array.from(b)
}

function randomHeaderStream(r: Rand): Uint8Array {
  const types = Object.values(MessageType)
  const type = r() < 0.8 ? pick(r, types) : int(r, 0, 255)
  const h = new Uint8Array(HEADER_BYTES)
  const v = new DataView(h.buffer)
  h[0] = 0x4d
  h[1] = 0x42
  h[2] = type
  h[3] = r() < 0.8 ? 0 : int(r, 0, 255)
  v.setUint32(4, int(r, 0, 0xffffffff), true)
  const len = r() < 0.3 ? int(r, 0, 0xffffffff) : r() < 0.5 ? (maxPayload[type] ?? 0) + int(r, 1, 3) : int(r, 0, Math.min(64, maxPayload[type] ?? 64))
  v.setUint32(8, len, true)
  v.setUint32(12, r() < 0.7 ? crc32c(h, 0, 12) : int(r, 0, 0xffffffff), true)
  return concat([h, bytes(r, int(r, 0, 80))])
}

interface Outcome {
  frames: Frame[]
  messages: Message[]
  error: ProtocolError | null
  largest: number
}

/** Feeds bytes in random chunks to a strict decoder and parses every frame; throws only what escaped (a violation). */
function decode(r: Rand, stream: Uint8Array): Outcome {
  const d = new FrameDecoder()
  const frames: Frame[] = []
  const messages: Message[] = []
  let error: ProtocolError | null = null
  let largest = 0
  let i = 0
  while (i < stream.length && !error) {
    const n = r() < 0.3 ? 1 : int(r, 1, 64)
    for (const item of d.push(stream.subarray(i, i + n))) {
      if (item.error) {
        error = item.error
        break
      }
      frames.push(item.frame)
      try {
        messages.push(decodeMessage(item.frame))
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e
        error = e
        break
      }
    }
    largest = Math.max(largest, d.expectedBytes ?? 0)
    i += n
  }
  if (!error) error = d.end()
  return { frames, messages, error, largest }
}

const codes = new Set<string>(Object.keys(protocolErrorCodes))

export function runProtocolFuzz(opts: { cases: number; seed: number }): ProtocolFuzzFigures {
  const r = makeRng(opts.seed)
  const fig: ProtocolFuzzFigures = {
    cases: opts.cases,
    seed: opts.seed,
    accepted: 0,
    refused: 0,
    refusedByCode: {},
    byKind: {},
    framesDecoded: 0,
    bytes: 0,
    largestFrameBuffer: 0,
    seconds: 0,
    violations: [],
  }
  const t0 = performance.now()
  const kinds = ['random', 'mutated', 'payload', 'valid'] as const
  for (let c = 0; c < opts.cases; c++) {
    const kind = kinds[c % kinds.length]
    fig.byKind[kind] = (fig.byKind[kind] ?? 0) + 1
    const violation = (detail: string): void => {
      if (fig.violations.length < 50) fig.violations.push({ case: c, kind, detail })
    }
    let originals: Message[] = []
    let original: Uint8Array | null = null
    let stream: Uint8Array
    if (kind === 'random') {
      stream = r() < 0.5 ? bytes(r, int(r, 0, 256)) : r() < 0.5 ? concat([Uint8Array.of(0x4d, 0x42), bytes(r, int(r, 0, 256))]) : randomHeaderStream(r)
    } else if (kind === 'mutated' || kind === 'valid') {
      originals = Array.from({ length: int(r, 1, 4) }, () => randomMessage(r))
      original = concat(originals.map((m, k) => encodeMessage(m, k + 1)))
      stream = kind === 'mutated' ? mutate(r, original) : original
    } else {
      const type = pick(r, Object.values(MessageType))
      stream = encodeFrame(type, 1, bytes(r, int(r, 0, Math.min(maxPayload[type], 200))))
    }
    fig.bytes += stream.length
    let out: Outcome
    try {
      out = decode(r, stream)
    } catch (e) {
      violation(`escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
      continue
    }
    fig.framesDecoded += out.frames.length
    fig.largestFrameBuffer = Math.max(fig.largestFrameBuffer, out.largest)
    if (out.largest > MAX_FRAME_BYTES) violation(`a frame buffer of ${out.largest} bytes, more than ${MAX_FRAME_BYTES}`)
    for (const f of out.frames) if (f.payload.length > maxPayload[f.type]) violation(`a ${f.type} payload of ${f.payload.length} bytes passed its bound`)
    if (out.error) {
      fig.refused++
      fig.refusedByCode[out.error.code] = (fig.refusedByCode[out.error.code] ?? 0) + 1
      if (!codes.has(out.error.code)) violation(`refused with a code outside the protocol: ${out.error.code}`)
      if (!out.error.message) violation('refused without a message')
      if (kind === 'valid') violation(`a valid stream was refused: ${out.error.message}`)
      continue
    }
    fig.accepted++
    if (kind === 'valid') {
      if (!sameMessages(out.messages, originals)) violation('a valid stream decoded to other messages')
    } else if (kind === 'mutated') {
      const same = original!.length === stream.length && original!.every((b, k) => b === stream[k])
      const prefix = out.messages.length <= originals.length && sameMessages(out.messages, originals.slice(0, out.messages.length))
      if (same ? !sameMessages(out.messages, originals) : !prefix) violation('a mutated stream was accepted as other messages than the original (or a whole-frame prefix of it)')
    }
  }
  fig.seconds = (performance.now() - t0) / 1000
  return fig
}

function sameMessages(a: Message[], b: Message[]): boolean {
  if (a.length !== b.length) return false
  const norm = (m: Message): string => JSON.stringify(m, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v))
  return a.every((m, k) => norm(m) === norm(b[k]))
}


if (import.meta.main) {
  const args = process.argv.slice(2)
  const get = (name: string, dflt: number): number => {
    const k = args.indexOf(name)
    if (k < 0) return dflt
    const v = Number(args[k + 1])
    if (!Number.isInteger(v) || v < 0) {
      process.stderr.write(`board-protocol-fuzz: ${name} needs a non-negative integer\n`)
      process.exit(2)
    }
    return v
  }
  const fig = runProtocolFuzz({ cases: get('--cases', 100_000), seed: get('--seed', 1) })
  if (args.includes('--json')) process.stdout.write(JSON.stringify(fig) + '\n')
  else {
    process.stdout.write(
      [
        `board protocol codec: ${fig.cases} cases (seed ${fig.seed}) in ${fig.seconds.toFixed(1)} s, ${(fig.bytes / 2 ** 20).toFixed(1)} MiB`,
        `  accepted ${fig.accepted}, refused ${fig.refused}: ${Object.entries(fig.refusedByCode)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        `  frames decoded ${fig.framesDecoded}, largest frame buffer ${fig.largestFrameBuffer} bytes (bound ${MAX_FRAME_BYTES})`,
        `  violations ${fig.violations.length}`,
        ...fig.violations.map((v) => `    case ${v.case} (${v.kind}): ${v.detail}`),
      ].join('\n') + '\n',
    )
  }
  process.exit(fig.violations.length ? 1 : 0)
}
