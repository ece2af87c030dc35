// Network bundles: a database written before bundles existed (schema 2) gets one for every trained
// network and stays usable; the loader refuses what is not a network, an unknown architecture and a
// newer format, each with a message that says what to do; runs.get tells whether a run is a network.
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildEbn, generateXor, initTeacher } from '../../native/index.ts'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { writeNpz } from '../../src/formats/npz.ts'
import { Services } from '../../src/services/index.ts'
import { defaultTask } from '../../src/shared/tasks/index.ts'
import { dtypeOf, toBytes } from '../../src/shared/arrays.ts'
import type { TypedArray } from '../../src/shared/types.ts'
import { migrate } from '../../src/store/db.ts'
import { latestVersion, openStore } from '../../src/store/index.ts'
import { migrations } from '../../src/store/migrations.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { thrown } from '../support/thrown.ts'

const open: Services[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
  cleanupTemp()
})

const neuronParams = { tauMemMs: 50, tauSMs: 70, tauFMs: 1, tauOutMs: 70, vTh: 1, vRest: 0.5, vReset: 0, bias: 0, refractoryMs: 0 }

/**
 * A database as the workbench wrote it before network bundles (schema 2, the job kinds of that
 * time): a dataset, a teacher, an ADS network without fast weights, an untrained EBN network, a failed
 * teacher and a pipeline, with their artifacts under the names the old code used.
 */
async function oldDatabase(path: string): Promise<void> {
  const raw = new Database(path)
  migrate(raw, 2)
  const runs = raw.prepare(
    `INSERT INTO runs (id, project_id, kind, name, status, params, seed, created_at, started_at, finished_at, code_version, host, summary)
     VALUES (?, 1, ?, ?, ?, ?, ?, 1, 1, 2, 'v0', 'old-host', ?)`,
  )
  const job = raw.prepare(`INSERT INTO jobs (run_id, job_kind, owner_pid, owner_host, updated_at, heartbeat_at, fraction) VALUES (?, ?, 1, 'old-host', 2, 2, 1)`)
  const link = raw.prepare('INSERT INTO run_lineage (parent_id, child_id, role) VALUES (?, ?, ?)')
  // artifacts as that schema held them: the bytes in their row (artifact parts came with schema 12)
  const insert = raw.prepare('INSERT INTO artifacts (run_id, name, dtype, shape, bytes, created_at) VALUES (?, ?, ?, ?, ?, 1)')
  const artifacts = {
    put: (runId: number, items: { name: string; data: TypedArray; shape: number[] }[]) => {
      for (const a of items) insert.run(runId, a.name, dtypeOf(a.data), JSON.stringify(a.shape), toBytes(a.data))
    },
  }
  raw.prepare("INSERT INTO projects (id, name, created_at) VALUES (1, 'old', 1)").run()

  const data = await generateXor({ count: 6, seed: 4 })
  runs.run(1, 'dataset', 'XOR dataset · seed 4', 'succeeded', JSON.stringify({ count: 6, seed: 4, durationS: 1, dtMs: 1 }), 4, '{"samples":6}')
  job.run(1, 'data.xor')
  artifacts.put(1, [
    { name: 'inputs', data: data.inputs, shape: [6, data.steps, 1] },
    { name: 'targets', data: data.targets, shape: [6, data.steps, 1] },
    { name: 'labels', data: data.labels, shape: [6] },
  ])

  const t = await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 3 })
  runs.run(2, 'teacher', 'Teacher (BPTT) · seed 3', 'succeeded', JSON.stringify({ units: 8, epochs: 1, seed: 3 }), 3, '{"testAccuracy":0.5}')
  job.run(2, 'train.teacher')
  artifacts.put(2, [
    { name: 'wIn', data: t.wIn, shape: [8, 1] },
    { name: 'wRec', data: t.wRec, shape: [8, 8] },
    { name: 'wOut', data: t.wOut, shape: [1, 8] },
    { name: 'bias', data: t.bias, shape: [8] },
    { name: 'tauMs', data: t.tauMs, shape: [8] },
    { name: 'test.outputs', data: new Float32Array(10), shape: [1, 10, 1] },
  ])

  const ebn = await buildEbn({ neurons: 24, dims: 8, seed: 5, noEbn: true, input: { fHat: t.wIn, channels: 1, gain: 200 } })
  const network = (id: number, withReadout: boolean): void => {
    artifacts.put(id, [
      { name: 'wIn', data: ebn.wIn!, shape: [24, 1] },
      { name: 'omegaF', data: ebn.omegaF, shape: [24, 24] },
      { name: 'omegaS', data: ebn.omegaS, shape: [24, 24] },
      { name: 'decoder', data: ebn.decoder, shape: [8, 24] },
      { name: 'encoder', data: ebn.encoder, shape: [24, 8] },
      ...(withReadout ? [{ name: 'readout', data: t.wOut, shape: [1, 8] }] : []),
      ...Object.entries(neuronParams).map(([k, v]) => ({ name: `neuron.${k}`, data: new Float32Array(24).fill(v), shape: [24] })),
      ...(withReadout ? [] : [{ name: 'thresholds', data: ebn.thresholds, shape: [24] }]),
    ])
  }
  runs.run(3, 'ads', 'Network ADS · N 24 · seed 5', 'succeeded', JSON.stringify({ teacher: 2, neurons: 24, ebn: false, seed: 5 }), 5, '{"bestEpoch":1}')
  job.run(3, 'train.ads')
  link.run(2, 3, 'teacher')
  network(3, true)

  runs.run(4, 'network', 'Spiking network (EBN) · seed 5', 'succeeded', JSON.stringify({ neurons: 24, dims: 8, channels: 1, ebn: true, seed: 5 }), 5, '{}')
  job.run(4, 'network.create')
  network(4, false)

  runs.run(5, 'teacher', 'Teacher (BPTT) · seed 9', 'failed', JSON.stringify({ units: 8, seed: 9 }), 9, '{}')
  job.run(5, 'train.teacher')

  runs.run(6, 'pipeline', 'Temporal XOR pipeline · seed 1', 'succeeded', JSON.stringify({ seed: 1, neurons: 320 }), 1, '{"adsTestAccuracy":0.99}')
  job.run(6, 'pipeline.xor')
  raw.close()
}

