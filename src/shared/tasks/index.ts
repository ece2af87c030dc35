// The task registry (pure descriptors). A task is added with one import and one entry here (plus
// its Node side in src/plugins/tasks/index.ts and its sample view in renderer/src/tasks/index.ts).
import type { FieldInfo } from '../schema.ts'
import type { FittedSetting, TaskDescriptor } from './descriptor.ts'
import { wakePhraseTask } from './wake-phrase.ts'
import { xorTask } from './xor.ts'

export const taskDescriptors = {
  xor: xorTask,
  'wake-phrase': wakePhraseTask,
} as const satisfies Record<string, TaskDescriptor>

export type TaskName = keyof typeof taskDescriptors
export const taskNames = Object.keys(taskDescriptors) as [TaskName, ...TaskName[]]

/** The task of data stored before tasks were recorded (a dataset run without params.task): the first registered. */
export const defaultTask: TaskName = taskNames[0]

/** The names of the renderer's sample views (renderer/src/tasks/index.ts maps each to a component). */
export type SampleViewName = (typeof taskDescriptors)[TaskName]['sampleView']

export function isTaskName(name: unknown): name is TaskName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(taskDescriptors, name)
}

/** The task of a run's parameters: `params.task` when it names a registered task, else the default. */
export function taskOfParams(params: Record<string, unknown>): TaskName {
  return isTaskName(params.task) ? params.task : defaultTask
}

/** Tasks whose samples have these channels and outputs ('any' fits everything). */
export function tasksFitting(channels: number, outputs: number): TaskName[] {
  return taskNames.filter((n) => {
    const t: TaskDescriptor = taskDescriptors[n]
    return (t.channels === 'any' || t.channels === channels) && (t.outputs === 'any' || t.outputs === outputs)
  })
}


/** Tasks that draw their own samples (a seeded generator): the ones trainers can draw fresh samples of. */
export const generatingTasks = taskNames.filter((n) => (taskDescriptors[n] as TaskDescriptor).generator !== undefined) as [TaskName, ...TaskName[]]

/** What `tasks.list` reports about a task (plain data). */
export interface TaskInfo {
  name: TaskName
  label: string
  description: string
  channels: number | 'any'
  outputs: number | 'any'
  dtMs: number
  /** steps of a sample with the generator's defaults; null when samples have no fixed length */
  steps: number | null
  /** its generator's parameters (`mimic data generate NAME`), or null when it only takes imported data */
  generator: FieldInfo | null
  decisionRule: string
  fitted: FittedSetting[]
  sampleView: string
  /** a detection task: its false accepts and rejects are reported (TaskDescriptor.detection) */
  detection: boolean
}

export function taskInfo(name: TaskName): TaskInfo {
  const t: TaskDescriptor = taskDescriptors[name]
  return {
    name,
    label: t.label,
    description: t.description,
    channels: t.channels,
    outputs: t.outputs,
    dtMs: t.dtMs,
    steps: t.durationS !== undefined ? Math.round((t.durationS * 1000) / t.dtMs) : null,
    generator: t.generator ? t.generator.params.info() : null,
    decisionRule: t.decisionRule.summary,
    fitted: [...t.fitted],
    sampleView: t.sampleView,
    detection: t.detection === true,
  }
}

export type { TaskDescriptor, FittedSetting } from './descriptor.ts'
