// The FORCE spiking network of docs/method.md §13 (Nicola & Clopath style): a static sparse LIF
// reservoir whose output is fed back through fixed encoders; the read-out is trained online by
// recursive least squares every step.
import type { ArchitectureDescriptor } from './descriptor.ts'
import { lifArrays, lifPerNeuron } from './lif.ts'

export const forceArchitecture = {
  name: 'force',
  label: 'FORCE spiking network',
  description: 'A static sparse LIF network with output feedback through fixed encoders; its read-out is trained online by recursive least squares (FORCE).',
  spiking: true,
  formatVersion: 1,
  neuronParams: ['neurons'],
  arrays: [
    ...lifArrays,
    { name: 'encoders', dtype: 'float32', shape: 'N x O', description: 'feedback encoders of the output', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
  ],
  perNeuron: lifPerNeuron,
} as const satisfies ArchitectureDescriptor
