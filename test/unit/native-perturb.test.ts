// Perturbations for the robustness suite (native/core/perturb.hpp): each transform against a direct
// TypeScript computation (test/support/perturb-reference.ts) on a small network, the statistics of
// the drawn deviations on large arrays, quantisation levels and errors, determinism across thread
// counts and calls, level 0 bit for bit, argument errors, the memory budget and cancellation.
import { afterEach, describe, expect, it } from 'vitest'
import {
  createNetwork,
  deathDraws,
  DEFAULT_NEURON_PARAMS,
  membraneNoiseStd,
  memoryBudget,
  noiseStdPerNeuron,
  perturbDraws,
  setMemoryBudget,
  type PerturbQuantity,
} from '../../native/index.ts'
import { Rng } from '../../src/system/rng.ts'
import { deathReference, deriveSeed, mismatchReference, quantiseReference, quantityStream, Rng64 } from '../support/perturb-reference.ts'

afterEach(() => setMemoryBudget())

/** Uniform floats in [lo, hi) from a seeded stream. */
function floats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed)
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi))
}

/** A small network ADS-like set of arrays: N = 6 neurons, C = 2 channels, D = 3 dimensions. */
function smallNetwork(): Record<string, Float32Array> {
  const N = 6
  return {
    wIn: floats(N * 2, 1, -5, 5),
    omegaS: floats(N * N, 2, -0.2, 0.2),
    omegaF: floats(N * N, 3, -0.1, 0.1),
    decoder: floats(3 * N, 4, -0.05, 0.05),
    tauMemMs: floats(N, 5, 40, 60),
    tauSMs: new Float32Array(N).fill(70),
    vTh: floats(N, 6, 0.9, 1.1),
    bias: floats(N, 7, -0.1, 0.1),
  }
}

/** The ADS declaration of docs/method.md §10 plus a FORCE-like threshold and a BPTT-like bias. */
function quantities(net: Record<string, Float32Array>): PerturbQuantity[] {
  return [
    { name: 'wIn', kind: 'weights', values: net.wIn, mismatch: 'relative', quantise: true },
    { name: 'omegaS', kind: 'weights', values: net.omegaS, mismatch: 'relative', quantise: true },
    { name: 'omegaF', kind: 'weights', values: net.omegaF, quantise: true }, // not mismatched (docs/method.md §10), quantised
    { name: 'decoder', kind: 'weights', values: net.decoder, mismatch: 'relative', quantise: true },
    { name: 'tauMemMs', kind: 'time-constant', values: net.tauMemMs, mismatch: 'abs-relative' },
    { name: 'tauSMs', kind: 'time-constant', values: net.tauSMs, mismatch: 'abs-relative' },
    { name: 'vTh', kind: 'threshold', values: net.vTh, mismatch: 'abs-relative' },
    { name: 'forceVTh', kind: 'threshold', values: Float32Array.from(net.vTh, (v) => v - 40), mismatch: 'threshold', reset: -65 },
    { name: 'forceVThPerNeuron', kind: 'threshold', values: net.vTh, mismatch: 'threshold', reset: floats(6, 8, -0.1, 0.1) },
    { name: 'bias', kind: 'bias', values: net.bias, mismatch: 'offset' },
  ]
}

/** The largest difference in float32 ulps (of the larger magnitude) between two arrays of equal length. */
function maxUlps(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue
    const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(a[i]), Math.abs(b[i])))) - 23)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / ulp)
  }
  return worst
}

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))

function meanSd(x: ArrayLike<number>): { mean: number; sd: number } {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]
  const mean = s / x.length
  let v = 0
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2
  return { mean, sd: Math.sqrt(v / (x.length - 1)) }
}

describe('the reference streams', () => {
  it('Rng64 is the project RNG (src/system/rng.ts) for seeds that fit a number', () => {
    for (const [seed, stream] of [[0, 0], [42, 3], [2 ** 40 + 7, 1]]) {
      const a = new Rng(seed, stream)
      const b = new Rng64(BigInt(seed), BigInt(stream))
      for (let i = 0; i < 20; i++) expect(b.uniform()).toBe(a.uniform())
    }
    // and derive_seed mixes its index and salt
    expect(deriveSeed(1n, 0n, 0n)).not.toBe(deriveSeed(1n, 1n, 0n))
    expect(deriveSeed(1n, 0n, 0n)).not.toBe(deriveSeed(1n, 0n, 5n))
  })
})

