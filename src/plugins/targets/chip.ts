// Chip targets (docs/method.md §14): a network ADS mapped onto a DYNAP-SE-class chip
// (src/plugins/deploy/map.ts) and run either on the plain simulator with its mapped weights
// (`mapped`, `mapped-se1`: quantisation and pruning only) or on the native chip emulator
// (`emulator`, `emulator-se1`: plus the chip's dynamics and the mismatch of one virtual chip, named
// by its serial number). SE2 models a one-chip DYNAP-SE2 board, SE1 a four-chip DYNAP-SE1 board.
// The teacher a network is compared with is a rate network, not deployed: it runs on the simulator.
import { addonStatus, chipEmulate, type SpikeEvents } from '../../../native/index.ts'
import { defaultChipStepUs, defaultSerialNumber, type WeightScheme } from '../../shared/board.ts'
import { AppError } from '../../shared/errors.ts'
import type { AdsNet } from '../architectures/ads.ts'
import { ads } from '../architectures/ads.ts'
import { architectures } from '../architectures/index.ts'
import { recordedSpikeSamples, type LoadedNetwork, type TargetOutput } from '../architectures/architecture.ts'
import { chipModel, mapNetworkAsync, type MappableNetwork, type Mapping, type MapWatch } from '../deploy/map.ts'
import { effectiveReadout } from '../deploy/readout.ts'
import type { ExecutionTarget } from './target.ts'

/** The serial number of the virtual chip when a run names none. */
export { defaultSerialNumber }

export function boardChips(scheme: WeightScheme): number {
  return scheme === 'se1' ? 4 : 1
}

/**
 * Mappings by the network object they were made of (its weights and parameters), then by scheme and
 * step: a robustness sweep's perturbed network (a new object of the same run) is mapped afresh, and a
 * network's mapping lives as long as the network does.
 */
const cache = new WeakMap<object, Map<string, Mapping>>()

/**
 * The mapping of a network ADS onto a board of this scheme, made once per network object: seconds at
 * N = 768, with its progress and cancel (`watch`).
 */
export async function mappingOf(net: LoadedNetwork, scheme: WeightScheme, dtMs: number, watch: MapWatch = {}): Promise<Mapping> {
  const key = `${scheme}:${dtMs}`
  const of = net.net as object
  let ofNet = cache.get(of)
  const hit = ofNet?.get(key)
  if (hit) return hit
  const m = await mapNetworkAsync(mappable(net.net as AdsNet), chipModel(scheme, boardChips(scheme)), dtMs, {}, watch)
  if (!ofNet) cache.set(of, (ofNet = new Map()))
  ofNet.set(key, m)
  return m
}

/** A network ADS as the mapping takes it. */
export function mappable(a: AdsNet): MappableNetwork {
  const { neurons, channels, weights } = a.spec
  return { neurons, channels, wIn: weights.wIn ?? new Float32Array(neurons * channels), omegaF: weights.omegaF!, omegaS: weights.omegaS!, params: a.params }
}

type Placed = Mapping & { configuration: NonNullable<Mapping['configuration']>; mapped: NonNullable<Mapping['mapped']> }

async function placed(net: LoadedNetwork, scheme: WeightScheme, dtMs: number, signal: AbortSignal | undefined): Promise<Placed> {
  const m = await mappingOf(net, scheme, dtMs, { signal })
  if (!m.configuration || !m.mapped) {
    throw new AppError('INVALID_ARGUMENT', `Run ${net.runId} cannot be placed on a ${scheme.toUpperCase()} board: ${m.report.refusals.map((r) => `${r.what}: ${r.reason}`).join('; ')}.`)
  }
  return m as Placed
}

const simulatorStatus = async () => {
  const s = addonStatus()
  return s.loaded ? { available: true } : { available: false, reason: s.error ?? `the native addon at ${s.path} is not loaded` }
}

function mappedTarget(scheme: WeightScheme, fixed?: Mapping): ExecutionTarget {
  return {
    name: scheme === 'se2' ? 'mapped' : 'mapped-se1',
    label: `Mapped network (${scheme.toUpperCase()}) on the simulator`,
    kind: 'software',
    description: `A network ADS as deployed to a ${scheme === 'se2' ? 'one-chip DYNAP-SE2' : 'four-chip DYNAP-SE1'} board — weight levels, fan-in and fan-out pruning — run on the software simulator (no mismatch).`,
    status: simulatorStatus,
    supports: (architecture) => architecture === 'ads',
    async run(net, batch, opts, run = {}) {
      if (net.architecture !== 'ads') return architectures[net.architecture].simulate(net.net as never, batch, opts, run)
      const m = fixed ?? (await placed(net, scheme, batch.dtMs, run.signal))
      if (!m.mapped) throw new AppError('INVALID_ARGUMENT', `the deployment holds no mapped weights to run on the simulator`)
      const a = net.net as AdsNet
      const mappedNet: AdsNet = { ...a, spec: { ...a.spec, weights: { ...a.spec.weights, wIn: m.mapped.wIn, omegaF: m.mapped.omegaF, omegaS: m.mapped.omegaS } } }
      return ads.simulate(mappedNet, batch, opts, run)
    },
  }
}

