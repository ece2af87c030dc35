// Jobs "train.reservoir" and "train.force": the paper's baselines (METHOD.md §8) trained natively on
// fresh samples of a task (or on a dataset run), tested on fresh samples by the task's rule (the same
// evaluation as every architecture), stored as a bundle of their architecture.
import { bpttTrain, forceTrain, reservoirTrain } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { trainBpttSnnParams, trainForceParams, trainReservoirParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import type { TaskName } from '../../shared/tasks/index.ts'
import type { LoadedNetwork } from '../../plugins/architectures/index.ts'
import { inMemoryNetwork, saveBundle } from '../../plugins/architectures/bundle.ts'
import { bpttSnn } from '../../plugins/architectures/bptt-snn.ts'
import { force } from '../../plugins/architectures/force.ts'
import type { LifNet } from '../../plugins/architectures/lif.ts'
import { reservoir } from '../../plugins/architectures/reservoir.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { evaluate, type EvalResult } from '../../plugins/evaluate.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { JobContext } from '../context.ts'
import { runOfKind } from '../prechecks.ts'
import type { Store } from '../../store/index.ts'
import type { JobImpl } from './kind.ts'
import { derivedSeeds, drawSamples } from './train-teacher.ts'

export type ReservoirJobParams = Infer<typeof trainReservoirParams>
export type ForceJobParams = Infer<typeof trainForceParams>
export type BpttJobParams = Infer<typeof trainBpttSnnParams>
export type BaselineKind = 'train.reservoir' | 'train.force' | 'train.bptt-snn'

export interface BaselineOutcome {
  network: LoadedNetwork<LifNet>
  task: TaskName
  trainSeconds: number
  bestEpoch: number
}

const arrays = (d: TimedDataset) => ({ inputs: d.inputs, targets: d.targets, count: d.samples, steps: d.steps })

/** The training samples: the dataset run given, or fresh samples of the task (from a seed derived from the run's). */
async function trainingSet(ctx: JobContext, p: { task: TaskName; data?: number; trainSamples: number; durationS: number }, seed: number): Promise<{ data: TimedDataset; task: TaskName }> {
  if (p.data !== undefined) {
    const d = loadDataset(ctx.store, p.data)
    return { data: d, task: d.task }
  }
  const trainSeed = (seed * 7 + 3_000_003) % Number.MAX_SAFE_INTEGER
  return { data: await drawSamples(ctx, p.task, { count: p.trainSamples, seed: trainSeed, durationS: p.durationS, dtMs: 1 }), task: p.task }
}

/** The network's sizes: the samples' channels and outputs (of the task, or of the dataset given). */
function sizesOf(d: TimedDataset): { channels: number; outputs: number } {
  return { channels: d.channels, outputs: d.outputs }
}

/** Builds a reservoir and fits its read-out; stores it as run `runId`'s bundle. */
export async function trainReservoirStage(ctx: JobContext, p: ReservoirJobParams, seed: number, runId = ctx.runId): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'drawing the training samples', true)
  const { data, task } = await trainingSet(ctx, p, seed)
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
    { signal: ctx.signal, onProgress: (f) => ctx.progress(0.05 + 0.85 * f, 'collecting reservoir states') },
  )
  const trainSeconds = (performance.now() - started) / 1000
  ctx.epochMetrics(1, { trainMse: r.trainMse, trainMeanRateHz: r.meanRateHz }, runId)
  saveBundle(ctx.store, runId, reservoir, r.network, { task })
  return { network: inMemoryNetwork(runId, reservoir, r.network, { task }), task, trainSeconds, bestEpoch: 1 }
}

/** Trains a FORCE network by RLS with early stopping on validation; stores the best epoch's network as run `runId`'s bundle. */
export async function trainForceStage(ctx: JobContext, p: ForceJobParams, seed: number, runId = ctx.runId): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'drawing the training and validation samples', true)
  const { data, task } = await trainingSet(ctx, p, seed)
  const validation = await drawSamples(ctx, task, { count: p.validationSamples, seed: derivedSeeds(seed).validation, durationS: data.steps * data.dtMs / 1000, dtMs: data.dtMs })
  const started = performance.now()
  let done = 0
  const r = await forceTrain(
    {
      ...sizesOf(data),
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
      dtMs: data.dtMs,
      threads: ctx.threads(p.threads),
      train: arrays(data),
      validation: arrays(validation),
      decision: { task } as never,
    },
    {
      signal: ctx.signal,
      onProgress: (f) => ctx.progress(0.05 + 0.85 * f, `training the read-out by RLS: epoch ${Math.min(p.epochs, done + 1)} of at most ${p.epochs}`),
      // each epoch's metrics are stored and streamed as it ends (the training page's curves grow live)
      onEpoch: (e) => {
        done = e.epoch
        ctx.epochMetrics(e.epoch, { trainMse: e.trainMse, valMse: e.valMse, valAccuracy: Number.isFinite(e.valAccuracy) ? e.valAccuracy : null, meanRateHz: e.valMeanRateHz, epochSeconds: e.seconds }, runId)
      },
    },
  )
  const trainSeconds = (performance.now() - started) / 1000
  saveBundle(ctx.store, runId, force, r.network, { task })
  return { network: inMemoryNetwork(runId, force, r.network, { task }), task, trainSeconds, bestEpoch: r.bestEpoch }
}

