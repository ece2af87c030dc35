// The native chip emulator (native/core/chip.hpp) against closed forms of its equations and against
// the TypeScript reference chip (src/hardware/chip/reference.ts): without mismatch it gives the same
// spikes; with mismatch it is deterministic per serial number on any thread count, and serials differ.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { addon, chipEmulate, chipInspect, ChipSession, type ChipConfiguration, type RawCancelToken } from '../../native/index.ts'
import { atEverySimdLevel } from '../support/simd-levels.ts'
import { ReferenceChip } from '../../src/hardware/chip/reference.ts'
import { inputAddress, type CoreParameters, type DeployedConfiguration } from '../../src/shared/board.ts'

/** mulberry32: a small seeded generator for the test's random networks. */
class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const params = (over: Partial<CoreParameters> = {}): CoreParameters => ({
  tauMemMs: 20,
  refractoryMs: 2,
  threshold: 1,
  resetPotential: 0,
  bias: 0,
  tauSynMs: [5, 100, 5, 100],
  baseWeights: [0.5, 1, 2, 4],
  ...over,
})

/** A random network over two chips: every core used, recurrent and input connections within the limits. */
function randomConfig(scheme: 'se1' | 'se2', seed: number): DeployedConfiguration {
  const rng = new Rng(seed)
  const cores: DeployedConfiguration['cores'] = []
  const used: number[] = []
  for (const [chip, core, neurons] of [
    [0, 0, 40],
    [0, 3, 25],
    [1, 1, 30],
  ] as const) {
    cores.push({ chip, core, neurons, params: params({ bias: 0.6 + 0.3 * rng.uniform(), tauMemMs: 10 + 20 * rng.uniform(), refractoryMs: 1 + rng.uniform() * 3, baseWeights: [0.3, 0.05, 0.4, 0.08] }) })
    for (let j = 0; j < neurons; j++) used.push((chip * 4 + core) * 256 + j)
  }
  const connections: DeployedConfiguration['connections'] = []
  for (const post of used) {
    let cam = 0
    for (let c = 0; c < 4; c++) {
      const w = scheme === 'se1' ? 1 + Math.floor(rng.uniform() * 3) : 1 + Math.floor(rng.uniform() * 15)
      connections.push({ pre: inputAddress(c), post, type: rng.uniform() < 0.8 ? 0 : 1, weight: w })
      cam += scheme === 'se1' ? w : 1
    }
    for (let k = 0; k < 12; k++) {
      const pre = used[Math.floor(rng.uniform() * used.length)]
      const w = scheme === 'se1' ? 1 + Math.floor(rng.uniform() * 2) : 1 + Math.floor(rng.uniform() * 15)
      if (cam + (scheme === 'se1' ? w : 1) > 64) break
      connections.push({ pre, post, type: Math.floor(rng.uniform() * 4), weight: w })
      cam += scheme === 'se1' ? w : 1
    }
  }
  return { weightScheme: scheme, cores, connections }
}

function referenceSpikes(config: DeployedConfiguration, run: (chip: ReferenceChip) => { timesUs: Uint32Array; neurons: Uint32Array }) {
  const chip = new ReferenceChip({ chips: 2, weightScheme: config.weightScheme, dtUs: 100 })
  chip.configure(config)
  return run(chip)
}

/** The native spikes of sample 0 as (time µs, address) pairs in the reference's order (time, then dense index). */
function nativePairs(r: Awaited<ReturnType<typeof chipEmulate>>, dtUs: number) {
  const out: string[] = []
  for (let i = 0; i < r.spikes.step.length; i++) if (r.spikes.sample[i] === 0) out.push(`${r.spikes.step[i] * dtUs}:${r.addresses[r.spikes.neuron[i]]}`)
  return out
}

