// Job "train.teacher": the rate-network teacher of METHOD.md §3 trained by BPTT on fresh temporal-XOR
// samples, with per-epoch metrics streamed, the best validation epoch kept, and test accuracy on
// fresh samples as the headline number.
import { generateXor, initTeacher, teacherForward, TeacherTrainer, xorDecision, type TeacherForwardResult, type TeacherParams } from '../../../native/index.ts'
import { trainTeacherParams } from '../../shared/jobkinds/index.ts'
import type { Infer } from '../../shared/schema.ts'
import { undecidedCount } from '../../tasks/evaluate.ts'
import { teacherArtifacts } from '../../tasks/teacher-format.ts'
import type { JobContext, JobResult } from '../context.ts'

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
  bestEpoch: number
  /** the forward pass on a given test set, with activations (for scoring a spiking network beside it) */
  testForward: TeacherForwardResult | null
}

export interface TestSet {
  inputs: Float32Array
  targets: Float32Array
  count: number
  steps: number
}

/**
 * Trains a teacher for run `runId` (the job's own run, or a pipeline's stage run) and scores it on
 * `testSet`, or on fresh samples drawn from the seed when none is given. The forward pass on a given
 * test set keeps the activations and is returned, so that a later stage need not run it again.
 */
export async function trainTeacherStage(ctx: JobContext, p: TeacherJobParams, seed: number, runId = ctx.runId, testSet?: TestSet): Promise<TeacherOutcome> {
  const seeds = derivedSeeds(seed)
  const dtS = 0.001
  const xor = { durationS: p.durationS, dtS }
  const validation =
    p.validationSamples > 0 ? await generateXor({ count: p.validationSamples, seed: seeds.validation, ...xor }, { signal: ctx.signal }) : undefined
  const init = await initTeacher({ units: p.units, channels: 1, outputs: 1, seed }, { signal: ctx.signal })
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
    batchSize: p.batchSize,
    threads: p.threads,
    seed,
    data: { xor: { samplesPerEpoch: p.samplesPerEpoch, durationS: p.durationS } },
    validation: validation
      ? { inputs: validation.inputs, targets: validation.targets, count: validation.count, steps: validation.steps }
      : undefined,
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
        trainAccuracy: r.accuracy,
        valAccuracy: r.valAccuracy,
        valMse: r.valMse,
      }),
      epochResult: (r) => `loss ${r.loss.toPrecision(4)}`,
    },
    runId,
  )
  const params = (p.keepBest ? trainer.getBestParams() : null) ?? trainer.getParams()
  ctx.progress(0.96, 'testing the teacher on fresh samples', true)
  const test = testSet ?? (await generateXor({ count: p.testSamples, seed: seeds.test, ...xor }, { signal: ctx.signal }))
  const fwd = await teacherForward(params, { inputs: test.inputs, count: test.count, steps: test.steps }, { threads: p.threads, activations: testSet !== undefined }, { signal: ctx.signal })
  const decision = xorDecision(fwd.outputs, { count: test.count, steps: test.steps }, test.targets)
  let se = 0
  for (let i = 0; i < fwd.outputs.length; i++) se += (fwd.outputs[i] - test.targets[i]) ** 2
  const shown = Math.min(8, test.count)
  const slice = (a: Float32Array): Float32Array => a.slice(0, shown * test.steps)
  ctx.artifacts(
    [
      ...teacherArtifacts(params),
      { name: 'test.inputs', data: slice(test.inputs), shape: [shown, test.steps, 1] },
      { name: 'test.targets', data: slice(test.targets), shape: [shown, test.steps, 1] },
      { name: 'test.outputs', data: slice(fwd.outputs), shape: [shown, test.steps, 1] },
    ],
    runId,
  )
  return { params, testAccuracy: decision.accuracy ?? 0, testUndecided: undecidedCount(decision.predictions, test.count), testMse: se / fwd.outputs.length, bestEpoch: trainer.bestEpoch, testForward: testSet ? fwd : null }
}

export async function runTrainTeacher(ctx: JobContext): Promise<JobResult> {
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
      bestEpoch: out.bestEpoch,
      epochs: p.epochs,
      validationSeed: seeds.validation,
      testSeed: seeds.test,
    },
  }
}
