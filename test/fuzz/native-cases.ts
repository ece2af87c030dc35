// The cases of the native fuzzer (test/fuzz/native-fuzz.ts): case i of seed s is a call of one public
// function of native/index.ts (or of the raw binding where the wrapper converts what the binding
// reads), generated from the function's argument shape: a small valid call, then, most of the time,
// one to three mutations of its arguments (wrong types, NaN, ±Infinity, negative and huge numbers,
// BigInt, Symbol, proxies, getters that throw or grow arrays, typed arrays of every kind, detached
// and resizable buffers, missing and extra keys), and for asynchronous calls an abort at a random
// time. Everything is drawn from a generator seeded by (s, i), so a case is reproduced from its index.
import { types } from 'node:util'
import * as native from '../../native/index.ts'

// ---- seeded randomness -------------------------------------------------------------------------

export class Rand {
  #a: number
  constructor(seed: number, index: number) {
    this.#a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0
    for (let k = 0; k < 4; k++) this.next()
  }
  /** uniform in [0, 1) (mulberry32) */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0
    let t = this.#a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  floats(n: number, scale = 1): Float32Array {
    const a = new Float32Array(n)
    for (let k = 0; k < n; k++) a[k] = (2 * this.next() - 1) * scale
    return a
  }
}

// ---- the marker of errors the fuzzer's own getters and traps throw --------------------------------

/** Thrown by the fuzzer's getters and proxy traps: a call may let it through unchanged. */
export class FuzzGetterError extends Error {
  constructor() {
    super('thrown by a getter of the fuzzer')
    this.name = 'FuzzGetterError'
  }
}

// ---- a case ------------------------------------------------------------------------------------

export interface Case {
  index: number
  fn: string
  /** what was done to the valid arguments */
  mutations: string[]
  /** the arguments as generated (before mutations), summarised */
  summary: string
  /** the call; `signal` aborts it when the case aborts */
  run: () => unknown
  /** the case aborts its call (then ERR_CANCELLED is a valid outcome) */
  aborts: boolean
  /** the case calls twice at once (then ERR_BUSY is a valid outcome) */
  concurrent: boolean
}

interface Target {
  name: string
  weight: number
  /** valid arguments; `run` receives the (possibly mutated) arguments and the run options */
  make(r: Rand): { args: unknown[]; async: boolean; run(args: unknown[], runOptions: object | undefined): unknown; concurrent?: boolean }
}

// ---- valid argument shapes ---------------------------------------------------------------------

/** A raw CancelToken that the run options' signal cancels (the raw binding takes tokens, not signals). */
function tokenOf(run: object | undefined): unknown {
  const token = new (native.addon().CancelToken)()
  const signal = (run as { signal?: AbortSignal } | undefined)?.signal
  if (signal?.aborted) token.cancel()
  else signal?.addEventListener('abort', () => token.cancel(), { once: true })
  return token
}

function teacherParams(r: Rand, units = r.int(1, 6), channels = r.int(1, 2), outputs = r.int(1, 2)): native.TeacherParams {
  const tau = new Float32Array(units)
  for (let j = 0; j < units; j++) tau[j] = 10 + 90 * r.next()
  return {
    units,
    channels,
    outputs,
    dtMs: 1,
    wIn: r.floats(units * channels, 2),
    wRec: r.floats(units * units, 0.2),
    wOut: r.floats(outputs * units, 0.2),
    bias: new Float32Array(units),
    tauMs: tau,
  }
}

function xorTeacher(r: Rand): native.TeacherParams {
  return teacherParams(r, r.int(1, 6), 1, 1)
}

/** A network spec with every weight (encoder, zero-diagonal slow weights), small enough to run in microseconds. */
function networkSpec(r: Rand, neurons = r.int(1, 24), channels = r.int(0, 2), dims = r.int(1, 4), outputs = r.int(0, 2)): native.NetworkSpec {
  const params: native.NeuronParams = {}
  if (r.chance(0.3)) params.tauMemMs = r.chance(0.5) ? 20 + 40 * r.next() : Array.from({ length: neurons }, () => 20 + 40 * r.next())
  if (r.chance(0.3)) params.bias = r.next()
  return {
    neurons,
    channels,
    dims,
    outputs,
    params,
    weights: {
      wIn: channels > 0 ? r.floats(neurons * channels, 5) : undefined,
      omegaF: r.floats(neurons * neurons, 0.01),
      omegaS: new Float32Array(neurons * neurons),
      decoder: r.floats(dims * neurons, 0.05),
      readout: outputs > 0 ? r.floats(outputs * dims, 1) : undefined,
      encoder: r.floats(neurons * dims, 0.05),
    },
  }
}

