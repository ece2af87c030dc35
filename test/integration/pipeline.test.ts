// The temporal-XOR pipeline at reduced size, through the real CLI and worker processes: every stage
// is a run linked to its parents, metrics stream per epoch, the test scores both networks, and the
// trained networks can be evaluated and exported again.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { loadDataset } from '../../src/plugins/datasets.ts'
import { evaluate } from '../../src/plugins/evaluate.ts'
import { simulator } from '../../src/plugins/targets/simulator.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

// Small enough for a few seconds; the paper-size run is test/slow/pipeline-xor.test.ts.
export const smallPipeline = [
  '--teacher-units', '24', '--teacher-epochs', '12', '--teacher-samples-per-epoch', '200', '--teacher-step-size', '3e-3', '--teacher-tau-step-unit', 'ms',
  '--teacher-validation-samples', '50', '--neurons', '160', '--epochs', '3', '--samples-per-epoch', '60', '--validation-samples', '20', '--test-samples', '60',
]

let db: string
let result: Record<string, number>

beforeAll(() => {
  db = tempDb()
  const r = mimic(['--db', db, '--json', 'reproduce', 'xor', '--seed', '3', ...smallPipeline])
  if (r.code !== 0) throw new Error(`reproduce xor failed: ${r.stderr}`)
  result = JSON.parse(r.stdout)
})

afterAll(cleanupTemp)

