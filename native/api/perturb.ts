// Perturbations for the robustness suite (native/binding/perturb.cpp, native/core/perturb.hpp):
// device mismatch, post-training quantisation and neuron death as pure, seeded transforms, and the
// membrane-noise level in the simulator's units.
//
// An architecture describes what may be perturbed as a list of named quantities (each an array with
// its kind and the transform it takes); quantities it leaves out, or lists without a transform for
// the perturbation at hand, stay as they are. A draw is a frozen virtual chip: the same (seed, level,
// draw) gives the same arrays every time, on any thread count, and level 0 gives the inputs bit for bit.
import { runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { argError, bool, check, describe, f32, formatG, int, intIn, num, obj, own, str, type Check } from '../check.ts'

/** What a quantity is: it decides which mismatch forms fit (native/core/perturb.hpp validate_quantity). */
export type QuantityKind = 'time-constant' | 'threshold' | 'bias' | 'weights'

/**
 * How device mismatch at relative level σ changes each element p (z ~ N(0,1), one per element):
 * 'relative' p·(1 + σz) (weights; also time constants, biases); 'abs-relative' |N(p, (σp)²)| (time
 * constants, ADS thresholds; p ≥ 0); 'threshold' p + σ·|p − reset|·z (a threshold spread by its distance
 * from the reset, FORCE-like); 'offset' p + σz = p + N(0, σ²) (a bias, BPTT-like threshold mismatch);
 * 'none' unchanged (the default).
 */
export type MismatchForm = 'none' | 'relative' | 'abs-relative' | 'threshold' | 'offset'

export interface PerturbQuantity {
  /** Unique within a call; keys the quantity's own random stream. */
  name: string
  kind: QuantityKind
  /** Any shape, row-major: the transforms are elementwise (mismatch) or over the whole array (quantisation). */
  values: Float32Array
  mismatch?: MismatchForm
  /** Quantised by a 'quantisation' perturbation (weights only). */
  quantise?: boolean
  /** The reset potential for 'threshold' mismatch: one value or one per element. */
  reset?: number | Float32Array
}

export interface PerturbOptions {
  /** The network's seed material (an integer in [0, 2^53)): with the level and the draw it fixes a draw. */
  seed: number
  perturbation: 'mismatch' | 'quantisation'
  /** σ (0 to 10; 0.1 = 10 %) for mismatch; bits (0 to 32, 0 = full precision) for quantisation. */
  level: number
  /** A count (draws 0 .. count − 1) or the draw indices themselves. */
  draws: number | readonly number[]
  quantities: readonly PerturbQuantity[]
  /** Threads of the pool; 0 (default) = all. Results never depend on it. */
  threads?: number
}

export interface PerturbDraw {
  draw: number
  /** The perturbed values of every changed quantity, by name. */
  arrays: Record<string, Float32Array>
}

export interface PerturbResult {
  perturbation: 'mismatch' | 'quantisation'
  level: number
  seed: number
  /** The quantities this perturbation changed (each draw has their arrays), in the order given. */
  changed: string[]
  /** The quantities it left as they are (not copied). */
  unchanged: string[]
  /** Quantisation only: the step q = (max W − min W)/(2^b − 1) of each changed quantity (0: constant, or b = 0). */
  steps?: Record<string, number>
  draws: PerturbDraw[]
}

export interface DeathOptions {
  seed: number
  /** The share of neurons that die, 0 to 1; round(fraction·neurons) of them (half up). */
  fraction: number
  /** The population the dead neurons are drawn from: indices 0 .. neurons − 1. */
  neurons: number
  draws: number | readonly number[]
  /** Steps [startStep, endStep) in which they are clamped; default the whole sample. */
  window?: { startStep?: number; endStep?: number }
  threads?: number
}

export interface DeathDraw {
  draw: number
  /** The dead neurons, ascending. */
  neurons: Int32Array
  /** The simulator's `silence` option for this draw (network.simulate). */
  silence: { neurons: Int32Array; startStep?: number; endStep?: number }
}

export interface DeathResult {
  fraction: number
  neurons: number
  seed: number
  draws: DeathDraw[]
}

interface RawPerturbResult {
  kind: 'mismatch' | 'quantisation'
  level: number
  seed: number
  changed: string[]
  unchanged: string[]
  steps?: Float64Array
  draws: { draw: number; arrays: Float32Array[] }[]
}

interface RawDeathResult {
  fraction: number
  neurons: number
  seed: number
  draws: { draw: number; neurons: Int32Array }[]
}

interface RawPerturb {
  perturbDraws(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawPerturbResult>
  deathDraws(options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<RawDeathResult>
}

const kinds = ['time-constant', 'threshold', 'bias', 'weights'] as const
const forms = ['none', 'relative', 'abs-relative', 'threshold', 'offset'] as const

const quantity = obj(
  {
    name: (v, name) => {
      if (typeof v !== 'string') throw argError('type', `Expected a string for ${name} but received ${describe(v)}`)
    },
    kind: str(...kinds),
    values: f32,
    mismatch: str(...forms),
    quantise: bool,
    reset: (v, name) => {
      if (typeof v !== 'number' && !(v instanceof Float32Array)) throw argError('type', `Expected a finite number or a Float32Array for ${name} but received ${describe(v)}`)
    },
  },
  { required: ['name', 'kind', 'values'] },
)

/** An array whose every element passes `each` (named name[i]); at most `max` elements. */
function arrayOf(each: Check, max: number, what: string): Check {
  return (v, name) => {
    if (!Array.isArray(v)) throw argError('type', `Expected ${what} for ${name} but received ${describe(v)}`)
    if (v.length > max) throw argError('range', `${name} must hold at most ${max} elements but has ${v.length}`)
    for (let i = 0; i < v.length; i++) each(v[i], `${name}[${i}]`)
  }
}

const drawList: Check = (v, name) => {
  if (typeof v === 'number') return intIn(1, 2 ** 20)(v, name)
  arrayOf(int, 2 ** 20, 'a number of draws or an array of draw indices (integers)')(v, name)
}

const perturbOptions = obj(
  {
    seed: int,
    perturbation: str('mismatch', 'quantisation'),
    level: num,
    draws: drawList,
    quantities: arrayOf(quantity, 256, 'an array of quantities'),
    threads: int,
  },
  { required: ['seed', 'perturbation', 'level', 'draws', 'quantities'] },
)

const deathOptions = obj(
  { seed: int, fraction: num, neurons: int, draws: drawList, window: obj({ startStep: int, endStep: int }), threads: int },
  { required: ['seed', 'fraction', 'neurons', 'draws'] },
)

const drawIndices = (draws: number | readonly number[]): number[] => (typeof draws === 'number' ? Array.from({ length: draws }, (_, i) => i) : [...draws])

/**
 * Perturbed copies of the quantities a perturbation changes, for each draw, computed natively on the
 * thread pool (cancellable, within the memory budget). Mismatch at σ = level: each quantity by its
 * `mismatch` form; quantisation to b = level bits: each quantity with `quantise`, q = (max − min)/(2^b − 1),
 * w ↦ q·round(w/q) without clipping (every draw is the same).
 */
export function perturbDraws(options: PerturbOptions, run: RunOptions = {}): Promise<PerturbResult> {
  const o = own(options)
  check(o, perturbOptions, 'options')
  const quantities = o.quantities.map((q) => own(q))
  const raw = { ...o, draws: drawIndices(o.draws), quantities }
  return runNative<RawPerturbResult, RawPerturb>((r, progress, token) => r.perturbDraws(raw, progress, token), run).then((res) => ({
    perturbation: res.kind,
    level: res.level,
    seed: res.seed,
    changed: res.changed,
    unchanged: res.unchanged,
    ...(res.steps ? { steps: Object.fromEntries(res.changed.map((name, k) => [name, res.steps![k]])) } : {}),
    draws: res.draws.map((d) => ({ draw: d.draw, arrays: Object.fromEntries(res.changed.map((name, k) => [name, d.arrays[k]])) })),
  }))
}

/**
 * The dead neurons of each draw: round(fraction·neurons) of them, a seeded subset without replacement,
 * with the simulator's `silence` option that clamps them (V = 0, no spikes) for the window.
 */
export function deathDraws(options: DeathOptions, run: RunOptions = {}): Promise<DeathResult> {
  const o = own(options)
  check(o, deathOptions, 'options')
  const window = o.window === undefined ? {} : own(o.window)
  const raw = { seed: o.seed, fraction: o.fraction, neurons: o.neurons, draws: drawIndices(o.draws), ...(o.threads === undefined ? {} : { threads: o.threads }) }
  const { startStep, endStep } = window
  if (startStep !== undefined && endStep !== undefined && endStep < startStep)
    throw argError('range', `options.window.endStep (${formatG(endStep)}) must not be before startStep (${formatG(startStep)})`)
  for (const [key, v] of [['startStep', startStep], ['endStep', endStep]] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw argError('range', `options.window.${key} must be an integer ≥ 0 but is ${formatG(v)}`)
  return runNative<RawDeathResult, RawPerturb>((r, progress, token) => r.deathDraws(raw, progress, token), run).then((res) => ({
    fraction: res.fraction,
    neurons: res.neurons,
    seed: res.seed,
    draws: res.draws.map((d) => ({
      draw: d.draw,
      neurons: d.neurons,
      silence: { neurons: d.neurons, ...(startStep === undefined ? {} : { startStep }), ...(endStep === undefined ? {} : { endStep }) },
    })),
  }))
}

type PerNeuronValue = number | Float32Array | readonly number[]

function perNeuronValues(v: PerNeuronValue, name: string): ArrayLike<number> {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw argError('type', `Expected a finite number or a Float32Array for ${name} but received ${describe(v)}`)
    return [v]
  }
  if (!(v instanceof Float32Array) && !Array.isArray(v)) throw argError('type', `Expected a number, a Float32Array or an array of numbers for ${name} but received ${describe(v)}`)
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw argError('type', `Expected a finite number for ${name}[${i}] but received ${describe(v[i])}`)
  return v
}

/**
 * Membrane noise as a fraction of V_th − V_reset (docs/method.md §10: 0, 0.01, 0.05, 0.1), per neuron:
 * σ_i = fraction·|V_th,i − V_reset,i| (in V units per step, as the simulator's noiseStd).
 */
export function noiseStdPerNeuron(fraction: number, vTh: PerNeuronValue, vReset: PerNeuronValue): Float64Array {
  check(fraction, (v, name) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw argError('type', `Expected a finite number for ${name} but received ${describe(v)}`)
    if (v < 0) throw argError('range', `${name} must be ≥ 0 but is ${formatG(v)}`)
  }, 'fraction')
  const th = perNeuronValues(vTh, 'vTh')
  const re = perNeuronValues(vReset, 'vReset')
  if (th.length > 1 && re.length > 1 && th.length !== re.length)
    throw argError('range', `vTh has ${th.length} values but vReset has ${re.length}: give one per neuron (or one number for all)`)
  const n = Math.max(th.length, re.length)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = fraction * Math.abs(th[th.length > 1 ? i : 0] - re[re.length > 1 ? i : 0])
  return out
}

/**
 * The simulator's noiseStd (one value for every neuron) for membrane noise at `fraction` of V_th − V_reset.
 * Refuses (RangeError) a network whose neurons have different V_th − V_reset (beyond float rounding):
 * one noiseStd cannot be that fraction for all of them.
 */
export function membraneNoiseStd(fraction: number, vTh: PerNeuronValue, vReset: PerNeuronValue): number {
  const std = noiseStdPerNeuron(fraction, vTh, vReset)
  let lo = Infinity
  let hi = -Infinity
  for (const s of std) {
    lo = Math.min(lo, s)
    hi = Math.max(hi, s)
  }
  if (hi - lo > 1e-6 * hi)
    throw argError(
      'range',
      `vTh − vReset differs between neurons (noise std ${formatG(lo)} to ${formatG(hi)} at fraction ${formatG(fraction)}), but the simulator's noiseStd is one value for all neurons: apply membrane noise to the unperturbed network, whose neurons share V_th and V_reset`,
    )
  return std[0]
}