function dataset(r: Rand, channels: number, outputs: number, dims?: number): { inputs: Float32Array; targets?: Float32Array; teacherTargets?: Float32Array; count: number; steps: number; labels?: Int8Array } {
  const count = r.int(1, 3)
  const steps = r.int(10, 40)
  const d: ReturnType<typeof dataset> = { inputs: r.floats(count * steps * channels), count, steps }
  if (r.chance(0.6)) d.targets = r.floats(count * steps * outputs)
  if (r.chance(0.3)) d.labels = Int8Array.from({ length: count * outputs }, () => (r.chance(0.5) ? 1 : -1))
  if (dims !== undefined) d.teacherTargets = r.floats(count * steps * dims, 0.5)
  return d
}

const targets: Target[] = [
  {
    name: 'generateXor',
    weight: 4,
    make: (r) => ({
      args: [{ count: r.int(1, 4), seed: r.int(0, 1000), durationS: r.pick([0.05, 0.2, 1]), threads: r.int(0, 2), ...(r.chance(0.3) ? { inputSigmaSteps: r.int(0, 20) } : {}) }],
      async: true,
      run: (a, run) => native.generateXor(a[0] as never, run),
    }),
  },
  {
    name: 'createNetwork',
    weight: 4,
    make: (r) => ({ args: [networkSpec(r)], async: false, run: (a) => native.createNetwork(a[0] as never) }),
  },
  {
    name: 'raw Network',
    weight: 2,
    make: (r) => {
      const spec = networkSpec(r)
      const n = spec.neurons
      // the raw binding reads plain arrays itself (the wrapper converts them to Float32Arrays)
      const params = { vTh: Array.from({ length: n }, () => 1), tauSMs: 70 }
      return { args: [{ ...spec, params }], async: false, run: (a) => new (native.addon<{ Network: new (o: unknown) => unknown }>().Network)(a[0]) }
    },
  },
  {
    name: 'network.simulate',
    weight: 8,
    make: (r) => {
      const spec = networkSpec(r)
      const net = native.createNetwork(spec)
      const batch = r.int(1, 3)
      const steps = r.int(1, 60)
      const options: Record<string, unknown> = { batch, steps, seed: r.int(0, 99) }
      if (r.chance(0.3)) options.noiseStd = r.next() * 0.1
      if (r.chance(0.3)) options.initialV = r.pick(['uniform', 'rest', 'reset'])
      if (r.chance(0.3)) options.silence = { neurons: [0], startStep: 0, endStep: steps }
      if (r.chance(0.3)) options.feedback = { target: r.floats(batch * steps * spec.dims!), gain: r.next() * 100 }
      if (r.chance(0.5)) options.record = { spikes: r.chance(0.5), decoded: r.chance(0.5), output: (spec.outputs ?? 0) > 0 && r.chance(0.5), membrane: [0], decimate: r.int(1, 3) }
      if (r.chance(0.2)) options.block = r.int(0, 4)
      const inputs = spec.channels! > 0 ? r.floats(batch * steps * spec.channels!) : undefined
      return { args: [inputs, options], async: true, concurrent: true, run: (a, run) => net.simulate(a[0] as never, a[1] as never, run) }
    },
  },
  {
    name: 'raw network.simulate',
    weight: 2,
    make: (r) => {
      const spec = networkSpec(r, r.int(2, 16), 0)
      const raw = native.addon<{ Network: new (o: unknown) => { simulate(...a: unknown[]): unknown } }>()
      const net = new raw.Network({ ...spec, params: {} })
      const steps = r.int(1, 30)
      return {
        args: [undefined, { batch: 1, steps, silence: { neurons: [0, 1] }, record: { membrane: [0, 1] } }],
        async: true,
        run: (a, run) => net.simulate(a[0], a[1], undefined, tokenOf(run)),
      }
    },
  },
  {
    name: 'network setters and getters',
    weight: 3,
    make: (r) => {
      const spec = networkSpec(r)
      const net = native.createNetwork(spec)
      const which = r.int(0, 3)
      const n = spec.neurons
      const args = which === 0 ? [new Float32Array(n * n)] : which === 1 ? [{ vTh: 1.2, tauMemMs: Array.from({ length: n }, () => 40) }] : []
      return {
        args,
        async: false,
        run: (a) => (which === 0 ? net.setSlowWeights(a[0] as never) : which === 1 ? net.setParams(a[0] as never) : which === 2 ? net.getParams() : net.getWeights()),
      }
    },
  },
  {
    name: 'buildEbn',
    weight: 3,
    make: (r) => {
      const neurons = r.int(1, 40)
      const dims = r.int(1, 6)
      const options: Record<string, unknown> = { neurons, dims, seed: r.int(0, 9), g: r.next() }
      if (r.chance(0.3)) Object.assign(options, { slowRandom: true, slowScale: 0.02 })
      if (r.chance(0.3)) options.input = { fHat: r.floats(dims * 2), channels: 2, gain: 100 }
      return { args: [options], async: true, run: (a, run) => native.buildEbn(a[0] as never, run) }
    },
  },
  {
    name: 'ebnInputWeights',
    weight: 2,
    make: (r) => {
      const n = r.int(1, 20), d = r.int(1, 5), c = r.int(1, 3)
      return { args: [r.floats(n * d), r.floats(d * c), { neurons: n, dims: d, channels: c, gain: 10 }], async: false, run: (a) => native.ebnInputWeights(a[0] as never, a[1] as never, a[2] as never) }
    },
  },
  {
    name: 'runSimBench',
    weight: 2,
    make: (r) => ({
      args: [{ neurons: r.int(8, 32), steps: r.int(10, 100), batch: r.int(1, 2), threads: r.int(0, 2), seed: r.int(0, 9) }],
      async: true,
      run: (a, run) => native.runSimBench(a[0] as never, run),
    }),
  },
  {
    name: 'benchNetwork',
    weight: 1,
    make: (r) => ({
      args: [r.int(8, 32), r.int(0, 9), r.int(1, 2), r.int(1, 30)],
      async: true,
      run: async (a, run) => (await native.benchNetwork(a[0] as never, a[1] as never, run)).inputs(a[2] as never, a[3] as never),
    }),
  },
  {
    name: 'mulberry32',
    weight: 1,
    make: (r) => ({ args: [r.int(0, 1e6)], async: false, run: (a) => native.mulberry32(a[0] as never)() }),
  },
  {
    name: 'initTeacher',
    weight: 3,
    make: (r) => {
      const options: Record<string, unknown> = { units: r.int(1, 8), channels: r.int(1, 2), outputs: r.int(1, 2), seed: r.int(0, 9) }
      if (r.chance(0.3)) options.tauInitMs = [10, 100]
      if (r.chance(0.3)) options.spectralRadius = r.next()
      return { args: [options], async: true, run: (a, run) => native.initTeacher(a[0] as never, run) }
    },
  },
  {
    name: 'raw teacherInit',
    weight: 1,
    make: (r) => ({
      args: [{ units: r.int(1, 6), channels: 1, outputs: 1, seed: 1, tauInitMs: [10, 100] }],
      async: true,
      run: (a, run) => native.addon<{ teacherInit(...a: unknown[]): unknown }>().teacherInit(a[0], undefined, tokenOf(run)),
    }),
  },
  {
    name: 'teacherForward',
    weight: 3,
    make: (r) => {
      const p = teacherParams(r)
      const d = dataset(r, p.channels, p.outputs)
      return { args: [p, { inputs: d.inputs, count: d.count, steps: d.steps }, { activations: r.chance(0.5), threads: r.int(0, 2) }], async: true, run: (a, run) => native.teacherForward(a[0] as never, a[1] as never, a[2] as never, run) }
    },
  },
  {
    name: 'teacherGradient',
    weight: 3,
    make: (r) => {
      const p32 = teacherParams(r)
      const p: unknown = r.chance(0.3)
        ? { ...p32, wIn: Float64Array.from(p32.wIn), wRec: Float64Array.from(p32.wRec), wOut: Float64Array.from(p32.wOut), bias: Float64Array.from(p32.bias), tauMs: Float64Array.from(p32.tauMs) }
        : p32
      const count = r.int(1, 3), steps = r.int(5, 30)
      const batch = { inputs: r.floats(count * steps * p32.channels), targets: r.floats(count * steps * p32.outputs), count, steps }
      return { args: [p, batch, { loss: { lambdaMse: 1, tauUnit: 'ms' } }], async: true, run: (a, run) => native.teacherGradient(a[0] as never, a[1] as never, a[2] as never, run) }
    },
  },
  {
    name: 'taskScore',
    weight: 3,
    make: (r) => {
      const count = r.int(1, 4), steps = r.int(1, 50), outputs = r.int(1, 2)
      const data: Record<string, unknown> = { outputs: r.floats(count * steps * outputs), shape: [count, steps, outputs] }
      if (r.chance(0.5)) data.targets = r.floats(count * steps * outputs)
      if (r.chance(0.2)) data.labels = Int8Array.from({ length: count * outputs }, () => (r.chance(0.5) ? 1 : -1))
      if (r.chance(0.3)) data.options = { alpha: 0.9, threshold: r.pick([0.1, 0.5]) }
      if (r.chance(0.2)) data.fitted = {}
      if (r.chance(0.2) && (data.targets || data.labels) && !data.fitted) data.fit = true
      if (r.chance(0.3)) data.smoothed = true
      return { args: ['xor', data], async: false, run: (a) => native.taskScore(a[0] as never, a[1] as never) }
    },
  },
  {
    name: 'taskGenerate',
    weight: 3,
    make: (r) => ({
      args: ['xor', { count: r.int(1, 4), seed: r.int(0, 1000), durationS: r.pick([0.05, 0.2, 1]), threads: r.int(0, 2), ...(r.chance(0.3) ? { dtMs: r.pick([0.5, 2]) } : {}), ...(r.chance(0.3) ? { targetSigmaSteps: r.int(0, 20) } : {}) }],
      async: true,
      run: (a, run) => native.taskGenerate(a[0] as never, a[1] as never, run),
    }),
  },
  {
    name: 'taskList',
    weight: 1,
    make: () => ({ args: [], async: false, run: () => native.taskList() }),
  },
  {
    name: 'eigenvalues',
    weight: 1,
    make: (r) => {
      const n = r.int(1, 12)
      return { args: [Float64Array.from({ length: n * n }, () => r.next() - 0.5), n], async: false, run: (a) => native.eigenvalues(a[0] as never, a[1] as never) }
    },
  },
  {
    name: 'spectralRadius',
    weight: 1,
    make: (r) => {
      const n = r.int(1, 12)
      return { args: [r.floats(n * n), n], async: false, run: (a) => native.spectralRadius(a[0] as never, a[1] as never) }
    },
  },
  {
    name: 'TeacherTrainer',
    weight: 5,
    make: (r) => {
      const p = xorTeacher(r)
      const data = r.chance(0.6)
        ? { task: { name: 'xor', samplesPerEpoch: r.int(1, 3), options: { durationS: r.pick([0.05, 0.2]) } } }
        : (() => {
            const d = dataset(r, 1, 1)
            return { inputs: d.inputs, targets: d.targets ?? r.floats(d.count * d.steps), count: d.count, steps: d.steps }
          })()
      const options: Record<string, unknown> = { params: p, data, stepSize: 1e-3, batchSize: r.int(1, 2), seed: r.int(0, 9) }
      if (r.chance(0.3)) options.loss = { lambdaMse: 1 }
      if (r.chance(0.2)) options.train = { tau: false }
      if (r.chance(0.3)) options.decision = r.pick([null, { task: 'xor' }, { task: 'xor', options: { threshold: 0.2 }, fitted: {} }])
      const mode = r.int(0, 2)
      return {
        args: [options, r.int(1, 2)],
        async: true,
        concurrent: mode === 0,
        run: async (a, run) => {
          if (mode === 2) return native.trainTeacher({ ...(a[0] as object), epochs: a[1] } as never, run as never)
          const t = mode === 0 ? new native.TeacherTrainer(a[0] as never) : await native.TeacherTrainer.create(a[0] as never, run as never)
          await t.runEpochs(a[1] as never, run as never)
          return [t.getParams(), t.getBestParams(), t.epoch, t.adamSteps]
        },
      }
    },
  },
  {
    name: 'AdsTrainer',
    weight: 6,
    make: (r) => {
      const teacher = xorTeacher(r)
      const options: Record<string, unknown> = { teacher, neurons: r.int(1, 24), seed: r.int(0, 9) }
      const data = r.int(0, 2)
      if (data === 0) options.data = { task: { name: 'xor', samplesPerEpoch: r.int(1, 2), options: { durationS: r.pick([0.05, 0.2]) } } }
      if (data === 1) {
        const d = dataset(r, 1, 1)
        options.data = d
      }
      options.validation = r.pick([null, { count: r.int(1, 2) }, undefined])
      if (data === 1 && options.validation === undefined) options.validation = null
      if (r.chance(0.3)) options.rule = r.pick(['online', 'online-lowrank', 'batched', 'online-naive'])
      if (r.chance(0.2)) options.k = { staircase: { start: 100, totalSamples: 4 } }
      if (r.chance(0.2)) options.eta = { exponential: { start: 1e-5, decaySamples: 3 } }
      if (r.chance(0.2)) options.params = { tauMemMs: 40 }
      if (r.chance(0.2)) options.decision = r.pick([null, { task: 'xor', options: { alpha: 0.9 } }])
      const mode = r.int(0, 2)
      return {
        args: [options, r.int(1, 2)],
        async: true,
        concurrent: mode === 0,
        run: async (a, run) => {
          const t = mode === 1 ? await native.AdsTrainer.create(a[0] as never, run as never) : mode === 2 ? new (native.addon<{ AdsTrainer: new (o: unknown) => native.AdsTrainer }>().AdsTrainer)(a[0]) : new native.AdsTrainer(a[0] as never)
          if (mode === 2) return t.samplesPerEpoch
          await t.runEpochs(a[1] as never, run as never)
          return [t.getNetwork().neurons, t.getBestNetwork(), t.samplesDone]
        },
      }
    },
  },
  {
    name: 'evaluateAds',
    weight: 4,
    make: (r) => {
      const spec = networkSpec(r)
      const network = r.chance(0.5) ? native.createNetwork(spec) : spec
      const d = dataset(r, spec.channels!, Math.max(1, spec.outputs!), r.chance(0.5) ? spec.dims : undefined)
      if (spec.outputs === 0) {
        delete d.targets
        delete d.labels
      }
      const options: Record<string, unknown> = { seed: r.int(0, 9) }
      if (r.chance(0.4)) options.record = { decoded: r.chance(0.5), spikes: r.int(0, d.count) }
      if (spec.outputs! > 0 && r.chance(0.5)) options.decision = { task: 'xor', ...(r.chance(0.3) ? { options: { threshold: 0.3 } } : {}) }
      return { args: [network, d, options], async: true, run: (a, run) => native.evaluateAds(a[0] as never, a[1] as never, a[2] as never, run) }
    },
  },
  {
    name: 'trainAdsSamples',
    weight: 4,
    make: (r) => {
      const spec = networkSpec(r)
      const d = dataset(r, spec.channels!, Math.max(1, spec.outputs!), spec.dims)
      delete d.targets
      delete d.labels
      const options: Record<string, unknown> = { k: r.chance(0.7) ? 75 : r.floats(d.count, 50).map(Math.abs), eta: 1e-6, seed: r.int(0, 9) }
      if (r.chance(0.3)) options.rule = r.pick(['online', 'online-lowrank', 'batched', 'online-naive'])
      if (r.chance(0.3)) options.threads = r.int(0, 2)
      if (r.chance(0.3)) options.record = { spikes: true }
      return { args: [r.chance(0.5) ? native.createNetwork(spec) : spec, d, options], async: true, run: (a, run) => native.trainAdsSamples(a[0] as never, a[1] as never, a[2] as never, run) }
    },
  },
  {
    name: 'perturbDraws',
    weight: 4,
    make: (r) => {
      const n = r.int(1, 24)
      const quantities: native.PerturbQuantity[] = [
        { name: 'w', kind: 'weights', values: r.floats(n * n, 0.2), mismatch: 'relative', quantise: true },
        { name: 'tau', kind: 'time-constant', values: r.floats(n, 10).map((v) => 50 + v), mismatch: r.pick(['relative', 'abs-relative'] as const) },
      ]
      if (r.chance(0.5)) quantities.push({ name: 'vTh', kind: 'threshold', values: r.floats(n).map((v) => 1 + 0.1 * v), mismatch: 'threshold', reset: r.chance(0.5) ? 0 : r.floats(n, 0.1) })
      if (r.chance(0.5)) quantities.push({ name: 'bias', kind: 'bias', values: r.floats(n), mismatch: 'offset' })
      const quantisation = r.chance(0.4)
      const options = {
        seed: r.int(0, 1000),
        perturbation: quantisation ? 'quantisation' : 'mismatch',
        level: quantisation ? r.int(0, 8) : r.pick([0, 0.05, 0.1, 0.2]),
        draws: r.chance(0.5) ? r.int(1, 4) : [r.int(0, 9), r.int(0, 9)],
        quantities,
        ...(r.chance(0.3) ? { threads: r.int(0, 2) } : {}),
      }
      return { args: [options], async: true, run: (a, run) => native.perturbDraws(a[0] as never, run) }
    },
  },
  {
    name: 'raw perturbDraws',
    weight: 1,
    make: (r) => {
      const n = r.int(1, 16)
      const options = { seed: r.int(0, 9), perturbation: 'mismatch', level: 0.1, draws: [0, 1], quantities: [{ name: 'w', kind: 'weights', values: r.floats(n), mismatch: 'relative' }] }
      return { args: [options], async: true, run: (a, run) => native.addon<{ perturbDraws(...x: unknown[]): unknown }>().perturbDraws(a[0], undefined, tokenOf(run)) }
    },
  },
  {
    name: 'chipEmulate',
    weight: 2,
    make: (r) => {
      const n = r.int(1, 20)
      const scheme = r.pick(['se1', 'se2'] as const)
      const params = { tauMemMs: 20, refractoryMs: r.pick([0, 1]), threshold: 1, resetPotential: 0, bias: r.pick([0, 0.8]), tauSynMs: [5, 50, 5, 50], baseWeights: [0.3, 0.05, 0.4, 0.1] }
      const connections = Array.from({ length: r.int(0, 30) }, () => ({ pre: r.chance(0.3) ? 0x8000_0000 + r.int(0, 2) : r.int(0, n - 1), post: r.int(0, n - 1), type: r.int(0, 3), weight: r.int(1, scheme === 'se1' ? 3 : 15) }))
      const config = { weightScheme: scheme, cores: [{ chip: 0, core: r.int(0, 3), neurons: n, params }], connections }
      const core = config.cores[0].core
      for (const c of connections) {
        c.post += core * 256
        if (c.pre < 0x8000_0000) c.pre += core * 256
      }
      const batch = r.int(1, 3)
      const steps = r.int(1, 50)
      const input = r.chance(0.6)
        ? { samples: r.floats(batch * steps * 3, 3), batch, steps, channels: 3 }
        : { events: { sample: new Int32Array(0), timeUs: new Uint32Array(0), channel: new Uint32Array(0) }, batch, durationUs: r.int(1, 20_000) }
      const options = r.chance(0.5) ? { mismatch: false, spikesOf: r.int(0, batch) } : { serialNumber: `SN-${r.int(0, 9)}`, threads: r.int(0, 2) }
      return { args: [config, input, options], async: true, run: (a, run) => native.chipEmulate(a[0] as never, a[1] as never, a[2] as never, run) }
    },
  },
  {
    name: 'ChipSession',
    weight: 1,
    make: (r) => {
      const n = r.int(1, 12)
      const params = { tauMemMs: 10, refractoryMs: 0, threshold: 1, resetPotential: 0, bias: 1.2, tauSynMs: [5, 50, 5, 50], baseWeights: [0.3, 0.05, 0.4, 0.1] }
      const config = { weightScheme: 'se2', cores: [{ chip: 0, core: 0, neurons: n, params }], connections: [{ pre: 0x8000_0000, post: 0, type: 0, weight: 3 }] }
      const steps = r.int(0, 40)
      const input = r.chance(0.5)
        ? { eventOffsets: new Int32Array(steps + 1), eventChannels: new Uint32Array(0) }
        : { samples: r.floats(steps * 2), channels: 2, hasSample: new Uint8Array(steps).fill(1) }
      return {
        args: [config, { mismatch: r.chance(0.5), serialNumber: 'SN-1' }, steps, input],
        async: false,
        run: (a) => new native.ChipSession(a[0] as never, a[1] as never).advance(a[2] as number, a[3] as never),
      }
    },
  },
  {
    name: 'deathDraws',
    weight: 2,
    make: (r) => {
      const options = { seed: r.int(0, 1000), fraction: r.pick([0, 0.1, 0.4, 1]), neurons: r.int(1, 400), draws: r.int(1, 6), ...(r.chance(0.3) ? { window: { startStep: r.int(0, 10), endStep: r.int(10, 20) } } : {}) }
      return { args: [options], async: true, run: (a, run) => native.deathDraws(a[0] as never, run) }
    },
  },
  {
    name: 'runAdsTrainBench',
    weight: 1,
    make: (r) => ({
      args: [{ neurons: r.int(4, 24), dims: r.int(1, 4), samples: 1, rule: r.pick(['online', 'online-lowrank', 'batched']), threads: r.int(0, 2) }],
      async: true,
      run: (a, run) => native.runAdsTrainBench(a[0] as never, run),
    }),
  },
]

