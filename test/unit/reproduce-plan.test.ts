// The paper reproduction's progress follows its work: each part's share is its estimated seconds
// (src/jobs/kinds/reproduce-paper.ts partSeconds, from the job kinds' own estimates), here against the
// times measured for the full-size run (README, "The paper's comparison": network ADS pipelines 60-80 s,
// BPTT 35-40 s, one network's sweep under mismatch 5-10 s on these 2-core machines).
import { afterAll, expect, test } from 'vitest'
import { partSeconds } from '../../src/jobs/kinds/reproduce-paper.ts'
import { pipelineParams, reproducePaperParams } from '../../src/shared/jobkinds/index.ts'
import { openStore } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

test('at the paper\'s defaults a network is estimated at tens of seconds and a sweep at seconds, not one part each', () => {
  const store = openStore(tempDb())
  try {
    const p = reproducePaperParams.parse({ task: 'xor' }, 'params')
    const cost = partSeconds(store, p)
    const ads = cost.network(pipelineParams.parse({ task: 'xor', architecture: 'ads', seed: 1 }, 'params') as Record<string, unknown>)
    expect(ads).toBeGreaterThan(30)
    expect(ads).toBeLessThan(300)
    const sweep = cost.sweep(320, { perturbation: 'mismatch', levels: [0, 0.05, 0.1, 0.2], draws: 10, samples: 200 })
    expect(sweep).toBeGreaterThan(2)
    expect(sweep).toBeLessThan(60)
    // recalibrating adds the validation chips' samples: 5 × 100 per level beside 10 × 200
    const recal = cost.sweep(320, { perturbation: 'mismatch', levels: [0, 0.05, 0.1, 0.2], draws: 10, samples: 200, recalibrateGain: true, validationSamples: 100, validationDraws: 5 })
    expect(recal).toBeGreaterThan(sweep)
    expect(recal).toBeLessThan(sweep * 1.3)
  } finally {
    store.close()
  }
})
