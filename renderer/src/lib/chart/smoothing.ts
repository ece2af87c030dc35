// Display-only smoothing of an output trace: s[t] = decay·s[t−1] + (1 − decay)·y[t] from s = 0,
// with the decay a task declares for its read-out (src/shared/tasks). It only redraws what a task's
// decision rule reads; the decisions the pages show are the ones the evaluation stored.
import type { TypedArray } from '../../../../src/shared/types.ts'
import type { Line } from './lines.ts'
import { withAlpha } from './palette.ts'

export function exponentialSmoothing(y: ArrayLike<number>, decay: number): Float32Array {
  const out = new Float32Array(y.length)
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const v = y[i]
    s = decay * s + (1 - decay) * (Number.isFinite(v) ? v : 0)
    out[i] = s
  }
  return out
}

/**
 * Display-only running sum of a smoothed trace over the current stretch where it is ≥ `level` (0
 * outside such stretches; the sum restarts after the trace falls below the level): what a task whose
 * score is "the largest such sum" compares with its fitted boundary (docs/method.md §6). The decision
 * the pages show is still the stored one.
 */
export function stretchSum(ys: ArrayLike<number>, level: number): Float32Array {
  const out = new Float32Array(ys.length)
  let sum = 0
  for (let i = 0; i < ys.length; i++) {
    sum = ys[i] >= level ? sum + ys[i] : 0
    out[i] = sum
  }
  return out
}

/** What a sample view draws of one network output (its legend name and colour; `decided`: the page shows its stored decision). */
interface DrawnOutput {
  name: string
  color: string
  decided?: boolean
}

/**
 * The lines of one network output in a task's sample view: the output whose decision the page shows,
 * of a task that declares its read-out's smoothing (`decay`), faint under the smoothed trace y_s its
 * rule reads (returned as `smoothed`, for what the view draws from it); any other output as it is.
 */
export function outputLines(o: DrawnOutput, y: TypedArray, decay: number | undefined): { lines: Line[]; smoothed: Float32Array | null } {
  if (!o.decided || decay === undefined) return { lines: [{ column: y, label: o.name, stroke: o.color, width: 1.25 }], smoothed: null }
  const smoothed = exponentialSmoothing(y, decay)
  return {
    lines: [
      { column: y, label: o.name, stroke: withAlpha(o.color, 0.4), width: 1 },
      { column: smoothed, label: 'y_s (smoothed)', stroke: o.color, width: 2 },
    ],
    smoothed,
  }
}
