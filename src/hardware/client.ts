// The workbench's side of the board link: connect, handshake (with the version check), configure,
// stream a stimulus and the recorded spikes, reset, close (docs/board-protocol.md §4).
//
// Every failure of the link ends what is waiting within the limits of §4.1 with a ProtocolError that
// says what happened and where: the peer closed or was killed (CLOSED), a corrupt frame (CHECKSUM,
// BAD_FRAME), a frame cut short (BAD_FRAME "truncated frame"), a silent link (STALLED), a protocol
// version mismatch (VERSION_MISMATCH). After such a failure the client is closed and every call
// rejects with the same error. An ERROR the board sends about one request (an invalid configuration,
// a refused stimulus) rejects that request only.
import { concatArrays } from '../shared/arrays.ts'
import { type BoardHandshake, type DeployedConfiguration } from '../shared/board.ts'
import type { ConfigurationSummary } from './chip/chip.ts'
import { errorName, ProtocolError } from './protocol/errors.ts'
import { decodeMessage, encodeMessage, FrameDecoder, HEADER_BYTES } from './protocol/frame.ts'
import { messageTypeName, PROTOCOL_VERSION, type Message, type MessageOf } from './protocol/messages.ts'
import { openTransport, parseAddress, type Transport } from './transport.ts'

export interface ClientOptions {
  /** the protocol version to ask for (default: this code's) */
  version?: number
  /** the client's name in HELLO */
  clientName?: string
  connectTimeoutMs?: number
  /** limit for any reply, and between the frames of a run after STIM_END */
  replyTimeoutMs?: number
  /** limit for the rest of a frame that began to arrive, after its last byte (and, with its size at half the link's rate, after its first) */
  frameTimeoutMs?: number
}

export const clientDefaults = { connectTimeoutMs: 1500, replyTimeoutMs: 1500, frameTimeoutMs: 1000 } as const

export type RunInput =
  | { kind: 'events'; timesUs: Uint32Array; channels: Uint32Array }
  | { kind: 'samples'; channels: number; samplePeriodUs: number; values: Float32Array }

export interface RunResult {
  runId: number
  durationUs: number
  /** spikes the board counted (also when not recorded) */
  spikeCount: number
  inputEvents: number
  /** the recorded spikes, in time order (empty when record is false) */
  timesUs: Uint32Array
  neurons: Uint32Array
}

interface Waiter {
  seq: number
  expect: MessageTypeName[]
  what: string
  resolve: (m: Message) => void
  reject: (e: ProtocolError) => void
}
type MessageTypeName = Message['type']

const eventsPerFrame = 8192
const valuesPerFrame = 16_384

export class BoardClient {
  readonly address: string
  handshake!: BoardHandshake
  private readonly transport: Transport
  private readonly decoder: FrameDecoder
  private readonly opts: Required<Omit<ClientOptions, 'clientName'>> & { clientName: string }
  private seq = 0
  private waiters = new Map<number, Waiter>()
  private failure: ProtocolError | null = null
  private lastByteAt = performance.now()
  /** when the frame being received began to arrive */
  private frameStartAt = performance.now()
  /**
   * when the board last did what it is there for: answered, or streamed its run onward (a PING of
   * its own, or a keep-alive after STIM_END that does not advance the run's time, is not progress)
   */
  private lastProgressAt = performance.now()
  /** whether frames that are not progress arrived since lastProgressAt (for the stall's message) */
  private idleFrames = false
  /** the slowest rate a frame may arrive at, bytes/s: half a serial line's, or 256 kB/s over TCP */
  private readonly minBytesPerSecond: number
  /** when the last request was sent: a reply is due replyTimeoutMs after the later of this and the last byte */
  private lastRequestAt = performance.now()
  private watchdog: NodeJS.Timeout | null = null
  /** the run that is streaming, if any */
  private run: {
    runId: number
    durationUs: number
    record: boolean
    ended: boolean
    /** the latest time of the run the board reported (a spike or RUN_PROGRESS), µs; -1 before any */
    timeUs: number
    /** the time of the latest spike, µs; -1 before any */
    lastSpikeUs: number
    /** the board refused a stimulus frame of this run (INVALID_STIMULUS): the run is over */
    error: ProtocolError | null
    times: Uint32Array[]
    neurons: Uint32Array[]
    onSpikes?: (timesUs: Uint32Array, neurons: Uint32Array) => void
    onProgress?: (timeUs: number) => void
  } | null = null
  private nextRunId = 1
  private closing = false
  private readonly failureFns: ((e: ProtocolError) => void)[] = []

