// Deployment: a trained network ADS mapped onto a DYNAP-SE-class chip (docs/method.md §14.2) — the
// configuration a board or the emulator takes (src/shared/board.ts), the mapped network in the
// network's own units (what the plain simulator runs: quantisation and pruning only), and a report.
//
//   neurons → cores: the fewest cores that hold them, filled as evenly as possible, in neuron order
//     (so the chip's dense order is the network's); per-core parameters: the mean of its neurons.
//   the configuration is a continuous-time network (what a board runs whatever its internal step) that
//     does what the network does in its Euler steps of dt (the dataset's):
//   weights → efficacies (the chip adds an efficacy to a synaptic current that decays with τ; the
//     simulator adds W·1000/τ to a trace it sums once per step): Ω_s → slow types (NMDA positive,
//     GABA_B negative), e = Ω_s·(1000/τ_s)·g(dt/τ_s); Ω_f → fast types (AMPA, GABA_A),
//     e = Ω_f·(1000/τ_f)·g(dt/τ_f), g(x) = x/(1 − e^(−x)) (the same charge into the membrane; 1.58 for
//     τ_f = dt); W_in → fast types on analog input channels, e = W_in/τ_f (an input x is x events per
//     ms: the same steady current W_in·x; the chip low-passes the input by τ_f).
//   refractory period: the network's + dt (a neuron spikes at most once per step of dt).
//   fan-out: a neuron keeps the `fanOut` target cores with the largest Σ|W|; the rest is dropped.
//   fan-in: per neuron, input connections first, then recurrent ones by w²/‖W‖² (their share of their
//     matrix; largest first), until the CAM entries are used (SE1: a count of k takes k entries; SE2: one).
//   weight levels: SE1, per core and type a base weight w and counts k = round(|e|/w) ≤ K; SE2, per
//     core four base weights and per connection the mask with the nearest sum. Chosen per core to
//     minimise Σ_matrices ‖ΔW‖²/‖W‖² over the core's connections, pruning included: SE1 searches K and
//     refits its base weights by least squares; SE2 starts from the best s·(1, 2, 4, 8) and then moves
//     each base weight on its own (coordinate descent).
import type { CoreParameters, DeployedConfiguration, WeightScheme } from '../../shared/board.ts'
import { AppError } from '../../shared/errors.ts'

export type MatrixName = 'wIn' | 'omegaF' | 'omegaS'

export interface MappableNetwork {
  neurons: number
  channels: number
  /** [N, C] */
  wIn: Float32Array
  /** [post, pre] */
  omegaF: Float32Array
  /** [pre, post] */
  omegaS: Float32Array
  /** per neuron [N] */
  params: { tauMemMs: Float32Array; tauSMs: Float32Array; tauFMs: Float32Array; vTh: Float32Array; vRest: Float32Array; vReset: Float32Array; bias: Float32Array; refractoryMs: Float32Array }
}

export interface ChipModel {
  weightScheme: WeightScheme
  chips: number
  coresPerChip: number
  neuronsPerCore: number
  fanIn: number
  fanOut: number
  inputChannels: number
}

export function chipModel(weightScheme: WeightScheme, chips: number): ChipModel {
  return { weightScheme, chips, coresPerChip: 4, neuronsPerCore: 256, fanIn: 64, fanOut: weightScheme === 'se1' ? 3 : 4, inputChannels: 1024 }
}

export interface MatrixReport {
  matrix: MatrixName
  /** nonzero weights of the network */
  connections: number
  kept: number
  droppedFanIn: number
  droppedFanOut: number
  /** quantised to zero */
  droppedZero: number
  /** ‖W_mapped − W‖_F / ‖W‖_F (0 for an all-zero matrix) */
  relativeError: number
}

export interface MappingReport {
  weightScheme: WeightScheme
  chips: number
  neurons: number
  coresUsed: number
  cores: { chip: number; core: number; neurons: number; baseWeights: number[] }[]
  connections: { total: number; kept: number; dropped: number; camEntries: number }
  matrices: MatrixReport[]
  /** histogram of per-connection relative errors |ΔW|/|W| in bins of 0.1 (last: ≥ 1, i.e. dropped) */
  errorHistogram: number[]
  /** what the mapping refused or could only approximate, with the reason */
  refusals: { what: string; reason: string }[]
}

