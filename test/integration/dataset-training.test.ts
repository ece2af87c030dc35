// Training on a stored dataset (`--data DATASET_RUN`), through the real CLI, worker processes and
// addon: when the dataset's training split holds exactly the samples the generator path draws in its
// one epoch (taskGenerate's trainingEpoch), in that order (--no-shuffle), the teacher and network ADS
// trained on the dataset are bit for bit the ones trained on the generator's fresh samples; the same
// samples in another order give another network; the test score comes from the dataset's test split.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskGenerate } from '../../native/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { storeDataset, type StoredPart } from '../support/datasets.ts'
import { storedArrays } from '../support/stored.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const seed = 5
const nTrain = 24, nVal = 8, nTest = 8
let db: string
let project: number

/** A dataset run of the given parts (in this order) with a split array; returns its id. */
const xorDataset = (store: Store, parts: StoredPart[]): number =>
  storeDataset(store, { projectId: project, name: 'stored xor', params: { task: 'xor', dtMs: 1, durationS: 1 } }, parts)

const run = (args: string[]): Record<string, number> => mimicJson<Record<string, number>>([...args, '--project', String(project), '--seed', String(seed)], { db })

const teacherArrays = ['wIn', 'wRec', 'wOut', 'bias', 'tauMs']
const teacherFlags = ['--units', '8', '--epochs', '1', '--step-size', '3e-3', '--tau-step-unit', 'ms']
const adsFlags = ['--neurons', '40', '--epochs', '1']

let ids: { generated: number; stored: number; reversed: number; shuffled: number; test: Int8Array }

beforeAll(async () => {
  db = tempDb()
  const store = openStore(db)
  try {
    project = store.projects.create('stored data').id
    // the samples the trainers seeded `seed` draw in their first epoch, and other samples for validation and test
    const train = await taskGenerate('xor', { count: nTrain, seed, trainingEpoch: 0 })
    const val = await taskGenerate('xor', { count: nVal, seed: 1001 })
    const test = await taskGenerate('xor', { count: nTest, seed: 1002 })
    const d = xorDataset(store, [{ batch: train, split: 0 }, { batch: val, split: 1 }, { batch: test, split: 2 }])
    const reversedOrder = Array.from({ length: nTrain }, (_, i) => nTrain - 1 - i)
    const dr = xorDataset(store, [{ batch: train, split: 0, order: reversedOrder }, { batch: val, split: 1 }, { batch: test, split: 2 }])
    ids = { generated: 0, stored: d, reversed: dr, shuffled: 0, test: test.labels }
  } finally {
    store.close()
  }
})

afterAll(cleanupTemp)

describe('training on a stored dataset', () => {
  let generated: Record<string, number>, stored: Record<string, number>

  it('trains the teacher on the training split exactly as on the generator draws it holds', () => {
    generated = run(['train', 'teacher', '--task', 'xor', ...teacherFlags, '--samples-per-epoch', String(nTrain), '--validation-samples', String(nVal), '--test-samples', String(nTest)])
    stored = run(['train', 'teacher', '--data', String(ids.stored), '--no-shuffle', ...teacherFlags])
    const a = storedArrays(db, generated.runId, teacherArrays), b = storedArrays(db, stored.runId, teacherArrays)
    expect(b).toEqual(a)
    // the same samples in another order: another teacher (the data path feeds the stored order)
    const reversed = run(['train', 'teacher', '--data', String(ids.reversed), '--no-shuffle', ...teacherFlags])
    expect(storedArrays(db, reversed.runId, ['wOut']).wOut).not.toEqual(a.wOut)
    // shuffled (the default): a seeded order, the same for the same seed
    const s1 = run(['train', 'teacher', '--data', String(ids.stored), ...teacherFlags])
    const s2 = run(['train', 'teacher', '--data', String(ids.stored), ...teacherFlags])
    expect(storedArrays(db, s1.runId, ['wOut']).wOut).toEqual(storedArrays(db, s2.runId, ['wOut']).wOut)
    expect(storedArrays(db, s1.runId, ['wOut']).wOut).not.toEqual(a.wOut)
  })

  it('records the dataset as a parent and scores on its test split', () => {
    const store = openStore(db)
    try {
      const r = store.runs.get(stored.runId)
      expect(r.params).toMatchObject({ task: 'xor', data: ids.stored, shuffle: false })
      expect(store.runs.parents(r.id)).toEqual(expect.arrayContaining([expect.objectContaining({ id: ids.stored, role: 'data' })]))
      // the shown test samples are the first of the dataset's test split
      expect(Array.from(store.artifacts.get(r.id, 'test.labels').data as Int8Array)).toEqual(Array.from(ids.test))
      // the summary says how many it was scored on: the split's, not the (unused) --test-samples default
      expect(r.summary.testSamples).toBe(nTest)
      expect(store.runs.get(generated.runId).summary.testSamples).toBe(nTest)
    } finally {
      store.close()
    }
  })

  it('trains network ADS on the training split exactly as on the generator draws it holds', () => {
    const a = run(['train', 'ads', '--teacher', String(generated.runId), ...adsFlags, '--samples-per-epoch', String(nTrain), '--validation-samples', String(nVal), '--test-samples', String(nTest)])
    // the teacher trained on the dataset: train ads takes its dataset by default
    const b = run(['train', 'ads', '--teacher', String(stored.runId), '--no-shuffle', ...adsFlags])
    const wa = storedArrays(db, a.runId, ['omegaS']).omegaS, wb = storedArrays(db, b.runId, ['omegaS']).omegaS
    expect(wa.some((w) => w !== 0)).toBe(true)
    expect(wb).toEqual(wa)
    const store = openStore(db)
    try {
      expect(store.runs.get(b.runId).summary.dataset).toBe(ids.stored)
      expect(store.runs.get(b.runId).summary.testSamples).toBe(nTest)
    } finally {
      store.close()
    }
  })

  it('refuses a dataset of another task, a run that is not a dataset, and names the field', () => {
    const notDataset = mimic(['--db', db, 'train', 'teacher', '--project', String(project), '--data', String(generated.runId), '--epochs', '1'])
    expect(notDataset.code).not.toBe(0)
    expect(notDataset.stderr).toMatch(/Dataset.*is run \d+ .*a teacher run: choose a dataset run/s)
    const otherTask = mimic(['--db', db, 'train', 'teacher', '--project', String(project), '--task', 'wake-phrase', '--data', String(ids.stored), '--epochs', '1'])
    expect(otherTask.code).not.toBe(0)
    expect(otherTask.stderr).toMatch(/is wake-phrase, but dataset run \d+ \(data\) holds xor samples/)
  })
})
