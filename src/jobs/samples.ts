// Fresh samples of a task drawn inside a job (deploy's test samples, yield's, finetune's): on the
// job's cores (a task's samples do not depend on how many are made side by side), the share drawn said
// while it is under way ("drawing test samples (40 %)": seconds for 50 wake-phrase samples).
import type { TimedDataset } from '../formats/dataset.ts'
import { AppError } from '../shared/errors.ts'
import type { TaskName } from '../shared/tasks/index.ts'
import { taskImpls } from '../plugins/tasks/index.ts'
import type { JobContext } from './context.ts'

export async function drawTaskSamples(ctx: JobContext, task: TaskName, opts: { count: number; seed: number; threads: number; message: string; at?: number }): Promise<TimedDataset> {
  const generate = taskImpls[task].generate
  if (!generate) throw new AppError('INVALID_ARGUMENT', `the task ${task} has no generator to draw fresh samples from: give a dataset run of its task`)
  const at = opts.at ?? 0
  ctx.progress(at, opts.message, true)
  return generate({ count: opts.count, seed: opts.seed }, { signal: ctx.signal, onProgress: (f) => ctx.setup(opts.message, f, at) }, { threads: opts.threads })
}