function emulatorTarget(scheme: WeightScheme, fixed?: Mapping): ExecutionTarget {
  return {
    name: scheme === 'se2' ? 'emulator' : 'emulator-se1',
    label: `Chip emulator (${scheme.toUpperCase()})`,
    kind: 'emulator',
    description: `The native emulator of a ${scheme === 'se2' ? 'one-chip DYNAP-SE2' : 'four-chip DYNAP-SE1'} board with the mismatch of one virtual chip (serial ${defaultSerialNumber} unless a run names another); networks ADS are deployed to it as \`mimic deploy\` does.`,
    status: simulatorStatus,
    supports: (architecture) => architecture === 'ads',
    async run(net, batch, opts, run = {}): Promise<TargetOutput> {
      if (net.architecture !== 'ads') return architectures[net.architecture].simulate(net.net as never, batch, opts, run)
      const m = fixed ?? (await placed(net, scheme, batch.dtMs, run.signal))
      if (!m.configuration) throw new AppError('INVALID_ARGUMENT', `the deployment holds no configuration`)
      return emulateAds(net.net as AdsNet, m.configuration, batch, opts, run, boardChips(scheme))
    },
  }
}

/** Runs a deployed network ADS on the emulator and decodes its spikes as the simulator does (x̃ = decoder·r, y = readout·x̃). */
export async function emulateAds(
  a: AdsNet,
  configuration: NonNullable<Mapping['configuration']>,
  batch: Parameters<ExecutionTarget['run']>[1],
  opts: Parameters<ExecutionTarget['run']>[2],
  run: Parameters<ExecutionTarget['run']>[3],
  chips: number,
): Promise<TargetOutput> {
  const { neurons: N, dims: D, outputs: O } = a.spec
  const B = batch.count
  const T = batch.steps
  const wantTraj = opts.record?.trajectories !== false && D > 0
  let tauOut = 0
  for (let i = 0; i < N; i++) tauOut += a.params.tauOutMs[i] / N
  const decoder = a.spec.weights.decoder ?? new Float32Array(D * N) // [D, N]
  const readout = a.spec.weights.readout // [O, D]
  let decodeW: Float32Array
  let decodeRows: number
  if (wantTraj || !readout || O === 0) {
    decodeW = decoder
    decodeRows = D
  } else {
    decodeW = effectiveReadout(readout, decoder, O, D, N)
    decodeRows = O
  }
  const spikesOf = recordedSpikeSamples(opts.record, B)
  // the chip runs in its own steps (as `mimic board emulate` does), the input held for each of the
  // dataset's steps; the output is decoded once per dataset step from the spikes in it, as the board
  // target decodes a board's spike times (src/plugins/targets/board.ts)
  const periodUs = Math.round(batch.dtMs * 1000)
  const stepUs = opts.chip?.stepUs ?? defaultChipStepUs
  const mismatch = opts.chip?.mismatch ?? true
  // a robustness sweep's membrane noise and neuron death, as the simulator applies them: the noise is
  // given per step of the dataset (dt), and the chip takes steps of stepUs, so each of its steps gets
  // σ·√(stepUs/dt): the same variance per unit of time; the network's neuron i is the chip's dense
  // neuron i (the mapping places the neurons in order)
  const noiseStd = opts.noiseStd ?? 0
  const silence = opts.silence
  // membrane potentials of network neurons = the chip's dense neurons, at the end of each dataset step
  const membraneNeurons = opts.record?.membrane?.length ? Int32Array.from(opts.record.membrane) : undefined
  const perturbed = {
    ...(noiseStd > 0 ? { noiseStd: noiseStd * Math.sqrt(stepUs / periodUs), noiseSeed: opts.seed } : {}),
    ...(silence ? { silence: { neurons: silence.neurons, startUs: (silence.startStep ?? 0) * periodUs, endUs: (silence.endStep ?? T) * periodUs } } : {}),
  }
  const r = await chipEmulate(
    configuration,
    { samples: batch.inputs, batch: B, steps: T, channels: batch.channels, samplePeriodUs: periodUs },
    { chips, dtUs: stepUs, mismatch, ...(mismatch ? { serialNumber: opts.chip?.serialNumber ?? defaultSerialNumber, ...(opts.chip?.mismatchScale !== undefined ? { mismatchScale: opts.chip.mismatchScale } : {}) } : {}), threads: opts.threads, spikesOf, decode: { weights: decodeW, outputs: decodeRows, tauOutMs: tauOut, periodUs }, ...perturbed, ...(membraneNeurons ? { membraneNeurons } : {}) },
    run,
  )
  // a dataset step that is not a whole number of chip steps: the last period may run over; keep T
  const decoded = everyStep(r.outputs!, decodeRows, B, r.periods, T, 1)
  let outputs = decoded
  let trajectories: Float32Array | undefined
  if (decodeRows === D && wantTraj) {
    trajectories = decoded
    outputs = new Float32Array(B * T * O)
    if (readout) for (let bt = 0; bt < B * T; bt++) for (let o = 0; o < O; o++) {
      let s = 0
      for (let d = 0; d < D; d++) s += readout[o * D + d] * trajectories[bt * D + d]
      outputs[bt * O + o] = s
    }
  } else if (decodeRows === D) {
    outputs = new Float32Array(0)
  }
  let total = 0
  const rateHz = new Float64Array(B)
  for (let b = 0; b < B; b++) {
    let s = 0
    for (let n = 0; n < N; n++) s += r.spikeCounts[b * N + n]
    total += s
    rateHz[b] = s / N / ((T * batch.dtMs) / 1000)
  }
  let spikes: SpikeEvents | undefined
  if (spikesOf > 0) {
    const offsets = new Int32Array(spikesOf + 1)
    for (let i = 0; i < r.spikes.sample.length; i++) offsets[r.spikes.sample[i] + 1]++
    for (let b = 0; b < spikesOf; b++) offsets[b + 1] += offsets[b]
    // chip steps → the dataset's steps
    const steps = r.spikes.step.map((k) => Math.floor((k * stepUs) / periodUs))
    spikes = { steps, neurons: r.spikes.neuron, offsets }
  }
  return {
    outputs,
    spikes,
    spikeCounts: r.spikeCounts,
    meanRateHz: total / B / N / ((T * batch.dtMs) / 1000),
    rateHz,
    totalSpikes: total,
    kernelSeconds: r.kernelSeconds,
    ...recordedTraces(trajectories, D, membraneNeurons, r.membrane, r.periods, B, T, opts.record?.decimate ?? 1),
  }
}

