// The tasks the native trainers know by name: each draws fresh samples in a trainer
// (\`data: { <task>: { samplesPerEpoch, ... } }\`) and scores outputs by its decision rule
// (\`accuracy: '<task>'\`). One import and one entry per task.
import type { Check } from '../../check.ts'
import { obj } from '../../check.ts'
import { xorStream } from './xor.ts'

const streams = {
  xor: xorStream,
} as const satisfies Record<string, (required: string[]) => Check>

export type NativeTaskName = keyof typeof streams
export const nativeTaskNames = Object.keys(streams) as [NativeTaskName, ...NativeTaskName[]]

/** Options of a task's stream of fresh samples (each task checks its own). */
export interface TaskStreamOptions {
  samplesPerEpoch?: number
  durationS?: number
  inputSigmaSteps?: number
  targetSigmaSteps?: number
}

/** Fresh samples of one task each epoch, as the trainers take them: { [task]: options }. */
export type TaskStream = { [K in NativeTaskName]: { [P in K]: TaskStreamOptions } }[NativeTaskName]

/** The decision rule a trainer scores with: a task's, or 'none'. */
export type DecisionRuleName = NativeTaskName | 'none'

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** True when `v` names a task stream ({ <task>: {...} }) rather than being a dataset. */
export function isTaskStream(v: unknown): boolean {
  return isObj(v) && Object.keys(v).some((k) => Object.hasOwn(streams, k))
}

/** The check of a task stream (the task named by its key; `required`: options that must be given). */
export function taskStreamCheck(v: Record<string, unknown>, required: string[]): Check {
  const name = (Object.keys(v).find((k) => Object.hasOwn(streams, k)) ?? nativeTaskNames[0]) as NativeTaskName
  return obj({ [name]: streams[name](required) }, { required: [name] })
}
