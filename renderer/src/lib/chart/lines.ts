// Line charts for UPlotChart: each line carries its column of y values with its look (label,
// stroke, width, dash), so the columns and the series configs come from one list and stay aligned.
import type uPlot from 'uplot'
import type { TypedArray } from '../../../../src/shared/types.ts'

export interface Line extends uPlot.Series {
  column: TypedArray
}

export interface LineChart {
  /** x first, then one column per line */
  data: uPlot.AlignedData
  series: uPlot.Series[]
}

export function lineChart(x: TypedArray, lines: readonly Line[]): LineChart {
  return {
    data: [x, ...lines.map((l) => l.column)],
    series: lines.map(({ column: _, ...series }) => series),
  }
}
