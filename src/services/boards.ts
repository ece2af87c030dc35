// Boards in the services: the board list (saved addresses, running emulators, serial ports, USB
// devices of DYNAP-SE boards), saving and removing addresses, a board's handshake (`board info`), and
// the `mimic board emulate` process (the reference chip served over the board protocol, registered
// in the database while it runs).
import { AppError } from '../shared/errors.ts'
import { defaultChipStepUs, type BoardHandshake, type BoardLease, type BoardList, type RunningEmulator, type SerialPortInfo, type WeightScheme } from '../shared/board.ts'
import { serveSerial, serveTcp, type BoardServer } from '../hardware/board/server.ts'
import { ReferenceChip } from '../hardware/chip/reference.ts'
import { NativeChip } from './native-chip.ts'
import { BoardClient } from '../hardware/client.ts'
import { ProtocolError } from '../hardware/protocol/errors.ts'
import { boardAddressOf, boardLeaseKey, loadSerialPort, parseAddress, formatAddress, type BoardAddress } from '../hardware/transport.ts'
import { scanUsbBoards } from '../hardware/usb.ts'
import { openStore, type Store } from '../store/index.ts'
import { hostName } from '../system/version.ts'
import { pidAlive } from '../system/process.ts'

/** Emulators of another host whose heartbeat is older than this are taken for gone. */
export const emulatorStaleMs = 60_000
const heartbeatMs = 15_000

/** A malformed board address (parseAddress's error) as an INVALID_ARGUMENT naming the field. */
function invalidAddress(e: unknown, field: string): AppError {
  return new AppError('INVALID_ARGUMENT', e instanceof Error ? e.message : String(e), { field })
}

/** A board address in its canonical form; a bad one is an INVALID_ARGUMENT naming the field. */
export function canonicalAddress(text: string, field = 'address'): string {
  try {
    return formatAddress(parseAddress(text))
  } catch (e) {
    throw invalidAddress(e, field)
  }
}

/** An address, or the name of a saved board (resolved to its address). */
export function resolveBoard(store: Store, text: string): string {
  let address: string | null
  try {
    address = boardAddressOf(store.boards, text)
  } catch (e) {
    throw invalidAddress(e, 'address')
  }
  if (address === null) {
    throw new AppError('NOT_FOUND', `"${text}" is neither a saved board nor a board address (tcp://HOST:PORT, serial:PATH): \`mimic board list\` shows the saved boards.`, { field: 'address' })
  }
  return address
}

async function serialPorts(): Promise<SerialPortInfo[]> {
  const { SerialPort } = await loadSerialPort()
  const ports = await SerialPort.list()
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer ?? null,
    serialNumber: p.serialNumber ?? null,
    vendorId: p.vendorId ?? null,
    productId: p.productId ?? null,
  }))
}

export async function listBoards(store: Store, desk: BoardDesk, usb: { sysRoot?: string; devRoot?: string } = {}): Promise<BoardList> {
  const problems: string[] = []
  let ports: SerialPortInfo[] = []
  try {
    ports = await serialPorts()
  } catch (e) {
    problems.push(`serial ports could not be listed: ${e instanceof Error ? e.message : String(e)}`)
  }
  let devices: BoardList['usb'] = []
  try {
    devices = scanUsbBoards(usb)
  } catch (e) {
    problems.push(`USB devices could not be read: ${e instanceof Error ? e.message : String(e)}`)
  }
  const saved = store.boards.saved()
  const connected = desk.connected()
  const emulators = store.boards.emulators(hostName(), pidAlive, emulatorStaleMs)
  // each listed address's lease key, so that a front door finds a board's lease however it was written
  const leaseKeys: Record<string, string> = {}
  for (const address of [...saved.map((b) => b.address), ...connected.map((c) => c.address), ...emulators.map((e) => e.address), ...ports.map((p) => `serial:${p.path}`)]) {
    leaseKeys[address] ??= boardLeaseKey(address)
  }
  return { saved, leases: desk.leases(), connected, emulatorHere: desk.emulatorAddress(), emulators, serialPorts: ports, usb: devices, problems, leaseKeys }
}

