// Jobs "train.reservoir", "train.force" and "train.bptt-snn": the paper's baselines (docs/method.md §13)
// trained natively on fresh samples of a task, or on a dataset run's splits (training; validation for
// the kept epoch and the task's fitted settings, e.g. the wake phrase's boundary; test), tested by the
// task's rule (the same evaluation as every architecture), stored as a bundle of their architecture
// with the fitted settings.
import { bpttTrain, forceTrain, reservoirTrain, type BpttEpochRecord, type ForceEpochRecord } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { trainBpttSnnParams, trainForceParams, trainReservoirParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import type { TaskName } from '../../shared/tasks/index.ts'
import type { Architecture, LoadedNetwork } from '../../plugins/architectures/index.ts'
import { inMemoryNetwork, saveBundle } from '../../plugins/architectures/bundle.ts'
import { bpttSnn } from '../../plugins/architectures/bptt-snn.ts'
import { force } from '../../plugins/architectures/force.ts'
import type { LifNet } from '../../plugins/architectures/lif.ts'
import { reservoir } from '../../plugins/architectures/reservoir.ts'
import { loadDatasetSplits, pickSamples, type DatasetSplits } from '../../plugins/datasets.ts'
import { evaluate, type EvalResult } from '../../plugins/evaluate.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { JobContext } from '../context.ts'
import { datasetOf, fieldError, runOfKind } from '../prechecks.ts'
import { taskDescriptors } from '../../shared/tasks/index.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import type { Store } from '../../store/index.ts'
import type { JobImpl } from './kind.ts'
import { drawSamples } from '../samples.ts'
import { derivedSeeds, epochSamplesOf, fitSettings } from './train-teacher.ts'
import { Rng, shuffleInPlace } from '../../system/rng.ts'

export type ReservoirJobParams = Infer<typeof trainReservoirParams>
export type ForceJobParams = Infer<typeof trainForceParams>
export type BpttJobParams = Infer<typeof trainBpttSnnParams>
export type BaselineKind = 'train.reservoir' | 'train.force' | 'train.bptt-snn'

export interface BaselineOutcome {
  network: LoadedNetwork<LifNet>
  task: TaskName
  trainSeconds: number
  bestEpoch: number
  /** the task's settings fitted on the validation samples (stored with the network) */
  fitted: Record<string, number>
  /** the test split of the dataset trained on, when there was one (else the test draws fresh samples) */
  test?: TimedDataset
}

const arrays = (d: TimedDataset) => ({ inputs: d.inputs, targets: d.targets, count: d.samples, steps: d.steps })

/** Where a baseline learns from: training samples, validation samples (when it uses them) and, from a dataset, its test split. */
interface BaselineData {
  task: TaskName
  train: TimedDataset
  /** training samples per epoch (the epoch fraction of a dataset's training split; 0: all) */
  epochSamples: number
  validation?: TimedDataset
  test?: TimedDataset
}

/**
 * The samples: the splits of the dataset run given (or of the pipeline's dataset, `splits`), or fresh
 * samples of the task (training from a seed derived from the run's; `validationSamples` fresh
 * validation samples when the learner validates).
 */
async function baselineData(ctx: JobContext, p: { task: TaskName; data?: number; trainSamples: number; durationS: number; epochFraction: number }, seed: number, validationSamples: number, splits?: DatasetSplits): Promise<BaselineData> {
  const stored = splits ?? (p.data !== undefined ? loadDatasetSplits(ctx.store, p.data) : undefined)
  if (stored) {
    const perEpoch = epochSamplesOf(stored.train.samples, p.epochFraction)
    return { task: stored.task, train: stored.train, epochSamples: perEpoch < stored.train.samples ? perEpoch : 0, validation: stored.validation, test: stored.test }
  }
  const trainSeed = (seed * 7 + 3_000_003) % Number.MAX_SAFE_INTEGER
  const train = await drawSamples(ctx, p.task, { count: p.trainSamples, seed: trainSeed, durationS: p.durationS, dtMs: 1 })
  const validation = validationSamples > 0 ? await drawSamples(ctx, p.task, { count: validationSamples, seed: derivedSeeds(seed).validation, durationS: (train.steps * train.dtMs) / 1000, dtMs: train.dtMs }) : undefined
  return { task: p.task, train, epochSamples: 0, validation }
}

/**
 * The reservoir's training samples with an epoch fraction (it is fitted once): the first
 * `d.epochSamples` of a permutation of the training split drawn from the seed; all of them without.
 */
export function reservoirTrainingSamples(train: TimedDataset, epochSamples: number, seed: number): TimedDataset {
  if (epochSamples <= 0 || epochSamples >= train.samples) return train
  const order = shuffleInPlace(Array.from({ length: train.samples }, (_, i) => i), new Rng(seed, 0x5e5e7))
  return pickSamples(train, order.slice(0, epochSamples))
}

/** Fits the task's settings on the validation samples and stores the network with them as run `runId`'s bundle. */
async function finish<N extends LifNet>(
  ctx: JobContext,
  arch: Architecture<LifNet>,
  net: N,
  d: BaselineData,
  seed: number,
  threads: number,
  runId: number,
  trainSeconds: number,
  bestEpoch: number,
): Promise<BaselineOutcome> {
  const fitted = d.validation ? await fitSettings(ctx, d.task, inMemoryNetwork<LifNet>(runId, arch, net, { task: d.task }), d.validation, seed, threads) : {}
  saveBundle(ctx.store, runId, arch, net, { task: d.task, fitted })
  return { network: inMemoryNetwork<LifNet>(runId, arch, net, { task: d.task, fitted }), task: d.task, trainSeconds, bestEpoch, fitted, test: d.test }
}

/**
 * What a learner that validates every epoch (FORCE, BPTT) gets of its data: the samples of both splits,
 * the epoch's share, the time step, the threads and the task's rule for its validation accuracy.
 */
function validatedData(d: BaselineData, threads: number) {
  return { epochSamples: d.epochSamples, dtMs: d.train.dtMs, threads, train: arrays(d.train), validation: arrays(d.validation!), decision: { task: d.task } as never }
}

/** The network's sizes: the samples' channels and outputs (of the task, or of the dataset given). */
function sizesOf(d: TimedDataset): { channels: number; outputs: number } {
  return { channels: d.channels, outputs: d.outputs }
}

/** Builds a reservoir and fits its read-out; stores it as run `runId`'s bundle. */
export async function trainReservoirStage(ctx: JobContext, p: ReservoirJobParams, seed: number, runId = ctx.runId, splits?: DatasetSplits): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'reading the training samples', true)
  const d = await baselineData(ctx, p, seed, 0, splits)
  const data = reservoirTrainingSamples(d.train, d.epochSamples, seed)
  const started = performance.now()
  const r = await reservoirTrain(
    {
      ...sizesOf(data),
      neurons: p.neurons,
      seed,
      pools: p.pools,
      connectivity: p.connectivity,
      inhibitoryEvery: p.inhibitoryEvery,
      inhibitoryGain: p.inhibitoryGain,
      weight: p.weight,
      inputScale: p.inputScale,
      tauMinMs: p.tauMinMs,
      tauMaxMs: p.tauMaxMs,
      tauOutMs: p.tauOutMs,
      biasLo: p.biasLo,
      biasHi: p.biasHi,
      refractoryMs: p.refractoryMs,
      ridge: p.ridge,
      stride: p.stride,
      dtMs: data.dtMs,
      threads: ctx.threads(p.threads),
      train: arrays(data),
    },
    // the native messages: 'collecting reservoir states', then 'fitting the read-out (ridge regression)'
    // with the fit's estimated share of the work still to do (native/core/baseline.cpp reservoir_fit)
    { signal: ctx.signal, onProgress: (f, message) => ctx.progress(0.05 + 0.85 * f, message) },
  )
  const trainSeconds = (performance.now() - started) / 1000
  ctx.epochMetrics(1, { trainMse: r.trainMse, trainMeanRateHz: r.meanRateHz }, runId)
  return finish(ctx, reservoir, r.network, d, seed, ctx.threads(p.threads), runId, trainSeconds, 1)
}

