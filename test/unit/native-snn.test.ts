// The spiking network simulator against closed forms and a plain TypeScript reference, the EBN
// construction, and every kind of bad argument. Real addon, no mocks.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  addonPath,
  buildEbn,
  createNetwork,
  ebnInputWeights,
  mulberry32,
  type NetworkSpec,
  type SimulationResult,
} from '../../native/index.ts'
import { simulateReference, type RefNetwork, type RefParams } from '../support/snn-reference.ts'
import { thrown } from '../support/thrown.ts'
import { atEverySimdLevel } from '../support/simd-levels.ts'

function gauss(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd())
}

function spikePairs(r: SimulationResult, b: number): Array<[number, number]> {
  const s = r.spikes!
  const out: Array<[number, number]> = []
  for (let k = s.offsets[b]; k < s.offsets[b + 1]; k++) out.push([s.steps[k], s.neurons[k]])
  return out
}

describe('single neuron, constant input, no recurrence', () => {
  // V_k = V∞ + (V_0 − V∞)(1 − g)^k with V∞ = vRest + I, g = dt/tau: the first k with V_k ≥ vTh.
  function eulerSteps(I: number, vRest: number, vReset: number, vTh: number, g: number): number {
    const vInf = vRest + I
    return Math.ceil(Math.log((vInf - vTh) / (vInf - vReset)) / Math.log(1 - g))
  }

  for (const { dtMs, refractoryMs } of [
    { dtMs: 1, refractoryMs: 0 },
    { dtMs: 1, refractoryMs: 5 },
    { dtMs: 0.1, refractoryMs: 2 },
  ]) {
    it(`interspike interval equals the Euler value (dt ${dtMs} ms, refractory ${refractoryMs} ms)`, async () => {
      const tauMemMs = 50, I = 1.5, vRest = 0, vReset = 0, vTh = 1
      const net = createNetwork({
        neurons: 1,
        channels: 1,
        params: { tauMemMs, vRest, vReset, vTh, refractoryMs },
        weights: { wIn: new Float32Array([1]) },
      })
      const steps = Math.round(1000 / dtMs)
      const r = await net.simulate(new Float32Array(steps).fill(I), { batch: 1, steps, dtMs, initialV: 'reset' })
      const times = Array.from(r.spikes!.steps)
      expect(times.length).toBeGreaterThan(5)
      const k = eulerSteps(I, vRest, vReset, vTh, dtMs / tauMemMs)
      const nRef = Math.round(refractoryMs / dtMs)
      expect(times[0]).toBe(k - 1) // the step index at which V_k is computed
      for (let s = 1; s < times.length; s++) expect(times[s] - times[s - 1]).toBe(k + nRef)
      // Close to the continuous value tau·ln((V∞ − Vreset)/(V∞ − Vth)) + refractory: Euler's error
      // is O(dt) per interval (here under 1 %).
      const continuous = tauMemMs * Math.log((vRest + I - vReset) / (vRest + I - vTh)) + refractoryMs
      const isiMs = (k + nRef) * dtMs
      expect(Math.abs(isiMs - continuous) / continuous).toBeLessThan(0.02)
      expect(r.meanRateHz).toBeCloseTo((times.length / steps) * (1000 / dtMs), 6)
    })
  }
})

// ---- reference comparison ------------------------------------------------------------------------

function randomNetwork(seed: number, N: number, C: number, D: number, uniformTauOut: boolean, weightScale = 1): { spec: NetworkSpec; ref: RefNetwork } {
  const rnd = mulberry32(seed)
  const per = (lo: number, hi: number): Float32Array => Float32Array.from({ length: N }, () => lo + (hi - lo) * rnd())
  const params: RefParams = {
    tauMemMs: per(20, 60),
    tauSMs: per(40, 100),
    tauFMs: per(1, 5),
    tauOutMs: uniformTauOut ? new Float32Array(N).fill(70) : per(50, 90),
    vTh: per(0.9, 1.1),
    vRest: per(0.4, 0.6),
    vReset: per(-0.1, 0.1),
    bias: per(0, 0.4),
    refractoryMs: Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 2 : 0)),
  }
  const mat = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, () => s * gauss(rnd))
  const omegaF = mat(N * N, 0.004 * weightScale)
  const omegaS = mat(N * N, 0.01 * weightScale)
  for (let i = 0; i < N; i++) {
    omegaF[i * N + i] = 0
    omegaS[i * N + i] = 0
  }
  const ref: RefNetwork = {
    neurons: N,
    channels: C,
    dims: D,
    params,
    wIn: mat(N * C, 0.8),
    omegaF,
    omegaS,
    decoder: mat(D * N, 0.02),
    encoder: mat(N * D, 0.5),
  }
  const spec: NetworkSpec = {
    neurons: N,
    channels: C,
    dims: D,
    params: { ...params },
    weights: { wIn: ref.wIn, omegaF, omegaS, decoder: ref.decoder, encoder: ref.encoder },
  }
  return { spec, ref }
}

