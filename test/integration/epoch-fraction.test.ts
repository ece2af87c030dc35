// `--epoch-fraction F` (docs/method.md §5: the paper's epochs visited 10 % of the training set), through
// the real CLI and addon on stored XOR datasets: with --no-shuffle, epoch e of the teacher trains on the
// F·n consecutive training samples from e·F·n on, so two epochs at F = 1/4 of a 24-sample split are bit
// for bit one epoch over its first 12 samples; network ADS at F = 1/2 is bit for bit one epoch over the
// first half; shuffled, an epoch takes the first F·n of its seeded order (another network than all of
// it). The wake phrase's method default is the paper's 0.1 for network ADS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskGenerate, type TaskBatch } from '../../native/index.ts'
import { methodDefaultsOf } from '../../src/shared/jobkinds/index.ts'
import { datasetArtifacts } from '../../src/plugins/datasets.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { storedArrays } from '../support/stored.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const seed = 6
let db: string
let project: number
let whole = 0
let half = 0

/** A dataset run: the first `nTrain` samples of `train` as its training split, then validation and test. */
function storeDataset(store: Store, train: TaskBatch, nTrain: number, val: TaskBatch, test: TaskBatch): number {
  const T = train.steps
  const parts = [
    { b: train, n: nTrain, split: 0 },
    { b: val, n: val.count, split: 1 },
    { b: test, n: test.count, split: 2 },
  ]
  const n = parts.reduce((s, p) => s + p.n, 0)
  const inputs = new Float32Array(n * T), targets = new Float32Array(n * T), labels = new Int8Array(n), split = new Int8Array(n)
  let k = 0
  for (const p of parts)
    for (let i = 0; i < p.n; i++, k++) {
      inputs.set(p.b.inputs.subarray(i * T, (i + 1) * T), k * T)
      targets.set(p.b.targets.subarray(i * T, (i + 1) * T), k * T)
      labels[k] = p.b.labels[i]
      split[k] = p.split
    }
  const run = store.runs.create({ projectId: project, kind: 'dataset', name: `xor ${nTrain}`, params: { task: 'xor', dtMs: 1, durationS: 1 }, seed: null, codeVersion: 'test', host: 'test', status: 'succeeded' })
  store.artifacts.put(run.id, [...datasetArtifacts({ inputs, targets, labels, samples: n, steps: T, channels: 1, outputs: 1 }), { name: 'split', data: split, shape: [n] }])
  return run.id
}

const run = (args: string[]): Record<string, number> => mimicJson<Record<string, number>>([...args, '--project', String(project), '--seed', String(seed)], { db })

const arrays = (runId: number, names: string[]): Record<string, number[]> => storedArrays(db, runId, names)

const teacherArrays = ['wIn', 'wRec', 'wOut', 'bias', 'tauMs']
const teacherFlags = ['--units', '8', '--step-size', '3e-3', '--tau-step-unit', 'ms', '--no-keep-best', '--no-shuffle']

beforeAll(async () => {
  db = tempDb()
  const store = openStore(db)
  try {
    project = store.projects.create('epoch fraction').id
    const train = await taskGenerate('xor', { count: 24, seed: 11 })
    const val = await taskGenerate('xor', { count: 6, seed: 12 })
    const test = await taskGenerate('xor', { count: 6, seed: 13 })
    whole = storeDataset(store, train, 24, val, test)
    half = storeDataset(store, train, 12, val, test)
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
    expect(arrays(quarter.runId, teacherArrays)).toEqual(arrays(ref.runId, teacherArrays))
    // the whole split (the default fraction, 1) in two epochs trains on other samples: another teacher
    const all = run(['train', 'teacher', '--data', String(whole), '--epochs', '2', ...teacherFlags])
    expect(arrays(all.runId, ['wOut']).wOut).not.toEqual(arrays(ref.runId, ['wOut']).wOut)
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
    const wa = arrays(a.runId, ['omegaS']).omegaS
    expect(wa.some((w) => w !== 0)).toBe(true)
    expect(wa).toEqual(arrays(b.runId, ['omegaS']).omegaS)
    const shuffled = run(['train', 'ads', '--data', String(whole), '--epoch-fraction', '0.5', ...flags])
    expect(arrays(shuffled.runId, ['omegaS']).omegaS).not.toEqual(wa)
  })

  it('refuses a fraction outside (0, 1] at its flag', () => {
    const r = mimic(['--db', db, 'train', 'teacher', '--project', String(project), '--data', String(whole), '--epoch-fraction', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--epoch-fraction|epochFraction/)
  })

  it("is the paper's 0.1 for network ADS on the wake phrase (the task's method settings)", () => {
    expect(methodDefaultsOf('train.ads', 'wake-phrase').epochFraction).toBe(0.1)
    expect(methodDefaultsOf('pipeline', 'wake-phrase').epochFraction).toBe(0.1)
  })
})
