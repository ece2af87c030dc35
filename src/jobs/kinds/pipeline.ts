// Job "pipeline": the method end to end on one task (docs/method.md §2-6). Each stage is a run of its own,
// linked to the pipeline and to the runs it used: the test set, the teacher (BPTT), network ADS (local
// rule) and the test of both on the same fresh samples.
import type { TimedDataset } from '../../formats/dataset.ts'
import { jobKindSpec, jobParamsSchema, pipelineParams, trainTeacherParams } from '../../shared/jobkinds/index.ts'
import { teacherFieldName } from '../../shared/jobkinds/pipeline.ts'
import { taskDescriptors, type TaskDescriptor, type TaskName } from '../../shared/tasks/index.ts'
import { inMemoryNetwork } from '../../plugins/architectures/bundle.ts'
import { rate } from '../../plugins/architectures/rate.ts'
import { drawnDatasetRun } from '../../plugins/datasets.ts'
import { evaluate, evaluationArtifacts, evaluationResults, evaluationSummary } from '../../plugins/evaluate.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { JobContext, JobResult } from '../context.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { fieldError } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'
import { trainAdsStage } from './train-ads.ts'
import { trainBaselineStage } from './train-baselines.ts'
import { derivedSeeds, drawSamples, trainTeacherStage } from './train-teacher.ts'

/** Share of the wall time each stage is expected to take (for one progress bar over all stages). */
function stageWeights(p: { teacherEpochs: number; teacherSamplesPerEpoch: number; teacherUnits: number; epochs: number; samplesPerEpoch: number; neurons: number }) {
  const teacher = p.teacherEpochs * p.teacherSamplesPerEpoch * p.teacherUnits * 4
  const ads = p.epochs * p.samplesPerEpoch * p.neurons * 1.5
  const total = teacher + ads
  return { dataset: 0.01, teacher: (0.97 * teacher) / total, ads: (0.97 * ads) / total, test: 0.02 }
}

