// Decisions as the pages show them: stored per-sample decisions (1, −1, or 0 for none, as the
// evaluation wrote them through the task's decision rule) as text, and confusion counts of one
// set of decisions against another. No decision is made here.
import type { TypedArray } from '../../../src/shared/types.ts'

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
