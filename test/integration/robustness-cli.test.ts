// The robustness suite from the command line at small size, on a real SQLite file with the real addon
// in worker processes: `mimic robustness` (every flag, the --json shape, long-form results, parents,
// progress, cancel, determinism across thread counts), `mimic yield` and `mimic report`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDatasetSplits } from '../../src/plugins/datasets.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson, spawnMimic } from '../support/cli.ts'
import { storeDataset } from '../support/datasets.ts'
import { unbalancedTags } from '../support/html.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

let db: string
const ids = { dataset: 0, teacher: 0, ebn: 0, noEbn: 0 }


interface Row {
  network: number
  architecture: string
  variant: string | null
  perturbation: string
  level: number
  draw: number
  accuracy: number
  teacherAgreement: number | null
  mse: number
  gain: number
  meanRateHz: number
}
interface Analysis {
  runId: number
  rows: Row[]
  summary: Record<string, unknown>[]
  comparisons: { a: number; b: number; level: number; metric: string; p: number }[]
  levelComparisons: { network: number; a: number; b: number; metric: string; p: number }[]
}

beforeAll(() => {
  db = tempDb()
  mimicJson(['projects', 'create', 'robust'], { db })
  ids.dataset = mimicJson<{ id: number }>(['data', 'generate', 'xor', '--project', '1', '--count', '80', '--seed', '2'], { db }).id
  ids.teacher = mimicJson<{ id: number }>([
    'train', 'teacher', '--project', '1', '--units', '24', '--epochs', '12', '--samples-per-epoch', '200', '--step-size', '3e-3',
    '--tau-step-unit', 'ms', '--validation-samples', '40', '--test-samples', '40', '--seed', '1',
  ], { db }).id
  // without --project: the teacher's project
  const ads = ['train', 'ads', '--teacher', String(ids.teacher), '--neurons', '60', '--epochs', '1', '--samples-per-epoch', '20', '--validation-samples', '10', '--test-samples', '10', '--seed', '1']
  const ebn = mimicJson<{ id: number; projectId: number }>(ads, { db })
  expect(ebn.projectId).toBe(1)
  ids.ebn = ebn.id
  ids.noEbn = mimicJson<{ id: number }>([...ads, '--no-ebn'], { db }).id
}, 120_000)

