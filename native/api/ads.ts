// Network ADS trained by the local learning rule (native/binding/ads.cpp, native/core/ads_train.hpp;
// docs/method.md §4-6).
//
// A trainer builds the spiking network from a trained teacher (TeacherParams): an EBN of `neurons`
// LIF neurons decoding the teacher's D = units dimensions (encoder F, decoder Fᵀ), input weights
// wIn = A·F·F̂ (F̂ = teacher.wIn), read-out = teacher.wOut (ỹ = D̂ᵀ x̃), slow weights Ω_s = 0 with a zero
// diagonal. Each training sample (batch 1) is simulated with the error feedback I_fb = k·F·e
// (e = x̂ − x̃ of the previous step, x̂ = tanh(x) of the teacher computed natively) while the online rule
// ΔΩ_s[i,j] = η·r_i(t)·(F e(t))_j (i ≠ j) is applied every step. After each epoch the network is
// validated with k = 0 and no learning on fixed samples, and the best epoch's network is kept.
//
// Networks come back in the NetworkSpec shape of ./snn.ts (per-neuron params and weights as
// Float32Arrays), so `createNetwork(trainer.getBestNetwork()!)` re-creates one for simulation, and it
// can be stored as it is. Matrices are row-major: omegaS [N x N] indexed [pre, post], omegaF [post, pre],
// wIn [N x C], decoder [D x N], readout [O x D], encoder [N x D]. Samples are [count, steps, k].
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { bool, check, either, f32, int, named, num, obj, orNull, own, str, typed, type Check } from '../check.ts'
import { EpochTrainer, type EpochRunOptions, type RawEpochTrainer } from './epoch-trainer.ts'
import { paramsSchema, SpikingNetwork, toNative, type NetworkSpec, type NeuronParamArrays, type NeuronParams, type SpikeEvents, type StoredWeights } from './snn.ts'
import { isTaskData, taskDataCheck, taskDecisionCheck, type TaskData, type TaskDecision } from './tasks/index.ts'
import type { TeacherParams } from './teacher.ts'

/** Samples for training or validation: inputs [count, steps, channels]; targets [count, steps, outputs]. */
export interface AdsDataset {
  inputs: Float32Array
  count: number
  steps: number
  /** task targets (the accuracy by the decision rule, and the output MSE); optional */
  targets?: Float32Array
  /** [count, outputs], 1 or -1; default: read from the targets by the decision rule */
  labels?: Int8Array
}

/**
 * The learning rule (native/core/ads_train.hpp). 'online' (default): the rule every step, in its
 * events form when tau_out is uniform (P = X̂Fᵀ per sample, O(N) per step and per spike; the second
 * thread of the pool computes P ahead), else in the low-rank form. 'online-lowrank': the low-rank form
 * always (the kernel before the events form; it reproduces runs made with it). 'online-naive': the
 * explicit N x N update every step (for checks; slow). 'batched': Ω_s fixed within a sample,
 * ΔΩ = (Σ r eᵀ)Fᵀ per sample with a zero diagonal, divided by its mean |entry|, times η (docs/method.md §5).
 * The online forms are the same rule in real arithmetic and differ in rounding only.
 */
export type AdsRuleName = 'online' | 'online-lowrank' | 'online-naive' | 'batched'

