// How a spiking network is stored: one artifact per weight matrix and per neuron-parameter array,
// so that mismatch (per-neuron values) and trained weights round-trip exactly, and numpy users
// see the same names in exported .npz files.
import { AppError } from '../shared/errors.ts'
import type { NetworkSpec, NeuronParams } from '../../native/index.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'
import type { TimedDataset } from './dataset.ts'

export const neuronParamNames = ['tauMemMs', 'tauSMs', 'tauFMs', 'tauOutMs', 'vTh', 'vRest', 'vReset', 'bias', 'refractoryMs'] as const
export type NeuronParamName = (typeof neuronParamNames)[number]

export const networkRunKinds = ['network', 'ads'] as const

export interface StoredNetwork {
  spec: NetworkSpec & { channels: number; dims: number; outputs: number }
  /** per-neuron parameters, each [N] */
  params: Record<NeuronParamName, Float32Array>
  /** EBN thresholds T_n [N], when the network came from the EBN construction */
  thresholds: Float32Array | null
}

function perNeuron(p: NeuronParams, name: NeuronParamName, n: number): Float32Array {
  const v = p[name]
  if (v instanceof Float32Array) return v
  if (Array.isArray(v)) return Float32Array.from(v)
  return new Float32Array(n).fill(typeof v === 'number' ? v : 0)
}

/** The artifacts of a network: weights, encoder/decoder, read-out, per-neuron parameters. */
export function networkArtifacts(net: StoredNetwork['spec'], params: NeuronParams, thresholds: Float32Array | null): NewArtifact[] {
  const { neurons: n, channels: c, dims: d, outputs: o } = net
  const w = net.weights
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
  for (const name of neuronParamNames) add(`neuron.${name}`, perNeuron(params, name, n), [n])
  if (thresholds) add('thresholds', thresholds, [n])
  return out
}

function need(store: Store, runId: number, name: string, shape: number[]): Float32Array {
  const a = store.artifacts.find(runId, name)
  if (!a) throw new AppError('INVALID_ARGUMENT', `Run ${runId} has no "${name}" artifact, so it is not a complete network.`)
  if (a.dtype !== 'float32' || a.shape.join('x') !== shape.join('x')) {
    throw new AppError('INVALID_ARGUMENT', `Run ${runId}: artifact "${name}" is ${a.dtype}[${a.shape.join(', ')}] but a network needs float32[${shape.join(', ')}].`)
  }
  return a.data as Float32Array
}

/** Loads a stored network from a run of kind network or ads. */
export function loadNetwork(store: Store, runId: number): StoredNetwork {
  const run = store.runs.get(runId)
  if (!(networkRunKinds as readonly string[]).includes(run.kind)) {
    throw new AppError('INVALID_ARGUMENT', `Run ${runId} is a ${run.kind} run, not a network: give the id of a network or ADS run.`)
  }
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Network run ${runId} is ${run.status}; only a succeeded run can be used.`)
  // Sizes from the artifacts' shapes (no data read); need() reads each array once.
  const metas = store.artifacts.list(runId)
  const shape = (name: string): number[] | undefined => metas.find((m) => m.name === name)?.shape
  const wIn = shape('wIn')
  const decoder = shape('decoder')
  if (!wIn || !decoder) throw new AppError('INVALID_ARGUMENT', `Run ${runId} has no wIn/decoder artifacts, so it is not a complete network.`)
  const [n, c] = wIn
  const d = decoder[0]
  const readout = shape('readout')
  const o = readout ? readout[0] : 0
  const params = Object.fromEntries(neuronParamNames.map((p) => [p, need(store, runId, `neuron.${p}`, [n])])) as Record<NeuronParamName, Float32Array>
  const thresholds = store.artifacts.find(runId, 'thresholds')
  return {
    spec: {
      neurons: n,
      channels: c,
      dims: d,
      outputs: o,
      params,
      weights: {
        wIn: need(store, runId, 'wIn', [n, c]),
        omegaF: need(store, runId, 'omegaF', [n, n]),
        omegaS: need(store, runId, 'omegaS', [n, n]),
        decoder: need(store, runId, 'decoder', [d, n]),
        encoder: need(store, runId, 'encoder', [n, d]),
        readout: o > 0 ? need(store, runId, 'readout', [o, d]) : undefined,
      },
    },
    params,
    thresholds: thresholds ? (thresholds.data as Float32Array) : null,
  }
}

/** Loads a dataset run (artifacts inputs, targets, labels), optionally a slice of samples. */
export function loadDataset(store: Store, runId: number, first = 0, count?: number): TimedDataset {
  const run = store.runs.get(runId)
  if (run.kind !== 'dataset') throw new AppError('INVALID_ARGUMENT', `Run ${runId} is a ${run.kind} run, not a dataset: give the id of a dataset run.`)
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} is ${run.status}; only a succeeded run can be used.`)
  const inputs = store.artifacts.get(runId, 'inputs')
  const targets = store.artifacts.get(runId, 'targets')
  const labels = store.artifacts.find(runId, 'labels')
  const [samples, steps, channels] = inputs.shape
  const outputs = targets.shape[2]
  if (first >= samples) throw new AppError('INVALID_ARGUMENT', `Dataset run ${runId} has ${samples} samples; the first sample must be below ${samples} (got ${first}).`)
  const take = Math.min(count ?? samples - first, samples - first)
  const dtMs = typeof run.params.dtMs === 'number' ? run.params.dtMs : 1
  return {
    inputs: (inputs.data as Float32Array).slice(first * steps * channels, (first + take) * steps * channels),
    targets: (targets.data as Float32Array).slice(first * steps * outputs, (first + take) * steps * outputs),
    labels: labels ? (labels.data as Int8Array).slice(first, first + take) : null,
    samples: take,
    steps,
    channels,
    outputs,
    dtMs,
  }
}
