// Neuron death on the wake phrase, EBN against no-EBN (issue 12; README "Robustness", docs/method.md
// §10): per seed, `mimic reproduce wake-phrase --seed S --epoch-fraction 1` (the corpus, the teacher and
// the EBN network at today's fast-weight scale), then from the same teacher network ADS with the
// authors' fast-weight scale and without fast weights (--no-ebn), the same seed and flags; then
// `mimic robustness --perturbation death --levels 0,0.1,0.2 --draws 10 --recalibrate-gain
// --validation-samples 120 --validation-draws 3` on the corpus's test split (gain on its validation split).
// The authors'-scale network takes --eta 1e-5 (the task's 3e-5 ran away in its first epoch).
// Expected, from four measurements on 2026-12-05 at the former defaults (constant η 1e-5, smaller corpora:
// seeds 1, 2, 3 in one database, and this test's own run of seed 1) and three at today's (seeds 1, 2, 3,
// README "Robustness"): at 20 % death the authors'-scale EBN network's median accuracy is at least 0.05
// above no-EBN's (0.075 / 0.167 / 0.129 / 0.058; today 0.258 / 0.217 / 0.229) and at 10 % or 20 % the
// two-sided Mann-Whitney p is below 0.05 (smallest p 2.3e-4 / 0.0044 / 0.001 / 0.019; today 5e-4 /
// 0.0029 / 0.019); intact, the two are within 0.05 of each other at the former defaults and 0.037-0.067
// apart today (0.808 against 0.875 on seed 1), so the test allows 0.1. `npm run test:slow` (MIMIC_DEATH_SEEDS="1"; e.g. "1,2,3").
import { afterAll, describe, expect, it } from 'vitest'
import { mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const seeds = (process.env.MIMIC_DEATH_SEEDS ?? '1').split(',').map(Number)
interface Summary { network: number; level: number; medianAccuracy: number; q1Accuracy: number; q3Accuracy: number }
interface Comparison { a: number; b: number; level: number; metric: string; p: number }
const lines: string[] = []

afterAll(() => {
  console.log(lines.join('\n'))
  cleanupTemp()
})

describe('wake phrase: neuron death, EBN (authors\' scale) against no-EBN', () => {
  for (const seed of seeds) {
    it(`seed ${seed}`, { timeout: 3 * 60 * 60_000 }, () => {
      const db = tempDb()
      const json = <T>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 3 * 60 * 60_000 })
      const repro = json<{ teacherRunId: number; adsRunId: number; datasetRunId: number }>(['reproduce', 'wake-phrase', '--seed', String(seed), '--epoch-fraction', '1'])
      const ads = ['train', 'ads', '--project', '1', '--teacher', String(repro.teacherRunId), '--seed', String(seed), '--epoch-fraction', '1']
      // at the authors' scale the task's η (3e-5, decaying) ran away in epoch 1 (seed 1, 2026-12-05); 1e-5 decaying did not
      const authors = json<{ id: number }>([...ads, '--fast-weight-scale', 'authors', '--eta', '1e-5']).id
      const noEbn = json<{ id: number }>([...ads, '--no-ebn']).id
      const a = json<{ summary: Summary[]; comparisons: Comparison[] }>([
        'robustness', '--project', '1', '--networks', `${repro.adsRunId},${authors},${noEbn}`, '--data', String(repro.datasetRunId), '--split', 'test', '--samples', '120',
        '--perturbation', 'death', '--levels', '0,0.1,0.2', '--draws', '10', '--seed', '1', '--recalibrate-gain', '--validation-samples', '120', '--validation-draws', '3',
      ])
      const at = (net: number, level: number) => a.summary.find((s) => s.network === net && s.level === level)!
      const p = (level: number) => a.comparisons.find((c) => c.metric === 'accuracy' && c.level === level && [c.a, c.b].includes(authors) && [c.a, c.b].includes(noEbn))!.p
      for (const level of [0, 0.1, 0.2]) {
        const cell = (n: number) => `${at(n, level).medianAccuracy.toFixed(3)} [${at(n, level).q1Accuracy.toFixed(3)}, ${at(n, level).q3Accuracy.toFixed(3)}]`
        lines.push(`seed ${seed}, death ${level}: tau-mem ${cell(repro.adsRunId)}, authors ${cell(authors)}, no-EBN ${cell(noEbn)}; p authors vs no-EBN ${p(level).toPrecision(2)}`)
      }
      expect(Math.abs(at(authors, 0).medianAccuracy - at(noEbn, 0).medianAccuracy)).toBeLessThanOrEqual(0.1)
      expect(at(authors, 0.2).medianAccuracy).toBeGreaterThanOrEqual(at(noEbn, 0.2).medianAccuracy + 0.05)
      expect(Math.min(p(0.1), p(0.2))).toBeLessThan(0.05)
    })
  }
})
