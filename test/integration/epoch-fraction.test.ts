// `--epoch-fraction F` (docs/method.md §5: the paper's epochs visited 10 % of the training set), through
// the real CLI and addon on stored XOR datasets: with --no-shuffle, epoch e of the teacher trains on the
// F·n consecutive training samples from e·F·n on, so two epochs at F = 1/4 of a 24-sample split are bit
// for bit one epoch over its first 12 samples; network ADS at F = 1/2 is bit for bit one epoch over the
// first half; shuffled, an epoch takes the first F·n of its seeded order (another network than all of
// it). The wake phrase's method default for network ADS is 1, not the paper's 0.1 (docs/method.md §5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskGenerate, type TaskBatch } from '../../native/index.ts'
import { methodDefaultsOf } from '../../src/shared/jobkinds/index.ts'
import { loadDatasetSplits } from '../../src/plugins/datasets.ts'
import { reservoirTrainingSamples } from '../../src/jobs/kinds/train-baselines.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { firstSamples, storeDataset, type SampleBatch } from '../support/datasets.ts'
import { storedArrays } from '../support/stored.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const seed = 6
let db: string
let project: number
let whole = 0
let half = 0
let val: TaskBatch
let test: TaskBatch

/** A dataset run: the first `nTrain` samples of `train` as its training split, then validation and test. */
const xorDataset = (store: Store, train: SampleBatch, nTrain: number): number =>
  storeDataset(store, { projectId: project, name: `xor ${nTrain}`, params: { task: 'xor', dtMs: 1, durationS: 1 } }, [
    { batch: train, order: firstSamples(nTrain), split: 0 },
    { batch: val, split: 1 },
    { batch: test, split: 2 },
  ])

const run = (args: string[]): Record<string, number> => mimicJson<Record<string, number>>([...args, '--project', String(project), '--seed', String(seed)], { db })

const teacherArrays = ['wIn', 'wRec', 'wOut', 'bias', 'tauMs']
const teacherFlags = ['--units', '8', '--step-size', '3e-3', '--tau-step-unit', 'ms', '--no-keep-best', '--no-shuffle']

beforeAll(async () => {
  db = tempDb()
  const store = openStore(db)
  try {
    project = store.projects.create('epoch fraction').id
    const train = await taskGenerate('xor', { count: 24, seed: 11 })
    val = await taskGenerate('xor', { count: 6, seed: 12 })
    test = await taskGenerate('xor', { count: 6, seed: 13 })
    whole = xorDataset(store, train, 24)
    half = xorDataset(store, train, 12)
  } finally {
    store.close()
  }
})

afterAll(cleanupTemp)

