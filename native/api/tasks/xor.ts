// The temporal XOR task (native/core/tasks/xor_task.*, xor_entry.cpp): the types of its generator's and
// rule's options, and its generator with those types. Everything else goes through the generic task
// functions of ./index.ts (taskGenerate, taskScore, the trainers' `data.task` and `decision`).
import type { RunOptions } from '../../runtime.ts'
import { taskGenerate, type TaskBatch, type TaskGenerateOptions } from './index.ts'

export interface XorSourceOptions {
  /** length of a sample (s); default 1 */
  durationS?: number
  /** Gaussian smoothing of the input pulses (steps); default 10 */
  inputSigmaSteps?: number
  /** Gaussian smoothing of the target pulse (steps); default 20 */
  targetSigmaSteps?: number
}

export interface XorRuleOptions {
  /** y_s[t] = alpha·y_s[t−1] + (1 − alpha)·y[t]; default 0.95 */
  alpha?: number
  /** +1 where y_s > threshold, else −1 where y_s < −threshold; default 0.5 */
  threshold?: number
  /** label +1 when the target ever exceeds it; default 0.5 */
  labelThreshold?: number
}

export interface XorTask {
  source: XorSourceOptions
  rule: XorRuleOptions
}

export type XorOptions = TaskGenerateOptions & XorSourceOptions

/** Temporal XOR samples (METHOD.md §7); sample i depends only on (seed, i). Labels: +1 when the two pulses have different signs. */
export function generateXor(options: XorOptions, run: RunOptions = {}): Promise<TaskBatch> {
  return taskGenerate('xor', options, run)
}
