// The board side of the protocol (docs/board-protocol.md §4): a session per connection that drives a
// Chip. `mimic board emulate` serves the reference chip with it over TCP or a serial line; a bridge
// to real hardware (hardware/samna-bridge) implements the same side in Python.
import { existsSync } from 'node:fs'
import type { Connection, DeployedConfiguration } from '../../shared/board.ts'
import type { Chip, ChipRun } from '../chip/chip.ts'
import { ConfigurationError } from '../chip/validate.ts'
import { ProtocolError, protocolErrorCodes, type ProtocolErrorName } from '../protocol/errors.ts'
import { decodeMessage, encodeMessage, FrameDecoder, HEADER_BYTES, type Frame } from '../protocol/frame.ts'
import { limits, MessageType, PROTOCOL_VERSION, type Message, type MessageOf } from '../protocol/messages.ts'
import { listenTcp, openSerial, type TcpTransport, type Transport } from '../transport.ts'

export interface BoardServerOptions {
  chip: Chip
  serialNumber: string
  /** protocol versions this board speaks (default: [PROTOCOL_VERSION]) */
  versions?: number[]
  log?: (line: string) => void
  helloTimeoutMs?: number
  frameTimeoutMs?: number
  runIdleTimeoutMs?: number
  /** the longest the board stays silent while it computes a run (keep-alive), ms */
  keepAliveMs?: number
}

const defaults = { helloTimeoutMs: 5000, frameTimeoutMs: 500, runIdleTimeoutMs: 30_000, keepAliveMs: 200 }

interface RunState {
  runId: number
  chipRun: ChipRun
  record: boolean
  input: 'events' | 'samples'
  analogChannels: number
  samplePeriodUs: number
  lastTimeUs: number
  samples: number
  inputEvents: number
  spikes: number
  ended: boolean
}

class Refusal extends Error {
  readonly code: ProtocolErrorName
  constructor(code: ProtocolErrorName, message: string) {
    super(message)
    this.code = code
  }
}

type QueueItem = { frame: Frame; error?: undefined } | { error: ProtocolError; frame?: undefined }

/** One client's session over one transport. */
export class BoardSession {
  private readonly t: Transport
  private readonly o: Required<Omit<BoardServerOptions, 'log'>> & { log: (line: string) => void }
  private readonly serial: boolean
  private readonly decoder: FrameDecoder
  private state: 'hello' | 'ready' = 'hello'
  private pendingConfig: { begin: MessageOf<'CONFIG_BEGIN'>; connections: Connection[] } | null = null
  private run: RunState | null = null
  private queue: QueueItem[] = []
  private processing = false
  private readonly openedAt = performance.now()
  private lastByteAt = performance.now()
  private lastFrameAt = performance.now()
  private lastSentAt = performance.now()
  private readonly watchdog: NodeJS.Timeout
  private ended = false
  private readonly endFns: (() => void)[] = []

  constructor(transport: Transport, opts: BoardServerOptions) {
    this.t = transport
    this.o = {
      chip: opts.chip,
      serialNumber: opts.serialNumber,
      versions: opts.versions ?? [PROTOCOL_VERSION],
      log: opts.log ?? (() => {}),
      helloTimeoutMs: opts.helloTimeoutMs ?? defaults.helloTimeoutMs,
      frameTimeoutMs: opts.frameTimeoutMs ?? defaults.frameTimeoutMs,
      runIdleTimeoutMs: opts.runIdleTimeoutMs ?? defaults.runIdleTimeoutMs,
      keepAliveMs: opts.keepAliveMs ?? defaults.keepAliveMs,
    }
    this.serial = transport.kind === 'serial'
    this.decoder = new FrameDecoder(this.serial ? 'resync' : 'strict')
    transport.onData((chunk) => this.receive(chunk))
    transport.onClose(() => this.end())
    this.watchdog = setInterval(() => this.tick(), 50)
    this.watchdog.unref?.()
  }

  get closed(): boolean {
    return this.ended
  }

