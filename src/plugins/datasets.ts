// Dataset runs: their artifacts (inputs, targets, labels) and parameters (time step, task), written
// from a dataset in memory and read back.
import type { Dataset, TimedDataset } from '../formats/dataset.ts'
import { AppError } from '../shared/errors.ts'
import { taskOfParams, type TaskName } from '../shared/tasks/index.ts'
import type { ArtifactMeta } from '../shared/types.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'
import { article } from '../shared/schema.ts'

/** The artifacts of a dataset run (loadDataset reads them back): inputs, targets, and labels when known. */
export function datasetArtifacts(d: Dataset): NewArtifact[] {
  const items: NewArtifact[] = [
    { name: 'inputs', data: d.inputs, shape: [d.samples, d.steps, d.channels] },
    { name: 'targets', data: d.targets, shape: [d.samples, d.steps, d.outputs] },
  ]
  if (d.labels) items.push({ name: 'labels', data: d.labels, shape: [d.samples] })
  for (const e of d.extras ?? []) items.push({ name: e.name, data: e.data, shape: e.shape })
  return items
}

/** A drawn dataset as a run: its artifacts and headline numbers (the share of +1 labels when it has labels). */
export function drawnDatasetRun(d: Dataset): { artifacts: NewArtifact[]; summary: Record<string, number> } {
  const summary: Record<string, number> = { samples: d.samples, steps: d.steps }
  if (d.labels) {
    let positive = 0
    for (const l of d.labels) if (l > 0) positive++
    summary.positiveFraction = positive / d.samples
  }
  return { artifacts: datasetArtifacts(d), summary }
}

/** A dataset run's samples with its time step and task (a run stored before tasks were recorded: the default task). */
export interface StoredDataset extends TimedDataset {
  task: TaskName
}

/** An artifact of a run without its bytes (NOT_FOUND, with the names there are, when the run has none of that name). */
function artifactMeta(store: Store, runId: number, name: string): ArtifactMeta {
  return store.artifacts.meta(runId, name) ?? store.artifacts.get(runId, name)
}

/** Loads a dataset run (artifacts inputs, targets, labels), optionally a slice of samples. */
export function loadDataset(store: Store, runId: number, first = 0, count?: number): StoredDataset {
  const run = store.runs.get(runId)
  if (run.kind !== 'dataset') throw new AppError('INVALID_ARGUMENT', `Run ${runId} is ${article(run.kind)} ${run.kind} run, not a dataset: give the id of a dataset run.`)
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} is ${run.status}; only a succeeded run can be used.`)
  // the samples asked for, read by rows: a corpus of thousands of samples is read once, not copied
  const inputs = artifactMeta(store, runId, 'inputs')
  const targets = artifactMeta(store, runId, 'targets')
  const [samples, steps, channels] = inputs.shape
  const outputs = targets.shape[2]
  const labels = store.artifacts.meta(runId, 'labels')
  if (first >= samples) throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} has ${samples} samples; the first sample must be below ${samples} (got ${first}).`)
  const take = Math.min(count ?? samples - first, samples - first)
  const dtMs = typeof run.params.dtMs === 'number' ? run.params.dtMs : 1
  return {
    inputs: store.artifacts.rowsOf(inputs, first, take).data as Float32Array,
    targets: store.artifacts.rowsOf(targets, first, take).data as Float32Array,
    labels: labels ? (store.artifacts.rowsOf(labels, first, take).data as Int8Array) : null,
    samples: take,
    steps,
    channels,
    outputs,
    dtMs,
    task: taskOfParams(run.params),
  }
}

/**
 * Which split each of the `samples` samples of dataset run `runId` belongs to: splitCodesOf over its
 * stored `split` array, which is refused when its length is not the run's samples. Every reader of a
 * stored run's splits goes through here. `field` names the parameter that gave the run, for the error.
 */
function storedSplitCodes(store: Store, runId: number, samples: number, field?: string): { codes: Int8Array; assigned: number } {
  const split = store.artifacts.find(runId, 'split')
  if (split && split.shape[0] !== samples)
    throw new AppError('INVALID_ARGUMENT', `${field !== undefined ? `${field}: dataset` : 'Dataset'} run ${runId} has a split array of ${split.shape[0]} entries for ${samples} samples; re-import or regenerate it.`)
  return splitCodesOf(split ? (split.data as Int8Array) : null, samples)
}

/** How many samples of a dataset run are in its training, validation and test splits (splitCodesOf). */
export function splitSizes(store: Store, runId: number): [number, number, number] {
  const samples = artifactMeta(store, runId, 'inputs').shape[0]
  const { codes } = storedSplitCodes(store, runId, samples)
  const n: [number, number, number] = [0, 0, 0]
  for (const c of codes) n[c]++
  return n
}

/**
 * Parts of a dataset run's splits (0 training, 1 validation, 2 test; splitCodesOf), the dataset read
 * once: for each [split, count] the first `count` samples of that split in stored order (what a
 * robustness run with `split: 'test'` scores and recalibrates on).
 */
