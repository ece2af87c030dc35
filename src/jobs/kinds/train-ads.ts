// Job "train.ads": network ADS trained to mimic a teacher by the local learning rule (METHOD.md §4-5),
// natively; per-epoch metrics streamed; the best validation epoch kept; test accuracy on fresh samples.
import { AdsTrainer, evaluateAds, generateXor, teacherForward, type AdsNetwork, type AdsTrainerOptions, type TeacherParams } from '../../../native/index.ts'
import { trainAdsParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import { undecidedCount } from '../../tasks/evaluate.ts'
import { networkArtifacts, neuronParamNames } from '../../tasks/network-format.ts'
import { loadTeacher } from '../../tasks/teacher-format.ts'
import type { JobContext, JobResult } from '../context.ts'
import { derivedSeeds, type TestSet } from './train-teacher.ts'

/** The hyperparameters shared with the pipeline (trainAdsParams without teacher, test set and seed). */
export type AdsStageParams = Omit<Infer<typeof trainAdsParams>, 'teacher' | 'testSamples' | 'seed'>

export interface AdsOutcome {
  network: AdsNetwork
  bestEpoch: number
}

/** Trainer options from the job parameters (schedules as METHOD.md §5 describes them). */
export function adsTrainerOptions(teacher: TeacherParams, p: AdsStageParams, seed: number): AdsTrainerOptions {
  const total = p.epochs * p.samplesPerEpoch
  return {
    teacher,
    neurons: p.neurons,
    seed,
    ebn: p.ebn,
    g: p.fastGain,
    inputGain: p.inputGain,
    mu: p.mu,
    nu: p.nu,
    params: Object.fromEntries(neuronParamNames.map((k) => [k, p[k]])),
    // η(t) = η0·exp(−t/b) + c; b left empty is the authors' (total/2)/ln(100), c defaults to their 1e-7.
    eta:
      p.etaSchedule === 'constant'
        ? p.eta
        : { exponential: { start: p.eta, decaySamples: p.etaDecaySamples ?? total / 2 / Math.log(100), floor: p.etaFloor } },
    k: p.kSchedule === 'constant' ? p.k : { staircase: { start: p.k, totalSamples: total, blocks: 8 } },
    rule: p.rule,
    data: { xor: { samplesPerEpoch: p.samplesPerEpoch } },
    validation: { count: p.validationSamples },
    selection: p.selection,
    threads: p.threads,
  }
}

/** Trains network ADS for run `runId`, streaming per-epoch metrics; stores the selected network. */
export async function trainAdsStage(ctx: JobContext, teacher: TeacherParams, p: AdsStageParams, seed: number, runId = ctx.runId): Promise<AdsOutcome> {
  // Built on a worker thread (the EBN is O(N²·D) and the validation samples are drawn): cancellable.
  const trainer = await AdsTrainer.create(adsTrainerOptions(teacher, p, seed), { signal: ctx.signal })
  await ctx.trainEpochs(
    trainer,
    p.epochs,
    {
      share: 1,
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
  const network = trainer.getBestNetwork() ?? trainer.getNetwork()
  ctx.artifacts(networkArtifacts(network, network.params, null), runId)
  return { network, bestEpoch: trainer.bestEpoch }
}

export interface AdsTestOutcome {
  accuracy: number
  /** test samples with no decision (counted as wrong) */
  undecided: number
  reconstructionError: number
  outputMse: number
  meanRateHz: number
}

/** Scores a trained network on a test set against its teacher (k = 0, no learning). */
export async function testAds(ctx: JobContext, network: AdsNetwork, teacher: TeacherParams, test: TestSet, threads: number, seed: number): Promise<AdsTestOutcome> {
  const xhat = await teacherForward(teacher, { inputs: test.inputs, count: test.count, steps: test.steps }, { threads, activations: true }, { signal: ctx.signal })
  const r = await evaluateAds(
    network,
    { inputs: test.inputs, targets: test.targets, count: test.count, steps: test.steps, teacherTargets: xhat.activations },
    { seed, threads, record: { output: false, smoothed: false } },
    { signal: ctx.signal },
  )
  return { accuracy: r.accuracy ?? 0, undecided: undecidedCount(r.predictions, test.count), reconstructionError: r.reconstructionError ?? NaN, outputMse: r.outputMse ?? NaN, meanRateHz: r.meanRateHz }
}

export async function runTrainAds(ctx: JobContext): Promise<JobResult> {
  const p = trainAdsParams.parse(ctx.run.params, 'params')
  const seed = ctx.run.seed ?? 0
  const teacher = loadTeacher(ctx.store, p.teacher)
  const out = await trainAdsStage(ctx, teacher, p, seed)
  ctx.progress(0.97, 'testing on fresh samples', true)
  const test = await generateXor({ count: p.testSamples, seed: derivedSeeds(seed).test }, { signal: ctx.signal })
  const t = await testAds(ctx, out.network, teacher, test, p.threads, seed)
  ctx.progress(1, 'done', true)
  return {
    summary: {
      testAccuracy: t.accuracy,
      testUndecided: t.undecided,
      reconstructionError: t.reconstructionError,
      testOutputMse: t.outputMse,
      meanRateHz: t.meanRateHz,
      bestEpoch: out.bestEpoch,
      testSeed: derivedSeeds(seed).test,
    },
  }
}
