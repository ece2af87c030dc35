// Job kind "pipeline": the whole method on a task — test set → teacher (BPTT) → network ADS (local
// rule) → test of both, each stage a run linked to its parent (`mimic reproduce TASK`).
import * as s from '../schema.ts'
import { adsFields, dataField, taskField, threadsField } from './fields.ts'
import { trainTeacherParams } from './train-teacher.ts'
import { trainBpttSnnParams, trainForceParams, trainReservoirParams } from './train-baselines.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { costRates } from '../grouping.ts'
import { taskDescriptors, taskOfParams, type TaskDescriptor, type TaskName } from '../tasks/index.ts'

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
    // a field that applies only with another one's value (the step-size floor with the cosine schedule) keeps that condition on the other's pipeline field
    const when = schema.info().when
    out[teacherFieldName(k)] = schema.doc({ label: `Teacher ${lower ? label[0].toLowerCase() + label.slice(1) : label}`, ...(when ? { when: { ...when, field: teacherFieldName(when.field) } } : {}) })
  }
  return out as { [K in TeacherOwnKey as TeacherFieldName<K>]: TeacherShape[K] }
}

/**
 * The baselines a pipeline trains in place of teacher and network ADS (--architecture), each by its own
 * job kind (`mimic train NAME`), whose parameters are the pipeline's `NAMEX` fields.
 */
export const pipelineBaselines = { 'bptt-snn': trainBpttSnnParams, force: trainForceParams, reservoir: trainReservoirParams } as const
export type PipelineBaseline = keyof typeof pipelineBaselines
export const pipelineBaselineNames = Object.keys(pipelineBaselines) as PipelineBaseline[]
/** A baseline's parameters the pipeline decides itself (the task, the test, the sample length, the threads, the seed; it trains baselines on fresh samples). */
const sharedBaselineKeys = ['task', 'data', 'testSamples', 'durationS', 'threads', 'seed'] as const
type SharedBaselineKey = (typeof sharedBaselineKeys)[number]
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S
/** `bptt-snn`, `stepSize` → `bpttSnnStepSize` (the flag `--bptt-snn-step-size`) */
export type BaselineFieldName<A extends string, K extends string> = `${Camel<A>}${Capitalize<K>}`
export const baselineFieldName = <A extends string, K extends string>(architecture: A, key: K): BaselineFieldName<A, K> =>
  `${architecture.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}${key[0].toUpperCase()}${key.slice(1)}` as BaselineFieldName<A, K>
type BaselineShape<A extends PipelineBaseline> = (typeof pipelineBaselines)[A]['shape']
type BaselineFields<A extends PipelineBaseline> = {
  [K in Exclude<keyof BaselineShape<A> & string, SharedBaselineKey> as BaselineFieldName<A, K>]: ReturnType<typeof s.optional<s.Infer<BaselineShape<A>[K]>>>
}
/** The parameters of a baseline's job kind that are the pipeline's fields (all but the shared ones). */
export const baselineOwnKeys = (architecture: PipelineBaseline): string[] =>
  Object.keys(pipelineBaselines[architecture].shape).filter((k) => !(sharedBaselineKeys as readonly string[]).includes(k))

/**
 * Every parameter of `train NAME` (but the shared ones) as an optional pipeline parameter `NAMEX`, with
 * the same schema, help and default shown (empty: the job kind's default), labelled "NAME: ...":
 * `reproduce TASK --architecture NAME` and `reproduce paper` take every flag `train NAME` takes.
 */
/** What a baseline's field left empty means when the pipeline decides it (its size, and what every baseline shares). */
const emptyMeans: Record<string, string> = {
  neurons: '--neurons',
  layer1: 'half of --neurons',
  layer2: 'half of --neurons',
  trainSamples: '--baseline-train-samples, else the job kind\'s default',
  epochs: '--baseline-epochs, else the job kind\'s default',
}

function baselineFields<A extends PipelineBaseline>(architecture: A, title: string): BaselineFields<A> {
  const out: Record<string, unknown> = {}
  const shape = pipelineBaselines[architecture].shape as Record<string, s.Schema<unknown> & { doc: (m: { label?: string; help?: string }) => s.Schema<unknown> }>
  for (const k of baselineOwnKeys(architecture)) {
    const info = shape[k].info()
    const empty = emptyMeans[k] ?? `the default of \`mimic train ${architecture}\`, ${Array.isArray(info.default) ? info.default.join(',') : String(info.default)}${info.unit ? ` ${info.unit}` : ''}`
    const help = `${info.help ?? info.label ?? k} (empty: ${empty})`
    // only with its architecture (forms show it then; `reproduce paper`, which trains every architecture, drops the condition)
    // an order between two of its fields (FieldInfo.above) holds between their pipeline fields, each left out standing for its default
    const above = info.above?.map((a) => ({ ...a, field: baselineFieldName(architecture, a.field) }))
    out[baselineFieldName(architecture, k)] = s.optional(shape[k]).doc({ label: `${title}: ${info.label ?? k}`, help, when: { field: 'architecture', equals: architecture }, above, emptyIs: info.default })
  }
  return out as BaselineFields<A>
}