describe('mismatch', () => {
  it('each form equals the direct computation on a small network, in every draw', async () => {
    const net = smallNetwork()
    const qs = quantities(net)
    const res = await perturbDraws({ seed: 1234, perturbation: 'mismatch', level: 0.2, draws: [0, 1, 7], quantities: qs })
    expect(res.changed).toEqual(['wIn', 'omegaS', 'decoder', 'tauMemMs', 'tauSMs', 'vTh', 'forceVTh', 'forceVThPerNeuron', 'bias'])
    expect(res.unchanged).toEqual(['omegaF'])
    expect(res.draws.map((d) => d.draw)).toEqual([0, 1, 7])
    let exact = 0
    let total = 0
    for (const d of res.draws) {
      expect(Object.keys(d.arrays)).toEqual(res.changed)
      for (const q of qs) {
        if (q.mismatch === undefined) continue
        const expected = mismatchReference(q.values, q.mismatch as 'relative', 0.2, quantityStream(1234, 0.2, d.draw, q.name), q.reset)
        const got = d.arrays[q.name]
        // Box-Muller's log and cos may differ in the last bit of a double between libm and V8
        expect(maxUlps(got, expected), `${q.name}, draw ${d.draw}`).toBeLessThanOrEqual(1)
        for (let i = 0; i < got.length; i++) exact += got[i] === expected[i] ? 1 : 0
        total += got.length
      }
    }
    expect(exact / total).toBeGreaterThan(0.99)
    // every changed array moved, and time constants and thresholds stay positive
    const d0 = res.draws[0].arrays
    for (const name of res.changed) expect(d0[name], name).not.toEqual(qs.find((q) => q.name === name)!.values)
    for (const name of ['tauMemMs', 'tauSMs', 'vTh']) for (const v of d0[name]) expect(v).toBeGreaterThan(0)
    // the perturbed arrays are fresh copies: the inputs are untouched
    expect(qs[0].values).toEqual(smallNetwork().wIn)
  })

  it('the same (seed, level, draw) is the same chip; another seed, level or draw is another', async () => {
    const net = smallNetwork()
    const run = (seed: number, level: number, draws: number[]) => perturbDraws({ seed, perturbation: 'mismatch', level, draws, quantities: quantities(net) })
    const a = await run(5, 0.1, [0, 1, 2, 3])
    const b = await run(5, 0.1, [3, 2])
    expect(b.draws[0].arrays).toEqual(a.draws[3].arrays) // a draw does not depend on the others asked for
    expect(b.draws[1].arrays).toEqual(a.draws[2].arrays)
    expect(a.draws[1].arrays.omegaS).not.toEqual(a.draws[0].arrays.omegaS)
    expect((await run(6, 0.1, [0])).draws[0].arrays.omegaS).not.toEqual(a.draws[0].arrays.omegaS)
    // draws at another level are independent draws, not the same deviations scaled
    const c = await run(5, 0.2, [0])
    const zA = Array.from(a.draws[0].arrays.omegaS, (w, i) => (w / net.omegaS[i] - 1) / 0.1)
    const zC = Array.from(c.draws[0].arrays.omegaS, (w, i) => (w / net.omegaS[i] - 1) / 0.2)
    expect(zC.every((z, i) => Math.abs(z - zA[i]) < 1e-3)).toBe(false)
  })

  it("a quantity's stream is keyed by its name: adding, removing or reordering the others changes nothing", async () => {
    const net = smallNetwork()
    const all = quantities(net)
    const full = await perturbDraws({ seed: 9, perturbation: 'mismatch', level: 0.1, draws: 2, quantities: all })
    const alone = await perturbDraws({ seed: 9, perturbation: 'mismatch', level: 0.1, draws: 2, quantities: [all[4]] })
    const reversed = await perturbDraws({ seed: 9, perturbation: 'mismatch', level: 0.1, draws: 2, quantities: [...all].reverse() })
    for (let d = 0; d < 2; d++) {
      expect(alone.draws[d].arrays.tauMemMs).toEqual(full.draws[d].arrays.tauMemMs)
      for (const name of full.changed) expect(reversed.draws[d].arrays[name]).toEqual(full.draws[d].arrays[name])
    }
    // two quantities with equal values get different deviations
    const twins = await perturbDraws({
      seed: 9,
      perturbation: 'mismatch',
      level: 0.1,
      draws: 1,
      quantities: [
        { name: 'a', kind: 'weights', values: net.omegaS, mismatch: 'relative' },
        { name: 'b', kind: 'weights', values: net.omegaS, mismatch: 'relative' },
      ],
    })
    expect(twins.draws[0].arrays.a).not.toEqual(twins.draws[0].arrays.b)
    // any name is a plain key of the result, "__proto__" included (not the object's prototype)
    const odd = await perturbDraws({ seed: 9, perturbation: 'mismatch', level: 0.1, draws: 1, quantities: [{ name: '__proto__', kind: 'weights', values: net.omegaS, mismatch: 'relative' }] })
    expect(Object.hasOwn(odd.draws[0].arrays, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(odd.draws[0].arrays)).toBe(Object.prototype)
    expect(odd.draws[0].arrays['__proto__']).toBeInstanceOf(Float32Array)
  })

  it('the drawn deviations have the stated distributions (200 000 elements per form)', async () => {
    const n = 200_000
    const sigma = 0.1
    const res = await perturbDraws({
      seed: 77,
      perturbation: 'mismatch',
      level: sigma,
      draws: 1,
      quantities: [
        { name: 'w', kind: 'weights', values: new Float32Array(n).fill(-2), mismatch: 'relative' },
        { name: 'tau', kind: 'time-constant', values: new Float32Array(n).fill(50), mismatch: 'abs-relative' },
        { name: 'tauWide', kind: 'time-constant', values: new Float32Array(n).fill(50), mismatch: 'abs-relative' },
        { name: 'vth', kind: 'threshold', values: new Float32Array(n).fill(-40), mismatch: 'threshold', reset: -65 },
        { name: 'b', kind: 'bias', values: new Float32Array(n).fill(0.3), mismatch: 'offset' },
      ],
    })
    const a = res.draws[0].arrays
    // standard error of a mean of 200 000 standard normals: 0.0022; of the sd: 0.0016. Bounds at 5 se.
    const z = (arr: Float32Array, f: (v: number) => number): { mean: number; sd: number } => meanSd(Array.from(arr, f))
    const rel = z(a.w, (v) => (v / -2 - 1) / sigma)
    expect(Math.abs(rel.mean)).toBeLessThan(0.011)
    expect(Math.abs(rel.sd - 1)).toBeLessThan(0.008)
    const abs = z(a.tau, (v) => (v / 50 - 1) / sigma) // |N(50, 5²)|: folding at 0 is 10 sd away
    expect(Math.abs(abs.mean)).toBeLessThan(0.011)
    expect(Math.abs(abs.sd - 1)).toBeLessThan(0.008)
    const th = z(a.vth, (v) => (v + 40) / (sigma * 25)) // σ·|V_th − V_reset| = 2.5
    expect(Math.abs(th.mean)).toBeLessThan(0.011)
    expect(Math.abs(th.sd - 1)).toBeLessThan(0.008)
    const off = z(a.b, (v) => (v - 0.3) / sigma) // N(0, σ²), absolute
    expect(Math.abs(off.mean)).toBeLessThan(0.011)
    expect(Math.abs(off.sd - 1)).toBeLessThan(0.008)
    // the shares within 1 and 2 sd are a normal's (0.6827, 0.9545), and the streams are uncorrelated
    const zs = Array.from(a.w, (v) => (v / -2 - 1) / sigma)
    expect(Math.abs(zs.filter((x) => Math.abs(x) < 1).length / n - 0.6827)).toBeLessThan(0.006)
    expect(Math.abs(zs.filter((x) => Math.abs(x) < 2).length / n - 0.9545)).toBeLessThan(0.003)
    const zt = Array.from(a.tau, (v) => (v / 50 - 1) / sigma)
    const zw = Array.from(a.tauWide, (v) => (v / 50 - 1) / sigma)
    let cov = 0
    for (let i = 0; i < n; i++) cov += zt[i] * zw[i]
    expect(Math.abs(cov / n)).toBeLessThan(0.011)
  })

  it('|N(p, (σp)²)| folds at zero: at σ = 1 the mean is p·E|1 + z| = 1.1666·p, never negative', async () => {
    const n = 200_000
    const res = await perturbDraws({ seed: 3, perturbation: 'mismatch', level: 1, draws: 1, quantities: [{ name: 'tau', kind: 'time-constant', values: new Float32Array(n).fill(2), mismatch: 'abs-relative' }] })
    const v = res.draws[0].arrays.tau
    expect(v.reduce((m, x) => Math.min(m, x), Infinity)).toBeGreaterThanOrEqual(0)
    // E|1 + z| = 2φ(1) + (2Φ(1) − 1) = 0.48394 + 0.68269 = 1.16663; sd of |1 + z| about 0.81
    expect(Math.abs(meanSd(v).mean / 2 - 1.16663)).toBeLessThan(0.01)
  })
})

describe('level 0 is the unperturbed network, bit for bit', () => {
  it('mismatch σ = 0, quantisation b = 0 and death fraction 0', async () => {
    const special = new Float32Array([0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1])
    const qs: PerturbQuantity[] = [
      ...quantities(smallNetwork()),
      { name: 'special', kind: 'weights', values: special, mismatch: 'relative', quantise: true },
      { name: 'specialOffset', kind: 'bias', values: special, mismatch: 'offset' },
    ]
    const m = await perturbDraws({ seed: 1, perturbation: 'mismatch', level: 0, draws: 3, quantities: qs })
    const q = await perturbDraws({ seed: 1, perturbation: 'quantisation', level: 0, draws: 2, quantities: qs })
    for (const res of [m, q]) {
      expect(res.changed.length).toBeGreaterThan(3)
      for (const d of res.draws)
        for (const name of res.changed) expect(bitsOf(d.arrays[name]), `${res.perturbation} ${name}`).toEqual(bitsOf(qs.find((x) => x.name === name)!.values))
    }
    expect(q.steps).toEqual(Object.fromEntries(q.changed.map((n) => [n, 0])))
    const death = await deathDraws({ seed: 1, fraction: 0, neurons: 320, draws: 4 })
    for (const d of death.draws) expect(d.neurons).toEqual(new Int32Array(0))
  })
})

describe('quantisation', () => {
  it('equals the direct computation, is the same in every draw, and leaves the others alone', async () => {
    const net = smallNetwork()
    const qs = quantities(net)
    for (const bits of [1, 2, 3, 4, 5, 6, 8, 16]) {
      const res = await perturbDraws({ seed: 1, perturbation: 'quantisation', level: bits, draws: 2, quantities: qs })
      expect(res.changed).toEqual(['wIn', 'omegaS', 'omegaF', 'decoder']) // every matrix, fast weights included
      expect(res.unchanged).toEqual(['tauMemMs', 'tauSMs', 'vTh', 'forceVTh', 'forceVThPerNeuron', 'bias'])
      for (const name of res.changed) {
        const ref = quantiseReference(net[name], bits)
        expect(res.draws[0].arrays[name], `${name} at ${bits} bits`).toEqual(ref.values)
        expect(res.draws[1].arrays[name]).toEqual(ref.values)
        expect(res.steps![name]).toBe(ref.step)
      }
    }
  })

  it('at most 2^b distinct values, each within q/2 of its weight, on the grid q·k; a constant matrix is unchanged', async () => {
    const n = 50_000
    const symmetric = floats(n, 11, -1, 1)
    symmetric[0] = -1
    symmetric[1] = 1 // max = −min: both ends are ties of w/q (the case that would give 2^b + 1 levels)
    const skewed = floats(n, 12, -0.3, 2)
    const sparse = floats(n, 13, -1, 1).map((v, i) => (i % 3 === 0 ? 0 : v))
    const matrices = { symmetric, skewed, sparse, constant: new Float32Array(100).fill(0.25), zeros: new Float32Array(100) }
    for (const bits of [1, 2, 3, 4, 5, 6, 8, 10]) {
      const res = await perturbDraws({
        seed: 0,
        perturbation: 'quantisation',
        level: bits,
        draws: 1,
        quantities: Object.entries(matrices).map(([name, values]) => ({ name, kind: 'weights' as const, values, quantise: true })),
      })
      for (const [name, w] of Object.entries(matrices)) {
        const out = res.draws[0].arrays[name]
        const q = res.steps![name]
        if (name === 'constant' || name === 'zeros') {
          expect(q).toBe(0)
          expect(bitsOf(out)).toEqual(bitsOf(w))
          continue
        }
        let lo = Infinity
        let hi = -Infinity
        for (const v of w) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)]
        expect(q).toBeCloseTo((hi - lo) / (2 ** bits - 1), 12)
        const levels = new Set(out)
        expect(levels.size, `${name} at ${bits} bits`).toBeLessThanOrEqual(2 ** bits)
        if (bits <= 6) expect(levels.size, `${name} at ${bits} bits uses its levels`).toBeGreaterThanOrEqual(2 ** bits - 1)
        let worst = 0
        let offGrid = 0
        for (let i = 0; i < n; i++) {
          worst = Math.max(worst, Math.abs(out[i] - w[i]))
          const k = out[i] / q
          if (Math.abs(k - Math.round(k)) > 1e-4) offGrid++ // on the grid q·k (float rounding aside)
        }
        expect(offGrid).toBe(0)
        expect(worst, `${name} at ${bits} bits`).toBeLessThanOrEqual(q / 2 + 1e-6)
        if (name === 'sparse') for (let i = 0; i < n; i += 3) expect(out[i]).toBe(0) // zero stays zero: no offset, no clipping
      }
    }
  })
})

