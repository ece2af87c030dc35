// Job "train.ads": network ADS trained to mimic a rate-network teacher by the local learning rule
// (docs/method.md §4-5), natively, on fresh samples of the teacher's task; per-epoch metrics streamed; the
// best validation epoch kept; test accuracy on fresh samples. Stored as a bundle of architecture ads.
import { AdsTrainer, type AdsDataset, type AdsNetwork, type AdsTrainerOptions, type TaskDecision, type TeacherParams } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { trainAdsParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import { taskDescriptors, taskOfParams, type TaskDescriptor, type TaskName } from '../../shared/tasks/index.ts'
import { loadDatasetSplits, type DatasetSplits } from '../../plugins/datasets.ts'
import type { Store } from '../../store/index.ts'
import { ads, neuronParamNames, type AdsNet } from '../../plugins/architectures/ads.ts'
import { inMemoryNetwork, loadBundle, saveBundle } from '../../plugins/architectures/bundle.ts'
import type { LoadedNetwork } from '../../plugins/architectures/index.ts'
import { evaluate, type EvalResult } from '../../plugins/evaluate.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { JobContext } from '../context.ts'
import { datasetOf, fieldError, networkOf } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'
import { drawSamples } from '../samples.ts'
import { derivedSeeds, epochSamplesOf, fitSettings } from './train-teacher.ts'

/** The hyperparameters shared with the pipeline (trainAdsParams without teacher, test set and seed). */
export type AdsStageParams = Omit<Infer<typeof trainAdsParams>, 'teacher' | 'testSamples' | 'seed'>

export interface AdsOutcome {
  network: LoadedNetwork<AdsNet>
  bestEpoch: number
  /** the task's settings fitted on the validation samples (stored with the network) */
  fitted: Record<string, number>
  /** the decay time b the decaying η used, in training samples (recorded in the run's summary: from a decay share it depends on the training split's size) */
  etaDecaySamples?: number
}

/** The trainers' form of a dataset part. */
export function adsDataset(d: TimedDataset): AdsDataset {
  return { inputs: d.inputs, targets: d.targets, count: d.samples, steps: d.steps, ...(d.labels && d.outputs === 1 ? { labels: d.labels } : {}) }
}

/**
 * Trainer options from the job parameters (schedules as docs/method.md §5 describes them), on fresh
 * samples of `task`, or on a stored dataset's training split (validation on its validation split).
 */
export function adsTrainerOptions(teacher: TeacherParams, task: TaskName, p: AdsStageParams, seed: number, splits?: DatasetSplits): AdsTrainerOptions {
  let data: AdsTrainerOptions['data'], validation: AdsTrainerOptions['validation'], perEpoch: number
  if (splits) {
    data = adsDataset(splits.train)
    validation = adsDataset(splits.validation)
    perEpoch = epochSamplesOf(splits.train.samples, p.epochFraction)
  } else {
    const source = taskImpls[task].trainingSource?.({ samplesPerEpoch: p.samplesPerEpoch })
    if (!source) throw new Error(`the task ${taskDescriptors[task].label} cannot draw fresh training samples: give a dataset of it (--data DATASET_RUN)`)
    data = source.data
    validation = { count: p.validationSamples }
    perEpoch = p.samplesPerEpoch
  }
  const total = p.epochs * perEpoch
  return {
    teacher,
    neurons: p.neurons,
    seed,
    ebn: p.ebn,
    // the authors' scale leaves out the factor τ_mem of the construction (docs/method.md §9): g/τ_mem in its place
    g: p.fastWeightScale === 'authors' ? p.fastGain / (p.tauMemMs / 1000) : p.fastGain,
    inputGain: p.inputGain,
    mu: p.mu,
    nu: p.nu,
    params: Object.fromEntries(neuronParamNames.map((k) => [k, p[k]])),
    // η(t) = η0·exp(−t/b) + c, c defaults to the authors' 1e-7
    eta: p.etaSchedule === 'constant' ? p.eta : { exponential: { start: p.eta, decaySamples: etaDecaySamplesOf(p, total), floor: p.etaFloor } },
    k: p.kSchedule === 'constant' ? p.k : { staircase: { start: p.k, totalSamples: total, blocks: 8 } },
    rule: p.rule,
    data,
    shuffle: p.shuffle,
    ...(splits ? { epochSamples: perEpoch } : {}),
    decision: { task } as TaskDecision,
    validation,
    selection: p.selection,
    threads: p.threads,
    ...(p.trainDeath > 0 ? { trainDeath: p.trainDeath } : {}),
  }
}

/**
 * The decay time b of the decaying η, in training samples: as given; else from the decay share (η falls
 * 100-fold over that share of the `total` training samples), rounded to whole samples; else the authors'
 * (total/2)/ln(100), unrounded.
 */
export function etaDecaySamplesOf(p: { etaDecaySamples?: number; etaDecayFraction?: number }, total: number): number {
  if (p.etaDecaySamples !== undefined) return p.etaDecaySamples
  if (p.etaDecayFraction !== undefined) return Math.max(1, Math.round((p.etaDecayFraction * total) / Math.log(100)))
  return total / 2 / Math.log(100)
}

/** The trained network in the form of the ads architecture. */
function adsNet(network: AdsNetwork, ebn: boolean): AdsNet {
  return { spec: network, params: network.params, thresholds: null, variant: ebn ? 'ebn' : 'no-ebn' }
}

/**
 * Trains network ADS for run `runId` on `task` (fresh samples, or the training split of `splits`),
 * streaming per-epoch metrics; fits the task's settings (a decision boundary) on the validation samples
 * and stores the selected network with them as its bundle.
 */
export async function trainAdsStage(ctx: JobContext, teacher: TeacherParams, task: TaskName, p: AdsStageParams, seed: number, runId = ctx.runId, splits?: DatasetSplits): Promise<AdsOutcome> {
  // Built on a worker thread (the EBN is O(N²·D) and the validation samples are drawn): cancellable.
  const options = adsTrainerOptions(teacher, task, p, seed, splits)
  const trainer = await AdsTrainer.create(
    { ...options, threads: ctx.threads(p.threads) },
    { signal: ctx.signal, onProgress: (f) => ctx.setup(`building the balanced network of ${p.neurons} neurons`, f) },
  )
  await ctx.trainEpochs(
    trainer,
    p.epochs,
    {
      share: 0.97,
      running: 'training the spiking network',
      metrics: (r) => ({
        trainReconstructionError: r.trainReconstructionError,
        trainMeanRateHz: r.trainMeanRateHz,
        k: r.k,
        eta: r.eta,
        valReconstructionError: r.valReconstructionError,
        valAccuracy: r.valAccuracy,
        valOutputMse: r.valOutputMse,
        meanRateHz: r.meanRateHz,
      }),
      epochResult: (r) => `reconstruction error ${(r.valReconstructionError ?? r.trainReconstructionError).toPrecision(3)}`,
    },
    runId,
  )
  const net = adsNet(trainer.getBestNetwork() ?? trainer.getNetwork(), p.ebn)
  // The validation samples the boundary is fitted on: the dataset's, or (a generated task with fitted settings) fresh ones.
  const needsFit = (taskDescriptors[task] as TaskDescriptor).fitted.length > 0
  const validation = splits?.validation ?? (needsFit ? await drawSamples(ctx, task, { count: p.validationSamples, seed: derivedSeeds(seed).validation }) : undefined)
  const fitted = validation ? await fitSettings(ctx, task, inMemoryNetwork(runId, ads, net, { task }), validation, seed, ctx.threads(p.threads)) : {}
  // (the trainer's last report can follow its last epoch's: say what runs now; ~0.5 s at N = 4096)
  ctx.progress(0.97, 'storing the network', true)
  saveBundle(ctx.store, runId, ads, net, { task, fitted })
  const eta = options.eta
  return { network: inMemoryNetwork(runId, ads, net, { task, fitted }), bestEpoch: trainer.bestEpoch, fitted, ...(typeof eta === 'object' ? { etaDecaySamples: eta.exponential.decaySamples } : {}) }
}

/** Scores a trained network on a test set against its teacher (k = 0, no learning), on the software simulator. */
export function testAgainstTeacher(ctx: JobContext, network: LoadedNetwork, teacher: LoadedNetwork, test: TimedDataset, threads: number, seed: number, progress: (fraction: number) => void): Promise<EvalResult> {
  return evaluate(network.task, simulator, network, test, { teacher, threads, seed }, { signal: ctx.signal, onProgress: progress })
}

/** The dataset train.ads uses: --data, else the teacher's dataset when it was trained on one, else none (fresh samples). */
function adsDataRun(store: Store, p: { data?: number; teacher: number }): number | undefined {
  if (p.data !== undefined) return p.data
  const t = store.runs.get(p.teacher).params.data
  return typeof t === 'number' ? t : undefined
}

export const trainAds: JobImpl = {
  precheck(store, params) {
    const teacher = networkOf(store, 'train.ads', 'teacher', params.teacher as number)
    if (teacher.record.architecture !== 'rate') {
      throw fieldError('train.ads', 'teacher', `is run ${teacher.run.id} “${teacher.run.name}”, a ${teacher.arch.label}: choose a teacher run (a rate network).`)
    }
    const p = trainAdsParams.parse(params, 'params')
    const task = taskOfParams(teacher.run.params)
    const data = adsDataRun(store, p)
    if (data !== undefined) datasetOf(store, 'train.ads', 'data', data, task)
    else if (!taskImpls[task].trainingSource) throw fieldError('train.ads', 'data', `is empty, and the teacher's task ${taskDescriptors[task].label} has no native stream of fresh training samples: give a dataset of it (--data DATASET_RUN).`)
  },
  async run(ctx) {
    const p = trainAdsParams.parse(ctx.run.params, 'params')
    const seed = ctx.run.seed ?? 0
    const teacher = loadBundle<TeacherParams>(ctx.store, p.teacher)
    const dataRun = adsDataRun(ctx.store, p)
    const splits = dataRun !== undefined ? loadDatasetSplits(ctx.store, dataRun) : undefined
    const out = await trainAdsStage(ctx, teacher.net, teacher.task, p, seed, ctx.runId, splits)
    const testing = splits ? `testing on the test split of dataset run ${splits.runId}` : 'testing on fresh samples'
    ctx.progress(0.985, testing, true)
    const test = splits?.test ?? (await drawSamples(ctx, teacher.task, { count: p.testSamples, seed: derivedSeeds(seed).test }))
    const t = await testAgainstTeacher(ctx, out.network, teacher, test, ctx.threads(p.threads), seed, (f) => ctx.progress(0.985 + 0.014 * f, testing))
    ctx.progress(1, 'done', true)
    return {
      summary: {
        testAccuracy: t.accuracy,
        testUndecided: t.undecided,
        testSamples: test.samples,
        reconstructionError: t.reconstructionError ?? NaN,
        testOutputMse: t.mse,
        meanRateHz: t.meanRateHz ?? NaN,
        bestEpoch: out.bestEpoch,
        ...(out.etaDecaySamples !== undefined ? { etaDecaySamples: out.etaDecaySamples } : {}),
        ...(splits ? { dataset: splits.runId } : { testSeed: derivedSeeds(seed).test }),
        ...out.fitted,
      },
    }
  },
}
