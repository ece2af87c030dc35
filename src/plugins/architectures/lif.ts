// The LIF baselines (reservoir, FORCE; docs/method.md §13) as bundles: one array per weight matrix
// and per neuron-parameter array (`neuron.<name>`), so that mismatch (per-neuron values) and trained
// weights round-trip exactly. They run on the software target as the native LIF runner (lifRun), with
// membrane noise and neuron death (silencing) as docs/method.md §10 and §13 state.
import { lifRun, type LifNetwork } from '../../../native/index.ts'
import type { ArchitectureName } from '../../shared/architectures/index.ts'
import type { ArchitectureDescriptor } from '../../shared/architectures/descriptor.ts'
import type { NewArtifact } from '../../store/artifacts.ts'
import { recordedSpikeSamples, type Architecture, type Bundle, type TargetOutput } from './architecture.ts'
import { float32, size } from './arrays.ts'
import { AppError } from '../../shared/errors.ts'

/** A LIF baseline network; `layer1`: the size of the BPTT network's feed-forward layer (neurons [0, layer1)). */
export type LifNet = LifNetwork & { layer1?: number }

export const lifNeuronParams = ['tauMemMs', 'tauSynMs', 'vTh', 'vReset', 'bias', 'refractoryMs'] as const
const lifWeightNames = ['wIn', 'wRec', 'wOut', 'outBias', 'encoders'] as const
type LifQuantity = (typeof lifNeuronParams)[number] | (typeof lifWeightNames)[number]

function lifQuantity(net: LifNet, name: string, what: string): Float32Array {
  if (!(lifNeuronParams as readonly string[]).includes(name) && !(lifWeightNames as readonly string[]).includes(name))
    throw new AppError('INVALID_ARGUMENT', `A ${what} has no quantity "${name}": its arrays are ${lifWeightNames.join(', ')} and its per-neuron parameters ${lifNeuronParams.join(', ')}.`)
  const v = net[name as LifQuantity]
  if (!v) throw new AppError('INVALID_ARGUMENT', `This ${what} has no "${name}" array.`)
  return v
}

function lifToBundle(net: LifNet): { meta: Record<string, unknown>; arrays: NewArtifact[] } {
  const { neurons: n, channels: c, outputs: o } = net
  const arrays: NewArtifact[] = [
    { name: 'wIn', data: net.wIn, shape: [n, c] },
    { name: 'wRec', data: net.wRec, shape: [n, n] },
    { name: 'wOut', data: net.wOut, shape: [o, n] },
    { name: 'outBias', data: net.outBias, shape: [o] },
  ]
  if (net.encoders) arrays.push({ name: 'encoders', data: net.encoders, shape: [n, o] })
  for (const p of lifNeuronParams) arrays.push({ name: `neuron.${p}`, data: net[p], shape: [n] })
  return {
    meta: { neurons: n, units: n, channels: c, outputs: o, dims: 0, dtMs: 1, tauOutMs: net.tauOutMs, subtractReset: net.subtractReset, ...(net.layer1 !== undefined ? { layer1: net.layer1 } : {}) },
    arrays,
  }
}

function lifFromBundle(b: Bundle, what: string, encoders: boolean): LifNet {
  const n = size(b, 'neurons')
  const c = size(b, 'channels')
  const o = size(b, 'outputs')
  const tauOutMs = b.meta.tauOutMs
  if (typeof tauOutMs !== 'number' || !(tauOutMs > 0)) throw new Error(`Run ${b.runId}: its ${what} bundle's meta.tauOutMs is ${JSON.stringify(tauOutMs)}, not a positive number: the bundle is damaged.`)
  const net: LifNet = {
    neurons: n,
    channels: c,
    outputs: o,
    subtractReset: b.meta.subtractReset === true,
    tauOutMs,
    wIn: float32(b, 'wIn', [n, c], what),
    wRec: float32(b, 'wRec', [n, n], what),
    wOut: float32(b, 'wOut', [o, n], what),
    outBias: float32(b, 'outBias', [o], what),
    tauMemMs: float32(b, 'neuron.tauMemMs', [n], what),
    tauSynMs: float32(b, 'neuron.tauSynMs', [n], what),
    vTh: float32(b, 'neuron.vTh', [n], what),
    vReset: float32(b, 'neuron.vReset', [n], what),
    bias: float32(b, 'neuron.bias', [n], what),
    refractoryMs: float32(b, 'neuron.refractoryMs', [n], what),
  }
  if (encoders) net.encoders = float32(b, 'encoders', [n, o], what)
  if (typeof b.meta.layer1 === 'number') net.layer1 = b.meta.layer1
  return net
}