export interface AdsTrainerOptions {
  /** The trained teacher (Float32Array parameters, e.g. TeacherTrainer.getParams()). Its dtMs is the Euler step. */
  teacher: TeacherParams
  /** Spiking neurons N (1..8192: info().limits.neurons). */
  neurons: number
  /** Seed of the EBN draws, the training data streams (a task's samples of epoch e), the validation samples and the initial membrane potentials. Default 0. */
  seed?: number
  /** Fast balancing weights (EBN). false = the "no-EBN" variant, Ω_f = 0. Default true. */
  ebn?: boolean
  /** Fast weight gain g: Ω_f = −g·tau_mem·(DᵀD + μλ²I)/T_n (native/core/ebn.hpp). Default 0.5 (the paper's value for the smaller task). */
  g?: number
  /** A in wIn = A·F·F̂. Default 10/tau_mem (200 s⁻¹ at 50 ms, the paper's value for the smaller task; 50/tau_mem for the wake phrase). */
  inputGain?: number
  /** EBN cost weights; defaults 5e-4 and 1e-4. */
  mu?: number
  nu?: number
  /** Neuron parameters (docs/method.md §4 defaults). The EBN is built with the mean tauMemMs and mean vTh − vRest. */
  params?: NeuronParams
  /**
   * Learning rate η: a number (constant) or η(t) = start·exp(−t/decaySamples) + floor, t = training
   * sample index since the trainer was created (the authors' code: decaySamples = total/2/ln 100,
   * floor 1e-7). Default: see DEFAULT_ADS_ETA.
   */
  eta?: number | { exponential: { start: number; decaySamples: number; floor?: number } }
  /**
   * Feedback gain k during training: a number (constant) or a staircase of `blocks` (default 8) equal
   * blocks over totalSamples training samples, from start down by start/blocks per block, never below
   * start/blocks (the paper, wake phrase: 200, 175, ..., 25). k is 0 at validation and test. Default: see DEFAULT_ADS_K.
   */
  k?: number | { staircase: { start: number; totalSamples: number; blocks?: number } }
  /** the learning rule (AdsRuleName); default 'online' */
  rule?: AdsRuleName
  /**
   * Training data: fresh samples of a task each epoch, `{ task: { name, options?, samplesPerEpoch? } }`
   * (samplesPerEpoch default 500; at the teacher's dtMs), or a dataset. Default: the first native task's.
   */
  data?: { task: TaskData } | AdsDataset
  /** Dataset mode: a fresh seeded sample order each epoch. Default true. */
  shuffle?: boolean
  /** Dataset mode: training samples per epoch (default 0: all), chosen as the teacher's trainer does (TeacherTrainerOptions.epochSamples). */
  epochSamples?: number
  /** Validation after every epoch: {count} fresh samples of the training task (default {count: 200} when training on a task), a dataset, or null for none. */
  validation?: { count: number } | AdsDataset | null
  /** Model selection: lowest validation reconstruction error (default, as the paper) or highest validation accuracy. */
  selection?: 'reconstruction' | 'accuracy'
  /** a task's decision rule for the validation accuracy (default: the training task's; none for a dataset), or null for none */
  decision?: TaskDecision | null
  /** Threads of the pool for the teacher passes and the validation (and, beside the training of a chunk of samples, the next chunk's teacher trajectories; the events form uses the second thread for P instead); 0 = all (default). Results never depend on it. */
  threads?: number
  /**
   * Neuron death while training (docs/method.md §10): every training sample runs with round(trainDeath·N)
   * neurons, drawn afresh per sample from the seed, clamped to V = 0 (the simulator's silencing); validation
   * and test run the whole network. In [0, 0.9]; default 0 (off).
   */
  trainDeath?: number
}

/**
 * Defaults: the paper's schedule for the smaller task (k = 75 constant, η = 1e-6 constant), which in our units
 * (unit-area kernels, r in Hz) reaches ≥ 0.98 test accuracy for 4 of 5 seeds at N = 320 with selection by
 * reconstruction error, 5 of 5 with selection by accuracy (bench/README.md, ADS on the first task).
 */
export const DEFAULT_ADS_ETA = 1e-6
export const DEFAULT_ADS_K = 75

export interface AdsEpochRecord {
  /** 1-based index of the epoch since the trainer was created */
  epoch: number
  samples: number
  /** mean over the epoch's training samples of Σ_d Var(x̂_d − x̃_d)/Σ_d Var(x̂_d), with feedback and learning on */
  trainReconstructionError: number
  trainMeanRateHz: number
  /** the same on the validation samples, k = 0 and no learning; null without validation */
  valReconstructionError: number | null
  /** the decision rule's accuracy of ỹ on the validation samples; null without validation, a rule or targets */
  valAccuracy: number | null
  /** mean squared error of ỹ against the validation targets; null without */
  valOutputMse: number | null
  /** mean firing rate on the validation samples (Hz); null without validation */
  meanRateHz: number | null
  /** k and η used for the epoch's last training sample */
  k: number
  eta: number
  seconds: number
  /** this epoch's network became the best (model selection) */
  best: boolean
}

/** A network in the NetworkSpec shape of ./snn.ts, with every array present. */
export interface AdsNetwork extends NetworkSpec {
  channels: number
  dims: number
  outputs: number
  params: NeuronParamArrays
  weights: Required<StoredWeights>
}

export type AdsRunEpochsOptions = EpochRunOptions<AdsEpochRecord>

export interface AdsEvalData extends AdsDataset {
  /** x̂ [count, steps, dims] (the teacher's tanh(x)) for the reconstruction error; optional */
  teacherTargets?: Float32Array
}