export interface Mapping {
  /** null when the network cannot be placed at all (a refusal says why) */
  configuration: DeployedConfiguration | null
  /** the network as mapped, in its own units (null with the configuration) */
  mapped: { wIn: Float32Array; omegaF: Float32Array; omegaS: Float32Array } | null
  report: MappingReport
}

/**
 * The SE2 base unit s a core tries: the largest efficacy of each matrix over 15 (and 3/4, 1/2, 0.35, 1/4
 * of it), and half of 40 quantiles of all efficacies. Maxima by a loop, not Math.max(...): a core of the
 * wake phrase's network holds more efficacies than a call takes arguments.
 */
export function unitCandidates(list: readonly Pick<Candidate, 'matrix' | 'mag'>[]): Set<number> {
  const mags = new Float64Array(list.length)
  for (let i = 0; i < list.length; i++) mags[i] = list[i].mag
  mags.sort()
  const cands = new Set<number>()
  for (let m = 0; m < 3; m++) {
    let mx = -Infinity
    for (const c of list) if (c.matrix === m && c.mag > mx) mx = c.mag
    if (mx > -Infinity) for (const f of [1, 0.75, 0.5, 0.35, 0.25]) cands.add((mx * f) / 15)
  }
  for (let q = 1; q <= 40; q++) if (mags.length) cands.add(mags[Math.min(mags.length - 1, Math.floor((mags.length * q) / 41))] / 2)
  return cands
}

interface Candidate {
  matrix: number // 0 wIn, 1 omegaF, 2 omegaS
  pre: number // neuron index or channel
  post: number
  type: number
  /** |efficacy| */
  mag: number
  /** efficacy per unit of W (> 0) */
  scale: number
  /** the original weight */
  w: number
  /** result: SE1 count / SE2 mask (0 = dropped), and why */
  level: number
  cause: 'kept' | 'fan-in' | 'fan-out' | 'zero'
}

/** What a job says while it maps a network (deploy, hil, finetune): seconds at N = 768, before any sample. */
export const mappingMessage = 'mapping the network onto the chip'

/** The efficacy of each 4-bit mask m (index m): Σ of the base weights of its bits. */
export function maskSums(base: readonly number[]): number[] {
  return Array.from({ length: 16 }, (_, m) => (m & 1 ? base[0] : 0) + (m & 2 ? base[1] : 0) + (m & 4 ? base[2] : 0) + (m & 8 ? base[3] : 0))
}

/** The mask whose efficacy is nearest to x (0 = none; ties: the lower mask). */
function nearestMask(sums: readonly number[], x: number): number {
  let best = 0
  let gap = Math.abs(sums[0] - x)
  for (let m = 1; m < 16; m++) {
    const g = Math.abs(sums[m] - x)
    if (g < gap) {
      gap = g
      best = m
    }
  }
  return best
}

const matrixNames: MatrixName[] = ['wIn', 'omegaF', 'omegaS']
const SE1_MAX_COUNTS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32]
/** SE2's coordinate descent: rounds over the four base weights, each scaled by these factors in turn. */
const COORDINATE_ROUNDS = 3
const COORDINATE_FACTORS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.85, 0.93, 1.07, 1.15, 1.3, 1.5, 2, 3, 5, 10, 20]
const COORDINATE_TRIES = COORDINATE_ROUNDS * 4 * COORDINATE_FACTORS.length

function mean(a: Float32Array, from: number, to: number): number {
  let s = 0
  for (let i = from; i < to; i++) s += a[i]
  return s / (to - from)
}

function spread(a: Float32Array, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (Math.abs(a[i] - a[from]) > 1e-6 * Math.max(1, Math.abs(a[from]))) return true
  return false
}

/**
 * Which of the chip's limits the mapping applies (all by default). Turning one off is for measuring
 * what each costs (bench/deploy-accuracy.ts): without `levels` the kept weights keep their exact
 * values (and, SE1, take one CAM entry each); without `fanIn` no neuron's inputs are pruned. Such a
 * mapping has no configuration: only its mapped weights run (on the simulator).
 */
export interface MapLimits {
  fanIn?: boolean
  fanOut?: boolean
  levels?: boolean
}