  private constructor(transport: Transport, opts: ClientOptions) {
    this.transport = transport
    this.address = transport.address
    // a serial line may carry the end of an earlier session: until the handshake, skip what does not parse
    this.decoder = new FrameDecoder(transport.kind === 'serial' ? 'resync' : 'strict')
    // ... and start numbering somewhere that session did not: its replies cannot pass for ours
    if (transport.kind === 'serial') this.seq = 1 + Math.floor(Math.random() * 0x7fff_0000)
    this.opts = {
      version: opts.version ?? PROTOCOL_VERSION,
      clientName: opts.clientName ?? 'mimic-workbench',
      connectTimeoutMs: opts.connectTimeoutMs ?? clientDefaults.connectTimeoutMs,
      replyTimeoutMs: opts.replyTimeoutMs ?? clientDefaults.replyTimeoutMs,
      frameTimeoutMs: opts.frameTimeoutMs ?? clientDefaults.frameTimeoutMs,
    }
    const a = parseAddress(transport.address)
    this.minBytesPerSecond = a.kind === 'serial' ? a.baudRate / 20 : 256_000
    transport.onData((chunk) => this.receive(chunk))
    transport.onClose((err) => this.peerClosed(err))
  }

  /** Opens the link to a board and makes the handshake; rejects with a ProtocolError naming what failed. */
  static async connect(address: string, opts: ClientOptions = {}): Promise<BoardClient> {
    let transport: Transport
    try {
      transport = await openTransport(address, opts.connectTimeoutMs ?? clientDefaults.connectTimeoutMs)
    } catch (e) {
      if (e instanceof ProtocolError) throw e
      throw new ProtocolError('CONNECT_FAILED', e instanceof Error ? e.message : String(e))
    }
    const client = new BoardClient(transport, opts)
    try {
      await client.hello()
    } catch (e) {
      await client.close().catch(() => {})
      throw e
    }
    return client
  }

  /** Calls fn once when the link ends on a failure (the board gone, a fault, a cancelled run); not on close(). */
  onFailure(fn: (e: ProtocolError) => void): void {
    if (this.failure && !this.closing) fn(this.failure)
    else this.failureFns.push(fn)
  }

  /** The error that ended the link, or null while it works. */
  get error(): ProtocolError | null {
    return this.failure
  }

  private async hello(): Promise<void> {
    const reply = (await this.request({ type: 'HELLO', version: this.opts.version, client: this.opts.clientName }, ['HELLO_ACK'], 'the handshake (HELLO)')) as MessageOf<'HELLO_ACK'>
    if (reply.version !== this.opts.version) {
      const e = new ProtocolError('VERSION_MISMATCH', `protocol version mismatch: the board at ${this.address} speaks version ${reply.version}, this workbench speaks version ${this.opts.version}; update the board's bridge or the workbench so that both speak one version`)
      this.fail(e)
      throw e
    }
    this.handshake = {
      protocolVersion: reply.version,
      model: reply.model,
      serialNumber: reply.serialNumber,
      firmware: reply.firmware,
      chips: reply.chips,
      coresPerChip: reply.coresPerChip,
      neuronsPerCore: reply.neuronsPerCore,
      fanIn: reply.fanIn,
      fanOut: reply.fanOut,
      weightScheme: reply.weightScheme,
      inputChannels: reply.inputChannels,
    }
  }