export interface AdsEvalOptions {
  /** initial V of sample b from Rng(seed, b), uniform in [vReset, vTh] (as simulate() with 'uniform'); default 0 */
  seed?: number
  /** 0 = all threads of the pool (default); results never depend on it */
  threads?: number
  dtMs?: number
  /** a task's decision rule for the predictions (and the accuracy, with targets or labels); default none */
  decision?: TaskDecision | null
  record?: {
    /** x̃ [count, steps, dims]; default false */
    decoded?: boolean
    /** ỹ [count, steps, outputs]; default true when the network has outputs */
    output?: boolean
    /** the trace the decision rule reads (e.g. a smoothed ỹ) [count, steps, outputs]; default true with a rule that has one */
    smoothed?: boolean
    /** spike events of the first n samples; default 0 */
    spikes?: number
  }
}

export interface AdsEvaluation {
  count: number
  steps: number
  kernelSeconds: number
  /** the decision rule's accuracy; null without a rule or without targets/labels */
  accuracy: number | null
  /** mean over samples of Σ_d Var(x̂_d − x̃_d)/Σ_d Var(x̂_d); null without teacherTargets */
  reconstructionError: number | null
  /** mean over samples of the MSE of ỹ against the targets; null without targets */
  outputMse: number | null
  meanRateHz: number
  totalSpikes: number
  perSample: { reconstructionError: Float64Array | null; outputMse: Float64Array | null; rateHz: Float64Array }
  /** [count, outputs]: 1, −1, or 0 (no decision); null without a decision rule */
  predictions: Int8Array | null
  /** [count, outputs] when accuracy is computed */
  labels: Int8Array | null
  decoded?: Float32Array
  output?: Float32Array
  smoothed?: Float32Array
  spikes?: SpikeEvents
}

/** One rule's training passes in runAdsTrainBench. */
export interface AdsTrainBenchRule {
  rule: AdsRuleName
  /** the form that computed it: 'online-events', 'online-lowrank', 'online-naive' or 'batched' */
  variant: string
  /** the best training pass of `repeats` (wall clock) */
  seconds: number
  /** CPU time of the process during that pass (the training thread and, for the events form, the helper computing P) */
  cpuSeconds: number
  stepsPerSecond: number
  meanRateHz: number
  /** events form: the share of the blocks of P that the second thread computed in that pass (0 otherwise) */
  helperBlockShare: number
  /** a further pass with clock reads around the phases on the training thread (seconds) */
  split: { seconds: number; simulation: number; feedback: number; learning: number }
}

export interface AdsTrainBenchResult extends AdsTrainBenchRule {
  neurons: number
  dims: number
  samples: number
  /** simulated training steps (all samples) */
  steps: number
  /** threads of the pool the events form may use (0 = all) */
  threads: number
  /** the same network without learning (k = 0, Ω_s = 0) on the same samples, one thread, interleaved with the training passes: the best */
  forwardSeconds: number
  forwardStepsPerSecond: number
  forwardMeanRateHz: number
  /** the SIMD level the kernels ran at */
  simd: string
  /** the `compare` rule, measured in the same interleaved rounds; null without */
  compared: AdsTrainBenchRule | null
}

export interface AdsSamplesData {
  /** [count, steps, channels] */
  inputs: Float32Array
  /** x̂ [count, steps, dims]: the trajectory to learn */
  teacherTargets: Float32Array
  count: number
  steps: number
}

export interface AdsSamplesOptions {
  /** feedback gain during training: one value, or one per sample (Float32Array [count]) */
  k: number | Float32Array
  eta: number
  rule?: AdsRuleName
  /** sample b starts from V uniform in [vReset, vTh] drawn from Rng(seed, b), as simulate() with 'uniform' (default 0) */
  seed?: number
  /** [count, neurons] initial membrane potentials instead */
  initialV?: Float32Array
  dtMs?: number
  record?: { spikes?: boolean }
  /** threads of the pool the events form may use for its product P (0 = all, default; 1 = the calling job's thread only); results never depend on it */
  threads?: number
}

export interface AdsSamplesResult {
  /** the network after the samples (slow weights materialised) */
  network: AdsNetwork
  /** per sample, with feedback and learning on */
  reconstructionError: Float64Array
  totalSpikes: number
  meanRateHz: number
  /** the form that computed the rule: 'online-events', 'online-lowrank', 'online-naive' or 'batched' */
  variant: string
  /** online-events: the blocks of P = X̂Fᵀ over all samples, and how many of them the second thread computed (0 and 0 otherwise) */
  blocks: number
  helperBlocks: number
  spikes?: SpikeEvents
}

// ---- argument checks (./check.ts), in the binding's names (ads.cpp) -------------------------------

const rule = str('online', 'online-lowrank', 'online-naive', 'batched')
const int8 = typed('Int8Array')

