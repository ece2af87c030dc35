// Job kind "simulate": a stored spiking network on samples of a dataset; spikes, decoded
// trajectories and membrane traces become artifacts.
import * as s from '../schema.ts'
import { runRef, targetField, threadsField } from './fields.ts'
import type { JobKindSpec } from './spec.ts'

export const simulateParams = s.object({
  network: runRef('network,ads,reservoir,force,bptt-snn', 'Network run'),
  dataset: runRef('dataset', 'Dataset run'),
  firstSample: s.withDefault(s.integer({ min: 0, max: 1_000_000 }), 0).doc({ label: 'First sample' }),
  samples: s.withDefault(s.integer({ min: 1, max: 10_000 }), 10).doc({ label: 'Samples' }),
  noiseStd: s.withDefault(s.number({ min: 0, max: 10 }), 0).doc({ label: 'Membrane noise σ', help: 'Gaussian added to V every step (V units)' }),
  membraneNeurons: s.withDefault(s.array(s.integer({ min: 0, max: 100_000 }), { max: 64, unique: 'neuron' }), [0, 1, 2, 3]).doc({ label: 'Membrane traces of neurons' }),
  decimate: s.withDefault(s.integer({ min: 1, max: 1000 }), 1).doc({ label: 'Keep every n-th step of traces' }),
  target: targetField,
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'initial membrane potentials and noise' }),
})

export const simulate = {
  name: 'simulate',
  label: 'Simulation',
  runKind: 'simulation',
  description: 'Simulates a network on samples of a dataset and records spikes, decoded trajectories and membrane traces.',
  params: simulateParams,
  resources: { cores: 'all', minCores: 1 },
  cli: {
    command: ['simulate'],
    positionals: ['network'],
    flagAliases: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'NETWORK_RUN --data DATASET_RUN [--samples 10] [--noise-std 0] [--membrane-neurons 0,1,2,3] ...',
  },
  view: 'simulation',
  action: { action: 'New simulation', submit: 'Simulate' },
} as const satisfies JobKindSpec