/**
 * g(x) = x / (1 − e^(−x)): how much more a synaptic trace of time constant τ moves the membrane in the
 * simulator's Euler steps of dt (x = dt/τ; the trace is added in full the step after the spike and then
 * decays by e^(−x) per step: Σ_j e^(−jx)·dt = dt/(1 − e^(−x))) than the same trace in continuous time
 * (∫ e^(−t/τ) dt = τ). 1 for x → 0; 1.58 for the fast traces (τ_f = dt = 1 ms).
 */
export function discreteGain(x: number): number {
  return x < 1e-9 ? 1 : x / (1 - Math.exp(-x))
}

/** Maps a network; never throws for a network that does not fit: the report's refusals say what was refused. */
export function mapNetwork(net: MappableNetwork, model: ChipModel, dtMs: number, limits: MapLimits = {}): Mapping {
  const steps = mapping(net, model, dtMs, limits)
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
  }
}

/** What a job watching a mapping gives it: its cancel, and where the share of the mapping done goes. */
export interface MapWatch {
  signal?: AbortSignal
  onProgress?: (fraction: number) => void
}

/**
 * mapNetwork in slices of about 25 ms, the event loop free between them (seconds at N = 768): the
 * share done goes to `onProgress`, and an aborted `signal` stops it with CANCELLED. The same mapping.
 */
export async function mapNetworkAsync(net: MappableNetwork, model: ChipModel, dtMs: number, limits: MapLimits = {}, watch: MapWatch = {}): Promise<Mapping> {
  const steps = mapping(net, model, dtMs, limits)
  let since = performance.now()
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
    if (performance.now() - since < 25) continue
    watch.onProgress?.(r.value)
    await new Promise((resolve) => setImmediate(resolve))
    if (watch.signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
    since = performance.now()
  }
}

