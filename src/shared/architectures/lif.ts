// What the paper's LIF baselines (the reservoir and the FORCE network, docs/method.md §13) share: one
// leaky integrate-and-fire model (native/core/baseline.hpp) whose bundle holds wIn, wRec, wOut, the
// output bias and per-neuron parameters. Mismatch applies as docs/method.md §13 says: time constants
// |N(p, (σp)²)|, thresholds with a spread relative to |V_th − V_reset|, every weight matrix multiplicative.
import type { BundleArray, PerNeuronQuantity } from './descriptor.ts'

export const lifArrays = [
  { name: 'wIn', dtype: 'float32', shape: 'N x C', description: 'input weights', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
  { name: 'wRec', dtype: 'float32', shape: 'N x N', description: 'recurrent weights (row = presynaptic neuron)', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
  { name: 'wOut', dtype: 'float32', shape: 'O x N', description: 'trained read-out of the exponential-synapse traces', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
  { name: 'outBias', dtype: 'float32', shape: 'O', description: 'read-out bias (the constant of the regression)' },
] as const satisfies readonly BundleArray[]

export const lifPerNeuron = [
  { name: 'tauMemMs', unit: 'ms', perturbable: { kind: 'time-constant', mismatch: 'abs-relative', default: true } },
  { name: 'tauSynMs', unit: 'ms', perturbable: { kind: 'time-constant', mismatch: 'abs-relative', default: true } },
  { name: 'vTh', unit: '', perturbable: { kind: 'threshold', mismatch: 'threshold', reset: 'vReset', default: true } },
  { name: 'vReset', unit: '' },
  { name: 'bias', unit: '' },
  { name: 'refractoryMs', unit: 'ms' },
] as const satisfies readonly PerNeuronQuantity[]