/**
 * Of rows [B, P, width] (a sample's P rows one after another), each sample's rows 0, d, 2d, … below T
 * (ceil(T/d) of them): the decimation of traces recorded at every step, and the first T of P periods.
 */
function everyStep(x: Float32Array, width: number, B: number, P: number, T: number, d: number): Float32Array {
  if (d === 1 && P === T) return x
  const Tr = Math.ceil(T / d)
  const out = new Float32Array(B * Tr * width)
  for (let b = 0; b < B; b++) for (let k = 0; k < Tr; k++) out.set(x.subarray((b * P + k * d) * width, (b * P + k * d + 1) * width), (b * Tr + k) * width)
  return out
}

/**
 * Trajectories [B, T, D] and membrane traces [B, P, K] (the chip's periods) as the simulator records
 * them: steps 0, d, 2d, … (ceil(T/d) of them).
 */
function recordedTraces(trajectories: Float32Array | undefined, D: number, neurons: Int32Array | undefined, membrane: Float32Array | undefined, P: number, B: number, T: number, d: number): Pick<TargetOutput, 'trajectories' | 'recordedSteps' | 'membrane' | 'membraneNeurons'> {
  return {
    recordedSteps: Math.ceil(T / d),
    trajectories: trajectories ? everyStep(trajectories, D, B, T, T, d) : undefined,
    ...(neurons && membrane ? { membrane: everyStep(membrane, neurons.length, B, P, T, d), membraneNeurons: neurons } : {}),
  }
}

export const chipTargets = {
  mapped: mappedTarget('se2'),
  'mapped-se1': mappedTarget('se1'),
  emulator: emulatorTarget('se2'),
  'emulator-se1': emulatorTarget('se1'),
}

/** The weight scheme of each chip target. */
export const chipTargetSchemes: Record<keyof typeof chipTargets, WeightScheme> = { mapped: 'se2', 'mapped-se1': 'se1', emulator: 'se2', 'emulator-se1': 'se1' }

/** A chip target that runs a stored deployment (its configuration, or its mapped weights) instead of mapping the network again. */
export function deployedTarget(name: keyof typeof chipTargets, m: Mapping): ExecutionTarget {
  const scheme = chipTargetSchemes[name]
  return name.startsWith('mapped') ? mappedTarget(scheme, m) : emulatorTarget(scheme, m)
}
