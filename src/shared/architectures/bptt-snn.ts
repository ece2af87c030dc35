// The BPTT spiking network of docs/method.md §13: a feed-forward LIF layer → a recurrent LIF layer →
// an exponential-synapse read-out, trained by backpropagation through time with a surrogate gradient.
// Stored in the LIF baselines' form (one network of both layers: wIn feeds layer 1, wRec holds the
// blocks layer 1 → 2 and 2 → 2, wOut reads layer 2; meta.layer1 is the size of layer 1). Threshold
// mismatch (threshold 0, subtractive reset 1) is the paper's bias + N(0, σ²).
import type { ArchitectureDescriptor } from './descriptor.ts'
import { lifArrays, lifPerNeuron } from './lif.ts'

export const bpttSnnArchitecture = {
  name: 'bptt-snn',
  label: 'BPTT spiking network (surrogate gradient)',
  description: 'A feed-forward and a recurrent layer of LIF neurons with an exponential-synapse read-out, trained end to end by BPTT with a surrogate gradient and Adam.',
  spiking: true,
  formatVersion: 1,
  neuronParams: ['layer1', 'layer2'],
  arrays: lifArrays,
  perNeuron: lifPerNeuron,
} as const satisfies ArchitectureDescriptor
