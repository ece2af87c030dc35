// Job kind "pipeline": the whole method on a task — test set → teacher (BPTT) → network ADS (local
// rule) → test of both, each stage a run linked to its parent (`mimic reproduce TASK`).
import * as s from '../schema.ts'
import { adsFields, dataField, taskField, threadsField } from './fields.ts'
import { trainTeacherParams } from './train-teacher.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { costRates } from '../grouping.ts'

/** The teacher's parameters the pipeline shares with its other stages (the task, the test samples, the threads, the seed) or keeps to the task's own (the sample length). */
const sharedTeacherKeys = ['task', 'testSamples', 'threads', 'seed', 'durationS', 'data', 'shuffle'] as const
type TeacherShape = typeof trainTeacherParams.shape
type TeacherOwnKey = Exclude<keyof TeacherShape, (typeof sharedTeacherKeys)[number]>
/** `units` → `teacherUnits` */
export type TeacherFieldName<K extends string> = `teacher${Capitalize<K>}`
export const teacherFieldName = <K extends string>(k: K): TeacherFieldName<K> => `teacher${k[0].toUpperCase()}${k.slice(1)}` as TeacherFieldName<K>

/**
 * Every parameter of `train teacher` (but the shared ones) as a pipeline parameter `teacherX`, with the
 * same schema, default and help, labelled "Teacher ...": `reproduce` takes every flag `train teacher` takes.
 */
function teacherFields(): { [K in TeacherOwnKey as TeacherFieldName<K>]: TeacherShape[K] } {
  const out: Record<string, unknown> = {}
  for (const [k, schema] of Object.entries(trainTeacherParams.shape)) {
    if ((sharedTeacherKeys as readonly string[]).includes(k)) continue
    const label = schema.info().label ?? k
    // "Units" → "Teacher units"; names stay as they are ("Adam step size", "λ MSE")
    const lower = /^[A-Z][a-z]/.test(label) && !label.startsWith('Adam')
    out[teacherFieldName(k)] = schema.doc({ label: `Teacher ${lower ? label[0].toLowerCase() + label.slice(1) : label}` })
  }
  return out as { [K in TeacherOwnKey as TeacherFieldName<K>]: TeacherShape[K] }
}

