// Job "pipeline": the method end to end on one task (docs/method.md §2-6). Each stage is a run of its own,
// linked to the pipeline and to the runs it used: the test set, the teacher (BPTT), network ADS (local
// rule) and the test of both on the same fresh samples.
import type { TimedDataset } from '../../formats/dataset.ts'
import { jobKindSpec, jobParamsSchema, pipelineParams, trainTeacherParams } from '../../shared/jobkinds/index.ts'
import { baselineParamsGiven, bpttLayersOf, otherBaselineFields, teacherFieldName, type PipelineBaseline } from '../../shared/jobkinds/pipeline.ts'
import { taskDescriptors, type TaskDescriptor, type TaskName } from '../../shared/tasks/index.ts'
import { inMemoryNetwork } from '../../plugins/architectures/bundle.ts'
import { rate } from '../../plugins/architectures/rate.ts'
import { drawnDatasetRun, loadDatasetSplits, splitDataset, type DatasetSplits } from '../../plugins/datasets.ts'
import { evaluate, evaluationArtifacts, evaluationResults, evaluationSummary } from '../../plugins/evaluate.ts'
import { simulator } from '../../plugins/targets/simulator.ts'
import type { JobContext, JobResult } from '../context.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { datasetOf, fieldError } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'
import { trainAdsStage } from './train-ads.ts'
import { trainBaselineStage } from './train-baselines.ts'
import { drawSamples } from '../samples.ts'
import { derivedSeeds, trainTeacherStage } from './train-teacher.ts'

/**
 * Share of the wall time each stage is expected to take (for one progress bar over all stages), from
 * costs in one unit: a generated dataset's sample (speech synthesis and the front end, one speech
 * engine per core) costs about 4500 of them on one core, measured against the teacher on the wake
 * phrase (two reproductions side by side on 2 cores: 290 s for 1500 samples, 377 s for the teacher's
 * 20 epochs over 900 at 128 units).
 */
function stageWeights(p: { teacherEpochs: number; teacherSamplesPerEpoch: number; teacherEpochFraction: number; teacherUnits: number; epochs: number; samplesPerEpoch: number; epochFraction: number; neurons: number }, generatedSamples: number, cores: number) {
  // a generated dataset's epochs are the epoch fraction of its training split (60 %), not fresh samples
  const train = 0.6 * generatedSamples
  const teacher = p.teacherEpochs * (generatedSamples ? p.teacherEpochFraction * train : p.teacherSamplesPerEpoch) * p.teacherUnits * 4
  const ads = p.epochs * (generatedSamples ? p.epochFraction * train : p.samplesPerEpoch) * p.neurons * 1.5
  const dataset = (generatedSamples * 4500) / Math.max(1, cores)
  const total = teacher + ads + dataset
  return { dataset: 0.01 + (0.97 * dataset) / total, teacher: (0.97 * teacher) / total, ads: (0.97 * ads) / total, test: 0.02 }
}

