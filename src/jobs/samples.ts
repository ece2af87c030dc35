// Fresh samples of a task drawn inside a job by the task's generator (its schema fills the other
// parameters), on the job's cores: a task's samples do not depend on how many are made side by side.
// How far the drawing is can be said three ways:
//   false: nothing (a trainer's own validation or test samples, drawn inside a progress of its own);
//   true: the context's progress is the drawing's (a stage of its own: a synthesised corpus takes minutes);
//   { message, at }: a phase at fraction `at` saying its share ("drawing test samples (40 %)": deploy's,
//     yield's and finetune's samples, seconds for 50 wake-phrase samples).
import type { TimedDataset } from '../formats/dataset.ts'
import { AppError } from '../shared/errors.ts'
import { taskDescriptors, type TaskName } from '../shared/tasks/index.ts'
import { taskImpls } from '../plugins/tasks/index.ts'
import type { JobContext } from './context.ts'

export type DrawProgress = boolean | { message: string; at?: number }

export function drawSamples(ctx: JobContext, task: TaskName, params: Record<string, unknown>, progress: DrawProgress = false, threads = ctx.threads(0)): Promise<TimedDataset> {
  const generate = taskImpls[task].generate
  if (!generate) throw new AppError('INVALID_ARGUMENT', `the task ${taskDescriptors[task].label} has no generator to draw samples from: give a dataset run of it`)
  let onProgress: ((f: number, message: string) => void) | undefined
  if (progress === true) onProgress = (f, message) => ctx.progress(f, message)
  else if (progress) {
    const { message, at = 0 } = progress
    ctx.progress(at, message, true)
    onProgress = (f) => ctx.setup(message, f, at)
  }
  return generate(params, { signal: ctx.signal, ...(onProgress ? { onProgress } : {}) }, { threads })
}
