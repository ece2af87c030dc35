// Reading a bundle's arrays with their shapes checked: a bundle that lies about its sizes is refused
// by naming the run, the array and what was expected.
import { AppError } from '../../shared/errors.ts'
import type { Bundle } from './architecture.ts'

export function shapeOf(b: Bundle, name: string): number[] | undefined {
  return b.arrays.find((a) => a.name === name)?.shape
}

/** A float32 array of the bundle with exactly this shape. */
export function float32(b: Bundle, name: string, shape: readonly number[], what = 'a network'): Float32Array {
  const a = b.array(name)
  if (!a) throw new AppError('INVALID_ARGUMENT', `Run ${b.runId} has no "${name}" artifact, so it is not a complete ${what.replace(/^an? /, '')}.`)
  if (a.dtype !== 'float32' || a.shape.join('x') !== shape.join('x')) {
    throw new AppError('INVALID_ARGUMENT', `Run ${b.runId}: artifact "${name}" is ${a.dtype}[${a.shape.join(', ')}] but ${what} needs float32[${shape.join(', ')}].`)
  }
  return a.data as Float32Array
}

/** A positive integer size from the bundle's meta. */
export function size(b: Bundle, key: string, min = 1): number {
  const v = b.meta[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new AppError('INVALID_ARGUMENT', `Run ${b.runId}: its network bundle's meta.${key} is ${JSON.stringify(v)}, not an integer of at least ${min}: the bundle is damaged.`)
  }
  return v
}
