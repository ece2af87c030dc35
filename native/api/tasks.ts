// Task generators (native/binding/tasks.cpp).
import { runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { check, int, num, obj } from '../check.ts'

interface RawTasks {
  xorGenerate(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawXorBatch>
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
