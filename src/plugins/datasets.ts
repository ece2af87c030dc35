// Dataset runs: their artifacts (inputs, targets, labels) and parameters (time step, task), written
// from a dataset in memory and read back.
import type { Dataset, TimedDataset } from '../formats/dataset.ts'
import { AppError } from '../shared/errors.ts'
import { taskOfParams, type TaskName } from '../shared/tasks/index.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'

/** The artifacts of a dataset run (loadDataset reads them back): inputs, targets, and labels when known. */
export function datasetArtifacts(d: Dataset): NewArtifact[] {
  const items: NewArtifact[] = [
    { name: 'inputs', data: d.inputs, shape: [d.samples, d.steps, d.channels] },
    { name: 'targets', data: d.targets, shape: [d.samples, d.steps, d.outputs] },
  ]
  if (d.labels) items.push({ name: 'labels', data: d.labels, shape: [d.samples] })
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

/** Loads a dataset run (artifacts inputs, targets, labels), optionally a slice of samples. */
export function loadDataset(store: Store, runId: number, first = 0, count?: number): StoredDataset {
  const run = store.runs.get(runId)
  if (run.kind !== 'dataset') throw new AppError('INVALID_ARGUMENT', `Run ${runId} is a ${run.kind} run, not a dataset: give the id of a dataset run.`)
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} is ${run.status}; only a succeeded run can be used.`)
  const inputs = store.artifacts.get(runId, 'inputs')
  const targets = store.artifacts.get(runId, 'targets')
  const labels = store.artifacts.find(runId, 'labels')
  const [samples, steps, channels] = inputs.shape
  const outputs = targets.shape[2]
  if (first >= samples) throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} has ${samples} samples; the first sample must be below ${samples} (got ${first}).`)
  const take = Math.min(count ?? samples - first, samples - first)
  const dtMs = typeof run.params.dtMs === 'number' ? run.params.dtMs : 1
  return {
    inputs: (inputs.data as Float32Array).slice(first * steps * channels, (first + take) * steps * channels),
    targets: (targets.data as Float32Array).slice(first * steps * outputs, (first + take) * steps * outputs),
    labels: labels ? (labels.data as Int8Array).slice(first, first + take) : null,
    samples: take,
    steps,
    channels,
    outputs,
    dtMs,
    task: taskOfParams(run.params),
  }
}
