// A network ADS as an NIR graph, and NIR graphs of LIF / CubaLIF / Affine / Linear nodes as a network
// the simulator runs (docs/method.md §12). NIR describes continuous-time dynamics; our simulator is
// the Euler scheme of docs/method.md §4 at dt = 1 ms. What each direction approximates is written
// into the file (export) and reported to the user (import).
//
// Export: the network becomes
//   input → w_in (Linear wIn) → lif (LIF: tau = τ_mem, r = 1, v_leak = V_rest + bias, V_th, V_reset)
//   lif → w_fast (Linear Ω_f) → syn_fast (LI, tau = τ_f) → lif
//   lif → w_slow (Linear Ω_sᵀ) → syn_slow (LI, tau = τ_s) → lif
//   lif → trace (LI, tau = τ_out) → decoder (Linear) → readout (Linear) → output
// which is exact as a continuous-time model (each trace has unit area, as an LI node with r = 1 has).
//
// Import: every LIF and CubaLIF node becomes a group of neurons of one population. A path from a group
// through Linear / Affine nodes (and at most one LI node, a synaptic filter) into a group becomes
// recurrent weights: through an LI node, or into a CubaLIF (its own synapse), a trace with that time
// constant; a direct spike current into a LIF becomes a trace of τ = dt scaled to the same charge.
// Each neuron has two traces (fast, slow), so at most two synaptic time constants may enter a group.
import type { AdsNet, NeuronParamName } from './architectures/ads.ts'
import { AppError } from '../shared/errors.ts'
import { maxChannels, maxNeurons, maxTeacherUnits } from '../shared/limits.ts'
import type { NirArray, NirGraph, NirNode } from '../formats/nir.ts'

export const nirExportApproximations = [
  'Mimic simulates with forward Euler at dt = 1 ms (docs/method.md §4); NIR states the continuous-time model.',
  'A neuron spikes when V >= v_threshold (NIR: V > v_threshold); at most one spike per neuron per step.',
  'Refractory periods, membrane noise and the training feedback (encoder) are not part of the graph.',
  'A spike reaches other neurons one time step later (the traces are updated after the step).',
].join(' ')

const f32 = (a: ArrayLike<number>, shape: number[]): NirArray => ({ data: Float32Array.from(a), shape })
const f64 = (a: ArrayLike<number>, shape: number[]): NirArray => ({ data: Float64Array.from(a), shape })
const seconds = (ms: Float32Array): Float64Array => Float64Array.from(ms, (v) => v / 1000)

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length)
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j]
  return t
}

/** The graph of a network ADS. */
export function adsToNir(net: AdsNet, about: { runId: number; name: string }): NirGraph {
  const { neurons: n, channels: c, dims: d, outputs: o } = net.spec
  const w = net.spec.weights
  const p = net.params
  const refractory = p.refractoryMs.some((v) => v !== 0)
  const vLeak = Float32Array.from(p.vRest, (v, i) => Math.fround(v + p.bias[i]))
  const li = (tauMs: Float32Array): NirNode => ({ type: 'LI', arrays: { tau: f64(seconds(tauMs), [n]), r: f32(new Float32Array(n).fill(1), [n]), v_leak: f32(new Float32Array(n), [n]) } })
  const nodes: Record<string, NirNode> = {
    input: { type: 'Input', arrays: { shape: f64([c], [1]) } },
    w_in: { type: 'Linear', arrays: { weight: f32(w.wIn ?? new Float32Array(n * c), [n, c]) } },
    lif: {
      type: 'LIF',
      arrays: { tau: f64(seconds(p.tauMemMs), [n]), r: f32(new Float32Array(n).fill(1), [n]), v_leak: f32(vLeak, [n]), v_threshold: f32(p.vTh, [n]), v_reset: f32(p.vReset, [n]) },
    },
    w_fast: { type: 'Linear', arrays: { weight: f32(w.omegaF ?? new Float32Array(n * n), [n, n]) } },
    syn_fast: li(p.tauFMs),
    w_slow: { type: 'Linear', arrays: { weight: f32(transpose(w.omegaS ?? new Float32Array(n * n), n, n), [n, n]) } },
    syn_slow: li(p.tauSMs),
    trace: li(p.tauOutMs),
    decoder: { type: 'Linear', arrays: { weight: f32(w.decoder ?? new Float32Array(d * n), [d, n]) } },
  }
  const edges: [string, string][] = [
    ['input', 'w_in'],
    ['w_in', 'lif'],
    ['lif', 'w_fast'],
    ['w_fast', 'syn_fast'],
    ['syn_fast', 'lif'],
    ['lif', 'w_slow'],
    ['w_slow', 'syn_slow'],
    ['syn_slow', 'lif'],
    ['lif', 'trace'],
    ['trace', 'decoder'],
  ]
  if (o > 0 && w.readout) {
    nodes.readout = { type: 'Linear', arrays: { weight: f32(w.readout, [o, d]) } }
    nodes.output = { type: 'Output', arrays: { shape: f64([o], [1]) } }
    edges.push(['decoder', 'readout'], ['readout', 'output'])
  } else {
    nodes.output = { type: 'Output', arrays: { shape: f64([d], [1]) } }
    edges.push(['decoder', 'output'])
  }
  return {
    nodes,
    edges,
    metadata: {
      source: `Mimic Workbench network ADS, run ${about.runId} “${about.name}” (${net.variant})`,
      approximates: nirExportApproximations + (refractory ? ' This network has refractory periods, which NIR LIF nodes cannot express: they are left out.' : ''),
      dt: 0.001,
    },
  }
}

