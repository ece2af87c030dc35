// Matrices as images: pooling a [rows, cols] matrix down to at most `size` × `size` cells (each cell
// keeps the entry of largest magnitude in its block, so sparse strong weights stay visible), a
// diverging colour map (blue negative, white zero, red positive), and histogram bins.

export interface Pooled {
  /** out rows × out cols, row-major */
  values: Float32Array
  rows: number
  cols: number
  /** matrix rows (cols) per cell */
  rowBlock: number
  colBlock: number
}

export function pooledShape(rows: number, cols: number, size: number): { rows: number; cols: number; rowBlock: number; colBlock: number } {
  const rowBlock = Math.max(1, Math.ceil(rows / size))
  const colBlock = Math.max(1, Math.ceil(cols / size))
  return { rows: Math.ceil(rows / rowBlock), cols: Math.ceil(cols / colBlock), rowBlock, colBlock }
}

export function emptyPooled(rows: number, cols: number, size: number): Pooled {
  const s = pooledShape(rows, cols, size)
  return { ...s, values: new Float32Array(s.rows * s.cols) }
}

/**
 * Pools matrix rows [firstRow, firstRow + chunkRows) (given row-major in `chunk`, `cols` wide) into
 * `out`. Chunks can arrive in any order; a block split across chunks keeps its largest magnitude.
 */
export function poolRows(out: Pooled, chunk: ArrayLike<number>, firstRow: number, cols: number): void {
  const chunkRows = Math.floor(chunk.length / cols)
  for (let r = 0; r < chunkRows; r++) {
    const orow = Math.floor((firstRow + r) / out.rowBlock) * out.cols
    const base = r * cols
    for (let c = 0; c < cols; c++) {
      const v = chunk[base + c]
      const o = orow + Math.floor(c / out.colBlock)
      if (Math.abs(v) > Math.abs(out.values[o])) out.values[o] = v
    }
  }
}

/**
 * Like poolRows, for a matrix stored transposed: stored rows [firstRow, firstRow + chunkRows)
 * (`cols` wide) become columns of the pooled picture, stored columns its rows. Weight matrices
 * stored [pre, post] are drawn [post, pre] this way, one chunk of stored rows at a time.
 */
export function poolRowsTransposed(out: Pooled, chunk: ArrayLike<number>, firstRow: number, cols: number): void {
  const chunkRows = Math.floor(chunk.length / cols)
  for (let r = 0; r < chunkRows; r++) {
    const ocol = Math.floor((firstRow + r) / out.colBlock)
    const base = r * cols
    for (let c = 0; c < cols; c++) {
      const v = chunk[base + c]
      const o = Math.floor(c / out.rowBlock) * out.cols + ocol
      if (Math.abs(v) > Math.abs(out.values[o])) out.values[o] = v
    }
  }
}

/** The colour scale's half-width: the 99.5th percentile of |v| (a few outliers do not wash it out). */
export function robustScale(values: ArrayLike<number>): number {
  const n = values.length
  if (n === 0) return 1
  const abs = new Float32Array(n)
  for (let i = 0; i < n; i++) abs[i] = Math.abs(values[i]) || 0
  abs.sort()
  const v = abs[Math.min(n - 1, Math.floor(0.995 * (n - 1)))]
  return v > 0 ? v : abs[n - 1] > 0 ? abs[n - 1] : 1
}

/** Blue (−scale) – white (0) – red (+scale), as RGB bytes. */
export function divergingRgb(v: number, scale: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v / scale))
  // endpoints: #2457c5 (negative), #c92a2a (positive)
  if (t < 0) {
    const a = -t
    return [Math.round(255 + a * (0x24 - 255)), Math.round(255 + a * (0x57 - 255)), Math.round(255 + a * (0xc5 - 255))]
  }
  return [Math.round(255 + t * (0xc9 - 255)), Math.round(255 + t * (0x2a - 255)), Math.round(255 + t * (0x2a - 255))]
}

/** The little of a canvas 2D context that paint uses (this module is also loaded outside a browser, by tests). */
interface ImageContext<I extends { data: Uint8ClampedArray }> {
  createImageData(width: number, height: number): I
  putImageData(image: I, x: number, y: number): void
}

export function paint<I extends { data: Uint8ClampedArray }>(ctx: ImageContext<I>, p: Pooled, scale: number): void {
  const img = ctx.createImageData(p.cols, p.rows)
  for (let i = 0; i < p.values.length; i++) {
    const [r, g, b] = divergingRgb(p.values[i], scale)
    img.data[i * 4] = r
    img.data[i * 4 + 1] = g
    img.data[i * 4 + 2] = b
    img.data[i * 4 + 3] = 255
  }
  ctx.putImageData(img, 0, 0)
}

export interface Histogram {
  /** bin centres */
  centres: Float64Array
  counts: Float64Array
  width: number
  min: number
  max: number
}

export function histogram(values: ArrayLike<number>, bins?: number): Histogram {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!Number.isFinite(v)) continue
    if (v < min) min = v
    if (v > max) max = v
  }
  if (!Number.isFinite(min)) return { centres: new Float64Array(0), counts: new Float64Array(0), width: 1, min: 0, max: 0 }
  const n = bins ?? Math.max(8, Math.min(60, Math.ceil(Math.sqrt(values.length))))
  if (max === min) {
    min -= 0.5
    max += 0.5
  }
  const width = (max - min) / n
  const centres = new Float64Array(n)
  const counts = new Float64Array(n)
  for (let b = 0; b < n; b++) centres[b] = min + (b + 0.5) * width
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!Number.isFinite(v)) continue
    counts[Math.min(n - 1, Math.floor((v - min) / width))]++
  }
  return { centres, counts, width, min, max }
}