/** An architecture module for a LIF baseline with this descriptor. */
export function lifArchitecture(descriptor: ArchitectureDescriptor & { name: ArchitectureName }, what: string, encoders: boolean): Architecture<LifNet> {
  return {
    ...descriptor,
    name: descriptor.name,
    trajectoryArtifact: 'decoded',
    toBundle: lifToBundle,
    fromBundle: (b) => lifFromBundle(b, what, encoders),
    sizes: (net) => ({ channels: net.channels, outputs: net.outputs, units: net.neurons, dims: 0 }),
    variant: () => null,
    quantity: (net, name) => lifQuantity(net, name, what),
    withQuantities(net, values) {
      const next: LifNet = { ...net }
      for (const [name, v] of Object.entries(values)) {
        const old = lifQuantity(net, name, what)
        if (v.length !== old.length) throw new AppError('INVALID_ARGUMENT', `The new "${name}" has ${v.length} values but the network's has ${old.length}.`)
        next[name as LifQuantity] = v
      }
      return next
    },
    // two layers (the BPTT network): the recurrent array holds the layer 1 → 2 and the layer 2 → 2
    // matrices (row = presynaptic neuron), whose scales differ by an order of magnitude
    matricesOf: (net, name) =>
      name === 'wRec' && net.layer1 !== undefined && net.layer1 > 0 && net.layer1 < net.neurons
        ? [
            { label: 'layer 1 → 2', row0: 0, row1: net.layer1, col0: net.layer1, col1: net.neurons, columns: net.neurons },
            { label: 'layer 2 → 2', row0: net.layer1, row1: net.neurons, col0: net.layer1, col1: net.neurons, columns: net.neurons },
          ]
        : null,
    neurons: (net) => ({ count: net.neurons, vTh: net.vTh, vReset: net.vReset }),
    async simulate(net, batch, opts, run = {}): Promise<TargetOutput> {
      const { layer1: _layer1, ...plain } = net
      const recordSpikes = recordedSpikeSamples(opts.record, batch.count)
      const membrane = opts.record?.membrane ?? []
      const decimate = opts.record?.decimate ?? 1
      const r = await lifRun(
        plain,
        { inputs: batch.inputs, count: batch.count, steps: batch.steps },
        {
          seed: opts.seed,
          threads: opts.threads,
          dtMs: batch.dtMs,
          ...((opts.noiseStd ?? 0) > 0 ? { noiseStd: opts.noiseStd } : {}),
          ...(opts.silence ? { silence: opts.silence } : {}),
          ...(recordSpikes > 0 ? { recordSpikes } : {}),
          ...(membrane.length > 0 ? { recordMembrane: membrane, decimate } : {}),
        },
        run,
      )
      const seconds = (batch.steps * batch.dtMs) / 1000
      const rateHz = new Float64Array(batch.count)
      for (let b = 0; b < batch.count; b++) {
        let s = 0
        for (let i = 0; i < net.neurons; i++) s += r.spikeCounts[b * net.neurons + i]
        rateHz[b] = s / (net.neurons * seconds)
      }
      return {
        outputs: r.outputs,
        recordedSteps: r.recordedSteps ?? batch.steps,
        spikeCounts: r.spikeCounts,
        meanRateHz: r.meanRateHz,
        rateHz,
        totalSpikes: r.totalSpikes,
        kernelSeconds: r.kernelSeconds,
        ...(r.spikes ? { spikes: r.spikes } : {}),
        ...(r.membrane && r.membraneNeurons ? { membrane: r.membrane, membraneNeurons: r.membraneNeurons } : {}),
      }
    },
  }
}
