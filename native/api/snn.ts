// The spiking network ("network ADS", docs/method.md §4) and the EBN construction (native/binding/snn.cpp).
//
// Conventions: matrices are row-major Float32Arrays. wIn [N x C], omegaF [N x N] indexed [post, pre],
// omegaS [N x N] indexed [pre, post] (I_s gets Ω_sᵀ s), decoder [D x N], readout [O x D], encoder
// [N x D]. Batches are [B, T, C] (sample-major, then time, then channel). Times in ms; 1/tau in 1/s,
// so the filtered spike trains r are in Hz.
import { addon, addonStatus, memoryBudget, NativeError, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { argError, bool, check, describe, either, f32, formatG, int, intIn, memoryError, named, num, obj, own, perNeuron, str, type Check } from '../check.ts'

/** A per-neuron parameter: one value for every neuron, or one per neuron (mismatch). */
export type PerNeuron = number | Float32Array | readonly number[]

/** Neuron parameters (docs/method.md §4 table as defaults). Time constants in ms; potentials dimensionless. */
export interface NeuronParams {
  tauMemMs?: PerNeuron
  tauSMs?: PerNeuron
  tauFMs?: PerNeuron
  tauOutMs?: PerNeuron
  vTh?: PerNeuron
  vRest?: PerNeuron
  vReset?: PerNeuron
  bias?: PerNeuron
  refractoryMs?: PerNeuron
}

/** Every neuron parameter, one value per neuron (as the network returns them). */
export type NeuronParamArrays = Record<keyof NeuronParams, Float32Array>

export const DEFAULT_NEURON_PARAMS = {
  tauMemMs: 50,
  tauSMs: 70,
  tauFMs: 1,
  tauOutMs: 70,
  vTh: 1.0,
  vRest: 0.5,
  vReset: 0.0,
  bias: 0,
  refractoryMs: 0,
} as const satisfies Required<NeuronParams>

export interface NetworkWeights {
  /** [N x C]: I_in = wIn · c(t). Required when channels > 0. */
  wIn?: Float32Array
  /** [N x N], Ω_f[post, pre]: fast, fixed (EBN). Omitted = zeros. */
  omegaF?: Float32Array
  /** [N x N], Ω_s[pre, post]: slow, learned. Omitted = zeros. */
  omegaS?: Float32Array
  /** [D x N]: x̃ = decoder · r. Required when dims > 0. */
  decoder?: Float32Array
  /** [O x D]: y = readout · x̃. Required when outputs > 0. */
  readout?: Float32Array
  /** [N x D]: F of the error feedback I_fb = k·F·(x̂ − x̃). Needed for options.feedback. */
  encoder?: Float32Array
}

export interface NetworkSpec {
  neurons: number
  channels?: number
  dims?: number
  outputs?: number
  params?: NeuronParams
  weights: NetworkWeights
}

export interface SimulateOptions {
  batch: number
  steps: number
  /** Euler step in ms (default 1). */
  dtMs?: number
  /** Threads of the pool to use; 0 (default) = all. Results never depend on it. */
  threads?: number
  /** Seed of the initial-V draws and the membrane noise: sample b uses Rng(seed, b). Default 0. */
  seed?: number
  /** 'uniform' in [vReset, vTh] (default, docs/method.md §4), 'rest', 'reset', or values [N] or [B x N]. */
  initialV?: 'uniform' | 'rest' | 'reset' | Float32Array
  /** Standard deviation of the Gaussian added to V every step (V units), default 0. */
  noiseStd?: number
  /** Neurons clamped to V = 0 (and unable to spike) in steps [startStep, endStep). */
  silence?: { neurons: Int32Array | readonly number[]; startStep?: number; endStep?: number }
  /** Error feedback I_fb(t) = gain·F·(x̂(t−1) − x̃(t−1)); target x̂ is [B x T x D]; gain a number or [T]. */
  feedback?: { target: Float32Array; gain: number | Float32Array }
  record?: {
    /** Spike events (default true). */
    spikes?: boolean
    /** x̃ [B x Tr x D]. */
    decoded?: boolean
    /** y [B x Tr x O]. */
    output?: boolean
    /** V after each step (after reset) of these neurons: [B x Tr x K]. */
    membrane?: Int32Array | readonly number[]
    /** Keep steps 0, d, 2d, ... of the traces; Tr = ceil(T / d). Default 1. */
    decimate?: number
  }
  /** Fail (ERR_INVALID_ARG) when a run records more spike events than this (default 2^25 = 33.5 M). */
  maxSpikeEvents?: number
  /** Samples stepped together in lock-step on one thread (1..16; 0 = automatic, which is 1). Results never depend on it. */
  block?: number
}

/** Recorded spike events: those of sample b are [offsets[b], offsets[b+1]), in time then neuron order. */
export interface SpikeEvents {
  steps: Int32Array
  neurons: Int32Array
  offsets: Int32Array
}

export interface SimulationResult {
  batch: number
  steps: number
  neurons: number
  dtMs: number
  seed: number
  decimate: number
  recordedSteps: number
  /** Time spent in the native kernel. */
  kernelSeconds: number
  totalSpikes: number
  meanRateHz: number
  /** [B x N] */
  spikeCounts: Int32Array
  spikes?: SpikeEvents
  decoded?: Float32Array
  output?: Float32Array
  membrane?: Float32Array
  membraneNeurons?: Int32Array
}

/** The weights as the network holds them (copies). */
export interface StoredWeights {
  wIn: Float32Array
  omegaF: Float32Array
  omegaS: Float32Array
  decoder: Float32Array
  readout: Float32Array
  encoder?: Float32Array
}

interface RawNetwork {
  simulate(inputs: Float32Array | undefined, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<SimulationResult>
  setSlowWeights(omegaS: Float32Array): void
  setParams(params: object): void
  getParams(): NeuronParamArrays
  getWeights(): StoredWeights
  readonly neurons: number
  readonly channels: number
  readonly dims: number
  readonly outputs: number
  readonly busy: boolean
}

export interface EbnOptions {
  neurons: number
  /** Dimension of the decoded trajectory (teacher units). */
  dims: number
  seed: number
  mu?: number
  nu?: number
  tauMemMs?: number
  vTh?: number
  vRest?: number
  /**
   * Fast weight gain: Ω_f = −g·tau_mem(s)·(DᵀD + μλ_d²I)/T_n off the diagonal, so g is the spike's kick
   * on V in units of the EBN ideal (g = V_th − V_rest = 0.5 is the ideal; the paper: 1.5 wake phrase,
   * 0.5 the smaller task). The tau_mem factor departs from the authors' method on purpose (docs/method.md §9, native/core/ebn.hpp). Default 1.5.
   */
  g?: number
  /** Ω_f = 0 (the "no-EBN" variant). */
  noEbn?: boolean
  /** Random slow weights N(0, slowScale²/N) off the diagonal instead of zeros. */
  slowRandom?: boolean
  slowScale?: number
  /** Threads for the fast weights' products: 0 (the default) = the pool; the weights do not depend on it. */
  threads?: number
  /**
   * Input weights wIn = gain·F·F̂ computed in the same job, for the teacher input weights F̂ [dims x
   * channels] (the result's wIn [N x channels]): ebnInputWeights does the same synchronously for small sizes.
   */
  input?: { fHat: Float32Array; channels: number; gain: number }
}

export interface EbnWeights {
  neurons: number
  dims: number
  /** D [dims x N], N(0,1)/dims */
  seedDecoder: Float32Array
  /** T_n [N] */
  thresholds: Float32Array
  /** Dr [dims x N] = a·D/T */
  dr: Float32Array
  /** F [N x dims] = tau_mem(s)·Drᵀ */
  encoder: Float32Array
  /** Fᵀ [dims x N] */
  decoder: Float32Array
  omegaF: Float32Array
  omegaS: Float32Array
  /** [N x channels], with options.input */
  wIn?: Float32Array
}

interface RawSnn {
  Network: new (spec: object) => RawNetwork
  buildEbn(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<EbnWeights>
  ebnInputWeights(encoder: Float32Array, fHat: Float32Array, options: object): Float32Array
}

// ---- argument checks (./check.ts), in the binding's names (snn.cpp) ------------------------------

const paramKeys = ['tauMemMs', 'tauSMs', 'tauFMs', 'tauOutMs', 'vTh', 'vRest', 'vReset', 'bias', 'refractoryMs'] as const

/** @internal Per-neuron parameters: numbers, Float32Arrays or arrays of `neurons` numbers (also for ./ads.ts). */
export function paramsSchema(neurons: number | undefined): Check {
  const p = perNeuron(neurons)
  return obj(Object.fromEntries(paramKeys.map((k) => [k, p])), { unknown: 'dotted' })
}

const weightsSchema = obj({ wIn: f32, omegaF: f32, omegaS: f32, decoder: f32, readout: f32, encoder: f32 }, { unknown: 'dotted' })

/** The neuron count of a spec, when it is one (to check the length of per-neuron arrays before they are copied). */
function neuronsOf(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined
  const n = (spec as { neurons?: unknown }).neurons
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined
}

function specSchema(neurons: number | undefined): Check {
  return obj(
    { neurons: int, channels: int, dims: int, outputs: int, params: named('params', paramsSchema(neurons)), weights: named('weights', weightsSchema) },
    { required: ['neurons', 'weights'], unknown: 'dotted', names: 'bare' },
  )
}

const neuronList: Check = (v, name) => {
  if (!(v instanceof Int32Array) && !Array.isArray(v)) throw argError('type', `Expected an Int32Array or an array of integers for ${name} but received ${describe(v)}`)
}

const simulateSchema = obj(
  {
    batch: int,
    steps: int,
    dtMs: num,
    threads: int,
    seed: int,
    initialV: either("'uniform', 'rest', 'reset' or a Float32Array", (v) => (typeof v === 'string' ? str() : v instanceof Float32Array ? f32 : undefined)),
    noiseStd: num,
    silence: named('options.silence', obj({ neurons: neuronList, startStep: int, endStep: int }, { required: ['neurons'], unknown: 'dotted' })),
    feedback: named(
      'options.feedback',
      obj(
        { target: f32, gain: either('a number or a Float32Array of one gain per step', (v) => (typeof v === 'number' ? num : v instanceof Float32Array ? f32 : undefined)) },
        { required: ['target', 'gain'], unknown: 'dotted' },
      ),
    ),
    record: named('options.record', obj({ spikes: bool, decoded: bool, output: bool, membrane: neuronList, decimate: int }, { unknown: 'dotted' })),
    maxSpikeEvents: int,
    block: int,
  },
  { required: ['batch', 'steps'], unknown: 'dotted', names: 'bare' },
)

const ebnSchema = obj(
  {
    neurons: int,
    dims: int,
    seed: int,
    mu: num,
    nu: num,
    tauMemMs: num,
    vTh: num,
    vRest: num,
    g: num,
    noEbn: bool,
    slowRandom: bool,
    slowScale: num,
    threads: int,
    input: named('options.input', obj({ fHat: f32, channels: int, gain: num }, { required: ['fHat', 'channels', 'gain'], unknown: 'dotted' })),
  },
  { required: ['neurons', 'dims', 'seed'], unknown: 'dotted', names: 'bare' },
)

const inputWeightsSchema = obj({ neurons: int, dims: int, channels: int, gain: num }, { required: ['neurons', 'dims', 'channels', 'gain'], unknown: 'dotted', names: 'bare' })

/** @internal Per-neuron arrays as Float32Arrays, undefined entries dropped: the params the binding reads (also for ./ads.ts). */
export function toNative(p: NeuronParams | undefined, name = 'params', neurons?: number): object {
  const out: Record<string, number | Float32Array> = {}
  for (const [k, v] of Object.entries(p ?? {})) {
    if (v === undefined) continue
    if (!Array.isArray(v)) {
      out[k] = v as number | Float32Array
      continue
    }
    // Each element read once, with its length read once (a getter may change the array meanwhile).
    const n = v.length
    if (neurons !== undefined && n !== neurons) throw argError('range', `${name}.${k} has ${n} elements but neurons = ${neurons}`)
    const a = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const x: unknown = v[i]
      if (typeof x !== 'number') throw argError('type', `Expected a finite number for ${name}.${k}[${i}] but received ${describe(x)}`)
      a[i] = x
    }
    out[k] = a
  }
  return out
}

/** A spiking network held in native memory; values are copied in at creation and by the setters. */
export class SpikingNetwork {
  readonly #raw: RawNetwork
  constructor(rawNetwork: RawNetwork) {
    this.#raw = rawNetwork
  }
  get neurons(): number {
    return this.#raw.neurons
  }
  get channels(): number {
    return this.#raw.channels
  }
  get dims(): number {
    return this.#raw.dims
  }
  get outputs(): number {
    return this.#raw.outputs
  }
  /** True while a simulation runs; setters and a second simulate() then throw ERR_BUSY. */
  get busy(): boolean {
    return this.#raw.busy
  }
  /** Runs a batch [B x T x C]; argument errors throw synchronously (TypeError / RangeError, code ERR_INVALID_ARG). */
  simulate(inputs: Float32Array | undefined, options: SimulateOptions, run: RunOptions = {}): Promise<SimulationResult> {
    if (inputs != null && !(inputs instanceof Float32Array)) throw argError('type', `Expected a Float32Array for inputs but received ${describe(inputs)}`)
    check(options, simulateSchema, 'options')
    return runNative<SimulationResult>((_r, progress, token) => this.#raw.simulate(inputs, options, progress, token), run)
  }
  setSlowWeights(omegaS: Float32Array): void {
    check(omegaS, f32, 'omegaS')
    this.#raw.setSlowWeights(omegaS)
  }
  /** Replaces the given parameters (the others keep their values). */
  setParams(params: NeuronParams): void {
    const p = own(params)
    check(p, paramsSchema(this.neurons), 'params')
    this.#raw.setParams(toNative(p, 'params', this.neurons))
  }
  getParams(): NeuronParamArrays {
    return this.#raw.getParams()
  }
  getWeights(): StoredWeights {
    return this.#raw.getWeights()
  }
  /** @internal The native object, for other wrappers of this folder (evaluateAds); a spec is created first. */
  static rawOf(network: SpikingNetwork | NetworkSpec): unknown {
    if (network instanceof SpikingNetwork) return network.#raw
    if (typeof network !== 'object' || network === null)
      throw argError('type', `Expected a SpikingNetwork or a network spec for network but received ${describe(network)}`)
    return createNetwork(network).#raw
  }
}

/** Creates a network (validated natively; errors are TypeError / RangeError with code ERR_INVALID_ARG). */
export function createNetwork(spec: NetworkSpec): SpikingNetwork {
  const s = own(spec)
  if (!Object.is(s, spec)) s.params = own(s.params) // (only on our copy)
  const n = neuronsOf(s)
  check(s, specSchema(n), 'options')
  const { Network } = addon<RawSnn>()
  return new SpikingNetwork(new Network({ ...s, params: toNative({ ...DEFAULT_NEURON_PARAMS, ...s.params }, 'params', n) }))
}

/** EBN weights (docs/method.md §4.1 "Weights"); the draws depend only on the seed. */
export function buildEbn(options: EbnOptions, run: RunOptions = {}): Promise<EbnWeights> {
  check(options, ebnSchema, 'options')
  return runNative<EbnWeights, RawSnn>((r, progress, token) => r.buildEbn(options, progress, token), run)
}

/** wIn = gain·F·F̂ for the encoder F [N x D] and teacher input weights F̂ [D x C]; returns [N x C]. */
export function ebnInputWeights(
  encoder: Float32Array,
  fHat: Float32Array,
  options: { neurons: number; dims: number; channels: number; gain: number },
): Float32Array {
  check(encoder, f32, 'encoder')
  check(fHat, f32, 'fHat')
  check(options, inputWeightsSchema, 'options')
  return addon<RawSnn>().ebnInputWeights(encoder, fHat, options)
}

// ---- Benchmark network -------------------------------------------------------------------------

/** A small seeded generator (mulberry32) for bench inputs; not for anything statistical. */
export function mulberry32(seed: number): () => number {
  check(seed, num, 'seed')
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface BenchNetwork {
  spec: NetworkSpec
  /** Input for a batch: [batch x steps x channels] (synchronous: at most 2^24 values, about 0.2 s; runSimBench makes larger ones in slices). */
  inputs(batch: number, steps: number): Float32Array
}

const benchChannels = 2
const maxIndex = 2 ** 31 - 1
/** Values benchNetwork().inputs makes in one synchronous call (Math.sin each: about 10 ns). */
const maxSyncBenchInputs = 2 ** 24

/** Sample b's input rows [t0, t1) into x (laid out [batch, steps, channels]). */
function fillBenchInputs(x: Float32Array, seed: number, b: number, steps: number, t0: number, t1: number): void {
  const r = mulberry32(seed * 7919 + b)
  for (let c = 0; c < benchChannels; c++) {
    const f = 0.5 + 2.5 * r()
    const ph = 2 * Math.PI * r()
    for (let t = t0; t < t1; t++) x[(b * steps + t) * benchChannels + c] = Math.sin(2 * Math.PI * f * t * 1e-3 + ph)
  }
}

/**
 * The benchmark network: EBN (g = 0.5, dims = max(8, round(N/6))), random slow weights (scale 0.02),
 * and C = 2 input channels of slow sines through wIn = A·F·F̂ (F̂ ~ U(−1, 1), A = 400), which makes
 * it fire a few Hz (measured: about 6 / 4 / 3 Hz at N = 320 / 768 / 2048). bench/run.ts writes the same
 * network to files for bench/floor.c and bench/brian2_ebn.py.
 */
export async function benchNetwork(neurons: number, seed: number, run: RunOptions = {}): Promise<BenchNetwork> {
  check(neurons, intIn(1, maxIndex), 'neurons')
  check(seed, intIn(0, 2 ** 32 - 1), 'seed')
  const dims = Math.max(8, Math.round(neurons / 6))
  const channels = benchChannels
  const rnd = mulberry32(seed ^ 0x5eed)
  const fHat = Float32Array.from({ length: dims * channels }, () => 2 * rnd() - 1)
  // wIn in the same (asynchronous, cancellable) job as the EBN: at N = 2048 it is 10^6 multiply-adds.
  const ebn = await buildEbn({ neurons, dims, seed, g: 0.5, slowRandom: true, slowScale: 0.02, input: { fHat, channels, gain: 400 } }, run)
  const spec: NetworkSpec = {
    neurons,
    channels,
    dims,
    params: { ...DEFAULT_NEURON_PARAMS },
    weights: { wIn: ebn.wIn, omegaF: ebn.omegaF, omegaS: ebn.omegaS, decoder: ebn.decoder, encoder: ebn.encoder },
  }
  const inputs = (batch: number, steps: number): Float32Array => {
    check(batch, intIn(1, maxIndex), 'batch')
    check(steps, intIn(1, maxIndex), 'steps')
    if (batch * steps * channels > maxSyncBenchInputs)
      throw argError(
        'range',
        `batch*steps*channels = ${formatG(batch * steps * channels)} values, more than the ${formatG(maxSyncBenchInputs)} that inputs() makes synchronously: use runSimBench, which makes them in slices`,
      )
    const x = new Float32Array(batch * steps * channels)
    for (let b = 0; b < batch; b++) fillBenchInputs(x, seed, b, steps, 0, steps)
    return x
  }
  return { spec, inputs }
}

/** The bench inputs in slices of 2^18 values (a few ms each), yielding to the event loop between them and stopping when `signal` aborts. */
async function benchInputsAsync(seed: number, batch: number, steps: number, signal: AbortSignal | undefined): Promise<Float32Array> {
  const x = new Float32Array(batch * steps * benchChannels)
  const slice = Math.max(1, Math.floor(2 ** 18 / benchChannels))
  let since = 0
  for (let b = 0; b < batch; b++)
    for (let t0 = 0; t0 < steps; t0 += slice) {
      const t1 = Math.min(steps, t0 + slice)
      fillBenchInputs(x, seed, b, steps, t0, t1)
      since += (t1 - t0) * benchChannels
      if (since >= 2 ** 18) {
        since = 0
        await new Promise((resolve) => setImmediate(resolve))
        if (signal?.aborted) throw new NativeError('runSimBench was cancelled while it made its inputs', 'ERR_CANCELLED')
      }
    }
  return x
}

export interface SimBenchOptions {
  neurons: number
  steps: number
  batch: number
  /** 0 = all threads of the pool */
  threads: number
  seed: number
}

export interface SimBenchResult {
  neurons: number
  steps: number
  batch: number
  /** threads actually available to the run (0 resolved to the pool size) */
  threads: number
  wallSeconds: number
  neuronStepsPerSecond: number
  spikes: number
  meanRateHz: number
}

const simBenchSchema = obj(
  { neurons: intIn(1, maxIndex), steps: intIn(1, maxIndex), batch: intIn(1, maxIndex), threads: intIn(0, 1024), seed: intIn(0, 2 ** 32 - 1) },
  { required: ['neurons', 'steps', 'batch', 'threads', 'seed'] },
)

/**
 * Times one simulation of the benchmark network (spike counts only, no recordings), after one short
 * warm-up run. wallSeconds is the native kernel's time (network construction excluded). The EBN,
 * the inputs (made in slices, off the event loop's critical path) and both runs honour run.signal.
 */
export async function runSimBench(options: SimBenchOptions, run: RunOptions = {}): Promise<SimBenchResult> {
  const o = own(options)
  check(o, simBenchSchema, 'options')
  const { neurons, steps, batch, threads, seed } = o
  // The inputs exist twice (here and the simulation's copy) next to the network and the spike counts.
  const bytes = batch * steps * benchChannels * 4 * 2 + batch * neurons * 4 * 2
  const budget = memoryBudget()
  if (bytes > budget.bytes)
    throw memoryError('options.batch', `the benchmark's inputs of ${batch} samples of ${steps} steps`, bytes, budget, 'use a smaller batch or fewer steps')
  const bench = await benchNetwork(neurons, seed, run)
  const net = createNetwork(bench.spec)
  const sim = { batch, steps, threads, seed, record: { spikes: false } }
  const warm = Math.min(steps, 200)
  await net.simulate(await benchInputsAsync(seed, batch, warm, run.signal), { ...sim, steps: warm }, { signal: run.signal })
  const inputs = await benchInputsAsync(seed, batch, steps, run.signal)
  const r = await net.simulate(inputs, sim, run)
  const pool = addonStatus().info?.poolThreads ?? 1
  return {
    neurons,
    steps,
    batch,
    threads: threads === 0 ? pool : Math.min(threads, pool),
    wallSeconds: r.kernelSeconds,
    neuronStepsPerSecond: (neurons * steps * batch) / r.kernelSeconds,
    spikes: r.totalSpikes,
    meanRateHz: r.meanRateHz,
  }
}
