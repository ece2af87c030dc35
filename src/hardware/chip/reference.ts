// The reference chip: a small leaky integrate-and-fire model of a DYNAP-SE-class chip in TypeScript,
// what `mimic board emulate` serves until the native emulator of issue 14 replaces it. Ideal: no
// mismatch (every neuron of a core has the core's nominal parameters). Exact about the structure:
// per-core shared parameters, four synapse types whose sign comes from the type, integer weights as
// repeat counts (SE1) or 4-bit masks over per-core base weights (SE2), one step of delay per hop.
//
// Per neuron, every step of dt (default 100 µs), in this order (docs/board-protocol.md §8):
//   I_s ← I_s · exp(−dt/τ_s) + Σ efficacies arriving on synapse type s        (s = 0..3)
//   V   ← V + dt/τ_mem · (−V + Σ_s I_s + bias)      (held at resetPotential while refractory)
//   spike when V ≥ threshold: V ← resetPotential, refractory for round(refractoryMs / dt) steps
// Efficacy of a connection: sign(type) · count · baseWeights[type] (SE1) or
// sign(type) · Σ_{bit b of mask} baseWeights[b] (SE2), with the base weights of the target's core.
// A spike of step k reaches its targets in step k + 1; an input event at time t in the step that
// contains t; an analog sample x delivers x · efficacy · dt/1 ms per step (x events per ms).
// Spikes are stamped with the start of their step.
import { StimulusBuffer } from './stimulus.ts'
import { defaultChipStepUs, inputAddressBit, synapseSigns, type BoardGeometry, type DeployedConfiguration, type WeightScheme } from '../../shared/board.ts'
import type { Chip, ChipRun, ChipRunOptions, ConfigurationSummary, SpikeBatch } from './chip.ts'
import { checkConfiguration } from './validate.ts'

export const referenceFirmware = 'reference-lif 1'

export function referenceGeometry(chips: number, weightScheme: WeightScheme): BoardGeometry {
  return { chips, coresPerChip: 4, neuronsPerCore: 256, fanIn: 64, fanOut: weightScheme === 'se1' ? 3 : 4, weightScheme, inputChannels: 1024 }
}

/** Compressed rows: for source r, entries start[r] .. start[r+1]-1 of (target index, synapse type, efficacy). */
interface Rows {
  start: Int32Array
  target: Int32Array
  type: Uint8Array
  efficacy: Float64Array
}

function buildRows(sources: number, entries: { src: number; target: number; type: number; efficacy: number }[]): Rows {
  const start = new Int32Array(sources + 1)
  for (const e of entries) start[e.src + 1]++
  for (let i = 0; i < sources; i++) start[i + 1] += start[i]
  const fill = start.slice(0, sources)
  const target = new Int32Array(entries.length)
  const type = new Uint8Array(entries.length)
  const efficacy = new Float64Array(entries.length)
  for (const e of entries) {
    const k = fill[e.src]++
    target[k] = e.target
    type[k] = e.type
    efficacy[k] = e.efficacy
  }
  return { start, target, type, efficacy }
}

interface Net {
  n: number
  /** dense index → neuron address */
  address: Uint32Array
  /** per neuron (dense): the core's derived constants */
  dtOverTau: Float64Array
  threshold: Float64Array
  reset: Float64Array
  bias: Float64Array
  refractorySteps: Int32Array
  /** per neuron and type: exp(−dt/τ_s) */
  decay: Float64Array
  fromNeuron: Rows
  fromInput: Rows
}

export interface ReferenceChipOptions {
  chips?: number
  weightScheme?: WeightScheme
  /** time step, µs (default defaultChipStepUs, 100) */
  dtUs?: number
}

export class ReferenceChip implements Chip {
  readonly geometry: BoardGeometry
  readonly model: string
  readonly firmware = referenceFirmware
  readonly dtUs: number
  private net: Net | null = null
  private v = new Float64Array(0)
  private syn = new Float64Array(0)
  private refractory = new Int32Array(0)
  /** dense indices of the neurons that spiked in the last step computed (delivered in the next) */
  private pending: number[] = []

