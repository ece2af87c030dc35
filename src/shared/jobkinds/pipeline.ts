// Job kind "pipeline": the whole method on a task — test set → teacher (BPTT) → network ADS (local
// rule) → test of both, each stage a run linked to its parent (`mimic reproduce TASK`).
import * as s from '../schema.ts'
import { adsFields, taskField, tauStepUnitHelp, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { maxTeacherUnits } from '../limits.ts'

export const pipelineParams = s.object({
  task: taskField.doc({ help: 'the task the whole method runs on (`mimic tasks list`)' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'seeds every stage (recorded)' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples scoring both networks' }),
  teacherUnits: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Teacher units' }),
  teacherEpochs: s.withDefault(s.integer({ min: 1, max: 10_000 }), 100).doc({ label: 'Teacher epochs' }),
  teacherSamplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Teacher samples per epoch' }),
  teacherStepSize: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-4).doc({ label: 'Teacher Adam step size' }),
  teacherLambdaMse: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'Teacher λ MSE' }),
  teacherTauStepUnit: s.withDefault(s.oneOf(['s', 'ms'] as const), 's').doc({ ...tauStepUnitHelp, label: 'Teacher τ unit of Adam steps' }),
  teacherValidationSamples: s.withDefault(s.integer({ min: 0, max: 100_000 }), 200).doc({ label: 'Teacher validation samples' }),
  ...adsFields,
  threads: threadsField,
})

export const pipeline = {
  name: 'pipeline',
  label: 'Pipeline',
  runKind: 'pipeline',
  runName: '{task} pipeline',
  description: 'Test set → teacher (BPTT) → network ADS (local rule) → test, on one task; each stage a run linked to its parent (docs/method.md §3-7).',
  params: pipelineParams,
  resources: { cores: 'all', minCores: 1 },
  cli: {
    command: ['reproduce'],
    positionals: ['task'],
    project: { namedAfterTask: 'task' },
    synopsis: 'TASK [--seed S] [--neurons 320] [--teacher-units 64] [--project ID] ...   test set → teacher → network ADS → test',
    result: (d) => {
      const stage = (kind: string): number | null => d.children.find((c) => c.kind === kind && c.role === 'pipeline')?.id ?? null
      const value = {
        id: d.id,
        runId: d.id,
        pipelineRunId: d.id,
        teacherRunId: stage('teacher'),
        adsRunId: stage('ads'),
        testRunId: stage('evaluation'),
        datasetRunId: stage('dataset'),
        teacherTestAccuracy: d.summary.teacherTestAccuracy,
        adsTestAccuracy: d.summary.adsTestAccuracy,
        teacherTestUndecided: d.summary.teacherTestUndecided,
        adsTestUndecided: d.summary.adsTestUndecided,
        testSamples: d.summary.testSamples,
        reconstructionError: d.summary.reconstructionError,
        teacherAgreement: d.summary.teacherAgreement,
        meanRateHz: d.summary.meanRateHz,
        wallSeconds: d.summary.wallSeconds,
      }
      return {
        value,
        text: [
          `pipeline run ${d.id}: teacher run ${value.teacherRunId}, network ADS run ${value.adsRunId}, test run ${value.testRunId}`,
          `  teacher test accuracy ${fmt(value.teacherTestAccuracy)}, network ADS test accuracy ${fmt(value.adsTestAccuracy)}` +
            ` (undecided: teacher ${fmt(value.teacherTestUndecided)}, network ADS ${fmt(value.adsTestUndecided)} of ${fmt(value.testSamples)})`,
          `  reconstruction error ${fmt(value.reconstructionError)}, mean rate ${fmt(value.meanRateHz)} Hz, ${fmt(value.wallSeconds)} s`,
        ].join('\n'),
      }
    },
  },
  view: 'pipeline',
  watchAfterStart: true,
  formGroups: [
    { title: 'Teacher', help: 'rate network trained with BPTT and Adam (docs/method.md §3)', prefix: 'teacher' },
    { title: 'Spiking network', help: 'network ADS: balanced spiking network trained by the local rule (docs/method.md §4-5)', rest: true },
    { title: 'General', keys: ['task', 'seed', 'testSamples', 'threads'] },
  ],
  action: { action: 'New pipeline', submit: 'Run pipeline', primary: true },
  stages: [
    { name: 'dataset', runKind: 'dataset', title: 'Test set', what: 'fresh samples of the task' },
    { name: 'teacher', runKind: 'teacher', title: 'Teacher', what: 'rate network, BPTT' },
    { name: 'ads', runKind: 'ads', title: 'Network ADS', what: 'spiking network, local rule' },
    { name: 'test', runKind: 'evaluation', title: 'Test', what: 'both networks on the test set' },
  ],
} as const satisfies JobKindSpec
