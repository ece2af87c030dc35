// Pooling weight matrices for the heatmaps: a matrix stored [pre, post] and pooled transposed, in
// chunks of stored rows, gives exactly the picture of the same matrix stored [post, pre].
import { describe, expect, it } from 'vitest'
import { emptyPooled, poolRows, poolRowsTransposed } from '../../renderer/src/lib/chart/heatmap.ts'

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 32 - 0.5
  }
  return out
}

describe('heatmap pooling', () => {
  for (const [rows, cols, chunk, blocks] of [
    [6, 6, 6, 1],
    [600, 600, 37, 9],
    [300, 520, 64, 6],
  ] as const) {
    it(`pools a ${rows} × ${cols} matrix stored transposed like its transpose (chunks of ${chunk} rows)`, () => {
      // `stored` is [rows, cols] ([pre, post]); `drawn` is its transpose [cols, rows] ([post, pre])
      const stored = seeded(rows * cols, rows + cols)
      const drawn = new Float32Array(rows * cols)
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) drawn[c * rows + r] = stored[r * cols + c]

      const expected = emptyPooled(cols, rows, 256)
      poolRows(expected, drawn, 0, rows)
      const got = emptyPooled(cols, rows, 256)
      for (let start = 0; start < rows; start += chunk) poolRowsTransposed(got, stored.subarray(start * cols, Math.min(rows, start + chunk) * cols), start, cols)

      expect(got.rows).toBe(expected.rows)
      expect(got.cols).toBe(expected.cols)
      expect(Array.from(got.values)).toEqual(Array.from(expected.values))
      // cells per block: the big ones really were pooled (each cell is a block's largest magnitude)
      expect(got.rowBlock * got.colBlock).toBe(blocks)
    })
  }

  it('keeps row r, column c of a small matrix stored [pre, post] as the weight from c to r', () => {
    // stored[pre][post]: the weight from pre 0 to post 1 is 5, from 1 to 0 is -2
    const stored = Float32Array.from([0, 5, -2, 0])
    const p = emptyPooled(2, 2, 256)
    poolRowsTransposed(p, stored, 0, 2)
    expect(Array.from(p.values)).toEqual([0, -2, 5, 0])
  })
})
