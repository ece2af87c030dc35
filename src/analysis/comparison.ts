// The statistics of a reproduction of the paper's comparison (docs/method.md §15), from the trials
// of its robustness sweeps: per architecture, perturbation and level the median and quartiles of
// output MSE and accuracy over every trial of its networks pooled (networks × draws), as the
// paper's figures pool them; two-sided Mann-Whitney U tests between every two architectures at each
// level; the median MSE increase at 5/10/20 % mismatch beside the paper's, and whether the
// architectures rank in the paper's order. Pure functions of the rows.
import {
  mseIncreaseLevels,
  paperAccuracy,
  paperArchitectureLabels,
  paperIncreaseQuoted,
  paperMismatchMse,
  paperMseIncreasePct,
  type PaperArchitecture,
} from '../shared/paper.ts'
import type { PerturbationName } from '../shared/perturbations.ts'
import type { ComparisonCell, ComparisonTest, IncreaseOrdering, MseIncrease } from '../shared/types.ts'
import { mannWhitneyU, median, quartiles } from './stats.ts'

/** One trial of one network of a reproduction. */
export interface ComparisonTrial {
  architecture: string
  network: number
  perturbation: string
  level: number
  accuracy: number
  mse: number
}

const isPaperArchitecture = (a: string): a is PaperArchitecture => a in paperArchitectureLabels
const label = (a: string): string => (isPaperArchitecture(a) ? paperArchitectureLabels[a] : a)

/** Median and quartiles per architecture, perturbation and level, with the paper's median beside. */
export function comparisonCells(trials: readonly ComparisonTrial[], architectures: readonly string[], levels: Readonly<Record<string, readonly number[]>>): ComparisonCell[] {
  const out: ComparisonCell[] = []
  for (const [perturbation, ls] of Object.entries(levels)) {
    for (const architecture of architectures) {
      for (const level of ls) {
        const g = trials.filter((t) => t.architecture === architecture && t.perturbation === perturbation && t.level === level)
        if (g.length === 0) continue
        const mse = quartiles(g.map((t) => t.mse))
        const acc = quartiles(g.map((t) => t.accuracy))
        const arch = isPaperArchitecture(architecture) ? architecture : null
        out.push({
          architecture,
          perturbation,
          level,
          networks: new Set(g.map((t) => t.network)).size,
          trials: g.length,
          medianMse: mse.median,
          q1Mse: mse.q1,
          q3Mse: mse.q3,
          medianAccuracy: acc.median,
          q1Accuracy: acc.q1,
          q3Accuracy: acc.q3,
          paperMse: arch && perturbation === 'mismatch' ? (paperMismatchMse[arch][level] ?? null) : null,
          paperAccuracy: arch ? (paperAccuracy[perturbation as PerturbationName]?.[arch]?.[level] ?? null) : null,
        })
      }
    }
  }
  return out
}

/** Every two architectures (in the given order) at every level both were run at, for MSE and accuracy. */
export function compareArchitectures(trials: readonly ComparisonTrial[], architectures: readonly string[], levels: Readonly<Record<string, readonly number[]>>): ComparisonTest[] {
  const out: ComparisonTest[] = []
  for (const [perturbation, ls] of Object.entries(levels)) {
    for (const level of ls) {
      const of = (a: string): ComparisonTrial[] => trials.filter((t) => t.architecture === a && t.perturbation === perturbation && t.level === level)
      for (let i = 0; i < architectures.length; i++) {
        for (let j = i + 1; j < architectures.length; j++) {
          const x = of(architectures[i])
          const y = of(architectures[j])
          if (x.length === 0 || y.length === 0) continue
          for (const metric of ['mse', 'accuracy'] as const) {
            const xs = x.map((t) => t[metric])
            const ys = y.map((t) => t[metric])
            const t = mannWhitneyU(xs, ys)
            out.push({ perturbation, level, a: architectures[i], b: architectures[j], metric, p: t.p, u: t.u1, method: t.method, n1: t.n1, n2: t.n2, medianA: median(xs), medianB: median(ys) })
          }
        }
      }
    }
  }
  return out
}

