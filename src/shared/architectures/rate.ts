// The rate network (the teacher of docs/method.md §3): tau_j dx_j/dt = −x_j + (F̂c)_j + b_j + (Ω̂ᵀ tanh x)_j, ŷ = D̂ᵀ tanh x.
//
// Perturbable, for comparing a teacher with the spiking networks that mimic it on the same footing:
// mismatch draws τ per unit as |N(p, (σp)²)| (a time constant stays positive, as the spiking
// network's) and multiplies F̂ and Ω̂ elementwise by 1 + σz; quantisation takes F̂ and Ω̂. The read-out
// D̂ is the one the spiking networks share, applied off the chip: declared, not perturbed by default.
// The bias may take an absolute offset N(0, σ²) (BPTT-like threshold mismatch), not by default either.
import type { ArchitectureDescriptor } from './descriptor.ts'

export const rateArchitecture = {
  name: 'rate',
  label: 'Rate network (teacher)',
  description: 'A non-spiking recurrent rate network with one trained time constant per unit, trained by BPTT; the teacher that spiking networks mimic.',
  spiking: false,
  formatVersion: 1,
  neuronParams: ['units'],
  arrays: [
    { name: 'wIn', dtype: 'float32', shape: 'N x C', description: 'input weights F̂', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
    { name: 'wRec', dtype: 'float32', shape: 'N x N', description: 'recurrent weights Ω̂', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
    { name: 'wOut', dtype: 'float32', shape: 'O x N', description: 'read-out D̂', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: false } },
    { name: 'bias', dtype: 'float32', shape: 'N', description: 'unit biases b' },
    { name: 'tauMs', dtype: 'float32', shape: 'N', description: 'time constants τ (ms)' },
  ],
  perNeuron: [
    { name: 'tauMs', unit: 'ms', perturbable: { kind: 'time-constant', mismatch: 'abs-relative', default: true } },
    { name: 'bias', unit: '', perturbable: { kind: 'bias', mismatch: 'offset', default: false } },
  ],
} as const satisfies ArchitectureDescriptor
