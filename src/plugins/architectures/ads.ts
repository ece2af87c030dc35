// Network ADS (docs/method.md §4-5) as a bundle: one array per weight matrix and per neuron-parameter
// array (`neuron.<name>`), so that mismatch (per-neuron values) and trained weights round-trip
// exactly, and numpy users see the same names in exported .npz files. The variants "ebn" and
// "no-ebn" (Ω_f = 0) share this module. An untrained network from the EBN construction is a bundle
// of this architecture without a read-out.
import { createNetwork, evaluateAds, type NetworkSpec, type NeuronParams } from '../../../native/index.ts'
import { adsArchitecture } from '../../shared/architectures/ads.ts'
import { AppError } from '../../shared/errors.ts'
import type { NewArtifact } from '../../store/artifacts.ts'
import { recordedSpikeSamples, type Architecture, type TargetOutput } from './architecture.ts'
import { float32, shapeOf, size } from './arrays.ts'

export const neuronParamNames = ['tauMemMs', 'tauSMs', 'tauFMs', 'tauOutMs', 'vTh', 'vRest', 'vReset', 'bias', 'refractoryMs'] as const
export type NeuronParamName = (typeof neuronParamNames)[number]

export type AdsVariant = 'ebn' | 'no-ebn'

export interface AdsNet {
  spec: NetworkSpec & { channels: number; dims: number; outputs: number }
  /** per-neuron parameters, each [N] */
  params: Record<NeuronParamName, Float32Array>
  /** EBN thresholds T_n [N], when the network came from the EBN construction */
  thresholds: Float32Array | null
  variant: AdsVariant
}

function perNeuron(p: NeuronParams, name: NeuronParamName, n: number): Float32Array {
  const v = p[name]
  if (v instanceof Float32Array) return v
  if (Array.isArray(v)) return Float32Array.from(v)
  return new Float32Array(n).fill(typeof v === 'number' ? v : 0)
}

/** Per-neuron parameter arrays [N] from one value or an array per parameter. */
export function neuronArrays(p: NeuronParams, n: number): Record<NeuronParamName, Float32Array> {
  return Object.fromEntries(neuronParamNames.map((k) => [k, perNeuron(p, k, n)])) as Record<NeuronParamName, Float32Array>
}

function arraysOf(net: AdsNet): NewArtifact[] {
  const { neurons: n, channels: c, dims: d, outputs: o } = net.spec
  const w = net.spec.weights
  const out: NewArtifact[] = []
  const add = (name: string, data: Float32Array | undefined, shape: number[]): void => {
    if (data) out.push({ name, data, shape })
  }
  add('wIn', w.wIn, [n, c])
  add('omegaF', w.omegaF ?? new Float32Array(n * n), [n, n])
  add('omegaS', w.omegaS ?? new Float32Array(n * n), [n, n])
  add('decoder', w.decoder, [d, n])
  add('encoder', w.encoder, [n, d])
  if (o > 0) add('readout', w.readout, [o, d])
  for (const name of neuronParamNames) add(`neuron.${name}`, perNeuron(net.params, name, n), [n])
  if (net.thresholds) add('thresholds', net.thresholds, [n])
  return out
}

const weightNames = ['wIn', 'omegaF', 'omegaS', 'decoder', 'encoder', 'readout'] as const
type WeightName = (typeof weightNames)[number]
const isWeightName = (name: string): name is WeightName => (weightNames as readonly string[]).includes(name)
const isNeuronParam = (name: string): name is NeuronParamName => (neuronParamNames as readonly string[]).includes(name)

function unknownQuantity(name: string): AppError {
  return new AppError('INVALID_ARGUMENT', `Network ADS has no quantity "${name}": its arrays are ${weightNames.join(', ')} and its per-neuron parameters ${neuronParamNames.join(', ')}.`)
}

