// robustness.analysis: a robustness or chip-yield run's trials, read back from its stored results,
// with their statistics (src/analysis/robustness.ts) and what the run was (networks, quantities
// perturbed, dataset, parameters, code version). The command line prints it, the report draws it.
import { chipYield, compareLevels, compareNetworks, summarise, type TrialRow } from '../analysis/robustness.ts'
import { architectureDescriptors, isArchitectureName } from '../shared/architectures/index.ts'
import { AppError } from '../shared/errors.ts'
import { perturbedQuantities, isPerturbationName } from '../shared/perturbations.ts'
import type { RobustnessAnalysis, RobustnessTrial } from '../shared/types.ts'
import type { Store } from '../store/index.ts'
import { teacherRunOf } from '../jobs/kinds/sweep.ts'
import { article } from '../shared/schema.ts'

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null)

/** The run kinds whose results are robustness trials. */
export const sweepRunKinds = ['robustness', 'yield'] as const

export function robustnessAnalysis(store: Store, runId: number): RobustnessAnalysis {
  const run = store.runs.get(runId)
  if (!(sweepRunKinds as readonly string[]).includes(run.kind)) {
    throw new AppError('INVALID_ARGUMENT', `Run ${runId} “${run.name}” is ${article(run.kind)} ${run.kind} run: robustness statistics and reports are made for robustness and chip-yield runs (\`mimic robustness\`, \`mimic yield\`).`, { field: 'runId' })
  }
  if (run.status !== 'succeeded') {
    const why = run.status === 'queued' || run.status === 'running' ? 'has not finished yet: wait for it' : `${run.status === 'failed' ? 'failed' : `was ${run.status}`} before its trials were stored: run it again`
    throw new AppError('INVALID_ARGUMENT', `Robustness run ${runId} “${run.name}” ${why}.`, { field: 'runId' })
  }
  const p = run.params
  const rows: RobustnessTrial[] = store.results.items(runId).map((it) => ({
    network: it.networkId ?? 0,
    architecture: it.architecture ?? '',
    variant: typeof it.labels.variant === 'string' ? it.labels.variant : null,
    perturbation: String(it.labels.perturbation),
    level: Number(it.labels.level),
    draw: Number(it.labels.draw),
    accuracy: num(it.values.accuracy) ?? NaN,
    undecided: num(it.values.undecided) ?? NaN,
    teacherAgreement: num(it.values.teacherAgreement),
    mse: num(it.values.mse) ?? NaN,
    teacherMse: num(it.values.teacherMse),
    meanRateHz: num(it.values.meanRateHz),
    gain: num(it.values.gain) ?? 1,
    validationAccuracy: num(it.values.validationAccuracy),
    initSeed: num(it.values.initSeed) ?? 0,
  }))
  if (rows.length === 0) throw new AppError('INVALID_ARGUMENT', `Robustness run ${runId} stored no trials.`, { field: 'runId' })
  // A trial whose output was not finite (a network that ran away) is stored as "not measured": its MSE
  // cannot be ranked, and saying so beats a silent NaN in a median.
  const bad = rows.find((r) => !Number.isFinite(r.accuracy) || !Number.isFinite(r.mse))
  if (bad) throw new AppError('INTERNAL', `Robustness run ${runId}: the trial of network ${bad.network} at level ${bad.level}, draw ${bad.draw} has no finite accuracy or MSE (its output was not finite).`)
  const perturbation = isPerturbationName(p.perturbation) ? p.perturbation : 'mismatch'
  const trialRows: TrialRow[] = rows
  const minAccuracy = num(p.minAccuracy) ?? undefined
  const ids = [...new Set(rows.map((r) => r.network))]
  const datasetId = num(p.dataset)
  const datasetRun = datasetId !== null ? store.runs.find(datasetId) : undefined
  return {
    runId,
    kind: run.kind,
    name: run.name,
    status: run.status,
    perturbation,
    levels: [...new Set(rows.map((r) => r.level))],
    draws: num(p.draws) ?? num(p.chips) ?? 0,
    samples: num(p.samples) ?? 0,
    seed: run.seed,
    params: p,
    codeVersion: run.codeVersion,
    host: run.host,
    createdAt: run.createdAt,
    durationSeconds: run.durationSeconds,
    dataset: datasetId !== null ? { id: datasetId, name: datasetRun?.name ?? '(deleted)' } : null,
    networks: ids.map((id) => {
      const r = rows.find((x) => x.network === id)!
      return {
        id,
        name: store.runs.find(id)?.name ?? '(deleted)',
        architecture: r.architecture,
        variant: r.variant,
        teacher: store.runs.find(id) ? teacherRunOf(store, id) : null,
        perturbed: isArchitectureName(r.architecture) ? perturbedQuantities(architectureDescriptors[r.architecture], perturbation).map((q) => q.name) : [],
      }
    }),
    rows,
    summary: summarise(trialRows, run.kind === 'robustness' ? minAccuracy : undefined),
    comparisons: compareNetworks(trialRows),
    levelComparisons: compareLevels(trialRows),
    yield: run.kind === 'yield' && minAccuracy !== undefined ? chipYield(rows.map((r) => r.accuracy), minAccuracy) : null,
  }
}
