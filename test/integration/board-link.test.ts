// The board link end to end: BoardClient ↔ a `mimic board emulate` process, over TCP and over a
// pseudo-terminal pair (socat). The spikes streamed back must be those of the reference chip run in
// this process on the same configuration and stimulus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveTcp } from '../../src/hardware/board/server.ts'
import { ReferenceChip } from '../../src/hardware/chip/reference.ts'
import { NativeChip } from '../../src/services/native-chip.ts'
import { BoardClient } from '../../src/hardware/client.ts'
import { ProtocolError } from '../../src/hardware/protocol/errors.ts'
import { inputAddress, type CoreParameters, type DeployedConfiguration } from '../../src/shared/board.ts'
import { ptyPair, startEmulator, type Emulator, type PtyPair } from '../support/board.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const params = (over: Partial<CoreParameters> = {}): CoreParameters => ({
  tauMemMs: 20,
  refractoryMs: 2,
  threshold: 1,
  resetPotential: 0,
  bias: 0.2,
  tauSynMs: [5, 100, 5, 100],
  baseWeights: [30, 10, 40, 20],
  ...over,
})

/** Two chips' worth of cores, inputs and recurrent connections within the SE1 limits. */
function configuration(): DeployedConfiguration {
  const connections: DeployedConfiguration['connections'] = []
  for (let n = 0; n < 60; n++) {
    connections.push({ pre: inputAddress(n % 10), post: n, type: 0, weight: 2 + (n % 5) })
    connections.push({ pre: n, post: 256 + ((n * 7) % 50), type: n % 4, weight: 1 + (n % 3) })
  }
  for (let n = 0; n < 50; n++) connections.push({ pre: 256 + n, post: 1024 + n, type: 1, weight: 3 })
  return {
    weightScheme: 'se1',
    cores: [
      { chip: 0, core: 0, neurons: 60, params: params() },
      { chip: 0, core: 1, neurons: 50, params: params({ bias: 0.5 }) },
      { chip: 1, core: 0, neurons: 50, params: params({ tauMemMs: 10 }) },
    ],
    connections,
  }
}

function eventStimulus(durationUs: number): { timesUs: Uint32Array; channels: Uint32Array } {
  const times: number[] = []
  const channels: number[] = []
  for (let t = 0; t < durationUs; t += 29) {
    times.push(t)
    channels.push((t * 31) % 10)
  }
  return { timesUs: Uint32Array.from(times), channels: Uint32Array.from(channels) }
}

