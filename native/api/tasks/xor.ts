// The temporal XOR task's native functions (native/binding/tasks.cpp, native/core/xor_task.*): its
// generator, its decision rule, and the options of its sample stream in the trainers.
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../../runtime.ts'
import { check, f32, int, num, obj, type Check } from '../../check.ts'

interface RawTasks {
  xorGenerate(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawXorBatch>
  xorDecision(outputs: Float32Array, options: object, targets?: Float32Array): XorDecisionResult
}

export interface XorOptions {
  count: number
  seed: number
  durationS?: number
  dtS?: number
  inputSigmaSteps?: number
  targetSigmaSteps?: number
  /** 0 = all threads of the pool */
  threads?: number
}

export interface RawXorBatch {
  count: number
  steps: number
  /** [count, steps, 1] */
  inputs: Float32Array
  /** [count, steps, 1] */
  targets: Float32Array
  /** [count], +1 when the two pulses have different signs, else -1 */
  labels: Int8Array
}

const xorOptions = obj(
  { count: int, seed: int, durationS: num, dtS: num, inputSigmaSteps: num, targetSigmaSteps: num, threads: int },
  { required: ['count', 'seed'], names: 'bare' },
)

/** Temporal XOR samples (METHOD.md §7); sample i depends only on (seed, i). */
export function generateXor(options: XorOptions, run: RunOptions = {}): Promise<RawXorBatch> {
  check(options, xorOptions, 'options')
  return runNative<RawXorBatch, RawTasks>((raw, progress, token) => raw.xorGenerate(options, progress, token), run)
}

export interface XorDecisionOptions {
  count: number
  steps: number
  /** output channels per step; default 1 */
  outputs?: number
  /** y_s[t] = alpha y_s[t-1] + (1 - alpha) y[t]; default 0.95 */
  alpha?: number
  /** default 0.5 */
  threshold?: number
  /** label = 1 when the target ever exceeds this; default 0.5 */
  labelThreshold?: number
}

export interface XorDecisionResult {
  /** [count, outputs]: 1, -1, or 0 (no decision; counts as wrong) */
  predictions: Int8Array
  /** [count, outputs], when targets were given */
  labels?: Int8Array
  correct?: number
  accuracy?: number
}

const decisionSchema = obj(
  { count: int, steps: int, outputs: int, alpha: num, threshold: num, labelThreshold: num },
  { required: ['count', 'steps'], names: 'bare' },
)

/** Temporal-XOR decision (METHOD.md §6) for every sample and output channel; synchronous, O(count·steps·outputs). */
export function xorDecision(outputs: Float32Array, options: XorDecisionOptions, targets?: Float32Array): XorDecisionResult {
  check(outputs, f32, 'outputs')
  check(options, decisionSchema, 'options')
  if (targets !== undefined) check(targets, f32, 'targets')
  return addon<RawTasks>().xorDecision(outputs, options, targets)
}

/** The options of fresh temporal-XOR samples in a trainer (`data: { xor: {...} }`); `required`: keys that must be given. */
export function xorStream(required: string[]): Check {
  return obj({ samplesPerEpoch: int, durationS: num, inputSigmaSteps: num, targetSigmaSteps: num }, { required })
}