  /** Sends a deployed configuration; resolves with what the board says it uses. */
  async configure(config: DeployedConfiguration): Promise<ConfigurationSummary> {
    const n = config.connections.length
    await this.request(
      {
        type: 'CONFIG_BEGIN',
        weightScheme: config.weightScheme,
        totalConnections: n,
        cores: config.cores.map((c) => ({ chip: c.chip, core: c.core, neurons: c.neurons, ...c.params })),
      },
      ['ACK'],
      'CONFIG_BEGIN',
    )
    for (let i = 0; i < n; i += 65_536) {
      const part = config.connections.slice(i, i + 65_536)
      await this.request(
        {
          type: 'CONFIG_CONNECTIONS',
          pre: Uint32Array.from(part, (c) => c.pre),
          post: Uint32Array.from(part, (c) => c.post),
          types: Uint8Array.from(part, (c) => c.type),
          weights: Uint8Array.from(part, (c) => c.weight),
        },
        ['ACK'],
        `CONFIG_CONNECTIONS (connections ${i}..${i + part.length - 1})`,
      )
    }
    const done = (await this.request({ type: 'CONFIG_COMMIT' }, ['CONFIG_DONE'], 'CONFIG_COMMIT')) as MessageOf<'CONFIG_DONE'>
    return { cores: done.cores, neurons: done.neurons, connections: done.connections, camEntries: done.camEntries }
  }

  /**
   * Runs a stimulus and records spikes. The stimulus is sent in frames; spikes arrive as the board
   * produces them (onSpikes), and all of them are in the result when record is true.
   */
  async runStimulus(
    input: RunInput,
    opts: { durationUs: number; record?: boolean; onSpikes?: (timesUs: Uint32Array, neurons: Uint32Array) => void; onProgress?: (timeUs: number) => void; signal?: AbortSignal },
  ): Promise<RunResult> {
    this.check()
    if (opts.signal?.aborted) throw new ProtocolError('CANCELLED', `the run on the board at ${this.address} was cancelled before it started`)
    if (this.run) throw new ProtocolError('BAD_STATE', `a run (${this.run.runId}) is already streaming on ${this.address}`)
    const durationUs = opts.durationUs
    if (!Number.isInteger(durationUs) || durationUs < 1 || durationUs > 0xffff_ffff) throw new ProtocolError('INVALID_STIMULUS', `durationUs must be an integer between 1 and ${0xffff_ffff} (received ${durationUs})`)
    this.checkInput(input, durationUs)
    const record = opts.record ?? true
    const runId = this.nextRunId++
    const samples = input.kind === 'samples'
    // the run is known before RUN_START leaves: the board's first frames of it may follow its ACK at once
    this.run = { runId, durationUs, record, ended: false, timeUs: -1, lastSpikeUs: -1, error: null, times: [], neurons: [], onSpikes: opts.onSpikes, onProgress: opts.onProgress }
    // cancelled while it streams: the board is told to end the run (RESET) and the session, at once
    const onAbort = (): void => this.cancelRun(runId)
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.request(
        { type: 'RUN_START', runId, durationUs, input: input.kind, record, analogChannels: samples ? input.channels : 0, samplePeriodUs: samples ? input.samplePeriodUs : 0 },
        ['ACK'],
        `RUN_START of run ${runId}`,
      )
      if (input.kind === 'events') {
        for (let i = 0; i < input.timesUs.length; i += eventsPerFrame) {
          await this.send({ type: 'STIM_EVENTS', runId, timesUs: input.timesUs.subarray(i, i + eventsPerFrame), channels: input.channels.subarray(i, i + eventsPerFrame) })
          if (this.run.error) throw this.run.error
        }
      } else {
        const per = Math.max(1, Math.floor(valuesPerFrame / input.channels)) * input.channels
        for (let i = 0; i < input.values.length; i += per) {
          await this.send({ type: 'STIM_SAMPLES', runId, firstSample: i / input.channels, channels: input.channels, values: input.values.subarray(i, i + per) })
          if (this.run.error) throw this.run.error
        }
      }
      if (this.run.error) throw this.run.error
      this.run.ended = true
      const done = (await this.request({ type: 'STIM_END', runId }, ['RUN_DONE'], `the end of run ${runId} (RUN_DONE)`)) as MessageOf<'RUN_DONE'>
      const r = this.run
      // the board's own count: spikes it counted but did not send were lost on the way (or never sent)
      const sent = r.times.reduce((n, t) => n + t.length, 0)
      const wrong =
        done.runId !== runId
          ? `RUN_DONE of run ${done.runId} in reply to the end of run ${runId}`
          : record && done.spikes !== sent
            ? `RUN_DONE of run ${runId} counting ${done.spikes} spikes, but ${sent} arrived: spikes were lost on the way`
            : null
      if (wrong) {
        const e = new ProtocolError('BAD_FRAME', `the board at ${this.address} sent ${wrong}`)
        this.fail(e)
        throw e
      }
      return {
        runId,
        durationUs: done.durationUs,
        spikeCount: done.spikes,
        inputEvents: done.inputEvents,
        timesUs: concatU32(r.times),
        neurons: concatU32(r.neurons),
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
      this.run = null
      if (!this.waiters.size) this.stopWatchdog()
    }
  }

