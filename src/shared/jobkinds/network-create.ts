// Job kind "network.create": a balanced spiking network from the EBN construction (docs/method.md §4.1).
import * as s from '../schema.ts'
import { neuronFields } from './fields.ts'
import type { JobKindSpec } from './spec.ts'
import { maxChannels, maxNeurons, maxTeacherUnits } from '../limits.ts'

export const networkCreateParams = s.object({
  neurons: s.withDefault(s.integer({ min: 1, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  dims: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Dimensions D', help: 'dimension of the decoded trajectory (teacher units)' }),
  channels: s.withDefault(s.integer({ min: 1, max: maxChannels }), 1).doc({ label: 'Input channels' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
  ebn: s.withDefault(s.boolean(), true).doc({ label: 'Fast balancing weights (EBN)', help: 'off gives the no-EBN variant (Ω_f = 0)' }),
  fastGain: s.withDefault(s.number({ min: 0, max: 100 }), 0.5).doc({ label: 'Fast weight gain g', help: 'the paper used 0.5 or 1.5 depending on the task' }),
  slowWeights: s.withDefault(s.oneOf(['zero', 'random'] as const), 'zero').doc({ label: 'Slow weights', help: 'zero (before training) or random off-diagonal N(0, scale²/N)' }),
  slowScale: s.withDefault(s.number({ min: 0, max: 10 }), 0.02).doc({ label: 'Random slow weight scale' }),
  inputGain: s.withDefault(s.number({ min: 0, max: 1e6 }), 200).doc({ label: 'Input gain A', help: 'I_in = A·F·F̂c; 10/τ_mem (= 200 at 50 ms) in the paper' }),
  mu: s.withDefault(s.number({ min: 0, max: 1 }), 5e-4).doc({ label: 'μ (EBN cost)' }),
  nu: s.withDefault(s.number({ min: 0, max: 1 }), 1e-4).doc({ label: 'ν (EBN cost)' }),
  ...neuronFields,
})

export const networkCreate = {
  name: 'network.create',
  label: 'Spiking network (EBN)',
  runKind: 'network',
  description: 'Builds a balanced spiking network (docs/method.md §4.1): thresholds, encoder, decoder, fast weights; slow weights zero or random.',
  params: networkCreateParams,
  resources: { cores: 1 },
  cli: { command: ['network', 'create'], synopsis: '--project ID [--neurons 320] [--dims 64] [--channels 1] [--seed S] [--no-ebn] ...' },
  view: 'network',
  action: { action: 'New network', submit: 'Create' },
} as const satisfies JobKindSpec