/** The median MSE increase (percent over σ = 0) at 5/10/20 % mismatch per architecture, beside the paper's. */
export function mseIncreases(cells: readonly ComparisonCell[], architectures: readonly string[]): MseIncrease[] {
  const out: MseIncrease[] = []
  for (const architecture of architectures) {
    if (!isPaperArchitecture(architecture)) continue
    const at = (level: number): number | null => cells.find((c) => c.architecture === architecture && c.perturbation === 'mismatch' && c.level === level)?.medianMse ?? null
    const base = at(0)
    for (const level of mseIncreaseLevels) {
      const v = at(level)
      out.push({
        architecture,
        level,
        oursPct: base === null || v === null || base === 0 ? null : (v / base - 1) * 100,
        paperPct: paperMseIncreasePct[architecture][level],
        paperQuoted: paperIncreaseQuoted[architecture],
      })
    }
  }
  return out
}

/**
 * At each level: the architectures ranked by MSE increase (smallest first), ours and the paper's over
 * the same architectures, and a sentence saying whether they agree and which pairs swap.
 */
/** Below this median test accuracy an architecture's networks are taken not to have learned the task (both tasks decide between two classes). */
export const learnedAccuracy = 0.75

export function increaseOrdering(increases: readonly MseIncrease[], tests: readonly ComparisonTest[] = [], testAccuracy: Readonly<Record<string, number>> = {}): IncreaseOrdering[] {
  return mseIncreaseLevels.map((level) => {
    const here = increases.filter((m) => m.level === level && m.oursPct !== null)
    const ours = [...here].sort((a, b) => a.oursPct! - b.oursPct!).map((m) => m.architecture)
    const paper = [...here].sort((a, b) => a.paperPct - b.paperPct).map((m) => m.architecture)
    const same = ours.length === paper.length && ours.every((a, i) => a === paper[i])
    const pct = Math.round(level * 100)
    const order = (xs: string[]): string => xs.map(label).join(' < ')
    let text: string
    if (ours.length < 2) text = `At ${pct} % mismatch fewer than two architectures have an increase: there is no order to compare.`
    else if (same) text = `At ${pct} % mismatch the order is the paper's: ${order(ours)}.`
    else {
      const swaps: string[] = []
      for (let i = 0; i < ours.length; i++) {
        for (let j = i + 1; j < ours.length; j++) {
          const a = ours[i]
          const b = ours[j]
          if (paper.indexOf(a) <= paper.indexOf(b)) continue
          // whether the two MSE distributions at this level differ at all (the increase is a ratio of their medians)
          const t = tests.find((x) => x.perturbation === 'mismatch' && x.level === level && x.metric === 'mse' && ((x.a === a && x.b === b) || (x.a === b && x.b === a)))
          const p = t ? `; their MSEs at ${pct} % ${t.p < 0.05 ? 'differ' : 'do not differ significantly'}, p = ${t.p < 0.001 ? t.p.toExponential(1) : t.p.toFixed(3)}` : ''
          swaps.push(`${label(a)} below ${label(b)} (the paper has it above${p})`)
        }
      }
      text = `At ${pct} % mismatch our order differs from the paper's: ours ${order(ours)}, the paper's ${order(paper)}; here ${swaps.join(', ')}.`
    }
    // the commonest reason for another order: a network that did not learn barely reacts to mismatch
    const unlearned = ours.filter((a) => testAccuracy[a] !== undefined && testAccuracy[a] < learnedAccuracy)
    if (unlearned.length && ours.length >= 2) {
      const acc = unlearned.map((a) => `${label(a)} ${Number(testAccuracy[a].toPrecision(3))}`).join(', ')
      text += ` ${unlearned.length === 1 ? 'One architecture' : `${unlearned.length} architectures`} did not learn the task here (median test accuracy ${acc}, below ${learnedAccuracy}): an output that hardly follows the input changes little under mismatch, so ${unlearned.length === 1 ? 'its place' : 'their places'} in this order say${unlearned.length === 1 ? 's' : ''} nothing about robustness.`
    }
    return { level, ours, paper, same, text }
  })
}

/** The summary key of an architecture's MSE increase at a level: `mseIncreasePct.ads.10`. */
export function mseIncreaseKey(architecture: string, level: number): string {
  return `mseIncreasePct.${architecture}.${Math.round(level * 100)}`
}
