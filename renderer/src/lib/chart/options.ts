// Builds uPlot options from the wrapper's props: the app's axis/grid style, lines or markers, an
// optional zoom/pan plugin, y-scale choices (log, fixed range, percent ticks) and guide lines.
// Kept apart from the component so other views can reuse the styling.
import type uPlot from 'uplot'
import { squareMarkers } from './paths.ts'
import { seriesColor } from './palette.ts'
import { guidesPlugin, zoomPanPlugin } from './plugins.ts'

export type ChartMode = 'lines' | 'points'

export interface YScale {
  /** logarithmic (base 10) y axis; non-positive values are not drawn */
  log?: boolean
  /** fixed y range; null ends follow the data */
  min?: number | null
  max?: number | null
  /** y values are fractions shown as percent */
  percent?: boolean
  /** y values are integers (neuron indices): no fractional ticks */
  integer?: boolean
}

export interface ChartConfig {
  series: uPlot.Series[]
  mode: ChartMode
  xLabel?: string
  yLabel?: string
  /** x values are unix seconds (time axis); otherwise plain numbers */
  xTime: boolean
  legend: boolean
  zoom: boolean
  /** zoom and pan y as well as x (rasters) */
  zoomY: boolean
  /** marker size for points mode, CSS px */
  pointSize: number
  yScale?: YScale
  /** horizontal dashed lines at these y values */
  guides?: readonly number[]
  /** x values are integers (epochs, sample indices): no fractional ticks */
  xInteger?: boolean
  /** cursor shared by charts with the same key */
  cursorSync?: string
  onUserZoom: (zoomed: boolean) => void
  onUserRange?: (u: uPlot) => void
}

const axisFont = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
const labelFont = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

export function axis(label: string | undefined, side: 'x' | 'y'): uPlot.Axis {
  return {
    label,
    labelFont,
    labelSize: label ? 18 : 0,
    font: axisFont,
    stroke: '#5c6573',
    size: side === 'y' ? 56 : 34,
    gap: 4,
    grid: { stroke: '#eceef2', width: 1 },
    ticks: { stroke: '#d5d9df', width: 1, size: 4 },
  }
}

function formatTick(v: number | null): string {
  if (v === null || v === undefined) return ''
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e')
  return String(Number(v.toPrecision(6)))
}

export function buildOptions(cfg: ChartConfig, width: number, height: number): uPlot.Options {
  const series: uPlot.Series[] = [
    { label: cfg.xLabel ?? 'x' },
    ...cfg.series.map((s, i): uPlot.Series => {
      const stroke = s.stroke ?? seriesColor(i)
      const base: uPlot.Series = { width: 1.25, ...s, stroke, spanGaps: s.spanGaps ?? true }
      if (cfg.mode === 'points') {
        return { ...base, fill: s.fill ?? stroke, paths: s.paths ?? squareMarkers(cfg.pointSize), points: { show: false } }
      }
      return { ...base, points: s.points ?? { show: false } }
    }),
  ]
  const ys = cfg.yScale ?? {}
  const yScale: uPlot.Scale = {}
  if (ys.log) {
    yScale.distr = 3
    yScale.log = 10
  }
  if (ys.min != null || ys.max != null) {
    yScale.range = (_u, dataMin, dataMax): uPlot.Range.MinMax => {
      let lo = ys.min ?? dataMin
      let hi = ys.max ?? dataMax
      if (!(hi > lo)) {
        lo = Number.isFinite(lo) ? lo - 0.5 : 0
        hi = lo + 1
      }
      return [lo, hi]
    }
  }
  const yAxis = axis(cfg.yLabel, 'y')
  if (ys.percent) yAxis.values = (_u, ticks) => ticks.map((t) => `${Math.round(t * 1000) / 10}%`)
  else if (ys.integer) yAxis.values = (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : ''))
  else yAxis.values = (_u, ticks) => ticks.map(formatTick)

  const xAxis = axis(cfg.xLabel, 'x')
  if (cfg.xInteger) xAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]

  const plugins: uPlot.Plugin[] = []
  if (cfg.zoom) plugins.push(zoomPanPlugin({ y: cfg.zoomY, onUserZoom: cfg.onUserZoom, onUserRange: cfg.onUserRange }))
  if (cfg.guides?.length) plugins.push(guidesPlugin(cfg.guides))
  return {
    width,
    height,
    series,
    scales: { x: { time: cfg.xTime }, y: yScale },
    axes: [xAxis, yAxis],
    legend: { show: cfg.legend, live: true },
    cursor: {
      drag: { x: cfg.zoom, y: false, setScale: cfg.zoom },
      points: { size: 6, width: 1 },
      ...(cfg.cursorSync ? { sync: { key: cfg.cursorSync } } : {}),
    },
    focus: { alpha: 0.35 },
    plugins,
  }
}
