// Which metric charts each kind of training run shows: a small table, so a new metric key needs one
// line here (keys not listed still appear, in "Other metrics"). Keys follow the jobs' per-epoch
// metrics (src/jobs/kinds): teacher (docs/method.md §3) and network ADS (§5).
import type { YScale } from './options.ts'
import { palette } from './palette.ts'

export interface MetricLine {
  key: string
  label: string
  color?: string
  dash?: number[]
}

export interface MetricChartSpec {
  id: string
  title: string
  lines: MetricLine[]
  yLabel?: string
  yScale?: YScale
  /** how the latest value reads in the chart header */
  format?: 'percent' | 'number'
  /** optional one-line explanation under the title */
  help?: string
}

const [blue, orange, green, purple] = palette
const dashed = [5, 3]

export const teacherCharts: MetricChartSpec[] = [
  { id: 'loss', title: 'Loss', lines: [{ key: 'loss', label: 'loss', color: blue }], yScale: { log: true }, help: 'training objective (log scale)' },
  {
    id: 'mse',
    title: 'MSE',
    lines: [
      { key: 'mse', label: 'train', color: blue },
      { key: 'valMse', label: 'validation', color: orange, dash: dashed },
    ],
    yScale: { log: true },
  },
  {
    id: 'accuracy',
    title: 'Accuracy',
    lines: [
      { key: 'trainAccuracy', label: 'train', color: blue },
      { key: 'valAccuracy', label: 'validation', color: orange, dash: dashed },
    ],
    yScale: { min: 0, max: 1, percent: true },
    format: 'percent',
  },
  {
    id: 'tau',
    title: 'τ range',
    lines: [
      { key: 'tauMinMs', label: 'τ min', color: green },
      { key: 'tauMaxMs', label: 'τ max', color: purple },
    ],
    yLabel: 'ms',
    help: 'smallest and largest trained time constant',
  },
  { id: 'gradNorm', title: 'Gradient norm', lines: [{ key: 'gradNorm', label: '‖∇‖', color: blue }], yScale: { log: true } },
]

export const adsCharts: MetricChartSpec[] = [
  {
    id: 'reconstruction',
    title: 'Reconstruction error',
    lines: [
      { key: 'trainReconstructionError', label: 'train', color: blue },
      { key: 'valReconstructionError', label: 'validation', color: orange, dash: dashed },
    ],
    help: 'Σ Var(x̂ − x̃) / Σ Var(x̂)',
  },
  {
    id: 'valAccuracy',
    title: 'Validation accuracy',
    lines: [{ key: 'valAccuracy', label: 'validation', color: orange }],
    yScale: { min: 0, max: 1, percent: true },
    format: 'percent',
  },
  {
    id: 'rate',
    title: 'Mean rate',
    lines: [
      { key: 'trainMeanRateHz', label: 'train', color: green },
      { key: 'meanRateHz', label: 'validation', color: purple, dash: dashed },
    ],
    yLabel: 'Hz',
  },
  { id: 'valOutputMse', title: 'Validation output MSE', lines: [{ key: 'valOutputMse', label: 'validation', color: orange }], yScale: { log: true }, help: 'ỹ against the target' },
  { id: 'k', title: 'Feedback gain k', lines: [{ key: 'k', label: 'k', color: purple }] },
  { id: 'eta', title: 'Learning rate η', lines: [{ key: 'eta', label: 'η', color: purple }], yScale: { log: true } },
]

/** The pipeline page: the teacher's and the network's main curves. */
export const pipelineTeacherCharts: MetricChartSpec[] = teacherCharts.filter((c) => c.id === 'loss' || c.id === 'accuracy')
export const pipelineAdsCharts: MetricChartSpec[] = adsCharts.filter((c) => c.id === 'reconstruction' || c.id === 'valAccuracy' || c.id === 'rate')