describe('mimic robustness', () => {
  let a: Analysis
  const base = () => ['robustness', '--project', '1', '--networks', `${ids.teacher},${ids.ebn},${ids.noEbn}`, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.1,0.4', '--draws', '4', '--samples', '30', '--seed', '7']

  beforeAll(() => {
    a = mimicJson<Analysis>(base(), { db })
  }, 120_000)

  it('prints runId, one row per trial, the summary per network and level, and the comparisons', () => {
    expect(a.runId).toBeGreaterThan(ids.noEbn)
    expect(a.rows).toHaveLength(3 * 3 * 4)
    expect(Object.keys(a.rows[0]).sort()).toEqual(
      ['accuracy', 'architecture', 'draw', 'gain', 'initSeed', 'level', 'meanRateHz', 'mse', 'network', 'perturbation', 'teacherAgreement', 'teacherMse', 'undecided', 'validationAccuracy', 'variant'].sort(),
    )
    const ebnRow = a.rows.find((r) => r.network === ids.ebn)!
    expect(ebnRow).toMatchObject({ architecture: 'ads', variant: 'ebn', perturbation: 'mismatch', gain: 1 })
    expect(a.rows.find((r) => r.network === ids.noEbn)!.variant).toBe('no-ebn')
    // the spiking networks have the teacher to agree with; the teacher itself has none
    expect(typeof ebnRow.teacherAgreement).toBe('number')
    expect(a.rows.find((r) => r.network === ids.teacher)!.teacherAgreement).toBeNull()

    expect(a.summary).toHaveLength(9)
    for (const s of a.summary) {
      for (const k of ['network', 'level', 'medianAccuracy', 'q1Accuracy', 'q3Accuracy', 'medianMse', 'q1Mse', 'q3Mse', 'draws']) expect(typeof s[k], k).toBe('number')
      expect(s.draws).toBe(4)
      expect(s.q1Mse as number).toBeLessThanOrEqual(s.medianMse as number)
      expect(s.medianMse as number).toBeLessThanOrEqual(s.q3Mse as number)
    }
    // three networks of different architectures or variants: 3 pairs × 3 levels × 2 metrics
    expect(a.comparisons).toHaveLength(18)
    for (const c of a.comparisons) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['a', 'b', 'level', 'metric', 'p']))
      expect(c.p).toBeGreaterThan(0)
      expect(c.p).toBeLessThanOrEqual(1)
    }
    expect(a.comparisons.map((c) => `${c.a}-${c.b}`)).toContain(`${ids.ebn}-${ids.noEbn}`)
  })

  it('level 0 is the unperturbed network: the teacher (no initial state) gives one result on every draw; mismatch moves it', () => {
    const t0 = a.rows.filter((r) => r.network === ids.teacher && r.level === 0)
    expect(new Set(t0.map((r) => r.mse)).size).toBe(1)
    expect(t0[0].accuracy).toBeGreaterThanOrEqual(0.9)
    const t4 = a.rows.filter((r) => r.network === ids.teacher && r.level === 0.4)
    expect(new Set(t4.map((r) => r.mse)).size).toBe(4)
    const med = (rows: Row[]) => [...rows.map((r) => r.mse)].sort((x, y) => x - y)[1]
    expect(med(t4)).toBeGreaterThan(t0[0].mse)
  })

  it('stores every trial as long-form results, with the networks and the dataset as parents', () => {
    const res = mimicJson<{ rows: { item: number; networkId: number; architecture: string; labels: Record<string, unknown>; key: string; value: number | null }[] }>(['results', '--run', String(a.runId)], { db })
    const accuracy = res.rows.filter((r) => r.key === 'accuracy')
    expect(accuracy).toHaveLength(36)
    expect(accuracy[0]).toMatchObject({ networkId: ids.teacher, architecture: 'rate', labels: { perturbation: 'mismatch', level: 0, draw: 0 } })
    expect(new Set(res.rows.map((r) => r.key))).toEqual(new Set(['accuracy', 'undecided', 'teacherAgreement', 'mse', 'teacherMse', 'meanRateHz', 'gain', 'validationAccuracy', 'initSeed']))
    const run = mimicJson<{ kind: string; parents: { id: number; role: string }[] }>(['runs', 'show', String(a.runId)], { db })
    expect(run.kind).toBe('robustness')
    expect(run.parents.map((p) => [p.id, p.role]).sort()).toEqual(
      [
        [ids.dataset, 'dataset'],
        [ids.teacher, 'networks'],
        [ids.ebn, 'networks'],
        [ids.noEbn, 'networks'],
      ].sort(),
    )
  })

  it('the same seed gives the same trials on one thread and on all', () => {
    const one = mimicJson<Analysis>([...base(), '--threads', '1'], { db })
    const two = mimicJson<Analysis>([...base(), '--threads', '2'], { db })
    const strip = (x: Analysis) => x.rows.map((r) => ({ ...r }))
    expect(strip(one)).toEqual(strip(a))
    expect(strip(two)).toEqual(strip(a))
  }, 120_000)

  it('noise, death (with a window) and quantisation, with output-gain recalibration recorded per trial', () => {
    const death = mimicJson<Analysis>([
      'robustness', '--project', '1', '--networks', `${ids.ebn},${ids.noEbn}`, '--data', String(ids.dataset), '--perturbation', 'death', '--levels', '0,0.5',
      '--draws', '3', '--samples', '20', '--seed', '2', '--recalibrate-gain', '--validation-samples', '20', '--validation-draws', '2', '--death-start-step', '100', '--death-end-step', '800',
    ], { db })
    expect(death.rows).toHaveLength(12)
    for (const r of death.rows) {
      expect(r.gain).toBeGreaterThanOrEqual(0.5)
      expect(r.gain).toBeLessThanOrEqual(5.5)
    }
    const noise = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'noise', '--levels', '0,0.5', '--draws', '2', '--samples', '10', '--seed', '2'], { db })
    expect(noise.rows.map((r) => r.level)).toEqual([0, 0, 0.5, 0.5])
    const quant = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', `${ids.teacher},${ids.ebn}`, '--data', String(ids.dataset), '--perturbation', 'quantisation', '--levels', '0,2', '--draws', '2', '--samples', '10', '--seed', '2'], { db })
    const t2 = quant.rows.filter((r) => r.network === ids.teacher && r.level === 2)
    const t0 = quant.rows.filter((r) => r.network === ids.teacher && r.level === 0)
    expect(t2[0].mse).not.toBe(t0[0].mse)
  }, 120_000)

  it('--split test scores the test split and recalibrates on the validation split: the trials of a dataset holding just those samples', () => {
    // the trainers' split of the dataset (no split array: 60/20/20 in a fixed order), copied as a new
    // dataset run of the test samples followed by the validation samples, in their stored order
    const store = openStore(db)
    let copy: number
    let testCount: number
    try {
      const sp = loadDatasetSplits(store, ids.dataset)
      testCount = sp.test.samples
      copy = storeDataset(store, { projectId: 1, name: 'test then validation', params: { task: 'xor', dtMs: 1 } }, [{ batch: sp.test }, { batch: sp.validation }])
    } finally {
      store.close()
    }
    expect(testCount).toBe(16)
    const args = (data: number, extra: string[]) => [
      'robustness', '--project', '1', '--networks', `${ids.ebn},${ids.noEbn}`, '--data', String(data), '--perturbation', 'death', '--levels', '0,0.3',
      '--draws', '3', '--samples', '16', '--seed', '4', '--recalibrate-gain', '--validation-samples', '16', '--validation-draws', '2', ...extra,
    ]
    const split = mimicJson<Analysis>(args(ids.dataset, ['--split', 'test']), { db })
    const direct = mimicJson<Analysis>(args(copy, []), { db })
    const all = mimicJson<Analysis>(args(ids.dataset, []), { db })
    expect(split.rows).toHaveLength(12)
    expect(split.rows).toEqual(direct.rows)
    // the first 16 samples of the dataset are other samples: the default scores those
    expect(all.rows.map((r) => r.mse)).not.toEqual(split.rows.map((r) => r.mse))
    const more = mimic(['--db', db, ...args(ids.dataset, ['--split', 'test']).map((x, i, a) => (a[i - 1] === '--samples' ? '17' : x))])
    expect(more.code).not.toBe(0)
    expect(more.stderr).toMatch(/samples.*17 test samples, but dataset run \d+ has 16 in its test split/)
    const val = mimic(['--db', db, ...args(ids.dataset, ['--split', 'test']).map((x, i, a) => (a[i - 1] === '--validation-samples' ? '17' : x))])
    expect(val.code).not.toBe(0)
    expect(val.stderr).toMatch(/--validation-samples\) asks for 17 validation samples, but dataset run \d+ has 16 in its validation split/)
    // the report says which samples were scored
    const out = join(tempDir(), 'split.html')
    mimicJson(['report', String(split.runId), '--out', out], { db })
    expect(readFileSync(out, 'utf8')).toContain(`dataset run ${ids.dataset} “`)
    expect(readFileSync(out, 'utf8')).toMatch(/the first 16 samples of its test split/)
    mimicJson(['report', String(all.runId), '--out', out], { db })
    expect(readFileSync(out, 'utf8')).toMatch(/its first 16 samples/)
  }, 120_000)

  it('on the chip emulator: a network ADS runs there, its rate teacher (which no chip runs) on the simulator for the agreement, said in a note', () => {
    const r = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.1', '--draws', '2', '--samples', '8', '--seed', '7', '--target', 'emulator'], { db })
    expect(r.rows).toHaveLength(2 * 2)
    for (const row of r.rows) expect(row.teacherAgreement).toBeGreaterThanOrEqual(0)
    const run = mimicJson<{ params: { target: string }; notes: { body: string }[] }>(['runs', 'show', String(r.runId)], { db })
    expect(run.params.target).toBe('emulator')
    expect(run.notes.map((n) => n.body)).toContain(`teacher run ${ids.teacher} of network run ${ids.ebn} ran on the simulator: target "emulator" does not run networks of architecture "rate"; agreement is measured against its decisions there`)
    expect(run.notes.map((n) => n.body)).toContain(`every draw ran on the emulator's virtual chip EMU-0001 (its own frozen mismatch, docs/method.md §14.1); each draw's mismatch acts on the network on top of it`)
    // a teacher named among the networks is a trial, and the emulator cannot run it: refused by name before any run
    const runs = mimicJson<unknown[]>(['runs', 'list'], { db }).length
    const teacherToo = mimic(['--db', db, 'robustness', '--project', '1', '--networks', `${ids.teacher},${ids.ebn}`, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0', '--draws', '1', '--samples', '8', '--target', 'emulator'])
    expect(teacherToo.code).not.toBe(0)
    expect(teacherToo.stderr).toMatch(/target.*cannot run networks of architecture "rate"/)
    expect(mimicJson<unknown[]>(['runs', 'list'], { db }).length).toBe(runs)
    // membrane noise and neuron death reach the emulator's neurons (before 2026-12-06 it ran every level as level 0)
    for (const [perturbation, level] of [['noise', '0.5'], ['death', '0.6']]) {
      const p = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', perturbation, '--levels', `0,${level}`, '--draws', '2', '--samples', '8', '--seed', '7', '--target', 'emulator'], { db })
      const at = (l: number) => p.rows.filter((r) => r.level === l).map((r) => r.mse)
      expect(at(Number(level)), perturbation).not.toEqual(at(0))
      expect(new Set(at(Number(level))).size, `${perturbation}: each draw its own`).toBe(2)
    }
  }, 120_000)

  it('with mismatch drawn on the chip: draw k is virtual chip SWEEP-<seed>-k at σ / 0.2 of its spreads, the same chips as deployment measures, level 0 the ideal chip', () => {
    const sweep = (networks: string) =>
      mimicJson<Analysis>(['robustness', '--project', '1', '--networks', networks, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.2', '--draws', '2', '--samples', '8', '--seed', '7', '--target', 'emulator', '--mismatch-on', 'chip'], { db })
    const r = sweep(`${ids.ebn},${ids.noEbn}`)
    expect(r.rows).toHaveLength(2 * 2 * 2)
    const of = (net: number, level: number) => r.rows.filter((x) => x.network === net && x.level === level)
    for (const net of [ids.ebn, ids.noEbn]) {
      // level 0: the ideal chip, the same on every draw; level 0.2: two chips
      expect(new Set(of(net, 0).map((x) => x.mse)).size, 'level 0').toBe(1)
      expect(new Set(of(net, 0.2).map((x) => x.mse)).size, 'level 0.2').toBe(2)
    }
    // the chips are the virtual chips of that serial (scale 1 at 0.2), as `mimic deploy` measures them
    const d = mimicJson<{ accuracyEmulatorIdeal: number; report: string[] }>(['deploy', String(ids.ebn), '--target', 'emulator', '--data', String(ids.dataset), '--samples', '8', '--serial-numbers', 'SWEEP-7-0,SWEEP-7-1'], { db })
    const chips = of(ids.ebn, 0.2).sort((x, y) => x.draw - y.draw)
    for (const [k, row] of chips.entries()) {
      expect(d.report).toContain(`virtual chip SWEEP-7-${k}: accuracy ${row.accuracy.toFixed(4)}, mean rate ${row.meanRateHz.toFixed(1)} Hz`)
    }
    expect(of(ids.ebn, 0)[0].accuracy).toBe(d.accuracyEmulatorIdeal)
    // a network alone meets the same chips (paired), which its network-mismatch draws would not
    expect(sweep(String(ids.ebn)).rows).toEqual(r.rows.filter((x) => x.network === ids.ebn))
    const run = mimicJson<{ params: { mismatchOn: string }; notes: { body: string }[] }>(['runs', 'show', String(r.runId)], { db })
    expect(run.params.mismatchOn).toBe('chip')
    expect(run.notes.map((n) => n.body)).toContain(`mismatch drawn on the emulator's virtual chips: draw k ran the network as trained on chip SWEEP-7-k (the same chips for every network), its spreads scaled by level / 0.2 (docs/method.md §14.1); level 0 on the ideal chip`)
    // where there is no chip to draw it on: refused at the field, nothing stored
    const before = mimicJson<unknown[]>(['runs', 'list'], { db }).length
    const soft = mimic(['--db', db, 'robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0.1', '--samples', '8', '--mismatch-on', 'chip'])
    expect(soft.stderr).toContain('(--mismatch-on) "chip" needs an emulator target (emulator, emulator-se1), whose virtual chips each have their own mismatch; target "simulator" has none')
    const noise = mimic(['--db', db, 'robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'noise', '--levels', '0.1', '--samples', '8', '--target', 'emulator', '--mismatch-on', 'chip'])
    expect(noise.stderr).toContain('Mismatch drawn on (--mismatch-on) applies only when Perturbation is mismatch (it is noise): choose mismatch or leave it out.')
    expect(mimicJson<unknown[]>(['runs', 'list'], { db }).length).toBe(before)
  }, 120_000)

  it('refuses bad input with a sentence naming the field, and stores nothing', () => {
    const before = mimicJson<unknown[]>(['runs', 'list'], { db }).length
    const pct = mimic(['--db', db, ...base().map((x) => (x === '0,0.1,0.4' ? '0,10' : x))])
    expect(pct.code).not.toBe(0)
    expect(pct.stderr).toMatch(/levels.*level 2 \(10\) is above the largest accepted, 2 .*give 0\.05 for 5 %/)
    const death = mimic(['--db', db, 'robustness', '--project', '1', '--networks', String(ids.teacher), '--data', String(ids.dataset), '--perturbation', 'death', '--levels', '0.1', '--samples', '20'])
    expect(death.code).not.toBe(0)
    expect(death.stderr).toMatch(/networks.*no spiking neurons: neuron death applies to spiking networks only/)
    const many = mimic(['--db', db, 'robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'noise', '--levels', '0.1', '--samples', '500'])
    expect(many.code).not.toBe(0)
    expect(many.stderr).toMatch(/samples.*dataset run \d+ has 80/)
    expect(mimicJson<unknown[]>(['runs', 'list'], { db }).length).toBe(before)
  })

  it('shows progress and stops on Ctrl-C: the run is cancelled and keeps no trials', async () => {
    const child = spawnMimic(['--db', db, 'robustness', '--project', '1', '--networks', `${ids.ebn},${ids.noEbn}`, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.1,0.2,0.3', '--draws', '400', '--samples', '80', '--seed', '1'])
    let stderr = ''
    const code = await new Promise<number | null>((resolve) => {
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString()
        if (/draw \d+ of 400/.test(stderr) && !child.killed) child.kill('SIGINT')
      })
      child.on('exit', (c) => resolve(c))
    })
    expect(stderr).toMatch(/network \d+, mismatch 0: draw \d+ of 400/)
    expect(code).toBe(130)
    const runs = mimicJson<{ id: number; kind: string; status: string }[]>(['runs', 'list', '--kind', 'robustness'], { db })
    const last = runs.reduce((x, y) => (y.id > x.id ? y : x))
    expect(last.status).toBe('cancelled')
    expect(mimicJson<{ rows: unknown[] }>(['results', '--run', String(last.id)], { db }).rows).toHaveLength(0)
  }, 120_000)
})

describe('mimic yield', () => {
  it('estimates the share of virtual chips meeting the spec with a 95 % interval, stored as a run', () => {
    const y = mimicJson<{ runId: number; yield: number; ci95: [number, number]; chips: number; passed: number }>([
      'yield', String(ids.teacher), '--mismatch', '0.05', '--chips', '8', '--min-accuracy', '0.9', '--data', String(ids.dataset), '--samples', '20', '--seed', '3',
    ], { db })
    expect(y.chips).toBe(8)
    expect(y.yield).toBe(y.passed / 8)
    expect(y.ci95[0]).toBeLessThanOrEqual(y.yield)
    expect(y.ci95[1]).toBeGreaterThanOrEqual(y.yield)
    // Clopper-Pearson at n = 8: x = 8 gives [0.6306, 1]; x = 0 gives [0, 0.3694]
    if (y.passed === 8) expect(y.ci95[0]).toBeCloseTo(0.63058, 4)
    const run = mimicJson<{ kind: string; parents: { id: number; role: string }[] }>(['runs', 'show', String(y.runId)], { db })
    expect(run.kind).toBe('yield')
    expect(run.parents.map((p) => p.id).sort()).toEqual([ids.dataset, ids.teacher].sort())
    // without --data: fresh samples of the network's task
    const fresh = mimicJson<{ chips: number; yield: number }>(['yield', String(ids.teacher), '--mismatch', '0.05', '--chips', '3', '--min-accuracy', '0.5', '--samples', '10', '--seed', '3'], { db })
    expect(fresh.chips).toBe(3)
    const text = mimic(['--db', db, 'yield', String(ids.teacher), '--mismatch', '0.05', '--chips', '3', '--min-accuracy', '0.5', '--samples', '10', '--seed', '3'])
    expect(text.stdout).toMatch(/^chip yield [\d.]+ \(95 % interval [\d.]+ to [\d.]+\): \d of 3 chips at σ = 0.05 reach accuracy ≥ 0.5/)
    // a network ADS on the chip emulator: its rate teacher runs on the simulator (the same sweep as robustness)
    const onChip = mimicJson<{ runId: number; chips: number }>(['yield', String(ids.ebn), '--mismatch', '0.05', '--chips', '2', '--min-accuracy', '0.5', '--data', String(ids.dataset), '--samples', '8', '--seed', '3', '--target', 'emulator'], { db })
    expect(onChip.chips).toBe(2)
    expect(mimicJson<{ notes: { body: string }[] }>(['runs', 'show', String(onChip.runId)], { db }).notes.map((n) => n.body).join('\n')).toContain(`teacher run ${ids.teacher} of network run ${ids.ebn} ran on the simulator`)
    // each chip a different virtual chip of the emulator: the yield is that of the robustness sweep's draws on them
    const chips = mimicJson<{ runId: number; chips: number; passed: number; medianAccuracy: number }>(['yield', String(ids.ebn), '--mismatch', '0.2', '--chips', '2', '--min-accuracy', '0.5', '--data', String(ids.dataset), '--samples', '8', '--seed', '7', '--target', 'emulator', '--mismatch-on', 'chip'], { db })
    const same = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', String(ids.ebn), '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0.2', '--draws', '2', '--samples', '8', '--seed', '7', '--target', 'emulator', '--mismatch-on', 'chip'], { db })
    expect(chips.passed).toBe(same.rows.filter((r) => r.accuracy >= 0.5).length)
    expect(chips.medianAccuracy).toBeCloseTo((same.rows[0].accuracy + same.rows[1].accuracy) / 2, 12)
    const refused = mimic(['--db', db, 'yield', String(ids.ebn), '--mismatch', '0.2', '--chips', '2', '--min-accuracy', '0.5', '--data', String(ids.dataset), '--samples', '8', '--target', 'mapped', '--mismatch-on', 'chip'])
    expect(refused.stderr).toContain('(--mismatch-on) "chip" needs an emulator target (emulator, emulator-se1), whose virtual chips each have their own mismatch; target "mapped" has none')
  }, 120_000)
})

describe('mimic report', () => {
  it('writes one self-contained HTML file: parameters, figures, tables, code version; no external URL; balanced tags', () => {
    const a = mimicJson<Analysis>(['robustness', '--project', '1', '--networks', `${ids.teacher},${ids.ebn}`, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.2', '--draws', '3', '--samples', '10', '--seed', '4'], { db })
    const out = join(tempDir(), 'report.html')
    const r = mimicJson<{ out: string; bytes: number }>(['report', String(a.runId), '--out', out], { db })
    expect(r.out).toBe(out)
    const html = readFileSync(out, 'utf8')
    expect(r.bytes).toBe(Buffer.byteLength(html))
    expect(html.toLowerCase().startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/\b(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i)
    expect(html).not.toMatch(/@import/i)
    expect(unbalancedTags(html)).toEqual([])
    expect(html).toContain('<svg')
    expect(html).toMatch(/0\.1\.0\+[0-9a-f]{12}/) // the code version
    expect(html).toContain('Mann-Whitney')
    const runs = mimic(['--db', db, 'report', String(ids.teacher), '--out', out])
    expect(runs.code).not.toBe(0)
    expect(runs.stderr).toMatch(/is a teacher run: robustness statistics and reports are made for robustness and chip-yield runs/)
  }, 120_000)
})

describe('train ads --fast-weight-scale', () => {
  it('authors: Ω_f without the factor τ_mem, 1/τ_mem = 20 times the default at 50 ms; recorded with the run', () => {
    const train = (extra: string[]) =>
      mimicJson<{ id: number; params: Record<string, unknown> }>(['train', 'ads', '--project', '1', '--teacher', String(ids.teacher), '--neurons', '30', '--epochs', '1', '--samples-per-epoch', '5', '--validation-samples', '5', '--test-samples', '5', '--seed', '4', ...extra], { db })
    const mem = train([])
    const authors = train(['--fast-weight-scale', 'authors'])
    expect(mem.params.fastWeightScale).toBe('tau-mem')
    expect(authors.params.fastWeightScale).toBe('authors')
    const store = openStore(db)
    const a = store.artifacts.get(mem.id, 'omegaF').data as Float32Array
    const b = store.artifacts.get(authors.id, 'omegaF').data as Float32Array
    store.close()
    let nonzero = 0
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0) {
        expect(b[i]).toBe(0)
        continue
      }
      nonzero++
      expect(b[i] / a[i]).toBeCloseTo(20, 4)
    }
    expect(nonzero).toBeGreaterThan(30 * 28)
  }, 120_000)
})
