// Real things for the board link's tests: `mimic board emulate` as a child process, pseudo-terminal
// pairs made by socat, and a relay that sits between a client and a board on real sockets or ptys
// and injects the faults of the issue (a corrupt frame, a truncated frame, a stalled link) into the
// board's stream, frame by frame.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { encodeFrame, FrameDecoder, HEADER_BYTES, type Frame } from '../../src/hardware/protocol/frame.ts'
import { MessageType, type MessageTypeName } from '../../src/hardware/protocol/messages.ts'
import { connectTcp, listenTcp, openSerial, type Transport } from '../../src/hardware/transport.ts'
import { firstLine, spawnMimic } from './cli.ts'
import { tempDir } from './tmp.ts'

export const socatPath = '/usr/bin/socat'

export interface Emulator {
  address: string
  child: ChildProcess
  stderr: () => string
  stop(): Promise<void>
}

/** Starts `mimic board emulate` with the given flags; resolves when it printed its address. */
export async function startEmulator(db: string, flags: string[] = []): Promise<Emulator> {
  // the link tests compare against the reference chip run in the test unless they name a chip
  const chip = flags.includes('--chip') ? [] : ['--chip', 'reference']
  const child = spawnMimic(['--db', db, 'board', 'emulate', ...chip, ...flags])
  let err = ''
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()))
  const address = await firstLine(child)
  return {
    address,
    child,
    stderr: () => err,
    stop: () => stopChild(child),
  }
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}

export interface PtyPair {
  a: string
  b: string
  stop(): Promise<void>
}

/** Two linked pseudo-terminals (raw, no echo) made by socat: what one end writes, the other reads. */
export async function ptyPair(): Promise<PtyPair> {
  if (!existsSync(socatPath)) throw new Error(`${socatPath} is missing: install socat (apt-get install socat; .ci/run does)`)
  const dir = tempDir('mimic-pty-')
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const child = spawn(socatPath, [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  const deadline = Date.now() + 5000
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('socat did not make the pty pair')
    await new Promise((r) => setTimeout(r, 20))
  }
  return { a, b, stop: () => stopChild(child) }
}

export type Fault =
  | { kind: 'pass' }
  /** flip one payload byte of the next frame of this type from the board */
  | { kind: 'corrupt'; type: MessageTypeName }
  /** forward half of the next frame of this type, then nothing more from the board */
  | { kind: 'truncate'; type: MessageTypeName }
  /** forward nothing more from the board from the next frame of this type on (that frame included) */
  | { kind: 'stall'; type: MessageTypeName }

/**
 * Relays bytes between a client-side and a board-side transport. What the client sends passes
 * unchanged; the board's stream is cut into frames (it is well formed) and passed on, except that
 * the armed fault is applied once to the first frame that matches it.
 */
export class Relay {
  private fault: Fault = { kind: 'pass' }
  private stopped = false
  readonly seen: string[] = []
  /** bytes relayed: client → board, board → relay */
  readonly bytes = { fromClient: 0, fromBoard: 0 }
  private readonly toClient: Transport
  private toBoard: Transport | null = null
  private readonly early: Uint8Array[] = []

  /** toBoard may come later (a TCP connection to the board still being made): the client's bytes wait for it. */
  constructor(toClient: Transport, toBoard: Transport | Promise<Transport>) {
    this.toClient = toClient
    toClient.onData((chunk) => {
      this.bytes.fromClient += chunk.length
      if (this.toBoard) void this.toBoard.write(chunk).catch(() => {})
      else this.early.push(chunk.slice())
    })
    void Promise.resolve(toBoard).then((board) => {
      this.toBoard = board
      for (const c of this.early.splice(0)) void board.write(c).catch(() => {})
      const decoder = new FrameDecoder()
      board.onData((chunk) => {
        this.bytes.fromBoard += chunk.length
        for (const item of decoder.push(chunk)) if (item.frame) this.forward(item.frame)
      })
      // a TCP relay mirrors a close
      board.onClose(() => void toClient.close())
      toClient.onClose(() => void board.close())
    })
  }

  arm(fault: Fault): void {
    this.fault = fault
  }

  /** Forwards again, with no fault armed (a pty relay serves one test after another). */
  reset(): void {
    this.fault = { kind: 'pass' }
    this.stopped = false
  }

  private forward(f: Frame): void {
    const name = (Object.entries(MessageType).find(([, v]) => v === f.type)?.[0] ?? '?') as MessageTypeName
    if (this.stopped) return
    this.seen.push(name)
    const bytes = encodeFrame(f.type, f.seq, f.payload)
    const fault = this.fault
    if (fault.kind !== 'pass' && fault.type === name) {
      this.fault = { kind: 'pass' }
      if (fault.kind === 'corrupt') {
        bytes[HEADER_BYTES + Math.min(f.payload.length - 1, 5)] ^= 0x20
      } else if (fault.kind === 'truncate') {
        this.stopped = true
        void this.toClient.write(bytes.subarray(0, Math.floor(bytes.length / 2)))
        return
      } else {
        this.stopped = true
        return
      }
    }
    void this.toClient.write(bytes).catch(() => {})
  }

  async close(): Promise<void> {
    await Promise.all([this.toClient.close(), this.toBoard?.close()])
  }
}

/** A TCP relay in front of a board: clients connect to `address`. */
export async function tcpRelay(boardAddress: string): Promise<{ address: string; relay: () => Relay | null; close(): Promise<void> }> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(boardAddress)
  if (!m) throw new Error(`not a TCP address: ${boardAddress}`)
  let current: Relay | null = null
  const listener = await listenTcp('127.0.0.1', 0, (client) => {
    current = new Relay(client, connectTcp(m[1], Number(m[2]), 2000))
  })
  return {
    address: listener.address,
    relay: () => current,
    close: async () => {
      await current?.close()
      await listener.close()
    },
  }
}

/**
 * A relay between two pty pairs: the board serves `boardSide.a`, the relay holds `boardSide.b` and
 * `clientSide.a`, the client opens `clientSide.b`.
 */
export async function ptyRelay(): Promise<{ boardPath: string; clientPath: string; relay: Relay; close(): Promise<void> }> {
  const boardSide = await ptyPair()
  const clientSide = await ptyPair()
  const toBoard = await openSerial(boardSide.b, 921_600, 2000)
  const toClient = await openSerial(clientSide.a, 921_600, 2000)
  const relay = new Relay(toClient, toBoard)
  return {
    boardPath: boardSide.a,
    clientPath: clientSide.b,
    relay,
    close: async () => {
      await relay.close()
      await boardSide.stop()
      await clientSide.stop()
    },
  }
}
