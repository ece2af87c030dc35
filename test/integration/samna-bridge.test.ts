// The DYNAP-SE2 bridge (hardware/samna-bridge): a real `/usr/bin/python3 bridge.py` process on a free
// TCP port, driven by the workbench's real BoardClient and by raw sockets. There is no DYNAP-SE2
// board (nor Samna) here, so what is tested is the bridge's protocol side: the handshake, the
// refusal of every board command with the protocol's ERROR frame while the session goes on, the
// answer to corrupt frames, and (in Python) the CRC-32C test vectors and the example frames of
// docs/board-protocol.md §9 byte for byte. The Samna side (samna_driver.py) is untested.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BoardClient } from '../../src/hardware/client.ts'
import { ProtocolError } from '../../src/hardware/protocol/errors.ts'
import { decodeMessage, encodeMessage, FrameDecoder } from '../../src/hardware/protocol/frame.ts'
import type { Message } from '../../src/hardware/protocol/messages.ts'
import { inputAddress, type DeployedConfiguration } from '../../src/shared/board.ts'
import { firstLine, repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

const python = '/usr/bin/python3'
const bridgeDir = join(repoRoot, 'hardware', 'samna-bridge')

interface Bridge {
  address: string
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts the bridge on a free port (port 0; it prints the address it took as its first line). */
async function startBridge(args: string[], env: Record<string, string> = {}, pythonFlags: string[] = []): Promise<Bridge> {
  const child = spawn(python, [...pythonFlags, join(bridgeDir, 'bridge.py'), '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const address = await firstLine(child)
  return {
    address,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

const config: DeployedConfiguration = {
  weightScheme: 'se2',
  cores: [{ chip: 0, core: 0, neurons: 2, params: { tauMemMs: 20, refractoryMs: 2, threshold: 1, resetPotential: 0, bias: 0, tauSynMs: [5, 100, 5, 100], baseWeights: [0.5, 1, 2, 4] } }],
  connections: [
    { pre: inputAddress(0), post: 0, type: 0, weight: 15 },
    { pre: 0, post: 1, type: 2, weight: 3 },
  ],
}

/** A raw TCP connection that collects the frames (and frame errors) the bridge sends, and its close. */
function rawLink(address: string): Promise<{ socket: Socket; frames: Message[]; seqs: number[]; closed: Promise<void> }> {
  const { hostname, port } = new URL(address)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const decoder = new FrameDecoder('strict')
    const frames: Message[] = []
    const seqs: number[] = []
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.on('data', (chunk) => {
      for (const item of decoder.push(chunk)) {
        if (item.error) throw item.error
        frames.push(decodeMessage(item.frame))
        seqs.push(item.frame.seq)
      }
    })
    socket.once('connect', () => resolve({ socket, frames, seqs, closed }))
    socket.once('error', reject)
  })
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))
  try {
    return await Promise.race([p, limit])
  } finally {
    clearTimeout(timer)
  }
}

afterAll(cleanupTemp)

describe('the samna bridge, protocol side (Python unit checks)', () => {
  it('computes the CRC-32C test vectors, encodes and decodes every example frame of §9 byte for byte, and makes the checks of §7', () => {
    const r = spawnSync(python, ['-S', '-m', 'unittest', '-v', 'test_protocol', 'test_checks'], { cwd: bridgeDir, encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/test_vectors_of_section_3 \(.*\) \.\.\. ok/)
    expect(r.stderr).toMatch(/test_encoding_matches_section_9_byte_for_byte \(.*\) \.\.\. ok/)
    expect(r.stderr).toMatch(/test_decoding_section_9_gives_the_example_values \(.*\) \.\.\. ok/)
    expect(r.stderr).toMatch(/test_fan_in \(.*\) \.\.\. ok/)
    expect(r.stderr).toMatch(/test_core_blocks \(.*\) \.\.\. ok/)
    expect(r.stderr).toMatch(/Ran 19 tests/)
    expect(r.stderr).toMatch(/\nOK\s*$/)
  })
})

describe('the samna bridge without Samna', () => {
  let bridge: Bridge
  beforeAll(async () => {
    // -S: no site-packages, so Samna cannot be imported even where it is installed
    bridge = await startBridge(['--serial-number', 'SE2-TEST-1', '--quiet'], {}, ['-S'])
  }, 30_000)
  afterAll(async () => bridge?.stop())

  it('prints its TCP address and answers the handshake as a DYNAP-SE2 of the given serial number', async () => {
    expect(bridge.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
    const client = await BoardClient.connect(bridge.address)
    try {
      expect(client.handshake).toEqual({
        protocolVersion: 1,
        model: 'DYNAP-SE2 via Samna',
        serialNumber: 'SE2-TEST-1',
        firmware: 'samna-bridge 1, Samna not installed',
        chips: 1,
        coresPerChip: 4,
        neuronsPerCore: 256,
        fanIn: 64,
        fanOut: 4,
        weightScheme: 'se2',
        inputChannels: 1024,
      })
    } finally {
      await client.close()
    }
  })

  it('refuses CONFIGURE, a run and RESET with INTERNAL "Samna is not installed: pip install samna", and the link stays usable', async () => {
    const client = await BoardClient.connect(bridge.address)
    try {
      const refused = await client.configure(config).then(
        () => null,
        (e: unknown) => e,
      )
      expect(refused).toBeInstanceOf(ProtocolError)
      expect((refused as ProtocolError).code).toBe('INTERNAL')
      expect((refused as ProtocolError).remote).toBe(true)
      expect((refused as ProtocolError).message).toContain('Samna is not installed: pip install samna')
      expect((refused as ProtocolError).message).toContain('CONFIG_BEGIN')
      expect(client.error).toBeNull()
      // a second request on the same link is answered
      expect(await client.ping()).toBeGreaterThan(0)
      // and a second board command is refused the same way, the link still open
      await expect(client.reset(true)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('Samna is not installed: pip install samna') })
      await expect(client.runStimulus({ kind: 'events', timesUs: Uint32Array.of(10), channels: Uint32Array.of(0) }, { durationUs: 1000 })).rejects.toMatchObject({
        code: 'INTERNAL',
        message: expect.stringContaining('RUN_START refused: Samna is not installed'),
      })
      expect(await client.ping()).toBeGreaterThan(0)
      expect(client.error).toBeNull()
    } finally {
      await client.close()
    }
  })

  it('answers a frame with a bad payload check with ERROR CHECKSUM (seq 0) and closes the connection', async () => {
    const link = await rawLink(bridge.address)
    const hello = encodeMessage({ type: 'HELLO', version: 1, client: 'corrupt' }, 1)
    hello[20] ^= 0x01 // a payload byte: the payload check no longer matches
    link.socket.write(hello)
    await withTimeout(link.closed, 3000, 'the bridge closing after a corrupt frame')
    expect(link.frames).toHaveLength(1)
    expect(link.frames[0]).toMatchObject({ type: 'ERROR', code: 3, about: 0, message: expect.stringContaining('payload checksum mismatch in a HELLO frame') })
    expect(link.seqs).toEqual([0])
  })

  it('answers a bad header check with CHECKSUM and bad magic with BAD_FRAME, each closing the connection', async () => {
    const a = await rawLink(bridge.address)
    const f = encodeMessage({ type: 'PING', nonce: 1 }, 1)
    f[13] ^= 0xff
    a.socket.write(f)
    await withTimeout(a.closed, 3000, 'the bridge closing after a bad header check')
    expect(a.frames).toEqual([expect.objectContaining({ type: 'ERROR', code: 3, message: expect.stringContaining('header checksum mismatch') })])

    const b = await rawLink(bridge.address)
    b.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'))
    await withTimeout(b.closed, 3000, 'the bridge closing after bad magic')
    expect(b.frames).toEqual([expect.objectContaining({ type: 'ERROR', code: 2, message: expect.stringContaining('bad magic') })])
  })

  it('answers a frame cut short with ERROR TIMEOUT after 0.5 s, and a frame before HELLO with BAD_STATE', async () => {
    const a = await rawLink(bridge.address)
    a.socket.write(encodeMessage({ type: 'HELLO', version: 1, client: 'cut' }, 1).subarray(0, 10))
    await withTimeout(a.closed, 3000, 'the bridge closing after a truncated frame')
    expect(a.frames).toEqual([expect.objectContaining({ type: 'ERROR', code: 10, message: expect.stringContaining('incomplete frame: 10 bytes') })])

    const b = await rawLink(bridge.address)
    b.socket.write(encodeMessage({ type: 'PING', nonce: 5 }, 1))
    b.socket.write(encodeMessage({ type: 'HELLO', version: 1, client: 'late' }, 2))
    await withTimeout(
      (async () => {
        while (b.frames.length < 2) await new Promise((r) => setTimeout(r, 20))
      })(),
      3000,
      'two answers',
    )
    expect(b.frames[0]).toMatchObject({ type: 'ERROR', code: 8, message: expect.stringContaining('must be HELLO') })
    expect(b.seqs[0]).toBe(1)
    expect(b.frames[1]).toMatchObject({ type: 'HELLO_ACK', serialNumber: 'SE2-TEST-1' })
    b.socket.destroy()
    await b.closed
  })

  it('refuses another protocol version with VERSION_MISMATCH, and a second client with BUSY', async () => {
    await expect(BoardClient.connect(bridge.address, { version: 2 })).rejects.toMatchObject({ code: 'VERSION_MISMATCH', message: expect.stringContaining('this bridge speaks version 1') })
    const first = await BoardClient.connect(bridge.address)
    try {
      const second = await rawLink(bridge.address)
      await withTimeout(second.closed, 3000, 'the bridge closing a second connection')
      expect(second.frames).toEqual([expect.objectContaining({ type: 'ERROR', code: 5 })])
      expect(await first.ping()).toBeGreaterThan(0)
    } finally {
      await first.close()
    }
  })
})

describe('the samna bridge with Samna but no board attached', () => {
  let bridge: Bridge
  beforeAll(async () => {
    // a stand-in for the third-party samna package that, like Samna without a board, lists no device
    const dir = tempDir('samna-stand-in-')
    mkdirSync(join(dir, 'samna', 'device'), { recursive: true })
    writeFileSync(join(dir, 'samna', '__init__.py'), 'from . import device, dynapse2\n__version__ = "0.0-stand-in"\n')
    writeFileSync(join(dir, 'samna', 'dynapse2.py'), '')
    writeFileSync(join(dir, 'samna', 'device', '__init__.py'), 'def get_unopened_devices():\n    return []\n')
    bridge = await startBridge(['--serial-number', 'SE2-TEST-2', '--quiet'], { PYTHONPATH: dir })
  }, 30_000)
  afterAll(async () => bridge?.stop())

  it('handshakes and refuses CONFIGURE with "no DYNAP-SE2 board found", keeping the session', async () => {
    const client = await BoardClient.connect(bridge.address)
    try {
      expect(client.handshake.serialNumber).toBe('SE2-TEST-2')
      expect(client.handshake.firmware).toBe('samna-bridge 1, no board')
      await expect(client.configure(config)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('no DYNAP-SE2 board found') })
      expect(await client.ping()).toBeGreaterThan(0)
    } finally {
      await client.close()
    }
  })

  it('will not start without a board and without --serial-number, saying why', () => {
    const r = spawnSync(python, ['-S', join(bridgeDir, 'bridge.py'), '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000 })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('Samna is not installed: pip install samna; give --serial-number SN')
    expect(r.stdout).toBe('')
  })
})
