// The spiking network through the real addon: determinism across threads and runs, cancellation,
// the busy guard, progress, and tracking of a known trajectory with error feedback.
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { addonStatus, benchNetwork, buildEbn, createNetwork, runSimBench, type SimulateOptions } from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

const hardwareThreads = addonStatus().info?.hardwareThreads ?? 1

describe('determinism', () => {
  it('identical results for 1, 2 and all threads, any block size, and repeated runs (noise included)', async () => {
    const bench = await benchNetwork(200, 4)
    const net = createNetwork(bench.spec)
    const B = 6, T = 600
    const inputs = bench.inputs(B, T)
    const base: SimulateOptions = {
      batch: B,
      steps: T,
      seed: 77,
      noiseStd: 0.02,
      silence: { neurons: [3, 5, 8], startStep: 100, endStep: 300 },
      record: { decoded: true, membrane: [0, 10, 199], decimate: 3 },
    }
    const runs = [
      await net.simulate(inputs, { ...base, threads: 1 }),
      await net.simulate(inputs, { ...base, threads: 2 }),
      await net.simulate(inputs, { ...base, threads: 0 }),
      await net.simulate(inputs, { ...base, threads: 1, block: 1 }),
      await net.simulate(inputs, { ...base, threads: 0, block: 4 }),
      await net.simulate(inputs, { ...base, threads: 0 }),
    ]
    expect(runs[0].totalSpikes).toBeGreaterThan(100)
    for (const r of runs.slice(1)) {
      expect(r.spikes!.steps).toEqual(runs[0].spikes!.steps)
      expect(r.spikes!.neurons).toEqual(runs[0].spikes!.neurons)
      expect(r.spikes!.offsets).toEqual(runs[0].spikes!.offsets)
      expect(r.spikeCounts).toEqual(runs[0].spikeCounts)
      expect(r.decoded).toEqual(runs[0].decoded)
      expect(r.membrane).toEqual(runs[0].membrane)
    }
    // sample b depends only on its input and Rng(seed, b): a batch of one reproduces sample 0
    const first = await net.simulate(inputs.subarray(0, T * 2), { ...base, batch: 1 })
    expect(first.spikes!.neurons).toEqual(runs[0].spikes!.neurons.subarray(0, runs[0].spikes!.offsets[1]))
    expect(first.membrane).toEqual(runs[0].membrane!.subarray(0, first.membrane!.length))
    // a different seed changes the noise and the initial state
    const other = await net.simulate(inputs, { ...base, seed: 78 })
    expect(other.spikes!.neurons).not.toEqual(runs[0].spikes!.neurons)
  })
})

