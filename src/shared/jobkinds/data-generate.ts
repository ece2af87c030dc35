// Job kind "data.generate": draws a dataset from a task's seeded generator (`mimic data generate TASK`).
import * as s from '../schema.ts'
import type { Schema } from '../schema.ts'
import { generatingTasks, isTaskName, taskDescriptors, type TaskDescriptor } from '../tasks/index.ts'
import { taskField } from './fields.ts'
import type { JobKindSpec } from './spec.ts'

/**
 * The fields of every task's generator: a field that only one task's generator has applies only
 * when that task is chosen (forms hide it otherwise); the job parses the values again with the chosen
 * task's own schema, which refuses fields that task does not know.
 */
function generatorFields(): Record<string, Schema<unknown>> {
  const owners = new Map<string, string[]>()
  const first = new Map<string, Schema<unknown>>()
  for (const name of generatingTasks) {
    const gen = (taskDescriptors[name] as TaskDescriptor).generator!
    for (const [key, field] of Object.entries(gen.params.shape)) {
      owners.set(key, [...(owners.get(key) ?? []), name])
      if (!first.has(key)) first.set(key, field)
    }
  }
  const out: Record<string, Schema<unknown>> = {}
  for (const [key, field] of first) {
    const tasks = owners.get(key)!
    const only = tasks.length === 1 && generatingTasks.length > 1 ? tasks[0] : undefined
    // a field whose default differs between tasks (the samples of one task and another) says
    // each; the chosen task's default is put in by methodDefaultsOf (the service and the forms)
    const defaults = tasks.map((t) => `${t} ${String(ownDefaults(t)[key])}`)
    const differ = new Set(tasks.map((t) => ownDefaults(t)[key])).size > 1
    // a field of one task's generator has no default here (it would be recorded on another task's
    // runs); generatorDefaultsOf puts in its owner's default when that task is chosen (the forms and
    // the CLI's help show it)
    out[key] = only ? s.optional(field).doc({ when: { field: 'task', equals: only } }) : differ ? s.optional(field).doc({ help: `${field.info().help ?? ''} (default per task: ${defaults.join(', ')})`.trim() }) : field
  }
  return out
}

const defaultsByTask = new Map<string, Record<string, unknown>>()
/** The defaults of a task's generator parameters (built once per task). */
function ownDefaults(task: string): Record<string, unknown> {
  let d = defaultsByTask.get(task)
  if (!d) {
    const fields = (taskDescriptors[task as keyof typeof taskDescriptors] as TaskDescriptor).generator?.params.info().fields ?? {}
    d = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.default]))
    defaultsByTask.set(task, d)
  }
  return d
}

const kindDefaultsByTask = new Map<string, Record<string, unknown>>()
/**
 * The defaults of a task's generator for the job kind's fields that have none because they differ
 * between tasks (the samples of one task and another). `methodDefaultsOf` puts them in
 * for the parameters the user leaves out, so the run records them (also the fields of one task's
 * generator alone). Built once per task.
 */
export function generatorDefaultsOf(task: string): Record<string, unknown> {
  let d = kindDefaultsByTask.get(task)
  if (!d) {
    const fields = dataGenerateParams.info().fields ?? {}
    d = Object.fromEntries(Object.entries(ownDefaults(task)).filter(([k, v]) => v !== undefined && k in fields && fields[k].default === undefined))
    kindDefaultsByTask.set(task, d)
  }
  return { ...d }
}

export const dataGenerateParams = s.object({
  task: taskField.doc({ help: 'the task whose generator draws the samples (`mimic tasks list`)' }),
  ...generatorFields(),
})

export const dataGenerate = {
  name: 'data.generate',
  label: 'Generated dataset',
  runKind: 'dataset',
  runName: '{task} dataset',
  description: "Draws samples from a task's seeded generator and stores inputs, targets and labels as artifacts.",
  params: dataGenerateParams,
  // a generator that makes samples side by side (a synthesised corpus) takes the free cores; the others one
  taskDefaults: generatorDefaultsOf,
  resources: { cores: 'all', minCores: 1, coresFor: (p) => (isTaskName(p.task) && (taskDescriptors[p.task] as TaskDescriptor).generator?.parallel ? null : 1) },
  cli: { command: ['data', 'generate'], positionals: ['task'], dirFlags: { 'noise-dir': 'noise' }, synopsis: 'TASK --project ID [--count N] [--seed S] [--noise-dir DIR] ...' },
  view: 'dataset',
  action: { action: 'New dataset', submit: 'Generate' },
} as const satisfies JobKindSpec
