// Job "data.generate": draws a dataset with a task's native generator and stores it as artifacts of the run.
import { dataGenerateParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors, type TaskDescriptor } from '../../shared/tasks/index.ts'
import { drawnDatasetRun } from '../../plugins/datasets.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import type { JobImpl } from './kind.ts'

/** The generator's own parameters (all but the task), checked by the task's generator schema. */
function generatorParams(params: Record<string, unknown>): { task: keyof typeof taskDescriptors; rest: Record<string, unknown> } {
  const { task } = dataGenerateParams.parse(params, 'params')
  const { task: _task, ...rest } = params
  const descriptor: TaskDescriptor = taskDescriptors[task]
  // generatingTasks offers only tasks with a generator; the schema refuses fields this task does not know
  descriptor.generator!.params.parse(rest, 'params')
  return { task, rest }
}

export const dataGenerate: JobImpl = {
  precheck(_store, params) {
    generatorParams(params)
  },
  async run(ctx) {
    const { task, rest } = generatorParams(ctx.run.params)
    const generate = taskImpls[task].generate!
    const count = typeof rest.count === 'number' ? rest.count : undefined
    ctx.progress(0, 'drawing samples', true)
    const d = await generate(
      { ...rest, seed: ctx.run.seed ?? 0 },
      {
        onProgress: (f) => ctx.progress(0.9 * f, count !== undefined ? `drew ${Math.round(f * count)} of ${count} samples` : 'drawing samples'),
        signal: ctx.signal,
      },
    )
    ctx.checkCancelled()
    ctx.progress(0.92, 'storing')
    const { artifacts, summary } = drawnDatasetRun(d)
    ctx.artifacts(artifacts)
    ctx.progress(1, 'done', true)
    return { summary }
  },
}
