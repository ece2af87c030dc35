// The baselines take the wake phrase like any other task (docs/method.md §13, §6), through the real
// command line at reduced size: `mimic train reservoir|force|bptt-snn --data WAKE_DATASET_RUN` trains
// on the dataset's training split, fits the decision boundary on its validation split and stores it
// with the network, and scores the test split by the task's rule with it; the wake phrase's size
// (N = 768) is the default; without a dataset the task is refused at --data; `reproduce wake-phrase
// --architecture A` and the robustness suite take such a network.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskScore } from '../../native/index.ts'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { loadDatasetSplits } from '../../src/plugins/datasets.ts'
import { simulator } from '../../src/plugins/targets/simulator.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'
import { numberedWavs, recordingsFolder, toneWav } from '../support/wav.ts'

afterAll(cleanupTemp)

const json = <T = Record<string, any>>(args: string[]): T => mimicJson<T>(args, { timeoutMs: 240_000 })

/** 1.5 s of a tone at 8 kHz after `delayS` of silence. */
const tone = (hz: number, delayS: number): Uint8Array => toneWav(hz, { amplitude: 8000, delayS, seconds: 1.5 })

const db = tempDb()
let project = 0
let dataset = 0

beforeAll(() => {
  project = json<{ id: number }>(['--db', db, 'projects', 'create', 'wake baselines']).id
  // a manifest-free folder: the samples are split 60/20/20 in the fixed pseudo-random order
  const dir = recordingsFolder(join(tempDir('mimic-wakebase-'), 'rec'), {
    positive: numberedWavs('p', 5, (i) => tone(900 + 40 * i, 0.4 * i)),
    negative: numberedWavs('n', 5, (i) => tone(250 + 20 * i, 0.4 * i)),
  })
  dataset = json<{ id: number }>(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', dir]).id
}, 120_000)

/** The bundle's boundary is the one fitted on the validation split's outputs; the test score is the test split's with it (the simulator seeded as the run). */
async function checkFittedAndTested(networkRunId: number, summary: Record<string, number>, seed: number): Promise<void> {
  const store = openStore(db)
  try {
    const { validation, test } = loadDatasetSplits(store, dataset)
    const net = loadBundle(store, networkRunId)
    expect(net.task).toBe('wake-phrase')
    expect(typeof net.fitted.boundary).toBe('number')
    const run = async (d: typeof validation) => (await simulator.run(net, { inputs: d.inputs, count: d.samples, steps: d.steps, channels: 16, dtMs: 1 }, { seed, threads: 1 })).outputs
    const fit = taskScore('wake-phrase', { outputs: await run(validation), shape: [validation.samples, validation.steps, 1], labels: validation.labels!, fit: true })
    expect(fit.fitted.boundary).toBe(net.fitted.boundary)
    const scored = taskScore('wake-phrase', { outputs: await run(test), shape: [test.samples, test.steps, 1], labels: test.labels!, fitted: net.fitted })
    expect(summary.testSamples).toBe(test.samples)
    expect(summary.boundary).toBe(net.fitted.boundary)
    expect(summary.testAccuracy).toBe(scored.accuracy)
  } finally {
    store.close()
  }
}

describe('baselines on the wake phrase (reduced size)', () => {
  it('train reservoir --data WAKE: the wake phrase size N = 768 by default, boundary fitted on validation, test split scored with it', async () => {
    const r = json(['--db', db, 'train', 'reservoir', '--project', String(project), '--data', String(dataset), '--seed', '2'])
    const run = json(['--db', db, 'runs', 'show', String(r.id)])
    expect(run.params).toMatchObject({ task: 'wake-phrase', data: dataset, neurons: 768 })
    await checkFittedAndTested(r.id, r, 2)
  }, 240_000)

  for (const [architecture, size] of [
    ['force', ['--neurons', '24', '--epochs', '2']],
    ['bptt-snn', ['--layer1', '12', '--layer2', '12', '--epochs', '2']],
  ] as const) {
    it(`train ${architecture} --data WAKE: trained on the splits, boundary stored, test split scored`, async () => {
      const r = json(['--db', db, 'train', architecture, '--project', String(project), '--data', String(dataset), '--seed', '3', ...size])
      expect(r.status).toBe('succeeded')
      await checkFittedAndTested(r.id, r, 3)
    }, 240_000)
  }

  it('without a dataset the task is refused at --data, and nothing is stored', () => {
    const before = json<unknown[]>(['--db', db, 'runs', 'list', '--project', String(project)]).length
    const r = mimic(['--db', db, 'train', 'force', '--project', String(project), '--task', 'wake-phrase', '--neurons', '20'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--data\)? is required for the task Wake phrase, which has no stream of fresh samples/)
    expect(json<unknown[]>(['--db', db, 'runs', 'list', '--project', String(project)]).length).toBe(before)
  })

  it('reproduce wake-phrase --architecture reservoir on the dataset, and the robustness suite on the network', async () => {
    const r = json(['--db', db, 'reproduce', 'wake-phrase', '--project', String(project), '--data', String(dataset), '--architecture', 'reservoir', '--neurons', '32', '--seed', '4'])
    expect(r).toMatchObject({ architecture: 'reservoir', teacherRunId: null, datasetRunId: dataset })
    const net = json(['--db', db, 'runs', 'show', String(r.networkRunId)])
    expect(net.params).toMatchObject({ data: dataset, neurons: 32 })
    await checkFittedAndTested(r.networkRunId, { ...net.summary, testSamples: r.testSamples }, 4)
    const rob = json(['--db', db, 'robustness', '--project', String(project), '--networks', String(r.networkRunId), '--data', String(dataset), '--perturbation', 'mismatch', '--levels', '0,0.2', '--draws', '1', '--samples', '4', '--seed', '5'])
    const rows = rob.rows as { level: number; accuracy: number; architecture: string }[]
    expect(rows.map((x) => [x.level, x.architecture])).toEqual([[0, 'reservoir'], [0.2, 'reservoir']])
    // four samples scored by the task's rule with the stored boundary
    for (const x of rows) expect([0, 0.25, 0.5, 0.75, 1]).toContain(x.accuracy)
  }, 240_000)
})
