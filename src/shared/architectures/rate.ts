// The rate network (the teacher of docs/method.md §3): tau_j dx_j/dt = −x_j + (F̂c)_j + b_j + (Ω̂ᵀ tanh x)_j, ŷ = D̂ᵀ tanh x.
import type { ArchitectureDescriptor } from './descriptor.ts'

export const rateArchitecture = {
  name: 'rate',
  label: 'Rate network (teacher)',
  description: 'A non-spiking recurrent rate network with one trained time constant per unit, trained by BPTT; the teacher that spiking networks mimic.',
  spiking: false,
  formatVersion: 1,
  arrays: [
    { name: 'wIn', dtype: 'float32', shape: 'N x C', description: 'input weights F̂', perturbable: { mismatch: 'relative', quantise: true, default: false } },
    { name: 'wRec', dtype: 'float32', shape: 'N x N', description: 'recurrent weights Ω̂', perturbable: { mismatch: 'relative', quantise: true, default: false } },
    { name: 'wOut', dtype: 'float32', shape: 'O x N', description: 'read-out D̂', perturbable: { mismatch: 'relative', quantise: true, default: false } },
    { name: 'bias', dtype: 'float32', shape: 'N', description: 'unit biases b' },
    { name: 'tauMs', dtype: 'float32', shape: 'N', description: 'time constants τ (ms)' },
  ],
  perNeuron: [
    { name: 'tauMs', unit: 'ms', perturbable: { mismatch: 'relative', default: false } },
    { name: 'bias', unit: '' },
  ],
} as const satisfies ArchitectureDescriptor
