// Robustness curves against a perturbation's level (a robustness run's page, a paper reproduction's
// panels): per group (a network, an architecture) its median over the draws as a line with points,
// and its interquartile range as a band between the q3 and q1 lines; x is the level's position, its
// tick the level as people read it; the quartile lines stay out of the legend.
import type uPlot from 'uplot'
import type { RobustnessSummary } from '../../../../src/shared/types.ts'
import { withAlpha } from './palette.ts'

/** The quartiles of a group at one level, for both metrics (a RobustnessSummary, a ComparisonCell). */
export type LevelQuartiles = Pick<RobustnessSummary, 'medianAccuracy' | 'q1Accuracy' | 'q3Accuracy' | 'medianMse' | 'q1Mse' | 'q3Mse'>

export type LevelMetric = 'accuracy' | 'mse'

/** One quartile of a metric, null where the group has no trials at the level. */
function quartileOf(q: LevelQuartiles | undefined, metric: LevelMetric, what: 'median' | 'q1' | 'q3'): number | null {
  if (!q) return null
  if (metric === 'accuracy') return what === 'median' ? q.medianAccuracy : what === 'q1' ? q.q1Accuracy : q.q3Accuracy
  return what === 'median' ? q.medianMse : what === 'q1' ? q.q1Mse : q.q3Mse
}

export interface LevelCurve {
  /** the legend's name of the group */
  label: string
  /** names the group's quartile lines ("q3 KEY") */
  key: string
  color: string
  /** the group's quartiles at a level */
  at: (level: number) => LevelQuartiles | undefined
}

export interface LevelFigure {
  data: uPlot.AlignedData
  series: uPlot.Series[]
  configure: (o: uPlot.Options) => uPlot.Options
}

/** The columns, series and options of one figure: `levels` in plotting order, one curve per group. */
export function levelCurves(levels: readonly number[], curves: readonly LevelCurve[], metric: LevelMetric, levelText: (level: number) => string): LevelFigure {
  const data: (number | null)[][] = [levels.map((_, i) => i)]
  const series: uPlot.Series[] = []
  const bands: uPlot.Band[] = []
  for (const c of curves) {
    const base = data.length
    const quartiles = levels.map((l) => c.at(l))
    for (const what of ['median', 'q3', 'q1'] as const) data.push(quartiles.map((q) => quartileOf(q, metric, what)))
    series.push({ label: c.label, stroke: c.color, width: 2, points: { show: true, size: 6 } })
    series.push({ label: `q3 ${c.key}`, stroke: withAlpha(c.color, 0.35), width: 1 })
    series.push({ label: `q1 ${c.key}`, stroke: withAlpha(c.color, 0.35), width: 1 })
    bands.push({ series: [base + 1, base + 2], fill: withAlpha(c.color, 0.15) })
  }
  const configure = (o: uPlot.Options): uPlot.Options => ({
    ...o,
    bands,
    scales: { ...o.scales, x: { ...o.scales?.x, time: false, range: () => [-0.25, Math.max(0.25, levels.length - 0.75)] } },
    axes: [{ ...(o.axes?.[0] ?? {}), splits: () => levels.map((_, i) => i), values: (_u: uPlot, splits: number[]) => splits.map((i) => (levels[i] === undefined ? '' : levelText(levels[i]))) }, ...(o.axes?.slice(1) ?? [])],
    legend: { ...o.legend, show: false },
  })
  return { data: data as uPlot.AlignedData, series, configure }
}
