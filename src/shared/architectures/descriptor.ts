// What every network architecture declares about itself, in pure data: the arrays of its bundle
// (name, dtype, shape) and which quantities a robustness trial may perturb. The Node side
// (src/plugins/architectures) adds saving, loading and running; this part is what every surface
// (the command line, the renderer) may show.
import type { DType } from '../types.ts'

/** What a perturbable quantity is: it decides the mismatch forms that fit it, and only weights are quantised. */
export type QuantityKind = 'weights' | 'time-constant' | 'threshold' | 'bias'

/**
 * How device mismatch at relative level σ changes each element p (z ~ N(0, 1), one per element):
 * 'relative' p·(1 + σz); 'abs-relative' |N(p, (σp)²)| (time constants, thresholds: stays ≥ 0);
 * 'threshold' p + σ·|p − reset|·z (a threshold spread by its distance from the reset); 'offset'
 * p + N(0, σ²) (a bias, BPTT-like threshold mismatch). docs/method.md §10.
 */
export type MismatchForm = 'relative' | 'abs-relative' | 'threshold' | 'offset'

/**
 * How a quantity may be perturbed: device mismatch in one form, and/or post-training quantisation
 * (weights only). `default`: perturbed by the standard protocol (docs/method.md §10-11); a quantity
 * that is not default stays as trained in a robustness run.
 */
export interface Perturbable {
  kind: QuantityKind
  mismatch?: MismatchForm
  quantise?: boolean
  /** 'threshold' mismatch: the per-neuron quantity that holds the reset potential */
  reset?: string
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
  /**
   * The parameters of the run that made a network whose sum is its count of neurons: every spiking
   * layer (a rate network: its units). neuronCountOf reads them; nothing else knows a layer's name.
   */
  neuronParams: readonly string[]
  /** named variants sharing the architecture's module (stored in the bundle's meta) */
  variants?: readonly { name: string; label: string }[]
  arrays: readonly BundleArray[]
  /** per-neuron parameters (arrays of the bundle too, named `neuron.<name>` where stored so) */
  perNeuron: readonly PerNeuronQuantity[]
}