atEverySimdLevel('native simulator against the TypeScript reference', () => {
  for (const c of [
    { name: 'event-driven x̃ (uniform tau_out), constant gain', seed: 11, N: 40, uniform: true, perStepGain: false, T: 800, weightScale: 1 },
    { name: 'dense x̃ (per-neuron tau_out), per-step gain', seed: 12, N: 25, uniform: false, perStepGain: true, T: 800 },
    // 31 panels of 16 neurons: the feedback product's tiles of every size at every level (16, 8, 4, 2, 1
    // panels at AVX-512; 6, 4, 2, 1 at AVX2; 3, 1 at SSE2)
    { name: 'feedback tiles of every size (N = 496)', seed: 13, N: 496, uniform: true, perStepGain: false, T: 60, weightScale: 1 },
  ]) {
    it(`identical spikes and traces: ${c.name}`, async () => {
      const C = 2, D = 3, B = 2, T = c.T
      const { spec, ref } = randomNetwork(c.seed, c.N, C, D, c.uniform, c.weightScale ?? 1)
      const N = c.N
      const rnd = mulberry32(c.seed + 100)
      const inputs = Float32Array.from({ length: B * T * C }, (_, k) => Math.sin(k / 37) + 0.3 * gauss(rnd))
      const initialV = Float32Array.from({ length: B * N }, () => rnd())
      const target = Float32Array.from({ length: B * T * D }, (_, k) => 0.5 * Math.sin(k / 150))
      const gain = c.perStepGain ? Float32Array.from({ length: T }, (_, t) => (t < 400 ? 20 : 5)) : 10
      const silence = { neurons: [1, 4, 7], startStep: Math.round(T / 4), endStep: Math.round((5 * T) / 8) }
      const net = createNetwork(spec)
      const all = Array.from({ length: N }, (_, i) => i)
      const r = await net.simulate(inputs, {
        batch: B,
        steps: T,
        initialV,
        silence,
        feedback: { target, gain },
        record: { decoded: true, membrane: all },
      })
      const expected = simulateReference(ref, {
        batch: B,
        steps: T,
        dtMs: 1,
        inputs,
        initialV,
        silence,
        feedback: { target, gain },
        recordDecoded: true,
      })
      let total = 0
      for (let b = 0; b < B; b++) {
        expect(spikePairs(r, b)).toEqual(expected.spikes[b])
        total += expected.spikes[b].length
      }
      expect(total).toBeGreaterThan(100) // the comparison means something
      // silenced neurons do not spike inside the window
      for (let b = 0; b < B; b++)
        for (const [t, j] of spikePairs(r, b)) expect(silence.neurons.includes(j) && t >= silence.startStep && t < silence.endStep).toBe(false)
      let maxV = 0, maxX = 0
      for (let k = 0; k < r.membrane!.length; k++) maxV = Math.max(maxV, Math.abs(r.membrane![k] - expected.membrane[k]))
      for (let k = 0; k < r.decoded!.length; k++) maxX = Math.max(maxX, Math.abs(r.decoded![k] - expected.decoded[k]))
      expect(maxV).toBeLessThan(1e-5)
      expect(maxX).toBeLessThan(1e-5)
    })
  }

  it('decimated recordings are every d-th step of the full ones', async () => {
    const { spec } = randomNetwork(5, 20, 2, 3, true)
    const net = createNetwork(spec)
    const T = 301, inputs = Float32Array.from({ length: T * 2 }, (_, k) => Math.cos(k / 20))
    const base = { batch: 1, steps: T, initialV: 'rest' as const }
    const full = await net.simulate(inputs, { ...base, record: { decoded: true, membrane: [0, 5] } })
    const dec = await net.simulate(inputs, { ...base, record: { decoded: true, membrane: [0, 5], decimate: 7 } })
    expect(dec.recordedSteps).toBe(Math.ceil(T / 7))
    for (let k = 0; k < dec.recordedSteps; k++) {
      expect(dec.membrane![k * 2 + 1]).toBe(full.membrane![k * 7 * 2 + 1])
      expect(dec.decoded![k * 3 + 2]).toBe(full.decoded![k * 7 * 3 + 2])
    }
  })

  it('output is readout · x̃', async () => {
    const { spec } = randomNetwork(6, 20, 2, 3, true)
    const readout = new Float32Array([1, -2, 0.5, 0, 1, 1])
    const net = createNetwork({ ...spec, outputs: 2, weights: { ...spec.weights, readout } })
    const T = 200, inputs = Float32Array.from({ length: T * 2 }, (_, k) => Math.cos(k / 20))
    const r = await net.simulate(inputs, { batch: 1, steps: T, record: { decoded: true, output: true } })
    for (let t = 0; t < T; t++)
      for (let o = 0; o < 2; o++) {
        let y = 0
        for (let d = 0; d < 3; d++) y += readout[o * 3 + d] * r.decoded![t * 3 + d]
        expect(r.output![t * 2 + o]).toBeCloseTo(y, 5)
      }
  })
})