  /**
   * Ends a streaming run from this side: every wait rejects with CANCELLED, the board is sent RESET
   * (which ends its run without RUN_DONE) and CLOSE without waiting for their replies, and the link
   * is closed. The client is done after it, as after any failure.
   */
  private cancelRun(runId: number): void {
    if (this.failure || this.closing) return
    this.fail(new ProtocolError('CANCELLED', `run ${runId} on the board at ${this.address} was cancelled; the board was told to end it (RESET) and the link was closed`), [
      { type: 'RESET', clearConfiguration: false },
      { type: 'CLOSE' },
    ])
  }

  async reset(clearConfiguration = false): Promise<void> {
    await this.request({ type: 'RESET', clearConfiguration }, ['ACK'], 'RESET')
  }

  /** Round trip time of a PING, ms. */
  async ping(): Promise<number> {
    const t0 = performance.now()
    const nonce = (Math.random() * 0xffff_ffff) >>> 0
    const m = (await this.request({ type: 'PING', nonce }, ['PONG'], 'PING')) as MessageOf<'PONG'>
    if (m.nonce !== nonce) this.fail(new ProtocolError('BAD_FRAME', `the board at ${this.address} answered PING ${nonce} with PONG ${m.nonce}`))
    return performance.now() - t0
  }

  /** Says CLOSE (when the link still works) and closes the transport. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (!this.failure && !this.transport.closed && this.handshake) {
      await this.request({ type: 'CLOSE' }, ['ACK'], 'CLOSE').catch(() => {})
    }
    this.stopWatchdog()
    if (!this.failure) this.failure = new ProtocolError('CLOSED', `the link to ${this.address} was closed by this client`)
    for (const w of this.waiters.values()) w.reject(this.failure)
    this.waiters.clear()
    await this.transport.close()
  }

  private checkInput(input: RunInput, durationUs: number): void {
    const g = this.handshake
    if (input.kind === 'events') {
      const { timesUs: t, channels: c } = input
      if (t.length !== c.length) throw new ProtocolError('INVALID_STIMULUS', `timesUs and channels must have one length (received ${t.length} and ${c.length})`)
      for (let i = 0; i < t.length; i++) {
        if (i > 0 && t[i] < t[i - 1]) throw new ProtocolError('INVALID_STIMULUS', `input event ${i} at ${t[i]} µs comes before event ${i - 1} at ${t[i - 1]} µs: events must be in time order`)
        if (t[i] >= durationUs) throw new ProtocolError('INVALID_STIMULUS', `input event ${i} at ${t[i]} µs is not within the run of ${durationUs} µs`)
        if (c[i] >= g.inputChannels) throw new ProtocolError('INVALID_STIMULUS', `input event ${i} is on channel ${c[i]} but the board has ${g.inputChannels} input channels`)
      }
    } else {
      if (!Number.isInteger(input.channels) || input.channels < 1 || input.channels > Math.min(1024, g.inputChannels)) {
        throw new ProtocolError('INVALID_STIMULUS', `analog input needs 1..${Math.min(1024, g.inputChannels)} channels (received ${input.channels})`)
      }
      if (!Number.isInteger(input.samplePeriodUs) || input.samplePeriodUs < 1) throw new ProtocolError('INVALID_STIMULUS', `samplePeriodUs must be a positive integer (received ${input.samplePeriodUs})`)
      if (input.values.length % input.channels !== 0) throw new ProtocolError('INVALID_STIMULUS', `the samples must be whole samples of ${input.channels} channels (received ${input.values.length} values)`)
      const bad = input.values.findIndex((v) => !Number.isFinite(v))
      if (bad >= 0) throw new ProtocolError('INVALID_STIMULUS', `sample value ${bad} is ${input.values[bad]}: analog input must be finite`)
    }
  }

  private check(): void {
    if (this.failure) throw this.failure
  }

  /** Sends a frame that has no reply (a stimulus; a PONG with the PING's number). */
  private async send(m: Message, seq = ++this.seq): Promise<void> {
    this.check()
    // a board that stops reading stops the stream: a frame not taken within the reply limit is a stall
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.fail(new ProtocolError('STALLED', `the board at ${this.address} stopped reading: a ${m.type} frame could not be sent within ${this.opts.replyTimeoutMs} ms ${this.waitingFor()} (stalled link, or the board hangs)`))
        resolve()
      }, this.opts.replyTimeoutMs)
    })
    await Promise.race([this.transport.write(encodeMessage(m, seq)), limit])
    clearTimeout(timer)
    this.check()
  }

  /** Sends a request and waits for its reply (or an ERROR about it). */
  private request(m: Message, expect: MessageTypeName[], what: string): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure)
    const seq = ++this.seq
    const p = new Promise<Message>((resolve, reject) => {
      this.waiters.set(seq, { seq, expect, what, resolve, reject })
    })
    this.lastRequestAt = performance.now()
    this.startWatchdog()
    this.transport.write(encodeMessage(m, seq)).catch((e: unknown) => this.fail(e instanceof ProtocolError ? e : new ProtocolError('CLOSED', `cannot send to the board at ${this.address}: ${String(e)}`)))
    return p.finally(() => {
      this.waiters.delete(seq)
      if (!this.waiters.size && !this.run) this.stopWatchdog()
    })
  }

  private progressed(): void {
    this.lastProgressAt = performance.now()
    this.idleFrames = false
  }

  /** What is wrong with a SPIKES frame of run r, or null: spikes come in time order, within the run, of neurons the board has. */
  private badSpike(r: { durationUs: number; lastSpikeUs: number }, times: Uint32Array, neurons: Uint32Array): string | null {
    const h = this.handshake
    const all = h.chips * h.coresPerChip * h.neuronsPerCore
    let last = r.lastSpikeUs
    for (let k = 0; k < times.length; k++) {
      const t = times[k]
      if (t < last) return `spikes out of time order: a spike of neuron ${neurons[k]} at ${t} µs comes after one at ${last} µs`
      if (t >= r.durationUs) return `a spike of neuron ${neurons[k]} at ${t} µs, outside the run of ${r.durationUs} µs`
      if (neurons[k] >= all) return `a spike of neuron address ${neurons[k]}, which it does not have (${h.chips} chip(s) of ${h.coresPerChip} cores of ${h.neuronsPerCore} neurons)`
      last = t
    }
    return null
  }

  /** What the client waits for, for messages. */
  private waitingFor(): string {
    const w = [...this.waiters.values()].at(-1)
    return w ? `while waiting for ${w.what}` : this.run ? `during run ${this.run.runId}` : 'while idle'
  }

  private startWatchdog(): void {
    if (this.watchdog) return
    this.watchdog = setInterval(() => this.tick(), 50)
    this.watchdog.unref?.()
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog)
    this.watchdog = null
  }

  private tick(): void {
    if (this.failure) return
    const now = performance.now()
    const quiet = now - this.lastByteAt
    const partial = this.decoder.pendingBytes
    if (partial > 0) {
      const expected = this.decoder.expectedBytes
      if (quiet > this.opts.frameTimeoutMs) {
        this.fail(
          new ProtocolError(
            'BAD_FRAME',
            `truncated frame from the board at ${this.address}: ${partial} of ${expected === null ? `the ${HEADER_BYTES} header` : expected} bytes arrived, then nothing for ${Math.round(quiet)} ms ${this.waitingFor()}`,
          ),
        )
        return
      }
      // a frame that trickles in: bytes keep coming, but it must be whole within its limit
      const bytes = expected ?? HEADER_BYTES
      const limit = Math.round(this.opts.frameTimeoutMs + (1000 * bytes) / this.minBytesPerSecond)
      const took = now - this.frameStartAt
      if (took > limit) {
        this.fail(
          new ProtocolError(
            'BAD_FRAME',
            `a frame from the board at ${this.address} arrives too slowly: ${partial} of ${expected === null ? `the ${HEADER_BYTES} header` : expected} bytes within ${Math.round(took)} ms, but a frame of ${bytes} bytes must arrive within ${limit} ms ${this.waitingFor()} (a flaky link, or the board hangs)`,
          ),
        )
      }
      // while a frame arrives within its limits, no reply is overdue
      return
    }
    // a reply is due, or a run is active (the board sends at least every 250 ms during a run): what
    // counts is progress, not bytes (a board that only PINGs, or keeps a run alive after STIM_END
    // without advancing it, stalls the link as a silent one does)
    const since = now - Math.max(this.lastProgressAt, this.waiters.size ? this.lastRequestAt : 0)
    if ((this.waiters.size || this.run) && since > this.opts.replyTimeoutMs) {
      const only = this.idleFrames ? 'only PINGs or keep-alives that do not advance the run arrived; ' : ''
      this.fail(new ProtocolError('STALLED', `the board at ${this.address} stopped answering: nothing for ${Math.round(since)} ms ${this.waitingFor()} (${only}the limit is ${this.opts.replyTimeoutMs} ms: stalled link, or the board hangs)`))
    }
  }

  /** Ends the link with error e (after sending `last`, best effort, when the link still works). */
  private fail(e: ProtocolError, last: Message[] = []): void {
    if (this.failure) return
    this.failure = e
    this.stopWatchdog()
    for (const w of this.waiters.values()) w.reject(e)
    this.waiters.clear()
    if (!this.closing) for (const fn of this.failureFns.splice(0)) fn(e)
    const t = this.transport
    void (async () => {
      for (const m of last) await t.write(encodeMessage(m, ++this.seq)).catch(() => {})
      await t.close()
    })()
  }

  private peerClosed(err: Error | null): void {
    if (this.failure || this.closing) return
    const partial = this.decoder.pendingBytes
    const cut = partial > 0 ? ` in the middle of a frame (${partial} of ${this.decoder.expectedBytes ?? HEADER_BYTES} bytes received)` : ''
    const why = err && !/peer closed/.test(err.message) ? ` (${err.message})` : ''
    this.fail(new ProtocolError('CLOSED', `the board at ${this.address} closed the connection${cut} ${this.waitingFor()}${why}`))
  }

  private receive(chunk: Uint8Array): void {
    const now = performance.now()
    this.lastByteAt = now
    const wasPending = this.decoder.pendingBytes > 0
    const items = this.decoder.push(chunk)
    // a frame begins in this chunk (the first bytes of one, or the rest after frames it completed)
    if (this.decoder.pendingBytes > 0 && (!wasPending || items.length > 0)) this.frameStartAt = now
    for (const item of items) {
      if (this.failure) return
      // before the handshake on a serial line, the end of an earlier session drains: it shows the line
      // alive (the board answers HELLO behind it), so it keeps the handshake waiting (§4.1: "or the last byte")
      if (item.error) {
        if (!this.handshake && this.transport.kind === 'serial') {
          this.progressed()
          continue
        }
        this.fail(new ProtocolError(item.error.code, `corrupt frame from the board at ${this.address}: ${item.error.message} (${this.waitingFor()})`))
        return
      }
      // before the handshake, frames that do not answer HELLO are the end of an earlier session (a serial line)
      if (!this.handshake && this.transport.kind === 'serial' && !this.waiters.has(item.frame.seq)) {
        this.progressed()
        continue
      }
      let m: Message
      try {
        m = decodeMessage(item.frame)
      } catch (e) {
        const pe = e instanceof ProtocolError ? e : new ProtocolError('BAD_FRAME', String(e))
        this.fail(new ProtocolError(pe.code, `corrupt frame from the board at ${this.address}: ${pe.message} (${this.waitingFor()})`))
        return
      }
      this.dispatch(m, item.frame.seq)
    }
  }

  private dispatch(m: Message, seq: number): void {
    if (m.type === 'SPIKES' || m.type === 'RUN_PROGRESS') {
      const r = this.run
      if (!r || m.runId !== r.runId) return this.fail(new ProtocolError('BAD_STATE', `the board at ${this.address} sent ${m.type} of run ${m.runId}, which is not streaming`))
      const before = r.timeUs
      if (m.type === 'SPIKES') {
        const bad = this.badSpike(r, m.timesUs, m.neurons)
        if (bad) return this.fail(new ProtocolError('BAD_FRAME', `the board at ${this.address} sent ${bad} (run ${r.runId}): its spike stream is corrupt`))
        if (m.timesUs.length) {
          r.lastSpikeUs = m.timesUs[m.timesUs.length - 1]
          r.timeUs = Math.max(r.timeUs, r.lastSpikeUs)
        }
      } else r.timeUs = Math.max(r.timeUs, Math.min(m.timeUs, r.durationUs))
      // before STIM_END a keep-alive is progress (the board waits for stimulus); after it, only a later time
      if (!r.ended || r.timeUs > before) this.progressed()
      else this.idleFrames = true
      if (m.type === 'SPIKES') {
        if (r.record) {
          r.times.push(m.timesUs)
          r.neurons.push(m.neurons)
        }
        r.onSpikes?.(m.timesUs, m.neurons)
      } else r.onProgress?.(m.timeUs)
      return
    }
    if (m.type === 'PING') {
      this.idleFrames = true
      void this.send({ type: 'PONG', nonce: m.nonce }, seq).catch(() => {})
      return
    }
    this.progressed()
    if (m.type === 'ERROR') {
      const name = errorName(m.code)
      const w = this.waiters.get(seq)
      const about = m.about ? ` about ${messageTypeName(m.about)}` : ''
      if (name === 'VERSION_MISMATCH') {
        return this.fail(new ProtocolError('VERSION_MISMATCH', `protocol version mismatch: the board at ${this.address} refused protocol version ${this.opts.version}: ${m.message}`, true))
      }
      // a refusal of one request: that request fails, the link goes on
      if (w && name && ['INVALID_CONFIGURATION', 'NOT_CONFIGURED', 'BAD_STATE', 'INVALID_STIMULUS', 'UNSUPPORTED', 'INTERNAL'].includes(name)) {
        w.reject(new ProtocolError(name, `the board at ${this.address} refused ${w.what}: ${m.message}`, true))
        return
      }
      // a refusal of a stimulus frame (no reply expected) ends the run
      if (name === 'INVALID_STIMULUS' && this.run) {
        const runErr = new ProtocolError(name, `the board at ${this.address} refused the stimulus of run ${this.run.runId}: ${m.message}`, true)
        const endWaiter = [...this.waiters.values()].find((x) => x.expect.includes('RUN_DONE'))
        if (endWaiter) endWaiter.reject(runErr)
        else this.run.error = runErr
        return
      }
      return this.fail(new ProtocolError(name ?? 'INTERNAL', `the board at ${this.address} reported ${name ?? `error ${m.code}`}${about}: ${m.message}`, true))
    }
    const w = this.waiters.get(seq)
    if (!w || !w.expect.includes(m.type)) {
      return this.fail(new ProtocolError('BAD_STATE', `the board at ${this.address} sent ${m.type} (seq ${seq}) ${w ? `in reply to ${w.what}` : 'that answers no request'}`))
    }
    w.resolve(m)
  }
}

const concatU32 = (parts: Uint32Array[]): Uint32Array => concatArrays(parts, (n) => new Uint32Array(n))
