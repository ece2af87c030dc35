// ADS training through the real addon: the low-rank online rule against a plain TypeScript reference
// of the naive O(N²)-per-step rule, the network construction, the schedules, and every kind of bad
// argument. No mocks.
import { describe, expect, it } from 'vitest'
import {
  AdsTrainer,
  buildEbn,
  createNetwork,
  ebnInputWeights,
  evaluateAds,
  initTeacher,
  mulberry32,
  trainAdsSamples,
  type AdsTrainerOptions,
  type NetworkSpec,
  type TeacherParams,
} from '../../native/index.ts'
import { trainReference } from '../support/ads-reference.ts'
import type { RefParams } from '../support/snn-reference.ts'
import { thrown } from '../support/thrown.ts'
import { atEverySimdLevel } from '../support/simd-levels.ts'

// ---- the rule against the reference -------------------------------------------------------------------

interface Case {
  N: number
  D: number
  params: 'uniform' | 'mixed'
  eta: number
}

function setup(c: Case, ebn: Awaited<ReturnType<typeof buildEbn>>) {
  const { N, D } = c
  const C = 2, T = 300, B = 3, k = 100
  const rnd = mulberry32(7 + N)
  const fHat = Float32Array.from({ length: D * C }, () => 4 * rnd() - 2)
  const wIn = ebnInputWeights(ebn.encoder, fHat, { neurons: N, dims: D, channels: C, gain: 200 })
  const per = (lo: number, hi: number): Float32Array => Float32Array.from({ length: N }, () => lo + (hi - lo) * rnd())
  const full = (v: number): Float32Array => new Float32Array(N).fill(v)
  // 'mixed': per-neuron tau_s and tau_out (the rule's row-per-spike and dense-accumulator paths), refractory.
  const params: RefParams =
    c.params === 'uniform'
      ? { tauMemMs: full(50), tauSMs: full(70), tauFMs: full(1), tauOutMs: full(70), vTh: full(1), vRest: full(0.5), vReset: full(0), bias: full(0), refractoryMs: full(0) }
      : {
          tauMemMs: per(40, 60),
          tauSMs: per(50, 90),
          tauFMs: per(1, 3),
          tauOutMs: per(60, 80),
          vTh: per(0.9, 1.1),
          vRest: per(0.45, 0.55),
          vReset: per(-0.05, 0.05),
          bias: per(0, 0.1),
          refractoryMs: Float32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 2 : 0)),
        }
  const spec: NetworkSpec = { neurons: N, channels: C, dims: D, params, weights: { wIn, omegaF: ebn.omegaF, decoder: ebn.decoder, encoder: ebn.encoder } }
  const inputs = new Float32Array(B * T * C), targets = new Float32Array(B * T * D)
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      for (let q = 0; q < C; q++) inputs[(b * T + t) * C + q] = Math.sin((2 * Math.PI * (1 + q + b) * t) / 1000 + q)
      for (let d = 0; d < D; d++) targets[(b * T + t) * D + d] = 0.8 * Math.sin((2 * Math.PI * (0.7 + 0.3 * d) * t) / 1000 + d + b)
    }
  const initialV = Float32Array.from({ length: B * N }, () => rnd())
  return { spec, params, wIn, inputs, targets, initialV, B, T, C, k }
}

function eventsOf(s: { steps: Int32Array; neurons: Int32Array; offsets: Int32Array }, b: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let q = s.offsets[b]; q < s.offsets[b + 1]; q++) out.push([s.steps[q], s.neurons[q]])
  return out
}