describe('native chip emulator', () => {
  it('a neuron driven by its bias fires at the closed-form times', async () => {
    const config: ChipConfiguration = { weightScheme: 'se2', cores: [{ chip: 0, core: 2, neurons: 1, params: params({ bias: 2 }) }], connections: [] }
    const r = await chipEmulate(config, { events: { sample: new Int32Array(0), timeUs: new Uint32Array(0), channel: new Uint32Array(0) }, batch: 1, durationUs: 100_000 }, { mismatch: false, spikesOf: 1 })
    const a = 0.1 / 20
    const m = Math.ceil(Math.log(1 - 1 / 2) / Math.log(1 - a)) // V = b(1 − (1 − a)^m) ≥ 1
    const period = m + 20
    expect([...r.spikes.step]).toEqual([0, 1, 2, 3, 4, 5].map((k) => m - 1 + k * period))
    expect([...r.addresses]).toEqual([512])
    expect(r.spikeCounts[0]).toBe(6)
  })

  it('membrane potentials at the end of each decode period: the closed form of a bias-driven neuron, the outputs unchanged by keeping them', async () => {
    const config: ChipConfiguration = { weightScheme: 'se2', cores: [{ chip: 0, core: 2, neurons: 2, params: params({ bias: 2 }) }], connections: [] }
    const input = { events: { sample: new Int32Array(0), timeUs: new Uint32Array(0), channel: new Uint32Array(0) }, batch: 1, durationUs: 20_000 }
    const decode = { weights: Float32Array.of(1, 0.5), outputs: 1, tauOutMs: 5, periodUs: 1000 }
    const r = await chipEmulate(config, input, { mismatch: false, decode, membraneNeurons: Int32Array.of(1) })
    const a = 0.1 / 20
    const m0 = Math.ceil(Math.log(1 - 1 / 2) / Math.log(1 - a)) // the first spike's step count
    // period p ends after step 10(p+1) − 1: V = 2(1 − (1 − a)^(10(p+1))) before the first spike
    const v = Array.from(r.membrane!)
    expect(v).toHaveLength(20)
    for (let p = 0; 10 * (p + 1) < m0; p++) expect(v[p]).toBeCloseTo(2 * (1 - (1 - a) ** (10 * (p + 1))), 6)
    expect(Math.min(...v.slice(Math.ceil(m0 / 10)))).toBeLessThan(v[Math.floor(m0 / 10) - 1]) // reset after the spike
    const plain = await chipEmulate(config, input, { mismatch: false, decode })
    expect(Array.from(r.outputs!)).toEqual(Array.from(plain.outputs!))
    expect(plain.membrane).toBeUndefined()
    expect(() => chipEmulate(config, input, { mismatch: false, membraneNeurons: Int32Array.of(2) })).toThrow(/options.membraneNeurons\[0\] must be a configured neuron, 0..1, but is 2/)
  })

  it('a constant analog input through a fast synapse: the membrane settles where the closed form says (fires or not)', async () => {
    // x on one channel, SE1 count 2 × base 0.5 on AMPA: per step I ← αI + x·1·dt; steady I = x·dt/(1 − α);
    // V → I; threshold just above / below that level
    const alpha = Math.exp(-0.1 / 5)
    const x = 3
    const steady = (x * 1 * 0.1) / (1 - alpha)
    const run = async (threshold: number) => {
      const config: ChipConfiguration = { weightScheme: 'se1', cores: [{ chip: 0, core: 0, neurons: 1, params: params({ threshold, refractoryMs: 0 }) }], connections: [{ pre: inputAddress(0), post: 0, type: 0, weight: 2 }] }
      const samples = new Float32Array(5000).fill(x)
      const r = await chipEmulate(config, { samples, batch: 1, steps: 5000, channels: 1 }, { mismatch: false })
      return r.spikeCounts[0]
    }
    expect(await run(steady * 1.01)).toBe(0)
    expect(await run(steady * 0.95)).toBeGreaterThan(5)
  })

  for (const scheme of ['se1', 'se2'] as const) {
    it(`without mismatch, the same spikes as the reference chip (${scheme.toUpperCase()}, events and analog input)`, async () => {
      const config = randomConfig(scheme, scheme === 'se1' ? 11 : 12)
      // events
      const rng = new Rng(5)
      const times: number[] = []
      const channels: number[] = []
      for (let t = 0; t < 200_000; t += Math.floor(200 + rng.uniform() * 1500)) {
        times.push(t)
        channels.push(Math.floor(rng.uniform() * 4))
      }
      const ref = referenceSpikes(config, (chip) => {
        const run = chip.start({ durationUs: 200_000, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
        run.events(Uint32Array.from(times), Uint32Array.from(channels))
        return run.advance(200_000)
      })
      const nat = await chipEmulate(config, { events: { sample: new Int32Array(times.length), timeUs: Uint32Array.from(times), channel: Uint32Array.from(channels) }, batch: 1, durationUs: 200_000 }, { chips: 2, mismatch: false, spikesOf: 1 })
      const refPairs = [...ref.timesUs].map((t, i) => `${t}:${ref.neurons[i]}`)
      expect(refPairs.length).toBeGreaterThan(200)
      expect(nativePairs(nat, 100)).toEqual(refPairs)
      // analog samples of 1 ms (10 steps each)
      const T = 150
      const samples = new Float32Array(T * 4)
      for (let i = 0; i < samples.length; i++) samples[i] = 2 * rng.uniform() - 0.5
      const refA = referenceSpikes(config, (chip) => {
        const run = chip.start({ durationUs: T * 1000, input: 'samples', analogChannels: 4, samplePeriodUs: 1000 })
        run.samples(samples, 4)
        return run.advance(T * 1000)
      })
      const natA = await chipEmulate(config, { samples, batch: 1, steps: T, channels: 4, samplePeriodUs: 1000 }, { chips: 2, mismatch: false, spikesOf: 1 })
      const refAPairs = [...refA.timesUs].map((t, i) => `${t}:${refA.neurons[i]}`)
      expect(refAPairs.length).toBeGreaterThan(100)
      expect(nativePairs(natA, 100)).toEqual(refAPairs)
    })
  }

  it('mismatch is frozen per serial number: the same serial gives the same chip on any thread count, serials differ', async () => {
    const config = randomConfig('se1', 21)
    const B = 6
    const T = 300
    const rng = new Rng(9)
    const samples = Float32Array.from({ length: B * T * 4 }, () => 2 * rng.uniform() - 0.3)
    const input = { samples, batch: B, steps: T, channels: 4, samplePeriodUs: 1000 }
    const a = await chipEmulate(config, input, { chips: 2, serialNumber: 'EMU-0001', threads: 1, spikesOf: B })
    const b = await chipEmulate(config, input, { chips: 2, serialNumber: 'EMU-0001', threads: 0, spikesOf: B })
    const c = await chipEmulate(config, input, { chips: 2, serialNumber: 'EMU-0002', threads: 0, spikesOf: B })
    const ideal = await chipEmulate(config, input, { chips: 2, mismatch: false, spikesOf: B })
    expect(b.spikeCounts).toEqual(a.spikeCounts)
    expect(b.spikes).toEqual(a.spikes)
    expect(c.spikeCounts).not.toEqual(a.spikeCounts)
    expect(ideal.spikeCounts).not.toEqual(a.spikeCounts)
    const ia = chipInspect(config, { chips: 2, serialNumber: 'EMU-0001' })
    const ia2 = chipInspect(config, { chips: 2, serialNumber: 'EMU-0001' })
    const ic = chipInspect(config, { chips: 2, serialNumber: 'EMU-0002' })
    expect(ia2).toEqual(ia)
    expect(ic.tauMemMs).not.toEqual(ia.tauMemMs)
    // the frozen deviation belongs to the physical neuron: the same neuron keeps it when the configuration lists the cores in another order
    const swapped = { ...config, cores: [config.cores[2], config.cores[0], config.cores[1]] }
    const is = chipInspect(swapped, { chips: 2, serialNumber: 'EMU-0001' })
    const byAddress = (x: typeof ia) => new Map([...x.addresses].map((addr, i) => [addr, x.tauMemMs[i]]))
    expect(byAddress(is)).toEqual(byAddress(ia))
  })

  it('the spreads are those of docs/method.md §14 (τ_mem: σ = 0.034·τ + 2.5 ms; fast efficacies CV 0.31, slow 0.2)', () => {
    const neurons = 256
    const cores = [0, 1, 2, 3].map((core) => ({ chip: 0, core, neurons, params: params({ tauMemMs: 50, baseWeights: [1, 1, 1, 1] }) }))
    const connections: DeployedConfiguration['connections'] = []
    for (let post = 0; post < 1024; post++) for (let c = 0; c < 4; c++) connections.push({ pre: inputAddress(c), post, type: c < 2 ? 0 : 1, weight: 1 })
    const config: ChipConfiguration = { weightScheme: 'se1', cores, connections }
    const x = chipInspect(config, { serialNumber: 'SPREAD-1' })
    const stats = (v: number[]) => {
      const m = v.reduce((s, y) => s + y, 0) / v.length
      return { mean: m, sd: Math.sqrt(v.reduce((s, y) => s + (y - m) ** 2, 0) / (v.length - 1)) }
    }
    const tau = stats([...x.tauMemMs])
    expect(tau.mean).toBeGreaterThan(49)
    expect(tau.mean).toBeLessThan(51)
    expect(tau.sd).toBeGreaterThan(4.2 * 0.9)
    expect(tau.sd).toBeLessThan(4.2 * 1.1)
    const fast = stats([...x.efficacies].filter((_, i) => i % 4 < 2))
    const slow = stats([...x.efficacies].filter((_, i) => i % 4 >= 2))
    expect(fast.sd / fast.mean).toBeGreaterThan(0.28)
    expect(fast.sd / fast.mean).toBeLessThan(0.34)
    expect(slow.sd / slow.mean).toBeGreaterThan(0.18)
    expect(slow.sd / slow.mean).toBeLessThan(0.22)
    // mismatch off: every value nominal
    const ideal = chipInspect(config, { mismatch: false })
    expect(new Set(ideal.tauMemMs).size).toBe(1)
    expect(new Set(ideal.efficacies).size).toBe(1)
  })

  it('refuses bad configurations and options with the field and the limit', async () => {
    const ok: ChipConfiguration = { weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 2, params: params() }], connections: [] }
    const input = { samples: new Float32Array(10), batch: 1, steps: 10, channels: 1 }
    expect(() => chipEmulate(ok, input, {})).toThrow(/options.serialNumber is missing.*options.mismatch to false/)
    expect(() => chipEmulate({ ...ok, connections: Array.from({ length: 65 }, () => ({ pre: inputAddress(0), post: 0, type: 0, weight: 1 })) }, input, { mismatch: false })).toThrow(
      /connection 64 .*65 CAM entries, more than its fan-in of 64/,
    )
    expect(() => chipEmulate({ ...ok, connections: [{ pre: 0, post: 5, type: 0, weight: 1 }] }, input, { mismatch: false })).toThrow(/connection 0 .*not a neuron of a configured core/)
    expect(() => chipEmulate({ ...ok, connections: [{ pre: 0, post: 1, type: 0, weight: 16 }] }, input, { mismatch: false })).toThrow(/config.connections\[0\].weight|4-bit mask/)
    expect(() => chipEmulate({ ...ok, cores: [{ ...ok.cores[0], params: { ...params(), baseWeights: [-1, 0, 0, 0] } }] }, input, { mismatch: false })).toThrow(/baseWeights\[0\] must be ≥ 0: the sign comes from the synapse type/)
    expect(() => chipEmulate({ ...ok, weightScheme: 'se3' as 'se1' }, input, { mismatch: false })).toThrow(/config.weightScheme/)
    expect(() => chipEmulate(ok, { ...input, samples: new Float32Array(9) }, { mismatch: false })).toThrow(/input.samples must have batch × steps × channels = 10 elements/)
    expect(() => chipEmulate(ok, input, { mismatch: false, dtUs: 0.5 })).toThrow(/options.dtUs/)
    expect(() => chipEmulate(ok, input, { mismatch: false, colour: 1 } as object)).toThrow(/colour/)
    // fan-out: SE1 reaches at most 3 cores
    const five: ChipConfiguration = {
      weightScheme: 'se1',
      cores: [0, 1, 2, 3].map((core) => ({ chip: 0, core, neurons: 1, params: params() })).concat([{ chip: 1, core: 0, neurons: 1, params: params() }]),
      connections: [256, 512, 768, 1024].map((post) => ({ pre: 0, post, type: 0, weight: 1 })),
    }
    expect(() => chipEmulate(five, input, { mismatch: false, chips: 2 })).toThrow(/would reach 4 cores, more than its fan-out of 3/)
  })

  // Membrane noise and neuron death (a robustness sweep on the emulator, docs/method.md §14.1). A neuron
  // with τ_mem = dt forgets its potential every step: V = bias + σ·ξ, so it fires in each step on its own
  // with probability 1 − Φ((θ − bias)/σ) (no refractory period: a reset does not carry over).
  const noisy = (neurons: number): ChipConfiguration => ({ weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons, params: params({ tauMemMs: 0.1, refractoryMs: 0, threshold: 1, bias: 0.5 }) }], connections: [] })
  const quiet = (batch: number, durationUs: number) => ({ events: { sample: new Int32Array(0), timeUs: new Uint32Array(0), channel: new Uint32Array(0) }, batch, durationUs })

  it('membrane noise: a memoryless neuron fires with the Gaussian tail probability each step; a stream per sample, the same on any thread count', async () => {
    const K = 20_000 // steps of 100 µs
    const P = 0.15865525393145707 // 1 − Φ(1): θ − bias = σ
    const run = (options: object) => chipEmulate(noisy(1), quiet(4, K * 100), { mismatch: false, ...options })
    const r = await run({ noiseStd: 0.5, noiseSeed: 9, threads: 1 })
    const sd = Math.sqrt(K * P * (1 - P))
    for (const c of r.spikeCounts) expect(Math.abs(c - K * P)).toBeLessThan(4.5 * sd)
    expect(new Set(r.spikeCounts).size).toBeGreaterThan(1) // each sample its own stream
    expect([...(await run({ noiseStd: 0.5, noiseSeed: 9, threads: 2 })).spikeCounts]).toEqual([...r.spikeCounts])
    expect([...(await run({ noiseStd: 0.5, noiseSeed: 10 })).spikeCounts]).not.toEqual([...r.spikeCounts])
    // σ = 0 is no noise: the neuron rests at 0.5, below its threshold
    expect([...(await run({ noiseStd: 0 })).spikeCounts]).toEqual([0, 0, 0, 0])
  })

  it('neuron death: a silenced neuron does not spike in its window; the rest of the run is as without it', async () => {
    const K = 10_000
    const run = (options: object) => chipEmulate(noisy(2), quiet(1, K * 100), { mismatch: false, noiseStd: 0.5, noiseSeed: 3, spikesOf: 1, ...options })
    const pairs = (r: Awaited<ReturnType<typeof chipEmulate>>) => [...r.spikes.step].map((k, i) => `${k}:${r.spikes.neuron[i]}`)
    const whole = await run({})
    const dead = await run({ silence: { neurons: Int32Array.of(0), startUs: 300_000, endUs: 600_000 } })
    // the window is steps 3000..5999: neuron 0 is silent there, everything else is the same spike for spike
    const inWindow = (p: string) => p.endsWith(':0') && Number(p.split(':')[0]) >= 3000 && Number(p.split(':')[0]) < 6000
    expect(whole.spikes.step.length).toBeGreaterThan(1000)
    expect(pairs(whole).some(inWindow)).toBe(true)
    expect(pairs(dead).some(inWindow)).toBe(false)
    expect(pairs(dead)).toEqual(pairs(whole).filter((p) => !inWindow(p)))
    // without a window: the whole run
    expect((await run({ silence: { neurons: Int32Array.of(0, 1) } })).spikes.step.length).toBe(0)
  })

  it('refuses bad noise and silence options naming the field', () => {
    const input = quiet(1, 1000)
    expect(() => chipEmulate(noisy(2), input, { mismatch: false, noiseStd: -1 })).toThrow(/options.noiseStd must be between 0 and/)
    expect(() => chipEmulate(noisy(2), input, { mismatch: false, noiseSeed: 1.5 })).toThrow(/options.noiseSeed/)
    expect(() => chipEmulate(noisy(2), input, { mismatch: false, silence: { neurons: Int32Array.of(2) } })).toThrow(/options.silence.neurons\[0\] must be a configured neuron, 0..1, but is 2/)
    expect(() => chipEmulate(noisy(2), input, { mismatch: false, silence: { neurons: [0] as unknown as Int32Array } })).toThrow(/options.silence.neurons/)
    expect(() => chipEmulate(noisy(2), input, { mismatch: false, silence: { neurons: Int32Array.of(0), fromUs: 0 } as object as { neurons: Int32Array } })).toThrow(/fromUs/)
  })

  it('refuses a run of more steps than int32 counts, and keeps at most maxSpikeEvents spikes, checked against the budget first', async () => {
    const raw = addon<{
      CancelToken: new () => RawCancelToken
      chipEmulate(c: object, i: object, o: object, p?: unknown, t?: RawCancelToken): Promise<unknown>
      setMemoryBudget(bytes: number, source: string): void
      memoryBudget(): { bytes: number; source: string }
    }>()
    // a call that is not refused would be cancelled at once (its token is), never run
    const cancelled = new raw.CancelToken()
    cancelled.cancel()
    const call = (config: object, input: object, options: object) => {
      const p = raw.chipEmulate(config, input, options, undefined, cancelled)
      p.catch(() => {})
      return p
    }
    const hot: ChipConfiguration = { weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 4, params: params({ bias: 1e4, refractoryMs: 0 }) }], connections: [] }
    const events = { sample: new Int32Array(0), timeUs: new Uint32Array(0), channel: new Uint32Array(0) }
    expect(() => call(hot, { events, batch: 1, durationUs: 1e10 }, { mismatch: false, dtUs: 1 })).toThrow(RangeError)
    expect(() => call(hot, { events, batch: 1, durationUs: 1e10 }, { mismatch: false, dtUs: 1 })).toThrow(
      'input.durationUs: the run takes 10000000000 steps of 1 µs, more than 2147483647 (steps and spike counts are int32): emulate a shorter run or take larger options.dtUs',
    )
    expect(() => call(hot, { samples: new Float32Array(300), batch: 1, steps: 300, channels: 1, samplePeriodUs: 1e7 }, { mismatch: false, dtUs: 1 })).toThrow(
      'input.steps: the run takes 3000000000 steps of 1 µs, more than 2147483647 (steps and spike counts are int32): emulate a shorter run or take larger options.dtUs',
    )
    // the spikes kept: every neuron fires every step here, 4000 spikes in 1000 steps
    const run = (options: object) => chipEmulate(hot, { events, batch: 2, durationUs: 100_000 }, { mismatch: false, ...options })
    expect((await run({ spikesOf: 2 })).spikes.step.length).toBe(8000)
    await expect(run({ spikesOf: 2, maxSpikeEvents: 7999 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: 'the run kept more than options.maxSpikeEvents = 7999 spike events: keep the spikes of fewer samples (options.spikesOf), emulate a shorter run or raise maxSpikeEvents',
    })
    expect((await run({ spikesOf: 0, maxSpikeEvents: 1 })).spikeCounts[0]).toBe(1000)
    // the most spikes a run may keep are charged to the memory budget before it starts
    const before = raw.memoryBudget()
    raw.setMemoryBudget(1e9, 'the test')
    try {
      expect(() => call(hot, { events, batch: 1, durationUs: 1e9 }, { mismatch: false, dtUs: 1, spikesOf: 1, maxSpikeEvents: 2 ** 31 - 1 })).toThrow(
        /^options\.maxSpikeEvents: 1 run of 1000000000 steps keeping up to 2147483647 spike events needs 85\.9 GB .* the memory limit is 1\.0 GB .*: keep the spikes of fewer samples \(options\.spikesOf\) or lower options\.maxSpikeEvents$/,
      )
    } finally {
      raw.setMemoryBudget(before.bytes, before.source)
    }
  })
})

