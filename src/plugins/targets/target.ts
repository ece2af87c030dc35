// An execution target runs a loaded network on a batch of inputs and returns its outputs (and,
// for spiking networks, spikes and rates): the software simulator today, a chip emulator or an
// attached board later. Evaluation and simulation go through a target, never a simulator function.
import type { RunOptions } from '../../../native/index.ts'
import type { LoadedNetwork, TargetBatch, TargetOutput, TargetRunOptions } from '../architectures/architecture.ts'

export type { TargetBatch, TargetOutput, TargetRunOptions }

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
