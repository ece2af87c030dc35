// The reference chip (src/hardware/chip/reference.ts) against closed forms of its equations, and the
// configuration checks of docs/board-protocol.md §7 (src/hardware/chip/validate.ts).
import { describe, expect, it } from 'vitest'
import { ReferenceChip } from '../../src/hardware/chip/reference.ts'
import { checkConfiguration } from '../../src/hardware/chip/validate.ts'
import { inputAddress, type CoreParameters, type DeployedConfiguration } from '../../src/shared/board.ts'

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

const input = inputAddress

function runEvents(chip: ReferenceChip, durationUs: number, times: number[], channels: number[]) {
  const run = chip.start({ durationUs, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
  run.events(Uint32Array.from(times), Uint32Array.from(channels))
  const s = run.advance(durationUs)
  return { times: [...s.timesUs], neurons: [...s.neurons] }
}

describe('reference chip', () => {
  it('a neuron driven by its bias fires at the times the discrete closed form gives', () => {
    const chip = new ReferenceChip({ dtUs: 100 })
    chip.configure({ weightScheme: 'se2', cores: [{ chip: 0, core: 2, neurons: 1, params: params({ bias: 2 }) }], connections: [] })
    // V after m updates from 0: b(1 − (1 − a)^m), a = dt/τ = 0.005; the first m with V ≥ 1
    const a = 0.1 / 20
    const m = Math.ceil(Math.log(1 - 1 / 2) / Math.log(1 - a))
    expect(m).toBe(139)
    const period = m + 20 // 2 ms refractory = 20 steps held at reset
    const expected = [0, 1, 2, 3, 4, 5].map((k) => (m - 1 + k * period) * 100)
    const got = runEvents(chip, 100_000, [], [])
    expect(got.times).toEqual(expected)
    expect(got.neurons).toEqual(expected.map(() => 2 * 256))
  })

  it('one input event: the synaptic current and membrane follow their closed forms; the sign comes from the type', () => {
    const chip = new ReferenceChip({ dtUs: 100 })
    chip.configure({
      weightScheme: 'se2',
      cores: [{ chip: 0, core: 0, neurons: 2, params: params({ threshold: 100 }) }],
      connections: [
        { pre: input(3), post: 0, type: 0, weight: 0b0101 }, // AMPA, base weights 0 and 2: 0.5 + 2
        { pre: input(3), post: 1, type: 2, weight: 0b0101 }, // GABA_A: the same magnitude, negative
      ],
    })
    const run = chip.start({ durationUs: 10_000, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
    run.events(Uint32Array.of(250), Uint32Array.of(3)) // in step 2 ([200, 300) µs)
    run.advance(300)
    let st = chip.state()
    expect(st.syn[0]).toBeCloseTo(2.5, 12)
    expect(st.syn[1 * 4 + 2]).toBeCloseTo(-2.5, 12)
    const a = 0.1 / 20
    const alpha = Math.exp(-0.1 / 5)
    const w = 2.5
    // after j more steps past the arrival step: V = a·w((1−a)^{j+1} − α^{j+1}) / ((1−a) − α)
    const vAfter = (j: number): number => (a * w * ((1 - a) ** (j + 1) - alpha ** (j + 1))) / (1 - a - alpha)
    expect(st.v[0]).toBeCloseTo(vAfter(0), 12)
    run.advance(300 + 49 * 100)
    st = chip.state()
    expect(st.v[0]).toBeCloseTo(vAfter(49), 12)
    expect(st.v[1]).toBeCloseTo(-vAfter(49), 12)
    expect(st.syn[0]).toBeCloseTo(w * alpha ** 49, 12)
  })

  it('SE1 weights are repeat counts times the base weight of the type', () => {
    const chip = new ReferenceChip({ weightScheme: 'se1', dtUs: 100 })
    expect(chip.geometry.fanOut).toBe(3)
    chip.configure({
      weightScheme: 'se1',
      cores: [{ chip: 0, core: 0, neurons: 1, params: params({ threshold: 100 }) }],
      connections: [
        { pre: input(0), post: 0, type: 1, weight: 3 }, // NMDA: 3 × 1
        { pre: input(0), post: 0, type: 3, weight: 2 }, // GABA_B: −2 × 4
      ],
    })
    const run = chip.start({ durationUs: 1000, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
    run.events(Uint32Array.of(0), Uint32Array.of(0))
    run.advance(100)
    const st = chip.state()
    expect([...st.syn]).toEqual([0, 3, 0, -8])
  })

  it('a spike reaches its targets one step later, stamped with the start of its step', () => {
    const chip = new ReferenceChip({ dtUs: 100 })
    // a·w ≥ 1 in one step: w ≥ 200
    chip.configure({
      weightScheme: 'se2',
      cores: [
        { chip: 0, core: 0, neurons: 1, params: params({ baseWeights: [300, 0, 0, 0] }) },
        { chip: 0, core: 1, neurons: 1, params: params({ baseWeights: [300, 0, 0, 0] }) },
      ],
      connections: [
        { pre: input(0), post: 0, type: 0, weight: 1 },
        { pre: 0, post: 256, type: 0, weight: 1 },
      ],
    })
    expect(runEvents(chip, 2000, [1234], [0])).toEqual({ times: [1200, 1300], neurons: [0, 256] })
  })

  it('analog samples deliver x events per millisecond: the current follows its closed form', () => {
    const chip = new ReferenceChip({ dtUs: 100 })
    chip.configure({ weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 1, params: params({ threshold: 1e6 }) }], connections: [{ pre: input(1), post: 0, type: 0, weight: 0b10 }] })
    const run = chip.start({ durationUs: 5000, input: 'samples', analogChannels: 2, samplePeriodUs: 1000 })
    run.samples(Float32Array.of(9, 3, 9, 3, 9, 3), 2) // channel 1 carries 3 events/ms for 3 ms
    run.advance(3000)
    const alpha = Math.exp(-0.1 / 5)
    const perStep = 3 * 1 * 0.1 // x · efficacy · dt/1 ms
    expect(chip.state().syn[0]).toBeCloseTo((perStep * (1 - alpha ** 30)) / (1 - alpha), 10)
    expect(run.timeUs).toBe(3000)
    // no more samples: nothing beyond them is computed until the run's end is given
    run.advance(3500)
    expect(run.timeUs).toBe(3000)
  })

  it('the spikes do not depend on how the input and the computation are cut', () => {
    const make = (): ReferenceChip => {
      const chip = new ReferenceChip({ dtUs: 100 })
      const connections: DeployedConfiguration['connections'] = []
      for (let i = 0; i < 40; i++) {
        connections.push({ pre: input(i % 8), post: i, type: i % 3 === 0 ? 1 : 0, weight: 1 + (i % 15) })
        connections.push({ pre: i, post: (i * 7 + 3) % 40, type: (i % 4) as 0 | 1 | 2 | 3, weight: 1 + ((i * 5) % 15) })
      }
      chip.configure({ weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 40, params: params({ baseWeights: [40, 60, 30, 20], bias: 0.3 }) }], connections })
      return chip
    }
    const times: number[] = []
    const channels: number[] = []
    for (let t = 0; t < 200_000; t += 137) {
      times.push(t)
      channels.push((t * 13) % 8)
    }
    const whole = runEvents(make(), 200_000, times, channels)
    expect(whole.times.length).toBeGreaterThan(50)
    const chip = make()
    const run = chip.start({ durationUs: 200_000, input: 'events', analogChannels: 0, samplePeriodUs: 0 })
    const got = { times: [] as number[], neurons: [] as number[] }
    for (let i = 0; i < times.length; i += 97) {
      run.events(Uint32Array.from(times.slice(i, i + 97)), Uint32Array.from(channels.slice(i, i + 97)))
      const last = times[Math.min(i + 97, times.length) - 1]
      for (;;) {
        const s = run.advance(last, 33)
        got.times.push(...s.timesUs)
        got.neurons.push(...s.neurons)
        if (s.timesUs.length === 0 && run.timeUs + 100 > last) break
      }
    }
    for (;;) {
      const before = run.timeUs
      const s = run.advance(200_000, 500)
      got.times.push(...s.timesUs)
      got.neurons.push(...s.neurons)
      if (run.timeUs === before) break
    }
    expect(run.timeUs).toBe(200_000)
    expect(got).toEqual(whole)
  })

  it('state carries over between runs until reset; reset(true) forgets the configuration', () => {
    const chip = new ReferenceChip()
    chip.configure({ weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 1, params: params({ threshold: 100 }) }], connections: [{ pre: input(0), post: 0, type: 1, weight: 15 }] })
    runEvents(chip, 1000, [0], [0])
    const after = chip.state().syn[1]
    expect(after).toBeGreaterThan(7)
    runEvents(chip, 1000, [], [])
    expect(chip.state().syn[1]).toBeCloseTo(after * Math.exp(-1 / 100), 10)
    chip.reset(false)
    expect([...chip.state().syn]).toEqual([0, 0, 0, 0])
    expect(chip.configured).toBe(true)
    chip.reset(true)
    expect(chip.configured).toBe(false)
    expect(() => chip.start({ durationUs: 1, input: 'events', analogChannels: 0, samplePeriodUs: 0 })).toThrow(/not configured/)
  })
})