  onEnd(fn: () => void): void {
    this.endFns.push(fn)
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.watchdog)
    this.run = null
    for (const fn of this.endFns) fn()
  }

  private async sendMsg(m: Message, seq: number): Promise<void> {
    if (this.t.closed) return
    this.lastSentAt = performance.now()
    await this.t.write(encodeMessage(m, seq)).catch(() => {})
  }

  private async sendError(code: ProtocolErrorName, message: string, seq: number, about: number): Promise<void> {
    this.o.log(`error ${code}: ${message}`)
    await this.sendMsg({ type: 'ERROR', code: protocolErrorCodes[code], about, message }, seq)
  }

  /** A fatal error of the byte stream: TCP closes; a serial line drops the session and resynchronises. */
  private async fatal(code: ProtocolErrorName, message: string, seq = 0, about = 0): Promise<void> {
    await this.sendError(code, message, seq, about)
    this.run = null
    this.pendingConfig = null
    this.state = 'hello'
    if (!this.serial) await this.t.close()
  }

  private receive(chunk: Uint8Array): void {
    this.lastByteAt = performance.now()
    this.enqueue(this.decoder.push(chunk))
  }

  private enqueue(items: { frame?: Frame; error?: ProtocolError }[]): void {
    for (const item of items) {
      // HELLO (a new session), RESET and CLOSE end a run at once, also one being computed, so that
      // the frames of it still queued are refused quickly instead of computed
      if (item.frame && (item.frame.type === MessageType.HELLO || item.frame.type === MessageType.RESET || item.frame.type === MessageType.CLOSE)) this.run = null
      this.queue.push(item.frame ? { frame: item.frame } : { error: item.error! })
    }
    void this.process()
  }

  private async process(): Promise<void> {
    if (this.processing) return
    this.processing = true
    try {
      while (this.queue.length && !this.ended) {
        const item = this.queue.shift()!
        if (item.error) {
          await this.fatal(item.error.code as ProtocolErrorName, item.error.message)
          continue
        }
        this.lastFrameAt = performance.now()
        const frame = item.frame!
        let m: Message
        try {
          m = decodeMessage(frame)
        } catch (e) {
          const pe = e instanceof ProtocolError ? e : new ProtocolError('BAD_FRAME', String(e))
          await this.fatal(pe.code as ProtocolErrorName, pe.message, frame.seq, frame.type)
          continue
        }
        try {
          await this.handle(m, frame.seq)
        } catch (e) {
          if (e instanceof Refusal) await this.sendError(e.code, e.message, frame.seq, frame.type)
          else await this.sendError('INTERNAL', `the board failed: ${e instanceof Error ? e.message : String(e)}`, frame.seq, frame.type)
        }
      }
    } finally {
      this.processing = false
    }
  }

  private tick(): void {
    if (this.ended) return
    const now = performance.now()
    if (this.decoder.pendingBytes > 0 && now - this.lastByteAt > this.o.frameTimeoutMs) {
      const expected = this.decoder.expectedBytes ?? HEADER_BYTES
      const text = `incomplete frame: ${this.decoder.pendingBytes} of ${expected} bytes arrived, then nothing for ${Math.round(now - this.lastByteAt)} ms`
      if (!this.serial) {
        this.decoder.reset()
        void this.fatal('TIMEOUT', text)
        return
      }
      // a serial line: report it, drop the session, and read the partial frame's bytes again
      this.enqueue([{ error: new ProtocolError('TIMEOUT', text) }, ...this.decoder.abandon()])
      return
    }
    if (!this.serial && this.state === 'hello' && now - this.openedAt > this.o.helloTimeoutMs && now - this.lastFrameAt > this.o.helloTimeoutMs) {
      void this.fatal('TIMEOUT', `no HELLO within ${this.o.helloTimeoutMs} ms of the connection`)
      return
    }
    // keep-alive: during a run, never silent for longer than keepAliveMs
    if (this.run && now - this.lastSentAt > this.o.keepAliveMs) {
      void this.sendMsg({ type: 'RUN_PROGRESS', runId: this.run.runId, timeUs: this.run.chipRun.timeUs }, 0)
    }
    if (this.run && !this.processing && now - this.lastFrameAt > this.o.runIdleTimeoutMs) {
      const id = this.run.runId
      this.run = null
      void this.sendError('TIMEOUT', `run ${id} received no input for ${Math.round(now - this.lastFrameAt)} ms and was ended`, 0, 0)
    }
  }

  private async handle(m: Message, seq: number): Promise<void> {
    const chip = this.o.chip
    const g = chip.geometry
    if (m.type === 'HELLO') {
      if (!this.o.versions.includes(m.version)) {
        await this.fatal('VERSION_MISMATCH', `this board speaks protocol version ${this.o.versions.join(', ')}; the client asked for version ${m.version}`, seq, MessageType.HELLO)
        return
      }
      this.run = null
      this.pendingConfig = null
      this.state = 'ready'
      this.o.log(`session: ${m.client || 'a client'} (protocol ${m.version})`)
      await this.sendMsg(
        {
          type: 'HELLO_ACK',
          version: m.version,
          weightScheme: g.weightScheme,
          chips: g.chips,
          coresPerChip: g.coresPerChip,
          neuronsPerCore: g.neuronsPerCore,
          fanIn: g.fanIn,
          fanOut: g.fanOut,
          inputChannels: g.inputChannels,
          model: chip.model,
          serialNumber: this.o.serialNumber,
          firmware: chip.firmware,
        },
        seq,
      )
      return
    }
    if (this.state === 'hello') throw new Refusal('BAD_STATE', `the first frame of a session must be HELLO (received ${m.type})`)
    const ack = (): Promise<void> => this.sendMsg({ type: 'ACK', acked: MessageType[m.type] }, seq)
    switch (m.type) {
      case 'CONFIG_BEGIN': {
        if (this.run) throw new Refusal('BAD_STATE', `run ${this.run.runId} is streaming: end it (STIM_END) or RESET before configuring`)
        const capacity = g.chips * g.coresPerChip * g.neuronsPerCore * g.fanIn
        if (m.totalConnections > capacity) {
          this.pendingConfig = null
          throw new Refusal('INVALID_CONFIGURATION', `the configuration announces ${m.totalConnections} connections but this board holds at most ${capacity} (${g.chips} chips × ${g.coresPerChip} cores × ${g.neuronsPerCore} neurons × fan-in ${g.fanIn})`)
        }
        this.pendingConfig = { begin: m, connections: [] }
        await ack()
        return
      }
      case 'CONFIG_CONNECTIONS': {
        const p = this.pendingConfig
        if (!p) throw new Refusal('BAD_STATE', 'CONFIG_CONNECTIONS without CONFIG_BEGIN')
        if (p.connections.length + m.pre.length > p.begin.totalConnections) {
          this.pendingConfig = null
          throw new Refusal('INVALID_CONFIGURATION', `more connections (${p.connections.length + m.pre.length} so far) than CONFIG_BEGIN announced (${p.begin.totalConnections}); the configuration is discarded`)
        }
        for (let i = 0; i < m.pre.length; i++) p.connections.push({ pre: m.pre[i], post: m.post[i], type: m.types[i], weight: m.weights[i] })
        await ack()
        return
      }
      case 'CONFIG_COMMIT': {
        const p = this.pendingConfig
        if (!p) throw new Refusal('BAD_STATE', 'CONFIG_COMMIT without CONFIG_BEGIN')
        this.pendingConfig = null
        if (p.connections.length !== p.begin.totalConnections) {
          chip.reset(true)
          throw new Refusal('INVALID_CONFIGURATION', `CONFIG_BEGIN announced ${p.begin.totalConnections} connections but ${p.connections.length} arrived`)
        }
        const config: DeployedConfiguration = {
          weightScheme: p.begin.weightScheme,
          cores: p.begin.cores.map((c) => ({
            chip: c.chip,
            core: c.core,
            neurons: c.neurons,
            params: { tauMemMs: c.tauMemMs, refractoryMs: c.refractoryMs, threshold: c.threshold, resetPotential: c.resetPotential, bias: c.bias, tauSynMs: c.tauSynMs, baseWeights: c.baseWeights },
          })),
          connections: p.connections,
        }
        let summary
        try {
          summary = chip.configure(config)
        } catch (e) {
          chip.reset(true)
          if (e instanceof ConfigurationError) throw new Refusal('INVALID_CONFIGURATION', e.message)
          throw e
        }
        this.o.log(`configured: ${summary.neurons} neurons on ${summary.cores} cores, ${summary.connections} connections, ${summary.camEntries} CAM entries`)
        await this.sendMsg({ type: 'CONFIG_DONE', ...summary }, seq)
        return
      }
      case 'RUN_START': {
        if (!chip.configured) throw new Refusal('NOT_CONFIGURED', 'the board has no configuration: send one (CONFIG_BEGIN ... CONFIG_COMMIT) before RUN_START')
        if (this.run) throw new Refusal('BAD_STATE', `run ${this.run.runId} is still streaming`)
        if (m.input === 'samples' && m.analogChannels > g.inputChannels) throw new Refusal('INVALID_STIMULUS', `the run asks for ${m.analogChannels} analog channels but the board has ${g.inputChannels} input channels`)
        const chipRun = chip.start({ durationUs: m.durationUs, input: m.input, analogChannels: m.analogChannels, samplePeriodUs: m.samplePeriodUs })
        this.run = { runId: m.runId, chipRun, record: m.record, input: m.input, analogChannels: m.analogChannels, samplePeriodUs: m.samplePeriodUs, lastTimeUs: 0, samples: 0, inputEvents: 0, spikes: 0, ended: false }
        await ack()
        return
      }
      case 'STIM_EVENTS': {
        const r = this.runFor(m.runId, m.type)
        if (r.input !== 'events') return this.refuseStimulus(r, `run ${r.runId} takes analog samples, not events`)
        const { timesUs: t, channels: c } = m
        for (let i = 0; i < t.length; i++) {
          const prev = i === 0 ? r.lastTimeUs : t[i - 1]
          if (t[i] < prev) return this.refuseStimulus(r, `event ${i} of the frame at ${t[i]} µs comes before ${prev} µs: events must be in time order across the run`)
          if (t[i] >= r.chipRun.durationUs) return this.refuseStimulus(r, `event ${i} of the frame at ${t[i]} µs is not within the run of ${r.chipRun.durationUs} µs`)
          if (c[i] >= g.inputChannels) return this.refuseStimulus(r, `event ${i} of the frame is on channel ${c[i]} but the board has ${g.inputChannels} input channels`)
        }
        if (t.length) {
          r.chipRun.events(t, c)
          r.lastTimeUs = t[t.length - 1]
          r.inputEvents += t.length
        }
        await this.compute(r, r.lastTimeUs)
        return
      }
      case 'STIM_SAMPLES': {
        const r = this.runFor(m.runId, m.type)
        if (r.input !== 'samples') return this.refuseStimulus(r, `run ${r.runId} takes events, not analog samples`)
        if (m.channels !== r.analogChannels) return this.refuseStimulus(r, `the frame has ${m.channels} channels but run ${r.runId} has ${r.analogChannels}`)
        if (m.firstSample !== r.samples) return this.refuseStimulus(r, `the frame starts at sample ${m.firstSample} but ${r.samples} samples came before it`)
        const count = m.values.length / m.channels
        r.chipRun.samples(m.values, m.channels)
        r.samples += count
        r.inputEvents += m.values.length
        await this.compute(r, Math.min(r.samples * r.samplePeriodUs, r.chipRun.durationUs))
        return
      }
      case 'STIM_END': {
        const r = this.runFor(m.runId, m.type)
        r.ended = true
        await this.compute(r, r.chipRun.durationUs)
        if (this.run !== r) return
        this.run = null
        this.o.log(`run ${r.runId}: ${r.chipRun.durationUs} µs, ${r.inputEvents} input events, ${r.spikes} spikes`)
        await this.sendMsg({ type: 'RUN_DONE', runId: r.runId, durationUs: r.chipRun.durationUs, spikes: r.spikes, inputEvents: r.inputEvents }, seq)
        return
      }
      case 'RESET':
        this.run = null
        chip.reset(m.clearConfiguration)
        await ack()
        return
      case 'CLOSE':
        this.run = null
        this.pendingConfig = null
        await ack()
        this.state = 'hello'
        if (!this.serial) await this.t.close()
        return
      case 'PING':
        await this.sendMsg({ type: 'PONG', nonce: m.nonce }, seq)
        return
      case 'PONG':
        return
      case 'ERROR':
        this.o.log(`the client reported error ${m.code}: ${m.message}`)
        return
      default:
        throw new Refusal('BAD_STATE', `${m.type} is sent by boards, not by clients`)
    }
  }

  private runFor(runId: number, what: string): RunState {
    const r = this.run
    if (!r || r.runId !== runId) throw new Refusal('BAD_STATE', `${what} for run ${runId}, but ${r ? `run ${r.runId} is the one streaming` : 'no run is streaming'}`)
    if (r.ended) throw new Refusal('BAD_STATE', `${what} after STIM_END of run ${runId}`)
    return r
  }

  private async refuseStimulus(r: RunState, message: string): Promise<void> {
    this.run = null
    throw new Refusal('INVALID_STIMULUS', `${message}; run ${r.runId} is ended`)
  }

  /** Advances the chip as far as the input allows, in slices, sending spikes as they come and a keep-alive when quiet. */
  private async compute(r: RunState, untilUs: number): Promise<void> {
    let steps = 200
    for (;;) {
      if (this.run !== r || this.ended) return
      const before = r.chipRun.timeUs
      const t0 = performance.now()
      const s = r.chipRun.advance(untilUs, steps)
      const ms = performance.now() - t0
      // aim at slices of about 20 ms, so that the board answers and keeps the link alive
      steps = Math.max(10, Math.min(100_000, Math.round(steps * (ms > 0 ? Math.min(4, 20 / ms) : 4))))
      r.spikes += s.timesUs.length
      if (r.record && s.timesUs.length) {
        for (let i = 0; i < s.timesUs.length; i += limits.spikesPerFrame) {
          await this.sendMsg({ type: 'SPIKES', runId: r.runId, timesUs: s.timesUs.subarray(i, i + limits.spikesPerFrame), neurons: s.neurons.subarray(i, i + limits.spikesPerFrame) }, 0)
        }
      } else if (performance.now() - this.lastSentAt > this.o.keepAliveMs) {
        await this.sendMsg({ type: 'RUN_PROGRESS', runId: r.runId, timeUs: r.chipRun.timeUs }, 0)
      }
      if (r.chipRun.timeUs === before) return
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

export interface BoardServer {
  /** the address clients use: tcp://HOST:PORT or serial:PATH */
  readonly address: string
  close(): Promise<void>
  /**
   * Calls fn once if the board stops serving on its own (a serial line that went away: a pty whose
   * other end closed, a USB adapter pulled), with what happened; never after close().
   */
  onLost(fn: (why: string) => void): void
}

/** Serves a chip on TCP, one session at a time; a second client is refused with BUSY. */
export async function serveTcp(opts: BoardServerOptions, host: string, port: number): Promise<BoardServer> {
  let active: { session: BoardSession; peer: string } | null = null
  const sessions = new Set<BoardSession>()
  const accept = (t: TcpTransport): void => {
    if (active && !active.session.closed) {
      const msg = `the board is in use by ${active.peer}`
      opts.log?.(`refused ${t.peer}: ${msg}`)
      void t.write(encodeMessage({ type: 'ERROR', code: protocolErrorCodes.BUSY, about: 0, message: msg }, 0)).then(() => t.close())
      return
    }
    opts.log?.(`connection from ${t.peer}`)
    const session = new BoardSession(t, opts)
    active = { session, peer: t.peer }
    sessions.add(session)
    session.onEnd(() => {
      sessions.delete(session)
      if (active?.session === session) active = null
      opts.log?.(`connection from ${t.peer} ended`)
    })
  }
  const listener = await listenTcp(host, port, (t: TcpTransport) => {
    // a client that reconnects right after closing may arrive before its old connection's end: wait a little for it
    const busy = active
    if (!busy || busy.session.closed) return accept(t)
    let decided = false
    const decide = (): void => {
      if (decided) return
      decided = true
      accept(t)
    }
    const timer = setTimeout(decide, 250)
    busy.session.onEnd(() => {
      clearTimeout(timer)
      setImmediate(decide)
    })
  })
  return {
    address: listener.address,
    close: async () => {
      await listener.close()
    },
    // a listening socket does not go away on its own
    onLost: () => {},
  }
}

/** Serves a chip on a serial line (one endless session that resynchronises after errors). */
export async function serveSerial(opts: BoardServerOptions, path: string, baudRate: number): Promise<BoardServer> {
  const t = await openSerial(path, baudRate, 2000)
  const session = new BoardSession(t, opts)
  void session
  let lost: string | null = null
  let closing = false
  let watch: ReturnType<typeof setInterval> | undefined
  const lostFns: ((why: string) => void)[] = []
  const report = (why: string): void => {
    if (lost !== null || closing) return
    lost = `the serial line ${t.address} went away (${why})`
    clearInterval(watch)
    for (const fn of lostFns) fn(lost)
  }
  t.onClose((err) => {
    // null: closed by close()
    if (err !== null) report(err.message)
  })
  // The device itself, twice a second: a pulled USB adapter's /dev/ttyUSB*, or a pty pair's link when
  // its socat ends, disappears, and the serial port need not report an error for that (once, in a test,
  // the emulator had not noticed a closed pty after 5 s; why was not found).
  watch = setInterval(() => {
    if (existsSync(path)) return
    report(`${path} no longer exists`)
    void t.close().catch(() => {})
  }, 500)
  watch.unref()
  return {
    address: t.address,
    close: () => {
      closing = true
      clearInterval(watch)
      return t.close()
    },
    onLost: (fn) => {
      if (lost !== null) fn(lost)
      else lostFns.push(fn)
    },
  }
}
