// Spike events ([steps, neurons] of one sample) as raster columns for uPlot's points mode: x is the
// spike time in seconds, y the neuron index, sorted by time (uPlot needs ascending x).
import type uPlot from 'uplot'
import type { TypedArray } from '../../../src/shared/types.ts'

export interface Raster {
  data: uPlot.AlignedData
  spikes: number
  /** neurons that spiked at least once */
  active: number
}

export function rasterColumns(steps: TypedArray, neurons: TypedArray, dtMs: number): Raster {
  const n = Math.min(steps.length, neurons.length)
  let sorted = true
  for (let i = 1; i < n && sorted; i++) sorted = steps[i - 1] <= steps[i]
  let order: Uint32Array | null = null
  if (!sorted) {
    order = new Uint32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    order.sort((a, b) => steps[a] - steps[b] || a - b)
  }
  const x = new Float64Array(n)
  const y = new Float32Array(n)
  const dt = dtMs / 1000
  const seen = new Set<number>()
  for (let i = 0; i < n; i++) {
    const j = order ? order[i] : i
    x[i] = steps[j] * dt
    y[i] = neurons[j]
    seen.add(neurons[j])
  }
  return { data: [x, y], spikes: n, active: seen.size }
}

/** Mean rate in Hz of `neurons` neurons emitting `spikes` spikes over `durationS` seconds. */
export function meanRateHz(spikes: number, neurons: number, durationS: number): number {
  return neurons > 0 && durationS > 0 ? spikes / neurons / durationS : 0
}
