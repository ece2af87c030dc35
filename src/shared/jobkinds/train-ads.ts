// Job kind "train.ads": network ADS trained to mimic a teacher by the local rule (docs/method.md §4-5),
// on fresh samples of the teacher's task.
import * as s from '../schema.ts'
import { adsFields, dataField, runRef, threadsField } from './fields.ts'
import type { JobKindSpec } from './spec.ts'

export const trainAdsParams = s.object({
  teacher: runRef('teacher', 'Teacher run'),
  data: dataField.doc({ help: "a dataset run to train on instead of fresh samples (default: the teacher's dataset when it was trained on one): epochs draw from its training split in a seeded order, validation and the fitted decision boundary from its validation split, the test score from its test split" }),
  ...adsFields,
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

export const trainAds = {
  name: 'train.ads',
  label: 'Network ADS (local rule)',
  runKind: 'ads',
  description: "Trains a balanced spiking network to mimic a teacher by the local learning rule with error feedback (docs/method.md §4-5), on the teacher's task.",
  params: trainAdsParams,
  resources: { cores: 'all', minCores: 1 },
  cli: { command: ['train', 'ads'], project: { ofRun: 'teacher' }, synopsis: '--teacher RUN [--project ID] [--data DATASET_RUN] [--neurons 320] [--epochs 20] [--eta 1e-6] [--k 75] ...' },
  view: 'ads',
  watchAfterStart: true,
  action: { action: 'New network ADS', submit: 'Train' },
} as const satisfies JobKindSpec