export const pipelineParams = s.object({
  task: taskField.doc({ help: 'the task the whole method runs on (`mimic tasks list`)' }),
  architecture: s.withDefault(s.oneOf(['ads', 'bptt-snn', 'force', 'reservoir'] as const), 'ads').doc({
    label: 'Architecture',
    help: 'the spiking network trained and tested (the baselines need no teacher; each takes every flag of `mimic train NAME` as --NAME-FLAG, e.g. --bptt-snn-step-size, with that job kind\'s defaults)',
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
  baselineTrainSamples: s.optional(s.integer({ min: 1, max: 100_000 })).doc({ label: 'Baseline training samples', help: "with --architecture other than ads: every baseline's fresh training samples unless its own flag (--force-train-samples, ...) says otherwise (empty: its job kind's default); its size is --neurons (the BPTT network: half in each layer) unless its own flag says otherwise" }),
  baselineEpochs: s.optional(s.integer({ min: 1, max: 1000 })).doc({ label: 'Baseline epochs', help: "with --architecture force or bptt-snn: the epochs unless its own flag (--force-epochs, --bptt-snn-epochs) says otherwise (empty: its job kind's default)" }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples scoring both networks' }),
  ...teacherFields(),
  ...adsFields,
  ...baselineFields('bptt-snn', 'BPTT'),
  ...baselineFields('force', 'FORCE'),
  ...baselineFields('reservoir', 'Reservoir'),
  threads: threadsField,
})

/**
 * The BPTT network's two layers in a pipeline: the task's method setting where it has one (the wake
 * phrase: the paper's 768 in each layer, docs/method.md §13), else `--neurons` shared by the two layers
 * (320 = 160 + 160). `--bptt-snn-layer1/2` override either.
 */
export function bpttLayersOf(task: TaskName, neurons: number): { layer1: number; layer2: number } {
  const m = (taskDescriptors[task] as TaskDescriptor).methodDefaults?.['train.bptt-snn'] as { layer1?: number; layer2?: number } | undefined
  if (typeof m?.layer1 === 'number' && typeof m.layer2 === 'number') return { layer1: m.layer1, layer2: m.layer2 }
  return { layer1: Math.ceil(neurons / 2), layer2: Math.floor(neurons / 2) }
}

/** The `NAMEX` fields of a pipeline's parameters that were given, as the parameters of `train NAME`. */
export function baselineParamsGiven(p: Record<string, unknown>, architecture: PipelineBaseline): Record<string, unknown> {
  return Object.fromEntries(baselineOwnKeys(architecture).flatMap((k) => (p[baselineFieldName(architecture, k)] !== undefined ? [[k, p[baselineFieldName(architecture, k)]]] : [])))
}

/** The names of a pipeline's fields that belong to a baseline (`bpttSnnStepSize`, ...) other than `keep`. */
export function otherBaselineFields(keep: string): string[] {
  return pipelineBaselineNames.filter((a) => a !== keep).flatMap((a) => baselineOwnKeys(a).map((k) => baselineFieldName(a, k)))
}

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
          ...(d.summary.falseAccepts !== undefined && (taskDescriptors[taskOfParams(d.params)] as TaskDescriptor).detection ? [`  network ADS: ${fmt(d.summary.falseAccepts)} false accepts, ${fmt(d.summary.falseRejects)} false rejects; teacher: ${fmt(d.summary.teacherFalseAccepts)} false accepts, ${fmt(d.summary.teacherFalseRejects)} false rejects`] : []),
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
    { title: 'BPTT spiking network', help: 'with --architecture bptt-snn; empty: the defaults of `mimic train bptt-snn` (docs/method.md §13)', prefix: 'bpttSnn' },
    { title: 'FORCE', help: 'with --architecture force; empty: the defaults of `mimic train force` (docs/method.md §13)', prefix: 'force' },
    { title: 'Reservoir', help: 'with --architecture reservoir; empty: the defaults of `mimic train reservoir` (docs/method.md §13)', prefix: 'reservoir' },
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