describe('neuron death', () => {
  it('round(fraction·N) distinct neurons, ascending, equal to the direct computation, with the silence option', async () => {
    for (const [fraction, neurons] of [[0.4, 320], [0.1, 5], [0.25, 7], [1, 9], [0.5, 1]] as const) {
      const res = await deathDraws({ seed: 42, fraction, neurons, draws: [0, 1, 2, 9] })
      for (const d of res.draws) {
        const expected = deathReference(42, fraction, d.draw, neurons)
        expect(Array.from(d.neurons), `${fraction} of ${neurons}, draw ${d.draw}`).toEqual(expected)
        expect(d.neurons.length).toBe(Math.floor(fraction * neurons + 0.5))
        expect(new Set(d.neurons).size).toBe(d.neurons.length)
        expect(d.silence).toEqual({ neurons: d.neurons })
      }
      if (fraction < 1 && neurons > 5) expect(res.draws[0].neurons).not.toEqual(res.draws[1].neurons)
    }
    const windowed = await deathDraws({ seed: 42, fraction: 0.4, neurons: 320, draws: 1, window: { startStep: 200, endStep: 600 } })
    expect(windowed.draws[0].silence).toEqual({ neurons: windowed.draws[0].neurons, startStep: 200, endStep: 600 })
    // each neuron dies in about `fraction` of the draws
    const many = await deathDraws({ seed: 5, fraction: 0.3, neurons: 50, draws: 2000 })
    const counts = new Array(50).fill(0)
    for (const d of many.draws) for (const i of d.neurons) counts[i]++
    for (const c of counts) expect(Math.abs(c / 2000 - 0.3)).toBeLessThan(0.05) // sd 0.0102
  })

  it('silenced through the simulator, the dead neurons never spike', async () => {
    const N = 40
    const rng = new Rng(3)
    const wIn = Float32Array.from({ length: N }, () => rng.uniform(30, 60))
    const net = createNetwork({ neurons: N, channels: 1, dims: 1, weights: { wIn, decoder: new Float32Array(N) } })
    const steps = 300
    const inputs = new Float32Array(steps).fill(1)
    const death = await deathDraws({ seed: 8, fraction: 0.25, neurons: N, draws: 1, window: { startStep: 0 } })
    const alive = await net.simulate(inputs, { batch: 1, steps })
    const dead = await net.simulate(inputs, { batch: 1, steps, silence: death.draws[0].silence })
    const isDead = new Set(death.draws[0].neurons)
    expect(isDead.size).toBe(10)
    for (let i = 0; i < N; i++) {
      if (isDead.has(i)) {
        expect(alive.spikeCounts[i], `neuron ${i} fires when alive`).toBeGreaterThan(0)
        expect(dead.spikeCounts[i], `neuron ${i}`).toBe(0)
      } else expect(dead.spikeCounts[i]).toBe(alive.spikeCounts[i]) // no recurrence: the others are unaffected
    }
  })
})