atEverySimdLevel('online rule: the low-rank form equals the naive per-step rule (TypeScript reference)', () => {
  for (const c of [
    { N: 40, D: 6, params: 'uniform', eta: 1e-4 },
    { N: 60, D: 8, params: 'uniform', eta: 3e-4 },
    { N: 30, D: 4, params: 'mixed', eta: 1e-4 },
    { N: 50, D: 8, params: 'mixed', eta: 2e-4 },
  ] as Case[]) {
    it(`N ${c.N}, D ${c.D}, ${c.params} parameters, η ${c.eta}: identical spikes, Ω_s within 1e-5`, async () => {
      const ebn = await buildEbn({ neurons: c.N, dims: c.D, seed: 5, g: 0.5 })
      const s = setup(c, ebn)
      const data = { inputs: s.inputs, teacherTargets: s.targets, count: s.B, steps: s.T }
      const ref = trainReference(
        { neurons: c.N, channels: s.C, dims: c.D, params: s.params, wIn: s.wIn, omegaF: ebn.omegaF, omegaS: new Float32Array(c.N * c.N), decoder: ebn.decoder, encoder: ebn.encoder },
        { count: s.B, steps: s.T, dtMs: 1, inputs: s.inputs, targets: s.targets, initialV: s.initialV, k: s.k, eta: c.eta },
      )
      let maxRef = 0
      for (const x of ref.omegaS) maxRef = Math.max(maxRef, Math.abs(x))
      expect(maxRef).toBeGreaterThan(1e-3) // the rule did move the weights
      for (const rule of ['online', 'online-naive'] as const) {
        const r = await trainAdsSamples(s.spec, data, { k: s.k, eta: c.eta, rule, initialV: s.initialV, record: { spikes: true } })
        for (let b = 0; b < s.B; b++) expect(eventsOf(r.spikes!, b), `${rule}, sample ${b}`).toEqual(ref.spikes[b])
        let maxDiff = 0
        for (let q = 0; q < c.N * c.N; q++) maxDiff = Math.max(maxDiff, Math.abs(ref.omegaS[q] - r.network.weights.omegaS[q]))
        expect(maxDiff / maxRef, rule).toBeLessThan(1e-5)
        for (let q = 0; q < c.N; q++) expect(r.network.weights.omegaS[q * c.N + q]).toBe(0)
        for (let b = 0; b < s.B; b++) expect(r.reconstructionError[b]).toBeCloseTo(ref.reconstructionError[b], 6)
        // the naive native form is the reference's arithmetic exactly
        if (rule === 'online-naive') expect(r.network.weights.omegaS).toEqual(Float32Array.from(ref.omegaS))
      }
      // and learning changed the spike trains (the comparison is not vacuous)
      const still = await trainAdsSamples(s.spec, data, { k: s.k, eta: 0, initialV: s.initialV, record: { spikes: true } })
      expect(eventsOf(still.spikes!, 2)).not.toEqual(ref.spikes[2])
      expect(still.network.weights.omegaS.every((x) => x === 0)).toBe(true)
    })
  }

  it('training continued from a stored network (Ω_0 ≠ 0) goes on as one run', async () => {
    const c: Case = { N: 40, D: 6, params: 'uniform', eta: 1e-4 }
    const ebn = await buildEbn({ neurons: c.N, dims: c.D, seed: 5, g: 0.5 })
    const s = setup(c, ebn)
    const ref = trainReference(
      { neurons: c.N, channels: s.C, dims: c.D, params: s.params, wIn: s.wIn, omegaF: ebn.omegaF, omegaS: new Float32Array(c.N * c.N), decoder: ebn.decoder, encoder: ebn.encoder },
      { count: s.B, steps: s.T, dtMs: 1, inputs: s.inputs, targets: s.targets, initialV: s.initialV, k: s.k, eta: c.eta },
    )
    const part = (from: number, to: number) => ({
      inputs: s.inputs.subarray(from * s.T * s.C, to * s.T * s.C),
      teacherTargets: s.targets.subarray(from * s.T * c.D, to * s.T * c.D),
      count: to - from,
      steps: s.T,
    })
    const first = await trainAdsSamples(s.spec, part(0, 2), { k: s.k, eta: c.eta, initialV: s.initialV.subarray(0, 2 * c.N) })
    const second = await trainAdsSamples(first.network, part(2, 3), { k: s.k, eta: c.eta, initialV: s.initialV.subarray(2 * c.N), record: { spikes: true } })
    expect(eventsOf(second.spikes!, 0)).toEqual(ref.spikes[2])
    let maxRef = 0, maxDiff = 0
    for (let q = 0; q < c.N * c.N; q++) {
      maxRef = Math.max(maxRef, Math.abs(ref.omegaS[q]))
      maxDiff = Math.max(maxDiff, Math.abs(ref.omegaS[q] - second.network.weights.omegaS[q]))
    }
    expect(maxDiff / maxRef).toBeLessThan(1e-5)
  })

  it('the batched rule: Ω_s changes once per sample, by η on average per entry, with a zero diagonal', async () => {
    const c: Case = { N: 40, D: 6, params: 'uniform', eta: 1e-3 }
    const ebn = await buildEbn({ neurons: c.N, dims: c.D, seed: 5, g: 0.5 })
    const s = setup(c, ebn)
    const one = { inputs: s.inputs.subarray(0, s.T * s.C), teacherTargets: s.targets.subarray(0, s.T * c.D), count: 1, steps: s.T }
    const r = await trainAdsSamples(s.spec, one, { k: s.k, eta: c.eta, rule: 'batched', initialV: s.initialV.subarray(0, c.N), record: { spikes: true } })
    let sum = 0
    for (let q = 0; q < c.N * c.N; q++) sum += Math.abs(r.network.weights.omegaS[q])
    expect(sum / (c.N * c.N)).toBeCloseTo(c.eta, 7)
    for (let q = 0; q < c.N; q++) expect(r.network.weights.omegaS[q * c.N + q]).toBe(0)
    // within the sample the weights were fixed: the spikes are those of the network without learning
    const still = await trainAdsSamples(s.spec, one, { k: s.k, eta: 0, initialV: s.initialV.subarray(0, c.N), record: { spikes: true } })
    expect(r.spikes!.neurons).toEqual(still.spikes!.neurons)
    expect(r.spikes!.steps).toEqual(still.spikes!.steps)
  })
})