/** A failure of the board link as an AppError for the front doors (the message says what happened). */
export function linkError(e: unknown): AppError {
  if (!(e instanceof ProtocolError)) return e instanceof AppError ? e : new AppError('INTERNAL', e instanceof Error ? e.message : String(e))
  const code = e.code === 'VERSION_MISMATCH' || e.code === 'UNSUPPORTED' ? 'UNSUPPORTED' : e.code === 'BUSY' ? 'BUSY' : e.code === 'INVALID_CONFIGURATION' || e.code === 'INVALID_STIMULUS' ? 'INVALID_ARGUMENT' : 'UNSUPPORTED'
  return new AppError(code, e.message)
}

export interface EmulatorOptions {
  dbPath: string
  /** tcp://HOST:PORT to listen on (default tcp://127.0.0.1:0: a free port on this machine) */
  listen?: string
  /** a serial line to serve instead of TCP */
  serial?: string
  serialNumber?: string
  chips?: number
  weightScheme?: WeightScheme
  /**
   * the chip behind the protocol: 'native' (default), the native DYNAP-SE-class emulator with its
   * mismatch frozen by the serial number (docs/method.md §14.1); 'reference', the ideal TypeScript chip
   */
  chip?: 'native' | 'reference'
  /** native chip: device mismatch (default true); false gives the ideal chip */
  mismatch?: boolean
  /** the chip's time step, µs (default defaultChipStepUs, 100); a configuration means the same network at any step */
  stepUs?: number
  log?: (line: string) => void
}

export interface RunningEmulatorHandle {
  address: string
  serialNumber: string
  chips: number
  weightScheme: WeightScheme
  stop(): Promise<void>
  /** Calls fn once if the emulator stopped serving on its own (its serial line went away), saying why. */
  onLost(fn: (why: string) => void): void
}

/**
 * Where an emulator serves: --listen (a TCP address, port 0 for any free one; the default
 * tcp://127.0.0.1:0) or --serial (the absolute path of a serial line). Throws an Error whose message
 * names the flag and the fix.
 */
export function emulatorAddress(o: { listen?: string; serial?: string }): BoardAddress {
  if (o.listen !== undefined && o.serial !== undefined) throw new Error('give --listen or --serial, not both.')
  const parse = (flag: 'listen' | 'serial', text: string): BoardAddress => {
    try {
      return parseAddress(text, { listen: flag === 'listen' })
    } catch (e) {
      throw new Error(`--${flag}: ${e instanceof Error ? e.message : String(e)}.`)
    }
  }
  if (o.serial !== undefined) {
    const text = o.serial
    if (!text.startsWith('serial:') && !text.startsWith('/')) throw new Error(`--serial takes the absolute path of a serial port, such as /dev/ttyACM0 (received "${text}").`)
    const a = parse('serial', text.startsWith('serial:') ? text : `serial:${text}`)
    if (a.kind !== 'serial') throw new Error(`--serial takes a serial port path such as /dev/ttyACM0 (received "${text}").`)
    return a
  }
  const text = o.listen ?? 'tcp://127.0.0.1:0'
  const a = parse('listen', text)
  if (a.kind !== 'tcp') throw new Error(`--listen takes a TCP address such as tcp://127.0.0.1:7777 (received "${text}"); for a serial line use --serial PATH.`)
  return a
}

/**
 * Starts an emulated chip (the native emulator by default, or the reference chip) behind the board protocol, on TCP or a serial line, and registers it
 * in the database (pid, address, serial) until stop().
 */
