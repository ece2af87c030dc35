// Network ADS (docs/method.md §4-5): N leaky integrate-and-fire neurons with fast balancing weights Ω_f
// (the EBN; the "no-ebn" variant has none) and slow recurrent weights Ω_s learned by the local rule,
// decoded by D into the teacher's trajectory and read out by the teacher's D̂. An untrained network
// from the EBN construction (`network create`) is a bundle of this architecture without a read-out.
//
// Perturbable (docs/method.md §10, as the authors' code perturbs network ADS): device mismatch draws
// τ_mem, τ_s and V_th per neuron as |N(p, (σp)²)| and multiplies W_in, Ω_s and the decoder (the
// network's output weights W_out, x̃ = D r) elementwise by 1 + σz; Ω_f, τ_f and τ_out stay as built.
// Quantisation takes every matrix the network runs on: W_in, Ω_f, Ω_s and the decoder. The teacher's
// read-out D̂ (`readout`), applied to x̃ off the chip, and the encoder (training only) are not perturbed.
import type { ArchitectureDescriptor } from './descriptor.ts'

export const adsArchitecture = {
  name: 'ads',
  label: 'Network ADS (spiking)',
  description: 'A balanced spiking network of LIF neurons trained to mimic a teacher by the local rule with error feedback.',
  spiking: true,
  formatVersion: 1,
  neuronParams: ['neurons'],
  variants: [
    { name: 'ebn', label: 'with fast balancing weights (EBN)' },
    { name: 'no-ebn', label: 'without fast weights (Ω_f = 0)' },
  ],
  arrays: [
    { name: 'wIn', dtype: 'float32', shape: 'N x C', description: 'input weights A·F·F̂', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
    { name: 'omegaF', dtype: 'float32', shape: 'N x N', description: 'fast balancing weights Ω_f', perturbable: { kind: 'weights', quantise: true, default: true } },
    { name: 'omegaS', dtype: 'float32', shape: 'N x N', description: 'slow recurrent weights Ω_s', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
    { name: 'decoder', dtype: 'float32', shape: 'D x N', description: 'decoder D (x̃ = D·r): the output weights W_out', perturbable: { kind: 'weights', mismatch: 'relative', quantise: true, default: true } },
    { name: 'encoder', dtype: 'float32', shape: 'N x D', description: 'error-feedback encoder (training only)' },
    { name: 'readout', dtype: 'float32', shape: 'O x D', optional: true, description: "the teacher's read-out D̂ applied to x̃" },
    { name: 'thresholds', dtype: 'float32', shape: 'N', optional: true, description: 'EBN thresholds T_n of the construction' },
  ],
  perNeuron: [
    { name: 'tauMemMs', unit: 'ms', perturbable: { kind: 'time-constant', mismatch: 'abs-relative', default: true } },
    { name: 'tauSMs', unit: 'ms', perturbable: { kind: 'time-constant', mismatch: 'abs-relative', default: true } },
    { name: 'tauFMs', unit: 'ms' },
    { name: 'tauOutMs', unit: 'ms' },
    { name: 'vTh', unit: '', perturbable: { kind: 'threshold', mismatch: 'abs-relative', default: true } },
    { name: 'vRest', unit: '' },
    { name: 'vReset', unit: '' },
    { name: 'bias', unit: '' },
    { name: 'refractoryMs', unit: 'ms' },
  ],
} as const satisfies ArchitectureDescriptor