/** Trains a FORCE network by RLS with early stopping on validation; stores the best epoch's network as run `runId`'s bundle. */
export async function trainForceStage(ctx: JobContext, p: ForceJobParams, seed: number, runId = ctx.runId, splits?: DatasetSplits): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'reading the training and validation samples', true)
  const d = await baselineData(ctx, p, seed, p.validationSamples, splits)
  const started = performance.now()
  let done = 0
  // a refused metrics write stops the training and fails the job (ctx.listening)
  const r = await ctx.listening(({ signal, listen }) =>
    forceTrain(
      {
        ...sizesOf(d.train),
        neurons: p.neurons,
        seed,
        tauMemMs: p.tauMemMs,
        tauSynMs: p.tauSynMs,
        vReset: p.vReset,
        vPeak: p.vPeak,
        bias: p.bias,
        refractoryMs: p.refractoryMs,
        g: p.g,
        sparsity: p.sparsity,
        encoderScale: p.encoderScale,
        inputScale: p.inputScale,
        p0: p.p0,
        rlsEvery: p.rlsEvery,
        epochs: p.epochs,
        patience: p.patience,
        ...validatedData(d, ctx.threads(p.threads)),
      },
      {
        signal,
        onProgress: (f) => ctx.progress(0.05 + 0.85 * f, `training the read-out by RLS: epoch ${Math.min(p.epochs, done + 1)} of at most ${p.epochs}`),
        // each epoch's metrics are stored and streamed as it ends (the training page's curves grow live)
        onEpoch: listen((e: ForceEpochRecord) => {
          done = e.epoch
          ctx.epochMetrics(e.epoch, { trainMse: e.trainMse, valMse: e.valMse, valAccuracy: Number.isFinite(e.valAccuracy) ? e.valAccuracy : null, meanRateHz: e.valMeanRateHz, epochSeconds: e.seconds }, runId)
        }),
      },
    ),
  )
  const trainSeconds = (performance.now() - started) / 1000
  return finish(ctx, force, r.network, d, seed, ctx.threads(p.threads), runId, trainSeconds, r.bestEpoch)
}

