// Job "data.generate": draws a dataset with a task's native generator and stores it as artifacts of the run.
import { dataGenerateParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors, type TaskDescriptor } from '../../shared/tasks/index.ts'
import { drawnDatasetRun } from '../../plugins/datasets.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import type { JobImpl } from './kind.ts'
import { noiseRecordings, uploadedFiles } from '../../plugins/audio-import.ts'
import { fieldError, runOfKind } from '../prechecks.ts'
import { formatBytes, memoryBudget } from '../../../native/index.ts'

/**
 * A dataset too large to hold was accepted, then refused by the generator's memory check when the job ran
 * (a failed run stayed). The samples' stored values alone (inputs and targets, float32) are a lower
 * bound of what drawing them needs; above the native memory limit the job is refused before any run is
 * made. The generator's own check stays the exact one.
 */
function checkDatasetSize(task: keyof typeof taskDescriptors, rest: Record<string, unknown>): void {
  const d: TaskDescriptor = taskDescriptors[task]
  const count = typeof rest.count === 'number' ? rest.count : Number(d.generator!.params.info().fields?.count?.default)
  const durationS = typeof rest.durationS === 'number' ? rest.durationS : d.durationS
  const dtMs = typeof rest.dtMs === 'number' ? rest.dtMs : d.dtMs
  if (typeof d.channels !== 'number' || typeof d.outputs !== 'number' || !(count > 0) || !(durationS! > 0) || !(dtMs! > 0)) return
  const steps = Math.round((durationS! * 1000) / dtMs!)
  const bytes = count * steps * (d.channels + d.outputs) * 4
  const budget = memoryBudget()
  if (bytes <= budget.bytes) return
  const how = budget.source.includes('MIMIC_MAX_MEMORY') ? '' : '; MIMIC_MAX_MEMORY sets it'
  throw fieldError(
    'data.generate',
    'count',
    `asks for ${count} samples of ${steps} steps: their inputs and targets alone need ${formatBytes(bytes)}, above the memory limit of ${(budget.bytes / 1e9).toFixed(1)} GB (${budget.source}${how}): draw fewer or shorter samples, or several datasets.`,
  )
}

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
    checkDatasetSize(task, rest)
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
