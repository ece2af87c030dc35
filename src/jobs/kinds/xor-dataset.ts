// Job "data.xor": draw a temporal-XOR dataset natively and store it as artifacts of the run.
import { generateXor } from '../../../native/index.ts'
import { xorDatasetParams } from '../../shared/jobs.ts'
import { xorDatasetRun } from '../../tasks/dataset.ts'
import type { JobContext, JobResult } from '../context.ts'

export async function runXorDataset(ctx: JobContext): Promise<JobResult> {
  const p = xorDatasetParams.parse(ctx.run.params, 'params')
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