async function runPipeline(ctx: JobContext): Promise<JobResult> {
  const started = performance.now()
  const p = pipelineParams.parse(ctx.run.params, 'params')
  const seed = ctx.run.seed ?? 0
  const task: TaskDescriptor = taskDescriptors[p.task]
  const testSeed = derivedSeeds(seed).test
  // without a dataset given: one generated for a task with no native stream of fresh samples (its
  // samples of every split), else fresh test samples
  const generated = p.data === undefined && !taskImpls[p.task].trainingSource
  const generatorParams = p.data === undefined ? task.generator!.params.parse(generated ? { ...(p.datasetSamples !== undefined ? { count: p.datasetSamples } : {}), seed } : { count: p.testSamples, seed: testSeed }, 'params') : undefined
  const w = stageWeights(p, generated ? (generatorParams as { count: number }).count : 0, ctx.threads(p.threads))
  let base = 0

  // 1. The data. A dataset (given, or generated for a task with no native stream of fresh samples):
  //    its training split trains both networks, its validation split selects them and fits the
  //    task's settings (a decision boundary), its test split scores them. Otherwise fresh test
  //    samples; the trainers draw fresh training samples each epoch.
  let splits: DatasetSplits | undefined
  let datasetRunId: number
  let test: TimedDataset
  if (p.data !== undefined) {
    ctx.progress(0, `loading dataset run ${p.data}`, true)
    splits = loadDatasetSplits(ctx.store, p.data)
    datasetRunId = p.data
    test = splits.test
  } else {
    const dataSeed = generated ? seed : testSeed
    const stage = await ctx.stage(
      { kind: 'dataset', name: generated ? `${task.label} dataset · seed ${dataSeed}` : `${task.label} test set · seed ${dataSeed}`, params: { task: p.task, ...generatorParams! }, seed: dataSeed, label: 'dataset' },
      async (runId) => {
        ctx.progress(0, generated ? 'generating the dataset' : 'drawing the test set', true)
        const d = await drawSamples(ctx.scoped(0, w.dataset), p.task, generatorParams!, true)
        const { artifacts, summary } = drawnDatasetRun(d)
        ctx.artifacts(artifacts, runId)
        return { value: d, summary }
      },
    )
    datasetRunId = stage.runId
    if (generated) {
      splits = splitDataset(stage.value, datasetRunId, p.task)
      test = splits.test
    } else test = stage.value
  }
  base += w.dataset

  if (p.architecture !== 'ads') return runBaselinePipeline(ctx, p.architecture, p, seed, datasetRunId, test, started, splits)

  // 2. The teacher, trained by BPTT on fresh samples, scored on the test set.
  const teacherParams = trainTeacherParams.parse(
    {
      // every teacherX parameter of the pipeline is parameter x of the teacher
      ...Object.fromEntries(Object.keys(trainTeacherParams.shape).flatMap((k) => (teacherFieldName(k) in p ? [[k, (p as Record<string, unknown>)[teacherFieldName(k)]]] : []))),
      task: p.task,
      testSamples: p.testSamples,
      threads: p.threads,
      shuffle: p.shuffle,
      ...(splits ? { data: datasetRunId } : {}),
      seed,
    },
    'params',
  )
  const teacherStage = await ctx.stage(
    { kind: 'teacher', name: `Teacher (BPTT) · seed ${seed}`, params: teacherParams, seed, label: 'teacher', parents: [{ id: datasetRunId, role: splits ? 'data' : 'test set' }] },
    async (runId) => {
      const out = await trainTeacherStage(ctx.scoped(base, w.teacher), teacherParams, seed, runId, test, splits)
      return {
        value: out,
        summary: { testAccuracy: out.testAccuracy, testUndecided: out.testUndecided, testMse: out.testMse, testSamples: out.testSamples, bestEpoch: out.bestEpoch, epochs: teacherParams.epochs, ...out.fitted },
      }
    },
  )
  base += w.teacher
  const teacher = inMemoryNetwork(teacherStage.runId, rate, teacherStage.value.params, { task: p.task, fitted: teacherStage.value.fitted })

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
    etaDecayFraction: p.etaDecayFraction,
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
    shuffle: p.shuffle,
    epochFraction: p.epochFraction,
    ...(splits ? { data: datasetRunId } : {}),
    threads: p.threads,
  }
  const adsStage = await ctx.stage(
    {
      kind: 'ads',
      name: `Network ADS · N ${p.neurons} · seed ${seed}`,
      params: { teacher: teacherStage.runId, ...adsParams, testSamples: p.testSamples, seed },
      seed,
      label: 'ads',
      parents: [{ id: teacherStage.runId, role: 'teacher' }, ...(splits ? [{ id: datasetRunId, role: 'data' }] : [])],
    },
    async (runId) => {
      const out = await trainAdsStage(ctx.scoped(base, w.ads), teacher.net, p.task, adsParams, seed, runId, splits)
      return { value: out, summary: { bestEpoch: out.bestEpoch, neurons: p.neurons, ...out.fitted } }
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
      const r = await evaluate(p.task, simulator, network, test, { teacher, teacherOutput, threads: ctx.threads(p.threads), seed, recordSpikesOf: 8 }, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress(base + w.test * f, 'testing both networks'),
      })
      ctx.artifacts(evaluationArtifacts(test, r, network, 8), runId)
      ctx.results(evaluationResults(r, { runId: adsStage.runId, architecture: network.architecture }), runId)
      return { value: r, summary: evaluationSummary(r) }
    },
  )
  const r = testStage.value
  ctx.store.runs.setSummary(adsStage.runId, {
    ...adsStage.value.fitted,
    bestEpoch: adsStage.value.bestEpoch,
    ...(adsStage.value.etaDecaySamples !== undefined ? { etaDecaySamples: adsStage.value.etaDecaySamples } : {}),
    neurons: p.neurons,
    testAccuracy: r.accuracy,
    testUndecided: r.undecided,
    testSamples: r.samples,
    reconstructionError: r.reconstructionError ?? NaN,
    meanRateHz: r.meanRateHz ?? NaN,
  })
  ctx.progress(1, 'done', true)
  // false accepts (+1 on a −1 sample) and false rejects (anything else on a +1 sample), as counts, of
  // a detection task only (TaskDescriptor.detection; a classification of ±1 has none)
  const errors = task.detection ? falseDecisions(r.predictions, r.labels) : null
  const teacherErrors = task.detection && r.teacherPredictions ? falseDecisions(r.teacherPredictions, r.labels) : null
  return {
    summary: {
      ...(errors ? { falseAccepts: errors.accepts, falseRejects: errors.rejects } : {}),
      ...(teacherErrors ? { teacherFalseAccepts: teacherErrors.accepts, teacherFalseRejects: teacherErrors.rejects } : {}),
      ...Object.fromEntries(Object.entries(adsStage.value.fitted).map(([k, v]) => [`ads${k[0].toUpperCase()}${k.slice(1)}`, v])),
      ...Object.fromEntries(Object.entries(teacherStage.value.fitted).map(([k, v]) => [`teacher${k[0].toUpperCase()}${k.slice(1)}`, v])),
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

/** False accepts (decision +1 on a −1 sample) and false rejects (no +1 on a +1 sample), first output of each sample. */
export function falseDecisions(predictions: Int8Array, labels: Int8Array): { accepts: number; rejects: number } {
  let accepts = 0, rejects = 0
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 && predictions[i] > 0) accepts++
    if (labels[i] > 0 && predictions[i] <= 0) rejects++
  }
  return { accepts, rejects }
}

