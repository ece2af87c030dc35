// The statistics of a paper reproduction (src/analysis/comparison.ts) on hand-made trials: pooled
// medians and quartiles per architecture and level, the MSE increases beside the paper's, and the
// sentence that says whether the architectures rank in the paper's order (and which pairs swap).
import { describe, expect, it } from 'vitest'
import { compareArchitectures, comparisonCells, increaseOrdering, mseIncreaseKey, mseIncreases, type ComparisonTrial } from '../../src/analysis/comparison.ts'
import { mannWhitneyU } from '../../src/analysis/stats.ts'
import { comparisonText } from '../../src/shared/jobkinds/reproduce-paper.ts'
import type { ComparisonAnalysis } from '../../src/shared/types.ts'

/** Trials of two networks per architecture: MSE base·(1 + growth·σ) per draw, draws 0..2 scaled 1, 2, 3. */
function trials(growth: Record<string, number>): ComparisonTrial[] {
  const out: ComparisonTrial[] = []
  for (const [architecture, g] of Object.entries(growth)) {
    for (const network of [1, 2]) {
      for (const level of [0, 0.05, 0.1, 0.2]) {
        for (const draw of [1, 2, 3]) {
          out.push({ architecture, network: network + (architecture === 'ads' ? 0 : 10 * Object.keys(growth).indexOf(architecture)), perturbation: 'mismatch', level, accuracy: 1 - level, mse: 0.01 * draw * network * (1 + g * level) })
        }
      }
    }
  }
  return out
}

const levels = { mismatch: [0, 0.05, 0.1, 0.2] }

