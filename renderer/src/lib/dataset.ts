// Slicing dataset artifacts ([samples, steps, channels], row-major) into chart columns.
import type { ArtifactData, TypedArray } from '../../../src/shared/types.ts'

export interface SampleShape {
  samples: number
  steps: number
  channels: number
}

/** Shape of a [samples, steps, channels] (or [samples, steps]) artifact, or null if it is not one. */
export function sampleShape(a: Pick<ArtifactData, 'shape'>): SampleShape | null {
  const [samples, steps, channels = 1] = a.shape
  if (a.shape.length < 2 || a.shape.length > 3 || !samples || !steps || !channels) return null
  return { samples, steps, channels }
}

/** Time column in seconds: t_i = i · dt. */
export function timeColumn(steps: number, dtMs: number): Float64Array {
  const t = new Float64Array(steps)
  const dt = dtMs / 1000
  for (let i = 0; i < steps; i++) t[i] = i * dt
  return t
}

/** One column per channel of sample `s`; a single channel is a view (no copy). */
export function sampleChannels(a: ArtifactData, s: number): TypedArray[] {
  const shape = sampleShape(a)
  if (!shape) return []
  const { steps, channels } = shape
  const base = s * steps * channels
  if (channels === 1) return [a.data.subarray(base, base + steps)]
  const out: TypedArray[] = []
  for (let c = 0; c < channels; c++) {
    const col = new Float32Array(steps)
    for (let i = 0; i < steps; i++) col[i] = a.data[base + i * channels + c]
    out.push(col)
  }
  return out
}
