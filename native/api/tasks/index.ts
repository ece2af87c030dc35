// Tasks by name (native/binding/tasks.cpp, native/core/task.hpp): a task's seeded samples
// (taskGenerate), its decision rule on outputs (taskScore), and the forms in which the trainers take a
// task: fresh samples each epoch (`data: { task: {...} }`) and a decision rule (`decision: {...}`).
// Nothing here names a task; the registry below lists the native tasks with the types of their options
// (one import and one entry per task).
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../../runtime.ts'
import { argError, bool, check, describe, f32, int, num, obj, str, typed, type Check } from '../../check.ts'
import type { WakePhraseTask } from './wake-phrase.ts'
import type { XorTask } from './xor.ts'

/** The native tasks and the options of their generators and decision rules. */
export interface NativeTasks {
  xor: XorTask
  'wake-phrase': WakePhraseTask
}

export type NativeTaskName = keyof NativeTasks

/** A task's numeric setting as the native registry declares it. */
export interface TaskSettingInfo {
  name: string
  min: number
  max: number
  default: number
  integer: boolean
  doc: string
}

/** A registered native task: its settings, and its samples' shape at the default options and dtMs = 1. */
export interface NativeTaskInfo {
  name: string
  /** false: the task draws no samples (its data are imported) */
  generator: boolean
  channels: number | null
  outputs: number | null
  steps: number | null
  sourceOptions: TaskSettingInfo[]
  ruleOptions: TaskSettingInfo[]
  /** settings the rule fits on validation data (their defaults hold until fitted) */
  fitted: TaskSettingInfo[]
}

/** Fresh samples of a task each epoch, as the trainers take them (`data: { task: ... }`). */
export type TaskData = {
  [K in NativeTaskName]: { name: K; options?: NativeTasks[K]['source']; samplesPerEpoch?: number }
}[NativeTaskName]

/** A task's decision rule with its options and fitted settings (`decision` of the trainers and evaluateAds). */
export type TaskDecision = {
  [K in NativeTaskName]: { task: K; options?: NativeTasks[K]['rule']; fitted?: Record<string, number> }
}[NativeTaskName]

export interface TaskBatch {
  count: number
  steps: number
  channels: number
  outputs: number
  /** [count, steps, channels] */
  inputs: Float32Array
  /** [count, steps, outputs] */
  targets: Float32Array
  /** [count, outputs], +1 or −1 */
  labels: Int8Array
}

/** What taskGenerate takes besides the task's own generator options. */
export interface TaskGenerateOptions {
  count: number
  seed: number
  /** the samples' time step (ms); default 1 */
  dtMs?: number
  /** 0 = all threads of the pool (default); the samples do not depend on it */
  threads?: number
  /** the samples a trainer (teacher or ADS) seeded `seed` draws fresh in this epoch (0-based) instead of the stream `seed` itself */
  trainingEpoch?: number
}

export interface TaskScoreInput<K extends NativeTaskName = NativeTaskName> {
  /** [count, steps, outputs] */
  outputs: Float32Array
  shape: [count: number, steps: number, outputs: number]
  /** [count, steps, outputs]: labels are read from them by the rule (when `labels` are not given) */
  targets?: Float32Array
  /** [count, outputs], +1 or −1 */
  labels?: Int8Array
  /** the rule's options (default: the task's) */
  options?: NativeTasks[K]['rule']
  /** the rule's fitted settings (default: their defaults) */
  fitted?: Record<string, number>
  /** fit the rule's settings to these outputs and labels first (the result's `fitted`) */
  fit?: boolean
  /** return the trace the rule reads its decision off */
  smoothed?: boolean
}

export interface TaskScore {
  /** [count, outputs]: +1, −1, or 0 (no decision, counted as wrong) */
  decisions: Int8Array
  /** [count, outputs]; null without labels and targets */
  labels: Int8Array | null
  correct: number | null
  /** correct / (count · outputs); null without labels and targets */
  accuracy: number | null
  /** decisions that are 0 */
  undecided: number
  /** the fitted settings the decisions were made with */
  fitted: Record<string, number>
  /** [count, steps, outputs], when asked for */
  smoothed?: Float32Array
}

interface RawTasks {
  taskGenerate(task: string, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<TaskBatch>
  taskScore(task: string, data: object): TaskScore
  taskList(): NativeTaskInfo[]
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)

/**
 * An object of numbers (which keys, and their ranges, are the binding's to check: each task declares
 * its own); its values named `name.key`, or the bare key (as taskGenerate's binding names them).
 */
function numbersNamed(bare: boolean): Check {
  return (v, name) => {
    if (!isObj(v)) throw argError('type', `Expected an object for ${name} but received ${describe(v)}`)
    for (const [k, x] of Object.entries(v)) num(x, bare ? k : `${name}.${k}`)
  }
}
const numbers = numbersNamed(false)

/** `data: { task: {...} }` of the trainers (`required`: keys of the task object that must be given besides name). */
export function taskDataCheck(required: string[] = []): Check {
  return obj({ task: obj({ name: str(), options: numbers, samplesPerEpoch: int }, { required: ['name', ...required] }) }, { required: ['task'] })
}

/** `decision` of the trainers and evaluateAds. */
export const taskDecisionCheck: Check = (v, name) => {
  if (v !== null) obj({ task: str(), options: numbers, fitted: numbers }, { required: ['task'] })(v, name)
}

/** True when `v` is fresh samples of a task (`{ task: ... }`) rather than a dataset. */
export function isTaskData(v: unknown): boolean {
  return isObj(v) && Object.hasOwn(v, 'task')
}

/** The native tasks (with their generator, rule and fitted settings). */
export function taskList(): NativeTaskInfo[] {
  return addon<RawTasks>().taskList()
}

/** Seeded samples of a task (sample i depends only on (seed, i)); `options` also holds the task's generator options. */
export function taskGenerate<K extends NativeTaskName>(task: K, options: TaskGenerateOptions & NativeTasks[K]['source'], run: RunOptions = {}): Promise<TaskBatch> {
  check(task, str(), 'task')
  check(options, numbersNamed(true), 'options')
  return runNative<TaskBatch, RawTasks>((raw, progress, token) => raw.taskGenerate(task, options, progress, token), run)
}

const scoreSchema = obj({
  outputs: f32,
  shape: (v, name) => {
    if (!Array.isArray(v)) throw argError('type', `Expected an array [count, steps, outputs] for ${name} but received ${describe(v)}`)
  },
  targets: f32,
  labels: typed('Int8Array'),
  options: numbers,
  fitted: numbers,
  fit: bool,
  smoothed: bool,
}, { required: ['outputs', 'shape'] })

/**
 * A task's decision rule on outputs [count, steps, outputs] (every sample and output), with the labels
 * (given, or read from the targets by the rule) and the accuracy; synchronous, O(count·steps·outputs),
 * at most 2^24 elements per call.
 */
export function taskScore<K extends NativeTaskName>(task: K, data: TaskScoreInput<K>): TaskScore {
  check(task, str(), 'task')
  check(data, scoreSchema, 'data')
  return addon<RawTasks>().taskScore(task, data)
}
