// The baselines from the command line (docs/method.md §13): `mimic architectures list` declares what
// each perturbs, `mimic reproduce xor --architecture A` trains and tests one, `mimic eval RUN --data
// FILE.npz` scores the stored network on a numpy file exactly as the reproduction's test did, and
// `mimic train A` refuses a wrong training dataset by its field. Small sizes: seconds each.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const json = <T = Record<string, any>>(args: string[]): T => mimicJson<T>(args, { timeoutMs: 120_000 })

describe('baselines on the command line', () => {
  const db = tempDb()
  let project = 0

  beforeAll(() => {
    project = json<{ id: number }>(['--db', db, 'projects', 'create', 'baselines']).id
  })

  it('architectures list: reservoir, force and bptt-snn with their arrays and what mismatch perturbs', () => {
    const list = json<{ name: string; arrays: { name: string; perturbable?: { mismatch?: string; quantise?: boolean } }[]; perNeuron: { name: string; perturbable?: { kind?: string; mismatch?: string; reset?: string } }[] }[]>(['--db', db, 'architectures', 'list'])
    const byName = new Map(list.map((a) => [a.name, a]))
    for (const name of ['reservoir', 'force', 'bptt-snn']) {
      const a = byName.get(name)!
      expect(a, name).toBeDefined()
      const arrays = Object.fromEntries(a.arrays.map((x) => [x.name, x.perturbable]))
      for (const w of ['wIn', 'wRec', 'wOut']) expect(arrays[w], `${name} ${w}`).toMatchObject({ mismatch: 'relative', quantise: true })
      const neuron = Object.fromEntries(a.perNeuron.map((x) => [x.name, x.perturbable]))
      expect(neuron.tauMemMs).toMatchObject({ kind: 'time-constant', mismatch: 'abs-relative' })
      expect(neuron.tauSynMs).toMatchObject({ kind: 'time-constant', mismatch: 'abs-relative' })
      expect(neuron.vTh).toMatchObject({ kind: 'threshold', mismatch: 'threshold', reset: 'vReset' })
    }
    expect(byName.get('force')!.arrays.find((x) => x.name === 'encoders')?.perturbable).toMatchObject({ mismatch: 'relative' })
    expect(byName.get('reservoir')!.arrays.find((x) => x.name === 'encoders')).toBeUndefined()
  })

  for (const architecture of ['reservoir', 'force', 'bptt-snn'] as const) {
    it(`reproduce xor --architecture ${architecture}: trained, tested, and scored the same way by eval --data FILE.npz`, () => {
      const r = json(['--db', db, 'reproduce', 'xor', '--project', String(project), '--architecture', architecture, '--seed', '3', '--neurons', '24', '--baseline-train-samples', '12', '--baseline-epochs', '2', '--test-samples', '20'])
      expect(r).toMatchObject({ architecture, teacherRunId: null, testSamples: 20, teacherAgreement: null })
      expect(typeof r.testAccuracy).toBe('number')
      expect(r.mse).toBeGreaterThan(0)
      expect(r.meanRateHz).toBeGreaterThan(0)
      expect(r.wallSeconds).toBeGreaterThan(0)
      const network = json(['--db', db, 'runs', 'show', String(r.networkRunId)])
      expect(network.kind).toBe(architecture)
      expect(network.summary).toMatchObject({ testAccuracy: r.testAccuracy })
      // the reproduction's own test set, written by numpy, evaluated with the same seed: the same numbers
      const store = openStore(db)
      const inputs = store.artifacts.get(r.datasetRunId, 'inputs')
      const targets = store.artifacts.get(r.datasetRunId, 'targets')
      store.close()
      const dir = tempDir()
      const file = join(dir, 'xor.npz')
      const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
      writeFileSync(join(dir, 'x.bin'), raw(inputs.data))
      writeFileSync(join(dir, 'y.bin'), raw(targets.data))
      const py = spawnSync('/usr/bin/python3', ['-c', `import numpy as np, sys
x = np.frombuffer(open(sys.argv[1],'rb').read(), dtype=np.float32).reshape(${inputs.shape.join(',')})
y = np.frombuffer(open(sys.argv[2],'rb').read(), dtype=np.float32).reshape(${targets.shape.join(',')})
np.savez(sys.argv[3], inputs=x, targets=y)`, join(dir, 'x.bin'), join(dir, 'y.bin'), file], { encoding: 'utf8' })
      expect(py.status, py.stderr).toBe(0)
      const e = json(['--db', db, 'eval', String(r.networkRunId), '--data', file, '--seed', '3'])
      expect(e.samples).toBe(20)
      expect(e.accuracy).toBe(r.testAccuracy)
      expect(e.mse).toBeCloseTo(r.mse, 9)
      // the robustness suite takes it like any network, with all four perturbations (each draw also
      // draws its own initial state, so level-0 draws differ by that alone)
      const rob = json(['--db', db, 'robustness', '--project', String(project), '--networks', String(r.networkRunId), '--data', String(r.datasetRunId), '--perturbation', 'mismatch', '--levels', '0,0.2', '--draws', '2', '--samples', '10', '--seed', '5'])
      const rows = rob.rows as { level: number; mse: number; architecture: string }[]
      expect(rows.map((x) => [x.level, x.architecture])).toEqual([[0, architecture], [0, architecture], [0.2, architecture], [0.2, architecture]])
      for (const x of rows) expect(Number.isFinite(x.mse)).toBe(true)
      // membrane noise and neuron death run on the LIF runner: a level changes the outputs, and 100 %
      // death silences every neuron (no spike at all)
      for (const [perturbation, level] of [['noise', 0.1], ['death', 1]] as const) {
        const p = json(['--db', db, 'robustness', '--project', String(project), '--networks', String(r.networkRunId), '--data', String(r.datasetRunId), '--perturbation', perturbation, '--levels', `0,${level}`, '--draws', '1', '--samples', '6', '--seed', '5'])
        const [plain, perturbed] = p.rows as { level: number; mse: number; meanRateHz: number }[]
        expect([plain.level, perturbed.level]).toEqual([0, level])
        expect(Number.isFinite(perturbed.mse), `${perturbation} mse`).toBe(true)
        expect(perturbed.mse, `${perturbation} changes the output`).not.toBe(plain.mse)
        if (perturbation === 'death') expect(perturbed.meanRateHz).toBe(0)
      }
      // seven command-line runs of a few seconds each on an idle machine
    }, 120_000)
  }

  it('train reservoir: every hyperparameter a flag; --data must name a dataset run', () => {
    const help = mimic(['--db', db, 'train', 'reservoir', '--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--neurons', '--pools', '--connectivity', '--inhibitory-gain', '--tau-min-ms', '--tau-max-ms', '--tau-out-ms', '--ridge']) expect(help.stdout).toContain(flag)
    const trained = json(['--db', db, 'train', 'reservoir', '--project', String(project), '--neurons', '20', '--train-samples', '6', '--test-samples', '6', '--seed', '1'])
    expect(trained).toMatchObject({ networkRunId: trained.id, status: 'succeeded' })
    const wrong = mimic(['--db', db, 'train', 'force', '--project', String(project), '--data', String(trained.id)])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr.trim()).toBe(`mimic: Training dataset (--data) is run ${trained.id} “Reservoir (ridge read-out) · seed 1”, a reservoir run: choose a dataset run.`)
  })
})
