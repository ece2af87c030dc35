// The job-kind registry: one import and one entry per kind (its implementation is registered in
// src/jobs/kinds/index.ts, its run view in renderer/src/views/runs/index.ts).
import type { Schema } from '../schema.ts'
import { isTaskName, taskDescriptors, taskNames, taskOfParams, type TaskDescriptor, type TaskName } from '../tasks/index.ts'
import { dataGenerate } from './data-generate.ts'
import { dataImportAudio } from './data-import-audio.ts'
import { deploy } from './deploy.ts'
import { evaluation } from './eval.ts'
import { finetune } from './finetune.ts'
import { hil } from './hil.ts'
import { networkCreate } from './network-create.ts'
import { pipeline } from './pipeline.ts'
import { reproducePaper } from './reproduce-paper.ts'
import { robustness } from './robustness.ts'
import { simulate } from './simulate.ts'
import { groupFields, type FieldGroup, type JobKindSpec } from './spec.ts'
import { trainAds } from './train-ads.ts'
import { trainTeacher } from './train-teacher.ts'
import { chipYield } from './yield.ts'
import { trainBpttSnn, trainForce, trainReservoir } from './train-baselines.ts'

export const jobKinds = {
  'data.generate': dataGenerate,
  'data.import-audio': dataImportAudio,
  'network.create': networkCreate,
  'train.teacher': trainTeacher,
  'train.ads': trainAds,
  'train.reservoir': trainReservoir,
  'train.force': trainForce,
  'train.bptt-snn': trainBpttSnn,
  pipeline: pipeline,
  'reproduce.paper': reproducePaper,
  eval: evaluation,
  simulate: simulate,
  robustness: robustness,
  yield: chipYield,
  deploy: deploy,
  hil: hil,
  finetune: finetune,
} as const satisfies Record<string, JobKindSpec>

export type JobKindName = keyof typeof jobKinds
export const jobKindNames = Object.keys(jobKinds) as [JobKindName, ...JobKindName[]]

/** The run views the specs name (renderer/src/views/runs/index.ts maps each to a component). */
export type RunViewName = (typeof jobKinds)[JobKindName]['view']

/**
 * Job kinds stored under older names (databases written before tasks were plug-ins; each task lists
 * its own): read as the kind that replaced them. Their parameters parse as the new kind's, whose new
 * fields (the task) have defaults.
 */
const renamedJobKinds: Readonly<Record<string, string>> = Object.assign(
  {},
  ...taskNames.map((n) => (taskDescriptors[n] as TaskDescriptor).formerJobKinds ?? {}),
)

/** The current name of a stored job kind (old names mapped; others, such as "stage:teacher", unchanged). */
export function currentJobKind(stored: string): string {
  return Object.prototype.hasOwnProperty.call(renamedJobKinds, stored) ? renamedJobKinds[stored] : stored
}

export function isJobKindName(name: unknown): name is JobKindName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(jobKinds, name)
}

export function jobKindSpec(kind: JobKindName): JobKindSpec {
  return jobKinds[kind]
}

export function jobParamsSchema(kind: JobKindName): Schema<unknown> {
  return jobKinds[kind].params as Schema<unknown>
}

/** The default name of a run of this kind with these (parsed) parameters, e.g. "<task label> pipeline · seed 3". */
export function defaultRunName(kind: JobKindName, params: Record<string, unknown>): string {
  const spec: JobKindSpec = jobKinds[kind]
  const base = (spec.runName ?? spec.label).replace('{task}', taskDescriptors[taskOfParams(params)].label)
  return typeof params.seed === 'number' ? `${base} · seed ${params.seed}` : base
}

/** How a kind's form groups its fields (null: one ungrouped grid). */
export function fieldGroups(kind: JobKindName): FieldGroup[] | null {
  const spec: JobKindSpec = jobKinds[kind]
  return groupFields(Object.keys(spec.params.info().fields ?? {}), spec.formGroups)
}

export type { ActionWording, CliSpec, ClusterItem, ClusterSplit, FieldGroup, GroupRule, JobKindSpec, Resources, StageSpec } from './spec.ts'
export { dataGenerateParams } from './data-generate.ts'
export { dataImportAudioParams } from './data-import-audio.ts'
export { deployParams, deployTargets, deploymentLoss, isDeployTargetName, parseSerials, remedyLoss } from './deploy.ts'
export { evalParams } from './eval.ts'
export { finetuneParams, finetuneTargets, isFinetuneTargetName } from './finetune.ts'
export { hilParams } from './hil.ts'
export { networkCreateParams } from './network-create.ts'
export { pipelineParams } from './pipeline.ts'
export { parseNames, reproducePaperParams, type ReproducePaperParams } from './reproduce-paper.ts'
export { simulateParams } from './simulate.ts'
export { trainAdsParams } from './train-ads.ts'
export { trainTeacherParams } from './train-teacher.ts'
export { robustnessParams } from './robustness.ts'
export { yieldParams } from './yield.ts'
export { trainBpttSnnParams, trainForceParams, trainReservoirParams } from './train-baselines.ts'

/**
 * The task a job's parameters imply (the one source for the service and the forms): its `task` when it
 * names one; else, for a kind with a task field left empty or a kind without one, the task of its
 * dataset (`data`), and for a kind without a task field (train.ads) that of its teacher; and for a kind
 * with a task field given neither a task nor a dataset, the field's default (the default task, whose
 * generator's fields data.generate takes). `taskOfRun` gives the task recorded with a run (undefined
 * when the run has none or is unknown). A form's empty text is a value left out.
 */
export function impliedTask(kind: JobKindName, params: Record<string, unknown>, taskOfRun: (id: unknown) => TaskName | undefined): TaskName | undefined {
  if (isTaskName(params.task)) return params.task
  if (params.task !== undefined && params.task !== '') return undefined
  const fields = jobKinds[kind].params.info().fields ?? {}
  const ofRuns = taskOfRun(params.data) ?? ('task' in fields ? undefined : taskOfRun(params.teacher))
  if (ofRuns !== undefined || (params.data !== undefined && params.data !== '')) return ofRuns
  const fallback = fields.task?.default
  return isTaskName(fallback) ? fallback : undefined
}

/**
 * The task's method settings for this kind (TaskDescriptor.methodDefaults, docs/method.md), keeping
 * only parameters the kind has: what `mimic` and the forms put in for the parameters the user leaves
 * out. Empty for a task without them.
 */
export function methodDefaultsOf(kind: JobKindName, task: TaskName | undefined): Record<string, unknown> {
  if (task === undefined) return {}
  const fields = jobKinds[kind].params.info().fields ?? {}
  const spec: JobKindSpec = jobKinds[kind]
  const defaults = { ...spec.taskDefaults?.(task), ...(taskDescriptors[task] as TaskDescriptor).methodDefaults?.[kind] }
  return Object.fromEntries(Object.entries(defaults).filter(([k]) => k in fields))
}