describe('determinism across thread counts', () => {
  it('1, 2 and all threads give the same bits for 24 draws of a network, mismatch and quantisation', async () => {
    const N = 96
    const net = {
      wIn: floats(N * 2, 21, -5, 5),
      omegaS: floats(N * N, 22, -0.2, 0.2),
      omegaF: floats(N * N, 23, -0.1, 0.1),
      decoder: floats(8 * N, 24, -0.05, 0.05),
      tauMemMs: floats(N, 25, 40, 60),
      tauSMs: floats(N, 26, 60, 80),
      vTh: floats(N, 27, 0.9, 1.1),
      bias: floats(N, 28, -0.1, 0.1),
    }
    const qs = quantities(net).filter((q) => q.name !== 'forceVThPerNeuron')
    for (const [perturbation, level] of [['mismatch', 0.1], ['quantisation', 4]] as const) {
      const results = []
      for (const threads of [1, 2, 0]) results.push(await perturbDraws({ seed: 31, perturbation, level, draws: 24, quantities: qs, threads }))
      for (const r of results.slice(1))
        for (let d = 0; d < 24; d++) for (const name of r.changed) expect(bitsOf(r.draws[d].arrays[name])).toEqual(bitsOf(results[0].draws[d].arrays[name]))
    }
    const deaths = []
    for (const threads of [1, 2, 0]) deaths.push(await deathDraws({ seed: 31, fraction: 0.4, neurons: 320, draws: 40, threads }))
    expect(deaths[1]).toEqual(deaths[0])
    expect(deaths[2]).toEqual(deaths[0])
  })
})