describe('configuration checks', () => {
  const g = new ReferenceChip({ chips: 2 }).geometry
  const core = (chip: number, c: number, neurons = 256, p: Partial<CoreParameters> = {}) => ({ chip, core: c, neurons, params: params(p) })
  const cfg = (over: Partial<DeployedConfiguration>): DeployedConfiguration => ({ weightScheme: 'se2', cores: [core(0, 0)], connections: [], ...over })
  const cases: [string, DeployedConfiguration, RegExp][] = [
    ['scheme', cfg({ weightScheme: 'se1' }), /is for SE1 weights but this board uses SE2 weights/],
    ['chip', cfg({ cores: [core(2, 0)] }), /core block 0 \(chip 2, core 0\): chip must be 0\.\.1 on this board of 2 chip/],
    ['core', cfg({ cores: [core(0, 4)] }), /core must be 0\.\.3/],
    ['twice', cfg({ cores: [core(0, 1), core(0, 1)] }), /core block 1 \(chip 0, core 1\): this core is configured twice/],
    ['neurons', cfg({ cores: [core(0, 0, 257)] }), /neurons must be 1\.\.256 \(received 257\)/],
    ['tau', cfg({ cores: [core(0, 0, 1, { tauMemMs: 0 })] }), /tauMemMs must be > 0/],
    ['weights', cfg({ cores: [core(0, 0, 1, { baseWeights: [1, -1, 1, 1] })] }), /baseWeights\[1\] must be ≥ 0: the sign comes from the synapse type/],
    ['reset', cfg({ cores: [core(0, 0, 1, { resetPotential: 1 })] }), /resetPotential \(1\) must be below threshold \(1\)/],
    ['post', cfg({ cores: [core(0, 0, 10)], connections: [{ pre: 0, post: 10, type: 0, weight: 1 }] }), /connection 0 \(0 → 10\): the target neuron 10 \(chip 0, core 0, neuron 10\) is not a neuron of a configured core/],
    ['pre', cfg({ connections: [{ pre: 300, post: 1, type: 0, weight: 1 }] }), /the source neuron 300 \(chip 0, core 1, neuron 44\) is not a neuron of a configured core/],
    ['input', cfg({ connections: [{ pre: input(1024), post: 1, type: 0, weight: 1 }] }), /source is input channel 1024 but this board has 1024 input channels/],
    ['mask', cfg({ connections: [{ pre: 0, post: 1, type: 0, weight: 16 }] }), /weight must be a 4-bit mask 1\.\.15 \(received 16\)/],
    [
      'fan-in',
      cfg({ connections: Array.from({ length: 65 }, (_, i) => ({ pre: i, post: 200, type: 0, weight: 1 })) }),
      /connection 64 \(64 → 200\): neuron 200 \(chip 0, core 0, neuron 200\) would take 65 CAM entries, more than its fan-in of 64/,
    ],
    [
      'fan-out',
      cfg({ cores: [core(0, 0), core(0, 1), core(0, 2), core(0, 3), core(1, 0)], connections: [0, 256, 512, 768, 1024].map((post) => ({ pre: 5, post, type: 0, weight: 1 })) }),
      /connection 4 \(5 → 1024\): neuron 5 \(chip 0, core 0, neuron 5\) would reach 5 cores, more than its fan-out of 4/,
    ],
  ]
  for (const [name, c, message] of cases) {
    it(`refuses: ${name}`, () => {
      expect(() => checkConfiguration(g, c)).toThrow(message)
    })
  }

  it('SE1 counts repeats against the fan-in and reports what a configuration uses', () => {
    const g1 = new ReferenceChip({ weightScheme: 'se1' }).geometry
    const ok = { weightScheme: 'se1' as const, cores: [core(0, 0, 4)], connections: [{ pre: input(0), post: 1, type: 0, weight: 60 }, { pre: 0, post: 1, type: 2, weight: 4 }] }
    expect(checkConfiguration(g1, ok)).toEqual({ cores: 1, neurons: 4, connections: 2, camEntries: 64 })
    expect(() => checkConfiguration(g1, { ...ok, connections: [...ok.connections, { pre: 2, post: 1, type: 0, weight: 1 }] })).toThrow(/would take 65 CAM entries/)
    expect(() => checkConfiguration(g1, { ...ok, connections: [{ pre: 0, post: 1, type: 0, weight: 65 }] })).toThrow(/a repeat count 1\.\.64 \(received 65\)/)
  })
})
