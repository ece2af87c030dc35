// The statistics of a robustness run (docs/method.md §11), from its trials: per network and level the
// median and quartiles of accuracy, MSE and agreement with the teacher over the draws; two-sided
// Mann-Whitney U tests between networks at each level and between levels of each network; and chip
// yield (the share of draws that meet an accuracy spec, with its Clopper-Pearson 95 % interval).
// Pure functions of the rows; the rows' order decides the order of networks and levels in the output.
import type { RankTest, RobustnessSummary, YieldEstimate as SharedYieldEstimate } from '../shared/types.ts'
import { mannWhitneyU, median, proportionCI, quartiles } from './stats.ts'

/** One trial as the analysis reads it (a row of a robustness run's results). */
export interface TrialRow {
  network: number
  architecture: string
  variant: string | null
  level: number
  draw: number
  accuracy: number
  mse: number
  teacherAgreement: number | null
}

export const comparedMetrics = ['accuracy', 'mse'] as const
export type ComparedMetric = (typeof comparedMetrics)[number]

// The results have the shapes the front doors show (src/shared/types.ts): defined once, there.
export type YieldEstimate = SharedYieldEstimate
export type LevelSummary = RobustnessSummary
/** A two-sided Mann-Whitney U test between two groups of draws (u: pairs a > b, ties ½). */
export type Test = RankTest

/** Network a against network b at one level. */
export interface NetworkComparison extends Test {
  a: number
  b: number
  level: number
}

/** Level a against level b of one network. */
export interface LevelComparison extends Test {
  network: number
  a: number
  b: number
}

function groupBy<K, T>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>()
  for (const t of items) {
    const k = key(t)
    const g = m.get(k)
    if (g) g.push(t)
    else m.set(k, [t])
  }
  return m
}

const orderOf = <K>(items: readonly { k: K }[]): K[] => [...new Set(items.map((i) => i.k))]

/** The networks in the order they first appear, and each one's levels in the order they first appear. */
function layout(rows: readonly TrialRow[]): { networks: number[]; levels: Map<number, number[]> } {
  const networks = orderOf(rows.map((r) => ({ k: r.network })))
  const levels = new Map(networks.map((n) => [n, orderOf(rows.filter((r) => r.network === n).map((r) => ({ k: r.level })))]))
  return { networks, levels }
}

const cell = (rows: readonly TrialRow[]): Map<string, TrialRow[]> => groupBy(rows, (r) => `${r.network}|${r.level}`)

/** The share of chips whose accuracy is at least `minAccuracy`, with its Clopper-Pearson 95 % interval. */
export function chipYield(accuracies: readonly number[], minAccuracy: number): YieldEstimate {
  const passed = accuracies.filter((a) => a >= minAccuracy).length
  const ci = proportionCI(passed, accuracies.length, 0.95)
  return { chips: accuracies.length, passed, yield: ci.estimate, ci95: ci.ci, minAccuracy }
}

/** Median and quartiles per network and level (and the chip yield when a minimum accuracy is given). */
export function summarise(rows: readonly TrialRow[], minAccuracy?: number): LevelSummary[] {
  const cells = cell(rows)
  const { networks, levels } = layout(rows)
  const out: LevelSummary[] = []
  for (const network of networks) {
    for (const level of levels.get(network)!) {
      const g = cells.get(`${network}|${level}`)!
      const acc = quartiles(g.map((r) => r.accuracy))
      const mse = quartiles(g.map((r) => r.mse))
      const agreements = g.map((r) => r.teacherAgreement).filter((v): v is number => v !== null)
      const agr = agreements.length === g.length ? quartiles(agreements) : null
      out.push({
        network,
        architecture: g[0].architecture,
        variant: g[0].variant,
        level,
        draws: g.length,
        medianAccuracy: acc.median,
        q1Accuracy: acc.q1,
        q3Accuracy: acc.q3,
        medianMse: mse.median,
        q1Mse: mse.q1,
        q3Mse: mse.q3,
        minAccuracy: Math.min(...g.map((r) => r.accuracy)),
        maxAccuracy: Math.max(...g.map((r) => r.accuracy)),
        minMse: Math.min(...g.map((r) => r.mse)),
        maxMse: Math.max(...g.map((r) => r.mse)),
        medianAgreement: agr?.median ?? null,
        q1Agreement: agr?.q1 ?? null,
        q3Agreement: agr?.q3 ?? null,
        ...(minAccuracy !== undefined ? { yield: chipYield(g.map((r) => r.accuracy), minAccuracy) } : {}),
      })
    }
  }
  return out
}

function test(metric: ComparedMetric, a: readonly TrialRow[], b: readonly TrialRow[]): Test {
  const x = a.map((r) => r[metric])
  const y = b.map((r) => r[metric])
  const t = mannWhitneyU(x, y)
  return { metric, p: t.p, u: t.u1, method: t.method, n1: t.n1, n2: t.n2, medianA: median(x), medianB: median(y) }
}

/**
 * Every pair of networks of different architectures or variants at every level both were run at
 * (networks in order, a before b), for accuracy and MSE: a two-sided Mann-Whitney U test over their draws.
 */
export function compareNetworks(rows: readonly TrialRow[]): NetworkComparison[] {
  const cells = cell(rows)
  const { networks, levels } = layout(rows)
  const out: NetworkComparison[] = []
  const allLevels = orderOf(rows.map((r) => ({ k: r.level })))
  const kindOf = new Map(rows.map((r) => [r.network, `${r.architecture}/${r.variant ?? ''}`]))
  for (const level of allLevels) {
    for (let i = 0; i < networks.length; i++) {
      for (let j = i + 1; j < networks.length; j++) {
        const a = networks[i]
        const b = networks[j]
        if (!levels.get(a)!.includes(level) || !levels.get(b)!.includes(level)) continue
        // networks of the same architecture and variant (two seeds) are not a comparison of methods
        if (kindOf.get(a) === kindOf.get(b)) continue
        for (const metric of comparedMetrics) out.push({ a, b, level, ...test(metric, cells.get(`${a}|${level}`)!, cells.get(`${b}|${level}`)!) })
      }
    }
  }
  return out
}

/** Every pair of levels of each network (levels in order, a before b), for accuracy and MSE. */
export function compareLevels(rows: readonly TrialRow[]): LevelComparison[] {
  const cells = cell(rows)
  const { networks, levels } = layout(rows)
  const out: LevelComparison[] = []
  for (const network of networks) {
    const ls = levels.get(network)!
    for (let i = 0; i < ls.length; i++) {
      for (let j = i + 1; j < ls.length; j++) {
        for (const metric of comparedMetrics) out.push({ network, a: ls[i], b: ls[j], ...test(metric, cells.get(`${network}|${ls[i]}`)!, cells.get(`${network}|${ls[j]}`)!) })
      }
    }
  }
  return out
}
