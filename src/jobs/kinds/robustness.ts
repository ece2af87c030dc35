// Job "robustness": networks × levels × draws × samples as one job (docs/method.md §11); every trial
// a row of the run's results. The statistics are computed from those rows (robustness.analysis).
import { median } from '../../analysis/stats.ts'
import { AppError } from '../../shared/errors.ts'
import { robustnessParams } from '../../shared/jobkinds/index.ts'
import { levelsProblem } from '../../shared/perturbations.ts'
import { taskOfParams } from '../../shared/tasks/index.ts'
import { loadDataset, loadDatasetParts, splitSizes } from '../../plugins/datasets.ts'
import type { Trial } from '../../plugins/robustness.ts'
import { fieldError, runOfKind, shapeOf } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'
import { checkMismatchOn, checkSweepNetwork, runSweepJob } from './sweep.ts'

/** The headline numbers of a sweep: its size, and the worst median accuracy and MSE over networks and levels. */
export function sweepSummary(trials: readonly Pick<Trial, 'network' | 'level' | 'accuracy' | 'mse'>[], draws: number, samples: number): Record<string, number> {
  const cells = new Map<string, Pick<Trial, 'network' | 'level' | 'accuracy' | 'mse'>[]>()
  for (const t of trials) {
    const k = `${t.network}|${t.level}`
    cells.set(k, [...(cells.get(k) ?? []), t])
  }
  const accuracies = [...cells.values()].map((g) => median(g.map((t) => t.accuracy)))
  const mses = [...cells.values()].map((g) => median(g.map((t) => t.mse)))
  return {
    trials: trials.length,
    networks: new Set(trials.map((t) => t.network)).size,
    levels: new Set(trials.map((t) => t.level)).size,
    draws,
    samples,
    worstMedianAccuracy: Math.min(...accuracies),
    worstMedianMse: Math.max(...mses),
  }
}

export const robustness: JobImpl = {
  precheck(store, params) {
    const p = robustnessParams.parse(params, 'params')
    const problem = levelsProblem(p.perturbation, p.levels)
    if (problem) throw fieldError('robustness', 'levels', `are not levels of ${p.perturbation}: ${problem}`)
    const twice = p.networks.find((id, i) => p.networks.indexOf(id) !== i)
    if (twice !== undefined) throw fieldError('robustness', 'networks', `name run ${twice} twice: give each network once.`)
    const ds = runOfKind(store, 'robustness', 'dataset', p.dataset, ['dataset'])
    const [samples, steps, channels] = shapeOf(store, p.dataset, 'inputs')
    const outputs = shapeOf(store, p.dataset, 'targets')[2]
    if (p.split === 'test') {
      const [, validation, test] = splitSizes(store, p.dataset)
      if (p.samples > test) throw fieldError('robustness', 'samples', `asks for ${p.samples} test samples, but dataset run ${p.dataset} has ${test} in its test split: give --samples ${test} or fewer, or a larger dataset.`)
      if (p.recalibrateGain && p.validationSamples > validation)
        throw fieldError('robustness', 'validationSamples', `asks for ${p.validationSamples} validation samples, but dataset run ${p.dataset} has ${validation} in its validation split: give --validation-samples ${validation} or fewer.`)
    }
    const needed = p.samples + (p.recalibrateGain ? p.validationSamples : 0)
    if (p.split === 'all' && needed > samples) {
      const what = p.recalibrateGain ? `${p.samples} scored samples and ${p.validationSamples} validation samples after them` : `${p.samples} samples`
      throw fieldError('robustness', 'samples', `asks for ${what}, but dataset run ${p.dataset} has ${samples}: lower the counts or choose a larger dataset (\`mimic data generate\`).`)
    }
    if (p.deathStartStep !== undefined && p.deathStartStep >= steps) throw fieldError('robustness', 'deathStartStep', `must be below ${steps}, the steps of a sample of dataset run ${p.dataset}.`)
    if (p.deathEndStep !== undefined && p.deathEndStep <= (p.deathStartStep ?? 0)) throw fieldError('robustness', 'deathEndStep', `must be after the first step neurons die (${p.deathStartStep ?? 0}).`)
    const data = { channels, outputs, task: taskOfParams(ds.params), what: `dataset run ${p.dataset}` }
    for (const id of p.networks) checkSweepNetwork(store, 'robustness', 'networks', id, data, p.perturbation, p.target)
    checkMismatchOn('robustness', p.mismatchOn, p.target)
  },
  mergedSummary(store, runId) {
    const p = robustnessParams.parse(store.runs.get(runId).params, 'params')
    const byItem = new Map<number, { network: number; level: number; accuracy: number; mse: number }>()
    for (const r of store.results.query({ runId, limit: 10_000_000 }).rows) {
      const t = byItem.get(r.item) ?? { network: r.networkId ?? -1, level: Number(r.labels.level), accuracy: NaN, mse: NaN }
      if (r.key === 'accuracy') t.accuracy = r.value ?? NaN
      if (r.key === 'mse') t.mse = r.value ?? NaN
      byItem.set(r.item, t)
    }
    return sweepSummary([...byItem.values()], p.draws, p.samples)
  },
  async run(ctx) {
    const p = robustnessParams.parse(ctx.run.params, 'params')
    const problem = levelsProblem(p.perturbation, p.levels)
    if (problem) throw new AppError('INVALID_ARGUMENT', `params.levels: ${problem}`)
    const test = p.split === 'test'
    // the test split and the validation split of one read of the dataset
    const parts = test ? loadDatasetParts(ctx.store, p.dataset, p.recalibrateGain ? [[2, p.samples], [1, p.validationSamples]] : [[2, p.samples]]) : null
    const data = parts ? parts[0] : loadDataset(ctx.store, p.dataset, 0, p.samples)
    if (data.samples < p.samples) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.samples} ${test ? 'test ' : ''}samples; ${p.samples} were asked for.`)
    let validation = null
    if (p.recalibrateGain) {
      validation = parts ? parts[1] : loadDataset(ctx.store, p.dataset, p.samples, p.validationSamples)
      if (validation.samples < p.validationSamples) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${validation.samples} samples after the ${p.samples} scored ones; ${p.validationSamples} validation samples were asked for.`)
    }
    const deathWindow = p.perturbation === 'death' ? { ...(p.deathStartStep !== undefined ? { startStep: p.deathStartStep } : {}), ...(p.deathEndStep !== undefined ? { endStep: p.deathEndStep } : {}) } : undefined
    const trials = await runSweepJob(ctx, {
      networks: p.networks,
      data,
      validation,
      validationDraws: p.validationDraws,
      perturbation: p.perturbation,
      levels: p.levels,
      draws: p.draws,
      target: p.target,
      threads: p.threads,
      deathWindow,
      mismatchOn: p.mismatchOn,
    })
    ctx.progress(1, 'done', true)
    return { summary: sweepSummary(trials, p.draws, p.samples) }
  },
}
