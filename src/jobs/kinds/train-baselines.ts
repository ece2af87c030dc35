// Jobs "train.reservoir" and "train.force": the paper's baselines (METHOD.md §8) trained natively on
// fresh samples of a task (or on a dataset run), tested on fresh samples by the task's rule (the same
// evaluation as every architecture), stored as a bundle of their architecture.
import { forceTrain, reservoirTrain, type LifNetwork } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { trainForceParams, trainReservoirParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import type { TaskName } from '../../shared/tasks/index.ts'
import type { LoadedNetwork } from '../../plugins/architectures/index.ts'
import { inMemoryNetwork, saveBundle } from '../../plugins/architectures/bundle.ts'
import { force } from '../../plugins/architectures/force.ts'
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
export type BaselineName = 'reservoir' | 'force'

export interface BaselineOutcome {
  network: LoadedNetwork<LifNetwork>
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
    { signal: ctx.signal, onProgress: (f) => ctx.progress(0.05 + 0.85 * f, 'training the read-out by RLS') },
  )
  const trainSeconds = (performance.now() - started) / 1000
  for (const e of r.epochs) {
    ctx.epochMetrics(e.epoch, { trainMse: e.trainMse, valMse: e.valMse, valAccuracy: Number.isFinite(e.valAccuracy) ? e.valAccuracy : null, meanRateHz: e.valMeanRateHz, epochSeconds: e.seconds }, runId)
  }
  saveBundle(ctx.store, runId, force, r.network, { task })
  return { network: inMemoryNetwork(runId, force, r.network, { task }), task, trainSeconds, bestEpoch: r.bestEpoch }
}

/** Tests a trained baseline on fresh samples of its task (seeded from the run's seed), optionally beside a teacher. */
export async function testOnFreshSamples(ctx: JobContext, network: LoadedNetwork, testSamples: number, seed: number, threads: number, teacher?: LoadedNetwork): Promise<EvalResult> {
  const test = await drawSamples(ctx, network.task, { count: testSamples, seed: derivedSeeds(seed).test })
  return evaluate(network.task, simulator, network, test, { threads, seed, teacher }, { signal: ctx.signal })
}

function precheckData(store: Store, kind: 'train.reservoir' | 'train.force', params: Record<string, unknown>): void {
  if (params.data !== undefined) runOfKind(store, kind, 'data', params.data as number, ['dataset'])
}

function baselineJob(kind: 'train.reservoir' | 'train.force'): JobImpl {
  return {
    precheck(store, params) {
      precheckData(store, kind, params)
    },
    async run(ctx) {
      const started = performance.now()
      const seed = ctx.run.seed ?? 0
      const p = kind === 'train.reservoir' ? trainReservoirParams.parse(ctx.run.params, 'params') : trainForceParams.parse(ctx.run.params, 'params')
      const out = kind === 'train.reservoir' ? await trainReservoirStage(ctx, p as ReservoirJobParams, seed) : await trainForceStage(ctx, p as ForceJobParams, seed)
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
