// The Node side of a network architecture: its bundle (meta + arrays, the artifacts of the run) in
// both directions, its sizes, and how it runs on the software target. The descriptor part (arrays,
// perturbable quantities, variants) is src/shared/architectures.
import type { RunOptions, SpikeEvents } from '../../../native/index.ts'
import type { ArchitectureDescriptor, ArchitectureName } from '../../shared/architectures/index.ts'
import type { TaskName } from '../../shared/tasks/index.ts'
import type { ArtifactData, ArtifactMeta } from '../../shared/types.ts'
import type { NewArtifact } from '../../store/artifacts.ts'

// What running a network takes and gives, on any execution target (src/plugins/targets): defined
// here, with the architectures that run on the software target, so that targets depend on
// architectures and not the other way round.

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
  /** Gaussian membrane noise per step (V units); spiking networks only */
  noiseStd?: number
  /** neurons clamped to V = 0 (unable to spike) in steps [startStep, endStep) (neuron death); spiking networks only */
  silence?: { neurons: Int32Array; startStep?: number; endStep?: number }
  /** chip targets (src/plugins/targets/chip.ts): the virtual chip's serial number and whether it has mismatch */
  chip?: {
    serialNumber?: string
    mismatch?: boolean
    /** multiplies every spread of the chip's mismatch (default 1; 0..10) */
    mismatchScale?: number
    /** the emulator's time step, µs (default defaultChipStepUs of src/shared/board.ts) */
    stepUs?: number
  }
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

/** How many samples' spike events a run records (`record.spikes`): every one of the `count`, the first n of them, or none. */
export function recordedSpikeSamples(record: TargetRunOptions['record'], count: number): number {
  const wanted = record?.spikes
  return wanted === true ? count : typeof wanted === 'number' ? Math.min(count, Math.max(0, Math.floor(wanted))) : 0
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

/** A stored bundle as an architecture reads it: its row and lazy access to its arrays. */
export interface Bundle {
  runId: number
  architecture: string
  formatVersion: number
  meta: Record<string, unknown>
  /** the arrays' dtypes and shapes (no data read) */
  arrays: readonly ArtifactMeta[]
  /** reads one array, or undefined when the bundle has none of that name */
  array(name: string): ArtifactData | undefined
}

export interface NetworkSizes {
  channels: number
  outputs: number
  /** neurons or units */
  units: number
  /** dimension of its trajectory (decoded x̃, or a rate network's activations) */
  dims: number
}

export interface Architecture<Net> extends ArchitectureDescriptor {
  name: ArchitectureName
  /**
   * The evaluation artifact its trajectory is stored under ('decoded' for spiking networks; a rate
   * network evaluated on its own stores its activations as the teacher's).
   */
  trajectoryArtifact: string
  /**
   * meta and arrays of its bundle. The meta holds the sizes every surface reads without loading
   * the arrays (channels, outputs, units, dims) and what else it needs to run (variant, dtMs...).
   */
  toBundle(net: Net): { meta: Record<string, unknown>; arrays: NewArtifact[] }
  /** the network from its bundle, shapes checked against the meta (the format version was checked by the loader) */
  fromBundle(b: Bundle): Net
  sizes(net: Net): NetworkSizes
  /** the variant of a network (architectures with variants), else null */
  variant(net: Net): string | null
  /** runs the network on the software target */
  simulate(net: Net, batch: TargetBatch, opts: TargetRunOptions, run?: RunOptions): Promise<TargetOutput>
  /**
   * The values of a quantity the descriptor declares perturbable (a bundle array or a per-neuron
   * parameter, by name), as the network runs with them. Robustness runs read them (src/plugins/perturb.ts).
   */
  quantity(net: Net, name: string): Float32Array
  /** A copy of the network with these quantities replaced (same names and sizes); the rest is shared, not copied. */
  withQuantities(net: Net, values: Readonly<Record<string, Float32Array>>): Net
  /**
   * A stored weight array that holds more than one of the network's matrices (the BPTT network keeps
   * its layer 1 → 2 and layer 2 → 2 weights in one recurrent array): those matrices, each a block of
   * the row-major array, which quantisation takes one by one (per matrix, docs/method.md §10). Null or
   * absent: the array is one matrix. Entries outside every block are structural zeros.
   */
  matricesOf?(net: Net, name: string): QuantityBlock[] | null
  /**
   * Spiking architectures: the neurons, with the potentials membrane noise is measured against
   * (noise std = fraction·|V_th − V_reset|) and that neuron death draws from.
   */
  neurons?(net: Net): { count: number; vTh: Float32Array; vReset: Float32Array }
}

/** A block of a row-major weight array: rows [row0, row1) × columns [col0, col1) of `columns`. */
export interface QuantityBlock {
  /** e.g. "layer 1 → 2" */
  label: string
  row0: number
  row1: number
  col0: number
  col1: number
  columns: number
}

/** A network read from its bundle. */
export interface LoadedNetwork<Net = unknown> {
  runId: number
  architecture: ArchitectureName
  variant: string | null
  formatVersion: number
  meta: Record<string, unknown>
  /** the task it was trained on (bundles made before tasks were recorded: the default task) */
  task: TaskName
  /** the task's settings fitted on validation data */
  fitted: Record<string, number>
  sizes: NetworkSizes
  net: Net
}