/** Trains a BPTT spiking network; stores the epoch of the lowest validation MSE as run `runId`'s bundle. */
export async function trainBpttStage(ctx: JobContext, p: BpttJobParams, seed: number, runId = ctx.runId, splits?: DatasetSplits): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'reading the training and validation samples', true)
  const d = await baselineData(ctx, p, seed, p.validationSamples, splits)
  const started = performance.now()
  let done = 0
  // a refused metrics write stops the training and fails the job (ctx.listening)
  const r = await ctx.listening(({ signal, listen }) =>
    bpttTrain(
      {
        ...sizesOf(d.train),
        n1: p.layer1,
        n2: p.layer2,
        seed,
        tauMem1Ms: p.tauMem1Ms,
        tauSyn1Ms: p.tauSyn1Ms,
        tauMem2Ms: p.tauMem2Ms,
        tauSyn2Ms: p.tauSyn2Ms,
        tauOutMs: p.tauOutMs,
        inputScale: p.inputScale,
        ffScale: p.ffScale,
        lambdaMse: p.lambdaMse,
        lambdaWeights: p.lambdaWeights,
        lambdaRate: p.lambdaRate,
        stepSize: p.stepSize,
        beta1: p.beta1,
        beta2: p.beta2,
        epsilon: p.epsilon,
        batchSize: p.batchSize,
        epochs: p.epochs,
        ...validatedData(d, ctx.threads(p.threads)),
      },
      {
        signal,
        onProgress: (f) => ctx.progress(0.05 + 0.85 * f, `training by BPTT: epoch ${Math.min(p.epochs, done + 1)} of ${p.epochs}`),
        // each epoch's metrics are stored and streamed as it ends (the training page's curves grow live)
        onEpoch: listen((e: BpttEpochRecord) => {
          done = e.epoch
          ctx.epochMetrics(
            e.epoch,
            { trainLoss: e.trainLoss, trainMse: e.trainMse, trainMeanRateHz: e.trainMeanRateHz, valMse: e.valMse, valAccuracy: Number.isFinite(e.valAccuracy) ? e.valAccuracy : null, meanRateHz: e.valMeanRateHz, epochSeconds: e.seconds },
            runId,
          )
        }),
      },
    ),
  )
  const trainSeconds = (performance.now() - started) / 1000
  const net: LifNet = { ...r.network, layer1: p.layer1 }
  return finish(ctx, bpttSnn, net, d, seed, ctx.threads(p.threads), runId, trainSeconds, r.bestEpoch)
}

