// The paper's baseline spiking networks (native/binding/baseline.cpp, native/core/baseline.hpp;
// docs/method.md §13): one LIF model shared by the reservoir and the FORCE network, run by lifRun;
// reservoirTrain builds a reservoir and fits its ridge read-out; forceTrain trains a FORCE network's
// read-out by recursive least squares. Every argument is checked natively, naming the field.
//
// Matrices are row-major: wIn [neurons x channels], wRec [neurons x neurons] with ROW = presynaptic
// neuron (wRec[m*N + n] is the weight from m to n), wOut [outputs x neurons], encoders [neurons x outputs].
import { guarded, runNative, type RunOptions } from '../runtime.ts'
import { check, func } from '../check.ts'
import type { TaskDecision } from './tasks/index.ts'

export interface LifNetwork {
  neurons: number
  channels: number
  outputs: number
  /** V −= vTh − vReset at a spike (else V = vReset) */
  subtractReset: boolean
  /** the read-out synapse (ms) */
  tauOutMs: number
  wIn: Float32Array
  wRec: Float32Array
  wOut: Float32Array
  /** [outputs] */
  outBias: Float32Array
  /** [neurons x outputs]: output feedback (FORCE); absent for none */
  encoders?: Float32Array
  tauMemMs: Float32Array
  tauSynMs: Float32Array
  vTh: Float32Array
  vReset: Float32Array
  bias: Float32Array
  refractoryMs: Float32Array
}

export interface LifRunResult {
  /** [count, steps, outputs] */
  outputs: Float32Array
  /** [count, neurons] */
  spikeCounts: Int32Array
  totalSpikes: number
  meanRateHz: number
  kernelSeconds: number
  /** with options.recordSpikes = K: the spike events of the first K samples, sample b's at offsets[b] .. offsets[b + 1] (steps in order) */
  spikes?: { steps: Int32Array; neurons: Int32Array; offsets: Int32Array }
  /** with options.recordMembrane: V of those neurons (after the step's spikes and resets) [count, recordedSteps, K] */
  membrane?: Float32Array
  membraneNeurons?: Int32Array
  /** with options.recordMembrane: ceil(steps / decimate) */
  recordedSteps?: number
}

export interface SampleArrays {
  inputs: Float32Array
  targets?: Float32Array
  count: number
  steps: number
}

interface RawBaseline {
  lifRun(net: LifNetwork, batch: SampleArrays, options: object, onProgress?: unknown, token?: unknown): Promise<LifRunResult>
  reservoirTrain(options: object, onProgress?: unknown, token?: unknown): Promise<ReservoirTrainResult>
  forceTrain(options: object, onProgress?: unknown, token?: unknown, onEpoch?: unknown): Promise<ForceTrainResult>
  bpttGradient(net: LifNetwork, batch: SampleArrays, options: object, onProgress?: unknown, token?: unknown): Promise<BpttGradientResult>
  bpttTrain(options: object, onProgress?: unknown, token?: unknown, onEpoch?: unknown): Promise<BpttTrainResult>
}

/** Options of lifRun. */
export interface LifRunOptions {
  seed?: number
  threads?: number
  dtMs?: number
  /** std of the Gaussian added to V every step (V units; docs/method.md §10: fraction·|V_th − V_reset|); default 0 */
  noiseStd?: number
  /** neurons held at V_reset, unable to spike, in steps [startStep, endStep) (default: the whole sample) */
  silence?: { neurons: Int32Array | readonly number[]; startStep?: number; endStep?: number }
  /** keep the spike events of the first K samples (0 to count; default 0) */
  recordSpikes?: number
  /** keep V of these neurons at every `decimate`-th step (t = 0, decimate, ...) */
  recordMembrane?: Int32Array | readonly number[]
  /** default 1 */
  decimate?: number
}

/**
 * Runs samples; sample b starts from V uniform in [vReset, vTh) drawn from stream (seed, b), which then
 * draws its membrane noise (one standard normal per neuron and step). Results do not depend on the thread count.
 */
export function lifRun(net: LifNetwork, batch: SampleArrays, options: LifRunOptions = {}, run: RunOptions = {}): Promise<LifRunResult> {
  return runNative<LifRunResult, RawBaseline>((raw, progress, token) => raw.lifRun(net, batch, options, progress, token), run)
}

/** The reservoir's construction (docs/method.md §13); defaults in native/core/baseline.hpp. */
export interface ReservoirOptions {
  neurons: number
  channels: number
  outputs: number
  seed: number
  pools?: number
  connectivity?: number
  inhibitoryEvery?: number
  inhibitoryGain?: number
  weight?: number
  inputScale?: number
  tauMinMs?: number
  tauMaxMs?: number
  tauOutMs?: number
  biasLo?: number
  biasHi?: number
  refractoryMs?: number
  /** λ of the ridge read-out */
  ridge?: number
  /** every stride-th step enters the regression */
  stride?: number
  dtMs?: number
  threads?: number
  train: SampleArrays & { targets: Float32Array }
}

export interface ReservoirTrainResult {
  network: LifNetwork
  trainMse: number
  meanRateHz: number
}

export function reservoirTrain(options: ReservoirOptions, run: RunOptions = {}): Promise<ReservoirTrainResult> {
  return runNative<ReservoirTrainResult, RawBaseline>((raw, progress, token) => raw.reservoirTrain(options, progress, token), run)
}