/** Trains a BPTT spiking network; stores the epoch of the lowest validation MSE as run `runId`'s bundle. */
export async function trainBpttStage(ctx: JobContext, p: BpttJobParams, seed: number, runId = ctx.runId): Promise<BaselineOutcome> {
  ctx.progress(0.02, 'drawing the training and validation samples', true)
  const { data, task } = await trainingSet(ctx, p, seed)
  const validation = await drawSamples(ctx, task, { count: p.validationSamples, seed: derivedSeeds(seed).validation, durationS: data.steps * data.dtMs / 1000, dtMs: data.dtMs })
  const started = performance.now()
  let done = 0
  const r = await bpttTrain(
    {
      ...sizesOf(data),
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
      dtMs: data.dtMs,
      threads: ctx.threads(p.threads),
      train: arrays(data),
      validation: arrays(validation),
      decision: { task } as never,
    },
    {
      signal: ctx.signal,
      onProgress: (f) => ctx.progress(0.05 + 0.85 * f, `training by BPTT: epoch ${Math.min(p.epochs, done + 1)} of ${p.epochs}`),
      // each epoch's metrics are stored and streamed as it ends (the training page's curves grow live)
      onEpoch: (e) => {
        done = e.epoch
        ctx.epochMetrics(
          e.epoch,
          { trainLoss: e.trainLoss, trainMse: e.trainMse, trainMeanRateHz: e.trainMeanRateHz, valMse: e.valMse, valAccuracy: Number.isFinite(e.valAccuracy) ? e.valAccuracy : null, meanRateHz: e.valMeanRateHz, epochSeconds: e.seconds },
          runId,
        )
      },
    },
  )
  const trainSeconds = (performance.now() - started) / 1000
  const net: LifNet = { ...r.network, layer1: p.layer1 }
  saveBundle(ctx.store, runId, bpttSnn, net, { task })
  return { network: inMemoryNetwork(runId, bpttSnn, net, { task }), task, trainSeconds, bestEpoch: r.bestEpoch }
}

/** Tests a trained baseline on fresh samples of its task (seeded from the run's seed), optionally beside a teacher. */
export async function testOnFreshSamples(ctx: JobContext, network: LoadedNetwork, testSamples: number, seed: number, threads: number, teacher?: LoadedNetwork): Promise<EvalResult> {
  const test = await drawSamples(ctx, network.task, { count: testSamples, seed: derivedSeeds(seed).test })
  return evaluate(network.task, simulator, network, test, { threads, seed, teacher }, { signal: ctx.signal })
}

function precheckData(store: Store, kind: BaselineKind, params: Record<string, unknown>): void {
  if (params.data !== undefined) runOfKind(store, kind, 'data', params.data as number, ['dataset'])
}

/** Trains the baseline of a job kind for run `runId` with its parsed parameters. */
export function trainBaselineStage(ctx: JobContext, kind: BaselineKind, params: Record<string, unknown>, seed: number, runId = ctx.runId): Promise<BaselineOutcome> {
  if (kind === 'train.reservoir') return trainReservoirStage(ctx, trainReservoirParams.parse(params, 'params'), seed, runId)
  if (kind === 'train.force') return trainForceStage(ctx, trainForceParams.parse(params, 'params'), seed, runId)
  return trainBpttStage(ctx, trainBpttSnnParams.parse(params, 'params'), seed, runId)
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
      ctx.progress(0.92, 'testing on fresh samples', true)
      const t = await testOnFreshSamples(ctx, out.network, p.testSamples, seed, ctx.threads(p.threads))
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
          testSeed: derivedSeeds(seed).test,
        },
      }
    },
  }
}

export const trainReservoirJob: JobImpl = baselineJob('train.reservoir')
export const trainForceJob: JobImpl = baselineJob('train.force')
export const trainBpttSnnJob: JobImpl = baselineJob('train.bptt-snn')
