// The task registry (pure descriptors). A task is added with one import and one entry here (plus
// its Node side in src/plugins/tasks/index.ts and its sample view in renderer/src/tasks/index.ts).
import type { TaskDescriptor } from './descriptor.ts'
import { xorTask } from './xor.ts'

export const taskDescriptors = {
  xor: xorTask,
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

export type { TaskDescriptor, FittedSetting } from './descriptor.ts'

/** Tasks that draw their own samples (a seeded generator): the ones trainers can draw fresh samples of. */
export const generatingTasks = taskNames.filter((n) => (taskDescriptors[n] as TaskDescriptor).generator !== undefined) as [TaskName, ...TaskName[]]
