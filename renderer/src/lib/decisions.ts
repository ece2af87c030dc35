// The temporal-XOR read-out of METHOD.md §6, for display: the smoothed output
// y_s[t] = 0.95·y_s[t−1] + 0.05·ỹ[t], the ±0.5 decision rule, and confusion counts of decisions
// against labels. The evaluation job computes the scores; this only redraws what it decided.
import type { TypedArray } from '../../../src/shared/types.ts'

export const smoothingDecay = 0.95
export const decisionThreshold = 0.5

/** y_s of one output trace (starting from y_s = 0). */
export function smoothOutput(y: ArrayLike<number>, decay = smoothingDecay): Float32Array {
  const out = new Float32Array(y.length)
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const v = y[i]
    s = decay * s + (1 - decay) * (Number.isFinite(v) ? v : 0)
    out[i] = s
  }
  return out
}

/** 1 if y_s exceeds +0.5 anywhere, else −1 if it falls below −0.5 anywhere, else 0 (no decision). */
export function decide(ys: ArrayLike<number>, threshold = decisionThreshold): 1 | -1 | 0 {
  let low = false
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] > threshold) return 1
    if (ys[i] < -threshold) low = true
  }
  return low ? -1 : 0
}

export function decisionText(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return v > 0 ? '+1' : v < 0 ? '−1' : 'none'
}

/** counts[row][col]: how often a sample with row value r got col value c (values 1, −1, 0). */
export interface Confusion {
  counts: number[][]
  total: number
  /** entries where row and column agree */
  diagonal: number
}

function index(v: number): number {
  return v > 0 ? 0 : v < 0 ? 1 : 2
}

/**
 * Confusion of `cols` against `rows` for the first output: `rows` has one value per sample,
 * `cols` `stride` values per sample (predictions [S, O]).
 */
export function confusion(rows: TypedArray, cols: TypedArray, stride = 1): Confusion {
  const counts = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]
  const total = Math.min(rows.length, Math.floor(cols.length / Math.max(1, stride)))
  let diagonal = 0
  for (let s = 0; s < total; s++) {
    const r = index(rows[s])
    const c = index(cols[s * stride])
    counts[r][c]++
    if (r === c) diagonal++
  }
  return { counts, total, diagonal }
}