// The emulator's step and decoder are compiled once per SIMD level (native/core/chip_kernel-inl.hpp). The
// analog input takes one of two forms by how densely the channels reach the synapses: by synapse (each
// synapse's connections in a scalar loop) or layered (a vector loop over blocks of synapses, one layer
// per channel and repeat); which one runs depends on the level. Three networks cover both: a dense one
// (layered at every level), a middling one (by synapse at SSE2, layered above it) with repeated
// connections (a channel reaching a synapse twice) and a sparse one (by synapse at every level). At
// each level: the reference chip's spikes without mismatch, and every output the same, bit for bit,
// as at the first level (mismatch, noise, silenced neurons, nine decoded outputs, membrane traces).
function analogConfig(kind: 'middling' | 'sparse'): DeployedConfiguration {
  const rng = new Rng(kind === 'middling' ? 31 : 32)
  const neurons = 96
  const channels = kind === 'middling' ? 8 : 64
  const connections: DeployedConfiguration['connections'] = []
  for (let post = 0; post < neurons; post++) {
    if (kind === 'middling') {
      // two channels of eight, each through a fast excitatory synapse; the first ten neurons twice from channel 0
      const a = post < 10 ? 0 : Math.floor(rng.uniform() * 8)
      const b = (a + 1 + Math.floor(rng.uniform() * 7)) % 8
      for (const c of [a, b]) connections.push({ pre: inputAddress(c), post, type: 0, weight: 1 + Math.floor(rng.uniform() * 15) })
      if (post < 10) connections.push({ pre: inputAddress(a), post, type: 0, weight: 1 + Math.floor(rng.uniform() * 15) })
    } else {
      // one channel of 64, through any of the four synapse types
      connections.push({ pre: inputAddress(Math.floor(rng.uniform() * channels)), post, type: Math.floor(rng.uniform() * 4), weight: 1 + Math.floor(rng.uniform() * 15) })
    }
    for (let k = 0; k < 6; k++) connections.push({ pre: Math.floor(rng.uniform() * neurons), post, type: Math.floor(rng.uniform() * 4), weight: 1 + Math.floor(rng.uniform() * 15) })
  }
  return { weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons, params: params({ bias: 0.2, tauMemMs: 15, baseWeights: [0.3, 0.05, 0.4, 0.08] }) }], connections }
}

