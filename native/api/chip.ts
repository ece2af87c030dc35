// The chip emulator (native/binding/chip.cpp, native/core/chip.hpp; docs/method.md §14): a
// DYNAP-SE-class chip — chips × 4 cores × 256 neurons, per-core nominal parameters, four signed
// synapse types, fan-in and fan-out limits, SE1 repeat counts or SE2 4-bit masks over per-core base
// weights — with device mismatch frozen per virtual chip (its serial number). The configuration is
// the board protocol's (src/shared/board.ts DeployedConfiguration; the same shape is declared here
// because native/ imports nothing above it). The binding checks every field and names the bad one.
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { argError, describe } from '../check.ts'

export type ChipWeightScheme = 'se1' | 'se2'

export interface ChipCoreParameters {
  tauMemMs: number
  refractoryMs: number
  threshold: number
  resetPotential: number
  bias: number
  /** per synapse type (ampa, nmda, gaba-a, gaba-b), ms */
  tauSynMs: [number, number, number, number]
  /** SE1: per synapse type; SE2: the base weights selected by the mask's bits; ≥ 0 */
  baseWeights: [number, number, number, number]
}

export interface ChipConfiguration {
  weightScheme: ChipWeightScheme
  cores: { chip: number; core: number; neurons: number; params: ChipCoreParameters }[]
  /** pre: a neuron address or 0x80000000 + input channel; type 0..3; weight: SE1 count, SE2 mask */
  connections: { pre: number; post: number; type: number; weight: number }[]
}

export interface ChipSetup {
  /** chips on the board (default 1) */
  chips?: number
  /** the virtual chip: required when mismatch is on */
  serialNumber?: string
  /** device mismatch (default true); false: the ideal chip */
  mismatch?: boolean
  /** multiplies every spread (default 1, 0..10) */
  mismatchScale?: number
  /** time step, µs (default 100) */
  dtUs?: number
}

export type ChipInput =
  | { samples: Float32Array; batch: number; steps: number; channels: number; samplePeriodUs?: number }
  | { events: { sample: Int32Array; timeUs: Uint32Array; channel: Uint32Array }; batch: number; durationUs: number }

export interface ChipEmulateOptions extends ChipSetup {
  threads?: number
  /** spikes are returned for samples 0..spikesOf-1 (default 0) */
  spikesOf?: number
  /** Fail (ERR_INVALID_ARG) when the runs keep more spike events than this (default 2^25 = 33.5 M). */
  maxSpikeEvents?: number
  /**
   * outputs[b, t, o] = Σ_n weights[o, n] r_n(t), r filtered with τ_out (unit area, 1/s), once per
   * period of periodUs (default dtUs): r decays by exp(−period/τ_out) per period and a spike counts in
   * the period its step starts in — what a client decodes from a board's spike times
   */
  decode?: { weights: Float32Array; outputs: number; tauOutMs: number; periodUs?: number }
  /** membrane noise: a Gaussian of this standard deviation (V units, per step of dtUs) added to V after each integration step */
  noiseStd?: number
  /** the noise of sample b is stream b of this seed (default 0) */
  noiseSeed?: number
  /** neurons (dense indices) held at their reset potential, unable to spike, in the steps that start in [startUs, endUs) (default: the whole run) */
  silence?: { neurons: Int32Array; startUs?: number; endUs?: number }
  /** dense neurons whose membrane potential is kept at the end of each decode period (membrane [batch, periods, K]) */
  membraneNeurons?: Int32Array
}

export interface ChipEmulateResult {
  /** configured neurons (dense order: the cores in configuration order) */
  neurons: number
  steps: number
  /** decoded periods (decode.periodUs; = steps without it) */
  periods: number
  /** chip address of each dense neuron */
  addresses: Uint32Array
  /** [batch, neurons] */
  spikeCounts: Int32Array
  /** [batch, periods, outputs] with decode */
  outputs?: Float32Array
  /** [batch, periods, K] with membraneNeurons: V at the end of each period */
  membrane?: Float32Array
  /** spikes of the first spikesOf samples (dense neuron indices, steps of dt) */
  spikes: { sample: Int32Array; step: Int32Array; neuron: Int32Array }
  kernelSeconds: number
}

export interface ChipInspection {
  addresses: Uint32Array
  tauMemMs: Float64Array
  thresholds: Float64Array
  /** signed efficacy of each configured connection, configuration order */
  efficacies: Float64Array
}

interface RawChip {
  chipEmulate(config: object, input: object, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<ChipEmulateResult>
  chipInspect(config: object, options: object): ChipInspection
}

function objectArg(v: unknown, name: string): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw argError('type', `Expected an object for ${name} but received ${describe(v)}`)
}

/** Runs a batch of independent runs (each from rest) of a configured virtual chip on the thread pool. */
export function chipEmulate(config: ChipConfiguration, input: ChipInput, options: ChipEmulateOptions = {}, run: RunOptions = {}): Promise<ChipEmulateResult> {
  objectArg(config, 'config')
  objectArg(input, 'input')
  objectArg(options, 'options')
  return runNative<ChipEmulateResult, RawChip>((r, progress, token) => r.chipEmulate(config, input, options, progress, token), run)
}

/** The virtual chip's per-neuron and per-connection values after mismatch (synchronous). */
export function chipInspect(config: ChipConfiguration, options: ChipSetup = {}): ChipInspection {
  objectArg(config, 'config')
  objectArg(options, 'options')
  return addon<RawChip>().chipInspect(config, options)
}

interface RawChipSession {
  advance(steps: number, input: object): { step: Int32Array; neuron: Int32Array }
  reset(): void
  readonly neurons: number
  readonly addresses: Uint32Array
  readonly maxSteps: number
}

/**
 * A configured virtual chip stepped by the caller, for a board session that streams its stimulus
 * (synchronous; each call computes `steps` steps of dt from the present state).
 */
export class ChipSession {
  private readonly raw: RawChipSession
  constructor(config: ChipConfiguration, setup: ChipSetup = {}) {
    objectArg(config, 'config')
    objectArg(setup, 'options')
    const Ctor = addon<{ ChipSession: new (c: object, o: object) => RawChipSession }>().ChipSession
    this.raw = new Ctor(config, setup)
  }
  /** dense neuron order → chip address */
  get addresses(): Uint32Array {
    return this.raw.addresses
  }
  get neurons(): number {
    return this.raw.neurons
  }
  /** the most steps one advance() takes: it runs on the event loop, so steps × neurons is bounded (2^26) */
  get maxSteps(): number {
    return this.raw.maxSteps
  }
  /** every neuron and synapse at rest */
  reset(): void {
    this.raw.reset()
  }
  /**
   * `steps` steps; events of step k: eventChannels[eventOffsets[k] .. eventOffsets[k + 1]); an analog
   * sample for step k where hasSample[k] is 1 (samples [steps × channels]). Returns the spikes (step
   * relative to this call, dense neuron index).
   */
  advance(
    steps: number,
    input: { eventOffsets?: Int32Array; eventChannels?: Uint32Array; samples?: Float32Array; channels?: number; hasSample?: Uint8Array },
  ): { step: Int32Array; neuron: Int32Array } {
    objectArg(input, 'input')
    return this.raw.advance(steps, input)
  }
}