describe('arguments, memory and cancel', () => {
  const q = (over: Partial<PerturbQuantity> = {}): PerturbQuantity => ({ name: 'w', kind: 'weights', values: new Float32Array(4), mismatch: 'relative', ...over })
  const base = { seed: 1, perturbation: 'mismatch' as const, level: 0.1, draws: 1, quantities: [q()] }

  async function expectArg(fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: string | RegExp): Promise<void> {
    let err: unknown
    try {
      await fn()
    } catch (e) {
      err = e
    }
    expect(err, String(message)).toBeInstanceOf(cls)
    expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG')
    expect((err as Error).message).toMatch(message)
  }

  it('each bad argument is refused by name (TypeError / RangeError, ERR_INVALID_ARG)', async () => {
    await expectArg(() => perturbDraws(undefined as never), TypeError, 'Expected an object for options but received undefined')
    await expectArg(() => perturbDraws({ ...base, perturbation: 'noise' } as never), TypeError, /'mismatch' or 'quantisation' for options\.perturbation but received the string 'noise'/)
    await expectArg(() => perturbDraws({ ...base, levle: 1 } as never), TypeError, "Unknown option 'levle' in options")
    await expectArg(() => perturbDraws({ ...base, level: 11 }), RangeError, 'options.level must be between 0 and 10 but is 11')
    await expectArg(() => perturbDraws({ ...base, level: -0.1 }), RangeError, 'options.level must be between 0 and 10 but is -0.1')
    await expectArg(() => perturbDraws({ ...base, perturbation: 'quantisation', level: 3.5 }), TypeError, 'Expected an integer for options.level but received 3.5')
    await expectArg(() => perturbDraws({ ...base, perturbation: 'quantisation', level: 33 }), RangeError, 'options.level must be between 0 and 32 but is 33')
    await expectArg(() => perturbDraws({ ...base, seed: -1 }), RangeError, /options\.seed must be between 0 and/)
    await expectArg(() => perturbDraws({ ...base, draws: 0 }), RangeError, 'options.draws must be between 1 and 1048576 but is 0')
    await expectArg(() => perturbDraws({ ...base, draws: [0, 1.5] }), TypeError, 'Expected an integer for options.draws[1] but received 1.5')
    await expectArg(() => perturbDraws({ ...base, draws: [] }), RangeError, 'options.draws must hold 1 to 1048576 draw indices but has 0')
    await expectArg(() => perturbDraws({ ...base, draws: [-2] }), RangeError, 'options.draws[0] must be between 0 and 2^53 - 1 but is -2')
    await expectArg(() => perturbDraws({ ...base, quantities: 'w' } as never), TypeError, "Expected an array of quantities for options.quantities but received the string 'w'")
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ values: [1, 2] as never })] }), TypeError, 'Expected a Float32Array for options.quantities[0].values but received an array of length 2')
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'matrix' as never })] }), TypeError, /for options\.quantities\[0\]\.kind but received the string 'matrix'/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ mismatch: 'gaussian' as never })] }), TypeError, /for options\.quantities\[0\]\.mismatch but received the string 'gaussian'/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ values: new Float32Array([1, NaN]) })] }), RangeError, 'options.quantities[0].values must hold finite numbers but element 1 is NaN')
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ name: '' })] }), RangeError, 'options.quantities[0].name must have 1 to 200 characters but has 0')
    await expectArg(() => perturbDraws({ ...base, quantities: [q(), q()] }), RangeError, "options.quantities[1].name is 'w', the name of options.quantities[0]")
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ unit: 'ms' } as never)] }), TypeError, "Unknown option 'unit' in options.quantities[0]")
    // forms that do not fit the kind
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ mismatch: 'abs-relative' })] }), RangeError, /options\.quantities\[0\] \('w', weights\) cannot take 'abs-relative' mismatch/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'time-constant', mismatch: 'offset', values: new Float32Array([5]) })] }), RangeError, /cannot take 'offset' mismatch/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'bias', quantise: true })] }), RangeError, /\('w', a bias\) cannot be quantised: only weights are/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'time-constant', mismatch: 'abs-relative', values: new Float32Array([50, 0]) })] }), RangeError, /element 1 is 0 but time constants must be > 0/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'threshold', mismatch: 'abs-relative', values: new Float32Array([1, -0.5]) })] }), RangeError, /element 1 is -0.5 but 'abs-relative' mismatch draws \|N\(p, \(σp\)²\)\|/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'threshold', mismatch: 'threshold' })] }), TypeError, /for options\.quantities\[0\]\.reset but received undefined/)
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ kind: 'threshold', mismatch: 'threshold', reset: new Float32Array(3) })] }), RangeError, 'options.quantities[0].reset must have one per element of values = 4 elements but has 3')
    await expectArg(() => perturbDraws({ ...base, quantities: [q({ reset: 0 })] }), RangeError, "options.quantities[0].reset is only used by 'threshold' mismatch, not by 'relative': remove it")
    // neuron death
    await expectArg(() => deathDraws({ seed: 1, fraction: 1.5, neurons: 10, draws: 1 }), RangeError, 'options.fraction must be between 0 and 1 but is 1.5')
    await expectArg(() => deathDraws({ seed: 1, fraction: 0.5, neurons: 0, draws: 1 }), RangeError, /options\.neurons must be between 1 and/)
    // a draw is not cancellable inside (it shuffles and sorts the population): a population beyond 2^24
    // took minutes per draw (14 M neurons: a second) and up to the whole memory budget
    await expectArg(() => deathDraws({ seed: 1, fraction: 0.5, neurons: 2 ** 24 + 1, draws: 1 }), RangeError, 'options.neurons must be between 1 and 16777216 but is 16777217')
    await expectArg(() => deathDraws({ seed: 1, fraction: 0.5, neurons: 10, draws: 1, window: { startStep: 5, endStep: 2 } }), RangeError, 'options.window.endStep (2) must not be before startStep (5)')
    await expectArg(() => deathDraws({ seed: 1, fraction: 0.5, neurons: 10, draws: 1, window: { start: 5 } } as never), TypeError, "Unknown option 'start' in options.window")
  })

  it('the raw binding checks what the wrapper passes on (the same names)', async () => {
    const { addon } = await import('../../native/index.ts')
    const raw = addon<{ perturbDraws(o: unknown, p?: unknown, c?: unknown): Promise<unknown>; deathDraws(o: unknown): Promise<unknown> }>()
    await expectArg(() => raw.perturbDraws({ ...base, draws: 3 }), TypeError, 'Expected an array of draw indices (integers) for options.draws but received 3')
    await expectArg(() => raw.perturbDraws({ ...base, draws: [0] }, 5), TypeError, 'Expected a function for onProgress but received 5')
    await expectArg(() => raw.perturbDraws({ ...base, draws: [0], quantities: [{ name: 'w', values: new Float32Array(1) }] }), TypeError, /for options\.quantities\[0\]\.kind but received undefined/)
    await expectArg(() => raw.deathDraws({ seed: 1, fraction: 0.5, neurons: 10, draws: [0], window: {} }), TypeError, "Unknown option 'window' in options")
  })

  it('a call that needs more than the memory budget is refused before it allocates, naming options.draws', async () => {
    const values = new Float32Array(1 << 16)
    setMemoryBudget(4 * (1 << 16) * 2 * 10) // the inputs and about 9 draws
    await expectArg(
      () => perturbDraws({ ...base, draws: 100, quantities: [q({ values })] }),
      RangeError,
      /^options\.draws: 100 draws of 65536 perturbed values needs 52\.7 MB \(52690944 bytes\) but the memory limit is .* perturb fewer draws at once/,
    )
    const ok = await perturbDraws({ ...base, draws: 8, quantities: [q({ values })] })
    expect(ok.draws).toHaveLength(8)
    expect(memoryBudget().bytes).toBe(4 * (1 << 16) * 2 * 10)
  })

  it('an abort stops a large batch between blocks (ERR_CANCELLED); progress is reported', async () => {
    const values = new Float32Array(1 << 22).fill(1)
    const controller = new AbortController()
    const fractions: number[] = []
    const started = performance.now()
    const p = perturbDraws({ ...base, draws: 64, quantities: [q({ values })] }, { signal: controller.signal, onProgress: (f) => fractions.push(f) })
    setTimeout(() => controller.abort(), 50)
    await expect(p).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
    // 64 draws of 4 M normals take about 10 s on one core; cancelled within a fraction of that
    expect(performance.now() - started).toBeLessThan(5000)
    const done = await perturbDraws({ ...base, draws: 4, quantities: [q({ values: new Float32Array(1000).fill(1) })] }, { onProgress: (f) => fractions.push(f) })
    expect(done.draws).toHaveLength(4)
    expect(fractions.at(-1)).toBe(1)
  })
})