describe('network bundles', () => {
  it('a schema-2 database gets a bundle for every trained network, keeps its data, and its networks run', async () => {
    const path = tempDb()
    await oldDatabase(path)
    const store = openStore(path)
    expect(store.schemaVersion).toBe(latestVersion)
    expect(store.networks.find(2)).toEqual({ runId: 2, architecture: 'rate', formatVersion: 1, meta: { units: 8, channels: 1, outputs: 1, dims: 8, dtMs: 1, task: null, fitted: {} } })
    expect(store.networks.find(3)).toEqual({
      runId: 3,
      architecture: 'ads',
      formatVersion: 1,
      meta: { variant: 'no-ebn', neurons: 24, units: 24, channels: 1, dims: 8, outputs: 1, dtMs: 1, task: null, fitted: {} },
    })
    expect(store.networks.find(4)?.meta).toMatchObject({ variant: 'ebn', outputs: 0, units: 24 })
    // a dataset, a failed teacher and a pipeline hold no network
    expect([1, 5, 6].map((id) => store.networks.find(id))).toEqual([undefined, undefined, undefined])
    // old job kinds are read as the kinds that replaced them
    expect([1, 6].map((id) => store.jobs.find(id)?.jobKind)).toEqual(['data.generate', 'pipeline'])
    expect(store.runs.get(6)).toMatchObject({ name: 'Temporal XOR pipeline · seed 1', params: { seed: 1, neurons: 320 }, summary: { adsTestAccuracy: 0.99 } })

    const teacher = loadBundle<{ wRec: Float32Array; units: number }>(store, 2)
    expect(teacher).toMatchObject({ architecture: 'rate', variant: null, task: defaultTask, sizes: { channels: 1, outputs: 1, units: 8, dims: 8 } })
    expect([...teacher.net.wRec]).toEqual([...(await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 3 })).wRec])
    expect(loadBundle(store, 3)).toMatchObject({ architecture: 'ads', variant: 'no-ebn', sizes: { channels: 1, outputs: 1, units: 24, dims: 8 } })
    store.close()

    const s = new Services({ dbPath: path, frontDoor: 'cli' })
    open.push(s)
    expect((await s.call('runs.get', { id: 3 })).network).toEqual({ architecture: 'ads', variant: 'no-ebn', formatVersion: 1, task: null, fitted: {} })
    expect((await s.call('runs.get', { id: 2 })).network).toEqual({ architecture: 'rate', variant: null, formatVersion: 1, task: null, fitted: {} })
    expect((await s.call('runs.get', { id: 1 })).network).toBeNull()
    expect((await s.call('runs.get', { id: 1 })).jobKind).toBe('data.generate')
    // the migrated network ADS evaluates on the migrated dataset, compared with its migrated teacher
    const { runId } = await s.call('jobs.start', { kind: 'eval', projectId: 1, params: { network: 3, dataset: 1, seed: 1 } })
    expect(await s.runner.wait(runId)).toBe('succeeded')
    const ev = await s.call('runs.get', { id: runId })
    expect(ev.summary.samples).toBe(6)
    expect(ev.summary.reconstructionError).toBeGreaterThan(0)
    expect(ev.parents.map((p) => [p.id, p.role]).sort()).toEqual([[1, 'dataset'], [3, 'network']])
    // a teacher evaluated against a teacher: its own trajectory as "decoded", the teacher's beside it
    const self = await s.call('jobs.start', { kind: 'eval', projectId: 1, params: { network: 2, dataset: 1, teacher: 2 } })
    expect(await s.runner.wait(self.runId)).toBe('succeeded')
    const selfRun = await s.call('runs.get', { id: self.runId })
    expect(selfRun.summary).toMatchObject({ reconstructionError: 0, teacherAgreement: 1 })
    expect(selfRun.artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['decoded', 'teacher.activations', 'teacher.predictions']))
    // and the old pipeline's kind is run again as the new one
    expect((await s.call('runs.get', { id: 6 })).jobKind).toBe('pipeline')
  })

  it('a schema-4 database whose migration 3 was the empty placeholder (the results code before the bundles) gets them too', async () => {
    const path = tempDb()
    await oldDatabase(path)
    // what that code did to a schema-2 database: migration 3 ran as an empty placeholder, then 4
    const raw = new Database(path)
    raw.exec(migrations.find((m) => m.version === 4)!.sql)
    raw.pragma('user_version = 4')
    raw.prepare(`INSERT INTO result_items (run_id, item, network_id, architecture, labels) VALUES (1, 0, 3, 'ads', '{"sample":0}')`).run()
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'networks'").get()).toEqual({ n: 0 })
    raw.close()
    const store = openStore(path)
    try {
      expect(store.schemaVersion).toBe(latestVersion)
      expect(store.networks.find(2)).toEqual({ runId: 2, architecture: 'rate', formatVersion: 1, meta: { units: 8, channels: 1, outputs: 1, dims: 8, dtMs: 1, task: null, fitted: {} } })
      expect(store.networks.find(3)?.meta).toMatchObject({ variant: 'no-ebn', neurons: 24, outputs: 1 })
      expect(store.networks.find(4)?.meta).toMatchObject({ variant: 'ebn', outputs: 0 })
      expect([1, 5, 6].map((id) => store.networks.find(id))).toEqual([undefined, undefined, undefined])
      expect(loadBundle(store, 3)).toMatchObject({ architecture: 'ads', variant: 'no-ebn' })
      // what migration 4 stored is kept
      expect(store.results.count(1)).toBe(1)
    } finally {
      store.close()
    }
  })

  it('a database whose migration 3 made the networks table keeps the bundles saved since through migration 5', async () => {
    const path = tempDb()
    await oldDatabase(path)
    const raw = new Database(path)
    migrate(raw, 4)
    // a bundle saved after migration 3 (by the code that trains networks), and one the backfill made
    raw.prepare("UPDATE networks SET meta = json_set(meta, '$.task', 'xor', '$.fitted', json_object('boundary', 0.25)) WHERE run_id = 2").run()
    raw.prepare('DELETE FROM networks WHERE run_id = 4').run()
    const before = raw.prepare('SELECT * FROM networks ORDER BY run_id').all()
    raw.close()
    const store = openStore(path)
    try {
      expect(store.schemaVersion).toBe(latestVersion)
      expect(store.networks.find(2)?.meta).toMatchObject({ task: 'xor', fitted: { boundary: 0.25 } })
      // the rows as they were, and the backfill again for a network run that had none
      expect(store.db.prepare('SELECT * FROM networks WHERE run_id != 4 ORDER BY run_id').all()).toEqual(before)
      expect(store.networks.find(4)?.meta).toMatchObject({ variant: 'ebn', outputs: 0 })
    } finally {
      store.close()
    }
  })

  it('refuses runs that are not networks, unknown architectures and newer formats, naming the run and what to do', () => {
    const store = openStore(tempDb())
    open.push({ close: async () => store.close() } as unknown as Services)
    const p = store.projects.create('P')
    const run = (kind: string, name: string) =>
      store.runs.create({ projectId: p.id, kind, name, params: {}, seed: null, codeVersion: 'v', host: 'h', status: 'succeeded' }).id
    const ds = run('dataset', 'some data')
    expect((thrown(() => loadBundle(store, ds)) as Error).message).toBe(
      `Run ${ds} “some data” is a dataset run, not a network: give the id of a run that holds a trained network (\`mimic runs list\` shows teacher, network and ADS runs).`,
    )
    const future = run('memristor', 'from the future')
    store.networks.put(future, 'memristor', 1, { channels: 1, outputs: 1, units: 4, dims: 4 })
    expect((thrown(() => loadBundle(store, future)) as Error).message).toBe(
      `Run ${future} holds a network of architecture "memristor", which this version of Mimic Workbench does not know (it knows rate, ads, reservoir, force, bptt-snn): upgrade Mimic Workbench to use it.`,
    )
    const newer = run('teacher', 'newer teacher')
    store.networks.put(newer, 'rate', 2, { channels: 1, outputs: 1, units: 4, dims: 4 })
    expect((thrown(() => loadBundle(store, newer)) as Error).message).toBe(
      `Run ${newer} holds a Rate network (teacher) in bundle format 2, newer than this version of Mimic Workbench reads (up to 1): upgrade Mimic Workbench to use it.`,
    )
    // a bundle whose arrays disagree with its meta
    const lying = run('teacher', 'lying teacher')
    store.networks.put(lying, 'rate', 1, { channels: 1, outputs: 1, units: 4, dims: 4 })
    store.artifacts.put(lying, [{ name: 'wIn', data: new Float32Array(3), shape: [3, 1] }])
    expect((thrown(() => loadBundle(store, lying)) as Error).message).toBe(`Run ${lying}: artifact "wIn" is float32[3, 1] but a rate network needs float32[4, 1].`)
  })

  it('jobs refuse a run that is not a network by the field, before storing anything', async () => {
    const s = new Services({ dbPath: tempDb(), frontDoor: 'cli' })
    open.push(s)
    const p = await s.call('projects.create', { name: 'P' })
    const { runId: ds } = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { task: 'xor', count: 4, seed: 1 } })
    expect(await s.runner.wait(ds)).toBe('succeeded')
    const before = (await s.call('runs.list', {})).length
    const err = await s.call('jobs.start', { kind: 'eval', projectId: p.id, params: { network: ds, dataset: ds } }).catch((e: Error) => e)
    expect((err as Error).message).toMatch(new RegExp(`^Trained network run is run ${ds} “[^”]+”, a dataset run: choose a teacher, ads, reservoir, force or bptt-snn run\\.$`))
    const target = await s.call('jobs.start', { kind: 'simulate', projectId: p.id, params: { network: ds, dataset: ds, target: 'board-7' } }).catch((e: Error) => e)
    expect((target as Error).message).toMatch(/^Network run is run \d+ “[^”]+”, a dataset run: choose a network, ads, reservoir, force or bptt-snn run\.$/)
    expect((await s.call('runs.list', {})).length).toBe(before)
  })
})