async function runPipeline(ctx: JobContext): Promise<JobResult> {
  const started = performance.now()
  const p = pipelineParams.parse(ctx.run.params, 'params')
  const seed = ctx.run.seed ?? 0
  const w = stageWeights(p)
  let base = 0

  // 1. The test set: fresh samples scoring the teacher and the spiking network alike.
  const testSeed = derivedSeeds(seed).test
  const task: TaskDescriptor = taskDescriptors[p.task]
  const generatorParams = task.generator!.params.parse({ count: p.testSamples, seed: testSeed }, 'params')
  const testParams = { task: p.task, ...generatorParams }
  const { runId: datasetRunId, value: test } = await ctx.stage(
    { kind: 'dataset', name: `${task.label} test set · seed ${testSeed}`, params: testParams, seed: testSeed, label: 'dataset' },
    async (runId) => {
      ctx.progress(0, 'drawing the test set', true)
      const d = await drawSamples(ctx, p.task, generatorParams)
      const { artifacts, summary } = drawnDatasetRun(d)
      ctx.artifacts(artifacts, runId)
      return { value: d, summary }
    },
  )
  base += w.dataset

  if (p.architecture !== 'ads') return runBaselinePipeline(ctx, p.architecture, p, seed, datasetRunId, test, started)

  // 2. The teacher, trained by BPTT on fresh samples, scored on the test set.
  const teacherParams = trainTeacherParams.parse(
    {
      // every teacherX parameter of the pipeline is parameter x of the teacher
      ...Object.fromEntries(Object.keys(trainTeacherParams.shape).flatMap((k) => (teacherFieldName(k) in p ? [[k, (p as Record<string, unknown>)[teacherFieldName(k)]]] : []))),
      task: p.task,
      testSamples: p.testSamples,
      threads: p.threads,
      seed,
    },
    'params',
  )
  const teacherStage = await ctx.stage(
    { kind: 'teacher', name: `Teacher (BPTT) · seed ${seed}`, params: teacherParams, seed, label: 'teacher', parents: [{ id: datasetRunId, role: 'test set' }] },
    async (runId) => {
      const out = await trainTeacherStage(ctx.scoped(base, w.teacher), teacherParams, seed, runId, test)
      return {
        value: out,
        summary: { testAccuracy: out.testAccuracy, testUndecided: out.testUndecided, testMse: out.testMse, bestEpoch: out.bestEpoch, epochs: teacherParams.epochs },
      }
    },
  )
  base += w.teacher
  const teacher = inMemoryNetwork(teacherStage.runId, rate, teacherStage.value.params, { task: p.task })

  // 3. Network ADS, trained by the local rule to mimic the teacher.
  const adsParams = {
    mu: p.mu,
    nu: p.nu,
    tauMemMs: p.tauMemMs,
    tauSMs: p.tauSMs,
    tauFMs: p.tauFMs,
    tauOutMs: p.tauOutMs,
    vTh: p.vTh,
    vRest: p.vRest,
    vReset: p.vReset,
    refractoryMs: p.refractoryMs,
    bias: p.bias,
    neurons: p.neurons,
    epochs: p.epochs,
    samplesPerEpoch: p.samplesPerEpoch,
    eta: p.eta,
    etaSchedule: p.etaSchedule,
    etaDecaySamples: p.etaDecaySamples,
    etaFloor: p.etaFloor,
    kSchedule: p.kSchedule,
    k: p.k,
    rule: p.rule,
    ebn: p.ebn,
    fastGain: p.fastGain,
    fastWeightScale: p.fastWeightScale,
    trainDeath: p.trainDeath,
    inputGain: p.inputGain,
    selection: p.selection,
    validationSamples: p.validationSamples,
    threads: p.threads,
  }
  const adsStage = await ctx.stage(
    {
      kind: 'ads',
      name: `Network ADS · N ${p.neurons} · seed ${seed}`,
      params: { teacher: teacherStage.runId, ...adsParams, testSamples: p.testSamples, seed },
      seed,
      label: 'ads',
      parents: [{ id: teacherStage.runId, role: 'teacher' }],
    },
    async (runId) => {
      const out = await trainAdsStage(ctx.scoped(base, w.ads), teacher.net, p.task, adsParams, seed, runId)
      return { value: out, summary: { bestEpoch: out.bestEpoch, neurons: p.neurons } }
    },
  )
  base += w.ads

  // 4. The test: both networks on the same samples; the spiking network against the true labels
  //    and against the teacher's decisions (docs/method.md §7).
  const network = adsStage.value.network
  const testStage = await ctx.stage(
    {
      kind: 'evaluation',
      name: `Test of ADS ${adsStage.runId} and teacher ${teacherStage.runId}`,
      params: { network: adsStage.runId, dataset: datasetRunId, teacher: teacherStage.runId, shownSamples: 8, threads: p.threads },
      seed,
      label: 'test',
      parents: [
        { id: adsStage.runId, role: 'network' },
        { id: teacherStage.runId, role: 'teacher' },
        { id: datasetRunId, role: 'dataset' },
      ],
    },
    async (runId) => {
      ctx.progress(base, 'testing both networks', true)
      // The teacher stage already ran the teacher on this test set.
      const teacherOutput = teacherStage.value.testOutput ?? undefined
      const r = await evaluate(p.task, simulator, network, test, { teacher, teacherOutput, threads: ctx.threads(p.threads), seed, recordSpikesOf: 8 }, { signal: ctx.signal })
      ctx.artifacts(evaluationArtifacts(test, r, network, 8), runId)
      ctx.results(evaluationResults(r, { runId: adsStage.runId, architecture: network.architecture }), runId)
      return { value: r, summary: evaluationSummary(r) }
    },
  )
  const r = testStage.value
  ctx.store.runs.setSummary(adsStage.runId, {
    bestEpoch: adsStage.value.bestEpoch,
    neurons: p.neurons,
    testAccuracy: r.accuracy,
    testUndecided: r.undecided,
    reconstructionError: r.reconstructionError ?? NaN,
    meanRateHz: r.meanRateHz ?? NaN,
  })
  ctx.progress(1, 'done', true)
  return {
    summary: {
      teacherTestAccuracy: r.teacherAccuracy ?? teacherStage.value.testAccuracy,
      teacherTestUndecided: r.teacherUndecided ?? teacherStage.value.testUndecided,
      testAccuracy: r.accuracy,
      testUndecided: r.undecided,
      mse: r.mse,
      adsTestAccuracy: r.accuracy,
      adsTestUndecided: r.undecided,
      testSamples: r.samples,
      reconstructionError: r.reconstructionError ?? NaN,
      teacherAgreement: r.teacherAgreement ?? NaN,
      meanRateHz: r.meanRateHz ?? NaN,
      wallSeconds: (performance.now() - started) / 1000,
    },
  }
}

