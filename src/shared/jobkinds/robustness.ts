// Job kind "robustness": trained networks under one perturbation at several levels, each level on
// several draws (virtual chips, noise realisations, sets of dead neurons), every trial scored on the
// same dataset samples (docs/method.md §11). Its parents are the networks and the dataset.
import * as s from '../schema.ts'
import { perturbationInfo, perturbationNames } from '../perturbations.ts'
import { runRef, targetField, threadsField } from './fields.ts'
import type { RobustnessAnalysis } from '../types.ts'
import { fmt, textColumns, type JobKindSpec } from './spec.ts'
import { costRates } from '../grouping.ts'

/** The fields the robustness sweep and the chip yield share. */
export const sweepFields = {
  samples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Samples', help: 'scored samples: the first ones of the dataset, or of its test split when a robustness run’s Scored split is test' }),
  recalibrateGain: s.withDefault(s.boolean(), false).doc({
    label: 'Recalibrate the output gain',
    help: 'per network and level, choose a scalar gain on the output (151 values from 0.5 to 5.5) by its accuracy on validation samples — the dataset samples after the scored ones — run on validation chips that are never scored; off by default (docs/method.md §11)',
  }),
  validationSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 100).doc({
    label: 'Validation samples',
    help: 'samples after the scored ones that choose the gain',
    when: { field: 'recalibrateGain', equals: true },
  }),
  validationDraws: s.withDefault(s.integer({ min: 1, max: 100 }), 5).doc({
    label: 'Validation chips',
    help: 'draws, besides the scored ones, that the validation samples run on',
    when: { field: 'recalibrateGain', equals: true },
  }),
  target: targetField,
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'the chips, dead neurons, noise and initial states of every trial' }),
}

/** Where a mismatch sweep draws its mismatch: the network's parameters, or the emulator's virtual chips. */
export const mismatchOnField = s.withDefault(s.oneOf(['network', 'chip'] as const), 'network').doc({
  label: 'Mismatch drawn on',
  help: 'on the emulator targets, "chip" makes every draw a different virtual chip instead of a perturbed network',
  valueHelp: {
    network: 'the network’s parameters and weights, a new set per draw (docs/method.md §10), on any target',
    chip: 'the emulator’s virtual chips (emulator targets only): each draw a different chip, the same chips for every network, their spreads scaled by σ / 0.2 (0.2 = the chip’s measured mismatch; 0 = the ideal chip; docs/method.md §14.1)',
  },
})

export const robustnessParams = s.object({
  networks: s.array(s.id().doc({ ref: 'teacher,ads' }), { min: 1, max: 16 }).doc({
    label: 'Network runs',
    help: 'trained networks (teachers or network ADS runs) of the dataset’s task, compared on the same samples',
  }),
  dataset: runRef('dataset', 'Dataset run'),
  perturbation: s.oneOf(perturbationNames).doc({
    label: 'Perturbation',
    valueHelp: Object.fromEntries(perturbationNames.map((n) => [n, `${perturbationInfo[n].label}: level = ${perturbationInfo[n].level}`])),
  }),
  levels: s.array(s.number({ min: 0, max: 32 }), { min: 1, max: 32 }).doc({
    label: 'Levels',
    help: 'mismatch σ as a fraction (0.1 = 10 %); quantisation bits (0 = full precision); noise as a fraction of V_th − V_reset; death as a fraction of the neurons',
  }),
  mismatchOn: mismatchOnField.doc({ when: { field: 'perturbation', equals: 'mismatch' } }),
  split: s.withDefault(s.oneOf(['all', 'test'] as const), 'all').doc({
    label: 'Scored split',
    help: 'which samples are scored',
    valueHelp: {
      all: 'the first samples of the dataset, whatever their split; recalibration on the samples after them',
      test: 'the first samples of the dataset’s test split, the samples no trainer saw; recalibration on its validation split (docs/method.md §11)',
    },
  }),
  draws: s.withDefault(s.integer({ min: 1, max: 10_000 }), 10).doc({ label: 'Draws per level', help: 'virtual chips (mismatch), noise realisations, sets of dead neurons; quantised networks are the same in every draw, which then differ in their initial state only' }),
  ...sweepFields,
  deathStartStep: s.optional(s.integer({ min: 0, max: 100_000_000 })).doc({
    label: 'Death from step',
    help: 'neurons are clamped from this step (default: the first)',
    when: { field: 'perturbation', equals: 'death' },
  }),
  deathEndStep: s.optional(s.integer({ min: 0, max: 100_000_000 })).doc({
    label: 'Death until step',
    help: 'neurons are clamped before this step (default: to the end of the sample)',
    when: { field: 'perturbation', equals: 'death' },
  }),
  minAccuracy: s.optional(s.number({ min: 0, max: 1 })).doc({
    label: 'Minimum accuracy',
    help: 'with it, each level reports the chip yield: the share of draws at or above it, with a 95 % Clopper-Pearson interval',
  }),
})