export async function startBoardEmulator(opts: EmulatorOptions): Promise<RunningEmulatorHandle> {
  const chips = opts.chips ?? 1
  if (!Number.isInteger(chips) || chips < 1 || chips > 16) throw new AppError('INVALID_ARGUMENT', `--chips must be an integer between 1 and 16 (received ${opts.chips})`, { field: 'chips' })
  const serialNumber = (opts.serialNumber ?? 'EMU-0001').trim()
  if (!/^[\x21-\x7e]{1,64}$/.test(serialNumber)) {
    throw new AppError('INVALID_ARGUMENT', `--serial-number must be 1 to 64 printable characters without spaces (received "${opts.serialNumber}")`, { field: 'serialNumber' })
  }
  const weightScheme = opts.weightScheme ?? 'se2'
  let where: BoardAddress
  try {
    where = emulatorAddress(opts)
  } catch (e) {
    throw new AppError('INVALID_ARGUMENT', e instanceof Error ? e.message : String(e), { field: opts.serial !== undefined ? 'serial' : 'listen' })
  }
  const kind = opts.chip ?? 'native'
  if (kind !== 'native' && kind !== 'reference') throw new AppError('INVALID_ARGUMENT', `--chip must be native or reference (received "${String(kind)}")`, { field: 'chip' })
  const stepUs = opts.stepUs ?? defaultChipStepUs
  if (!Number.isInteger(stepUs) || stepUs < 1 || stepUs > 1000) throw new AppError('INVALID_ARGUMENT', `--step-us must be an integer number of µs between 1 and 1000 (received ${opts.stepUs})`, { field: 'stepUs' })
  const chip = kind === 'reference' ? new ReferenceChip({ chips, weightScheme, dtUs: stepUs }) : new NativeChip({ chips, weightScheme, serialNumber, mismatch: opts.mismatch ?? true, dtUs: stepUs })
  const serverOpts = { chip, serialNumber, log: opts.log }
  let server: BoardServer
  try {
    server = where.kind === 'serial' ? await serveSerial(serverOpts, where.path, where.baudRate) : await serveTcp(serverOpts, where.host, where.port)
  } catch (e) {
    if (e instanceof AppError) throw e
    throw new AppError('INVALID_ARGUMENT', e instanceof Error ? e.message : String(e), { field: opts.serial !== undefined ? 'serial' : 'listen' })
  }
  const store = openStore(opts.dbPath)
  const host = hostName()
  store.boards.registerEmulator({ pid: process.pid, host, address: server.address, serialNumber, chips })
  const beat = setInterval(() => {
    try {
      store.boards.heartbeatEmulator(process.pid, host)
    } catch {
      // a busy database skips one heartbeat
    }
  }, heartbeatMs)
  beat.unref()
  let stopped = false
  return {
    address: server.address,
    serialNumber,
    chips,
    weightScheme,
    onLost: (fn) => server.onLost(fn),
    stop: async () => {
      if (stopped) return
      stopped = true
      clearInterval(beat)
      await server.close()
      try {
        store.boards.unregisterEmulator(process.pid, host)
      } finally {
        store.close()
      }
    },
  }
}

/** Leases of another host whose heartbeat is older than this are taken for gone. */
export const leaseStaleMs = 30_000
const leaseBeatMs = 5_000

function liveness(): { host: string; alive: (pid: number) => boolean; staleMs: number } {
  return { host: hostName(), alive: pidAlive, staleMs: leaseStaleMs }
}

/**
 * The boards a front door holds: each under a lease in the database (one user at a time across
 * every process on it) with a heartbeat, and, for the hardware panel's "connect", an open link.
 */
export class BoardDesk {
  private readonly store: Store
  /** how the holder is named to the others, e.g. "the hardware panel of mimic serve" */
  private readonly holder: string
  private readonly open = new Map<string, BoardClient>()
  private readonly held = new Map<string, string>()  // address → its lease key (boardLeaseKey)
  private beat: NodeJS.Timeout | null = null
  /** the emulator this front door started (the hardware panel's "start an emulator"), if any */
  private emulator: RunningEmulatorHandle | null = null

  constructor(store: Store, holder: string) {
    this.store = store
    this.holder = holder
  }

  /** Starts the reference chip behind the board protocol on a free local TCP port, in this process. */
  async startEmulator(o: { serialNumber?: string; chips?: number; weightScheme?: WeightScheme }): Promise<RunningEmulator> {
    if (this.emulator) {
      throw new AppError('CONFLICT', `This window already runs an emulator (serial ${this.emulator.serialNumber} at ${this.emulator.address}): stop it first, or start more with \`mimic board emulate\`.`)
    }
    const e = await startBoardEmulator({ dbPath: this.store.path, serialNumber: o.serialNumber, chips: o.chips, weightScheme: o.weightScheme })
    this.emulator = e
    const row = this.store.boards.emulators(hostName(), pidAlive, emulatorStaleMs).find((r) => r.address === e.address)
    return row ?? { pid: process.pid, host: hostName(), address: e.address, serialNumber: e.serialNumber, chips: e.chips, startedAt: new Date().toISOString() }
  }

  async stopEmulator(addressOrName: string): Promise<{ address: string }> {
    const address = resolveBoard(this.store, addressOrName)
    const e = this.emulator
    if (!e || e.address !== address) throw new AppError('NOT_FOUND', `This window runs no emulator at ${address}; an emulator started with \`mimic board emulate\` stops with Ctrl-C in its terminal.`, { field: 'address' })
    if (this.open.has(address)) await this.disconnect(address)
    this.emulator = null
    await e.stop()
    return { address }
  }

