// The statistics of a robustness run from its trials (src/analysis/robustness.ts), the perturbation
// data the job kinds check levels with (src/shared/perturbations.ts), and the sweep's seeds and gain
// grid (src/plugins/robustness.ts), on hand-made rows whose answers are known.
import { describe, expect, it } from 'vitest'
import { chipYield, compareLevels, compareNetworks, summarise, type TrialRow } from '../../src/analysis/robustness.ts'
import { formatLevel, levelOrder, levelsProblem } from '../../src/shared/perturbations.ts'
import { chipSeed, gainGrid, trialSeed } from '../../src/plugins/robustness.ts'
import { analysisText } from '../../src/shared/jobkinds/robustness.ts'
import type { RobustnessAnalysis } from '../../src/shared/types.ts'

function rows(network: number, architecture: string, variant: string | null, level: number, accuracies: number[], mses: number[]): TrialRow[] {
  return accuracies.map((accuracy, draw) => ({ network, architecture, variant, level, draw, accuracy, mse: mses[draw], teacherAgreement: null }))
}

describe('robustness statistics', () => {
  // Shier (2004), scipy's mannwhitneyu example: males [19, 22, 16, 29, 24], females [20, 11, 17, 12]: U = 17, exact p = 1/9
  const males = [19, 22, 16, 29, 24]
  const females = [20, 11, 17, 12]
  const trials = [
    ...rows(1, 'ads', 'ebn', 0, [1, 1, 1, 1, 1], males),
    ...rows(2, 'ads', 'no-ebn', 0, [0.5, 0.5, 0.5, 0.5], females),
    ...rows(3, 'ads', 'ebn', 0, [0.9, 0.9, 0.9], [1, 2, 3]),
    ...rows(1, 'ads', 'ebn', 0.1, [0.8, 0.6, 0.7, 0.9, 1], [0.1, 0.2, 0.3, 0.4, 0.5]),
  ]

  it('median, quartiles (numpy linear) and extremes per network and level, in the order the rows give', () => {
    const s = summarise(trials, 0.75)
    expect(s.map((x) => [x.network, x.level])).toEqual([
      [1, 0],
      [1, 0.1],
      [2, 0],
      [3, 0],
    ])
    const first = s[0]
    // males sorted: 16 19 22 24 29 → q1 19, median 22, q3 24
    expect(first).toMatchObject({ draws: 5, medianMse: 22, q1Mse: 19, q3Mse: 24, minMse: 16, maxMse: 29, medianAccuracy: 1, medianAgreement: null })
    // 0.6 0.7 0.8 0.9 1 at least 0.75: 3 of 5
    expect(s[1].yield).toMatchObject({ chips: 5, passed: 3, yield: 0.6 })
    expect(s[1].q1Accuracy).toBeCloseTo(0.7, 12)
  })

  it('Mann-Whitney U between networks of different architectures or variants only, per level and metric', () => {
    const c = compareNetworks(trials)
    // 1 (ebn) vs 2 (no-ebn) and 2 vs 3 (ebn) at level 0; 1 and 3 are both ads/ebn: not compared; level 0.1 has one network
    expect(c.map((x) => [x.a, x.b, x.level, x.metric])).toEqual([
      [1, 2, 0, 'accuracy'],
      [1, 2, 0, 'mse'],
      [2, 3, 0, 'accuracy'],
      [2, 3, 0, 'mse'],
    ])
    const mse = c[1]
    expect(mse.u).toBe(17)
    expect(mse.method).toBe('exact')
    expect(mse.p).toBeCloseTo(1 / 9, 12)
    expect([mse.medianA, mse.medianB]).toEqual([22, 14.5])
  })

  it('between levels of each network', () => {
    const c = compareLevels(trials)
    expect(c.map((x) => [x.network, x.a, x.b, x.metric])).toEqual([
      [1, 0, 0.1, 'accuracy'],
      [1, 0, 0.1, 'mse'],
    ])
    // 5 against 5 fully separated MSEs: exact two-sided p = 2/C(10,5) = 2/252
    expect(c[1].p).toBeCloseTo(2 / 252, 12)
  })

  it('chip yield with its Clopper-Pearson interval (closed form at n of n: [(α/2)^(1/n), 1])', () => {
    const y = chipYield([1, 1, 1, 1, 1, 1, 1, 1], 0.9)
    expect(y).toMatchObject({ chips: 8, passed: 8, yield: 1 })
    expect(y.ci95[0]).toBeCloseTo(0.025 ** (1 / 8), 10)
    expect(y.ci95[1]).toBe(1)
    expect(chipYield([0.5, 0.95], 0.9).passed).toBe(1)
  })
})