/**
 * A baseline (docs/method.md §13) in place of teacher and network ADS: trained on fresh samples of the
 * task with its job kind's defaults (no teacher: it learns the targets), then tested on the test set.
 */
async function runBaselinePipeline(
  ctx: JobContext,
  architecture: 'bptt-snn' | 'force' | 'reservoir',
  p: { task: TaskName; testSamples: number; threads: number; neurons: number; baselineTrainSamples?: number; baselineEpochs?: number },
  seed: number,
  datasetRunId: number,
  test: TimedDataset,
  started: number,
): Promise<JobResult> {
  const kind = `train.${architecture}` as const
  // The size of network ADS (--neurons; each layer of the BPTT network), the training samples and epochs when given.
  const given: Record<string, unknown> = { task: p.task, testSamples: p.testSamples, threads: p.threads, seed }
  if (architecture === 'bptt-snn') Object.assign(given, { layer1: p.neurons, layer2: p.neurons })
  else given.neurons = p.neurons
  if (p.baselineTrainSamples !== undefined) given.trainSamples = p.baselineTrainSamples
  if (p.baselineEpochs !== undefined && architecture !== 'reservoir') given.epochs = p.baselineEpochs
  const params = jobParamsSchema(kind).parse(given, 'params') as Record<string, unknown>
  const trained = await ctx.stage(
    { kind: architecture, name: `${jobKindSpec(kind).label} · seed ${seed}`, params, seed, label: architecture },
    async (runId) => {
      const out = await trainBaselineStage(ctx.scoped(0.01, 0.95), kind, params, seed, runId)
      return { value: out, summary: { bestEpoch: out.bestEpoch, trainSeconds: out.trainSeconds } }
    },
  )
  const network = trained.value.network
  const testStage = await ctx.stage(
    {
      kind: 'evaluation',
      name: `Test of ${architecture} ${trained.runId}`,
      params: { network: trained.runId, dataset: datasetRunId, shownSamples: 8, threads: p.threads },
      seed,
      label: 'test',
      parents: [
        { id: trained.runId, role: 'network' },
        { id: datasetRunId, role: 'dataset' },
      ],
    },
    async (runId) => {
      ctx.progress(0.96, 'testing the network', true)
      const r = await evaluate(p.task, simulator, network, test, { threads: ctx.threads(p.threads), seed, recordSpikesOf: 8 }, { signal: ctx.signal })
      ctx.artifacts(evaluationArtifacts(test, r, network, 8), runId)
      ctx.results(evaluationResults(r, { runId: trained.runId, architecture: network.architecture }), runId)
      return { value: r, summary: evaluationSummary(r) }
    },
  )
  const r = testStage.value
  ctx.store.runs.setSummary(trained.runId, {
    bestEpoch: trained.value.bestEpoch,
    trainSeconds: trained.value.trainSeconds,
    testAccuracy: r.accuracy,
    testUndecided: r.undecided,
    testMse: r.mse,
    meanRateHz: r.meanRateHz ?? NaN,
  })
  ctx.progress(1, 'done', true)
  return {
    summary: {
      testAccuracy: r.accuracy,
      testUndecided: r.undecided,
      testSamples: r.samples,
      mse: r.mse,
      teacherAgreement: NaN,
      meanRateHz: r.meanRateHz ?? NaN,
      trainSeconds: trained.value.trainSeconds,
      wallSeconds: (performance.now() - started) / 1000,
    },
  }
}

export const pipeline: JobImpl = {
  precheck(_store, params) {
    const p = pipelineParams.parse(params, 'params')
    const task: TaskDescriptor = taskDescriptors[p.task]
    if (!task.generator) throw fieldError('pipeline', 'task', `is ${task.label}, which has no generator to draw a test set from: choose a task with a generator.`)
    // the trainers draw fresh samples each epoch from the task's native stream
    if (!taskImpls[p.task].trainingSource) throw fieldError('pipeline', 'task', `is ${task.label}, whose trainers cannot draw fresh training samples yet (they train only on a native generator's stream): choose a task with one (\`mimic tasks list\`).`)
  },
  run: runPipeline,
}
