// Columnar buffers for live series: appends amortised O(1), views without copying, so a chart gets
// typed arrays that grow as metric events arrive.
export class GrowableColumn {
  private buf: Float64Array
  length = 0

  constructor(capacity = 256) {
    this.buf = new Float64Array(capacity)
  }

  static from(values: ArrayLike<number>): GrowableColumn {
    const c = new GrowableColumn(Math.max(256, values.length * 2))
    c.buf.set(values)
    c.length = values.length
    return c
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2)
      next.set(this.buf)
      this.buf = next
    }
    this.buf[this.length++] = v
  }

  last(): number | undefined {
    return this.length ? this.buf[this.length - 1] : undefined
  }

  /** A view of the filled part (valid until the next push that grows the buffer). */
  view(): Float64Array {
    return this.buf.subarray(0, this.length)
  }
}
