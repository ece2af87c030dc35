// The paper's robustness figures (Büchel et al. 2021, medians over 10 networks per architecture on
// the wake-phrase task), as docs/method.md §15 lists them, and the levels of its protocol: the
// reproduction (`mimic reproduce paper`) runs these levels and shows its own figures beside these.
import type { PerturbationName } from './perturbations.ts'

/** The architectures the paper compares, in the order its figures list them. */
export const paperArchitectures = ['ads', 'bptt-snn', 'force', 'reservoir'] as const
export type PaperArchitecture = (typeof paperArchitectures)[number]

export const paperArchitectureLabels: Record<PaperArchitecture, string> = {
  ads: 'network ADS',
  'bptt-snn': 'BPTT',
  force: 'FORCE',
  reservoir: 'reservoir',
}

/** The levels of the paper's protocol (docs/method.md §10, §15); quantisation level 0 is full precision. */
export const paperLevels: Record<PerturbationName, readonly number[]> = {
  mismatch: [0, 0.05, 0.1, 0.2],
  quantisation: [0, 6, 5, 4, 3, 2],
  noise: [0, 0.01, 0.05, 0.1],
  death: [0, 0.4],
}

/** The mismatch levels whose MSE increase the paper quotes. */
export const mseIncreaseLevels = [0.05, 0.1, 0.2] as const

/**
 * The paper's median output MSE under mismatch, per architecture at σ = 0, 5, 10, 20 % (its table;
 * docs/method.md §15). The increases it quotes (+11/+60/+165 % for network ADS) are relative to σ = 0.
 */
export const paperMismatchMse: Record<PaperArchitecture, Record<number, number>> = {
  ads: { 0: 0.0166, 0.05: 0.0184, 0.1: 0.0264, 0.2: 0.044 },
  'bptt-snn': { 0: 0.0203, 0.05: 0.0251, 0.1: 0.0308, 0.2: 0.0565 },
  force: { 0: 0.0116, 0.05: 0.0173, 0.1: 0.0399, 0.2: 0.1037 },
  reservoir: { 0: 0.0157, 0.05: 1.25, 0.1: 6.19, 0.2: 10.5 },
}

/** The MSE increases at 5/10/20 % mismatch as the paper states them (percent); the reservoir's computed from its medians. */
export const paperMseIncreasePct: Record<PaperArchitecture, Record<number, number>> = {
  ads: { 0.05: 11, 0.1: 60, 0.2: 165 },
  'bptt-snn': { 0.05: 24, 0.1: 51, 0.2: 178 },
  force: { 0.05: 49, 0.1: 243, 0.2: 791 },
  reservoir: { 0.05: (1.25 / 0.0157 - 1) * 100, 0.1: (6.19 / 0.0157 - 1) * 100, 0.2: (10.5 / 0.0157 - 1) * 100 },
}

/** Whether the paper's increase for this architecture is quoted by it (true) or computed here from its medians. */
export const paperIncreaseQuoted: Record<PaperArchitecture, boolean> = { ads: true, 'bptt-snn': true, force: true, reservoir: false }

/**
 * The paper's median accuracy per level (quantisation: full, 6, 5, 4, 3, 2 bits; noise: 0, 0.01,
 * 0.05, 0.1; death: 0 and 40 %, network ADS with EBN); missing where the paper gives none.
 */
export const paperAccuracy: Partial<Record<PerturbationName, Partial<Record<PaperArchitecture, Record<number, number>>>>> = {
  mismatch: {},
  quantisation: {
    ads: { 0: 0.852, 6: 0.855, 5: 0.855, 4: 0.805, 3: 0.664, 2: 0.519 },
    'bptt-snn': { 0: 0.891, 6: 0.894, 5: 0.889, 4: 0.867, 3: 0.707, 2: 0.54 },
    force: { 0: 0.905, 6: 0.894, 5: 0.849, 4: 0.693, 3: 0.502, 2: 0.597 },
  },
  noise: {
    ads: { 0: 0.861, 0.01: 0.845, 0.05: 0.794, 0.1: 0.712 },
    'bptt-snn': { 0: 0.886, 0.01: 0.889, 0.05: 0.783, 0.1: 0.556 },
    force: { 0: 0.906, 0.01: 0.899, 0.05: 0.874, 0.1: 0.812 },
  },
  death: {
    ads: { 0: 0.856, 0.4: 0.78 },
  },
}

/** The metric the paper's panel of each perturbation plots (and the comparison page draws first). */
export const paperPanelMetric: Record<PerturbationName, 'mse' | 'accuracy'> = {
  mismatch: 'mse',
  quantisation: 'accuracy',
  noise: 'accuracy',
  death: 'accuracy',
}
