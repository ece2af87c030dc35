// `mimic reproduce wake-phrase` at a tiny size, through the real CLI, worker processes, speech
// synthesis and addon: corpus → teacher → network ADS → test as linked runs, both networks trained on
// the corpus's training split, the decision boundary fitted on its validation split and stored with
// each network (the one eval, robustness and hil read), the test on its test split with false accepts
// and rejects. The full-size run is `npm run test:slow` / bench (README "Slow reproductions").
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskScore } from '../../native/index.ts'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { loadDatasetSplits } from '../../src/plugins/datasets.ts'
import { simulator } from '../../src/plugins/targets/simulator.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const tiny = ['--dataset-samples', '20', '--teacher-units', '8', '--teacher-epochs', '2', '--neurons', '32', '--epochs', '1']
let db: string
let result: Record<string, number>
let stderr = ''

beforeAll(() => {
  db = tempDb()
  const r = mimic(['--db', db, '--json', 'reproduce', 'wake-phrase', '--seed', '4', ...tiny], { timeoutMs: 300_000 })
  if (r.code !== 0) throw new Error(`reproduce wake-phrase failed: ${r.stderr}`)
  result = JSON.parse(r.stdout)
  stderr = r.stderr
}, 300_000)

afterAll(cleanupTemp)

describe('mimic reproduce wake-phrase (tiny)', () => {
  it('prints the headline numbers, the run ids and the false accepts and rejects', () => {
    for (const key of ['teacherTestAccuracy', 'adsTestAccuracy', 'reconstructionError', 'meanRateHz', 'wallSeconds', 'teacherRunId', 'adsRunId', 'testRunId', 'datasetRunId', 'falseAccepts', 'falseRejects', 'adsBoundary', 'teacherBoundary']) {
      expect(typeof result[key], key).toBe('number')
    }
    // 20 samples: 12 training, 4 validation, 4 test (docs/method.md §2.2)
    expect(result.testSamples).toBe(4)
    expect(result.adsTestUndecided).toBe(0)
    expect((result.falseAccepts + result.falseRejects) / result.testSamples).toBeCloseTo(1 - result.adsTestAccuracy, 12)
    // stored with the pipeline run, the teacher's too: the wake phrase is a detection (TaskDescriptor.detection)
    const store = openStore(db)
    try {
      const summary = store.runs.get(result.pipelineRunId).summary
      expect(summary).toMatchObject({ falseAccepts: result.falseAccepts, falseRejects: result.falseRejects })
      expect([Number.isInteger(summary.teacherFalseAccepts), Number.isInteger(summary.teacherFalseRejects)]).toEqual([true, true])
    } finally {
      store.close()
    }
  })

  it('reports the corpus stage\'s progress while it synthesises the samples', () => {
    expect(stderr).toMatch(/^\[dataset\] \d+% synthesised \d+ of 20 samples/m)
    // one bar over every stage: it never goes back, never past 100 %, and the stages' shares add up to
    // it (a line per 10 %: most tens are shown, not a bar stuck at 100 % from the network's stage on)
    const percents = [...stderr.matchAll(/^\[\w+\] (\d+)% /gm)].map((m) => Number(m[1]))
    expect(new Set(percents.map((p) => Math.floor(p / 10))).size).toBeGreaterThanOrEqual(7)
    for (let i = 1; i < percents.length; i++) expect(percents[i], `progress line ${i}`).toBeGreaterThanOrEqual(percents[i - 1])
    expect(Math.max(...percents)).toBeLessThanOrEqual(100)
  })

  it('links the stages: the corpus is the data of both networks, the method settings of the task are the defaults', () => {
    const store = openStore(db)
    try {
      const stages = store.runs.children(result.pipelineRunId)
      expect(stages.map((s) => s.kind)).toEqual(['dataset', 'teacher', 'ads', 'evaluation'])
      const dataset = store.runs.get(result.datasetRunId)
      expect(dataset.params).toMatchObject({ task: 'wake-phrase', count: 20, seed: 4 })
      const teacher = store.runs.get(result.teacherRunId)
      expect(teacher.params).toMatchObject({ task: 'wake-phrase', data: result.datasetRunId, units: 8, lambdaMse: 1, stepSize: 1e-3, stepSizeSchedule: 'cosine', stepSizeFloor: 0.05 })
      expect(store.runs.parents(teacher.id).map((p) => [p.id, p.role])).toContainEqual([result.datasetRunId, 'data'])
      const ads = store.runs.get(result.adsRunId)
      // wake-phrase method settings (docs/method.md §5) where no flag was given
      expect(ads.params).toMatchObject({ data: result.datasetRunId, neurons: 32, kSchedule: 'staircase', k: 200, eta: 3e-5, etaSchedule: 'decay', etaDecayFraction: 1, etaFloor: 1e-7, fastGain: 1.5, fastWeightScale: 'tau-mem', inputGain: 1000, selection: 'accuracy', epochFraction: 1 })
      expect(ads.params).not.toHaveProperty('etaDecaySamples')
      // η falls 100-fold over the whole training, whatever its size: 1 epoch of the 12 training samples
      // gives b = round(12 / ln 100) = 3 samples (977 for the default corpus's 5 × 900); the epoch's
      // record holds η of its last training sample, t = 11
      const [eta] = store.metrics.series(ads.id, ['eta'])
      expect(eta.values).toHaveLength(1)
      expect(eta.values[0]).toBeCloseTo(3e-5 * Math.exp(-11 / 3) + 1e-7, 15)
      // the b it used is recorded with the run (it depends on the corpus, not only on the parameters)
      expect(ads.summary.etaDecaySamples).toBe(3)
      expect(store.runs.parents(ads.id).map((p) => p.role).sort()).toEqual(['data', 'pipeline', 'teacher'])
      // each network's run says how many samples scored it: the dataset's test split, not --test-samples
      expect(teacher.summary.testSamples).toBe(4)
      expect(ads.summary.testSamples).toBe(4)
    } finally {
      store.close()
    }
  })

  it('stores with each network the boundary fitted on the validation split, and the trainer selected with it', async () => {
    const store = openStore(db)
    try {
      const { validation } = loadDatasetSplits(store, result.datasetRunId)
      expect(validation.samples).toBe(4)
      for (const [runId, key] of [[result.adsRunId, 'adsBoundary'], [result.teacherRunId, 'teacherBoundary']] as const) {
        const net = loadBundle(store, runId)
        expect(net.fitted.boundary, key).toBe(result[key])
        const out = await simulator.run(net, { inputs: validation.inputs, count: validation.samples, steps: validation.steps, channels: 16, dtMs: 1 }, { seed: 4, threads: 1 })
        const fit = taskScore('wake-phrase', { outputs: out.outputs, shape: [validation.samples, validation.steps, 1], labels: validation.labels!, fit: true })
        expect(fit.fitted.boundary, key).toBe(net.fitted.boundary)
        if (runId === result.teacherRunId) {
          // the best validation accuracy of the teacher's epochs (the trainer refits the boundary each epoch) is the one of the kept network with its boundary
          const val = store.metrics.series(runId, ['valAccuracy'])[0]
          expect(Math.max(...val.values)).toBe(fit.accuracy)
        }
      }
    } finally {
      store.close()
    }
  })

  /** A small network ADS from the pipeline's wake teacher with these flags added: its stored run. */
  function adsFromWakeTeacher(flags: string[]) {
    const r = mimic(['--db', db, 'train', 'ads', '--teacher', String(result.teacherRunId), '--neurons', '16', '--epochs', '1', '--epoch-fraction', '0.25', '--seed', '5', '--json', ...flags])
    expect(r.code, r.stderr).toBe(0)
    const store = openStore(db)
    try {
      return store.runs.get(JSON.parse(r.stdout).id)
    } finally {
      store.close()
    }
  }

  it('train ads on the wake teacher with b given: the task\'s decay share stays out of the parameters, and b is what was used', () => {
    const run = adsFromWakeTeacher(['--eta-decay-samples', '500'])
    expect(run.params).toMatchObject({ eta: 3e-5, etaSchedule: 'decay', etaDecaySamples: 500 })
    expect(run.params).not.toHaveProperty('etaDecayFraction')
    expect(run.summary.etaDecaySamples).toBe(500)
  })

  it('train ads on the wake teacher with a constant η when told: the task\'s decay share stays out (the pipeline\'s network above has it)', () => {
    const p = adsFromWakeTeacher(['--eta-schedule', 'constant']).params
    expect(p).toMatchObject({ eta: 3e-5, etaSchedule: 'constant' })
    expect(p).not.toHaveProperty('etaDecaySamples')
    expect(p).not.toHaveProperty('etaDecayFraction')
  })
})