describe('mimic reproduce xor (reduced size)', () => {
  it('prints one JSON object with the stage runs and headline numbers', () => {
    for (const key of ['teacherRunId', 'adsRunId', 'teacherTestAccuracy', 'adsTestAccuracy', 'reconstructionError', 'wallSeconds']) {
      expect(typeof result[key], key).toBe('number')
    }
    expect(result.teacherTestAccuracy).toBeGreaterThanOrEqual(0.9)
    expect(result.reconstructionError).toBeGreaterThan(0)
    expect(result.reconstructionError).toBeLessThan(1.5)
    expect(result.wallSeconds).toBeGreaterThan(0)
  })

  it('stores every stage as a run linked to its parents, with seeds, parameters and code version', () => {
    const store = openStore(db)
    try {
      const pipeline = store.runs.get(result.pipelineRunId)
      expect(pipeline).toMatchObject({ kind: 'pipeline', status: 'succeeded', seed: 3 })
      // a classification of ±1, not a detection (TaskDescriptor.detection): no false accepts or rejects
      expect(Object.keys(pipeline.summary).filter((k) => /false(Accepts|Rejects)/i.test(k))).toEqual([])
      expect(Object.keys(result).filter((k) => /false(Accepts|Rejects)/i.test(k))).toEqual([])
      expect(pipeline.summary.testAccuracy).toBe(result.adsTestAccuracy)
      const stages = store.runs.children(pipeline.id)
      expect(stages.map((s) => [s.kind, s.role, s.status])).toEqual([
        ['dataset', 'pipeline', 'succeeded'],
        ['teacher', 'pipeline', 'succeeded'],
        ['ads', 'pipeline', 'succeeded'],
        ['evaluation', 'pipeline', 'succeeded'],
      ])
      const ads = store.runs.get(result.adsRunId)
      expect(ads.codeVersion).toBe(pipeline.codeVersion)
      expect(ads.params).toMatchObject({ teacher: result.teacherRunId, neurons: 160, epochs: 3, eta: 1e-6, k: 75 })
      expect(store.runs.parents(ads.id).map((p) => p.role).sort()).toEqual(['pipeline', 'teacher'])
      const test = store.runs.get(result.testRunId)
      expect(store.runs.parents(test.id).map((p) => p.role).sort()).toEqual(['dataset', 'network', 'pipeline', 'teacher'])
      expect(test.summary.accuracy).toBe(result.adsTestAccuracy)
      expect(test.summary.teacherAccuracy).toBe(result.teacherTestAccuracy)
      // per-epoch metrics of both trainings
      expect(store.metrics.series(result.teacherRunId, ['loss'])[0].steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
      const recon = store.metrics.series(ads.id, ['valReconstructionError', 'valAccuracy', 'meanRateHz'])
      expect(recon.map((s) => s.steps)).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
      // result artifacts for the result page
      const names = store.artifacts.list(test.id).map((a) => a.name)
      for (const n of ['inputs', 'targets', 'outputs', 'decoded', 'teacher.activations', 'teacher.outputs', 'spikes.steps', 'spikes.neurons', 'spikes.offsets', 'predictions', 'labels']) {
        expect(names).toContain(n)
      }
      expect(store.jobs.list()).toEqual([])
    } finally {
      store.close()
    }
  })

  it('stores one result item per test sample, consistent with the summary, in runs show --json and as CSV', () => {
    const shown = JSON.parse(mimic(['--db', db, '--json', 'runs', 'show', String(result.testRunId)]).stdout)
    expect(shown.resultCount).toBe(60)
    type Row = { runId: number; item: number; networkId: number; architecture: string; labels: { sample: number }; key: string; value: number }
    const rows = shown.results as Row[]
    expect(rows).toHaveLength(60 * 7)
    expect(rows.every((r) => r.runId === result.testRunId && r.networkId === result.adsRunId && r.architecture === 'ads' && r.labels.sample === r.item)).toBe(true)
    const col = (key: string): number[] => rows.filter((r) => r.key === key).map((r) => r.value)
    expect([...new Set(rows.map((r) => r.key))].sort()).toEqual(['correct', 'decision', 'label', 'mse', 'rateHz', 'reconstructionError', 'teacherAgreement'])
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
    const decision = col('decision')
    const label = col('label')
    expect(col('correct')).toEqual(decision.map((d, i) => (d === label[i] ? 1 : 0)))
    expect(label.every((l) => l === 1 || l === -1)).toBe(true)
    expect(mean(col('correct'))).toBeCloseTo(result.adsTestAccuracy, 12)
    expect(decision.filter((d) => d === 0).length).toBe(result.adsTestUndecided)
    expect(mean(col('teacherAgreement'))).toBeCloseTo(result.teacherAgreement, 12)
    expect(mean(col('reconstructionError'))).toBeCloseTo(result.reconstructionError, 9)
    expect(mean(col('rateHz'))).toBeCloseTo(result.meanRateHz, 6)
    expect(mean(col('mse'))).toBeCloseTo(shown.summary.mse, 9)
    // the same rows as CSV, read by Python's csv module
    const csv = mimic(['--db', db, 'results', '--run', String(result.testRunId), '--format', 'csv'])
    expect(csv.code, csv.stderr).toBe(0)
    const py = spawnSync('/usr/bin/python3', ['-c', 'import csv, io, json, sys\nprint(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))'], { input: csv.stdout, encoding: 'utf8' })
    expect(py.status, py.stderr).toBe(0)
    const read = JSON.parse(py.stdout) as Record<string, string>[]
    expect(Object.keys(read[0])).toEqual(['run', 'project', 'item', 'network', 'architecture', 'sample', 'key', 'value'])
    expect(read.map((r) => [Number(r.item), r.key, Number(r.value)])).toEqual(rows.map((r) => [r.item, r.key, r.value]))
  })

  it("an evaluation against the teacher reports one rising progress for both networks' runs", async () => {
    // (the teacher's run went 0 → 1, then the network's 0 → 1 again: `mimic eval` showed 5 %, 90 %, 74 %)
    const store = openStore(db)
    try {
      const net = loadBundle(store, result.adsRunId)
      const teacher = loadBundle(store, result.teacherRunId)
      const test = store.runs.children(result.runId).find((c) => c.kind === 'dataset')!
      const data = loadDataset(store, test.id)
      const seen: number[] = []
      const r = await evaluate(net.task, simulator, net, data, { teacher, threads: 1, seed: 3 }, { onProgress: (f) => seen.push(f) })
      expect(r.reconstructionError).not.toBeNull()
      expect(seen.length).toBeGreaterThanOrEqual(2)
      for (let i = 1; i < seen.length; i++) expect(seen[i], seen.join(', ')).toBeGreaterThanOrEqual(seen[i - 1])
      expect(seen.at(-1)).toBe(1)
    } finally {
      store.close()
    }
  })

  it('evaluates the trained networks on an .npz file, and exports them for numpy', () => {
    const dir = tempDir()
    const file = join(dir, 'xor.npz')
    // a dataset file made by numpy: the pipeline's own test set, exported and re-imported as .npz
    const store = openStore(db)
    const inputs = store.artifacts.get(result.datasetRunId, 'inputs')
    const targets = store.artifacts.get(result.datasetRunId, 'targets')
    store.close()
    const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    writeFileSync(join(dir, 'x.bin'), raw(inputs.data))
    writeFileSync(join(dir, 'y.bin'), raw(targets.data))
    const py = spawnSync('/usr/bin/python3', ['-c', `import numpy as np, sys
x = np.frombuffer(open(sys.argv[1],'rb').read(), dtype=np.float32).reshape(${inputs.shape.join(',')})
y = np.frombuffer(open(sys.argv[2],'rb').read(), dtype=np.float32).reshape(${targets.shape.join(',')})
np.savez(sys.argv[3], inputs=x.astype(np.float64), targets=y)`, join(dir, 'x.bin'), join(dir, 'y.bin'), file], { encoding: 'utf8' })
    expect(py.status, py.stderr).toBe(0)
    const teacherEval = mimic(['--db', db, '--json', 'eval', String(result.teacherRunId), '--data', file])
    expect(teacherEval.code, teacherEval.stderr).toBe(0)
    const teacherRun = JSON.parse(teacherEval.stdout)
    expect(teacherRun).toMatchObject({ accuracy: result.teacherTestAccuracy, samples: 60 })
    // a teacher's items: its decisions and errors (no spikes, no teacher to agree with)
    const teacherRows = JSON.parse(mimic(['--db', db, '--json', 'results', '--run', String(teacherRun.runId)]).stdout).rows as { key: string; architecture: string; networkId: number }[]
    expect(teacherRows).toHaveLength(60 * 4)
    expect([...new Set(teacherRows.map((r) => r.key))].sort()).toEqual(['correct', 'decision', 'label', 'mse'])
    expect(teacherRows.every((r) => r.architecture === 'rate' && r.networkId === result.teacherRunId)).toBe(true)
    // the same seed as the pipeline's test: the same initial potentials, the same numbers
    const adsEval = JSON.parse(mimic(['--db', db, '--json', 'eval', String(result.adsRunId), '--data', file, '--seed', '3']).stdout)
    expect(adsEval.accuracy).toBe(result.adsTestAccuracy)
    expect(adsEval.reconstructionError).toBeCloseTo(result.reconstructionError, 9)

    // malformed files: one clear line naming the array and what was expected; no run is created
    const runsBefore = JSON.parse(mimic(['--db', db, '--json', 'runs', 'list']).stdout).length
    const make = (name: string, code: string): string => {
      const path = join(dir, name)
      const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np\n${code.replaceAll('FILE', path)}`], { encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      return path
    }
    const notZip = join(dir, 'notes.npz')
    writeFileSync(notZip, 'not a zip file')
    const cases: [string, RegExp][] = [
      [make('chan.npz', "np.savez('FILE', inputs=np.zeros((2,1000,3)), targets=np.zeros((2,1000,1)))"), /array "inputs" has 3 channels but the network takes 1/],
      [make('shape.npz', "np.savez('FILE', inputs=np.zeros((2,1000)), targets=np.zeros((2,1000,1)))"), /array "inputs" has shape \[2, 1000\]; expected 3 dimensions/],
      [make('dtype.npz', "np.savez('FILE', inputs=np.zeros((2,1000,1), dtype=np.int16), targets=np.zeros((2,1000,1)))"), /array "inputs" has dtype int16; expected float32 or float64/],
      [make('nan.npz', "t=np.zeros((2,1000,1)); t[0,5,0]=np.nan\nnp.savez('FILE', inputs=np.zeros((2,1000,1)), targets=t)"), /array "targets" holds NaN at \[sample 0, step 5, output 0\]/],
      [make('notargets.npz', "np.savez('FILE', inputs=np.zeros((2,1000,1)))"), /has no array "targets"/],
      [notZip, /is not an .npz file \(not a zip archive\)/],
    ]
    for (const [path, message] of cases) {
      const r = mimic(['--db', db, 'eval', String(result.adsRunId), '--data', path])
      expect(r.code, path).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    }
    expect(JSON.parse(mimic(['--db', db, '--json', 'runs', 'list']).stdout).length).toBe(runsBefore)

    const out = join(dir, 'ads.npz')
    expect(mimic(['--db', db, 'export', String(result.adsRunId), '--format', 'npz', '--out', out]).code).toBe(0)
    const shapes = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; d = np.load('${out}'); print(d['omegaS'].shape, d['readout'].shape, d['neuron.vTh'].shape, float(d['dtMs'][0]))`], { encoding: 'utf8' })
    expect(shapes.stdout.trim()).toBe('(160, 160) (1, 24) (160,) 1.0')
  })
})
