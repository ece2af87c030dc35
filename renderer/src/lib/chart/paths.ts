// Fast marker drawing for dense scatter/raster plots: one Path2D of small squares per series
// instead of uPlot's per-point arcs. Points outside the visible x range are skipped by index
// (data must be sorted by x, as uPlot requires anyway).
import uPlot from 'uplot'

export function squareMarkers(sizeCssPx = 2): uPlot.Series.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const size = Math.max(1, Math.round(sizeCssPx * uPlot.pxRatio))
    const half = size / 2
    uPlot.orient(u, seriesIdx, (series, dataX, dataY, scaleX, scaleY, valToPosX, valToPosY, xOff, yOff, xDim, yDim, _moveTo, _lineTo, rect) => {
      const p = new Path2D()
      const yMin = scaleY.min ?? -Infinity
      const yMax = scaleY.max ?? Infinity
      for (let i = idx0; i <= idx1; i++) {
        const y = dataY[i]
        if (y === null || y === undefined || !(y >= yMin && y <= yMax)) continue
        const cx = valToPosX(dataX[i], scaleX, xDim, xOff)
        const cy = valToPosY(y, scaleY, yDim, yOff)
        rect(p, cx - half, cy - half, size, size)
      }
      const fill = series.fill ?? series.stroke
      u.ctx.fillStyle = typeof fill === 'function' ? (fill(u, seriesIdx) as string) : (fill as string)
      u.ctx.fill(p)
    })
    return null
  }
}
