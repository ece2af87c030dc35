// Job "train.teacher": the rate-network teacher of docs/method.md §3 trained by BPTT on fresh samples of a
// task, with per-epoch metrics streamed, the best validation epoch kept, and test accuracy on fresh
// samples as the headline number. The teacher is stored as a bundle of the rate architecture.
import { initTeacher, taskScore, TeacherTrainer, type TaskDecision, type TeacherParams, type TeacherTrainerOptions } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { trainTeacherParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import { taskDescriptors, type TaskDescriptor, type TaskName } from '../../shared/tasks/index.ts'
import { inMemoryNetwork, saveBundle } from '../../plugins/architectures/bundle.ts'
import { rate } from '../../plugins/architectures/rate.ts'
import type { LoadedNetwork } from '../../plugins/architectures/index.ts'
import { loadDatasetSplits, type DatasetSplits } from '../../plugins/datasets.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { TargetOutput } from '../../plugins/targets/target.ts'
import type { JobContext } from '../context.ts'
import { datasetOf, fieldError } from '../prechecks.ts'
import { drawSamples } from '../samples.ts'
import type { JobImpl } from './kind.ts'

export type TeacherJobParams = Infer<typeof trainTeacherParams>

/** Validation and test sets come from seeds derived from the run's seed (recorded in the summary). */
export function derivedSeeds(seed: number): { validation: number; test: number } {
  return { validation: (seed * 7 + 1_000_003) % Number.MAX_SAFE_INTEGER, test: (seed * 7 + 2_000_003) % Number.MAX_SAFE_INTEGER }
}

export interface TeacherOutcome {
  params: TeacherParams
  testAccuracy: number
  /** test samples with no decision (counted as wrong) */
  testUndecided: number
  testMse: number
  /** how many test samples it was scored on (a dataset's test split, or the fresh samples drawn) */
  testSamples: number
  bestEpoch: number
  /** its run on a given test set, with its trajectory (for scoring a spiking network beside it) */
  testOutput: TargetOutput | null
  /** the task's settings fitted on the validation samples (stored with the network) */
  fitted: Record<string, number>
}

/** The training samples of one epoch on a dataset: the epoch fraction of its training split, at least one (docs/method.md §5). */
export function epochSamplesOf(trainSamples: number, fraction: number): number {
  return Math.max(1, Math.min(trainSamples, Math.round(fraction * trainSamples)))
}

/**
 * Trains a teacher for run `runId` (the job's own run, or a pipeline's stage run) on `p.task` and
 * scores it on `testSet`, or on fresh samples drawn from the seed when none is given. Its run on a
 * given test set keeps the trajectory and is returned, so that a later stage need not run it again.
 */
export async function trainTeacherStage(ctx: JobContext, p: TeacherJobParams, seed: number, runId = ctx.runId, testSet?: TimedDataset, splits?: DatasetSplits): Promise<TeacherOutcome> {
  const seeds = derivedSeeds(seed)
  const sampleOptions = { durationS: p.durationS, dtMs: 1 }
  // Training data: a stored dataset's training split (its validation split for the best epoch and the
  // fitted settings), or fresh samples of the task's native stream each epoch.
  const stored = splits ?? (p.data !== undefined ? loadDatasetSplits(ctx.store, p.data) : undefined)
  let data: TeacherTrainerOptions['data']
  let validation: TimedDataset | undefined
  let epochSamples: number | undefined
  if (stored) {
    data = { inputs: stored.train.inputs, targets: stored.train.targets, count: stored.train.samples, steps: stored.train.steps, ...(stored.train.labels ? { labels: stored.train.labels } : {}) }
    validation = stored.validation
    epochSamples = epochSamplesOf(stored.train.samples, p.epochFraction)
  } else {
    const source = taskImpls[p.task].trainingSource?.({ samplesPerEpoch: p.samplesPerEpoch, durationS: p.durationS })
    if (!source) throw new Error(`the task ${taskDescriptors[p.task].label} cannot draw fresh training samples: give a dataset of it (--data DATASET_RUN)`)
    data = source.data
    validation = p.validationSamples > 0 ? await drawSamples(ctx, p.task, { count: p.validationSamples, seed: seeds.validation, ...sampleOptions }) : undefined
  }
  const descriptor: TaskDescriptor = taskDescriptors[p.task]
  if (descriptor.channels === 'any' || descriptor.outputs === 'any') throw new Error(`the task ${descriptor.label} has no fixed number of channels and outputs to build a teacher for`)
  // the recurrent weights are scaled to a spectral radius: an eigenvalue problem of units³ (5.5 s at 1024
  // units), said while it runs; the bar stays at its start (the epochs' share begins there)
  const init = await initTeacher(
    { units: p.units, channels: descriptor.channels, outputs: descriptor.outputs, seed },
    { signal: ctx.signal, onProgress: (f) => ctx.setup(`drawing the initial weights: the spectral radius of the ${p.units} × ${p.units} recurrent weights`, f) },
  )
  const trainer = new TeacherTrainer({
    params: init,
    loss: {
      lambdaMse: p.lambdaMse,
      lambdaTau: p.lambdaTau,
      tauMinMs: p.tauMinMs,
      lambdaMaxTau: p.lambdaMaxTau,
      lambdaRec: p.lambdaRec,
      lambdaDiag: p.lambdaDiag,
      lambdaBias: p.lambdaBias,
      tauUnit: p.lossTauUnit,
    },
    stepSize: p.stepSize,
    beta1: p.beta1,
    beta2: p.beta2,
    epsilon: p.epsilon,
    tauStepUnit: p.tauStepUnit,
    clipNorm: p.clipNorm,
    ...(p.stepSizeSchedule === 'cosine' ? { stepSizeSchedule: { cosineEpochs: p.epochs, floor: p.stepSizeFloor } } : {}),
    batchSize: p.batchSize,
    threads: ctx.threads(p.threads),
    seed,
    data,
    shuffle: p.shuffle,
    ...(epochSamples !== undefined ? { epochSamples } : {}),
    decision: { task: p.task } as TaskDecision,
    validation: validation ? { inputs: validation.inputs, targets: validation.targets, count: validation.samples, steps: validation.steps, ...(validation.labels ? { labels: validation.labels } : {}) } : undefined,
    keepBest: p.keepBest && validation !== undefined,
  })
  await ctx.trainEpochs(
    trainer,
    p.epochs,
    {
      share: 0.95,
      running: 'training the teacher',
      metrics: (r) => ({
        loss: r.loss,
        mse: r.mse,
        gradNorm: r.gradNorm,
        tauMinMs: r.tauMinMs,
        tauMaxMs: r.tauMaxMs,
        stepSize: r.stepSize,
        trainAccuracy: r.accuracy,
        valAccuracy: r.valAccuracy,
        valMse: r.valMse,
      }),
      epochResult: (r) => `loss ${r.loss.toPrecision(4)}`,
    },
    runId,
  )
  const params = (p.keepBest ? trainer.getBestParams() : null) ?? trainer.getParams()
  // The task's fitted settings (a decision boundary), fitted on the validation outputs and stored with the network.
  const fitted = validation ? await fitSettings(ctx, p.task, inMemoryNetwork(runId, rate, params, { task: p.task }), validation, seed, ctx.threads(p.threads)) : {}
  ctx.progress(0.96, stored ? `testing the teacher on the test split of dataset run ${stored.runId}` : 'testing the teacher on fresh samples', true)
  const test = testSet ?? stored?.test ?? (await drawSamples(ctx, p.task, { count: p.testSamples, seed: seeds.test, ...sampleOptions }))
  const net = inMemoryNetwork(runId, rate, params, { task: p.task, fitted })
  const out = await simulator.run(
    net,
    { inputs: test.inputs, count: test.samples, steps: test.steps, channels: test.channels, dtMs: test.dtMs },
    { seed, threads: ctx.threads(p.threads), record: { trajectories: testSet !== undefined } },
    { signal: ctx.signal },
  )
  // The task's rule decides every sample and output; labels are the dataset's, or read from the targets by the same rule.
  const decision = taskScore(p.task, { outputs: out.outputs, shape: [test.samples, test.steps, test.outputs], fitted, ...(test.labels && test.outputs === 1 ? { labels: test.labels } : { targets: test.targets }) })
  let undecided = 0
  for (let b = 0; b < test.samples; b++) if (decision.decisions[b * test.outputs] === 0) undecided++
  let se = 0
  for (let i = 0; i < out.outputs.length; i++) se += (out.outputs[i] - test.targets[i]) ** 2
  const shown = Math.min(8, test.samples)
  const slice = (a: Float32Array, width: number): Float32Array => a.slice(0, shown * test.steps * width)
  saveBundle(ctx.store, runId, rate, params, { task: p.task, fitted }, [
    { name: 'test.inputs', data: slice(test.inputs, test.channels), shape: [shown, test.steps, test.channels] },
    { name: 'test.targets', data: slice(test.targets, test.outputs), shape: [shown, test.steps, test.outputs] },
    { name: 'test.outputs', data: slice(out.outputs, test.outputs), shape: [shown, test.steps, test.outputs] },
    // the label (first output, as an evaluation's `labels`) and the decisions of the shown samples:
    // the teacher's page draws them (the UI has no copy of the rule)
    { name: 'test.labels', data: Int8Array.from({ length: shown }, (_, b) => decision.labels![b * test.outputs]), shape: [shown] },
    { name: 'test.predictions', data: decision.decisions.slice(0, shown * test.outputs), shape: [shown, test.outputs] },
  ])
  return {
    params,
    testAccuracy: decision.accuracy!,
    testUndecided: undecided,
    testMse: se / out.outputs.length,
    testSamples: test.samples,
    bestEpoch: trainer.bestEpoch,
    testOutput: testSet ? out : null,
    fitted,
  }
}

/**
 * The settings a task's rule fits on validation data (a decision boundary; none for most tasks): the
 * network run on the validation samples (the simulator), then taskScore with fit (docs/method.md §6).
 */
export async function fitSettings(ctx: JobContext, task: TaskName, network: LoadedNetwork, validation: TimedDataset, seed: number, threads: number): Promise<Record<string, number>> {
  if ((taskDescriptors[task] as TaskDescriptor).fitted.length === 0) return {}
  ctx.progress(0.955, 'fitting the decision boundary on the validation samples', true)
  const out = await simulator.run(
    network,
    { inputs: validation.inputs, count: validation.samples, steps: validation.steps, channels: validation.channels, dtMs: validation.dtMs },
    { seed, threads },
    { signal: ctx.signal },
  )
  const r = taskScore(task, { outputs: out.outputs, shape: [validation.samples, validation.steps, validation.outputs], fit: true, ...(validation.labels && validation.outputs === 1 ? { labels: validation.labels } : { targets: validation.targets }) })
  return r.fitted ?? {}
}

export const trainTeacher: JobImpl = {
  precheck(store, params) {
    const p = trainTeacherParams.parse(params, 'params')
    if (p.data !== undefined) {
      datasetOf(store, 'train.teacher', 'data', p.data, p.task)
      return
    }
    if (!taskImpls[p.task].trainingSource) throw fieldError('train.teacher', 'task', `is ${taskDescriptors[p.task].label}, which has no native stream of fresh training samples: give a dataset of it (--data DATASET_RUN, e.g. from \`mimic data generate ${p.task}\`) or choose a task with one (\`mimic tasks list\`).`)
  },
  async run(ctx) {
    const p = trainTeacherParams.parse(ctx.run.params, 'params')
    const seed = ctx.run.seed ?? 0
    const out = await trainTeacherStage(ctx, p, seed)
    const seeds = derivedSeeds(seed)
    ctx.progress(1, 'done', true)
    return {
      summary: {
        testAccuracy: out.testAccuracy,
        testUndecided: out.testUndecided,
        testMse: out.testMse,
        testSamples: out.testSamples,
        bestEpoch: out.bestEpoch,
        epochs: p.epochs,
        ...(p.data === undefined ? { validationSeed: seeds.validation, testSeed: seeds.test } : {}),
        ...out.fitted,
      },
    }
  },
}
