// The in-memory form of a dataset, wherever it comes from (a dataset run, an .npz file, a task's generator).

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
