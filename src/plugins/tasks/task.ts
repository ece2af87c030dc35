// The Node side of a task: drawing samples with its native generator and the stream of fresh samples
// the native trainers draw each epoch. Scoring is generic (native taskScore, by the task's name).
import type { RunOptions, TaskData, TaskDecision } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import type { TaskName } from '../../shared/tasks/index.ts'

/** What a generator reads besides its parameters, loaded by the job from the runs they name (e.g. noise recordings), and the cores it may use. */
export interface GeneratorInputs {
  /** background noise recordings, mono at the task's audio rate */
  noise?: Float32Array[]
  /** samples made side by side, by a generator whose descriptor says `parallel` (default 1); the samples do not depend on it */
  threads?: number
}

export interface TaskImpl {
  name: TaskName
  /**
   * Draws samples with the task's seeded generator; `params` are checked against (and completed with
   * the defaults of) the generator schema of the task's descriptor.
   */
  generate?(params: Record<string, unknown>, run?: RunOptions, inputs?: GeneratorInputs): Promise<TimedDataset>
  /**
   * Checks between the generator's parameters that its schema cannot state (one bound by another),
   * run before the job starts, so that a wrong combination is refused without a failed run; throws a
   * FieldError at `params.FIELD`.
   */
  checkGeneratorParams?(params: Record<string, unknown>): void
  /** The native trainers' options for fresh samples each epoch (`data`) and the rule they score with (`decision`). */
  trainingSource?(opts: { samplesPerEpoch: number; durationS?: number }): { data: { task: TaskData & { samplesPerEpoch: number } }; decision: TaskDecision }
}