export function loadDatasetParts(store: Store, runId: number, parts: readonly (readonly [0 | 1 | 2, number])[]): StoredDataset[] {
  const d = loadDataset(store, runId)
  const { codes } = storedSplitCodes(store, runId, d.samples)
  return parts.map(([part, count]) => {
    const idx: number[] = []
    for (let i = 0; i < d.samples && idx.length < count; i++) if (codes[i] === part) idx.push(i)
    return { ...pickSamples(d, idx), task: d.task }
  })
}

/** The three parts of a dataset the trainers use (docs/method.md §2.2): training, validation and test samples. */
export interface DatasetSplits {
  runId: number
  task: TaskName
  train: TimedDataset
  validation: TimedDataset
  test: TimedDataset
  /** how the samples were split: by the dataset's `split` array, or (samples without one) assigned 60/20/20 */
  assigned: number
}

/** Samples `idx` of a dataset (inputs, targets, labels), in that order. */
export function pickSamples(d: TimedDataset, idx: readonly number[]): TimedDataset {
  const { steps: T, channels: C, outputs: O } = d
  const inputs = new Float32Array(idx.length * T * C), targets = new Float32Array(idx.length * T * O)
  const labels = d.labels ? new Int8Array(idx.length) : null
  idx.forEach((s, k) => {
    inputs.set(d.inputs.subarray(s * T * C, (s + 1) * T * C), k * T * C)
    targets.set(d.targets.subarray(s * T * O, (s + 1) * T * O), k * T * O)
    if (labels) labels[k] = d.labels![s]
  })
  return { inputs, targets, labels, samples: idx.length, steps: T, channels: C, outputs: O, dtMs: d.dtMs }
}

/**
 * Which split (0 training, 1 validation, 2 test) each sample of a dataset belongs to: its `split`
 * array where it gives one (a generated corpus, a manifest's split column); the other samples (−1, or
 * all of them without the array) in a fixed pseudo-random order (the same for every reader of the
 * run), the first 60 % training, the next 20 % validation, the rest test.
 */
export function splitCodesOf(split: Int8Array | null, samples: number): { codes: Int8Array; assigned: number } {
  const codes = new Int8Array(samples)
  const open: number[] = []
  for (let i = 0; i < samples; i++) {
    const c = split ? split[i] : -1
    if (c === 0 || c === 1 || c === 2) codes[i] = c
    else open.push(i)
  }
  // Fisher-Yates with a fixed 32-bit shift-register stream: a property of the dataset, not of a training seed.
  let x = 0x2545f491
  for (let i = open.length - 1; i > 0; i--) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const j = (x >>> 0) % (i + 1)
    ;[open[i], open[j]] = [open[j], open[i]]
  }
  const a = Math.round(0.6 * open.length), b = Math.round(0.8 * open.length)
  open.forEach((s, k) => (codes[s] = k < a ? 0 : k < b ? 1 : 2))
  return { codes, assigned: open.length }
}

/**
 * A dataset run split for training (`field` names the parameter that gave it, for the errors): the
 * training samples (the trainers' epochs draw from them in a seeded order), the validation samples
 * (model selection, fitted settings such as a decision boundary) and the test samples (the reported
 * score). Each part must hold at least one sample.
 */
export function loadDatasetSplits(store: Store, runId: number, field = 'data'): DatasetSplits {
  const d = loadDataset(store, runId)
  return splitByCodes(d, storedSplitCodes(store, runId, d.samples, field), runId, d.task, field)
}

/** A dataset in memory split as loadDatasetSplits does (its `split` extra, the rest 60/20/20). */
export function splitDataset(d: TimedDataset, runId: number, task: TaskName, field = 'data'): DatasetSplits {
  const split = d.extras?.find((e) => e.name === 'split')
  return splitByCodes(d, splitCodesOf(split ? (split.data as Int8Array) : null, d.samples), runId, task, field)
}

/** The three parts of a dataset by its split codes (splitCodesOf); each must hold at least one sample. */
function splitByCodes(d: TimedDataset, { codes, assigned }: { codes: Int8Array; assigned: number }, runId: number, task: TaskName, field: string): DatasetSplits {
  const parts: number[][] = [[], [], []]
  for (let i = 0; i < d.samples; i++) parts[codes[i]].push(i)
  const names = ['training', 'validation', 'test']
  parts.forEach((p, k) => {
    if (p.length === 0)
      throw new AppError('INVALID_ARGUMENT', `${field}: dataset run ${runId} has no ${names[k]} samples (${parts[0].length} training, ${parts[1].length} validation, ${parts[2].length} test): give a dataset with samples in every split (a larger --count, or a manifest whose split column names all three).`)
  })
  return { runId, task, train: pickSamples(d, parts[0]), validation: pickSamples(d, parts[1]), test: pickSamples(d, parts[2]), assigned }
}