export const ads: Architecture<AdsNet> = {
  ...adsArchitecture,
  name: 'ads',
  trajectoryArtifact: 'decoded',
  toBundle(net) {
    const { neurons, channels, dims, outputs } = net.spec
    return { meta: { variant: net.variant, neurons, units: neurons, channels, dims, outputs, dtMs: 1 }, arrays: arraysOf(net) }
  },
  fromBundle(b) {
    const n = size(b, 'neurons')
    const c = size(b, 'channels', 0)
    const d = size(b, 'dims')
    const o = size(b, 'outputs', 0)
    const variant = b.meta.variant === 'no-ebn' ? 'no-ebn' : 'ebn'
    if (b.meta.variant !== undefined && b.meta.variant !== 'ebn' && b.meta.variant !== 'no-ebn') {
      throw new AppError('INVALID_ARGUMENT', `Run ${b.runId}: its network ADS bundle names the variant ${JSON.stringify(b.meta.variant)}; known variants are ebn and no-ebn.`)
    }
    const readout = shapeOf(b, 'readout')
    if (o > 0 && !readout) throw new AppError('INVALID_ARGUMENT', `Run ${b.runId} has no "readout" artifact, so it is not a complete network.`)
    const params = Object.fromEntries(neuronParamNames.map((p) => [p, float32(b, `neuron.${p}`, [n])])) as Record<NeuronParamName, Float32Array>
    const thresholds = b.array('thresholds')
    return {
      spec: {
        neurons: n,
        channels: c,
        dims: d,
        outputs: o,
        params,
        weights: {
          wIn: float32(b, 'wIn', [n, c]),
          omegaF: float32(b, 'omegaF', [n, n]),
          omegaS: float32(b, 'omegaS', [n, n]),
          decoder: float32(b, 'decoder', [d, n]),
          encoder: float32(b, 'encoder', [n, d]),
          readout: o > 0 ? float32(b, 'readout', [o, d]) : undefined,
        },
      },
      params,
      thresholds: thresholds ? (thresholds.data as Float32Array) : null,
      variant,
    }
  },
  sizes: (net) => ({ channels: net.spec.channels, outputs: net.spec.outputs, units: net.spec.neurons, dims: net.spec.dims }),
  variant: (net) => net.variant,
  async simulate(net, batch, opts, run = {}): Promise<TargetOutput> {
    const { dims, outputs } = net.spec
    const rec = opts.record ?? {}
    const trajectories = rec.trajectories !== false && dims > 0
    // Traces, noise and every sample's spikes: the simulator itself. Otherwise the batched runner,
    // which records the spikes of only the first samples and keeps memory bounded on large batches;
    // both start sample b from V uniform in [vReset, vTh] drawn from stream (seed, b).
    if (rec.membrane?.length || (rec.decimate ?? 1) > 1 || (opts.noiseStd ?? 0) > 0 || opts.silence || rec.spikes === true) {
      const r = await createNetwork(net.spec).simulate(
        batch.inputs,
        {
          batch: batch.count,
          steps: batch.steps,
          dtMs: batch.dtMs,
          threads: opts.threads,
          seed: opts.seed,
          noiseStd: opts.noiseStd ?? 0,
          ...(opts.silence ? { silence: opts.silence } : {}),
          record: { spikes: rec.spikes === true, decoded: trajectories, output: outputs > 0, membrane: rec.membrane ?? [], decimate: rec.decimate ?? 1 },
        },
        run,
      )
      return {
        outputs: r.output ?? new Float32Array(0),
        trajectories: r.decoded,
        recordedSteps: r.recordedSteps,
        spikes: r.spikes,
        spikeCounts: r.spikeCounts,
        meanRateHz: r.meanRateHz,
        totalSpikes: r.totalSpikes,
        membrane: r.membrane,
        membraneNeurons: r.membraneNeurons,
        kernelSeconds: r.kernelSeconds,
      }
    }
    const spikesOf = recordedSpikeSamples(rec, batch.count)
    const r = await evaluateAds(
      net.spec,
      { inputs: batch.inputs, count: batch.count, steps: batch.steps },
      { seed: opts.seed, threads: opts.threads, dtMs: batch.dtMs, record: { decoded: trajectories, output: outputs > 0, smoothed: false, spikes: spikesOf } },
      run,
    )
    return {
      outputs: r.output ?? new Float32Array(0),
      trajectories: r.decoded,
      recordedSteps: batch.steps,
      spikes: spikesOf > 0 ? r.spikes : undefined,
      meanRateHz: r.meanRateHz,
      rateHz: r.perSample.rateHz,
      totalSpikes: r.totalSpikes,
      kernelSeconds: r.kernelSeconds,
    }
  },
  quantity(net, name) {
    if (isNeuronParam(name)) return net.params[name]
    if (!isWeightName(name)) throw unknownQuantity(name)
    const w = net.spec.weights[name]
    if (!w) throw new AppError('INVALID_ARGUMENT', `This network ADS has no "${name}" array (a network without a read-out has no readout).`)
    return w
  },
  withQuantities(net, values) {
    const params = { ...net.params }
    const weights = { ...net.spec.weights }
    for (const [name, v] of Object.entries(values)) {
      const old = ads.quantity(net, name)
      if (v.length !== old.length) throw new AppError('INVALID_ARGUMENT', `The new "${name}" has ${v.length} values but the network's has ${old.length}.`)
      if (isNeuronParam(name)) params[name] = v
      else weights[name as WeightName] = v
    }
    return { ...net, params, spec: { ...net.spec, params, weights } }
  },
  neurons: (net) => ({ count: net.spec.neurons, vTh: net.params.vTh, vReset: net.params.vReset }),
}