describe('membrane noise', () => {
  it('is Gaussian with the given std: stationary V of a silent neuron', async () => {
    // V_{t+1} = (1 − g)V_t + g·vRest + σξ: an AR(1) with variance σ²/(1 − (1 − g)²).
    const N = 64, T = 4000, sigma = 0.01, g = 1 / 50
    const net = createNetwork({ neurons: N, params: { vTh: 100, vReset: -100 }, weights: {} })
    const r = await net.simulate(undefined, { batch: 1, steps: T, noiseStd: sigma, seed: 3, initialV: 'rest', record: { membrane: Array.from({ length: N }, (_, i) => i) } })
    const xs: number[] = []
    for (let t = 500; t < T; t += 10) for (let i = 0; i < N; i++) xs.push(r.membrane![t * N + i] - 0.5)
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length
    const k4 = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / xs.length / (v * v)
    const expected = (sigma * sigma) / (1 - (1 - g) ** 2)
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(v / expected).toBeGreaterThan(0.85)
    expect(v / expected).toBeLessThan(1.15)
    expect(k4).toBeGreaterThan(2.7) // kurtosis of a normal is 3
    expect(k4).toBeLessThan(3.3)
  })
})

// The fast weights' products run in register tiles over blocks of columns on the pool's threads
// (native/core/ebn_kernel-inl.hpp), each sum over the dims in order: the same bytes as the plain dot
// products they replaced. The digests were measured with that addon (2469399); the sizes reach every
// tail (N = 1001: a last block of 233 columns, 1001 = 4·250 + 1 rows).
atEverySimdLevel('EBN fast weights, bit for bit', () => {
  const sha = (a: Float32Array): string => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16)
  for (const [N, D, seed, digest] of [
    [37, 5, 3, '23cc11da1756b0f3'],
    [300, 64, 7, '283430de0396fddb'],
    [1001, 130, 11, '668d8cf6de313185'],
  ] as const) {
    it(`${N} neurons, ${D} dims, on one thread and on the pool`, async () => {
      for (const threads of [1, 0]) expect(sha((await buildEbn({ neurons: N, dims: D, seed, g: 0.5, threads })).omegaF), `threads ${threads}`).toBe(digest)
    })
  }

  it('reports its progress while it computes them', async () => {
    const seen: Array<[number, string]> = []
    await buildEbn({ neurons: 1001, dims: 130, seed: 11, g: 0.5, threads: 1 }, { onProgress: (f, message) => seen.push([f, message]) })
    expect(seen.at(-1)).toEqual([1, 'computing the fast weights'])
  })
})

