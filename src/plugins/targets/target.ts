// An execution target runs a loaded network on a batch of inputs and returns its outputs (and,
// for spiking networks, spikes and rates): the software simulator today, a chip emulator or an
// attached board later. Evaluation and simulation go through a target, never a simulator function.
import type { RunOptions, SpikeEvents } from '../../../native/index.ts'
import type { LoadedNetwork } from '../architectures/architecture.ts'

export interface TargetBatch {
  /** [count, steps, channels] */
  inputs: Float32Array
  count: number
  steps: number
  channels: number
  dtMs: number
}

export interface TargetRunOptions {
  /** initial state draws (initial membrane potentials) and noise; sample b uses stream b */
  seed: number
  /** threads of the native pool; 0 = all */
  threads: number
  /** Gaussian membrane noise per step (V units) */
  noiseStd?: number
  record?: {
    /** spike events: of every sample (true), of the first n samples (a number), or none */
    spikes?: boolean | number
    /** the network's trajectory [B, T, D] (decoded x̃, or a rate network's activations) */
    trajectories?: boolean
    /** membrane potentials of these neurons [B, Tr, K] */
    membrane?: readonly number[]
    /** keep every n-th step of trajectories and membrane traces (Tr = ceil(T / n)) */
    decimate?: number
  }
}

export interface TargetOutput {
  /** [B, T, O] (empty when the network has no read-out) */
  outputs: Float32Array
  /** [B, Tr, D] when recorded */
  trajectories?: Float32Array
  /** steps kept in trajectories and membrane traces */
  recordedSteps: number
  spikes?: SpikeEvents
  /** [B, N] */
  spikeCounts?: Int32Array
  /** mean spike rate over samples and neurons (Hz) */
  meanRateHz?: number
  /** spike rate of each sample (Hz) [B] */
  rateHz?: Float64Array
  totalSpikes?: number
  /** [B, Tr, K] and the neurons K */
  membrane?: Float32Array
  membraneNeurons?: Int32Array
  /** time spent running the network (s) */
  kernelSeconds?: number
}

export interface TargetStatus {
  available: boolean
  /** why it is not available, and what to do */
  reason?: string
}

export interface ExecutionTarget {
  name: string
  label: string
  kind: 'software' | 'emulator' | 'board'
  description: string
  status(): Promise<TargetStatus>
  /** whether it can run networks of this architecture */
  supports(architecture: string): boolean
  run(net: LoadedNetwork, batch: TargetBatch, opts: TargetRunOptions, run?: RunOptions): Promise<TargetOutput>
}
