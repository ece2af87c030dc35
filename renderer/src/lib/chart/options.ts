// Builds uPlot options from the wrapper's props: the app's axis/grid style, lines or markers, an
// optional zoom/pan plugin. Kept apart from the component so other views can reuse the styling.
import type uPlot from 'uplot'
import { squareMarkers } from './paths.ts'
import { seriesColor } from './palette.ts'
import { zoomPanPlugin } from './plugins.ts'

export type ChartMode = 'lines' | 'points'

export interface ChartConfig {
  series: uPlot.Series[]
  mode: ChartMode
  xLabel?: string
  yLabel?: string
  /** x values are unix seconds (time axis); otherwise plain numbers */
  xTime: boolean
  legend: boolean
  zoom: boolean
  /** marker size for points mode, CSS px */
  pointSize: number
  onUserZoom: (zoomed: boolean) => void
}

const axisFont = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
const labelFont = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

function axis(label: string | undefined, side: 'x' | 'y'): uPlot.Axis {
  return {
    label,
    labelFont,
    labelSize: label ? 18 : 0,
    font: axisFont,
    stroke: '#5c6573',
    size: side === 'y' ? 52 : 34,
    gap: 4,
    grid: { stroke: '#eceef2', width: 1 },
    ticks: { stroke: '#d5d9df', width: 1, size: 4 },
  }
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
  return {
    width,
    height,
    series,
    scales: { x: { time: cfg.xTime } },
    axes: [axis(cfg.xLabel, 'x'), axis(cfg.yLabel, 'y')],
    legend: { show: cfg.legend, live: true },
    cursor: {
      drag: { x: cfg.zoom, y: false, setScale: cfg.zoom },
      points: { size: 6, width: 1 },
    },
    focus: { alpha: 0.35 },
    plugins: cfg.zoom ? [zoomPanPlugin({ onUserZoom: cfg.onUserZoom })] : [],
  }
}
