// The teacher rate network (native/binding/teacher.cpp, native/core/teacher*.hpp; docs/method.md §3, §6).
//
//   tau_j dx_j/dt = -x_j + (wIn c)_j + b_j + sum_i wRec[i, j] tanh(x_i),   y = wOut · tanh(x)
//
// Euler with step dtMs, x(0) = 0; step t consumes input t and produces output t. Matrices are
// row-major: wIn [units x channels], wRec [units x units] with ROW i = presynaptic unit and COLUMN j =
// postsynaptic unit (the recurrent drive of unit j is sum_i wRec[i*units + j] tanh x_i), wOut
// [outputs x units]. Time constants tauMs are in milliseconds. Arrays of samples are [count, steps, k].
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { argError, bool, check, describe, either, f32, int, intIn, named, num, obj, str, typed, type Check } from '../check.ts'
import { EpochTrainer, type EpochRunOptions, type RawEpochTrainer } from './epoch-trainer.ts'
import { isTaskData, taskDataCheck, taskDecisionCheck, type TaskData, type TaskDecision } from './tasks/index.ts'

type Float = Float32Array | Float64Array

export interface TeacherParams<A extends Float = Float32Array> {
  units: number
  channels: number
  outputs: number
  /** Euler step (ms) the network was built / trained for. Default 1 when reading params. */
  dtMs: number
  /** [units x channels] */
  wIn: A
  /** [units x units]; wRec[i*units + j] is the weight from unit i to unit j */
  wRec: A
  /** [outputs x units] */
  wOut: A
  /** [units] */
  bias: A
  /** [units], milliseconds, > 0 */
  tauMs: A
}

export interface TeacherInitOptions {
  units: number
  channels: number
  outputs: number
  seed: number
  /** default 1 */
  dtMs?: number
  /** spectral radius of wRec after rescaling; default 0.95 */
  spectralRadius?: number
  /** wIn ~ U(-h, h); default 5 */
  wInHalfRange?: number
  /** wRec ~ U(-h, h) before the zero diagonal and rescaling; default 0.1 */
  wRecHalfRange?: number
  /** wOut ~ U(-h, h); default 0.2 */
  wOutHalfRange?: number
  /** tau linearly spaced over [lo, hi] ms; default [10, 100] */
  tauInitMs?: [number, number]
}

/**
 * Loss weights (docs/method.md §3). MSE is the mean over batch, time steps and outputs. The two tau
 * terms use tau and tauMin in MILLISECONDS by default (tauUnit 'ms'); the authors' code used
 * seconds, where the barrier is a weak step and the max term negligible (native/core/teacher.hpp).
 */
export interface TeacherLossOptions {
  /** default 1e6 (the paper's smaller task); 1 for the wake phrase */
  lambdaMse?: number
  /** lambdaTau * mean_j exp(-(tau_j - tauMin)) 1(tau_j < tauMin); default 1e6 */
  lambdaTau?: number
  /** default 15 */
  tauMinMs?: number
  /** lambdaMaxTau * max_j (tau_j - tauMin)_+^2; default 1 */
  lambdaMaxTau?: number
  /** lambdaRec * mean(wRec^2); default 1 */
  lambdaRec?: number
  /** lambdaDiag * sum_j |wRec[j,j]| / units^2; default 1 */
  lambdaDiag?: number
  /** lambdaBias * mean(b^2); default 1e3 */
  lambdaBias?: number
  /** unit of tau and tauMin inside the two tau terms: 'ms' (default) or 's' (as the authors' code) */
  tauUnit?: 'ms' | 's'
}

export interface TeacherBatch {
  /** [count, steps, channels] */
  inputs: Float32Array
  /** [count, steps, outputs] */
  targets?: Float32Array
  count: number
  steps: number
}

export interface TeacherDataset extends TeacherBatch {
  targets: Float32Array
  /** [count, outputs], 1 or -1; default: 1 where the target ever exceeds 0.5, else -1 */
  labels?: Int8Array
}

export interface TeacherForwardResult {
  count: number
  steps: number
  /** [count, steps, outputs] */
  outputs: Float32Array
  /** [count, steps, units]: tanh(x), the target trajectory for the spiking network */
  activations?: Float32Array
}

