// The native chip emulator (native/core/chip.hpp, docs/method.md §11.1) behind the Chip interface a
// board session drives (src/hardware/chip/chip.ts): the same streaming semantics as the reference
// chip (src/hardware/chip/reference.ts) — input complete up to a time, steps of dt computed, spikes
// stamped with the start of their step — with the mismatch of the virtual chip named by its serial
// number (or none). Without mismatch it gives the reference chip's spikes.
import { StimulusBuffer } from '../hardware/chip/stimulus.ts'
import { ChipSession } from '../../native/index.ts'
import { concatArrays } from '../shared/arrays.ts'
import { defaultChipStepUs, type BoardGeometry, type DeployedConfiguration, type WeightScheme } from '../shared/board.ts'
import type { Chip, ChipRun, ChipRunOptions, ConfigurationSummary, SpikeBatch } from '../hardware/chip/chip.ts'
import { referenceGeometry } from '../hardware/chip/reference.ts'
import { checkConfiguration } from '../hardware/chip/validate.ts'

export const nativeFirmware = 'mimic-native-emulator 1'

export interface NativeChipOptions {
  chips?: number
  weightScheme?: WeightScheme
  /** time step, µs (default defaultChipStepUs, 100) */
  dtUs?: number
  /** the virtual chip; required with mismatch */
  serialNumber?: string
  /** device mismatch (default true) */
  mismatch?: boolean
}

export class NativeChip implements Chip {
  readonly geometry: BoardGeometry
  readonly model: string
  readonly firmware = nativeFirmware
  readonly dtUs: number
  private readonly opts: NativeChipOptions
  private session: ChipSession | null = null

  constructor(opts: NativeChipOptions = {}) {
    const scheme = opts.weightScheme ?? 'se2'
    this.geometry = referenceGeometry(opts.chips ?? 1, scheme)
    this.opts = opts
    this.dtUs = opts.dtUs ?? defaultChipStepUs
    if (!Number.isInteger(this.dtUs) || this.dtUs < 1 || this.dtUs > 10_000) throw new RangeError(`dtUs must be an integer number of µs between 1 and 10000 (received ${opts.dtUs})`)
    if ((opts.mismatch ?? true) && !opts.serialNumber) throw new RangeError('serialNumber is missing: mismatch is frozen per virtual chip, so name it, or set mismatch to false')
    this.model = `mimic native emulator (${scheme.toUpperCase()}${opts.mismatch ?? true ? `, chip ${opts.serialNumber}` : ', no mismatch'})`
  }

  get configured(): boolean {
    return this.session !== null
  }

  configure(config: DeployedConfiguration): ConfigurationSummary {
    const summary = checkConfiguration(this.geometry, config)
    const mismatch = this.opts.mismatch ?? true
    this.session = new ChipSession(config, { chips: this.geometry.chips, dtUs: this.dtUs, mismatch, ...(mismatch ? { serialNumber: this.opts.serialNumber } : {}) })
    return summary
  }

  reset(clearConfiguration: boolean): void {
    if (clearConfiguration) this.session = null
    else this.session?.reset()
  }

  start(options: ChipRunOptions): ChipRun {
    if (!this.session) throw new Error('the chip is not configured')
    return new NativeRun(this.session, this.dtUs, options)
  }
}

class NativeRun implements ChipRun {
  readonly durationUs: number
  private readonly totalSteps: number
  private k = 0
  private readonly stimulus: StimulusBuffer
  private readonly addresses: Uint32Array
  private readonly session: ChipSession
  private readonly dtUs: number
  private readonly opts: ChipRunOptions

  constructor(session: ChipSession, dtUs: number, opts: ChipRunOptions) {
    this.stimulus = new StimulusBuffer(opts.analogChannels)
    this.session = session
    this.dtUs = dtUs
    this.opts = opts
    this.durationUs = opts.durationUs
    this.totalSteps = Math.ceil(opts.durationUs / dtUs)
    this.addresses = session.addresses
  }

  get timeUs(): number {
    return Math.min(this.k * this.dtUs, this.durationUs)
  }

  events(timesUs: Uint32Array, channels: Uint32Array): void {
    this.stimulus.events(timesUs, channels)
  }

  samples(values: Float32Array, channels: number): void {
    this.stimulus.samples(values, channels)
  }

  advance(untilUs: number, maxSteps = Infinity): SpikeBatch {
    const dt = this.dtUs
    let until = Math.min(untilUs, this.durationUs)
    if (this.opts.input === 'samples' && until < this.durationUs) until = Math.min(until, this.stimulus.samplesReceived * this.opts.samplePeriodUs)
    // the steps whose input is complete (as the reference chip decides)
    let steps = 0
    while (this.k + steps < this.totalSteps && steps < maxSteps && ((this.k + steps + 1) * dt <= until || until >= this.durationUs)) steps++
    if (steps === 0) return { timesUs: new Uint32Array(0), neurons: new Uint32Array(0) }
    // in slices of at most session.maxSteps (one native call computes a bounded number of neuron-steps)
    const times: Uint32Array[] = []
    const neurons: Uint32Array[] = []
    for (let done = 0; done < steps; ) {
      const n = Math.min(steps - done, this.session.maxSteps)
      const b = this.slice(n)
      times.push(b.timesUs)
      neurons.push(b.neurons)
      done += n
    }
    if (times.length === 1) return { timesUs: times[0], neurons: neurons[0] }
    return { timesUs: concat(times), neurons: concat(neurons) }
  }

  /** The next `steps` steps (at most session.maxSteps). */
  private slice(steps: number): SpikeBatch {
    const dt = this.dtUs
    const k0 = this.k
    let r: { step: Int32Array; neuron: Int32Array }
    if (this.opts.input === 'events') {
      const offsets = new Int32Array(steps + 1)
      const chans: number[] = []
      for (let s = 0; s < steps; s++) {
        const t1 = (k0 + s) * dt + dt
        this.stimulus.takeEventsBefore(t1, (channel) => chans.push(channel))
        offsets[s + 1] = chans.length
      }
      r = this.session.advance(steps, { eventOffsets: offsets, eventChannels: Uint32Array.from(chans) })
    } else {
      const C = this.opts.analogChannels
      const samples = new Float32Array(steps * C)
      const has = new Uint8Array(steps)
      for (let s = 0; s < steps; s++) {
        const x = this.stimulus.sampleAt(Math.floor(((k0 + s) * dt) / this.opts.samplePeriodUs))
        if (x) {
          samples.set(x, s * C)
          has[s] = 1
        }
      }
      r = this.session.advance(steps, { samples, channels: C, hasSample: has })
    }
    this.k += steps
    const timesUs = new Uint32Array(r.step.length)
    const neurons = new Uint32Array(r.step.length)
    for (let i = 0; i < r.step.length; i++) {
      timesUs[i] = (k0 + r.step[i]) * dt
      neurons[i] = this.addresses[r.neuron[i]]
    }
    return { timesUs, neurons }
  }
}

const concat = (parts: Uint32Array[]): Uint32Array => concatArrays(parts, (n) => new Uint32Array(n))