describe('EBN construction (docs/method.md §4.1 "Weights")', () => {
  it('thresholds, encoder, decoder and fast weights follow the formulas', async () => {
    const N = 30, D = 4, g = 0.5, mu = 5e-4, nu = 1e-4, lambda = 20
    const e = await buildEbn({ neurons: N, dims: D, seed: 9, g })
    const again = await buildEbn({ neurons: N, dims: D, seed: 9, g })
    expect(again.omegaF).toEqual(e.omegaF)
    for (let n = 0; n < N; n++) {
      let l1 = 0
      for (let c = 0; c < D; c++) l1 += Math.abs(e.seedDecoder[c * N + n])
      const T = 0.5 * (nu * lambda + mu * lambda * lambda + l1 * l1)
      expect(e.thresholds[n]).toBeCloseTo(T, 5)
      for (let c = 0; c < D; c++) {
        const dr = (0.5 * e.seedDecoder[c * N + n]) / T
        expect(e.dr[c * N + n]).toBeCloseTo(dr, 5)
        expect(e.encoder[n * D + c]).toBeCloseTo(0.05 * dr, 6) // tau_mem in seconds
        expect(e.decoder[c * N + n]).toBe(e.encoder[n * D + c])
      }
      expect(e.omegaF[n * N + n]).toBe(0)
      for (let m = 0; m < N; m++) {
        if (m === n) continue
        let dot = 0
        for (let c = 0; c < D; c++) dot += e.seedDecoder[c * N + n] * e.seedDecoder[c * N + m]
        expect(e.omegaF[n * N + m]).toBeCloseTo((-g * 0.05 * dot) / T, 6) // tau_mem (s) factor: native/core/ebn.hpp
      }
    }
    expect(e.omegaS.every((x) => x === 0)).toBe(true)
    // seed decoder entries are N(0,1)/D
    const sd = Math.sqrt(e.seedDecoder.reduce((a, x) => a + x * x, 0) / e.seedDecoder.length)
    expect(sd * D).toBeGreaterThan(0.8)
    expect(sd * D).toBeLessThan(1.2)
  })

  it('noEbn gives zero fast weights; slowRandom gives scaled random slow weights with a zero diagonal', async () => {
    const N = 200
    const e = await buildEbn({ neurons: N, dims: 8, seed: 1, noEbn: true, slowRandom: true, slowScale: 2 })
    expect(e.omegaF.every((x) => x === 0)).toBe(true)
    let s2 = 0
    for (let j = 0; j < N; j++) {
      expect(e.omegaS[j * N + j]).toBe(0)
      for (let i = 0; i < N; i++) s2 += e.omegaS[j * N + i] ** 2
    }
    expect(Math.sqrt(s2 / (N * (N - 1))) * Math.sqrt(N)).toBeCloseTo(2, 0)
  })

  it('ebnInputWeights is A·F·F̂', async () => {
    const e = await buildEbn({ neurons: 10, dims: 3, seed: 2 })
    const fHat = new Float32Array([1, 2, -1, 0.5, 0, 3])
    const w = ebnInputWeights(e.encoder, fHat, { neurons: 10, dims: 3, channels: 2, gain: 200 })
    for (let n = 0; n < 10; n++)
      for (let c = 0; c < 2; c++) {
        let acc = 0
        for (let d = 0; d < 3; d++) acc += e.encoder[n * 3 + d] * fHat[d * 2 + c]
        expect(w[n * 2 + c]).toBeCloseTo(200 * acc, 4)
      }
  })
})

// ---- bad arguments -------------------------------------------------------------------------------