// ---- import ----

const supported = ['Input', 'Output', 'Affine', 'Linear', 'LIF', 'CubaLIF', 'LI']

interface Path {
  from: string
  to: string
  /** composed weights [to size, from size] (null: the identity, before any Linear node) and bias [to size] */
  m: Float64Array | null
  rows: number
  cols: number
  bias: Float64Array
  /** the LI filter on the way (per target element), if any */
  filter: { tau: Float64Array; r: Float64Array } | null
  linears: { m: Float64Array; rows: number; cols: number }[]
}

/**
 * The most work the import does composing paths: multiply-adds (a few seconds), and steps from node
 * to node (each path is followed on its own). A graph whose paths between neurons chain large Linear
 * layers, or branch into many parallel ones, is refused instead of taking hours.
 */
export const maxNirComposeWork = 2e9
export const maxNirPathSteps = 100_000

export interface NirImport {
  net: AdsNet
  /** what the import approximated, in sentences */
  notes: string[]
  groups: { name: string; type: string; neurons: number }[]
}

/** An NIR graph as a network ADS (no EBN construction: the variant "no-ebn" unless it has fast weights). */
export function nirToAds(g: NirGraph, file: string, dtMs = 1): NirImport {
  const fail = (msg: string): never => {
    throw new AppError('INVALID_ARGUMENT', `${file}: ${msg}`)
  }
  for (const [name, node] of Object.entries(g.nodes)) {
    if (!supported.includes(node.type)) {
      fail(`node "${name}" is of type ${node.type}, which this import does not support: it reads graphs of Input, Output, Affine, Linear, LIF and CubaLIF nodes (and LI nodes as synaptic or read-out filters).`)
    }
  }
  /** the first value of an array that is not finite, as "NaN at [3]" */
  const notFinite = (data: ArrayLike<number>): string | null => {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return `${data[i]} at [${i}]`
    return null
  }
  const arr = (name: string, key: string, size?: number): Float64Array => {
    const a = g.nodes[name].arrays[key]
    if (!a) return fail(`node "${name}" (${g.nodes[name].type}) has no "${key}".`)
    const bad = notFinite(a.data)
    if (bad) fail(`node "${name}" has ${bad} in "${key}"; every parameter must be a finite number.`)
    if (size !== undefined && a.data.length !== size) {
      if (a.data.length === 1) return new Float64Array(size).fill(a.data[0])
      fail(`node "${name}" has ${a.data.length} values of "${key}", expected ${size}.`)
    }
    return Float64Array.from(a.data)
  }
  /** time constants (seconds), which must be positive */
  const tauOf = (name: string, key: string, size: number): Float64Array => {
    const t = arr(name, key, size)
    const i = t.findIndex((v) => !(v > 0))
    if (i >= 0) fail(`node "${name}" has ${key} = ${t[i]} at [${i}]; time constants must be positive (in seconds).`)
    return t
  }
  const sizeOf = (name: string): number => {
    const node = g.nodes[name]
    if (node.type === 'LIF' || node.type === 'CubaLIF' || node.type === 'LI') {
      const a = node.arrays.v_leak ?? node.arrays.tau ?? node.arrays.tau_mem
      return a ? a.data.length : fail(`node "${name}" (${node.type}) has neither "v_leak" nor "${node.type === 'CubaLIF' ? 'tau_mem' : 'tau'}", so its size is unknown.`)
    }
    if (node.type === 'Input' || node.type === 'Output') {
      const s = arr(name, 'shape')
      if (s.length === 0 || !s.every((d) => Number.isSafeInteger(d) && d > 0)) fail(`node "${name}" (${node.type}) has the shape [${[...s].join(', ')}]; expected positive whole numbers.`)
      return s.reduce((a, b) => a * b, 1)
    }
    return fail(`node "${name}" has no size`)
  }
  const inputs = Object.keys(g.nodes).filter((k) => g.nodes[k].type === 'Input')
  const outputs = Object.keys(g.nodes).filter((k) => g.nodes[k].type === 'Output')
  if (inputs.length !== 1 || outputs.length !== 1) fail(`the graph has ${inputs.length} Input and ${outputs.length} Output nodes; this import reads graphs with exactly one of each.`)
  const groups = Object.keys(g.nodes).filter((k) => g.nodes[k].type === 'LIF' || g.nodes[k].type === 'CubaLIF')
  if (groups.length === 0) fail('the graph has no LIF or CubaLIF node: there are no spiking neurons to simulate.')
  const offset = new Map<string, number>()
  let n = 0
  for (const k of groups) {
    offset.set(k, n)
    n += sizeOf(k)
  }
  if (n > maxNeurons) fail(`the graph has ${n} spiking neurons, more than the ${maxNeurons} the simulator takes.`)
  const channels = sizeOf(inputs[0])
  if (channels > maxChannels) fail(`the Input "${inputs[0]}" has ${channels} channels, more than the ${maxChannels} a network here takes.`)
  for (const [a, b] of g.edges) if (!g.nodes[a] || !g.nodes[b]) fail(`an edge names the node "${g.nodes[a] ? b : a}", which the graph does not have.`)
  const out = new Map<string, string[]>()
  for (const [a, b] of g.edges) {
    const next = out.get(a) ?? []
    // a second copy of an edge would add its path twice
    if (next.includes(b)) fail(`the edge "${a}" → "${b}" is listed twice; each edge of a graph is listed once.`)
    next.push(b)
    out.set(a, next)
  }
  let work = 0
  let steps = 0
  const spend = (ops: number, step = 0): void => {
    work += ops
    steps += step
    if (work > maxNirComposeWork || steps > maxNirPathSteps) {
      fail(`the graph takes more than ${work > maxNirComposeWork ? `${maxNirComposeWork.toExponential(0)} multiply-adds` : `${maxNirPathSteps} steps from node to node`} to read: each path between spiking neurons (or from the Input, or to the Output) through Linear, Affine and LI nodes is composed on its own, and this graph's paths chain large Linear layers or branch into many parallel ones. Merge consecutive Linear nodes into one, and join parallel branches.`)
    }
  }

  // every path from a source (the Input or a neuron group) through Linear/Affine/LI nodes
  const paths: Path[] = []
  const walk = (from: string, at: string, p: Omit<Path, 'from' | 'to'>, seen: Set<string>): void => {
    for (const next of out.get(at) ?? []) {
      spend(0, 1)
      const t = g.nodes[next].type
      if (t === 'LIF' || t === 'CubaLIF' || t === 'Output') {
        const size = sizeOf(next)
        if (p.rows !== size) fail(`the path from "${from}" into "${next}" carries ${p.rows} values but "${next}" takes ${size}.`)
        paths.push({ from, to: next, ...p })
        continue
      }
      if (seen.has(next)) fail(`the graph has a loop through "${next}" that does not pass a spiking neuron.`)
      if (t === 'Linear' || t === 'Affine') {
        const w = g.nodes[next].arrays.weight ?? fail(`node "${next}" (${t}) has no weight.`)
        if (w.shape.length !== 2 || w.shape[1] !== p.rows) fail(`node "${next}" (${t}) has a weight of shape [${w.shape.join(', ')}] but receives ${p.rows} values.`)
        const [rows, cols] = w.shape
        const bad = notFinite(w.data)
        if (bad) fail(`node "${next}" (${t}) has ${bad} in its weight; every weight must be a finite number.`)
        spend(rows * cols * (p.m === null ? 1 : p.cols))
        let m: Float64Array
        // after the identity (the path's first Linear node), the weight itself
        if (p.m === null) m = Float64Array.from(w.data)
        else {
          m = new Float64Array(rows * p.cols)
          for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) {
            const wik = w.data[i * cols + k]
            if (wik !== 0) for (let j = 0; j < p.cols; j++) m[i * p.cols + j] += wik * p.m[k * p.cols + j]
          }
        }
        const bias = new Float64Array(rows)
        for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) bias[i] += w.data[i * cols + k] * p.bias[k]
        if (t === 'Affine') {
          const b = arr(next, 'bias', rows)
          for (let i = 0; i < rows; i++) bias[i] += b[i]
        }
        walk(from, next, { m, rows, cols: p.cols, bias, filter: p.filter, linears: [...p.linears, { m: Float64Array.from(w.data), rows, cols }] }, new Set([...seen, next]))
      } else if (t === 'LI') {
        if (p.filter) fail(`the path from "${from}" passes two LI nodes; a synapse here is one exponential trace.`)
        const size = sizeOf(next)
        if (size !== p.rows) fail(`LI node "${next}" has ${size} elements but receives ${p.rows} values.`)
        const leak = arr(next, 'v_leak', size)
        if (leak.some((v) => v !== 0)) fail(`LI node "${next}" has a nonzero v_leak; as a synaptic filter it must be 0.`)
        const r = arr(next, 'r', size)
        // a steady input b through the filter becomes r·b
        walk(from, next, { ...p, bias: p.bias.map((b, i) => b * r[i]), filter: { tau: tauOf(next, 'tau', size), r }, linears: p.linears }, new Set([...seen, next]))
      }
    }
  }
  const identity = (size: number): Float64Array => {
    const m = new Float64Array(size * size)
    for (let i = 0; i < size; i++) m[i * size + i] = 1
    return m
  }
  /** element [i, j] of a path's composed weights */
  const weightOf = (p: Path, i: number, j: number): number => (p.m === null ? (i === j ? 1 : 0) : p.m[i * p.cols + j])
  for (const src of [...inputs, ...groups]) {
    const s = sizeOf(src)
    walk(src, src, { m: null, rows: s, cols: s, bias: new Float64Array(s), filter: null, linears: [] }, new Set([src]))
  }

  const notes: string[] = []
  const param = (k: NeuronParamName, fill: number): Float32Array => new Float32Array(n).fill(fill)
  const P = {
    tauMemMs: param('tauMemMs', 50),
    tauSMs: param('tauSMs', 70),
    tauFMs: param('tauFMs', dtMs),
    tauOutMs: param('tauOutMs', dtMs),
    vTh: param('vTh', 1),
    vRest: param('vRest', 0),
    vReset: param('vReset', 0),
    bias: param('bias', 0),
    refractoryMs: param('refractoryMs', 0),
  }
  const wIn = new Float32Array(n * channels)
  const omegaF = new Float32Array(n * n)
  const omegaS = new Float32Array(n * n) // [pre, post]
  const bias = new Float64Array(n)
  const scale = new Map<string, Float64Array>()
  for (const k of groups) {
    const size = sizeOf(k)
    const o0 = offset.get(k) as number
    const cuba = g.nodes[k].type === 'CubaLIF'
    const tau = tauOf(k, cuba ? 'tau_mem' : 'tau', size)
    const r = arr(k, 'r', size)
    const leak = arr(k, 'v_leak', size)
    const th = arr(k, 'v_threshold', size)
    const reset = g.nodes[k].arrays.v_reset ? arr(k, 'v_reset', size) : new Float64Array(size)
    const wInSyn = cuba ? (g.nodes[k].arrays.w_in ? arr(k, 'w_in', size) : new Float64Array(size).fill(1)) : new Float64Array(size).fill(1)
    scale.set(k, r.map((v, i) => v * wInSyn[i]))
    for (let i = 0; i < size; i++) {
      P.tauMemMs[o0 + i] = tau[i] * 1000
      P.vRest[o0 + i] = leak[i]
      P.vTh[o0 + i] = th[i]
      P.vReset[o0 + i] = reset[i]
    }
    if (tau.some((t) => t * 1000 < dtMs)) notes.push(`"${k}" has membrane time constants below the time step (${dtMs} ms): Euler integration at dt = ${dtMs} ms is coarse for them.`)
  }
  // recurrent slots: per target group, the distinct synaptic time constants entering it
  const slotOf = new Map<string, { fast: Float64Array | null; slow: Float64Array | null }>()
  const sameTau = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => v === b[i])
  let decoder: Float32Array | null = null
  let readout: Float32Array | null = null
  let dims = 0
  let outs = 0
  for (const p of paths) {
    if (p.to === outputs[0]) {
      if (!groups.includes(p.from)) fail('the Input is connected to the Output without spiking neurons between them.')
      if (decoder) fail('more than one path leads into the Output; this import reads one read-out path.')
      const o0 = offset.get(p.from) as number
      const size = sizeOf(p.from)
      if (p.filter) {
        if (p.linears.length > 0 && p.linears[0] && p.filter.tau.length !== size) fail('the read-out filter (LI) must come right after the neurons.')
        for (let i = 0; i < size; i++) P.tauOutMs[o0 + i] = p.filter.tau[i] * 1000
        if (p.filter.r.some((v) => v !== 1)) fail('the read-out LI node must have r = 1.')
      } else notes.push(`The Output reads spikes directly; here it reads them through a trace of τ = dt (${dtMs} ms), in Hz.`)
      if (p.bias.some((b) => b !== 0)) notes.push('Biases on the read-out path are left out.')
      const first = p.linears[0] ?? null
      dims = first ? first.rows : size
      if (dims > maxTeacherUnits) fail(`the read-out path decodes ${dims} dimensions (the rows of its first Linear node, or the neurons read directly), more than the ${maxTeacherUnits} a network here decodes.`)
      decoder = new Float32Array(dims * n)
      for (let i = 0; i < dims; i++) for (let j = 0; j < size; j++) decoder[i * n + o0 + j] = first ? first.m[i * first.cols + j] : i === j ? 1 : 0
      outs = p.rows
      if (outs > maxTeacherUnits) fail(`the Output takes ${outs} values, more than the ${maxTeacherUnits} a network here reads out.`)
      spend(p.linears.slice(1).reduce((a, l) => a + l.rows * l.cols * dims, 0))
      let rest = identity(dims)
      let restCols = dims
      for (const l of p.linears.slice(1)) {
        const next = new Float64Array(l.rows * restCols)
        for (let i = 0; i < l.rows; i++) for (let k = 0; k < l.cols; k++) for (let j = 0; j < restCols; j++) next[i * restCols + j] += l.m[i * l.cols + k] * rest[k * restCols + j]
        rest = next
      }
      readout = Float32Array.from(rest)
      continue
    }
    const t0 = offset.get(p.to) as number
    const sc = scale.get(p.to) as Float64Array
    const cuba = g.nodes[p.to].type === 'CubaLIF'
    for (let i = 0; i < p.rows; i++) bias[t0 + i] += sc[i] * p.bias[i]
    if (p.from === inputs[0]) {
      if (p.filter || cuba) notes.push(`The input into "${p.to}" is filtered by a synapse in NIR; the simulator adds input currents to the membrane directly (no filter).`)
      const fr = p.filter?.r ?? new Float64Array(p.rows).fill(1)
      for (let i = 0; i < p.rows; i++) for (let j = 0; j < channels; j++) wIn[(t0 + i) * channels + j] += sc[i] * fr[i] * weightOf(p, i, j)
      continue
    }
    // a recurrent path: its synaptic trace
    let tau: Float64Array
    let gain: Float64Array
    if (p.filter && cuba) fail(`the path from "${p.from}" into CubaLIF "${p.to}" passes an LI node as well as the CubaLIF's own synapse; two filters in series cannot be simulated.`)
    if (p.filter) {
      tau = p.filter.tau
      gain = p.filter.r
    } else if (cuba) {
      tau = tauOf(p.to, 'tau_syn', p.rows)
      gain = new Float64Array(p.rows).fill(1)
    } else {
      // a direct spike current: a trace of τ = dt carrying the same charge into the membrane
      const k = (1 - Math.exp(-1)) // τ = dt: total Σ e^{-k} = 1 / (1 - e^{-1})
      tau = new Float64Array(p.rows).fill(dtMs / 1000)
      gain = new Float64Array(p.rows).fill(k)
      notes.push(`Spikes from "${p.from}" reach "${p.to}" as a direct current in NIR; here through a trace of τ = dt scaled to the same charge.`)
    }
    const slots = slotOf.get(p.to) ?? { fast: null, slow: null }
    slotOf.set(p.to, slots)
    const mean = tau.reduce((a, b) => a + b, 0) / tau.length
    let slot: 'fast' | 'slow'
    if (slots.fast && sameTau(slots.fast, tau)) slot = 'fast'
    else if (slots.slow && sameTau(slots.slow, tau)) slot = 'slow'
    else if (!slots.fast && !slots.slow) slot = mean * 1000 <= 2 * dtMs ? 'fast' : 'slow'
    else if (!slots.fast) slot = 'fast'
    else if (!slots.slow) slot = 'slow'
    else return fail(`more than two synaptic time constants enter "${p.to}"; each neuron here has two synaptic traces (fast and slow).`)
    if (slot === 'fast' && slots.slow && slots.slow.reduce((a, b) => a + b, 0) / slots.slow.length < mean) {
      // keep the shorter constant in the fast trace
      ;[slots.fast, slots.slow] = [slots.slow, null]
      slot = 'slow'
      // move what was in the slow slot of this group into the fast one
      for (let i = t0; i < t0 + p.rows; i++) {
        P.tauFMs[i] = P.tauSMs[i]
        for (let j = 0; j < n; j++) {
          omegaF[i * n + j] = omegaS[j * n + i]
          omegaS[j * n + i] = 0
        }
      }
    }
    slots[slot] = tau
    const f0 = offset.get(p.from) as number
    for (let i = 0; i < p.rows; i++) {
      if (slot === 'fast') P.tauFMs[t0 + i] = tau[i] * 1000
      else P.tauSMs[t0 + i] = tau[i] * 1000
      const gi = sc[i] * gain[i]
      for (let j = 0; j < p.cols; j++) {
        const v = gi * weightOf(p, i, j)
        if (slot === 'fast') omegaF[(t0 + i) * n + f0 + j] += v
        else omegaS[(f0 + j) * n + t0 + i] += v
      }
    }
  }
  if (!decoder || !readout) return fail('nothing leads from spiking neurons to the Output.')
  P.bias = Float32Array.from(bias)
  if (P.refractoryMs.some((v) => v !== 0)) notes.push('Refractory periods are not part of NIR LIF nodes.')
  return {
    net: {
      spec: { neurons: n, channels, dims, outputs: outs, params: P, weights: { wIn, omegaF, omegaS, decoder, encoder: new Float32Array(n * dims), readout } },
      params: P,
      thresholds: null,
      variant: omegaF.some((v) => v !== 0) ? 'ebn' : 'no-ebn',
    },
    notes: [...new Set(notes)],
    groups: groups.map((k) => ({ name: k, type: g.nodes[k].type, neurons: sizeOf(k) })),
  }
}