// ---- the trainer: construction and schedules -----------------------------------------------------------

let teacherCache: TeacherParams | undefined
async function smallTeacher(): Promise<TeacherParams> {
  teacherCache ??= await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 3 })
  return teacherCache
}

describe('AdsTrainer: the network it builds (METHOD §4)', () => {
  it('EBN from the teacher: wIn = A·F·F̂, decoder Fᵀ, read-out = teacher wOut, Ω_s = 0, Ω_f as buildEbn', async () => {
    const teacher = await smallTeacher()
    const N = 50, D = teacher.units
    const tr = new AdsTrainer({ teacher, neurons: N, seed: 4, g: 0.7, inputGain: 150, validation: null })
    const net = tr.getNetwork()
    expect(net).toMatchObject({ neurons: N, channels: 1, dims: D, outputs: 1 })
    const ebn = await buildEbn({ neurons: N, dims: D, seed: 4, g: 0.7 })
    expect(net.weights.encoder).toEqual(ebn.encoder)
    expect(net.weights.decoder).toEqual(ebn.decoder)
    expect(net.weights.omegaF).toEqual(ebn.omegaF)
    expect(net.weights.omegaS.every((x) => x === 0)).toBe(true)
    expect(net.weights.readout).toEqual(teacher.wOut)
    expect(net.weights.wIn).toEqual(ebnInputWeights(ebn.encoder, teacher.wIn, { neurons: N, dims: D, channels: 1, gain: 150 }))
    expect(net.params.tauMemMs.every((x) => x === 50)).toBe(true)
    // the network can be re-created as it is
    expect(createNetwork(net).neurons).toBe(N)
    // default A = 10/tau_mem(s): 200 at 50 ms, 100 at 100 ms
    const a200 = new AdsTrainer({ teacher, neurons: N, seed: 4, validation: null }).getNetwork()
    expect(a200.weights.wIn).toEqual(ebnInputWeights(ebn.encoder, teacher.wIn, { neurons: N, dims: D, channels: 1, gain: 200 }))
    const slow = new AdsTrainer({ teacher, neurons: N, seed: 4, validation: null, params: { tauMemMs: 100 } }).getNetwork()
    const e100 = await buildEbn({ neurons: N, dims: D, seed: 4, g: 0.5, tauMemMs: 100 })
    expect(slow.weights.wIn).toEqual(ebnInputWeights(e100.encoder, teacher.wIn, { neurons: N, dims: D, channels: 1, gain: 100 }))
    // no-EBN
    const noEbn = new AdsTrainer({ teacher, neurons: N, seed: 4, ebn: false, validation: null }).getNetwork()
    expect(noEbn.weights.omegaF.every((x) => x === 0)).toBe(true)
    expect(noEbn.weights.encoder).toEqual(ebn.encoder)
    expect(tr.getBestNetwork()).toBeNull()
  })
})

