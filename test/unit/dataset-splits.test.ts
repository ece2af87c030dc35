// A stored dataset run's splits (src/plugins/datasets.ts), on a real SQLite file: every reader of them
// (the split sizes a robustness run checks first, the parts it scores, the trainers' three splits)
// takes the same samples, and all refuse a split array whose length is not the run's samples.
import { afterAll, describe, expect, it } from 'vitest'
import { taskGenerate } from '../../native/index.ts'
import { robustness } from '../../src/jobs/kinds/robustness.ts'
import { loadDatasetParts, loadDatasetSplits, splitSizes } from '../../src/plugins/datasets.ts'
import { openStore } from '../../src/store/index.ts'
import { storeDataset } from '../support/datasets.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

const run = { projectId: 1, name: 'xor', params: { task: 'xor', dtMs: 1, durationS: 1 } }

describe('dataset splits', () => {
  it('the split sizes, the parts and the three splits agree: the split array where it names one, the rest 60/20/20', async () => {
    const store = openStore(tempDb())
    try {
      store.projects.create('splits')
      const batch = await taskGenerate('xor', { count: 20, seed: 3 })
      // 4 samples named test, 16 left to assign (−1): 10 training, 3 validation and 3 test of them
      const id = storeDataset(store, run, [
        { batch, order: [0, 1, 2, 3], split: 2 },
        { batch, order: Array.from({ length: 16 }, (_, i) => 4 + i), split: -1 },
      ])
      const sp = loadDatasetSplits(store, id)
      expect(sp.assigned).toBe(16)
      expect(splitSizes(store, id)).toEqual([sp.train.samples, sp.validation.samples, sp.test.samples])
      expect(splitSizes(store, id)).toEqual([10, 3, 7])
      const [test, validation] = loadDatasetParts(store, id, [[2, 5], [1, 3]])
      expect(Array.from(test.inputs)).toEqual(Array.from(sp.test.inputs.subarray(0, 5 * sp.test.steps)))
      expect(Array.from(validation.inputs)).toEqual(Array.from(sp.validation.inputs))
    } finally {
      store.close()
    }
  })

  it('a split array of another length than the samples is refused by every reader, the robustness precheck included', async () => {
    const store = openStore(tempDb())
    try {
      store.projects.create('splits')
      const batch = await taskGenerate('xor', { count: 10, seed: 3 })
      const id = storeDataset(store, run, [{ batch }])
      store.artifacts.put(id, [{ name: 'split', data: new Int8Array(7), shape: [7] }])
      const refusal = new RegExp(`^Dataset run ${id} has a split array of 7 entries for 10 samples; re-import or regenerate it\\.$`)
      expect(() => splitSizes(store, id)).toThrow(refusal)
      expect(() => loadDatasetParts(store, id, [[2, 1]])).toThrow(refusal)
      expect(() => loadDatasetSplits(store, id)).toThrow(new RegExp(`^data: dataset run ${id} has a split array of 7 entries for 10 samples; re-import or regenerate it\\.$`))
      // a robustness run on its test split is refused before it is stored, not when it runs
      expect(() => robustness.precheck(store, { networks: [id], dataset: id, perturbation: 'death', levels: [0], split: 'test', samples: 1 })).toThrow(refusal)
    } finally {
      store.close()
    }
  })
})