/** @internal A teacher's parameters as Float32Arrays (also for ./teacher.ts's trainer). */
export const teacherParamsSchema = obj(
  { units: int, channels: int, outputs: int, dtMs: num, wIn: f32, wRec: f32, wOut: f32, bias: f32, tauMs: f32 },
  { required: ['units', 'channels', 'outputs', 'wIn', 'wRec', 'wOut', 'bias', 'tauMs'] },
)

function dataset(extra: Record<string, Check> = {}, required: string[] = ['inputs', 'count', 'steps']): Check {
  return obj({ inputs: f32, count: int, steps: int, targets: f32, labels: int8, ...extra }, { required })
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function adsOptionsSchema(neurons: number | undefined): Check {
  return obj(
    {
      teacher: teacherParamsSchema,
      neurons: int,
      seed: int,
      ebn: bool,
      g: num,
      inputGain: num,
      mu: num,
      nu: num,
      params: named('options.params', paramsSchema(neurons)),
      eta: either('a number or an object', (v) =>
        typeof v === 'number' ? num : isObj(v) ? obj({ exponential: obj({ start: num, decaySamples: num, floor: num }, { required: ['start', 'decaySamples'] }) }, { required: ['exponential'] }) : undefined,
      ),
      k: either('a number or an object', (v) =>
        typeof v === 'number' ? num : isObj(v) ? obj({ staircase: obj({ start: num, totalSamples: int, blocks: int }, { required: ['start', 'totalSamples'] }) }, { required: ['staircase'] }) : undefined,
      ),
      rule,
      data: either('an object', (v) => (isObj(v) ? (isTaskData(v) ? taskDataCheck() : dataset()) : undefined)),
      shuffle: bool,
      epochSamples: int,
      validation: orNull(either('an object', (v) => (isObj(v) ? (v.count !== undefined && v.inputs === undefined ? obj({ count: int }) : dataset()) : undefined))),
      selection: str('reconstruction', 'accuracy'),
      decision: taskDecisionCheck,
      threads: int,
      trainDeath: num,
    },
    { required: ['teacher', 'neurons'] },
  )
}

/** The options as the binding takes them: checked, per-neuron arrays as Float32Arrays. */
function adsOptions(options: AdsTrainerOptions): object {
  const o = own(options)
  if (!Object.is(o, options)) o.params = own(o.params) // (only on our copy)
  const n = isObj(o) && typeof o.neurons === 'number' && Number.isInteger(o.neurons) && o.neurons >= 1 ? o.neurons : undefined
  check(o, adsOptionsSchema(n), 'options')
  return o.params !== undefined ? { ...o, params: toNative(o.params, 'options.params', n) } : o
}

const evalDataSchema = dataset({ teacherTargets: f32 })
const evalOptionsSchema = obj({
  seed: int,
  threads: int,
  dtMs: num,
  decision: taskDecisionCheck,
  record: named('options.record', obj({ decoded: bool, output: bool, smoothed: bool, spikes: int })),
})
const samplesDataSchema = dataset({ teacherTargets: f32 }, ['inputs', 'count', 'steps', 'teacherTargets'])
const samplesOptionsSchema = obj(
  {
    k: either('a number or a Float32Array', (v) => (typeof v === 'number' ? num : v instanceof Float32Array ? f32 : undefined)),
    eta: num,
    rule,
    seed: int,
    initialV: f32,
    dtMs: num,
    record: named('options.record', obj({ spikes: bool })),
    threads: int,
  },
  { required: ['k', 'eta'] },
)
const benchSchema = obj({ neurons: int, dims: int, samples: int, repeats: int, rule, compare: rule, threads: int, seed: int, k: num, eta: num }, { required: ['neurons', 'dims'] })

// The raw trainer that AdsTrainer.create() built, taken by the constructor it then calls.
let adopting: RawAdsTrainer | undefined

interface RawAdsTrainer extends RawEpochTrainer<AdsEpochRecord> {
  getNetwork(): AdsNetwork
  getBestNetwork(): AdsNetwork | null
  readonly samplesDone: number
}

interface RawAds {
  AdsTrainer: {
    new (options: object): RawAdsTrainer
    create(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawAdsTrainer>
  }
  evaluateAds(network: unknown, data: object, options?: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<AdsEvaluation>
  adsTrainBench(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<AdsTrainBenchResult>
  trainAdsSamples(network: unknown, data: object, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<AdsSamplesResult>
}

/**
 * Trains network ADS; keeps its state (weights, sample counter, best network) between calls of
 * runEpochs. Argument errors are thrown by the constructor (TypeError / RangeError, code
 * ERR_INVALID_ARG, naming the option). Only one runEpochs at a time: meanwhile runEpochs, getNetwork,
 * getBestNetwork and the counters throw code ERR_BUSY. Aborting the signal cancels within a sample and
 * rolls the current epoch back (ERR_CANCELLED): the trainer is left at its last completed epoch, so n
 * epochs in one call or several, cancelled or not, give the same network.
 */
export class AdsTrainer extends EpochTrainer<AdsEpochRecord, RawAdsTrainer> {
  /**
   * Builds the trainer synchronously: refused (RangeError) when that is more than about 70 ms of work
   * (Ω_f's N²·D products and the validation samples; the default trainer at N = 320 is within it):
   * use AdsTrainer.create() then.
   */
  constructor(options: AdsTrainerOptions) {
    const adopted = adopting
    adopting = undefined
    super(adopted ?? new (addon<RawAds>().AdsTrainer)(adsOptions(options)))
  }

  /** Builds the trainer on a worker thread (any size the memory budget allows), with progress and cancellation. */
  static async create(options: AdsTrainerOptions, run: RunOptions = {}): Promise<AdsTrainer> {
    const passed = adsOptions(options)
    const raw = await runNative<RawAdsTrainer, RawAds>((r, progress, token) => r.AdsTrainer.create(passed, progress, token), run)
    adopting = raw
    return new AdsTrainer(undefined as never)
  }

  /** The network as it is now (slow weights materialised: Ω_0 + Ã Fᵀ, zero diagonal). */
  getNetwork(): AdsNetwork {
    return this.raw.getNetwork()
  }
  /** The network of the best validated epoch, or null before the first validation. */
  getBestNetwork(): AdsNetwork | null {
    return this.raw.getBestNetwork()
  }
  /** training samples consumed since creation (the t of the schedules) */
  get samplesDone(): number {
    return this.raw.samplesDone
  }
}

/**
 * Runs a network on samples (k = 0, no learning), in parallel over the pool, and scores it: ỹ, and with
 * a decision rule (options.decision) the decisions, the trace the rule reads and the accuracy (with
 * targets or labels); the reconstruction error (with teacherTargets x̂), the output MSE (with
 * targets), rates; optional recordings. Equivalent to network.simulate(inputs, {seed, initialV:
 * 'uniform'}) followed by taskScore on its output.
 */
export function evaluateAds(
  network: SpikingNetwork | NetworkSpec,
  data: AdsEvalData,
  options: AdsEvalOptions = {},
  run: RunOptions = {},
): Promise<AdsEvaluation> {
  check(data, evalDataSchema, 'data')
  check(options, evalOptionsSchema, 'options')
  const handle = SpikingNetwork.rawOf(network)
  return runNative<AdsEvaluation, RawAds>((r, progress, token) => r.evaluateAds(handle, data, options, progress, token), run)
}

/**
 * The learning rule on given samples, in order (batch 1), starting from the given network (which must
 * have weights.encoder and a zero diagonal in omegaS): the building block of AdsTrainer without its
 * schedules, data streams and validation, for custom loops and for checks against a reference. The
 * network object itself is not changed; the trained network is returned.
 */
export function trainAdsSamples(
  network: SpikingNetwork | NetworkSpec,
  data: AdsSamplesData,
  options: AdsSamplesOptions,
  run: RunOptions = {},
): Promise<AdsSamplesResult> {
  check(data, samplesDataSchema, 'data')
  check(options, samplesOptionsSchema, 'options')
  const handle = SpikingNetwork.rawOf(network)
  return runNative<AdsSamplesResult, RawAds>((r, progress, token) => r.trainAdsSamples(handle, data, options, progress, token), run)
}

/**
 * Times the training loop (a random teacher of `dims` units on `samples` 1 s samples of the first native
 * task), and the `compare` rule's when given, interleaved with the forward pass of the same network
 * without learning (one thread), best of `repeats` (default 3) each; then a pass per rule with the split
 * of the training step's time. threads: of the pool for the events form's product P (0 = all, default;
 * 1 = the training thread only); the other forms use one thread.
 */
export function runAdsTrainBench(
  options: { neurons: number; dims: number; samples?: number; repeats?: number; rule?: AdsRuleName; compare?: AdsRuleName; threads?: number; seed?: number; k?: number; eta?: number },
  run: RunOptions = {},
): Promise<AdsTrainBenchResult> {
  check(options, benchSchema, 'options')
  return runNative<AdsTrainBenchResult, RawAds>((r, progress, token) => r.adsTrainBench(options, progress, token), run)
}
