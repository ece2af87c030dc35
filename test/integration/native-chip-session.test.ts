// The native emulator behind the Chip interface a board session drives (src/services/native-chip.ts):
// streamed input in chunks and advances in pieces give the reference chip's spikes without mismatch,
// and the same virtual chip (serial) gives the same spikes in every session.
import { describe, expect, it } from 'vitest'
import type { Chip } from '../../src/hardware/chip/chip.ts'
import { ReferenceChip } from '../../src/hardware/chip/reference.ts'
import { inputAddress, type CoreParameters, type DeployedConfiguration } from '../../src/shared/board.ts'
import { NativeChip } from '../../src/services/native-chip.ts'
import { ChipSession } from '../../native/index.ts'

const params = (over: Partial<CoreParameters> = {}): CoreParameters => ({
  tauMemMs: 15,
  refractoryMs: 1,
  threshold: 1,
  resetPotential: 0,
  bias: 0.7,
  tauSynMs: [5, 60, 5, 60],
  baseWeights: [0.3, 0.05, 0.5, 0.1],
  ...over,
})

function config(): DeployedConfiguration {
  const connections: DeployedConfiguration['connections'] = []
  for (let post = 0; post < 30; post++) {
    connections.push({ pre: inputAddress(post % 3), post, type: 0, weight: 1 + (post % 15) })
    for (let k = 1; k <= 8; k++) connections.push({ pre: (post * 7 + k * 11) % 30, post, type: k % 4, weight: 1 + ((post + k) % 15) })
  }
  return { weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 30, params: params() }], connections }
}

/** Streams the same stimulus into a chip in uneven chunks and collects every spike. */
function stream(chip: Chip, mode: 'events' | 'samples'): string[] {
  const out: string[] = []
  const duration = 120_000
  const run = chip.start(mode === 'events' ? { durationUs: duration, input: 'events', analogChannels: 0, samplePeriodUs: 0 } : { durationUs: duration, input: 'samples', analogChannels: 3, samplePeriodUs: 500 })
  let t = 0
  let chunk = 0
  while (t < duration) {
    const next = Math.min(duration, t + 7_300 + 1_000 * (chunk++ % 5))
    if (mode === 'events') {
      const times: number[] = []
      const chans: number[] = []
      for (let x = t; x < next; x += 170 + ((x * 7) % 900)) {
        times.push(x)
        chans.push(x % 3)
      }
      run.events(Uint32Array.from(times), Uint32Array.from(chans))
    } else {
      const first = t / 500
      const n = Math.floor(next / 500) - first
      t = (first + n) * 500
      const v = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin((first * 3 + i) * 0.01) + 0.5)
      run.samples(v, 3)
    }
    t = mode === 'events' ? next : t
    // advance in two pieces: a bounded number of steps, then up to the input given
    for (const b of [run.advance(t, 13), run.advance(t)]) for (let i = 0; i < b.timesUs.length; i++) out.push(`${b.timesUs[i]}:${b.neurons[i]}`)
  }
  const b = run.advance(duration)
  for (let i = 0; i < b.timesUs.length; i++) out.push(`${b.timesUs[i]}:${b.neurons[i]}`)
  return out
}

describe('the native emulator as a board chip', () => {
  for (const mode of ['events', 'samples'] as const) {
    it(`without mismatch, streamed ${mode} give the reference chip's spikes`, () => {
      const ref = new ReferenceChip({ dtUs: 100 })
      const nat = new NativeChip({ dtUs: 100, mismatch: false })
      expect(nat.configure(config())).toEqual(ref.configure(config()))
      const a = stream(ref, mode)
      const b = stream(nat, mode)
      expect(a.length).toBeGreaterThan(100)
      expect(b).toEqual(a)
      // state carries over between runs until reset; after reset both start from rest again
      ref.reset(false)
      nat.reset(false)
      expect(stream(nat, mode)).toEqual(stream(ref, mode))
    })
  }

  it('the same serial gives the same spikes in every session; another serial or none differs', () => {
    const run = (sn: string | null) => {
      const chip = new NativeChip(sn ? { serialNumber: sn } : { mismatch: false })
      chip.configure(config())
      return stream(chip, 'events')
    }
    const a = run('EMU-0007')
    expect(run('EMU-0007')).toEqual(a)
    expect(run('EMU-0008')).not.toEqual(a)
    expect(run(null)).not.toEqual(a)
    expect(() => new NativeChip({})).toThrow(/serialNumber is missing/)
  })

  // advance() runs on the event loop: steps × neurons is bounded (at the old bound of 10^7 steps alone,
  // a board of 16 chips took about 11 minutes in one call); a chip run advances a long way in slices
  const fourCores = (): DeployedConfiguration => ({
    weightScheme: 'se2',
    cores: [0, 1, 2, 3].map((core) => ({ chip: 0, core, neurons: 256, params: params({ bias: 1.2 + 0.1 * core }) })),
    connections: [],
  })

  it('a session refuses more steps × neurons than it computes on the event loop, naming steps and maxSteps', () => {
    const session = new ChipSession(fourCores(), { mismatch: false })
    expect(session.maxSteps).toBe(2 ** 26 / 1024)
    expect(() => session.advance(70_000, {})).toThrow(RangeError)
    expect(() => session.advance(70_000, {})).toThrow(
      'steps: 70000 steps of 1024 neurons are 71680000 neuron-steps, more than the 67108864 that advance() computes on the event loop: advance at most session.maxSteps = 65536 steps at a time',
    )
    expect(session.advance(10, {}).step).toBeInstanceOf(Int32Array)
  })

  it('a chip run advances beyond maxSteps in one call, with the spikes of shorter advances', () => {
    const durationUs = 7_000_000 // 70 000 steps of 100 µs, more than maxSteps (65 536) of 1024 neurons
    const spikes = (pieces: number[]) => {
      const chip = new NativeChip({ mismatch: false })
      chip.configure(fourCores())
      const run = chip.start({ durationUs, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
      const out: string[] = []
      for (const until of pieces) {
        const b = run.advance(until)
        for (let i = 0; i < b.timesUs.length; i++) out.push(`${b.timesUs[i]}:${b.neurons[i]}`)
      }
      return out
    }
    const whole = spikes([durationUs])
    expect(whole.length).toBeGreaterThan(10_000)
    expect(whole).toEqual(spikes([3_000_000, durationUs]))
  })
})