function native(serialNumber: string, mismatch: boolean, config: DeployedConfiguration, stim: { timesUs: Uint32Array; channels: Uint32Array }, durationUs: number) {
  const chip = new NativeChip({ chips: 2, weightScheme: 'se1', serialNumber, mismatch })
  chip.configure(config)
  const run = chip.start({ durationUs, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
  run.events(stim.timesUs, stim.channels)
  const s = run.advance(durationUs)
  return { timesUs: [...s.timesUs], neurons: [...s.neurons] }
}

function reference(config: DeployedConfiguration, input: { kind: 'events'; timesUs: Uint32Array; channels: Uint32Array } | { kind: 'samples'; channels: number; samplePeriodUs: number; values: Float32Array }, durationUs: number) {
  const chip = new ReferenceChip({ chips: 2, weightScheme: 'se1' })
  chip.configure(config)
  const run = chip.start({ durationUs, input: input.kind, analogChannels: input.kind === 'samples' ? input.channels : 0, samplePeriodUs: input.kind === 'samples' ? input.samplePeriodUs : 0 })
  if (input.kind === 'events') run.events(input.timesUs, input.channels)
  else run.samples(input.values, input.channels)
  const s = run.advance(durationUs)
  return { timesUs: [...s.timesUs], neurons: [...s.neurons] }
}

afterAll(cleanupTemp)

describe('mimic board emulate serves the native emulator by default', () => {
  it('with the mismatch of its serial number: the spikes of the native chip of that serial, not of another', async () => {
    const emulator = await startEmulator(tempDb(), ['--chip', 'native', '--serial-number', 'NAT-3', '--chips', '2', '--weights', 'se1'])
    const ideal = await startEmulator(tempDb(), ['--chip', 'native', '--no-mismatch', '--serial-number', 'NAT-3', '--chips', '2', '--weights', 'se1'])
    const durationUs = 300_000
    const stim = eventStimulus(durationUs)
    const config = configuration()
    const spikesOf = async (address: string) => {
      const c = await BoardClient.connect(address)
      try {
        await c.configure(config)
        const r = await c.runStimulus({ kind: 'events', ...stim }, { durationUs })
        return { model: c.handshake.model, serialNumber: c.handshake.serialNumber, spikes: { timesUs: [...r.timesUs], neurons: [...r.neurons] } }
      } finally {
        await c.close()
      }
    }
    try {
      const got = await spikesOf(emulator.address)
      expect(got.model).toBe('mimic native emulator (SE1, chip NAT-3)')
      expect(got.serialNumber).toBe('NAT-3')
      expect(got.spikes.timesUs.length).toBeGreaterThan(100)
      expect(got.spikes).toEqual(native('NAT-3', true, config, stim, durationUs))
      expect(got.spikes).not.toEqual(native('NAT-4', true, config, stim, durationUs))
      const flat = await spikesOf(ideal.address)
      expect(flat.model).toBe('mimic native emulator (SE1, no mismatch)')
      expect(flat.spikes).toEqual(native('NAT-3', false, config, stim, durationUs))
      expect(flat.spikes).not.toEqual(got.spikes)
    } finally {
      await emulator.stop()
      await ideal.stop()
    }
  })
})

for (const transport of ['tcp', 'pty'] as const) {
  describe(`board link over ${transport === 'tcp' ? 'TCP' : 'a pseudo-terminal pair'}`, () => {
    let emulator: Emulator
    let pty: PtyPair | null = null
    let address = ''

    beforeAll(async () => {
      const db = tempDb()
      if (transport === 'pty') {
        pty = await ptyPair()
        emulator = await startEmulator(db, ['--serial', pty.a, '--serial-number', 'PTY-7', '--chips', '2', '--weights', 'se1'])
        expect(emulator.address).toBe(`serial:${pty.a}`)
        address = `serial:${pty.b}`
      } else {
        emulator = await startEmulator(db, ['--serial-number', 'TCP-7', '--chips', '2', '--weights', 'se1'])
        expect(emulator.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
        address = emulator.address
      }
    })
    afterAll(async () => {
      await emulator?.stop()
      await pty?.stop()
    })

    it('handshakes, configures, and streams spikes equal to the reference chip', async () => {
      const c = await BoardClient.connect(address)
      try {
        expect(c.handshake).toEqual({
          protocolVersion: 1,
          model: 'mimic reference emulator (SE1)',
          serialNumber: transport === 'tcp' ? 'TCP-7' : 'PTY-7',
          firmware: 'reference-lif 1',
          chips: 2,
          coresPerChip: 4,
          neuronsPerCore: 256,
          fanIn: 64,
          fanOut: 3,
          weightScheme: 'se1',
          inputChannels: 1024,
        })
        const config = configuration()
        expect(await c.configure(config)).toEqual({ cores: 3, neurons: 160, connections: 170, camEntries: config.connections.reduce((a, x) => a + x.weight, 0) })
        const durationUs = 600_000
        const stim = eventStimulus(durationUs)
        expect(stim.timesUs.length).toBeGreaterThan(8192 * 2) // several STIM_EVENTS frames
        let batches = 0
        const r = await c.runStimulus({ kind: 'events', ...stim }, { durationUs, onSpikes: () => batches++ })
        const want = reference(config, { kind: 'events', ...stim }, durationUs)
        expect(want.timesUs.length).toBeGreaterThan(500)
        expect({ timesUs: [...r.timesUs], neurons: [...r.neurons] }).toEqual(want)
        expect(r.spikeCount).toBe(want.timesUs.length)
        expect(r.inputEvents).toBe(stim.timesUs.length)
        expect(r.durationUs).toBe(durationUs)
        // streamed as produced: many SPIKES frames, not one at the end
        expect(batches).toBeGreaterThan(3)
        // neurons on the second chip fired (addresses ≥ 1024)
        expect([...r.neurons].some((n) => n >= 1024)).toBe(true)
      } finally {
        await c.close()
      }
    })

    it('analog samples, reset, refusals that keep the link, and a new session after close', async () => {
      const c = await BoardClient.connect(address)
      try {
        const config = configuration()
        await c.configure(config)
        await c.reset()
        const channels = 10
        const values = Float32Array.from({ length: 300 * channels }, (_, i) => ((i * 7) % 13) / 4)
        const input = { kind: 'samples' as const, channels, samplePeriodUs: 1000, values }
        const r = await c.runStimulus(input, { durationUs: 300_000 })
        expect({ timesUs: [...r.timesUs], neurons: [...r.neurons] }).toEqual(reference(config, input, 300_000))
        expect(r.inputEvents).toBe(3000)

        // an invalid configuration is refused by name; the board is then unconfigured, the link goes on
        const bad = { ...config, connections: [...config.connections, { pre: 0, post: 999, type: 0, weight: 1 }] }
        const e = await c.configure(bad).then(
          () => null,
          (x: unknown) => x,
        )
        expect(e).toBeInstanceOf(ProtocolError)
        expect((e as ProtocolError).code).toBe('INVALID_CONFIGURATION')
        expect((e as ProtocolError).message).toMatch(/refused CONFIG_COMMIT: connection 170 \(0 → 999\): the target neuron 999 \(chip 0, core 3, neuron 231\) is not a neuron of a configured core/)
        await expect(c.runStimulus({ kind: 'events', timesUs: new Uint32Array(0), channels: new Uint32Array(0) }, { durationUs: 1000 })).rejects.toThrow(/NOT_CONFIGURED|has no configuration/)
        expect(await c.ping()).toBeLessThan(1500)
        // a stimulus the client can see is wrong never leaves it
        await c.configure(config)
        await expect(c.runStimulus({ kind: 'events', timesUs: Uint32Array.of(5, 3), channels: Uint32Array.of(0, 0) }, { durationUs: 1000 })).rejects.toThrow(/input event 1 at 3 µs comes before event 0 at 5 µs/)
        expect(c.error).toBeNull()
      } finally {
        await c.close()
      }
      // the board takes the next session
      const again = await BoardClient.connect(address)
      expect(again.handshake.serialNumber).toBe(transport === 'tcp' ? 'TCP-7' : 'PTY-7')
      await again.close()
    })

    if (transport === 'tcp') {
      it('one client at a time: a second connection is refused with BUSY', async () => {
        const first = await BoardClient.connect(address)
        try {
          const t0 = performance.now()
          const e = await BoardClient.connect(address).then(
            () => null,
            (x: unknown) => x as ProtocolError,
          )
          expect(e?.code).toBe('BUSY')
          expect(e?.message).toMatch(/the board at tcp:\/\/127\.0\.0\.1:\d+ reported BUSY: the board is in use by 127\.0\.0\.1:\d+/)
          expect(performance.now() - t0).toBeLessThan(2000)
          expect(await first.ping()).toBeLessThan(1500)
        } finally {
          await first.close()
        }
      })
    }
  })
}

describe('a client that connects while the previous one is still leaving', () => {
  it('its HELLO, sent before the board accepted it, is answered once the previous session ended', async () => {
    const server = await serveTcp({ chip: new ReferenceChip(), serialNumber: 'HANDOVER' }, '127.0.0.1', 0)
    try {
      const first = await BoardClient.connect(server.address)
      // the second connection's HELLO arrives while the first session is still active
      const second = BoardClient.connect(server.address)
      await new Promise((r) => setTimeout(r, 60))
      await first.close()
      const c = await second
      expect(c.handshake.serialNumber).toBe('HANDOVER')
      await c.close()
    } finally {
      await server.close()
    }
  })
})