  leases(): BoardLease[] {
    return this.store.boardLeases.list(liveness())
  }

  emulatorAddress(): string | null {
    return this.emulator?.address ?? null
  }

  connected(): (BoardHandshake & { address: string })[] {
    return [...this.open.entries()].map(([address, c]) => ({ address, ...c.handshake }))
  }

  private take(address: string, holder: string, runId: number | null): void {
    // the lease is the board's, however its address was written; let gives back the key taken here
    const key = boardLeaseKey(address)
    this.store.boardLeases.acquire(key, { holder, runId, pid: process.pid }, liveness())
    this.held.set(address, key)
    if (!this.beat) {
      this.beat = setInterval(() => {
        try {
          this.store.boardLeases.heartbeat(process.pid, hostName())
        } catch {
          // a busy database skips one heartbeat
        }
      }, leaseBeatMs)
      this.beat.unref()
    }
  }

  private let(address: string): void {
    const key = this.held.get(address)
    if (key === undefined) return
    this.held.delete(address)
    this.store.boardLeases.release(key, process.pid, hostName())
    if (!this.held.size && this.beat) {
      clearInterval(this.beat)
      this.beat = null
    }
  }

  /** Holds the board for the span of fn (a link of its own): the lease first, then the connection. */
  async withBoard<T>(addressOrName: string, holder: string, runId: number | null, fn: (client: BoardClient, address: string) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
    const address = resolveBoard(this.store, addressOrName)
    this.take(address, holder, runId)
    try {
      let client: BoardClient
      try {
        client = await BoardClient.connect(address, { connectTimeoutMs: opts.timeoutMs, replyTimeoutMs: opts.timeoutMs })
      } catch (e) {
        throw linkError(e)
      }
      try {
        return await fn(client, address)
      } finally {
        await client.close().catch(() => {})
      }
    } finally {
      this.let(address)
    }
  }

  /**
   * This front door's open link to the board an address names, under the address it was opened with:
   * the same address, or another way of writing it (the same lease key: localhost for 127.0.0.1, a
   * by-id link for its tty).
   */
  private openLink(address: string): { address: string; client: BoardClient } | undefined {
    const same = this.open.get(address)
    if (same) return { address, client: same }
    const key = boardLeaseKey(address)
    for (const [a, client] of this.open) if (this.held.get(a) === key) return { address: a, client }
    return undefined
  }

  /** The handshake; a board this front door holds open answers from its open link. */
  async info(addressOrName: string, timeoutMs?: number): Promise<BoardHandshake & { address: string }> {
    const address = resolveBoard(this.store, addressOrName)
    const mine = this.openLink(address)
    if (mine) return { address: mine.address, ...mine.client.handshake }
    return this.withBoard(address, this.holder, null, async (c) => ({ address, ...c.handshake }), { timeoutMs })
  }

  /** Connects and keeps the link open under this front door's lease (the hardware panel's "connect"). */
  async connect(addressOrName: string): Promise<BoardHandshake & { address: string }> {
    const address = resolveBoard(this.store, addressOrName)
    const mine = this.openLink(address)
    if (mine) return { address: mine.address, ...mine.client.handshake }
    this.take(address, this.holder, null)
    try {
      const client = await BoardClient.connect(address)
      this.open.set(address, client)
      // the board gone (killed, unplugged, its link broken): no longer connected, and its lease let go
      client.onFailure(() => {
        if (this.open.get(address) !== client) return
        this.open.delete(address)
        this.let(address)
      })
      return { address, ...client.handshake }
    } catch (e) {
      this.let(address)
      throw linkError(e)
    }
  }

  async disconnect(addressOrName: string): Promise<{ address: string }> {
    const asked = resolveBoard(this.store, addressOrName)
    const mine = this.openLink(asked)
    if (!mine) throw new AppError('NOT_FOUND', `This window is not connected to the board ${asked}.`, { field: 'address' })
    const { address, client } = mine
    this.open.delete(address)
    await client.close().catch(() => {})
    this.let(address)
    return { address }
  }

  async close(): Promise<void> {
    for (const a of [...this.open.keys()]) await this.disconnect(a).catch(() => {})
    for (const a of [...this.held.keys()]) this.let(a)
    const e = this.emulator
    this.emulator = null
    await e?.stop().catch(() => {})
  }
}