  constructor(opts: ReferenceChipOptions = {}) {
    const scheme = opts.weightScheme ?? 'se2'
    this.geometry = referenceGeometry(opts.chips ?? 1, scheme)
    this.model = `mimic reference emulator (${scheme.toUpperCase()})`
    this.dtUs = opts.dtUs ?? defaultChipStepUs
    if (!Number.isInteger(this.dtUs) || this.dtUs < 1 || this.dtUs > 10_000) throw new RangeError(`dtUs must be an integer number of µs between 1 and 10000 (received ${opts.dtUs})`)
  }

  get configured(): boolean {
    return this.net !== null
  }

  configure(config: DeployedConfiguration): ConfigurationSummary {
    const g = this.geometry
    const summary = checkConfiguration(g, config)
    const dtMs = this.dtUs / 1000
    const n = summary.neurons
    const address = new Uint32Array(n)
    const dense = new Int32Array(g.chips * g.coresPerChip * g.neuronsPerCore).fill(-1)
    const coreOf: number[] = []
    const net: Net = {
      n,
      address,
      dtOverTau: new Float64Array(n),
      threshold: new Float64Array(n),
      reset: new Float64Array(n),
      bias: new Float64Array(n),
      refractorySteps: new Int32Array(n),
      decay: new Float64Array(n * 4),
      fromNeuron: buildRows(0, []),
      fromInput: buildRows(0, []),
    }
    let k = 0
    for (const [ci, c] of config.cores.entries()) {
      const base = (c.chip * g.coresPerChip + c.core) * g.neuronsPerCore
      for (let j = 0; j < c.neurons; j++, k++) {
        address[k] = base + j
        dense[base + j] = k
        coreOf[k] = ci
        const p = c.params
        net.dtOverTau[k] = dtMs / p.tauMemMs
        net.threshold[k] = p.threshold
        net.reset[k] = p.resetPotential
        net.bias[k] = p.bias
        net.refractorySteps[k] = Math.round(p.refractoryMs / dtMs)
        for (let s = 0; s < 4; s++) net.decay[k * 4 + s] = Math.exp(-dtMs / p.tauSynMs[s])
      }
    }
    const fromNeuron: { src: number; target: number; type: number; efficacy: number }[] = []
    const fromInput: typeof fromNeuron = []
    for (const c of config.connections) {
      const target = dense[c.post]
      const w = config.cores[coreOf[target]].params.baseWeights
      let magnitude = 0
      if (config.weightScheme === 'se1') magnitude = c.weight * w[c.type]
      else for (let b = 0; b < 4; b++) if (c.weight & (1 << b)) magnitude += w[b]
      const e = { src: 0, target, type: c.type, efficacy: synapseSigns[c.type] * magnitude }
      if (c.pre >= inputAddressBit) fromInput.push({ ...e, src: c.pre - inputAddressBit })
      else fromNeuron.push({ ...e, src: dense[c.pre] })
    }
    net.fromNeuron = buildRows(n, fromNeuron)
    net.fromInput = buildRows(g.inputChannels, fromInput)
    this.net = net
    this.reset(false)
    return summary
  }

  reset(clearConfiguration: boolean): void {
    if (clearConfiguration) this.net = null
    const n = this.net?.n ?? 0
    // rest: V = 0, no synaptic current, not refractory
    this.v = new Float64Array(n)
    this.syn = new Float64Array(n * 4)
    this.refractory = new Int32Array(n)
    this.pending = []
  }

  /** The state, for tests and displays: membrane potentials and synaptic currents (n × 4) by dense index, with the neuron addresses. */
  state(): { addresses: Uint32Array; v: Float64Array; syn: Float64Array } {
    return { addresses: this.net ? this.net.address.slice() : new Uint32Array(0), v: this.v.slice(), syn: this.syn.slice() }
  }

  start(options: ChipRunOptions): ChipRun {
    if (!this.net) throw new Error('the chip is not configured')
    return new ReferenceRun(this, this.net, options)
  }

