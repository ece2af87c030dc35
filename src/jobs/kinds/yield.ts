// Job "yield": one network at one mismatch level on `chips` virtual chips, each scored on the same
// samples; the share of chips at or above the minimum accuracy with its Clopper-Pearson 95 % interval.
import { chipYield as yieldOf } from '../../analysis/robustness.ts'
import { median } from '../../analysis/stats.ts'
import { AppError } from '../../shared/errors.ts'
import { yieldParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors, taskOfParams, type TaskDescriptor } from '../../shared/tasks/index.ts'
import { deriveSeed, fnv1a64 } from '../../system/rng.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import type { ScoredData } from '../../plugins/robustness.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import { drawSamples } from '../samples.ts'
import type { JobImpl } from './kind.ts'
import { checkMismatchOn, checkSweepNetwork, runSweepJob } from './sweep.ts'

/** The seed of the fresh samples a yield run draws when it is given no dataset. */
export function yieldDataSeed(runSeed: number): number {
  return deriveSeed(runSeed, fnv1a64('yield data'))
}

export const chipYield: JobImpl = {
  precheck(store, params) {
    const p = yieldParams.parse(params, 'params')
    const needed = p.samples + (p.recalibrateGain ? p.validationSamples : 0)
    if (p.dataset !== undefined) {
      const ds = runOfKind(store, 'yield', 'dataset', p.dataset, ['dataset'])
      const [samples, , channels] = shapeOf(store, p.dataset, 'inputs')
      const outputs = shapeOf(store, p.dataset, 'targets')[2]
      if (needed > samples) throw fieldError('yield', 'samples', `asks for ${needed} samples (scored and validation), but dataset run ${p.dataset} has ${samples}: lower it or choose a larger dataset.`)
      checkSweepNetwork(store, 'yield', 'network', p.network, { channels, outputs, task: taskOfParams(ds.params), what: `dataset run ${p.dataset}` }, 'mismatch', p.target)
    } else {
      const net = networkOf(store, 'yield', 'network', p.network)
      const task = typeof net.record.meta.task === 'string' ? net.record.meta.task : null
      const desc = task && Object.prototype.hasOwnProperty.call(taskDescriptors, task) ? (taskDescriptors[task as keyof typeof taskDescriptors] as TaskDescriptor) : null
      if (!desc?.generator) throw fieldError('yield', 'dataset', `is needed: network run ${p.network} was trained on ${desc?.label ?? 'no recorded task'}, which draws no samples of its own; give --data DATASET_RUN.`)
      checkSweepNetwork(store, 'yield', 'network', p.network, { channels: net.sizes.channels, outputs: net.sizes.outputs, task, what: `its task ${desc.label}` }, 'mismatch', p.target)
    }
    checkMismatchOn('yield', p.mismatchOn, p.target)
  },
  async run(ctx) {
    const p = yieldParams.parse(ctx.run.params, 'params')
    const seed = ctx.run.seed ?? 0
    const needed = p.samples + (p.recalibrateGain ? p.validationSamples : 0)
    let all: ScoredData
    if (p.dataset !== undefined) all = loadDataset(ctx.store, p.dataset, 0, needed)
    else {
      const net = ctx.store.networks.find(p.network)
      const task = net?.meta.task
      const impl = typeof task === 'string' && Object.prototype.hasOwnProperty.call(taskImpls, task) ? taskImpls[task as keyof typeof taskImpls] : undefined
      if (!impl?.generate) throw new AppError('INVALID_ARGUMENT', `Network run ${p.network} records no task that draws samples: give a dataset.`)
      all = { ...(await drawSamples(ctx, impl.name, { count: needed, seed: yieldDataSeed(seed) }, { message: `drawing ${needed} samples of its task` }, ctx.threads(p.threads))), task: impl.name }
    }
    if (all.samples < needed) throw new AppError('INVALID_ARGUMENT', `The data have ${all.samples} samples; ${needed} were asked for.`)
    const slice = (first: number, count: number): ScoredData => ({
      ...all,
      samples: count,
      inputs: all.inputs.slice(first * all.steps * all.channels, (first + count) * all.steps * all.channels),
      targets: all.targets.slice(first * all.steps * all.outputs, (first + count) * all.steps * all.outputs),
      labels: all.labels ? all.labels.slice(first, first + count) : null,
    })
    const trials = await runSweepJob(ctx, {
      networks: [p.network],
      data: slice(0, p.samples),
      validation: p.recalibrateGain ? slice(p.samples, p.validationSamples) : null,
      validationDraws: p.validationDraws,
      perturbation: 'mismatch',
      levels: [p.mismatch],
      draws: p.chips,
      target: p.target,
      threads: p.threads,
      mismatchOn: p.mismatchOn,
    })
    const accuracies = trials.map((t) => t.accuracy)
    const y = yieldOf(accuracies, p.minAccuracy)
    ctx.progress(1, 'done', true)
    return {
      summary: { yield: y.yield, ciLow: y.ci95[0], ciHigh: y.ci95[1], chips: y.chips, passed: y.passed, medianAccuracy: median(accuracies), samples: p.samples },
    }
  },
}
