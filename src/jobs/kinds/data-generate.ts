// Job "data.generate": draws a dataset with a task's native generator and stores it as artifacts of the run.
import { dataGenerateParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors, type TaskDescriptor } from '../../shared/tasks/index.ts'
import { drawnDatasetRun } from '../../plugins/datasets.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import type { JobImpl } from './kind.ts'
import { noiseRecordings, uploadedFiles } from '../../plugins/audio-import.ts'
import { runOfKind } from '../prechecks.ts'

/** The generator's own parameters (all but the task), checked by the task's generator schema. */
function generatorParams(params: Record<string, unknown>): { task: keyof typeof taskDescriptors; rest: Record<string, unknown> } {
  const { task } = dataGenerateParams.parse(params, 'params')
  const { task: _task, ...all } = params
  const descriptor: TaskDescriptor = taskDescriptors[task]
  // Fields of other tasks' generators arrive with their defaults (the form hides them for this task):
  // left out; one given a value other than its default is refused by this task's schema below.
  const own = descriptor.generator!.params.shape
  const shared = dataGenerateParams.info().fields ?? {}
  const rest = Object.fromEntries(Object.entries(all).filter(([k, v]) => Object.hasOwn(own, k) || v !== shared[k]?.default))
  // generatingTasks offers only tasks with a generator; the schema refuses fields this task does not know
  descriptor.generator!.params.parse(rest, 'params')
  return { task, rest }
}

export const dataGenerate: JobImpl = {
  precheck(store, params) {
    const { task, rest } = generatorParams(params)
    taskImpls[task].checkGeneratorParams?.(rest)
    if (typeof rest.noise === 'number') runOfKind(store, 'data.generate', 'noise', rest.noise, ['upload'])
  },
  async run(ctx) {
    const { task, rest } = generatorParams(ctx.run.params)
    const generate = taskImpls[task].generate!
    const count = typeof rest.count === 'number' ? rest.count : undefined
    ctx.progress(0, 'drawing samples', true)
    // noise recordings the user gave (an upload run), decoded at the task's audio rate
    const noise = typeof rest.noise === 'number' ? await noiseRecordings(uploadedFiles(ctx.store, rest.noise).files, { signal: ctx.signal }) : undefined
    const d = await generate(
      { ...rest, seed: ctx.run.seed ?? 0 },
      {
        onProgress: (f) => ctx.progress(0.9 * f, count !== undefined ? `drew ${Math.round(f * count)} of ${count} samples` : 'drawing samples'),
        signal: ctx.signal,
      },
      { ...(noise ? { noise } : {}), threads: ctx.threads(0) },
    )
    ctx.checkCancelled()
    ctx.progress(0.92, 'storing')
    const { artifacts, summary } = drawnDatasetRun(d)
    ctx.artifacts(artifacts)
    ctx.progress(1, 'done', true)
    return { summary }
  },
}
