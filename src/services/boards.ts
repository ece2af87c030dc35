// Boards in the services: the board list (saved addresses, running emulators, serial ports, USB
// devices of DYNAP-SE boards), saving and removing addresses, a board's handshake (`board info`), and
// the `mimic board emulate` process (the reference chip served over the board protocol, registered
// in the database while it runs).
import { AppError } from '../shared/errors.ts'
import type { BoardHandshake, BoardList, SerialPortInfo, WeightScheme } from '../shared/board.ts'
import { serveSerial, serveTcp, type BoardServer } from '../hardware/board/server.ts'
import { ReferenceChip } from '../hardware/chip/reference.ts'
import { BoardClient } from '../hardware/client.ts'
import { ProtocolError } from '../hardware/protocol/errors.ts'
import { loadSerialPort, parseAddress, formatAddress } from '../hardware/transport.ts'
import { scanUsbBoards } from '../hardware/usb.ts'
import { openStore, type Store } from '../store/index.ts'
import { hostName } from '../system/version.ts'

/** Emulators of another host whose heartbeat is older than this are taken for gone. */
export const emulatorStaleMs = 60_000
const heartbeatMs = 15_000

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A board address in its canonical form; a bad one is an INVALID_ARGUMENT naming the field. */
export function canonicalAddress(text: string, field = 'address'): string {
  try {
    return formatAddress(parseAddress(text))
  } catch (e) {
    throw new AppError('INVALID_ARGUMENT', e instanceof Error ? e.message : String(e), { field })
  }
}

/** An address, or the name of a saved board (resolved to its address). */
export function resolveBoard(store: Store, text: string): string {
  const saved = store.boards.findSaved(text.trim())
  if (saved) return saved.address
  if (!/^(tcp:|serial:|\/dev\/)/.test(text.trim())) {
    throw new AppError('NOT_FOUND', `"${text}" is neither a saved board nor a board address (tcp://HOST:PORT, serial:PATH): \`mimic board list\` shows the saved boards.`, { field: 'address' })
  }
  return canonicalAddress(text)
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

export async function listBoards(store: Store, usb: { sysRoot?: string; devRoot?: string } = {}): Promise<BoardList> {
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
  return {
    saved: store.boards.saved(),
    emulators: store.boards.emulators(hostName(), pidAlive, emulatorStaleMs),
    serialPorts: ports,
    usb: devices,
    problems,
  }
}

/** Connects, takes the handshake, closes. A link failure is an AppError UNSUPPORTED/BUSY/... with the protocol's message. */
export async function boardInfo(store: Store, addressOrName: string, timeoutMs?: number): Promise<BoardHandshake & { address: string }> {
  const address = resolveBoard(store, addressOrName)
  let client: BoardClient
  try {
    client = await BoardClient.connect(address, { connectTimeoutMs: timeoutMs, replyTimeoutMs: timeoutMs })
  } catch (e) {
    throw linkError(e)
  }
  const hs = client.handshake
  await client.close()
  return { address, ...hs }
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
  log?: (line: string) => void
}

export interface RunningEmulatorHandle {
  address: string
  serialNumber: string
  chips: number
  weightScheme: WeightScheme
  stop(): Promise<void>
}

/**
 * Starts the reference chip behind the board protocol, on TCP or a serial line, and registers it
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
  if (opts.listen !== undefined && opts.serial !== undefined) throw new AppError('INVALID_ARGUMENT', 'give --listen or --serial, not both', { field: 'listen' })
  const chip = new ReferenceChip({ chips, weightScheme })
  const serverOpts = { chip, serialNumber, log: opts.log }
  let server: BoardServer
  try {
    if (opts.serial !== undefined) {
      const a = parseAddress(opts.serial.startsWith('serial:') ? opts.serial : `serial:${opts.serial}`)
      if (a.kind !== 'serial') throw new Error('not a serial port')
      server = await serveSerial(serverOpts, a.path, a.baudRate)
    } else {
      const a = parseAddress(opts.listen ?? 'tcp://127.0.0.1:0', { listen: true })
      if (a.kind !== 'tcp') throw new Error(`--listen takes a TCP address (tcp://HOST:PORT); for a serial line use --serial PATH`)
      server = await serveTcp(serverOpts, a.host, a.port)
    }
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
