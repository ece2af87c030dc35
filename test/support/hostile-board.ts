// A fake board on a real TCP socket for the tests of a misbehaving lab: it speaks the board protocol
// well enough for a job to get going (the handshake of a one-chip SE2 board, configuration, runs
// that end with RUN_DONE and no spikes) and misbehaves where a test says so: its `on` hook sees every
// message from the client first and may answer it itself (slowly, with garbage, never) instead.
import { createServer, type Server, type Socket } from 'node:net'
import { decodeMessage, encodeMessage, FrameDecoder } from '../../src/hardware/protocol/frame.ts'
import { MessageType, type Message } from '../../src/hardware/protocol/messages.ts'

export interface HostileSession {
  socket: Socket
  /** sends a message to the client */
  send(m: Message, seq: number): void
  /** the run started and not yet ended, as the fake board saw it */
  run: { runId: number; durationUs: number } | null
}

/** What the fake board does with a message: 'default' answers it as a good board would; anything else: the hook handled it. */
export type HostileHook = (m: Message, seq: number, s: HostileSession) => 'default' | void

export interface HostileBoard {
  address: string
  /** messages received, by type, over every session */
  received: string[]
  /** connections open now */
  readonly open: number
  /** connections accepted so far */
  readonly accepted: number
  close(): Promise<void>
}

export const hostileGeometry = { weightScheme: 'se2' as const, chips: 1, coresPerChip: 4, neuronsPerCore: 256, fanIn: 64, fanOut: 4, inputChannels: 1024 }

export async function hostileBoard(on: HostileHook = () => 'default', opts: { serialNumber?: string; geometry?: Partial<typeof hostileGeometry> } = {}): Promise<HostileBoard> {
  const sockets = new Set<Socket>()
  const received: string[] = []
  let accepted = 0
  const g = { ...hostileGeometry, ...opts.geometry }
  const server: Server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const decoder = new FrameDecoder()
    const s: HostileSession = {
      socket,
      run: null,
      send: (m, seq) => {
        if (!socket.destroyed) socket.write(encodeMessage(m, seq))
      },
    }
    socket.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        if (!item.frame) return void socket.destroy()
        const m = decodeMessage(item.frame)
        received.push(m.type)
        if (m.type === 'RUN_START') s.run = { runId: m.runId, durationUs: m.durationUs }
        if (on(m, item.frame.seq, s) !== 'default') continue
        answer(m, item.frame.seq, s, g, opts.serialNumber ?? 'HOSTILE-1')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    address: `tcp://127.0.0.1:${port}`,
    received,
    get open() {
      return sockets.size
    },
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((done) => {
        for (const x of sockets) x.destroy()
        server.close(() => done())
      }),
  }
}

function answer(m: Message, seq: number, s: HostileSession, g: typeof hostileGeometry, serialNumber: string): void {
  const ack = (): void => s.send({ type: 'ACK', acked: MessageType[m.type] } as Message, seq)
  switch (m.type) {
    case 'HELLO':
      return s.send({ type: 'HELLO_ACK', version: m.version, ...g, model: 'hostile test board', serialNumber, firmware: 'test' }, seq)
    case 'CONFIG_BEGIN':
    case 'CONFIG_CONNECTIONS':
    case 'RESET':
    case 'RUN_START':
      return ack()
    case 'CONFIG_COMMIT':
      return s.send({ type: 'CONFIG_DONE', cores: 1, neurons: 1, connections: 0, camEntries: 0 }, seq)
    case 'STIM_END': {
      const r = s.run
      s.run = null
      return s.send({ type: 'RUN_DONE', runId: m.runId, durationUs: r?.durationUs ?? 0, spikes: 0, inputEvents: 0 }, seq)
    }
    case 'CLOSE':
      ack()
      s.socket.end()
      return
    default:
      return
  }
}