export interface TeacherLossTerms {
  /** lambdaMse * MSE */
  mse: number
  tau: number
  maxTau: number
  rec: number
  diag: number
  bias: number
}

export interface TeacherGradientResult<A extends Float = Float32Array> {
  /** total loss (sum of terms) */
  loss: number
  /** unweighted MSE */
  mse: number
  terms: TeacherLossTerms
  /** d loss / d parameter, same layout as the parameters; tauMs per millisecond */
  grads: Pick<TeacherParams<A>, 'wIn' | 'wRec' | 'wOut' | 'bias' | 'tauMs'>
}

export interface TeacherTrainerOptions {
  /** start parameters (Float32Array), e.g. from initTeacher() */
  params: TeacherParams
  loss?: TeacherLossOptions
  /** Adam step size; default 1e-4 */
  stepSize?: number
  beta1?: number
  beta2?: number
  epsilon?: number
  /** global gradient-norm limit; default 0 = off */
  clipNorm?: number
  /**
   * the step size falls along a cosine from `stepSize` in epoch 1 to `floor` × it (default 0.05) in
   * epoch `cosineEpochs`, and stays there; absent: the same step size in every epoch
   */
  stepSizeSchedule?: { cosineEpochs: number; floor?: number }
  /** parameter groups to train; all default true */
  train?: { wIn?: boolean; wRec?: boolean; wOut?: boolean; bias?: boolean; tau?: boolean }
  /**
   * The unit of tau that Adam steps in: 's' (default, as in the authors' code: one step moves tau by
   * up to stepSize seconds, i.e. 0.1 ms at 1e-4) or 'ms' (1000x slower: with stepSize 1e-4 tau
   * hardly moves over a whole training, and tau below tauMin stays there for tens of epochs).
   */
  tauStepUnit?: 's' | 'ms'
  /** default 1 (as in the paper) */
  batchSize?: number
  /** threads of the pool for the samples of a batch (at batch 1, a second thread computes the wRec gradient beside the backward pass); 0 = all (default). Results do not depend on it. */
  threads?: number
  /** seed of the training data (a task's samples of epoch e depend on (seed, e)) and of shuffling; default 0 */
  seed?: number
  /**
   * a dataset, or fresh samples of a task each epoch: `{ task: { name, options?, samplesPerEpoch } }`
   * (./tasks; the network must have the task's channels and outputs; samples at the network's dtMs)
   */
  data: TeacherDataset | { task: TaskData & { samplesPerEpoch: number } }
  /** evaluated after every epoch */
  validation?: TeacherDataset
  /** keep the parameters of the epoch with the best validation accuracy (ties: lower MSE) */
  keepBest?: boolean
  /** dataset mode: a fresh sample order each epoch; default true */
  shuffle?: boolean
  /**
   * dataset mode: training samples per epoch (default 0: all of them): the first of the epoch's fresh
   * order, or (shuffle false) consecutive stored samples, epoch e from e·epochSamples on (mod count)
   */
  epochSamples?: number
  /** a task's decision rule for the accuracies (default: the data's task's rule; none for a dataset), or null for none */
  decision?: TaskDecision | null
}

export interface TeacherEpochRecord {
  /** 1-based index of the epoch since the trainer was created */
  epoch: number
  samples: number
  batches: number
  /** mean over the epoch's batches of the total loss */
  loss: number
  /** mean unweighted MSE of the training samples */
  mse: number
  terms: TeacherLossTerms
  /** training accuracy of the outputs computed during the epoch (before each update); null if off */
  accuracy: number | null
  /** mean global gradient norm before clipping (tau in the unit Adam steps in) */
  gradNorm: number
  valMse: number | null
  valAccuracy: number | null
  /** this epoch became the best (keepBest) */
  best: boolean
  tauMinMs: number
  tauMaxMs: number
  /** the Adam step size of this epoch (its schedule's) */
  stepSize: number
  seconds: number
}

interface RawTrainer extends RawEpochTrainer<TeacherEpochRecord> {
  getParams(): TeacherParams
  getBestParams(): TeacherParams | null
  readonly adamSteps: number
}