describe('perturbation levels', () => {
  it('refuses levels that do not fit, naming the level and the fix', () => {
    expect(levelsProblem('mismatch', [0, 0.05, 0.1])).toBeNull()
    expect(levelsProblem('mismatch', [0, 10])).toMatch(/^level 2 \(10\) is above the largest accepted, 2 .*give 0\.05 for 5 %/)
    expect(levelsProblem('quantisation', [4, 2.5])).toMatch(/^level 2 \(2\.5\) must be a whole number of bits/)
    expect(levelsProblem('death', [0.1, 0.1])).toMatch(/given twice/)
    expect(levelsProblem('death', [-0.1])).toMatch(/must be a number ≥ 0/)
  })

  it('plots level 0 first, then more perturbed to the right (fewer bits for quantisation)', () => {
    expect(levelOrder('mismatch', [0.2, 0, 0.05])).toEqual([0, 0.05, 0.2])
    expect(levelOrder('quantisation', [2, 8, 0, 4])).toEqual([0, 8, 4, 2])
    expect([formatLevel('mismatch', 0.05), formatLevel('quantisation', 0), formatLevel('quantisation', 1), formatLevel('death', 0.4)]).toEqual(['5 %', 'full precision', '1 bit', '40 %'])
  })
})

describe('sweep seeds and gains', () => {
  it('a trial seed depends on every part of its key, and on nothing else', () => {
    const s = trialSeed(1, 5, 'mismatch', 0.1, 3)
    expect(trialSeed(1, 5, 'mismatch', 0.1, 3)).toBe(s)
    const others = [trialSeed(2, 5, 'mismatch', 0.1, 3), trialSeed(1, 6, 'mismatch', 0.1, 3), trialSeed(1, 5, 'noise', 0.1, 3), trialSeed(1, 5, 'mismatch', 0.2, 3), trialSeed(1, 5, 'mismatch', 0.1, 4)]
    expect(new Set([s, ...others]).size).toBe(6)
    expect(chipSeed(1, 5)).not.toBe(chipSeed(1, 6))
    for (const v of [s, ...others]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true)
  })

  it('151 gains from 0.5 to 5.5, 1 among them', () => {
    const g = gainGrid()
    expect(g).toHaveLength(151)
    expect(g[0]).toBe(0.5)
    expect(g[150]).toBeCloseTo(5.5, 12)
    expect(g.filter((x) => Math.abs(x - 1) < 1e-12)).toHaveLength(1)
  })
})

describe('the analysis as the command line prints it', () => {
  it('keeps every column as wide as its widest cell: a seven-digit MSE does not run into the draws, the yield has its own column', () => {
    const trials = [...rows(3, 'rate', null, 0, [1, 1], [0.0002008, 0.0002008]), ...rows(4, 'ads', 'ebn', 0.2, [0.5, 0.55], [2.5, 9.07])]
    const summary = summarise(trials, 0.9)
    const a = { runId: 6, perturbation: 'mismatch', rows: trials, draws: 2, samples: 200, networks: [{ id: 3, architecture: 'rate', variant: null }, { id: 4, architecture: 'ads', variant: 'ebn' }], summary, comparisons: [], levelComparisons: [] } as unknown as RobustnessAnalysis
    const table = analysisText(a).split('\n').slice(1, 4)
    const header = table[0]
    expect(header.trim().split(/ {2,}/)).toEqual(['network', 'level', 'accuracy median [q1, q3]', 'MSE median [q1, q3]', 'draws', 'yield [95 % CI]'])
    // every row's cells start where their header's do
    const starts = (line: string): number[] => [...line.matchAll(/(?<=^ {2}| {2,})\S/g)].map((m) => m.index)
    for (const line of table.slice(1)) expect(starts(line), line).toEqual(starts(header))
    expect(table[1]).toContain('0.0002008 [0.0002008, 0.0002008]')
    expect(table[2].trim().split(/ {2,}/).at(-1)).toMatch(/^0 \[0, 0\.\d+\]$/)
  })
})
