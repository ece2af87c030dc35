// The reservoir (liquid state machine) of docs/method.md §13: LIF neurons in block-diagonal pools,
// every 5th inhibitory and stronger, time constants spread over 0.1-112 ms, and a ridge-regression
// read-out through a slow exponential synapse. Only the read-out is trained.
import type { ArchitectureDescriptor } from './descriptor.ts'
import { lifArrays, lifPerNeuron } from './lif.ts'

export const reservoirArchitecture = {
  name: 'reservoir',
  label: 'Reservoir (liquid state machine)',
  description: 'A fixed pool of excitatory and inhibitory LIF neurons with spread time constants; only its read-out is fitted, by ridge regression.',
  spiking: true,
  formatVersion: 1,
  neuronParams: ['neurons'],
  arrays: lifArrays,
  perNeuron: lifPerNeuron,
} as const satisfies ArchitectureDescriptor