interface RawTeacher {
  teacherInit(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<TeacherParams>
  teacherForward(params: object, batch: object, options?: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<TeacherForwardResult>
  teacherGradient(params: object, batch: object, options?: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<TeacherGradientResult<Float>>
  eigenvalues(matrix: Float64Array, n: number): { re: Float64Array; im: Float64Array }
  TeacherTrainer: {
    new (options: object): RawTrainer
    create(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawTrainer>
  }
}

// ---- argument checks (./check.ts), in the binding's names (teacher.cpp) ----------------------------

const f64 = typed('Float64Array')
const f32or64 = typed('Float32Array', 'Float64Array')
const int8 = typed('Int8Array')

function paramsOf(arrays: Check): Check {
  return obj(
    { units: int, channels: int, outputs: int, dtMs: num, wIn: arrays, wRec: arrays, wOut: arrays, bias: arrays, tauMs: arrays },
    { required: ['units', 'channels', 'outputs', 'wIn', 'wRec', 'wOut', 'bias', 'tauMs'] },
  )
}
const params32 = paramsOf(f32)
const params3264 = paramsOf(f32or64)

const initSchema = obj(
  {
    units: int,
    channels: int,
    outputs: int,
    seed: int,
    dtMs: num,
    spectralRadius: num,
    wInHalfRange: num,
    wRecHalfRange: num,
    wOutHalfRange: num,
    tauInitMs: (v, name) => {
      if (!Array.isArray(v)) throw argError('type', `Expected an array [lo, hi] of two numbers for ${name} but received ${describe(v)}`)
    },
  },
  { required: ['units', 'channels', 'outputs', 'seed'], names: 'bare' },
)

function batchSchema(targets: boolean, labels: boolean): Check {
  const fields: Record<string, Check> = { inputs: f32, targets: f32, count: int, steps: int }
  if (labels) fields.labels = int8
  return obj(fields, { required: targets ? ['inputs', 'targets', 'count', 'steps'] : ['inputs', 'count', 'steps'] })
}

const lossSchema = obj({
  lambdaMse: num,
  lambdaTau: num,
  tauMinMs: num,
  lambdaMaxTau: num,
  lambdaRec: num,
  lambdaDiag: num,
  lambdaBias: num,
  tauUnit: str('ms', 's'),
})

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const trainerSchema = obj(
  {
    params: params32,
    loss: lossSchema,
    stepSize: num,
    beta1: num,
    beta2: num,
    epsilon: num,
    clipNorm: num,
    stepSizeSchedule: obj({ cosineEpochs: int, floor: num }, { required: ['cosineEpochs'] }),
    train: obj({ wIn: bool, wRec: bool, wOut: bool, bias: bool, tau: bool }),
    tauStepUnit: str('s', 'ms'),
    batchSize: int,
    threads: int,
    seed: int,
    data: either('an object', (v) =>
      isObj(v)
        ? isTaskData(v)
          ? taskDataCheck(['samplesPerEpoch'])
          : batchSchema(true, true)
        : undefined,
    ),
    validation: batchSchema(true, true),
    keepBest: bool,
    shuffle: bool,
    epochSamples: int,
    decision: taskDecisionCheck,
  },
  { required: ['params', 'data'] },
)

// The raw trainer that TeacherTrainer.create() built, taken by the constructor it then calls.
let adopting: RawTrainer | undefined

/** Initial parameters (docs/method.md §3), seeded; wRec has a zero diagonal and the given spectral radius. */
export function initTeacher(options: TeacherInitOptions, run: RunOptions = {}): Promise<TeacherParams> {
  check(options, initSchema, 'options')
  return runNative<TeacherParams, RawTeacher>((raw, progress, token) => raw.teacherInit(options, progress, token), run)
}

/** Forward pass of a batch, samples in parallel. `activations` (default true) returns tanh(x). */
export function teacherForward(
  params: TeacherParams,
  batch: TeacherBatch,
  options: { threads?: number; activations?: boolean } = {},
  run: RunOptions = {},
): Promise<TeacherForwardResult> {
  check(params, params32, 'params')
  check(batch, batchSchema(false, false), 'batch')
  check(options, obj({ threads: int, activations: bool }, { names: 'bare' }), 'options')
  return runNative<TeacherForwardResult, RawTeacher>((raw, progress, token) => raw.teacherForward(params, batch, options, progress, token), run)
}

/**
 * Loss and gradient of one batch (BPTT through the Euler steps). Float64Array parameters select the
 * double-precision build of the same code (for gradient checks); the gradients come back in the
 * parameters' array type.
 */
export function teacherGradient<A extends Float>(
  params: TeacherParams<A>,
  batch: TeacherBatch & { targets: Float32Array },
  options: { threads?: number; loss?: TeacherLossOptions } = {},
  run: RunOptions = {},
): Promise<TeacherGradientResult<A>> {
  check(params, params3264, 'params')
  check(batch, batchSchema(true, false), 'batch')
  check(options, obj({ threads: int, loss: named('options.loss', lossSchema) }, { names: 'bare' }), 'options')
  return runNative<TeacherGradientResult<A>, RawTeacher>(
    (raw, progress, token) => raw.teacherGradient(params, batch, options, progress, token) as Promise<TeacherGradientResult<A>>,
    run,
  )
}

/** All eigenvalues of a real row-major n x n matrix (Hessenberg + shifted QR); synchronous, so n <= 256. */
export function eigenvalues(matrix: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  check(matrix, f64, 'matrix')
  check(n, int, 'n')
  return addon<RawTeacher>().eigenvalues(matrix, n)
}

export function spectralRadius(matrix: Float32Array | Float64Array, n: number): number {
  check(matrix, f32or64, 'matrix')
  check(n, intIn(1, 256), 'n')
  const { re, im } = eigenvalues(matrix instanceof Float64Array ? matrix : Float64Array.from(matrix), n)
  let r = 0
  for (let i = 0; i < re.length; i++) r = Math.max(r, Math.hypot(re[i], im[i]))
  return r
}

export type RunEpochsOptions = EpochRunOptions<TeacherEpochRecord>

/**
 * A training run that keeps its state (parameters, Adam moments, epoch counter, best parameters)
 * between calls of runEpochs. Only one runEpochs at a time: while it runs, runEpochs, getParams,
 * getBestParams and the counters throw a NativeError-like error with code ERR_BUSY. Cancelling
 * (signal) rolls the current epoch back, so the trainer is left at its last completed epoch.
 */
export class TeacherTrainer extends EpochTrainer<TeacherEpochRecord, RawTrainer> {
  constructor(options: TeacherTrainerOptions) {
    const adopted = adopting
    adopting = undefined
    if (!adopted) check(options, trainerSchema, 'options')
    super(adopted ?? new (addon<RawTeacher>().TeacherTrainer)(options))
  }

  /** The same as the constructor, on a worker thread (for symmetry with AdsTrainer.create: building a teacher trainer is small work). */
  static async create(options: TeacherTrainerOptions, run: RunOptions = {}): Promise<TeacherTrainer> {
    check(options, trainerSchema, 'options')
    const raw = await runNative<RawTrainer, RawTeacher>((r, progress, token) => r.TeacherTrainer.create(options, progress, token), run)
    adopting = raw
    return new TeacherTrainer(undefined as never)
  }

  getParams(): TeacherParams {
    return this.raw.getParams()
  }
  /** null until an epoch with validation has run with keepBest */
  getBestParams(): TeacherParams | null {
    return this.raw.getBestParams()
  }
  get adamSteps(): number {
    return this.raw.adamSteps
  }
}

/** Creates a trainer, runs `epochs` epochs and returns the final (and best) parameters and the history. */
export async function trainTeacher(
  options: TeacherTrainerOptions & { epochs: number },
  run: RunEpochsOptions = {},
): Promise<{ params: TeacherParams; bestParams: TeacherParams | null; bestEpoch: number; history: TeacherEpochRecord[] }> {
  if (!isObj(options)) throw argError('type', `Expected an object for options but received ${describe(options)}`)
  const { epochs, ...rest } = options
  check(epochs, int, 'options.epochs')
  const trainer = new TeacherTrainer(rest)
  const history = await trainer.runEpochs(epochs, run)
  return { params: trainer.getParams(), bestParams: trainer.getBestParams(), bestEpoch: trainer.bestEpoch, history }
}