  /** One step: arrivals, membrane update, spikes. Returns the dense indices that spiked. */
  step(net: Net, deliverInputs: (deliver: (channel: number, scale: number) => void) => void): number[] {
    const { syn, v, refractory } = this
    for (let i = 0; i < syn.length; i++) syn[i] *= net.decay[i]
    const rows = net.fromNeuron
    for (const src of this.pending) {
      for (let k = rows.start[src]; k < rows.start[src + 1]; k++) syn[rows.target[k] * 4 + rows.type[k]] += rows.efficacy[k]
    }
    const inRows = net.fromInput
    deliverInputs((channel, scale) => {
      for (let k = inRows.start[channel]; k < inRows.start[channel + 1]; k++) syn[inRows.target[k] * 4 + inRows.type[k]] += scale * inRows.efficacy[k]
    })
    const spiked: number[] = []
    for (let i = 0; i < net.n; i++) {
      if (refractory[i] > 0) {
        refractory[i]--
        v[i] = net.reset[i]
        continue
      }
      const current = syn[i * 4] + syn[i * 4 + 1] + syn[i * 4 + 2] + syn[i * 4 + 3] + net.bias[i]
      v[i] += net.dtOverTau[i] * (current - v[i])
      if (v[i] >= net.threshold[i]) {
        spiked.push(i)
        v[i] = net.reset[i]
        refractory[i] = net.refractorySteps[i]
      }
    }
    this.pending = spiked
    return spiked
  }
}

class ReferenceRun implements ChipRun {
  readonly durationUs: number
  private readonly chip: ReferenceChip
  private readonly net: Net
  private readonly opts: ChipRunOptions
  private readonly totalSteps: number
  private k = 0
  /** queued input events */
  private readonly stimulus: StimulusBuffer

  constructor(chip: ReferenceChip, net: Net, opts: ChipRunOptions) {
    this.stimulus = new StimulusBuffer(opts.analogChannels)
    this.chip = chip
    this.net = net
    this.opts = opts
    this.durationUs = opts.durationUs
    this.totalSteps = Math.ceil(opts.durationUs / chip.dtUs)
  }

  get timeUs(): number {
    return Math.min(this.k * this.chip.dtUs, this.durationUs)
  }

  events(timesUs: Uint32Array, channels: Uint32Array): void {
    this.stimulus.events(timesUs, channels)
  }

  samples(values: Float32Array, channels: number): void {
    this.stimulus.samples(values, channels)
  }

  advance(untilUs: number, maxSteps = Infinity): SpikeBatch {
    const dt = this.chip.dtUs
    let until = Math.min(untilUs, this.durationUs)
    // analog input: before the end of the run is given, no further than the samples received
    if (this.opts.input === 'samples' && until < this.durationUs) until = Math.min(until, this.stimulus.samplesReceived * this.opts.samplePeriodUs)
    const times: number[] = []
    const neurons: number[] = []
    const dtMs = dt / 1000
    let done = 0
    // a step [k·dt, (k+1)·dt) is computed when its input is complete: its end ≤ until, or until is the end of the run
    while (this.k < this.totalSteps && done < maxSteps && ((this.k + 1) * dt <= until || until >= this.durationUs)) {
      const t0 = this.k * dt
      const t1 = t0 + dt
      const spiked = this.chip.step(this.net, (deliver) => {
        if (this.opts.input === 'events') {
          this.stimulus.takeEventsBefore(t1, (channel) => deliver(channel, 1))
        } else {
          const s = this.stimulus.sampleAt(Math.floor(t0 / this.opts.samplePeriodUs))
          if (s) for (let c = 0; c < s.length; c++) if (s[c] !== 0) deliver(c, s[c] * dtMs)
        }
      })
      for (const i of spiked) {
        times.push(t0)
        neurons.push(this.net.address[i])
      }
      this.k++
      done++
    }
    return { timesUs: Uint32Array.from(times), neurons: Uint32Array.from(neurons) }
  }
}
