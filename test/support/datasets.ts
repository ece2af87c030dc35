// Storing a dataset run from a test: samples taken from batches in memory (generated, or read back from
// another dataset run), optionally with a split array.
import { datasetArtifacts } from '../../src/plugins/datasets.ts'
import type { Store } from '../../src/store/index.ts'

/** Samples laid out [samples, steps, channels] and [samples, steps, outputs] (a TaskBatch or a loaded dataset). */
export interface SampleBatch {
  inputs: Float32Array
  targets: Float32Array
  labels: Int8Array | null
  steps: number
  channels: number
  outputs: number
}

export interface StoredPart {
  batch: SampleBatch
  /** the batch's samples to take, in this order; default all of them in their order */
  order?: number[]
  /** the split array's code for these samples (0 training, 1 validation, 2 test, −1 left to the 60/20/20 rule); give it for every part or none (no split array) */
  split?: -1 | 0 | 1 | 2
}

/**
 * A succeeded dataset run of the parts' samples, one after the other: inputs, targets, labels (when
 * every part has them) and, when every part names its split, a split array. Returns the run's id.
 */
export function storeDataset(store: Store, run: { projectId: number; name: string; params: Record<string, unknown> }, parts: StoredPart[]): number {
  const { steps: T, channels: C, outputs: O } = parts[0].batch
  if (parts.some((p) => p.batch.steps !== T || p.batch.channels !== C || p.batch.outputs !== O)) throw new Error('storeDataset: the parts differ in steps, channels or outputs')
  const withSplit = parts.filter((p) => p.split !== undefined).length
  if (withSplit !== 0 && withSplit !== parts.length) throw new Error('storeDataset: give a split for every part or for none')
  const withLabels = parts.filter((p) => p.batch.labels !== null).length
  if (withLabels !== 0 && withLabels !== parts.length) throw new Error('storeDataset: every part needs labels, or none')
  const picked = parts.flatMap((p) => (p.order ?? Array.from({ length: p.batch.inputs.length / (T * C) }, (_, i) => i)).map((i) => ({ p, i })))
  const n = picked.length
  const inputs = new Float32Array(n * T * C), targets = new Float32Array(n * T * O), labels = new Int8Array(n), split = new Int8Array(n)
  picked.forEach(({ p, i }, k) => {
    inputs.set(p.batch.inputs.subarray(i * T * C, (i + 1) * T * C), k * T * C)
    targets.set(p.batch.targets.subarray(i * T * O, (i + 1) * T * O), k * T * O)
    if (p.batch.labels) labels[k] = p.batch.labels[i]
    split[k] = p.split ?? 0
  })
  const created = store.runs.create({ projectId: run.projectId, kind: 'dataset', name: run.name, params: run.params, seed: null, codeVersion: 'test', host: 'test', status: 'succeeded' })
  store.artifacts.put(created.id, [
    ...datasetArtifacts({ inputs, targets, labels: withLabels ? labels : null, samples: n, steps: T, channels: C, outputs: O }),
    ...(withSplit ? [{ name: 'split', data: split, shape: [n] }] : []),
  ])
  return created.id
}

/** The indices 0 … n − 1 (the first n samples of a batch, in order). */
export const firstSamples = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** The stored features of a dataset run as the front end gave them (`raw`) and of its standardised twin (`scaled`), with the twin's per-band statistics. */
export function scaledFeatures(store: Store, raw: number, scaled: number): { x: Float32Array; z: Float32Array; mean: Float32Array; std: Float32Array } {
  const f32 = (run: number, name: string) => store.artifacts.get(run, name).data as Float32Array
  return { x: f32(raw, 'inputs'), z: f32(scaled, 'inputs'), mean: f32(scaled, 'featureMean'), std: f32(scaled, 'featureStd') }
}