describe('--epoch-fraction', () => {
  let halfTeacher = 0

  it('teacher: two epochs at 1/4 of the split are one epoch over its first half, bit for bit', () => {
    const quarter = run(['train', 'teacher', '--data', String(whole), '--epoch-fraction', '0.25', '--epochs', '2', ...teacherFlags])
    const ref = run(['train', 'teacher', '--data', String(half), '--epochs', '1', ...teacherFlags])
    halfTeacher = ref.runId
    expect(storedArrays(db, quarter.runId, teacherArrays)).toEqual(storedArrays(db, ref.runId, teacherArrays))
    // the whole split (the default fraction, 1) in two epochs trains on other samples: another teacher
    const all = run(['train', 'teacher', '--data', String(whole), '--epochs', '2', ...teacherFlags])
    expect(storedArrays(db, all.runId, ['wOut']).wOut).not.toEqual(storedArrays(db, ref.runId, ['wOut']).wOut)
    const store = openStore(db)
    try {
      expect(store.runs.get(quarter.runId).params).toMatchObject({ epochFraction: 0.25, data: whole })
      expect(store.runs.get(all.runId).params).toMatchObject({ epochFraction: 1 })
    } finally {
      store.close()
    }
  })

  it('network ADS: one epoch at 1/2 of the split is one epoch over its first half, bit for bit; shuffled, another', () => {
    const flags = ['--teacher', String(halfTeacher), '--neurons', '40', '--epochs', '1']
    const a = run(['train', 'ads', '--data', String(whole), '--epoch-fraction', '0.5', '--no-shuffle', ...flags])
    const b = run(['train', 'ads', '--data', String(half), '--no-shuffle', ...flags])
    const wa = storedArrays(db, a.runId, ['omegaS']).omegaS
    expect(wa.some((w) => w !== 0)).toBe(true)
    expect(wa).toEqual(storedArrays(db, b.runId, ['omegaS']).omegaS)
    const shuffled = run(['train', 'ads', '--data', String(whole), '--epoch-fraction', '0.5', ...flags])
    expect(storedArrays(db, shuffled.runId, ['omegaS']).omegaS).not.toEqual(wa)
  })

  it('refuses a fraction outside (0, 1] at its flag', () => {
    const r = mimic(['--db', db, 'train', 'teacher', '--project', String(project), '--data', String(whole), '--epoch-fraction', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--epoch-fraction|epochFraction/)
  })

  it("is the whole split (1) for network ADS on the wake phrase (the task's method settings; measured, docs/method.md §5)", () => {
    expect(methodDefaultsOf('train.ads', 'wake-phrase').epochFraction).toBe(1)
    expect(methodDefaultsOf('pipeline', 'wake-phrase').epochFraction).toBe(1)
  })
})

// The baselines (docs/method.md §13: the paper's BPTT network trained on 10 % of the data per epoch):
// FORCE and BPTT train each epoch on the first F·n of that epoch's seeded order; the reservoir, fitted
// once, on the first F·n of a seeded order of the training split.
describe('--epoch-fraction on the baselines', () => {
  it('reservoir: at 1/2 it is bit for bit the reservoir fitted on the dataset of those 12 training samples', () => {
    const a = run(['train', 'reservoir', '--data', String(whole), '--epoch-fraction', '0.5', '--neurons', '30'])
    const all = run(['train', 'reservoir', '--data', String(whole), '--neurons', '30'])
    const store = openStore(db)
    let subset = 0
    try {
      const train = loadDatasetSplits(store, whole).train
      const picked = reservoirTrainingSamples(train, 12, seed)
      expect(picked.samples).toBe(12)
      subset = xorDataset(store, picked, 12)
      expect(store.runs.get(a.runId).params).toMatchObject({ epochFraction: 0.5, data: whole })
    } finally {
      store.close()
    }
    const b = run(['train', 'reservoir', '--data', String(subset), '--neurons', '30'])
    const wa = storedArrays(db, a.runId, ['wOut']).wOut
    expect(wa).toEqual(storedArrays(db, b.runId, ['wOut']).wOut)
    expect(wa).not.toEqual(storedArrays(db, all.runId, ['wOut']).wOut)
  })

  it('FORCE and BPTT: a fraction below 1 trains another network than the whole split; 1 is the default', () => {
    const force = ['train', 'force', '--data', String(whole), '--neurons', '30', '--epochs', '1']
    const bptt = ['train', 'bptt-snn', '--data', String(whole), '--layer1', '12', '--layer2', '12', '--epochs', '1', '--batch-size', '4']
    for (const [cmd, name] of [[force, 'wOut'], [bptt, 'wRec']] as const) {
      const part = run([...cmd, '--epoch-fraction', '0.5'])
      const one = run([...cmd, '--epoch-fraction', '1'])
      const dflt = run([...cmd])
      const w = storedArrays(db, part.runId, [name])[name]
      expect(w).not.toEqual(storedArrays(db, one.runId, [name])[name])
      expect(storedArrays(db, one.runId, [name])[name]).toEqual(storedArrays(db, dflt.runId, [name])[name])
      const store = openStore(db)
      try {
        expect(store.runs.get(part.runId).params).toMatchObject({ epochFraction: 0.5 })
        expect(store.runs.get(dflt.runId).params).toMatchObject({ epochFraction: 1 })
      } finally {
        store.close()
      }
    }
  })
})