describe('jobs: cancel, busy guard, progress', () => {
  it('cancelling mid-run rejects quickly with ERR_CANCELLED, and the network is usable afterwards', async () => {
    const bench = await benchNetwork(768, 1)
    const net = createNetwork(bench.spec)
    const B = 4, T = 200_000 // several seconds of work
    const inputs = bench.inputs(B, T)
    const controller = new AbortController()
    let progressCalls = 0
    const started = Date.now()
    const p = net.simulate(inputs, { batch: B, steps: T, record: { spikes: false } }, {
      signal: controller.signal,
      onProgress: () => {
        progressCalls++
      },
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(net.busy).toBe(true)
    const abortedAt = Date.now()
    controller.abort()
    await expect(p).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
    expect(Date.now() - abortedAt).toBeLessThan(500)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(progressCalls).toBeGreaterThan(0)
    expect(net.busy).toBe(false)
    const r = await net.simulate(bench.inputs(1, 100), { batch: 1, steps: 100 })
    expect(r.steps).toBe(100)
  })

  it('a setter or a second simulate while running throws ERR_BUSY; after the run they work', async () => {
    const bench = await benchNetwork(320, 2)
    const net = createNetwork(bench.spec)
    const T = 20_000
    const p = net.simulate(bench.inputs(2, T), { batch: 2, steps: T, record: { spikes: false } })
    const busy = (fn: () => unknown): void => {
      const caught = thrown(fn)
      expect(caught).toBeInstanceOf(Error)
      expect((caught as { code?: string }).code).toBe('ERR_BUSY')
      expect((caught as Error).message).toMatch(/busy with a simulation: wait for it to finish or cancel it/)
    }
    busy(() => net.simulate(bench.inputs(1, 10), { batch: 1, steps: 10 }))
    busy(() => net.setSlowWeights(new Float32Array(320 * 320)))
    busy(() => net.setParams({ bias: 0.1 }))
    expect(net.getParams().tauMemMs.length).toBe(320) // getters are fine while running
    await p
    expect(net.busy).toBe(false)
    net.setSlowWeights(new Float32Array(320 * 320))
    net.setParams({ bias: 0.1 })
    expect(net.getWeights().omegaS.every((x) => x === 0)).toBe(true)
    expect(net.getParams().bias[7]).toBeCloseTo(0.1, 6)
  })

  it('a network dropped while it runs finishes its run safely', async () => {
    const bench = await benchNetwork(320, 3)
    const inputs = bench.inputs(2, 5000)
    const p = createNetwork(bench.spec).simulate(inputs, { batch: 2, steps: 5000 })
    ;(globalThis as { gc?: () => void }).gc?.()
    const r = await p
    expect(r.batch).toBe(2)
  })

  it('a worker thread terminated while its simulation runs does not take the process down', async () => {
    const index = fileURLToPath(new URL('../../native/index.ts', import.meta.url))
    const code = `
      const { parentPort } = require('node:worker_threads')
      import(${JSON.stringify(index)}).then(async ({ benchNetwork, createNetwork }) => {
        const b = await benchNetwork(320, 1)
        createNetwork(b.spec).simulate(b.inputs(2, 200000), { batch: 2, steps: 200000, record: { spikes: false } }).catch(() => {})
        parentPort.postMessage('started')
      })`
    const w = new Worker(code, { eval: true, execArgv: process.execArgv })
    await new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    await new Promise((r) => setTimeout(r, 50))
    await w.terminate()
    // still alive, and the addon still works here
    const bench = await benchNetwork(50, 1)
    const r = await createNetwork(bench.spec).simulate(bench.inputs(1, 100), { batch: 1, steps: 100 })
    expect(r.steps).toBe(100)
  })

  it('a run recording more spike events than maxSpikeEvents rejects with ERR_INVALID_ARG', async () => {
    const bench = await benchNetwork(320, 1)
    const net = createNetwork(bench.spec)
    await expect(net.simulate(bench.inputs(2, 3000), { batch: 2, steps: 3000, maxSpikeEvents: 100 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringMatching(/more than maxSpikeEvents = 100 spike events/),
    })
    expect(net.busy).toBe(false)
  })

  it('inputs, initial values and feedback targets are copied when the run starts: changing them meanwhile changes nothing', async () => {
    const bench = await benchNetwork(200, 6)
    const net = createNetwork(bench.spec)
    const T = 20_000
    const make = () => ({
      inputs: bench.inputs(2, T),
      initialV: Float32Array.from({ length: 200 }, (_, i) => (i % 7) / 7),
      target: Float32Array.from({ length: 2 * T * bench.spec.dims! }, (_, k) => Math.sin(k / 500)),
    })
    const run = (a: ReturnType<typeof make>) =>
      net.simulate(a.inputs, { batch: 2, steps: T, threads: 1, initialV: a.initialV, feedback: { target: a.target, gain: 5 } })
    const reference = await run(make())
    const changed = make()
    const pending = run(changed)
    changed.inputs.fill(50) // while the kernel runs on its own copies
    changed.initialV.fill(0.99)
    changed.target.fill(-3)
    const r = await pending
    expect(reference.totalSpikes).toBeGreaterThan(1000)
    expect(r.spikeCounts).toEqual(reference.spikeCounts)
    expect(r.spikes!.neurons).toEqual(reference.spikes!.neurons)
  })

  it('setSlowWeights changes the dynamics', async () => {
    const bench = await benchNetwork(200, 5)
    const net = createNetwork(bench.spec)
    const opts = { batch: 1, steps: 1000, initialV: 'rest' as const }
    const before = await net.simulate(bench.inputs(1, 1000), opts)
    net.setSlowWeights(new Float32Array(200 * 200))
    const after = await net.simulate(bench.inputs(1, 1000), opts)
    expect(after.spikeCounts).not.toEqual(before.spikeCounts)
  })
})

// ---- tracking -----------------------------------------------------------------------------------

/** Sums of two slow sines per dimension (0.7..3.5 Hz), amplitude `amp`. */
function trajectory(D: number, T: number, amp: number): Float32Array {
  const x = new Float32Array(T * D)
  for (let d = 0; d < D; d++) {
    const f1 = 0.7 + 0.37 * d, f2 = 1.9 + 0.23 * d
    for (let t = 0; t < T; t++)
      x[t * D + d] = amp * (0.6 * Math.sin((2 * Math.PI * f1 * t) / 1000 + 1.3 * d) + 0.4 * Math.sin((2 * Math.PI * f2 * t) / 1000 + 0.7 * d))
  }
  return x
}

/** Σ_d Var(x̂_d − x̃_d) / Σ_d Var(x̂_d) over steps [from, T) (docs/method.md §5). */
function reconstructionError(target: Float32Array, decoded: Float32Array, D: number, from: number): number {
  const T = target.length / D
  let num = 0, den = 0
  for (let d = 0; d < D; d++) {
    let se = 0, see = 0, sy = 0, syy = 0
    const n = T - from
    for (let t = from; t < T; t++) {
      const y = target[t * D + d], e = y - decoded[t * D + d]
      se += e
      see += e * e
      sy += y
      syy += y * y
    }
    num += see / n - (se / n) ** 2
    den += syy / n - (sy / n) ** 2
  }
  return num / den
}

describe('EBN tracking with error feedback', () => {
  // Why the bound. With feedback only (no input), neuron n sits at V = V_rest + k·F_n·e in steady
  // state and fires once k·F_n·e reaches a = V_th − V_rest. F_n = τ_mem·(a/T_n)·D_n (τ_mem in s), so
  // n fires when the error along D_n reaches T_n/(k·τ_mem·|D_n|); each spike then moves x̃ by
  // F_n/τ_out = (τ_mem/τ_out)(a/T_n)·D_n. For D = 8 (|D_n| ≈ 0.35, T_n ≈ 0.42) and k = 200 both are
  // about ε ≈ 0.12-0.15 per dimension: the classic EBN statement that the decoding error is of the
  // order of the threshold over the decoder norm. A uniform error in ±ε has variance ε²/3 ≈ 0.0075
  // against a target variance 0.26·amp² = 4.2 (amp = 4): a floor of about 0.002. Leak, the one-step
  // feedback delay and the 70 ms read-out filter add to it (measured 0.009). Bound: 0.03, i.e. three
  // times the measured value and fifteen times the floor; a broken sign, scale or delay gives > 0.5.
  // The feedback loop (gain k, through τ_mem and τ_out, one step late) oscillates when k·N·|F_n|²/D
  // is too large: for D = 2 (large |F_n|) k must stay near 50 at N = 160 (measured: k = 100 gives
  // 0.28, k = 200 gives 1.7), while D = 8, N = 320 tracks at k = 200. the paper's k = 75-200 were for
  // D = 64-128. D = 2 also quantises more coarsely (bound 0.2, measured 0.067).
  for (const c of [
    { N: 160, D: 2, k: 50, g: 0, bound: 0.2 },
    { N: 320, D: 8, k: 200, g: 0, bound: 0.03 },
    { N: 320, D: 4, k: 100, g: 0, bound: 0.05 },
    { N: 320, D: 8, k: 200, g: 0.5, bound: 0.08 },
  ]) {
    it(`x̃ follows x̂ (N ${c.N}, D ${c.D}, k ${c.k}, ${c.g === 0 ? 'no fast weights' : `fast gain g ${c.g}`})`, async () => {
      const { N, D, k } = c
      const e = await buildEbn({ neurons: N, dims: D, seed: 3, g: c.g, noEbn: c.g === 0 })
      const net = createNetwork({ neurons: N, dims: D, weights: { omegaF: e.omegaF, decoder: e.decoder, encoder: e.encoder } })
      const T = 3000, amp = 4
      const target = trajectory(D, T, amp)
      const r = await net.simulate(undefined, { batch: 1, steps: T, seed: 1, feedback: { target, gain: k }, record: { decoded: true, spikes: false } })
      const err = reconstructionError(target, r.decoded!, D, 200)
      expect(err).toBeLessThan(c.bound)
      // a few Hz, not silence and not a runaway
      expect(r.meanRateHz).toBeGreaterThan(0.3)
      expect(r.meanRateHz).toBeLessThan(20)
      // without feedback the same network decodes nothing like the target
      const open = await net.simulate(undefined, { batch: 1, steps: T, seed: 1, record: { decoded: true, spikes: false } })
      expect(reconstructionError(target, open.decoded!, D, 200)).toBeGreaterThan(0.9)
    })
  }
})

/** Like trajectory(), but every dimension stays between 0.5 and 3 Hz (for D up to 64). */
function slowTrajectory(D: number, T: number, amp: number): Float32Array {
  const x = new Float32Array(T * D)
  for (let d = 0; d < D; d++) {
    const f1 = 0.5 + ((0.37 * d) % 1.5), f2 = 1.2 + ((0.23 * d) % 1.8)
    for (let t = 0; t < T; t++)
      x[t * D + d] = amp * (0.6 * Math.sin((2 * Math.PI * f1 * t) / 1000 + 1.3 * d) + 0.4 * Math.sin((2 * Math.PI * f2 * t) / 1000 + 0.7 * d))
  }
  return x
}

describe('EBN tracking with the fast weights at g = 0.5 (Ω_f scaled by tau_mem, native/core/ebn.hpp)', () => {
  // With the paper's squared-L1 thresholds, |F_n| ∝ 1/√D while T_n stays ~0.3: the loop gain of the
  // feedback falls like k/D², so D = 64 needs k in the thousands to track by feedback alone (k = 75-200
  // gives 0.6-0.9 there; in ADS training the input and the learned slow current carry the signal).
  // Measured (seed 3, 3000 steps; error / rate with fast weights, then without): D 8: 0.030 / 1.8 Hz
  // (0.008 / 2.0 Hz), D 16: 0.010 / 3.2 Hz (0.010), D 32: 0.018 / 4.9 Hz (0.018), D 64: 0.046 / 7.3 Hz
  // (0.047). At D = 8 the feedback k·F·e already balances strongly (its kick per spike is ~4x the EBN
  // ideal at k = 200), so adding the fast weights costs some precision; g = 1.5 there gives 0.20 at 12 Hz.
  // Before the tau_mem factor, g = 0.5 ran away (~80 Hz, error ~2).
  for (const c of [
    { D: 8, k: 200, amp: 4, bound: 0.06 },
    { D: 16, k: 1000, amp: 2, bound: 0.03 },
    { D: 32, k: 2000, amp: 1, bound: 0.04 },
    { D: 64, k: 4000, amp: 0.5, bound: 0.1 },
  ]) {
    it(`N 320, D ${c.D}, k ${c.k}: tracks at a few Hz, fast weights active and harmless`, async () => {
      const N = 320, T = 3000
      const target = slowTrajectory(c.D, T, c.amp)
      const run = async (noEbn: boolean): Promise<{ err: number; rate: number }> => {
        const e = await buildEbn({ neurons: N, dims: c.D, seed: 3, g: 0.5, noEbn })
        if (!noEbn) expect(e.omegaF.some((x) => x !== 0)).toBe(true)
        const net = createNetwork({ neurons: N, dims: c.D, weights: { omegaF: e.omegaF, decoder: e.decoder, encoder: e.encoder } })
        const r = await net.simulate(undefined, { batch: 1, steps: T, seed: 1, feedback: { target, gain: c.k }, record: { decoded: true, spikes: false } })
        return { err: reconstructionError(target, r.decoded!, c.D, 200), rate: r.meanRateHz }
      }
      const fast = await run(false)
      const none = await run(true)
      expect(fast.err).toBeLessThan(c.bound)
      expect(fast.rate).toBeGreaterThan(1)
      expect(fast.rate).toBeLessThan(10)
      expect(fast.err).toBeLessThan(5 * none.err + 0.01)
    })
  }
})

describe('runSimBench (the contract `mimic bench --json` relies on)', () => {
  it('returns the throughput of the benchmark network', async () => {
    const r = await runSimBench({ neurons: 320, steps: 2000, batch: 2, threads: 0, seed: 1 })
    expect(Object.keys(r).sort()).toEqual(
      ['batch', 'meanRateHz', 'neuronStepsPerSecond', 'neurons', 'spikes', 'steps', 'threads', 'wallSeconds'].sort(),
    )
    expect(r).toMatchObject({ neurons: 320, steps: 2000, batch: 2, threads: addonStatus().info!.poolThreads })
    expect(r.wallSeconds).toBeGreaterThan(0)
    expect(r.neuronStepsPerSecond).toBeCloseTo((320 * 2000 * 2) / r.wallSeconds, 0)
    expect(r.meanRateHz).toBeGreaterThan(1) // "a few Hz"
    expect(r.meanRateHz).toBeLessThan(20)
    expect(r.spikes).toBeGreaterThan(0)
    expect(hardwareThreads).toBeGreaterThanOrEqual(1)
  })
})