describe('AdsTrainer: schedules', () => {
  const xor = { task: { name: 'xor' as const, samplesPerEpoch: 2, options: { durationS: 0.1 } } }

  it('k staircase: 8 equal blocks from kStart down by kStart/8, never below kStart/8', async () => {
    const teacher = await smallTeacher()
    const tr = new AdsTrainer({ teacher, neurons: 20, seed: 1, data: xor, validation: null, k: { staircase: { start: 200, totalSamples: 16 } } })
    const recs = await tr.runEpochs(10)
    // block = 2 samples = 1 epoch; the record has the k of the epoch's last sample
    expect(recs.map((r) => r.k)).toEqual([200, 175, 150, 125, 100, 75, 50, 25, 25, 25])
    expect(tr.samplesDone).toBe(20)
    const four = new AdsTrainer({ teacher, neurons: 20, seed: 1, data: xor, validation: null, k: { staircase: { start: 80, totalSamples: 8, blocks: 4 } } })
    expect((await four.runEpochs(5)).map((r) => r.k)).toEqual([80, 60, 40, 20, 20])
  })

  it('η exponential: η0·exp(−t/b) + c with t the training sample index; constant k and η by default', async () => {
    const teacher = await smallTeacher()
    const tr = new AdsTrainer({ teacher, neurons: 20, seed: 1, data: xor, validation: null, eta: { exponential: { start: 1e-5, decaySamples: 3, floor: 1e-7 } } })
    const recs = await tr.runEpochs(3)
    recs.forEach((r, e) => expect(r.eta).toBeCloseTo(1e-5 * Math.exp(-(2 * e + 1) / 3) + 1e-7, 15))
    const plain = new AdsTrainer({ teacher, neurons: 20, seed: 1, data: xor, validation: null })
    const p = await plain.runEpochs(2)
    expect(p.map((r) => [r.k, r.eta])).toEqual([
      [75, 1e-6],
      [75, 1e-6],
    ])
    // k changes the training: the same run with another constant k ends elsewhere
    const k2 = new AdsTrainer({ teacher, neurons: 20, seed: 1, data: xor, validation: null, k: 150 })
    await k2.runEpochs(2)
    expect(k2.getNetwork().weights.omegaS).not.toEqual(plain.getNetwork().weights.omegaS)
  })
})

// ---- bad arguments ------------------------------------------------------------------------------------