describe('dataset runs record their task', () => {
  it('an import takes the task it names (it must fit) or the first that fits; a file no task fits records none', async () => {
    const s = new Services({ dbPath: tempDb(), frontDoor: 'cli' })
    open.push(s)
    const p = await s.call('projects.create', { name: 'P' })
    const file = (channels: number) =>
      writeNpz({
        inputs: { dtype: 'float32', shape: [2, 5, channels], data: new Float32Array(10 * channels) },
        targets: { dtype: 'float32', shape: [2, 5, 1], data: new Float32Array(10) },
      })
    const fits = await s.call('datasets.import', { projectId: p.id, fileName: 'a.npz', bytes: file(1) })
    expect((await s.call('runs.get', { id: fits.id })).params.task).toBe('xor')
    const named = await s.call('datasets.import', { projectId: p.id, fileName: 'b.npz', bytes: file(1), task: 'xor' })
    expect((await s.call('runs.get', { id: named.id })).params.task).toBe('xor')
    const wide = await s.call('datasets.import', { projectId: p.id, fileName: 'c.npz', bytes: file(3) })
    expect((await s.call('runs.get', { id: wide.id })).params).not.toHaveProperty('task')
    const before = (await s.call('runs.list', {})).length
    const err = (await s.call('datasets.import', { projectId: p.id, fileName: 'd.npz', bytes: file(3), task: 'xor' }).catch((e: Error) => e)) as Error & { field?: string }
    expect(err.message).toBe('Task is Temporal XOR, whose samples have 1 input channel(s) and 1 output(s), but the file has 3 and 1: choose no task.')
    expect(err.field).toBe('task')
    expect((await s.call('runs.list', {})).length).toBe(before)
  })
})