/**
 * A baseline (docs/method.md §13) in place of teacher and network ADS: trained by its job kind with the
 * pipeline's `NAMEX` parameters (no teacher: it learns the targets) on fresh samples of the task, or on
 * the dataset's training split (its validation split for the kept epoch and the fitted settings), then
 * tested on the test set.
 */
async function runBaselinePipeline(
  ctx: JobContext,
  architecture: PipelineBaseline,
  p: { task: TaskName; testSamples: number; threads: number; neurons: number; baselineTrainSamples?: number; baselineEpochs?: number },
  seed: number,
  datasetRunId: number,
  test: TimedDataset,
  started: number,
  splits?: DatasetSplits,
): Promise<JobResult> {
  const kind = `train.${architecture}` as const
  // The size of network ADS (--neurons: the BPTT network's two layers share it, unless the task sets them), every baseline's
  // training samples and epochs when given, then the architecture's own parameters (--force-g, ...).
  const given: Record<string, unknown> = { task: p.task, testSamples: p.testSamples, threads: p.threads, seed, ...(splits ? { data: datasetRunId } : {}) }
  if (architecture === 'bptt-snn') Object.assign(given, bpttLayersOf(p.task, p.neurons))
  else given.neurons = p.neurons
  if (p.baselineTrainSamples !== undefined) given.trainSamples = p.baselineTrainSamples
  if (p.baselineEpochs !== undefined && architecture !== 'reservoir') given.epochs = p.baselineEpochs
  Object.assign(given, baselineParamsGiven(p as unknown as Record<string, unknown>, architecture))
  const params = jobParamsSchema(kind).parse(given, 'params') as Record<string, unknown>
  const trained = await ctx.stage(
    { kind: architecture, name: `${jobKindSpec(kind).label} · seed ${seed}`, params, seed, label: architecture },
    async (runId) => {
      const out = await trainBaselineStage(ctx.scoped(0.01, 0.95), kind, params, seed, runId, splits)
      return { value: out, summary: { bestEpoch: out.bestEpoch, trainSeconds: out.trainSeconds, ...out.fitted } }
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
      const r = await evaluate(p.task, simulator, network, test, { threads: ctx.threads(p.threads), seed, recordSpikesOf: 8 }, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress(0.96 + 0.035 * f, 'testing the network'),
      })
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
    testSamples: r.samples,
    testMse: r.mse,
    meanRateHz: r.meanRateHz ?? NaN,
    ...trained.value.fitted,
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
      ...trained.value.fitted,
      trainSeconds: trained.value.trainSeconds,
      wallSeconds: (performance.now() - started) / 1000,
    },
  }
}

export const pipeline: JobImpl = {
  precheck(store, params) {
    const p = pipelineParams.parse(params, 'params')
    const task: TaskDescriptor = taskDescriptors[p.task]
    // a parameter of another architecture would be ignored without a word
    const stray = otherBaselineFields(p.architecture).find((k) => (p as Record<string, unknown>)[k] !== undefined)
    if (stray !== undefined) throw fieldError('pipeline', stray, `is given, but it sets a baseline other than --architecture ${p.architecture}: leave out --${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or give that --architecture.`)
    if (p.data !== undefined) {
      datasetOf(store, 'pipeline', 'data', p.data, p.task)
      return
    }
    if (!task.generator) throw fieldError('pipeline', 'task', `is ${task.label}, which has no generator to draw samples from: give a dataset of it (--data DATASET_RUN).`)
  },
  run: runPipeline,
}
