// A trained network under a perturbation (docs/method.md §10): its architecture declares what may be
// perturbed (src/shared/architectures), this file maps those declarations onto the native
// transforms (native/api/perturb.ts) and builds the perturbed network as a frozen virtual chip.
//
//   mismatch σ       each default quantity with a mismatch form, in that form (perturbDraws)
//   quantisation b   each default weight matrix, b bits, q = (max − min)/(2^b − 1) (perturbDraws)
//   noise f          the simulator's membrane noise, std = f·|V_th − V_reset| per step
//   death f          round(f·N) neurons clamped to V = 0, whole sample or a window (deathDraws)
//
// Level 0 gives the network's own arrays bit for bit (the native transforms copy them), and no noise
// and no dead neuron. A draw depends only on (the network's seed material, the perturbation, the level,
// the draw index), never on the thread count.
import { deathDraws, membraneNoiseStd, perturbDraws, type PerturbQuantity, type RunOptions } from '../../native/index.ts'
import { AppError } from '../shared/errors.ts'
import { perturbedQuantities, type PerturbationName } from '../shared/perturbations.ts'
import { architectures } from './architectures/index.ts'
import type { Architecture, LoadedNetwork, QuantityBlock } from './architectures/architecture.ts'

function archOf(net: LoadedNetwork): Architecture<unknown> {
  return architectures[net.architecture] as Architecture<unknown>
}

/**
 * The native quantities of a network for mismatch or quantisation: every quantity its architecture
 * declares perturbable by default for that perturbation, with its current values, kind and form.
 */
export function nativeQuantities(net: LoadedNetwork, perturbation: 'mismatch' | 'quantisation'): PerturbQuantity[] {
  const arch = archOf(net)
  return perturbedQuantities(arch, perturbation).map(({ name, perturbable: p }) => {
    const q: PerturbQuantity = { name, kind: p.kind, values: arch.quantity(net.net, name) }
    if (perturbation === 'mismatch') {
      q.mismatch = p.mismatch
      if (p.mismatch === 'threshold') {
        if (!p.reset) throw new AppError('INTERNAL', `Architecture ${net.architecture} declares "${name}" with threshold mismatch but names no reset quantity.`)
        q.reset = arch.quantity(net.net, p.reset)
      }
    } else q.quantise = true
    return q
  })
}

/** The names of the quantities a perturbation changes in a network (empty for noise and death). */
export function perturbedNames(net: LoadedNetwork, perturbation: PerturbationName): string[] {
  return perturbedQuantities(archOf(net), perturbation).map((q) => q.name)
}

/** A network with replaced quantities, as a loaded network of the same run (for execution targets). */
function replaced(net: LoadedNetwork, arrays: Readonly<Record<string, Float32Array>>): LoadedNetwork {
  return { ...net, net: archOf(net).withQuantities(net.net, arrays) }
}

/**
 * Draw `draw` of mismatch at σ = level, or the quantisation to `level` bits (the same for every draw):
 * the perturbed network, and the steps q of quantisation by quantity.
 */
export async function perturbedNetwork(
  net: LoadedNetwork,
  perturbation: 'mismatch' | 'quantisation',
  level: number,
  seed: number,
  draw: number,
  threads: number,
  run: RunOptions = {},
): Promise<{ net: LoadedNetwork; steps?: Record<string, number> }> {
  const quantities = nativeQuantities(net, perturbation)
  if (quantities.length === 0) return { net }
  if (perturbation === 'quantisation') return quantisedByMatrix(net, quantities, level, seed, draw, threads, run)
  const r = await perturbDraws({ seed, perturbation, level, draws: [draw], quantities, threads }, run)
  return { net: replaced(net, r.draws[0].arrays), steps: r.steps }
}

/**
 * Quantisation per matrix: a stored array that holds several of the network's matrices (matricesOf)
 * is quantised block by block, each with its own step q, and put back together (the entries outside
 * the blocks, structural zeros, stay as they are). Steps are named "wRec (layer 1 → 2)".
 */
async function quantisedByMatrix(
  net: LoadedNetwork,
  quantities: PerturbQuantity[],
  level: number,
  seed: number,
  draw: number,
  threads: number,
  run: RunOptions,
): Promise<{ net: LoadedNetwork; steps?: Record<string, number> }> {
  const arch = archOf(net)
  const split: { name: string; values: Float32Array; blocks: QuantityBlock[] }[] = []
  const parts: PerturbQuantity[] = []
  for (const q of quantities) {
    const blocks = arch.matricesOf?.(net.net, q.name) ?? null
    if (!blocks) {
      parts.push(q)
      continue
    }
    split.push({ name: q.name, values: q.values, blocks })
    for (const b of blocks) {
      const values = new Float32Array((b.row1 - b.row0) * (b.col1 - b.col0))
      const width = b.col1 - b.col0
      for (let r = b.row0; r < b.row1; r++) values.set(q.values.subarray(r * b.columns + b.col0, r * b.columns + b.col1), (r - b.row0) * width)
      parts.push({ ...q, name: `${q.name} (${b.label})`, values })
    }
  }
  const r = await perturbDraws({ seed, perturbation: 'quantisation', level, draws: [draw], quantities: parts, threads }, run)
  const arrays: Record<string, Float32Array> = { ...r.draws[0].arrays }
  for (const { name, values: original, blocks } of split) {
    const whole = Float32Array.from(original)
    for (const b of blocks) {
      const part = `${name} (${b.label})`
      const values = arrays[part]
      delete arrays[part]
      // a block the transform left as it is (a constant one) keeps its values
      if (!values) continue
      const width = b.col1 - b.col0
      for (let row = b.row0; row < b.row1; row++) whole.set(values.subarray((row - b.row0) * width, (row - b.row0 + 1) * width), row * b.columns + b.col0)
    }
    arrays[name] = whole
  }
  return { net: replaced(net, arrays), steps: r.steps }
}

function spikingNeurons(net: LoadedNetwork): { count: number; vTh: Float32Array; vReset: Float32Array } {
  const arch = archOf(net)
  if (!arch.neurons) throw new AppError('UNSUPPORTED', `Run ${net.runId} holds a ${arch.label}, which has no spiking neurons: membrane noise and neuron death apply to spiking networks only.`)
  return arch.neurons(net.net)
}

/** The simulator's noise std for membrane noise at `fraction` of V_th − V_reset (spiking networks only). */
export function noiseStdOf(net: LoadedNetwork, fraction: number): number {
  const n = spikingNeurons(net)
  return membraneNoiseStd(fraction, n.vTh, n.vReset)
}

/** Draw `draw` of neuron death at `fraction`: the target's `silence` option (null when nobody dies). */
export async function deadNeurons(
  net: LoadedNetwork,
  fraction: number,
  seed: number,
  draw: number,
  window: { startStep?: number; endStep?: number },
  threads: number,
  run: RunOptions = {},
): Promise<{ neurons: Int32Array; startStep?: number; endStep?: number } | null> {
  const n = spikingNeurons(net)
  const r = await deathDraws({ seed, fraction, neurons: n.count, draws: [draw], window, threads }, run)
  const silence = r.draws[0].silence
  return silence.neurons.length ? { ...silence, neurons: Int32Array.from(silence.neurons) } : null
}
