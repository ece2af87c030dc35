// The in-memory form of a dataset, wherever it comes from (a dataset run, an .npz file, a draw).
import type { RawXorBatch } from '../../native/index.ts'
import type { NewArtifact } from '../store/artifacts.ts'

export interface Dataset {
  /** [samples, steps, channels] */
  inputs: Float32Array
  /** [samples, steps, outputs] */
  targets: Float32Array
  /** [samples], +1 / -1, or null when the file or run has none */
  labels: Int8Array | null
  samples: number
  steps: number
  channels: number
  outputs: number
}

/** A dataset with its time step. */
export interface TimedDataset extends Dataset {
  dtMs: number
}

/** The artifacts of a dataset run (loadDataset reads them back): inputs, targets, and labels when known. */
export function datasetArtifacts(d: Dataset): NewArtifact[] {
  const items: NewArtifact[] = [
    { name: 'inputs', data: d.inputs, shape: [d.samples, d.steps, d.channels] },
    { name: 'targets', data: d.targets, shape: [d.samples, d.steps, d.outputs] },
  ]
  if (d.labels) items.push({ name: 'labels', data: d.labels, shape: [d.samples] })
  return items
}

/** A drawn temporal-XOR batch as a dataset run: its artifacts and headline numbers. */
export function xorDatasetRun(batch: RawXorBatch): { artifacts: NewArtifact[]; summary: Record<string, number> } {
  let positive = 0
  for (const l of batch.labels) if (l > 0) positive++
  return {
    artifacts: datasetArtifacts({ ...batch, samples: batch.count, channels: 1, outputs: 1 }),
    summary: { samples: batch.count, steps: batch.steps, positiveFraction: positive / batch.count },
  }
}