// ---- mutations ---------------------------------------------------------------------------------

// A place in the arguments: the container and the key of a value in it.
interface Slot {
  path: string
  parent: Record<string | number, unknown>
  key: string | number
}

// (a proxy the fuzzer made is a value, not a container: its traps may throw)
const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !types.isProxy(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)

// Every value of the arguments that a mutation may replace (objects, plain arrays, their members).
function slots(args: unknown[]): Slot[] {
  const out: Slot[] = []
  const walk = (parent: Record<string | number, unknown>, key: string | number, path: string, depth: number): void => {
    // a getter an earlier mutation installed is not read (nor replaced) here
    const d = Object.getOwnPropertyDescriptor(parent, key)
    if (d && !('value' in d)) return
    out.push({ parent, key, path })
    const v = parent[key]
    if (depth > 4 || !isPlain(v)) return
    const keys = Array.isArray(v) ? (v.length <= 8 ? v.map((_, k) => k) : [0, v.length - 1]) : Object.keys(v)
    for (const k of keys) walk(v as Record<string | number, unknown>, k, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`, depth + 1)
  }
  const root = args as unknown as Record<number, unknown>
  for (let k = 0; k < args.length; k++) walk(root, k, `args[${k}]`, 0)
  return out
}

const typedKinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float16Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]

// A typed array like `like` (its length) but otherwise hostile.
function hostileTyped(r: Rand, like: ArrayBufferView & { length?: number }): [unknown, string] {
  const n = (like as { length: number }).length ?? 4
  switch (r.int(0, 9)) {
    case 0: {
      const Kind = r.pick(typedKinds)
      return [new Kind(n), `${Kind.name} of length ${n}`]
    }
    case 1: {
      const a = new Float32Array(n)
      ;(a.buffer as unknown as { transfer(): ArrayBuffer }).transfer()
      return [a, 'a Float32Array whose buffer was detached']
    }
    case 2: {
      const Resizable = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer
      const buf = new Resizable(n * 4, { maxByteLength: n * 4 + 4096 })
      const a = new Float32Array(buf)
      return [a, 'a length-tracking Float32Array on a resizable buffer']
    }
    case 3: {
      const a = new Float32Array(new SharedArrayBuffer(n * 4))
      return [a, 'a Float32Array on a SharedArrayBuffer']
    }
    case 4: {
      const a = new Float32Array(n + 3).subarray(3)
      return [a, 'a Float32Array at an offset of 12 bytes']
    }
    case 5: {
      const a = new Float32Array(n)
      if (n > 0) a[r.int(0, n - 1)] = r.pick([NaN, Infinity, -Infinity])
      return [a, 'a Float32Array holding NaN or ±Infinity']
    }
    case 6: {
      const len = r.pick([0, 1, n - 1, n + 1, 2 * n])
      return [new Float32Array(Math.max(0, len)), `a Float32Array of length ${len}`]
    }
    case 7:
      return [new DataView(new ArrayBuffer(n * 4)), 'a DataView']
    case 8:
      return [new ArrayBuffer(n * 4), 'an ArrayBuffer']
    default:
      return [Array.from({ length: n }, () => 0), `a plain array of ${n} numbers`]
  }
}

// An array whose element 1 is a getter that appends 10,000 elements every time it is read.
function growingArray(v: unknown[]): unknown[] {
  const a = [...v]
  while (a.length < 2) a.push(a[0] ?? 0)
  const second = a[1]
  Object.defineProperty(a, 1, {
    get() {
      for (let k = 0; k < 10_000; k++) a.push(second)
      return second
    },
    enumerable: true,
    configurable: true,
  })
  return a
}

const throwing = (): never => {
  throw new FuzzGetterError()
}

function hostileValue(r: Rand, v: unknown): [unknown, string] {
  if (ArrayBuffer.isView(v) && r.chance(0.6)) return hostileTyped(r, v)
  if (Array.isArray(v) && r.chance(0.5)) {
    return r.chance(0.5) ? [growingArray(v), 'an array whose getter grows it while it is read'] : [new Proxy(v, { get: (t, k) => (k === '1' ? throwing() : Reflect.get(t, k)) }), 'a proxy of the array whose element 1 throws']
  }
  if (typeof v === 'number' && r.chance(0.5)) {
    const choices: [number, string][] = [
      [-v, 'negated'],
      [v * 1000, '×1000'],
      [v * 1e6, '×1e6'],
      [v + 0.5, '+0.5'],
      [2 ** 31, '2^31'],
      [2 ** 53, '2^53'],
      [-1, '-1'],
      [0, '0'],
    ]
    const [x, what] = r.pick(choices)
    return [x, `${what} (${x})`]
  }
  const pool: (() => [unknown, string])[] = [
    () => [undefined, 'undefined'],
    () => [null, 'null'],
    () => [true, 'true'],
    () => [NaN, 'NaN'],
    () => [Infinity, 'Infinity'],
    () => [-Infinity, '-Infinity'],
    () => [-0, '-0'],
    () => [1e308, '1e308'],
    () => [-1e308, '-1e308'],
    () => [2 ** 32 - 1, '2^32 - 1'],
    () => [1n, '1n'],
    () => [2n ** 70n, '2n ** 70n'],
    () => [Symbol('fuzz'), 'a symbol'],
    () => ['', 'the empty string'],
    () => ['online', "the string 'online'"],
    () => [{}, '{}'],
    () => [[], '[]'],
    () => [[1, 2, 3], '[1, 2, 3]'],
    () => [() => 1, 'a function'],
    () => [new Date(0), 'a Date'],
    () => [new Map(), 'a Map'],
    () => [Object.create(null), 'an object without prototype'],
    () => [new Proxy({}, { get: throwing, ownKeys: throwing, getPrototypeOf: throwing, has: throwing, getOwnPropertyDescriptor: throwing }), 'a proxy whose traps throw'],
    () => (isPlain(v) || ArrayBuffer.isView(v) ? [new Proxy(v as object, {}), 'a transparent proxy of the value'] : [v, 'unchanged']),
    () => [Object.create(native.addon<{ Network: { prototype: object } }>().Network.prototype), 'an object inheriting from Network.prototype'],
    () => {
      // a native object of one class made to pass instanceof for the other (it must not be read as one)
      const raw = native.addon<{ Network: { new (o: unknown): object; prototype: object }; CancelToken: { new (): object; prototype: object } }>()
      return r.chance(0.5)
        ? [Object.setPrototypeOf(new raw.CancelToken(), raw.Network.prototype), 'a CancelToken whose prototype is Network.prototype']
        : [Object.setPrototypeOf(new raw.Network({ ...networkSpec(r, 2), params: {} }), raw.CancelToken.prototype), 'a raw Network whose prototype is CancelToken.prototype']
    },
    () => [Object.create(AbortSignal.prototype), 'an object inheriting from AbortSignal.prototype'],
    () => hostileTyped(r, new Float32Array(4)),
  ]
  return r.pick(pool)()
}

function mutate(r: Rand, args: unknown[]): string[] {
  const done: string[] = []
  const count = r.int(1, 3)
  for (let m = 0; m < count; m++) {
    const all = slots(args)
    if (all.length === 0) break
    const s = r.pick(all)
    try {
      mutateSlot(r, s, done)
    } catch {
      // the value holds something an earlier mutation made hostile to reading (a getter that throws)
      s.parent[s.key] = undefined
      done.push(`${s.path} = undefined`)
    }
  }
  return done
}

function mutateSlot(r: Rand, s: Slot, done: string[]): void {
  {
    const v = s.parent[s.key]
    const op = r.int(0, 9)
    // the keys of v that hold values (not the getters earlier mutations installed)
    const dataKeys = isPlain(v) && !Array.isArray(v) ? Object.keys(v).filter((k) => 'value' in Object.getOwnPropertyDescriptor(v, k)!) : []
    if (op === 0 && dataKeys.length > 0) {
      const k = r.pick(dataKeys)
      delete (v as Record<string, unknown>)[k]
      done.push(`${s.path}.${k} deleted`)
    } else if (op === 1 && isPlain(v) && !Array.isArray(v)) {
      ;(v as Record<string, unknown>)[r.pick(['extra', 'seeed', 'neuron', '__proto__x', 'constructor'])] = 1
      done.push(`${s.path} given an unknown key`)
    } else if (op === 2 && dataKeys.length > 0) {
      const k = r.pick(dataKeys)
      Object.defineProperty(v, k, { get: throwing, enumerable: true })
      done.push(`${s.path}.${k} a getter that throws`)
    } else if (op === 3 && dataKeys.length > 0) {
      // a getter that returns a different value on each read (checked once, read again)
      const k = r.pick(dataKeys)
      const good = (v as Record<string, unknown>)[k]
      let reads = 0
      Object.defineProperty(v, k, { get: () => (reads++ === 0 ? good : hostileValue(r, good)[0]), enumerable: true })
      done.push(`${s.path}.${k} a getter that changes after its first read`)
    } else if (op === 4 && isPlain(v) && !Array.isArray(v)) {
      s.parent[s.key] = Object.create(v as object)
      done.push(`${s.path} replaced by an object inheriting its keys`)
    } else {
      const [x, what] = hostileValue(r, v)
      s.parent[s.key] = x
      done.push(`${s.path} = ${what}`)
    }
  }
}

// ---- case i of a seed --------------------------------------------------------------------------

const totalWeight = targets.reduce((s, t) => s + t.weight, 0)

function pickTarget(r: Rand): Target {
  let x = r.next() * totalWeight
  for (const t of targets) {
    x -= t.weight
    if (x < 0) return t
  }
  return targets[targets.length - 1]
}

function summarise(v: unknown, depth = 0): string {
  if (depth > 2) return '…'
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'symbol') return 'Symbol()'
  if (typeof v === 'function') return 'function'
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length?: number }).length ?? v.byteLength})`
  if (Array.isArray(v)) return v.length > 6 ? `[${v.length} items]` : `[${v.map((x) => summarise(x, depth + 1)).join(', ')}]`
  if (typeof v === 'object' && v !== null) {
    if (v instanceof native.SpikingNetwork) return 'SpikingNetwork'
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${summarise(x, depth + 1)}`)
      .join(', ')}}`
  }
  return String(v)
}

/** Case `index` of `seed`, with the deadline (ms) after which its asynchronous call is aborted at the latest. */
export function makeCase(seed: number, index: number, deadlineMs: number): Case & { signal?: AbortController; abortAfterMs?: number } {
  const r = new Rand(seed, index)
  const target = pickTarget(r)
  const made = target.make(r)
  const summary = summarise(made.args)
  const mutations = r.chance(0.8) ? mutate(r, made.args) : []
  const controller = made.async ? new AbortController() : undefined
  // abort at a random time (sometimes before the call, sometimes never before the deadline)
  const abortAfterMs = controller ? (r.chance(0.15) ? 0 : r.chance(0.5) ? r.next() * 10 : deadlineMs) : undefined
  const concurrent = Boolean(made.concurrent) && r.chance(0.1)
  const runOptions = controller ? { signal: controller.signal, onProgress: r.chance(0.2) ? throwing : undefined } : undefined
  if (runOptions && runOptions.onProgress === undefined) delete (runOptions as { onProgress?: unknown }).onProgress
  const call = (): unknown => made.run(made.args, runOptions)
  return {
    index,
    fn: target.name,
    mutations,
    summary,
    aborts: controller !== undefined,
    concurrent,
    signal: controller,
    abortAfterMs,
    // twice at once: both settle (a synchronous throw of one becomes its rejection), runCase checks both
    run: concurrent ? () => [new Promise((resolve) => resolve(call())), new Promise((resolve) => resolve(call()))] : call,
  }
}

export const targetNames = targets.map((t) => t.name)
