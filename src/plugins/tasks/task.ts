// The Node side of a task: drawing samples with its native generator, the stream of fresh samples
// the native trainers draw each epoch, and (until the native taskScore) its decisions.
import type { DecisionRuleName, RunOptions, TaskStream } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import type { TaskName } from '../../shared/tasks/index.ts'

/** The decisions on a batch of outputs: per sample and output, +1, −1 or 0 (no decision, counted as wrong). */
export interface Decisions {
  /** [count, outputs] */
  predictions: Int8Array
  /** [count, outputs]: the labels read from the targets by the task's rule, when targets were given */
  labels: Int8Array | null
}

export interface TaskImpl {
  name: TaskName
  /**
   * Draws samples with the task's seeded generator; `params` are checked against (and completed with
   * the defaults of) the generator schema of the task's descriptor.
   */
  generate?(params: Record<string, unknown>, run?: RunOptions): Promise<TimedDataset>
  /** The native trainers' option for fresh samples each epoch (and the rule they score with). */
  trainingSource?(opts: { samplesPerEpoch: number; durationS?: number }): { data: TaskStream; rule: DecisionRuleName }
  /** The decision rule on outputs [count, steps, outputs]; labels from `targets` when given. */
  decide(outputs: Float32Array, shape: { count: number; steps: number; outputs: number }, targets?: Float32Array): Decisions
}