describe('comparison statistics', () => {
  it('pools every trial of an architecture\'s networks per level, with the paper\'s median beside', () => {
    const t = trials({ ads: 10, force: 40 })
    const cells = comparisonCells(t, ['ads', 'force'], levels)
    expect(cells).toHaveLength(8)
    const c = cells.find((x) => x.architecture === 'ads' && x.level === 0.1)!
    // 6 trials: 0.01·(1, 2, 3, 2, 4, 6)·2 → sorted 0.02, 0.04, 0.04, 0.06, 0.08, 0.12: median 0.05, q1 0.04, q3 0.075 (numpy linear)
    expect(c).toMatchObject({ networks: 2, trials: 6, paperMse: 0.0264, paperAccuracy: null })
    expect(c.medianMse).toBeCloseTo(0.05, 12)
    expect(c.q1Mse).toBeCloseTo(0.04, 12)
    expect(c.q3Mse).toBeCloseTo(0.075, 12)
  })

  it('gives the median MSE increase over σ = 0 per architecture and level, with the paper\'s quoted figures', () => {
    const cells = comparisonCells(trials({ ads: 10, 'bptt-snn': 5, force: 40 }), ['ads', 'bptt-snn', 'force'], levels)
    const inc = mseIncreases(cells, ['ads', 'bptt-snn', 'force'])
    expect(inc.map((m) => [m.architecture, m.level, Math.round(m.oursPct! * 1e6) / 1e6, m.paperPct])).toEqual([
      ['ads', 0.05, 50, 11],
      ['ads', 0.1, 100, 60],
      ['ads', 0.2, 200, 165],
      ['bptt-snn', 0.05, 25, 24],
      ['bptt-snn', 0.1, 50, 51],
      ['bptt-snn', 0.2, 100, 178],
      ['force', 0.05, 200, 49],
      ['force', 0.1, 400, 243],
      ['force', 0.2, 800, 791],
    ])
    expect(mseIncreaseKey('bptt-snn', 0.05)).toBe('mseIncreasePct.bptt-snn.5')
  })

  it('says where the order differs from the paper\'s, which pair swaps and whether their MSEs differ', () => {
    const t = trials({ ads: 10, 'bptt-snn': 5, force: 40 })
    const archs = ['ads', 'bptt-snn', 'force']
    const cells = comparisonCells(t, archs, levels)
    const tests = compareArchitectures(t, archs, levels)
    const order = increaseOrdering(mseIncreases(cells, archs), tests)
    // ours: BPTT < ADS < FORCE at every level; the paper's: ADS < BPTT < FORCE at 5 % and 20 %, BPTT < ADS < FORCE at 10 %
    expect(order.map((o) => [o.level, o.ours.join(' '), o.paper.join(' '), o.same])).toEqual([
      [0.05, 'bptt-snn ads force', 'ads bptt-snn force', false],
      [0.1, 'bptt-snn ads force', 'bptt-snn ads force', true],
      [0.2, 'bptt-snn ads force', 'ads bptt-snn force', false],
    ])
    const p = tests.find((x) => x.level === 0.05 && x.a === 'ads' && x.b === 'bptt-snn' && x.metric === 'mse')!.p
    const adsAt = t.filter((x) => x.architecture === 'ads' && x.level === 0.05).map((x) => x.mse)
    const bpttAt = t.filter((x) => x.architecture === 'bptt-snn' && x.level === 0.05).map((x) => x.mse)
    expect(p).toBe(mannWhitneyU(adsAt, bpttAt).p)
    expect(order[0].text).toBe(
      `At 5 % mismatch our order differs from the paper's: ours BPTT < network ADS < FORCE, the paper's network ADS < BPTT < FORCE; here BPTT below network ADS (the paper has it above; their MSEs at 5 % do not differ significantly, p = ${p.toFixed(3)}).`,
    )
    expect(order[1].text).toBe("At 10 % mismatch the order is the paper's: BPTT < network ADS < FORCE.")
    // an architecture whose networks did not learn the task is named as the likely reason
    const withAccuracy = increaseOrdering(mseIncreases(cells, archs), tests, { ads: 0.99, 'bptt-snn': 0.02, force: 0.9 })
    expect(withAccuracy[0].text).toMatch(/; here BPTT below network ADS .*\. One architecture did not learn the task here \(median test accuracy BPTT 0\.02, below 0\.75\): .* its place in this order says nothing about robustness\.$/)
    expect(withAccuracy[1].text).toMatch(/^At 10 % mismatch the order is the paper's: BPTT < network ADS < FORCE\. One architecture did not learn/)
  })

  it('tests every two architectures at every level for MSE and accuracy', () => {
    const tests = compareArchitectures(trials({ ads: 10, force: 40, reservoir: 100 }), ['ads', 'force', 'reservoir'], levels)
    expect(tests).toHaveLength(4 * 3 * 2)
    expect(tests.every((x) => x.n1 === 6 && x.n2 === 6)).toBe(true)
  })

  it('prints the MSE increases as a table whose columns hold their widest cell (the reservoir\'s are 5-6 digits wide)', () => {
    const archs = ['ads', 'force', 'reservoir']
    const cells = comparisonCells(trials({ ads: 10, force: 40, reservoir: 100000 }), archs, levels)
    const mseIncrease = mseIncreases(cells, archs)
    const a = { runId: 7, params: {}, architectures: archs, perturbations: ['mismatch'], parts: [], cells, tests: [], mseIncrease, ordering: [], refused: [] } as unknown as ComparisonAnalysis
    const lines = comparisonText(a).split('\n')
    const table = lines.slice(1, 5)
    expect(table[0]).toMatch(/^  median MSE increase under mismatch, ours \(paper\): +5 % +10 % +20 %$/)
    expect(table.slice(1).map((l) => l.trim().split(/ {2,}/)[0])).toEqual(archs)
    // each level's column starts at the same place in every line, after at least three spaces
    for (const level of ['5 %', '10 %', '20 %']) {
      const at = table[0].indexOf(` ${level}`) + 1
      for (const row of table.slice(1)) {
        expect(row.slice(at - 3, at), row).toBe('   ')
        expect(row[at], row).toMatch(/[+-]/)
      }
    }
    expect(table[3]).toMatch(/\+\d{6} % \(\+7862 %\*\)/)
    expect(lines[5]).toBe('  * computed from the paper’s medians (it quotes no increase for the reservoir)')
  })
})