describe('bad arguments throw synchronously, name the argument, and never crash the process', () => {
  const N = 4
  const ok = (): NetworkSpec => ({
    neurons: N,
    channels: 2,
    dims: 1,
    weights: { wIn: new Float32Array(N * 2), decoder: new Float32Array(N), encoder: new Float32Array(N) },
  })
  const expectErr = (fn: () => unknown, cls: typeof TypeError | typeof RangeError | typeof Error, msg: RegExp, code = 'ERR_INVALID_ARG'): void => {
    const caught = thrown(fn)
    expect(caught, 'expected an exception').toBeInstanceOf(cls)
    expect((caught as Error).message).toMatch(msg)
    expect((caught as { code?: string }).code).toBe(code)
  }

  it('zero neurons', () => expectErr(() => createNetwork({ ...ok(), neurons: 0 }), RangeError, /neurons must be between 1 and 2147483647 but is 0/))
  it('huge networks are refused before allocating', () =>
    expectErr(() => createNetwork({ ...ok(), neurons: 100000 }), RangeError, /^neurons: a network of 100000 neurons, 2 channels, 1 dims and 0 outputs needs 240\.0 GB \(240026800448 bytes\) but the memory limit is [0-9.]+ GB \(\d+ bytes, .*MIMIC_MAX_MEMORY sets it\): use fewer neurons/))
  it('non-integer neuron count', () => expectErr(() => createNetwork({ ...ok(), neurons: 2.5 }), TypeError, /Expected an integer for neurons but received 2.5/))
  it('wrong weight length names both factors', () =>
    expectErr(() => createNetwork({ ...ok(), weights: { ...ok().weights, wIn: new Float32Array(7) } }), RangeError, /weights.wIn has 7 elements but neurons\*channels = 4\*2 = 8/))
  it('wrong weight type', () =>
    expectErr(() => createNetwork({ ...ok(), weights: { ...ok().weights, omegaS: [1, 2] as unknown as Float32Array } }), TypeError, /Expected a Float32Array for weights.omegaS but received an array of length 2/))
  it('NaN in a weight', () => {
    const omegaF = new Float32Array(N * N)
    omegaF[5] = NaN
    expectErr(() => createNetwork({ ...ok(), weights: { ...ok().weights, omegaF } }), RangeError, /weights.omegaF must hold finite numbers but element 5 is nan/i)
  })
  it('NaN parameter', () => expectErr(() => createNetwork({ ...ok(), params: { vTh: NaN } }), TypeError, /Expected a finite number for params.vTh but received NaN/))
  it('negative time constant', () =>
    expectErr(() => createNetwork({ ...ok(), params: { tauSMs: new Float32Array([70, 70, -1, 70]) } }), RangeError, /Time constant tauSMs must be strictly positive but is -1 for neuron 2/))
  it('zero time constant', () => expectErr(() => createNetwork({ ...ok(), params: { tauMemMs: 0 } }), RangeError, /tauMemMs must be strictly positive but is 0 for neuron 0/))
  it('negative refractory period', () => expectErr(() => createNetwork({ ...ok(), params: { refractoryMs: -2 } }), RangeError, /refractoryMs must not be negative/))
  it('threshold below reset', () => expectErr(() => createNetwork({ ...ok(), params: { vTh: 0, vReset: 0.5 } }), RangeError, /vTh must be above the reset potential vReset, but neuron 0 has vTh = 0 and vReset = 0.5/))
  it('per-neuron parameter of the wrong length', () =>
    expectErr(() => createNetwork({ ...ok(), params: { bias: new Float32Array(3) } }), RangeError, /params.bias has 3 elements but neurons = 4/))
  it('misspelled option', () =>
    expectErr(() => createNetwork({ ...ok(), params: { tauMem: 3 } as never }), TypeError, /Unknown option params.tauMem/))

  const net = (): ReturnType<typeof createNetwork> => createNetwork(ok())
  const run = { batch: 2, steps: 1000 }
  it('inputs of the wrong length name the product', () =>
    expectErr(() => net().simulate(new Float32Array(3000), run), RangeError, /inputs has 3000 elements but batch\*steps\*channels = 2\*1000\*2 = 4000/))
  it('inputs of the wrong type', () =>
    expectErr(() => net().simulate(new Float64Array(4000) as unknown as Float32Array, run), TypeError, /Expected a Float32Array for inputs but received a Float64Array of length 4000/))
  it('NaN in the inputs', () => {
    const x = new Float32Array(4000)
    x[17] = NaN
    expectErr(() => net().simulate(x, run), RangeError, /inputs must hold finite numbers but element 17 is nan/i)
  })
  const x = new Float32Array(4000)
  it('zero steps', () => expectErr(() => net().simulate(new Float32Array(0), { batch: 2, steps: 0 }), RangeError, /steps must be between 1/))
  it('non-integer batch', () => expectErr(() => net().simulate(x, { batch: 1.5, steps: 1000 }), TypeError, /Expected an integer for batch but received 1.5/))
  it('negative dt', () => expectErr(() => net().simulate(x, { ...run, dtMs: -1 }), RangeError, /dtMs must be between/))
  it('NaN noise', () => expectErr(() => net().simulate(x, { ...run, noiseStd: NaN }), TypeError, /Expected a finite number for noiseStd but received NaN/))
  it('out-of-range silenced neuron', () =>
    expectErr(() => net().simulate(x, { ...run, silence: { neurons: [0, 9] } }), RangeError, /options.silence.neurons\[1\] is neuron 9 but the network has neurons 0..3/))
  it('typed arrays whose buffer is detached: not an empty list of neurons, nor weights of length 0', () => {
    const gone = <T extends { buffer: ArrayBufferLike }>(a: T): T => {
      ;(a.buffer as unknown as { transfer(): ArrayBuffer }).transfer()
      return a
    }
    expectErr(() => net().simulate(x, { ...run, silence: { neurons: gone(new Int32Array([0, 1])) } }), TypeError, /^Expected an Int32Array or an array of integers for options.silence.neurons but received one whose buffer is detached$/)
    expectErr(() => createNetwork({ ...ok(), weights: { ...ok().weights, wIn: gone(new Float32Array(N * 2)) } }), TypeError, /^Expected a Float32Array for weights.wIn but received one whose buffer is detached$/)
    expectErr(() => net().simulate(gone(new Float32Array(x)), run), TypeError, /^Expected a Float32Array for inputs but received one whose buffer is detached$/)
  })
  it('negative silenced neuron in an Int32Array', () =>
    expectErr(() => net().simulate(x, { ...run, silence: { neurons: new Int32Array([-1]) } }), RangeError, /options.silence.neurons\[0\] is neuron -1/))
  it('non-integer neuron index', () =>
    expectErr(() => net().simulate(x, { ...run, record: { membrane: [1.5] } }), TypeError, /Expected an integer for options.record.membrane\[0\] but received 1.5/))
  it('silencing window past the end', () =>
    expectErr(() => net().simulate(x, { ...run, silence: { neurons: [0], endStep: 2000 } }), RangeError, /endStep must be between 0 and 1000 but is 2000/))
  it('feedback target of the wrong length', () =>
    expectErr(() => net().simulate(x, { ...run, feedback: { target: new Float32Array(5), gain: 1 } }), RangeError, /options.feedback.target has 5 elements but batch\*steps\*dims = 2\*1000\*1 = 2000/))
  it('per-step gain of the wrong length', () =>
    expectErr(() => net().simulate(x, { ...run, feedback: { target: new Float32Array(2000), gain: new Float32Array(3) } }), RangeError, /options.feedback.gain has 3 elements but steps = 1000/))
  it('feedback without an encoder', () => {
    const spec = ok()
    delete spec.weights.encoder
    expectErr(() => createNetwork(spec).simulate(x, { ...run, feedback: { target: new Float32Array(2000), gain: 1 } }), RangeError, /needs a network created with weights.encoder/)
  })
  it('output without a readout', () => expectErr(() => net().simulate(x, { ...run, record: { output: true } }), RangeError, /record.output needs a network with a readout/))
  it('recordings too large are refused before allocating', () =>
    expectErr(() => createNetwork({ ...ok(), channels: 0, weights: { decoder: new Float32Array(N) } }).simulate(undefined, { batch: 100000, steps: 100000, record: { decoded: true } }), RangeError, /^options\.record: simulating 100000 samples of 100000 steps with these recordings needs [0-9.]+ GB \(\d+ bytes\) but the memory limit is/))
  it('initialV of the wrong length', () =>
    expectErr(() => net().simulate(x, { ...run, initialV: new Float32Array(3) }), RangeError, /options.initialV has 3 elements but neurons = 4 or batch\*neurons = 8/))
  it('unknown initialV mode', () => expectErr(() => net().simulate(x, { ...run, initialV: 'zero' as never }), TypeError, /for options.initialV but received the string 'zero'/))
  it('options not an object', () => expectErr(() => net().simulate(x, 5 as never), TypeError, /Expected an object for options but received 5/))
  it('onProgress not a function', () => {
    const raw = net()
    expectErr(() => raw.simulate(x, run, { onProgress: 3 as never }), TypeError, /Expected a function for onProgress/)
  })
  it('setSlowWeights with the wrong size', () =>
    expectErr(() => net().setSlowWeights(new Float32Array(15)), RangeError, /omegaS has 15 elements but neurons\*neurons = 4\*4 = 16/))
  it('setParams with a bad value', () => expectErr(() => net().setParams({ tauOutMs: -5 }), RangeError, /tauOutMs must be strictly positive/))
  it('buildEbn with zero dims', () => expectErr(() => buildEbn({ neurons: 10, dims: 0, seed: 1 }), RangeError, /dims must be between 1 and 2147483647 but is 0/))
  it('buildEbn with vTh below vRest', () => expectErr(() => buildEbn({ neurons: 10, dims: 2, seed: 1, vTh: 0.2 }), RangeError, /vTh \(0.2\) must be above vRest \(0.5\)/))
  // napi_unwrap returns the native object of any wrapped class: a getter called on an object of another
  // class, or an object whose prototype was swapped, read that object as its own (heap corruption, or a
  // segfault). In a child process: the old behaviour was a crash.
  it("an object of one native class is never taken for another's (getters with another this, swapped prototypes)", () => {
    const script = `
      const A = require(process.argv[1])
      const f = (n, v = 0) => new Float32Array(n).fill(v)
      const spec = () => ({ neurons: 2, channels: 1, dims: 1, outputs: 0, params: {}, weights: { wIn: f(2), decoder: f(2), encoder: f(2) } })
      const chipParams = { tauMemMs: 20, refractoryMs: 0, threshold: 1, resetPotential: 0, bias: 0, tauSynMs: [5, 50, 5, 50], baseWeights: [0.3, 0.05, 0.4, 0.1] }
      const chip = () => new A.ChipSession({ weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: 4, params: chipParams }], connections: [] }, { mismatch: false })
      const getter = (C, name) => Object.getOwnPropertyDescriptor(C.prototype, name).get
      const swapped = (o, C) => (Object.setPrototypeOf(o, C.prototype), o)
      const lif = { neurons: 1, channels: 1, outputs: 1, tauOutMs: 70, wIn: f(1), wRec: f(1), wOut: f(1), outBias: f(1), tauMemMs: f(1, 20), tauSynMs: f(1, 20), vTh: f(1, 1), vReset: f(1), bias: f(1), refractoryMs: f(1) }
      const cases = [
        () => getter(A.Network, 'neurons').call(new A.CancelToken()),
        () => getter(A.AdsTrainer, 'epoch').call(new A.Network(spec())),
        () => getter(A.TeacherTrainer, 'samplesPerEpoch').call(chip()),
        () => getter(A.ChipSession, 'neurons').call(new A.CancelToken()),
        () => getter(A.CancelToken, 'cancelled').call(chip()),
        () => A.evaluateAds(swapped(new A.CancelToken(), A.Network), { inputs: f(10), count: 1, steps: 10 }),
        () => A.trainAdsSamples(swapped(chip(), A.Network), { inputs: f(10), teacherTargets: f(10), count: 1, steps: 10 }, { k: 1, eta: 1 }),
        () => A.lifRun(lif, { inputs: f(10), count: 1, steps: 10 }, {}, undefined, swapped(new A.Network(spec()), A.CancelToken)),
        () => swapped(new A.CancelToken(), A.Network).getWeights(),
      ]
      for (const c of cases) {
        try {
          c()
          console.log(JSON.stringify({ accepted: true }))
        } catch (e) {
          console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }))
        }
      }
    `
    const r = spawnSync(process.execPath, ['-e', script, addonPath()], { encoding: 'utf8', timeout: 60_000 })
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' })
    const outcomes = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; code: string; message: string })
    const as = (cls: string, got: string) => ({ name: 'TypeError', code: 'ERR_INVALID_ARG', message: `Expected ${/^[AEIOU]/.test(cls) ? 'an' : 'a'} ${cls} as this for ${cls} but received ${got}` })
    expect(outcomes).toEqual([
      as('Network', 'an object'),
      as('AdsTrainer', 'an object'),
      as('TeacherTrainer', 'an object'),
      as('ChipSession', 'an object'),
      as('CancelToken', 'an object'),
      { name: 'TypeError', code: 'ERR_INVALID_ARG', message: 'Expected a Network (from createNetwork) for network but received an object' },
      { name: 'TypeError', code: 'ERR_INVALID_ARG', message: 'Expected a Network (from createNetwork) for network but received an object' },
      { name: 'TypeError', code: 'ERR_INVALID_ARG', message: 'Expected a CancelToken for cancelToken but received an object' },
      // (a method with another this: V8 refuses the call before the addon sees it)
      { name: 'TypeError', message: 'Illegal invocation' },
    ])
  })
  it('ebnInputWeights with mismatched sizes', () =>
    expectErr(() => ebnInputWeights(new Float32Array(6), new Float32Array(5), { neurons: 3, dims: 2, channels: 3, gain: 1 }), RangeError, /fHat has 5 elements but dims\*channels = 2\*3 = 6/))
})
