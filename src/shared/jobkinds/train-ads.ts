// Job kind "train.ads": network ADS trained to mimic a teacher by the local rule (docs/method.md §4-5),
// on fresh samples of the teacher's task.
import * as s from '../schema.ts'
import { adsFields, runRef, threadsField } from './fields.ts'
import type { JobKindSpec } from './spec.ts'

export const trainAdsParams = s.object({
  teacher: runRef('teacher', 'Teacher run'),
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
  cli: { command: ['train', 'ads'], synopsis: '--project ID --teacher RUN [--neurons 320] [--epochs 20] [--eta 1e-6] [--k 75] ...' },
  view: 'ads',
  watchAfterStart: true,
  action: { action: 'New network ADS', submit: 'Train' },
} as const satisfies JobKindSpec
