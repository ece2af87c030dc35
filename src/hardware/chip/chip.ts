// What the board side of the link drives: a chip that takes a deployed configuration and turns a
// stimulus into spike events, run by run. `mimic board emulate` serves one over the board protocol.
// The reference implementation is ./reference.ts (a leaky integrate-and-fire model in TypeScript);
// the native emulator of issue 14 implements the same interface.
import type { BoardGeometry, DeployedConfiguration } from '../../shared/board.ts'

export interface ConfigurationSummary {
  cores: number
  neurons: number
  connections: number
  /** SE1: the sum of the repeat counts; SE2: the number of connections */
  camEntries: number
}

export interface ChipRunOptions {
  durationUs: number
  input: 'events' | 'samples'
  /** samples: the number of analog channels (1..1024); events: 0 */
  analogChannels: number
  /** samples: µs covered by one sample; events: 0 */
  samplePeriodUs: number
}

/** Spikes in time order: µs since the start of the run, and neuron addresses. */
export interface SpikeBatch {
  timesUs: Uint32Array
  neurons: Uint32Array
}

/** One run: input in time order, computed as far as the input allows. */
export interface ChipRun {
  /** Input events on channels (times non-decreasing, not before earlier ones, below the duration: checked by the caller). */
  events(timesUs: Uint32Array, channels: Uint32Array): void
  /** Analog samples, sample-major, continuing the samples given so far. */
  samples(values: Float32Array, channels: number): void
  /**
   * Computes up to `untilUs` (at most the duration), or fewer steps when `maxSteps` is reached, and
   * returns the spikes of the steps computed. Input must be complete up to `untilUs`.
   */
  advance(untilUs: number, maxSteps?: number): SpikeBatch
  /** the run's time computed so far (µs) */
  readonly timeUs: number
  readonly durationUs: number
}

export interface Chip {
  readonly geometry: BoardGeometry
  readonly model: string
  readonly firmware: string
  /** Applies a configuration that checkConfiguration accepted; the state goes to rest. */
  configure(config: DeployedConfiguration): ConfigurationSummary
  /** Brings every neuron and synapse to rest; with clearConfiguration, forgets the configuration too. */
  reset(clearConfiguration: boolean): void
  readonly configured: boolean
  /** Starts a run from the present state (state carries over between runs until reset). */
  start(options: ChipRunOptions): ChipRun
}