describe('bad arguments throw synchronously, name the argument, and never crash the process', () => {
  const expectErr = (fn: () => unknown, cls: typeof TypeError | typeof RangeError | typeof Error, msg: RegExp, code = 'ERR_INVALID_ARG'): void => {
    const caught = thrown(fn)
    expect(caught, 'expected an exception').toBeInstanceOf(cls)
    expect((caught as Error).message).toMatch(msg)
    expect((caught as { code?: string }).code).toBe(code)
  }
  let teacher: TeacherParams
  const make = (o: Partial<AdsTrainerOptions> & Record<string, unknown>) => () => new AdsTrainer({ teacher, neurons: 20, validation: null, ...o } as AdsTrainerOptions)

  it('trainer options', async () => {
    teacher = await smallTeacher()
    expectErr(() => new AdsTrainer(undefined as unknown as AdsTrainerOptions), TypeError, /Expected an object for options but received undefined/)
    expectErr(make({ neurons: 0 }), RangeError, /options.neurons must be between 1 and 8192 but is 0/)
    expectErr(make({ neurons: 2.5 }), TypeError, /Expected an integer for options.neurons but received 2.5/)
    expectErr(make({ neurons: NaN }), TypeError, /Expected an integer for options.neurons but received NaN/)
    expectErr(make({ eta: -1e-6 }), RangeError, /options.eta must be between 0 and 1000000 but is -1e-06/)
    expectErr(make({ eta: NaN }), TypeError, /Expected a finite number for options.eta but received NaN/)
    expectErr(make({ k: -1 }), RangeError, /options.k must be between 0 and 1000000000 but is -1/)
    expectErr(make({ k: { staircase: { start: 200 } } as never }), TypeError, /Expected an integer for options.k.staircase.totalSamples but received undefined/)
    expectErr(make({ k: { staircase: { start: 0, totalSamples: 10 } } }), RangeError, /options.k.staircase.start must be greater than 0/)
    expectErr(make({ k: { linear: 3 } as never }), TypeError, /Unknown option 'linear' in options.k: expected one of staircase/)
    expectErr(make({ eta: { exponential: { start: 1e-6, decaySamples: 0 } } }), RangeError, /options.eta.exponential.decaySamples must be greater than 0/)
    expectErr(make({ rule: 'hebbian' as never }), TypeError, /Expected 'online' or 'online-naive' or 'batched' for options.rule but received the string 'hebbian'/)
    expectErr(make({ selection: 'loss' as never }), TypeError, /Expected 'reconstruction' or 'accuracy' for options.selection/)
    expectErr(make({ selection: 'accuracy' }), RangeError, /options.selection 'accuracy' needs validation samples with targets or labels/)
    expectErr(make({ etaa: 1 }), TypeError, /Unknown option 'etaa' in options: expected one of teacher, neurons/)
    expectErr(make({ threads: -1 }), RangeError, /options.threads must be between 0 and 1024 but is -1/)
    expectErr(make({ g: Infinity }), TypeError, /Expected a finite number for options.g but received Infinity/)
    expectErr(make({ params: { tauMemMs: -5 } }), RangeError, /Time constant tauMemMs must be strictly positive but is -5 for neuron 0/)
    expectErr(make({ params: { vTh: [1, 2] } }), RangeError, /options.params.vTh has 2 elements but neurons = 20/)
    expectErr(make({ params: { tauMem: 5 } as never }), TypeError, /Unknown option options.params.tauMem/)
    expectErr(make({ data: { task: { name: 'xor', samplesPerEpoch: 0 } } }), RangeError, /options.data.task.samplesPerEpoch must be between 1 and 2147483647 but is 0/)
    expectErr(make({ validation: { count: 0 } }), RangeError, /options.validation.count must be between 1 and 2147483647 but is 0/)
    expectErr(make({ neurons: 8193 }), RangeError, /options.neurons must be between 1 and 8192 but is 8193/)
    expectErr(make({ rule: 'online-naive', neurons: 3000 }), RangeError, /options.rule 'online-naive' updates all N² weights every step: use it with at most 2048 neurons/)
  })

  it('teacher and data mismatches', async () => {
    teacher = await smallTeacher()
    expectErr(make({ teacher: undefined as never }), TypeError, /Expected an object for options.teacher but received undefined/)
    expectErr(make({ teacher: { ...teacher, wRec: new Float32Array(5) } }), RangeError, /options.teacher.wRec must have units × units \(8 × 8\) = 64 elements but has 5/)
    expectErr(make({ teacher: { ...teacher, wIn: Array.from(teacher.wIn) as never } }), TypeError, /Expected a Float32Array for options.teacher.wIn but received an array of length 8/)
    const nanTau = Float32Array.from(teacher.tauMs)
    nanTau[3] = NaN
    expectErr(make({ teacher: { ...teacher, tauMs: nanTau } }), RangeError, /options.teacher.tauMs must hold finite numbers but element 3 is NaN/)
    const zeroTau = Float32Array.from(teacher.tauMs)
    zeroTau[2] = 0
    expectErr(make({ teacher: { ...teacher, tauMs: zeroTau } }), RangeError, /options.teacher.tauMs must hold positive time constants \(ms\) but element 2 is 0/)
    const two = { ...teacher, channels: 2, wIn: new Float32Array(16) }
    expectErr(make({ teacher: two }), RangeError, /options.data.task: the task 'xor' draws samples of 1 channel and 1 output but the teacher has 2 channels and 1 output: pass a dataset, or a task whose samples fit/)
    expectErr(make({ data: { inputs: new Float32Array(10), count: 2, steps: 6 } }), RangeError, /options.data.inputs must have count × steps × channels \(2 × 6 × 1\) = 12 elements but has 10/)
    expectErr(make({ data: { inputs: new Float32Array(12), targets: new Float32Array(3), count: 2, steps: 6 } }), RangeError, /options.data.targets must have count × steps × outputs \(2 × 6 × 1\) = 12 elements but has 3/)
    expectErr(make({ data: { inputs: new Float32Array(12), count: 2, steps: 6, labels: new Int8Array([1, 0]) } }), RangeError, /options.data.labels must hold 1 or -1 but element 1 is 0/)
  })

  it('runEpochs, evaluateAds and trainAdsSamples', async () => {
    teacher = await smallTeacher()
    const tr = new AdsTrainer({ teacher, neurons: 20, validation: null })
    expectErr(() => tr.runEpochs(0), RangeError, /epochs must be between 1 and 1000000 but is 0/)
    expectErr(() => tr.runEpochs(1.5), TypeError, /Expected an integer for epochs but received 1.5/)
    expectErr(() => tr.runEpochs(NaN), TypeError, /Expected an integer for epochs but received NaN/)
    const spec = tr.getNetwork()
    const ok = { inputs: new Float32Array(20), count: 2, steps: 10 }
    expectErr(() => evaluateAds(spec, { ...ok, inputs: new Float32Array(19) }), RangeError, /data.inputs must have count × steps × channels \(2 × 10 × 1\) = 20 elements but has 19/)
    expectErr(() => evaluateAds(spec, { ...ok, teacherTargets: new Float32Array(20) }), RangeError, /data.teacherTargets must have count × steps × dims \(2 × 10 × 8\) = 160 elements but has 20/)
    expectErr(() => evaluateAds(spec, ok, { threads: 2.5 }), TypeError, /Expected an integer for options.threads but received 2.5/)
    expectErr(() => evaluateAds(spec, ok, { record: { spikes: 3 } }), RangeError, /options.record.spikes must be between 0 and 2 but is 3/)
    expectErr(() => evaluateAds(spec, ok, { seed: -1 }), RangeError, /options.seed must be between 0 and/)
    const bad = { ...spec, weights: { ...spec.weights, omegaS: new Float32Array(5) } }
    expectErr(() => evaluateAds(bad, ok), RangeError, /weights.omegaS has 5 elements but neurons\*neurons = 20\*20 = 400/)
    const data = { inputs: new Float32Array(20), teacherTargets: new Float32Array(160), count: 2, steps: 10 }
    expectErr(() => trainAdsSamples(spec, data, { k: 75, eta: -1 }), RangeError, /options.eta must be between 0 and 1000000 but is -1/)
    expectErr(() => trainAdsSamples(spec, { ...data, teacherTargets: undefined as never }, { k: 75, eta: 1e-6 }), TypeError, /Expected a Float32Array for data.teacherTargets but received undefined/)
    expectErr(() => trainAdsSamples(spec, data, { k: new Float32Array(3), eta: 1e-6 }), RangeError, /options.k must have count \(2\) = 2 elements but has 3/)
    expectErr(() => trainAdsSamples(spec, data, { k: 75, eta: 1e-6, initialV: new Float32Array(3) }), RangeError, /options.initialV must have count × neurons \(2 × 20\) = 40 elements but has 3/)
    const diag = Float32Array.from(spec.weights.omegaS)
    diag[21] = 0.5
    expectErr(() => trainAdsSamples({ ...spec, weights: { ...spec.weights, omegaS: diag } }, data, { k: 75, eta: 1e-6 }), RangeError, /the slow weights must have a zero diagonal but omegaS\[1, 1\] = 0.5/)
    const noEnc = { ...spec, weights: { ...spec.weights, encoder: undefined } }
    expectErr(() => trainAdsSamples(noEnc, data, { k: 75, eta: 1e-6 }), RangeError, /the learning rule needs dims > 0 and weights.encoder/)
  })
})