/** The FORCE network's construction and training (docs/method.md §13). */
export interface ForceOptions {
  neurons: number
  channels: number
  outputs: number
  seed: number
  tauMemMs?: number
  tauSynMs?: number
  vReset?: number
  vPeak?: number
  bias?: number
  refractoryMs?: number
  g?: number
  sparsity?: number
  encoderScale?: number
  inputScale?: number
  p0?: number
  rlsEvery?: number
  epochs?: number
  /** epochs without a validation gain before stopping */
  patience?: number
  /** training samples per epoch, the first of the epoch's seeded order (0 or absent: all; the epoch fraction of docs/method.md §13) */
  epochSamples?: number
  dtMs?: number
  threads?: number
  train: SampleArrays & { targets: Float32Array }
  validation?: SampleArrays & { targets: Float32Array }
  decision?: TaskDecision
}

export interface ForceEpochRecord {
  epoch: number
  trainMse: number
  valMse: number
  valAccuracy: number
  valMeanRateHz: number
  seconds: number
}

export interface ForceTrainResult {
  /** the network of the best validation epoch */
  network: LifNetwork
  bestEpoch: number
  epochs: ForceEpochRecord[]
}

/** Run options of a trainer that streams its epochs: onEpoch(record) after every epoch, while the training goes on. */
export interface EpochStreamOptions<Rec> extends RunOptions {
  onEpoch?: (record: Rec) => void
}

function epochListener<Rec>(run: EpochStreamOptions<Rec>): ((r: Rec) => void) | undefined {
  const onEpoch = typeof run === 'object' && run !== null ? run.onEpoch : undefined
  if (onEpoch !== undefined) check(onEpoch, func, 'onEpoch')
  return guarded(onEpoch)
}

/** Trains a FORCE network; its epoch records also reach run.onEpoch as each epoch ends. */
export function forceTrain(options: ForceOptions, run: EpochStreamOptions<ForceEpochRecord> = {}): Promise<ForceTrainResult> {
  const listener = epochListener(run)
  return runNative<ForceTrainResult, RawBaseline>((raw, progress, token) => raw.forceTrain(options, progress, token, listener), run, ['onProgress', 'signal', 'onEpoch'])
}

/** Loss weights of the BPTT network: λ·mean((y − target)²) + λ_w·mean(w²) + λ_r·mean((spikes per step)²). */
export interface BpttLoss {
  /** default 1e3 */
  lambdaMse?: number
  /** default 0 */
  lambdaWeights?: number
  /** default 0 */
  lambdaRate?: number
}

export interface BpttGradientResult {
  loss: number
  mse: number
  meanRateHz: number
  /** shaped as the network's arrays; zero outside the trained blocks */
  grads: { wIn: Float64Array; wRec: Float64Array; wOut: Float64Array; outBias: Float64Array }
}

/**
 * Mean loss and gradient over a batch of a BPTT network (layer 1 = neurons [0, n1)). smoothBeta > 0:
 * the smooth network (s = sigmoid(β(V − θ))) and its exact gradient, for checks against finite differences.
 */
export function bpttGradient(
  net: LifNetwork,
  batch: SampleArrays & { targets: Float32Array },
  options: { n1: number; loss?: BpttLoss; smoothBeta?: number; seed?: number; dtMs?: number; threads?: number },
  run: RunOptions = {},
): Promise<BpttGradientResult> {
  return runNative<BpttGradientResult, RawBaseline>((raw, progress, token) => raw.bpttGradient(net, batch, options, progress, token), run)
}

export interface BpttOptions extends BpttLoss {
  /** feed-forward layer (takes the input) */
  n1: number
  /** recurrent layer (read out) */
  n2: number
  channels: number
  outputs: number
  seed: number
  tauMem1Ms?: number
  tauSyn1Ms?: number
  tauMem2Ms?: number
  tauSyn2Ms?: number
  tauOutMs?: number
  inputScale?: number
  ffScale?: number
  stepSize?: number
  beta1?: number
  beta2?: number
  epsilon?: number
  batchSize?: number
  epochs?: number
  /** training samples per epoch, the first of the epoch's seeded order (0 or absent: all; the epoch fraction of docs/method.md §13) */
  epochSamples?: number
  dtMs?: number
  threads?: number
  train: SampleArrays & { targets: Float32Array }
  validation?: SampleArrays & { targets: Float32Array }
  decision?: TaskDecision
}

export interface BpttEpochRecord {
  epoch: number
  trainLoss: number
  trainMse: number
  trainMeanRateHz: number
  valMse: number
  valAccuracy: number
  valMeanRateHz: number
  seconds: number
}

export interface BpttTrainResult {
  network: LifNetwork
  bestEpoch: number
  epochs: BpttEpochRecord[]
}

/** Trains a BPTT spiking network; its epoch records also reach run.onEpoch as each epoch ends. */
export function bpttTrain(options: BpttOptions, run: EpochStreamOptions<BpttEpochRecord> = {}): Promise<BpttTrainResult> {
  const listener = epochListener(run)
  return runNative<BpttTrainResult, RawBaseline>((raw, progress, token) => raw.bpttTrain(options, progress, token, listener), run, ['onProgress', 'signal', 'onEpoch'])
}
