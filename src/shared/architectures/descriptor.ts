// What every network architecture declares about itself, in pure data: the arrays of its bundle
// (name, dtype, shape) and which quantities a robustness trial may perturb. The Node side
// (src/plugins/architectures) adds saving, loading and running; this part is what every surface
// (the command line, the renderer) may show.
import type { DType } from '../types.ts'

/**
 * How a quantity may be perturbed: device mismatch ('relative': x·(1 + σ·N(0,1)); 'abs-relative':
 * |N(x, (σx)²)|; 'threshold': a threshold's spread relative to its distance from the reset), and/or
 * weight quantisation. `default`: perturbed by the standard protocol (docs/method.md §10).
 */
export interface Perturbable {
  mismatch?: 'relative' | 'abs-relative' | 'threshold'
  quantise?: boolean
  default: boolean
}

export interface BundleArray {
  name: string
  dtype: DType
  /** in the sizes' letters: N neurons (or units), C channels, D dimensions, O outputs */
  shape: string
  /** arrays only some networks of the architecture have */
  optional?: boolean
  description: string
  perturbable?: Perturbable
}

export interface PerNeuronQuantity {
  name: string
  unit: string
  perturbable?: Perturbable
}

export interface ArchitectureDescriptor {
  /** the registry key, stored in the networks table */
  name: string
  label: string
  description: string
  /** it emits spikes (its simulations record rasters and membrane traces) */
  spiking: boolean
  /** the newest bundle format this code writes and reads */
  formatVersion: number
  /** named variants sharing the architecture's module (stored in the bundle's meta) */
  variants?: readonly { name: string; label: string }[]
  arrays: readonly BundleArray[]
  /** per-neuron parameters (arrays of the bundle too, named `neuron.<name>` where stored so) */
  perNeuron: readonly PerNeuronQuantity[]
}
