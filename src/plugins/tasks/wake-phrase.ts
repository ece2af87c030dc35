// The Node side of the wake-phrase task (docs/method.md §2.2): its targets; no native generator and no stream of
// fresh training samples; its datasets are imported recordings (src/plugins/audio-import.ts) through
// the audio front end. Its decision rule is native (taskScore 'wake-phrase').
import type { TaskImpl } from './task.ts'

export const wakePhraseTaskImpl = {
  name: 'wake-phrase',
} as const satisfies TaskImpl

/** Steps of a sample (5 s at 1 ms; docs/method.md §2.2). */
export const wakePhraseSteps = 5000
export const wakePhraseBands = 16

/**
 * The target of one sample (docs/method.md §2.2): 0 for a negative; for a positive, a bump that rises
 * over 0.2 s (raised cosine) from `endStep` (where the phrase ends) to 1, holds 0.5 s and falls over
 * 0.2 s; cut at the end of the sample.
 */
export function wakePhraseTarget(steps: number, positive: boolean, endStep: number): Float32Array {
  const y = new Float32Array(steps)
  if (!positive) return y
  const rise = 200, hold = 500, fall = 200
  for (let t = Math.max(0, endStep); t < Math.min(steps, endStep + rise + hold + fall); t++) {
    const u = t - endStep
    y[t] = u < rise ? 0.5 - 0.5 * Math.cos((Math.PI * u) / rise) : u < rise + hold ? 1 : 0.5 + 0.5 * Math.cos((Math.PI * (u - rise - hold)) / fall)
  }
  return y
}

/**
 * Where the speech in a recording ends, from its band envelopes [steps, bands]: the last step where
 * the summed envelope (a 50 ms moving mean) is above its floor (10th percentile) plus a quarter of
 * the way to its peak. Used for imported recordings, whose phrase timing is not known.
 */
export function speechEndStep(features: Float32Array, steps: number, bands: number): number {
  const e = new Float64Array(steps)
  for (let t = 0; t < steps; t++) for (let b = 0; b < bands; b++) e[t] += features[t * bands + b]
  const w = 50
  const m = new Float64Array(steps)
  let acc = 0
  for (let t = 0; t < steps; t++) {
    acc += e[t] - (t >= w ? e[t - w] : 0)
    m[t] = acc / Math.min(t + 1, w)
  }
  const sorted = Float64Array.from(m).sort()
  const floor = sorted[Math.floor(0.1 * (steps - 1))], peak = sorted[steps - 1]
  const level = floor + 0.25 * (peak - floor)
  for (let t = steps - 1; t >= 0; t--) if (m[t] > level) return t
  return 0
}