export const robustness = {
  name: 'robustness',
  label: 'Robustness',
  runKind: 'robustness',
  description:
    'Trained networks under device mismatch, weight quantisation, membrane noise or neuron death, at several levels and draws each, scored against the true labels, against their teacher and by output MSE; medians, quartiles and Mann-Whitney U tests between networks and between levels.',
  runName: 'Robustness',
  params: robustnessParams,
  resources: { cores: 'all', minCores: 1 },
  cli: {
    command: ['robustness'],
    flagAliases: { data: 'dataset' },
    synopsis: '--project ID --networks RUN[,RUN...] --data DATASET_RUN --perturbation mismatch|quantisation|noise|death --levels L[,L...] [--draws 10] [--samples 200] [--split all|test] [--seed S] [--recalibrate-gain]',
    // the trials, the medians and the tests come from the analysis of the stored rows
    resultOp: 'robustness.analysis',
    resultText: (value) => analysisText(value as RobustnessAnalysis),
  },
  view: 'robustness',
  watchAfterStart: true,
  formGroups: [
    { title: 'What is compared', keys: ['networks', 'dataset', 'split', 'samples', 'target'] },
    { title: 'Perturbation', keys: ['perturbation', 'levels', 'mismatchOn', 'draws', 'deathStartStep', 'deathEndStep', 'minAccuracy', 'seed'] },
    { title: 'Output-gain recalibration', keys: ['recalibrateGain', 'validationSamples', 'validationDraws'] },
    { title: 'Run', rest: true },
  ],
  action: { action: 'New robustness run', submit: 'Run' },
  // On a cluster: one item per network and level, with all its draws (the gain recalibration and the
  // teacher's pass are per network and level); every trial's seed follows from the run's seed, the
  // network's run id, the level and the draw, so the items' rows are the rows of the run made here.
  cluster: {
    merge: 'one-run',
    items: (params) => {
      const networks = params.networks as number[]
      const levels = params.levels as number[]
      return networks.flatMap((n) => levels.map((l) => ({ params: { ...params, networks: [n], levels: [l] }, label: `network ${n}, level ${l}` })))
    },
  },
  // every trial simulates its network on the scored samples (and the validation chips, with recalibration)
  itemSeconds: (params, look) => {
    const steps = typeof params.dataset === 'number' ? look.steps(params.dataset) : null
    if (steps === null || !Array.isArray(params.networks) || !Array.isArray(params.levels)) return null
    const trials = simulatedSamples(params, Number(params.draws ?? 10))
    let seconds = 0
    for (const n of params.networks as number[]) seconds += params.levels.length * trials * steps * (look.neurons(n) ?? 320) * costRates.simulatorPerNeuronStep
    return seconds
  },
} as const satisfies JobKindSpec

/**
 * Samples a sweep item simulates per level: `draws` perturbed networks (or virtual chips) on the scored
 * samples, plus, when recalibrating, the validation chips on the validation samples, each simulated once
 * (the 151 gains scale outputs already simulated: src/plugins/robustness.ts runSweep).
 */
export function simulatedSamples(params: Record<string, unknown>, draws: number): number {
  return draws * Number(params.samples ?? 200) + (params.recalibrateGain === true ? Number(params.validationDraws ?? 5) * Number(params.validationSamples ?? 100) : 0)
}

/** The analysis of a robustness run as the command line prints it: medians with quartiles, then the tests. */
export function analysisText(a: RobustnessAnalysis): string {
  const name = new Map(a.networks.map((n) => [n.id, `${n.id} ${n.architecture}${n.variant ? `/${n.variant}` : ''}`]))
  const lines = [`robustness run ${a.runId}: ${a.perturbation}, ${a.rows.length} trials (${a.draws} draws × ${a.samples} samples per level)`]
  const yields = a.summary.some((s) => s.yield)
  const rows = a.summary.map((s) => [
    name.get(s.network) ?? String(s.network),
    String(s.level),
    `${fmt(s.medianAccuracy)} [${fmt(s.q1Accuracy)}, ${fmt(s.q3Accuracy)}]`,
    `${fmt(s.medianMse)} [${fmt(s.q1Mse)}, ${fmt(s.q3Mse)}]`,
    String(s.draws),
    ...(yields ? [s.yield ? `${fmt(s.yield.yield)} [${fmt(s.yield.ci95[0])}, ${fmt(s.yield.ci95[1])}]` : '-'] : []),
  ])
  lines.push(...textColumns([['network', 'level', 'accuracy median [q1, q3]', 'MSE median [q1, q3]', 'draws', ...(yields ? ['yield [95 % CI]'] : [])], ...rows], '   '))
  if (a.comparisons.length) {
    lines.push('  between networks (two-sided Mann-Whitney U):')
    for (const c of a.comparisons) lines.push(`    ${name.get(c.a)} vs ${name.get(c.b)} at ${c.level}, ${c.metric}: p = ${fmt(c.p)}`)
  }
  if (a.levelComparisons.length) {
    lines.push('  between levels (two-sided Mann-Whitney U):')
    for (const c of a.levelComparisons) lines.push(`    ${name.get(c.network)}: ${c.a} vs ${c.b}, ${c.metric}: p = ${fmt(c.p)}`)
  }
  lines.push(`  report: mimic report ${a.runId} --out robustness-${a.runId}.html`)
  return lines.join('\n')
}