export const pipelineParams = s.object({
  task: taskField.doc({ help: 'the task the whole method runs on (`mimic tasks list`)' }),
  architecture: s.withDefault(s.oneOf(['ads', 'bptt-snn', 'force', 'reservoir'] as const), 'ads').doc({
    label: 'Architecture',
    help: 'the spiking network trained and tested (the baselines need no teacher: their own job kinds\' defaults, `mimic train NAME --help`)',
    valueHelp: {
      ads: 'network ADS, trained to mimic a teacher by the local rule (docs/method.md §4-5)',
      'bptt-snn': 'BPTT spiking network with a surrogate gradient (docs/method.md §13)',
      force: 'FORCE spiking network, read-out trained by RLS (docs/method.md §13)',
      reservoir: 'reservoir (liquid state machine) with a ridge read-out (docs/method.md §13)',
    },
  }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'seeds every stage (recorded)' }),
  data: dataField.doc({ help: 'a dataset run of the task to use instead of fresh samples: both networks train on its training split, select and fit on its validation split, and are tested on its test split (`mimic runs list --kind dataset`)' }),
  datasetSamples: s.optional(s.integer({ min: 3, max: 100_000 })).doc({ label: 'Dataset samples', help: "without --data, for a task with no native stream of fresh samples (wake phrase): the samples of the dataset generated for the run (all three splits; empty: the generator's default)" }),
  baselineTrainSamples: s.optional(s.integer({ min: 1, max: 100_000 })).doc({ label: 'Baseline training samples', help: 'with --architecture other than ads: the baseline\'s fresh training samples (empty: its job kind\'s default: 500, FORCE 200); its size is --neurons (each layer of bptt-snn)' }),
  baselineEpochs: s.optional(s.integer({ min: 1, max: 1000 })).doc({ label: 'Baseline epochs', help: 'with --architecture force or bptt-snn: the epochs (empty: their defaults, 3 and 20)' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples scoring both networks' }),
  ...teacherFields(),
  ...adsFields,
  threads: threadsField,
})

export const pipeline = {
  name: 'pipeline',
  label: 'Pipeline',
  runKind: 'pipeline',
  runName: '{task} pipeline',
  description: 'Test set (or a dataset) → teacher (BPTT) → network ADS (local rule) → test, on one task; each stage a run linked to its parent (docs/method.md §2-7).',
  params: pipelineParams,
  resources: { cores: 'all', minCores: 1 },
  cli: {
    command: ['reproduce'],
    positionals: ['task'],
    project: { namedAfterTask: 'task' },
    synopsis: 'TASK [--data DATASET_RUN] [--architecture ads|bptt-snn|force|reservoir] [--seed S] [--neurons 320] [--teacher-units 64] [--project ID] ...   test set → (teacher →) network → test',
    result: (d) => {
      const stage = (kind: string): number | null => d.children.find((c) => c.kind === kind && c.role === 'pipeline')?.id ?? null
      const architecture = typeof d.params.architecture === 'string' ? d.params.architecture : 'ads'
      const networkRunId = stage(architecture)
      const value = {
        id: d.id,
        runId: d.id,
        pipelineRunId: d.id,
        architecture,
        networkRunId,
        testAccuracy: d.summary.testAccuracy ?? d.summary.adsTestAccuracy,
        mse: d.summary.mse,
        teacherRunId: stage('teacher'),
        adsRunId: stage('ads'),
        testRunId: stage('evaluation'),
        datasetRunId: stage('dataset') ?? (typeof d.params.data === 'number' ? d.params.data : null),
        teacherTestAccuracy: d.summary.teacherTestAccuracy,
        adsTestAccuracy: d.summary.adsTestAccuracy,
        teacherTestUndecided: d.summary.teacherTestUndecided,
        adsTestUndecided: d.summary.adsTestUndecided,
        testSamples: d.summary.testSamples,
        reconstructionError: d.summary.reconstructionError,
        teacherAgreement: d.summary.teacherAgreement,
        meanRateHz: d.summary.meanRateHz,
        wallSeconds: d.summary.wallSeconds,
        ...(d.summary.falseAccepts !== undefined ? { falseAccepts: d.summary.falseAccepts, falseRejects: d.summary.falseRejects } : {}),
        ...(d.summary.teacherFalseAccepts !== undefined ? { teacherFalseAccepts: d.summary.teacherFalseAccepts, teacherFalseRejects: d.summary.teacherFalseRejects } : {}),
        ...(d.summary.adsBoundary !== undefined ? { adsBoundary: d.summary.adsBoundary, teacherBoundary: d.summary.teacherBoundary } : {}),
      }
      if (architecture !== 'ads') {
        return {
          value,
          text: [
            `pipeline run ${d.id}: ${architecture} run ${networkRunId}, test run ${value.testRunId}`,
            `  test accuracy ${fmt(value.testAccuracy)} (undecided ${fmt(d.summary.testUndecided)} of ${fmt(value.testSamples)}), mse ${fmt(value.mse)}, mean rate ${fmt(value.meanRateHz)} Hz, ${fmt(value.wallSeconds)} s (no teacher: teacher agreement not measured)`,
          ].join('\n'),
        }
      }
      return {
        value,
        text: [
          `pipeline run ${d.id}: teacher run ${value.teacherRunId}, network ADS run ${value.adsRunId}, test run ${value.testRunId}`,
          `  teacher test accuracy ${fmt(value.teacherTestAccuracy)}, network ADS test accuracy ${fmt(value.adsTestAccuracy)}` +
            ` (undecided: teacher ${fmt(value.teacherTestUndecided)}, network ADS ${fmt(value.adsTestUndecided)} of ${fmt(value.testSamples)})`,
          `  test accuracy ${fmt(value.testAccuracy)}, mse ${fmt(value.mse)}, teacher agreement ${fmt(value.teacherAgreement)}, reconstruction error ${fmt(value.reconstructionError)}, mean rate ${fmt(value.meanRateHz)} Hz, ${fmt(value.wallSeconds)} s`,
          ...(d.summary.adsBoundary !== undefined ? [`  network ADS: ${fmt(d.summary.falseAccepts)} false accepts, ${fmt(d.summary.falseRejects)} false rejects; teacher: ${fmt(d.summary.teacherFalseAccepts)} false accepts, ${fmt(d.summary.teacherFalseRejects)} false rejects`] : []),
          ...(d.summary.adsBoundary !== undefined ? [`  fitted boundary: network ADS ${fmt(d.summary.adsBoundary)}, teacher ${fmt(d.summary.teacherBoundary)} (on the validation split)`] : []),
        ].join('\n'),
      }
    },
  },
  view: 'pipeline',
  watchAfterStart: true,
  formGroups: [
    { title: 'Teacher', help: 'rate network trained with BPTT and Adam (docs/method.md §3)', prefix: 'teacher' },
    { title: 'Spiking network', help: 'network ADS: balanced spiking network trained by the local rule (docs/method.md §4-5)', rest: true },
    { title: 'General', keys: ['task', 'data', 'datasetSamples', 'architecture', 'seed', 'testSamples', 'threads'] },
  ],
  action: { action: 'New pipeline', submit: 'Run pipeline', primary: true },
  stages: [
    { name: 'dataset', runKind: 'dataset', title: 'Test set', what: 'fresh test samples, or a dataset (given or generated) whose test split scores both networks' },
    { name: 'teacher', runKind: 'teacher', title: 'Teacher', what: 'rate network, BPTT' },
    { name: 'ads', runKind: 'ads', title: 'Network ADS', what: 'spiking network, local rule' },
    { name: 'test', runKind: 'evaluation', title: 'Test', what: 'both networks on the test set' },
  ],
  // training dominates: the teacher's BPTT and network ADS's local rule (or a baseline's training), per step
  itemSeconds: (params, look) => {
    const steps = typeof params.data === 'number' ? look.steps(params.data) : look.taskSteps(typeof params.task === 'string' ? params.task : null)
    if (steps === null) return null
    const n = Number(params.neurons ?? 320)
    const test = Number(params.testSamples ?? 200) * steps * n * costRates.simulatorPerNeuronStep
    if ((params.architecture ?? 'ads') !== 'ads') {
      const samples = Number(params.baselineTrainSamples ?? 500) * Number(params.baselineEpochs ?? 3)
      return samples * steps * n * costRates.simulatorPerNeuronStep * costRates.baselineTrainingOverForward + test
    }
    const units = Number(params.teacherUnits ?? 64)
    const teacher = Number(params.teacherEpochs ?? 100) * (Number(params.teacherSamplesPerEpoch ?? 500) + Number(params.teacherValidationSamples ?? 200)) * steps * units * units * costRates.teacherPerStepUnit2
    const ads = Number(params.epochs ?? 20) * (Number(params.samplesPerEpoch ?? 500) * steps * n * units * costRates.adsPerStepND + Number(params.validationSamples ?? 200) * steps * n * costRates.simulatorPerNeuronStep)
    return teacher + ads + test
  },
} as const satisfies JobKindSpec
