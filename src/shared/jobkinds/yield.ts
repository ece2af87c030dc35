// Job kind "yield": the chip yield of a trained network at one level of device mismatch — the share
// of virtual chips on which it meets an accuracy spec, with a Clopper-Pearson 95 % interval
// (docs/method.md §11). Each chip is one draw of a robustness sweep with a single level.
import * as s from '../schema.ts'
import { runRef } from './fields.ts'
import { mismatchOnField, simulatedSamples, sweepFields } from './robustness.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { costRates } from '../grouping.ts'

export const yieldParams = s.object({
  network: runRef('teacher,ads', 'Network run'),
  mismatch: s.number({ min: 0, max: 2 }).doc({ label: 'Mismatch σ', help: 'relative to each nominal value (0.1 = 10 %)' }),
  chips: s.withDefault(s.integer({ min: 1, max: 10_000 }), 100).doc({ label: 'Chips', help: 'virtual chips drawn at this mismatch' }),
  mismatchOn: mismatchOnField,
  minAccuracy: s.number({ min: 0, max: 1 }).doc({ label: 'Minimum accuracy', help: 'the spec: a chip meets it when its accuracy is at least this' }),
  dataset: s.optional(runRef('dataset', 'Dataset run')).doc({
    help: 'the samples every chip is scored on (default: fresh samples of the network’s task, drawn from the seed)',
  }),
  ...sweepFields,
})

export const chipYield = {
  name: 'yield',
  label: 'Chip yield',
  runKind: 'yield',
  description: 'The share of virtual chips at a mismatch level on which a trained network meets an accuracy spec, with a Clopper-Pearson 95 % interval.',
  runName: 'Chip yield',
  params: yieldParams,
  resources: { cores: 'all', minCores: 1 },
  // every chip simulates the network on the scored samples (a task without a dataset: its generator's
  // samples, of the default task's length; a task without a generator needs a dataset)
  itemSeconds: (params, look) => {
    if (typeof params.network !== 'number') return null
    const steps = typeof params.dataset === 'number' ? look.steps(params.dataset) : look.taskSteps(null)
    if (steps === null) return null
    const trials = simulatedSamples(params, Number(params.chips ?? 100))
    return trials * steps * (look.neurons(params.network) ?? 320) * costRates.simulatorPerNeuronStep
  },
  cli: {
    command: ['yield'],
    positionals: ['network'],
    flagAliases: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'NETWORK_RUN --mismatch σ --chips N --min-accuracy A [--data DATASET_RUN] [--samples 200] [--seed S]',
    result: (d) => {
      const v = d.summary
      const value = {
        id: d.id,
        runId: d.id,
        status: d.status,
        yield: v.yield,
        ci95: [v.ciLow, v.ciHigh],
        chips: v.chips,
        passed: v.passed,
        minAccuracy: d.params.minAccuracy,
        mismatch: d.params.mismatch,
        medianAccuracy: v.medianAccuracy,
      }
      return {
        value,
        text: `chip yield ${fmt(v.yield)} (95 % interval ${fmt(v.ciLow)} to ${fmt(v.ciHigh)}): ${v.passed} of ${v.chips} chips at σ = ${String(d.params.mismatch)} reach accuracy ≥ ${String(d.params.minAccuracy)} (median accuracy ${fmt(v.medianAccuracy)})`,
      }
    },
  },
  view: 'robustness',
  watchAfterStart: true,
  action: { action: 'New yield estimate', submit: 'Estimate' },
} as const satisfies JobKindSpec