/**
 * Tests a trained baseline on the test split of the dataset it was trained on (`test`), else on fresh
 * samples of its task (seeded from the run's seed), optionally beside a teacher; with its fitted settings.
 */
export async function testBaseline(ctx: JobContext, network: LoadedNetwork, test: TimedDataset | undefined, testSamples: number, seed: number, threads: number, progress: (fraction: number) => void): Promise<EvalResult> {
  const samples = test ?? (await drawSamples(ctx, network.task, { count: testSamples, seed: derivedSeeds(seed).test }))
  return evaluate(network.task, simulator, network, samples, { threads, seed }, { signal: ctx.signal, onProgress: progress })
}

function precheckData(store: Store, kind: BaselineKind, params: Record<string, unknown>): void {
  const task = params.task as TaskName
  if (params.data !== undefined) {
    datasetOf(store, kind, 'data', params.data as number, task)
  } else if (!taskImpls[task].trainingSource) {
    const label = taskDescriptors[task].label
    throw fieldError(kind, 'data', `is required for the task ${label}, which has no stream of fresh samples: give a dataset of it (\`mimic data generate ${task}\` or an import makes one), --data DATASET_RUN.`)
  }
}

/** Trains the baseline of a job kind for run `runId` with its parsed parameters. */
export function trainBaselineStage(ctx: JobContext, kind: BaselineKind, params: Record<string, unknown>, seed: number, runId = ctx.runId, splits?: DatasetSplits): Promise<BaselineOutcome> {
  if (kind === 'train.reservoir') return trainReservoirStage(ctx, trainReservoirParams.parse(params, 'params'), seed, runId, splits)
  if (kind === 'train.force') return trainForceStage(ctx, trainForceParams.parse(params, 'params'), seed, runId, splits)
  return trainBpttStage(ctx, trainBpttSnnParams.parse(params, 'params'), seed, runId, splits)
}

function baselineJob(kind: BaselineKind): JobImpl {
  return {
    precheck(store, params) {
      precheckData(store, kind, params)
    },
    async run(ctx) {
      const started = performance.now()
      const seed = ctx.run.seed ?? 0
      const out = await trainBaselineStage(ctx, kind, ctx.run.params, seed)
      const schema = kind === 'train.reservoir' ? trainReservoirParams : kind === 'train.force' ? trainForceParams : trainBpttSnnParams
      const p: { testSamples: number; threads: number } = schema.parse(ctx.run.params, 'params')
      const testing = out.test ? 'testing on the test split' : 'testing on fresh samples'
      ctx.progress(0.92, testing, true)
      const t = await testBaseline(ctx, out.network, out.test, p.testSamples, seed, ctx.threads(p.threads), (f) => ctx.progress(0.92 + 0.075 * f, testing))
      ctx.progress(1, 'done', true)
      return {
        summary: {
          testAccuracy: t.accuracy,
          testUndecided: t.undecided,
          testMse: t.mse,
          meanRateHz: t.meanRateHz ?? NaN,
          bestEpoch: out.bestEpoch,
          trainSeconds: out.trainSeconds,
          wallSeconds: (performance.now() - started) / 1000,
          testSamples: t.samples,
          ...(out.test ? {} : { testSeed: derivedSeeds(seed).test }),
          ...out.fitted,
        },
      }
    },
  }
}

export const trainReservoirJob: JobImpl = baselineJob('train.reservoir')
export const trainForceJob: JobImpl = baselineJob('train.force')
export const trainBpttSnnJob: JobImpl = baselineJob('train.bptt-snn')
