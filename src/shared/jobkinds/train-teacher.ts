// Job kind "train.teacher": the rate-network teacher of docs/method.md §3, trained by BPTT on fresh samples of a task.
import * as s from '../schema.ts'
import { dataField, epochFractionField, shuffleField, taskField, tauStepUnitHelp, threadsField } from './fields.ts'
import type { JobKindSpec } from './spec.ts'
import { costRates } from '../grouping.ts'
import { maxTeacherUnits } from '../limits.ts'

export const trainTeacherParams = s.object({
  task: taskField.doc({ help: 'the task whose fresh samples train the teacher (`mimic tasks list`); with --data, the dataset\'s task' }),
  data: dataField,
  shuffle: shuffleField,
  units: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Units', help: 'rate units of the teacher (64 in the paper\'s smaller task)' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 10_000 }), 100).doc({ label: 'Epochs' }),
  samplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples per epoch', help: 'fresh samples of the task each epoch (with a dataset: the epoch fraction of its training split)' }),
  epochFraction: epochFractionField,
  batchSize: s.withDefault(s.integer({ min: 1, max: 1024 }), 1).doc({ label: 'Batch size' }),
  stepSize: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-4).doc({ label: 'Adam step size' }),
  stepSizeSchedule: s.withDefault(s.oneOf(['constant', 'cosine'] as const), 'constant').doc({
    label: 'Step-size schedule',
    help: 'how the Adam step size changes over the epochs',
    valueHelp: {
      constant: 'the same step size in every epoch (the authors\' code)',
      cosine: 'falls along a half cosine from the step size in the first epoch to the floor times it in the last: the last epochs take small steps, so the epoch kept by validation is not a noisy snapshot',
    },
  }),
  stepSizeFloor: s.withDefault(s.number({ min: 0, max: 1 }), 0.05).doc({
    label: 'Step-size floor',
    help: 'the step size in the last epoch, as a share of the step size',
    when: { field: 'stepSizeSchedule', equals: 'cosine' },
  }),
  lambdaMse: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'λ MSE' }),
  lambdaTau: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'λ τ barrier' }),
  tauMinMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 15).doc({ label: 'τ min', unit: 'ms' }),
  lambdaMaxTau: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ longest τ', help: 'weight of max((τ − τ_min)₊²)' }),
  lambdaRec: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ recurrent weights', help: 'weight of mean(Ω̂²)' }),
  lambdaDiag: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ diagonal', help: 'weight of mean|diag Ω̂|' }),
  lambdaBias: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e3).doc({ label: 'λ bias', help: 'weight of mean(b²)' }),
  beta1: s.withDefault(s.number({ min: 0, max: 0.999999 }), 0.9).doc({ label: 'Adam β1' }),
  beta2: s.withDefault(s.number({ min: 0, max: 0.99999999 }), 0.999).doc({ label: 'Adam β2' }),
  epsilon: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-8).doc({ label: 'Adam ε' }),
  clipNorm: s.withDefault(s.number({ min: 0, max: 1e12 }), 0).doc({ label: 'Gradient clipping norm', help: '0 = off' }),
  lossTauUnit: s.withDefault(s.oneOf(['ms', 's'] as const), 'ms').doc({
    label: 'τ unit in the loss',
    help: 'the unit in which the loss measures τ when it penalises time constants below τ min and the longest one',
    valueHelp: {
      ms: 'milliseconds: a τ below τ min costs a lot, so every unit keeps τ ≥ τ min (recommended)',
      s: 'seconds, as in the authors\' code: the penalty is weak and training can push τ below τ min',
    },
  }),
  tauStepUnit: s.withDefault(s.oneOf(['s', 'ms'] as const), 's').doc(tauStepUnitHelp),
  validationSamples: s.withDefault(s.integer({ min: 0, max: 100_000 }), 200).doc({ label: 'Validation samples', help: 'drawn once; the best epoch is kept' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples for the reported accuracy' }),
  keepBest: s.withDefault(s.boolean(), true).doc({ label: 'Keep the best validation epoch' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Sample duration', unit: 's' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

export const trainTeacher = {
  name: 'train.teacher',
  label: 'Teacher (BPTT)',
  runKind: 'teacher',
  description: 'Trains the rate-network teacher of docs/method.md §3 on fresh samples of a task (or a stored dataset\'s training split) with BPTT and Adam; reports test accuracy on fresh samples (or the dataset\'s test split).',
  params: trainTeacherParams,
  resources: { cores: 'all', minCores: 1 },
  cli: { command: ['train', 'teacher'], synopsis: '--project ID [--task T] [--data DATASET_RUN] [--units 64] [--epochs 100] [--samples-per-epoch 500] [--step-size 1e-4] ...' },
  view: 'teacher',
  watchAfterStart: true,
  action: { action: 'New teacher', submit: 'Train' },
  itemSeconds: (params, look) => {
    const steps = typeof params.data === 'number' ? look.steps(params.data) : typeof params.durationS === 'number' ? Math.round(params.durationS * 1000) : look.taskSteps(typeof params.task === 'string' ? params.task : null)
    if (steps === null) return null
    const units = Number(params.units ?? 64)
    return Number(params.epochs ?? 100) * (Number(params.samplesPerEpoch ?? 500) + Number(params.validationSamples ?? 200)) * steps * units * units * costRates.teacherPerStepUnit2
  },
} as const satisfies JobKindSpec
