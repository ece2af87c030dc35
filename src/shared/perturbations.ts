// The perturbations of a robustness run (docs/method.md §10-11), in pure data: what a level means for
// each, its range, whether it applies to non-spiking networks, and which quantities of an
// architecture a perturbation changes (read from the architecture's descriptor). The job kinds, the
// command line, the report and the renderer read this.
import type { ArchitectureDescriptor, Perturbable } from './architectures/index.ts'

export const perturbationNames = ['mismatch', 'quantisation', 'noise', 'death'] as const
export type PerturbationName = (typeof perturbationNames)[number]

export interface PerturbationInfo {
  name: PerturbationName
  label: string
  /** what a level is, in words */
  level: string
  /** the largest level accepted */
  max: number
  /** levels are whole numbers (bits) */
  integer: boolean
  /** applies only to networks of spiking neurons (membrane potentials, neurons that can die) */
  spikingOnly: boolean
  /**
   * every draw of a level gives the same perturbed network (quantisation): its draws then differ only
   * in the initial membrane potentials of the trial
   */
  deterministic: boolean
  /** a larger level perturbs more (for quantisation: fewer bits perturb more, and 0 is full precision) */
  increasing: boolean
}

export const perturbationInfo: Record<PerturbationName, PerturbationInfo> = {
  mismatch: {
    name: 'mismatch',
    label: 'Device mismatch',
    level: 'σ, relative to each nominal value (0.1 = 10 %)',
    max: 2,
    integer: false,
    spikingOnly: false,
    deterministic: false,
    increasing: true,
  },
  quantisation: {
    name: 'quantisation',
    label: 'Weight quantisation',
    level: 'bits per matrix, 1 to 32 (0 = full precision)',
    max: 32,
    integer: true,
    spikingOnly: false,
    deterministic: true,
    increasing: false,
  },
  noise: {
    name: 'noise',
    label: 'Membrane noise',
    level: 'standard deviation per step as a fraction of V_th − V_reset',
    max: 10,
    integer: false,
    spikingOnly: true,
    deterministic: false,
    increasing: true,
  },
  death: {
    name: 'death',
    label: 'Neuron death',
    level: 'fraction of neurons clamped to V = 0 (0.4 = 40 %)',
    max: 1,
    integer: false,
    spikingOnly: true,
    deterministic: false,
    increasing: true,
  },
}

export function isPerturbationName(v: unknown): v is PerturbationName {
  return typeof v === 'string' && (perturbationNames as readonly string[]).includes(v)
}

/**
 * Why these levels do not fit the perturbation (a sentence naming the first bad level and what to
 * give instead), or null when they fit.
 */
/**
 * The emulator's spread that a mismatch level stands for when mismatch is drawn on its virtual chips:
 * σ = 0.2 of each value, the common summary of DYNAP-SE mismatch (docs/method.md §14.1), so a level σ
 * runs every chip with its measured spreads scaled by σ / 0.2.
 */
export const chipMismatchSpread = 0.2

export function levelsProblem(perturbation: PerturbationName, levels: readonly number[]): string | null {
  const info = perturbationInfo[perturbation]
  const seen = new Set<number>()
  for (const [i, level] of levels.entries()) {
    const at = `level ${i + 1} (${level})`
    if (!Number.isFinite(level) || level < 0) return `${at} must be a number ≥ 0: ${info.level}.`
    if (info.integer && !Number.isInteger(level)) return `${at} must be a whole number of bits: ${info.level}.`
    if (level > info.max) {
      const hint = perturbation === 'mismatch' ? ' Levels are fractions: give 0.05 for 5 %.' : perturbation === 'death' ? ' Give 0.4 for 40 %.' : ''
      return `${at} is above the largest accepted, ${info.max} (${info.level}).${hint}`
    }
    if (seen.has(level)) return `${at} is given twice: give each level once.`
    seen.add(level)
  }
  return null
}

/** A level as people read it: "10 %" (mismatch, death), "4 bits" / "full precision", "0.05" (noise). */
export function formatLevel(perturbation: PerturbationName, level: number): string {
  if (perturbation === 'quantisation') return level === 0 ? 'full precision' : `${level} bit${level === 1 ? '' : 's'}`
  if (perturbation === 'noise') return String(level)
  const pct = Math.round(level * 1e6) / 1e4
  return `${pct} %`
}

/** A p-value as the tables print it: the exponent form below 0.001. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3)
}

/** The levels in plotting order: level 0 (unperturbed) first, then more perturbed to the right. */
export function levelOrder(perturbation: PerturbationName, levels: readonly number[]): number[] {
  const inc = perturbationInfo[perturbation].increasing
  return [...levels].sort((a, b) => (a === 0 ? -1 : b === 0 ? 1 : inc ? a - b : b - a))
}

/** A quantity of an architecture that a perturbation changes. */
export interface PerturbedQuantity {
  name: string
  /** a bundle array (a matrix) or a per-neuron parameter */
  where: 'array' | 'neuron'
  perturbable: Perturbable
}

/**
 * The quantities of an architecture that device mismatch or quantisation changes in a robustness run:
 * those it declares perturbable by default, with a mismatch form (mismatch) or quantisable
 * (quantisation). Membrane noise and neuron death change no stored quantity.
 */
export function perturbedQuantities(d: ArchitectureDescriptor, perturbation: PerturbationName): PerturbedQuantity[] {
  if (perturbation !== 'mismatch' && perturbation !== 'quantisation') return []
  const takes = (p: Perturbable | undefined): p is Perturbable =>
    !!p && p.default && (perturbation === 'mismatch' ? p.mismatch !== undefined : p.quantise === true && p.kind === 'weights')
  const out: PerturbedQuantity[] = []
  for (const a of d.arrays) if (takes(a.perturbable)) out.push({ name: a.name, where: 'array', perturbable: a.perturbable })
  for (const q of d.perNeuron) if (takes(q.perturbable) && !out.some((o) => o.name === q.name)) out.push({ name: q.name, where: 'neuron', perturbable: q.perturbable })
  return out
}