// The shares of a mapping's phases in its time (measured at N = 768, SE2 and SE1): the candidates
// 0-0.3, the fan-out and fan-in order 0.3-0.4, the search over base weights 0.4-0.9, the report 0.9-1.
/** The mapping, yielding the share of it done between slices of work. */
function* mapping(net: MappableNetwork, model: ChipModel, dtMs: number, limits: MapLimits): Generator<number, Mapping, void> {
  const useFanIn = limits.fanIn !== false
  const useFanOut = limits.fanOut !== false
  const useLevels = limits.levels !== false
  const N = net.neurons
  const C = net.channels
  const refusals: MappingReport['refusals'] = []
  const capacity = model.chips * model.coresPerChip * model.neuronsPerCore
  const emptyReport = (): MappingReport => ({
    weightScheme: model.weightScheme,
    chips: model.chips,
    neurons: N,
    coresUsed: 0,
    cores: [],
    connections: { total: 0, kept: 0, dropped: 0, camEntries: 0 },
    matrices: [],
    errorHistogram: new Array(11).fill(0),
    refusals,
  })
  if (N > capacity) {
    refusals.push({ what: `${N} neurons`, reason: `the board has ${model.chips} chip(s) × ${model.coresPerChip} cores × ${model.neuronsPerCore} neurons = ${capacity} neurons: use a board with more chips or a smaller network` })
    return { configuration: null, mapped: null, report: emptyReport() }
  }
  if (C > model.inputChannels) {
    refusals.push({ what: `${C} input channels`, reason: `the board takes ${model.inputChannels} input channels` })
    return { configuration: null, mapped: null, report: emptyReport() }
  }
  // neurons → cores, evenly
  const nCores = Math.ceil(N / model.neuronsPerCore)
  const coreOf = new Int32Array(N)
  const address = new Uint32Array(N)
  const coreStart: number[] = []
  const cores: DeployedConfiguration['cores'] = []
  {
    let at = 0
    for (let k = 0; k < nCores; k++) {
      const size = Math.floor(N / nCores) + (k < N % nCores ? 1 : 0)
      coreStart.push(at)
      const chip = Math.floor(k / model.coresPerChip)
      const core = k % model.coresPerChip
      const p = net.params
      const to = at + size
      for (const [name, arr] of Object.entries(p)) {
        if (spread(arr, at, to)) refusals.push({ what: `per-neuron ${name} in core ${k}`, reason: `the chip shares one ${name} per core: used the mean of its ${size} neurons` })
      }
      const tauF = mean(p.tauFMs, at, to)
      const tauS = mean(p.tauSMs, at, to)
      // every value as the board protocol carries it (f32), so that a board and the in-process emulator
      // run exactly the same configuration
      const f = Math.fround
      const params: CoreParameters = {
        tauMemMs: f(mean(p.tauMemMs, at, to)),
        // a neuron of the network spikes at most once per step of dt: the chip, in continuous time, gets a
        // refractory period one step longer, which keeps that limit (docs/method.md §14.2)
        refractoryMs: f(mean(p.refractoryMs, at, to) + dtMs),
        threshold: f(mean(p.vTh, at, to)),
        resetPotential: f(mean(p.vReset, at, to)),
        bias: f(mean(p.vRest, at, to) + mean(p.bias, at, to)),
        tauSynMs: [f(tauF), f(tauS), f(tauF), f(tauS)],
        baseWeights: [0, 0, 0, 0],
      }
      if (!(params.resetPotential < params.threshold)) {
        refusals.push({ what: `core ${k}`, reason: `its reset potential ${params.resetPotential} is not below its threshold ${params.threshold}: the chip needs reset < threshold` })
        return { configuration: null, mapped: null, report: emptyReport() }
      }
      cores.push({ chip, core, neurons: size, params })
      for (let j = 0; j < size; j++) {
        coreOf[at + j] = k
        address[at + j] = (chip * model.coresPerChip + core) * model.neuronsPerCore + j
      }
      at = to
    }
  }
  // candidates per target neuron
  const byPost: Candidate[][] = Array.from({ length: N }, () => [])
  const all: Candidate[] = []
  const norms = [0, 0, 0]
  const add = (c: Candidate): void => {
    byPost[c.post].push(c)
    all.push(c)
    norms[c.matrix] += c.w * c.w
  }
  for (let n = 0; n < N; n++) {
    const k = coreOf[n]
    const tauF = cores[k].params.tauSynMs[0]
    const tauS = cores[k].params.tauSynMs[1]
    // continuous-time efficacies of the network's discrete steps (see discreteGain): the chip adds an
    // efficacy e to a current that decays with τ, so a spike moves V by e·τ/τ_mem in all; the
    // simulator's step-by-step sum moves it by (W/τ_mem)·g(dt/τ). An input x on a channel is x events
    // per ms (docs/board-protocol.md): the chip's steady current x·e·τ equals the simulator's W_in·x.
    const fScale = (1000 / tauF) * discreteGain(dtMs / tauF)
    const sScale = (1000 / tauS) * discreteGain(dtMs / tauS)
    const inScale = 1 / tauF
    for (let c = 0; c < C; c++) {
      const w = net.wIn[n * C + c]
      if (w !== 0) add({ matrix: 0, pre: c, post: n, type: w > 0 ? 0 : 2, mag: Math.abs(w) * inScale, scale: inScale, w, level: 0, cause: 'kept' })
    }
    for (let m = 0; m < N; m++) {
      const f = net.omegaF[n * N + m]
      if (f !== 0) add({ matrix: 1, pre: m, post: n, type: f > 0 ? 0 : 2, mag: Math.abs(f) * fScale, scale: fScale, w: f, level: 0, cause: 'kept' })
      const s = net.omegaS[m * N + n]
      if (s !== 0) add({ matrix: 2, pre: m, post: n, type: s > 0 ? 1 : 3, mag: Math.abs(s) * sScale, scale: sScale, w: s, level: 0, cause: 'kept' })
    }
    yield (0.3 * (n + 1)) / N
  }
  // fan-out: per source neuron, the fanOut target cores with the largest Σ|W|
  {
    const sum = new Float64Array(N * nCores)
    for (const c of all) if (c.matrix > 0) sum[c.pre * nCores + coreOf[c.post]] += Math.abs(c.w)
    const allowed = new Uint8Array(N * nCores)
    let limited = 0
    for (let m = 0; m < N; m++) {
      const order = Array.from({ length: nCores }, (_, k) => k).filter((k) => sum[m * nCores + k] > 0)
      order.sort((a, b) => sum[m * nCores + b] - sum[m * nCores + a] || a - b)
      if (order.length > model.fanOut) limited++
      for (const k of order.slice(0, model.fanOut)) allowed[m * nCores + k] = 1
    }
    if (useFanOut) for (const c of all) if (c.matrix > 0 && !allowed[c.pre * nCores + coreOf[c.post]]) c.cause = 'fan-out'
    if (limited > 0 && useFanOut) refusals.push({ what: `${limited} neuron(s) reaching more than ${model.fanOut} cores`, reason: `the chip's fan-out is ${model.fanOut} cores per neuron: kept the ${model.fanOut} target cores with the largest total |W| and dropped the connections to the others` })
  }
  // fan-in order: inputs first, then by the share of its matrix's squared norm, w²/‖W‖², largest first
  // (what a dropped weight adds to the objective Σ_m ‖ΔW_m‖²/‖W_m‖²; within one matrix: by |W|); ties: matrix, pre
  const invNorm = norms.map((x) => (x > 0 ? 1 / x : 0))
  const share = (c: Candidate): number => c.w * c.w * invNorm[c.matrix]
  yield 0.31
  for (let n = 0; n < N; n++) {
    byPost[n].sort((a, b) => (a.matrix === 0 ? 0 : 1) - (b.matrix === 0 ? 0 : 1) || share(b) - share(a) || a.matrix - b.matrix || a.pre - b.pre)
    yield 0.31 + (0.05 * (n + 1)) / N
  }
  const inputsOver = byPost.filter((l) => l.filter((c) => c.matrix === 0).length > model.fanIn).length
  if (inputsOver > 0) refusals.push({ what: `input weights of ${inputsOver} neuron(s)`, reason: `more than ${model.fanIn} input channels reach them: the largest ${model.fanIn} were kept` })
  const se1 = model.weightScheme === 'se1'

  // The search below tries a few hundred sets of base weights per core, each over all the core's
  // connections (a wake-phrase network's core: 400 000): their numbers as flat arrays, in the order
  // `assign` walks them (by neuron, each neuron's in fan-in order).
  const flat: { list: Candidate[]; ends: Int32Array; mag: Float64Array; w: Float64Array; scale: Float64Array; inv: Float64Array; dropped: Float64Array; type: Uint8Array; fanOut: Uint8Array }[] = []
  for (let k = 0; k < nCores; k++) {
    const list: Candidate[] = []
    const ends = new Int32Array(cores[k].neurons)
    for (let j = 0, n = coreStart[k]; j < cores[k].neurons; j++, n++) {
      for (const c of byPost[n]) list.push(c)
      ends[j] = list.length
    }
    const L = list.length
    const [mag, w, scale, inv, dropped] = [0, 0, 0, 0, 0].map(() => new Float64Array(L))
    const type = new Uint8Array(L)
    const fanOut = new Uint8Array(L)
    for (let i = 0; i < L; i++) {
      const c = list[i]
      mag[i] = c.mag
      w[i] = c.w
      scale[i] = c.scale
      inv[i] = invNorm[c.matrix]
      // a connection left out contributes its whole weight: (w·w)·‖W‖⁻², as d·d·‖W‖⁻² with d = w
      dropped[i] = c.w * c.w * invNorm[c.matrix]
      type[i] = c.type
      fanOut[i] = c.cause === 'fan-out' ? 1 : 0
    }
    flat.push({ list, ends, mag, w, scale, inv, dropped, type, fanOut })
    yield 0.36 + (0.04 * (k + 1)) / nCores
  }

  /**
   * Assigns levels to the connections of core k with the given base weights; returns the weighted
   * squared error. Once a neuron's fan-in is full, its later connections get level 0 whatever the
   * base weights: their error terms are added as they are, in the same order (the same sum, bit for
   * bit), without choosing a level for each. `commit` stores each connection's level and cause.
   */
  const assign = (k: number, base: number[], cap: number, commit: boolean): number => {
    const sums = se1 ? [] : maskSums(base)
    const { list, ends, mag, w, scale, inv, dropped, type, fanOut } = flat[k]
    const fanIn = model.fanIn
    let err = 0
    let i = 0
    for (let j = 0; j < ends.length; j++) {
      const end = ends[j]
      let used = 0
      for (; i < end; i++) {
        if (!commit && useFanIn && used >= fanIn) {
          for (; i < end; i++) err += dropped[i]
          break
        }
        let level = 0
        let wanted = 0
        if (fanOut[i] === 0) {
          const x = mag[i]
          if (!useLevels) wanted = 1
          else if (se1) wanted = base[type[i]] > 0 ? Math.min(cap, Math.max(0, Math.round(x / base[type[i]]))) : 0
          else wanted = nearestMask(sums, x)
          level = !useFanIn ? wanted : se1 ? Math.min(wanted, fanIn - used) : used >= fanIn ? 0 : wanted
        }
        if (level === 0) err += dropped[i]
        else {
          const m = !useLevels ? mag[i] : se1 ? level * base[type[i]] : sums[level]
          const d = w[i] - (Math.sign(w[i]) * m) / scale[i]
          err += d * d * inv[i]
          used += se1 ? level : 1
        }
        if (commit) {
          const c = list[i]
          c.level = level
          if (c.cause !== 'fan-out') c.cause = level > 0 ? 'kept' : wanted > 0 ? 'fan-in' : 'zero'
        }
      }
    }
    return err
  }

  for (let k = 0; k < nCores; k++) {
    // the core's connections the fan-out kept, in the order of its flat arrays
    const list = flat[k].list.filter((c) => c.cause !== 'fan-out')
    let best = { err: Infinity, base: [0, 0, 0, 0], cap: 1 }
    // the share of the search done: core by core, each by the sets of base weights it tries
    let tried = 0
    const done = (expected: number): number => 0.4 + (0.5 * (k + Math.min(1, ++tried / expected))) / nCores
    if (se1) {
      const maxOf = [0, 0, 0, 0]
      for (const c of list) maxOf[c.type] = Math.max(maxOf[c.type], c.mag)
      const expected = 3 * SE1_MAX_COUNTS.length + 2
      for (const K of SE1_MAX_COUNTS) {
        for (const q of [1, 0.5, 0.25]) {
          const base = maxOf.map((m) => (m * q) / K)
          const err = assign(k, base, K, false)
          if (err < best.err) best = { err, base, cap: K }
          yield done(expected)
        }
      }
      // least-squares refit of each type's base weight on the counts chosen, then reassign if better
      assign(k, best.base, best.cap, true)
      const num = [0, 0, 0, 0]
      const den = [0, 0, 0, 0]
      for (const c of list) {
        if (c.level === 0) continue
        const wgt = invNorm[c.matrix] / (c.scale * c.scale)
        num[c.type] += wgt * c.level * c.mag
        den[c.type] += wgt * c.level * c.level
      }
      const refit = best.base.map((b, t) => (den[t] > 0 ? num[t] / den[t] : b))
      yield done(expected)
      const err = assign(k, refit, best.cap, false)
      if (err < best.err) best = { err, base: refit, cap: best.cap }
    } else {
      const units = unitCandidates(list)
      const expected = units.size + COORDINATE_TRIES
      for (const s of units) {
        if (!(s > 0)) continue
        const base = [s, 2 * s, 4 * s, 8 * s]
        const err = assign(k, base, 15, false)
        if (err < best.err) best = { err, base, cap: 15 }
        yield done(expected)
      }
      // then each base weight on its own (the four need not be 1:2:4:8: small and large efficacies
      // of different synapse types can get levels of their own), a few rounds of coordinate descent
      if (Number.isFinite(best.err)) {
        for (let round = 0; round < COORDINATE_ROUNDS; round++) {
          for (let b = 0; b < 4; b++) {
            for (const f of COORDINATE_FACTORS) {
              const base = best.base.slice()
              base[b] *= f
              const err = assign(k, base, 15, false)
              if (err < best.err) best = { err, base, cap: 15 }
              yield done(expected)
            }
          }
        }
      }
    }
    if (!Number.isFinite(best.err)) best = { err: 0, base: [0, 0, 0, 0], cap: 1 }
    const base = best.base.map((w) => Math.fround(w)) as [number, number, number, number]
    cores[k].params.baseWeights = base
    assign(k, base, best.cap, true)
  }

  // the configuration, the mapped matrices, the report
  const connections: DeployedConfiguration['connections'] = []
  const wIn = new Float32Array(N * C)
  const omegaF = new Float32Array(N * N)
  const omegaS = new Float32Array(N * N)
  const matrices: MatrixReport[] = matrixNames.map((matrix) => ({ matrix, connections: 0, kept: 0, droppedFanIn: 0, droppedFanOut: 0, droppedZero: 0, relativeError: 0 }))
  const errSq = [0, 0, 0]
  const hist = new Array(11).fill(0)
  let camEntries = 0
  const sumsOf = cores.map((c) => maskSums(c.params.baseWeights))
  for (let n = 0; n < N; n++) {
    const base = cores[coreOf[n]].params.baseWeights
    for (const c of byPost[n]) {
      const r = matrices[c.matrix]
      r.connections++
      const mag = c.level === 0 ? 0 : !useLevels ? c.mag : se1 ? c.level * base[c.type] : sumsOf[coreOf[n]][c.level]
      const mw = (Math.sign(c.w) * mag) / c.scale
      if (c.level > 0) {
        r.kept++
        camEntries += se1 ? c.level : 1
        connections.push({ pre: c.matrix === 0 ? 0x8000_0000 + c.pre : address[c.pre], post: address[n], type: c.type, weight: c.level })
        if (c.matrix === 0) wIn[n * C + c.pre] = mw
        else if (c.matrix === 1) omegaF[n * N + c.pre] = mw
        else omegaS[c.pre * N + n] = mw
      } else if (c.cause === 'fan-out') r.droppedFanOut++
      else if (c.cause === 'fan-in') r.droppedFanIn++
      else r.droppedZero++
      errSq[c.matrix] += (c.w - mw) ** 2
      hist[Math.min(10, Math.floor(Math.abs(c.w - mw) / Math.abs(c.w) / 0.1))]++
    }
    yield 0.9 + (0.1 * (n + 1)) / N
  }
  for (let m = 0; m < 3; m++) matrices[m].relativeError = norms[m] > 0 ? Math.sqrt(errSq[m] / norms[m]) : 0
  const kept = matrices.reduce((s, r) => s + r.kept, 0)
  const total = all.length
  const dropped = total - kept
  if (dropped > 0) {
    const fi = matrices.reduce((s, r) => s + r.droppedFanIn, 0)
    if (fi > 0) refusals.push({ what: `${fi} connection(s)`, reason: `the chip's fan-in is ${model.fanIn} CAM entries per neuron${se1 ? ' (SE1: a weight of count k takes k entries)' : ''}: kept the inputs and then the largest |W|` })
  }
  const exact = useFanIn && useFanOut && useLevels
  return {
    configuration: exact ? { weightScheme: model.weightScheme, cores, connections } : null,
    mapped: { wIn, omegaF, omegaS },
    report: {
      weightScheme: model.weightScheme,
      chips: model.chips,
      neurons: N,
      coresUsed: nCores,
      cores: cores.map((c) => ({ chip: c.chip, core: c.core, neurons: c.neurons, baseWeights: [...c.params.baseWeights] })),
      connections: { total, kept, dropped, camEntries },
      matrices,
      errorHistogram: hist,
      refusals,
    },
  }
}

