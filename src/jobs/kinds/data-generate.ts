// Job "data.generate": draw a dataset from a task's generator natively and store it as artifacts of the run.
import { generateXor } from '../../../native/index.ts'
import { dataGenerateParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors } from '../../shared/tasks/index.ts'
import { xorDatasetRun } from '../../tasks/dataset.ts'
import type { JobContext, JobResult } from '../context.ts'

export async function runDataGenerate(ctx: JobContext): Promise<JobResult> {
  const { task } = dataGenerateParams.parse(ctx.run.params, 'params')
  const { task: _task, ...rest } = ctx.run.params
  const p = taskDescriptors[task].generator.params.parse(rest, 'params')
  const seed = ctx.run.seed ?? 0
  ctx.progress(0, 'drawing samples', true)
  const batch = await generateXor(
    { count: p.count, seed, durationS: p.durationS, dtS: p.dtMs / 1000 },
    { onProgress: (f) => ctx.progress(0.9 * f, `drew ${Math.round(f * p.count)} of ${p.count} samples`), signal: ctx.signal },
  )
  ctx.checkCancelled()
  ctx.progress(0.92, 'storing')
  const { artifacts, summary } = xorDatasetRun(batch)
  ctx.artifacts(artifacts)
  ctx.progress(1, 'done', true)
  return { summary }
}