describe('membrane noise', () => {
  it('a fraction of V_th − V_reset per neuron, and the simulator noiseStd when all neurons share it', () => {
    expect(membraneNoiseStd(0.05, DEFAULT_NEURON_PARAMS.vTh, DEFAULT_NEURON_PARAMS.vReset)).toBeCloseTo(0.05, 12)
    expect(membraneNoiseStd(0.1, -40, -65)).toBeCloseTo(2.5, 12) // FORCE: V_peak −40, V_reset −65
    expect(membraneNoiseStd(0, 1, 0)).toBe(0)
    const perNeuron = noiseStdPerNeuron(0.1, new Float32Array([1, 1.5, 0.5]), 0)
    expect(perNeuron).toHaveLength(3)
    ;[0.1, 0.15, 0.05].forEach((v, i) => expect(perNeuron[i]).toBeCloseTo(v, 12))
    expect(membraneNoiseStd(0.01, new Float32Array(8).fill(1), [0, 0, 0, 0, 0, 0, 0, 0])).toBeCloseTo(0.01, 12)
    expect(() => membraneNoiseStd(0.1, new Float32Array([1, 1.2]), 0)).toThrow(/vTh − vReset differs between neurons \(noise std 0\.1 to 0\.12/)
    expect(() => noiseStdPerNeuron(-0.1, 1, 0)).toThrow(RangeError)
    expect(() => noiseStdPerNeuron(0.1, new Float32Array(3), new Float32Array(2))).toThrow('vTh has 3 values but vReset has 2')
    expect(() => noiseStdPerNeuron(0.1, NaN, 0)).toThrow(TypeError)
  })
})