/**
 * Why a stored configuration does not fit a board of this model (weight scheme, chips, cores,
 * neurons per core, fan-in, input channels), or null when it fits.
 */
export function configurationMisfit(config: DeployedConfiguration, model: ChipModel): string | null {
  if (config.weightScheme !== model.weightScheme) return `it is a ${config.weightScheme.toUpperCase()} configuration (${config.weightScheme === 'se1' ? 'repeat counts' : '4-bit masks'}), but the target takes ${model.weightScheme.toUpperCase()} weights`
  for (const c of config.cores) {
    if (c.chip >= model.chips || c.core >= model.coresPerChip) return `it uses core ${c.core} of chip ${c.chip}, but the target has ${model.chips} chip(s) of ${model.coresPerChip} cores`
    if (c.neurons > model.neuronsPerCore) return `it places ${c.neurons} neurons on one core, but the target's cores have ${model.neuronsPerCore}`
  }
  const fanIn = new Map<number, number>()
  for (const x of config.connections) {
    const n = (fanIn.get(x.post) ?? 0) + (model.weightScheme === 'se1' ? x.weight : 1)
    fanIn.set(x.post, n)
    if (n > model.fanIn) return `neuron address ${x.post} takes more than ${model.fanIn} inputs, the target's fan-in`
    if (x.pre >= 0x8000_0000 && x.pre - 0x8000_0000 >= model.inputChannels) return `it drives input channel ${x.pre - 0x8000_0000}, but the target has ${model.inputChannels} input channels`
  }
  return null
}