const atFirstLevel = new Map<string, string>()
atEverySimdLevel('the chip emulator', (level) => {
  const cases = [
    ['dense', randomConfig('se2', 41), 4],
    ['middling', analogConfig('middling'), 8],
    ['sparse', analogConfig('sparse'), 64],
  ] as const
  for (const [name, config, C] of cases) {
    it(`${name} analog input: the reference chip's spikes without mismatch, and the same outputs at every level`, async () => {
      const rng = new Rng(7)
      const T = 200
      // a quarter of the samples 0 (a silent channel adds nothing)
      const samples = Float32Array.from({ length: 2 * T * C }, () => (rng.uniform() < 0.25 ? 0 : 3 * rng.uniform() - 0.5))
      const refA = referenceSpikes(config, (chip) => {
        const run = chip.start({ durationUs: T * 1000, input: 'samples', analogChannels: C, samplePeriodUs: 1000 })
        run.samples(samples.subarray(0, T * C), C)
        return run.advance(T * 1000)
      })
      const input = { samples, batch: 2, steps: T, channels: C, samplePeriodUs: 1000 }
      const ideal = await chipEmulate(config, input, { chips: 2, mismatch: false, spikesOf: 1 })
      const refPairs = [...refA.timesUs].map((t, i) => `${t}:${refA.neurons[i]}`)
      expect(refPairs.length).toBeGreaterThan(50)
      expect(nativePairs(ideal, 100)).toEqual(refPairs)
      // a streamed session gives the same spikes
      const session = new ChipSession(config, { chips: 2, mismatch: false })
      const steps = T * 10
      const streamed = session.advance(steps, {
        samples: Float32Array.from({ length: steps * C }, (_, i) => samples[Math.floor(i / C / 10) * C + (i % C)]),
        channels: C,
        hasSample: new Uint8Array(steps).fill(1),
      })
      expect([...streamed.step].map((k, i) => `${k * 100}:${session.addresses[streamed.neuron[i]]}`)).toEqual(refPairs)
      // every output with mismatch, noise and silenced neurons: bit for bit as at the first level
      const n = ideal.neurons
      const decode = { weights: Float32Array.from({ length: 9 * n }, (_, i) => Math.sin(i)), outputs: 9, tauOutMs: 30, periodUs: 1000 }
      const digest = createHash('sha256')
      for (const extra of [{}, { noiseStd: 0.2, noiseSeed: 4 }, { silence: { neurons: Int32Array.of(0, 1, 2, 3), startUs: 50_000, endUs: 150_000 } }]) {
        const r = await chipEmulate(config, input, { chips: 2, serialNumber: 'EMU-0007', spikesOf: 2, threads: 2, decode, membraneNeurons: Int32Array.of(0, 5, n - 1), ...extra })
        expect(r.spikes.step.length).toBeGreaterThan(50)
        for (const a of [r.spikeCounts, r.outputs!, r.membrane!, r.spikes.sample, r.spikes.step, r.spikes.neuron]) digest.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
      }
      const d = digest.digest('hex')
      if (!atFirstLevel.has(name)) atFirstLevel.set(name, d)
      else expect(`${level}: ${d}`).toBe(`${level}: ${atFirstLevel.get(name)}`)
    })
  }
})
