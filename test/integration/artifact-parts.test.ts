// Artifacts larger than one SQLite value (better-sqlite3 refuses a value above 2^29 bytes) are stored
// in parts (src/store/artifacts.ts, migration 12). Here the part size is 1 MiB, so that a 3 MB array
// spans three parts: whole reads, row reads across part boundaries, sizes, cascade deletes, project
// export/import and cluster shipping all see one artifact. Databases written before parts existed
// read as before. test/slow/artifact-large.test.ts stores a real 640 MB array.
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate } from '../../src/store/db.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { readBundle, writeBundle } from '../../src/formats/bundle.ts'
import { loadDataset } from '../../src/plugins/datasets.ts'
import { partCount, partsOf, rampCorpus } from '../support/artifact-parts.ts'
import { storeDataset } from '../support/datasets.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const MiB = 1024 * 1024
const opened: Store[] = []
/** A store with parts of partBytes (null: the default, 4 MiB). */
function open(path = tempDb(), partBytes: number | null = MiB): Store {
  const s = openStore(path, partBytes === null ? {} : { artifactPartBytes: partBytes })
  opened.push(s)
  return s
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close()
  cleanupTemp()
})

function newRun(store: Store, projectId: number, name = 'corpus') {
  return store.runs.create({ projectId, kind: 'dataset', name, params: { a: 1 }, seed: 7, codeVersion: 'v', host: 'h' })
}

// 200 samples of 777 steps x 5 channels: 15,540 bytes a sample, 3,108,000 in all: parts of
// 1,048,576 bytes end inside samples 67 and 134.
const shape = [200, 777, 5]
const rowValues = 777 * 5
const rowBytes = rowValues * 4
const corpus = (): Float32Array => rampCorpus(200 * rowValues, 100_003, 0.25, -7)

/** A store (1 MiB parts) with project "Lab" and a finished run holding the corpus as `inputs`. */
function storedCorpus() {
  const src = open()
  const p = src.projects.create('Lab')
  const r = newRun(src, p.id)
  const x = corpus()
  src.artifacts.put(r.id, [{ name: 'inputs', data: x, shape }])
  src.runs.finish(r.id, 'succeeded')
  return { src, p, r, x }
}

describe('artifacts in parts', () => {
  it('stores an artifact larger than a part in parts and reads it back whole, by rows across part boundaries, and with its true size', () => {
    const store = open()
    const p = store.projects.create('Lab')
    const r = newRun(store, p.id)
    const x = corpus()
    const small = Int8Array.from([1, -1, 1])
    const metas = store.artifacts.put(r.id, [
      { name: 'inputs', data: x, shape },
      { name: 'labels', data: small, shape: [3] },
    ])
    expect(metas.map((m) => [m.name, m.byteLength])).toEqual([['inputs', x.byteLength], ['labels', 3]])
    expect(partsOf(store, r.id, 'inputs')).toEqual([
      { part: 0, start: 0, n: MiB },
      { part: 1, start: MiB, n: MiB },
      { part: 2, start: 2 * MiB, n: x.byteLength - 2 * MiB },
    ])
    // the row holds none of it; a small artifact stays in its row, as before
    expect(store.db.prepare("SELECT name, length(bytes) AS n FROM artifacts WHERE run_id = ? ORDER BY name").all(r.id)).toEqual([
      { name: 'inputs', n: 0 },
      { name: 'labels', n: 3 },
    ])
    expect(partsOf(store, r.id, 'labels')).toEqual([])

    expect(store.artifacts.list(r.id).map((m) => [m.name, m.byteLength])).toEqual([['inputs', 3_108_000], ['labels', 3]])
    const back = store.artifacts.get(r.id, 'inputs')
    expect(back).toMatchObject({ dtype: 'float32', shape, byteLength: 3_108_000 })
    expect(back.data).toEqual(x)
    expect(store.artifacts.get(r.id, 'labels').data).toEqual(small)

    for (const [start, count] of [
      [60, 15], // across the first boundary (inside sample 67)
      [67, 1], // the one sample split by it
      [134, 1],
      [0, 200], // all of it
      [66, 70], // across both
      [80, 20], // inside part 1 only
      [190, 50], // clipped at the end
    ]) {
      const rows = store.artifacts.getRows(r.id, 'inputs', start, count)
      const take = Math.min(count, 200 - start)
      expect(rows).toMatchObject({ shape: [take, 777, 5], byteLength: take * rowBytes })
      expect(rows.data).toEqual(x.subarray(start * rowValues, (start + take) * rowValues))
    }
  })

  it('reads rows from the parts they overlap only', () => {
    const store = open()
    const r = newRun(store, store.projects.create('Lab').id)
    const x = corpus()
    store.artifacts.put(r.id, [{ name: 'inputs', data: x, shape }])
    // damage the last part (move it by 4 bytes): rows before it still read, the whole array and
    // rows in that part are refused as damaged
    store.db.prepare('UPDATE artifact_parts SET start = start + 4 WHERE part = 2').run()
    expect(store.artifacts.getRows(r.id, 'inputs', 10, 100).data).toEqual(x.subarray(10 * rowValues, 110 * rowValues))
    expect(() => store.artifacts.get(r.id, 'inputs')).toThrow(/^Artifact "inputs" of run \d+ has a part at byte 2097156 where byte 2097152 was expected: the database is damaged\.$/)
    expect(() => store.artifacts.getRows(r.id, 'inputs', 130, 10)).toThrow(/^Artifact "inputs" of run \d+ has a part at byte 2097156 where byte 2097152 was expected: the database is damaged\.$/)
  })

  it('a slice of a dataset run reads its samples only: labels too come from the parts they overlap', () => {
    // 12 samples of 3 steps: labels (12 bytes) in parts of 4 bytes, samples 0-3, 4-7 and 8-11
    const store = open(tempDb(), 4)
    const projectId = store.projects.create('Lab').id
    const [samples, steps, channels, outputs] = [12, 3, 2, 1]
    const batch = {
      inputs: Float32Array.from({ length: samples * steps * channels }, (_, i) => i * 0.5),
      targets: Float32Array.from({ length: samples * steps * outputs }, (_, i) => -i),
      labels: Int8Array.from({ length: samples }, (_, i) => (i % 3 === 0 ? 1 : -1) * (i + 1)),
      steps,
      channels,
      outputs,
    }
    const id = storeDataset(store, { projectId, name: 'tiny', params: { task: 'xor', dtMs: 1 } }, [{ batch }])
    // damage the labels' last part (move it by one byte): samples before it still load
    store.db.prepare("UPDATE artifact_parts SET start = start + 1 WHERE part = 2 AND artifact_id = (SELECT id FROM artifacts WHERE run_id = ? AND name = 'labels')").run(id)
    const d = loadDataset(store, id, 2, 5)
    expect(d.samples).toBe(5)
    expect(d.labels).toEqual(batch.labels.slice(2, 7))
    expect(d.inputs).toEqual(batch.inputs.slice(2 * steps * channels, 7 * steps * channels))
    expect(d.targets).toEqual(batch.targets.slice(2 * steps, 7 * steps))
    expect(() => loadDataset(store, id, 6, 4)).toThrow(/^Artifact "labels" of run \d+ has a part at byte 9 where byte 8 was expected: the database is damaged\.$/)
  })

  it('splits at exactly the part size: as large as a part stays in the row, one byte more makes two parts', () => {
    const store = open()
    const r = newRun(store, store.projects.create('Lab').id)
    const one = Uint8Array.from({ length: MiB }, (_, i) => i % 251)
    const two = Uint8Array.from({ length: MiB + 1 }, (_, i) => i % 241)
    store.artifacts.put(r.id, [
      { name: 'one', data: one, shape: [MiB] },
      { name: 'two', data: two, shape: [MiB + 1] },
    ])
    expect(partsOf(store, r.id, 'one')).toEqual([])
    expect(partsOf(store, r.id, 'two').map((q) => q.n)).toEqual([MiB, 1])
    expect(store.artifacts.get(r.id, 'one').data).toEqual(one)
    expect(store.artifacts.get(r.id, 'two').data).toEqual(two)
    expect(store.artifacts.getRows(r.id, 'two', MiB - 2, 5).data).toEqual(two.subarray(MiB - 2))
  })

  it('deleting the run, or its project, deletes the parts', () => {
    const store = open()
    const p = store.projects.create('Lab')
    const a = newRun(store, p.id, 'a')
    const b = newRun(store, p.id, 'b')
    store.artifacts.put(a.id, [{ name: 'inputs', data: corpus(), shape }])
    store.artifacts.put(b.id, [{ name: 'inputs', data: corpus(), shape }])
    const count = () => partCount(store)
    expect(count()).toBe(6)
    store.runs.finish(a.id, 'succeeded')
    store.runs.delete(a.id)
    expect(count()).toBe(3)
    expect(store.artifacts.get(b.id, 'inputs').data).toEqual(corpus())
    store.runs.finish(b.id, 'succeeded')
    store.projects.delete(p.id)
    expect(count()).toBe(0)
  })

  it('a project with a parted artifact exports and imports byte for byte, into parts of the importing database', () => {
    const { src, p, r, x } = storedCorpus()
    const bundle = writeBundle(src.readProject(p.id), { codeVersion: 'v', version: '0', host: 'h' })
    const snap = readBundle(bundle, 'lab.mimic')
    expect(snap.artifacts.map((a) => [a.name, a.bytes.byteLength])).toEqual([['inputs', 3_108_000]])

    const dst = open(tempDb(), 512 * 1024)
    const imp = dst.writeProject(snap)
    const id = imp.idMap[String(r.id)]
    expect(partsOf(dst, id, 'inputs').length).toBe(6)
    expect(dst.artifacts.get(id, 'inputs').data).toEqual(x)
    expect(dst.artifacts.getRows(id, 'inputs', 33, 2).data).toEqual(x.subarray(33 * rowValues, 35 * rowValues))

    // the default part size (4 MiB) keeps it in the row; it reads the same
    const plain = open(tempDb(), null)
    const id2 = plain.writeProject(snap).idMap[String(r.id)]
    expect(partsOf(plain, id2, 'inputs')).toEqual([])
    expect(plain.artifacts.get(id2, 'inputs').data).toEqual(x)
  })

  it('a shipped run (a cluster sweep input) carries a parted artifact whole', () => {
    const { src, p, r, x } = storedCorpus()
    const shipped = src.readShippedRun(r.id)
    expect(Buffer.from(shipped.artifacts[0].base64, 'base64').byteLength).toBe(3_108_000)
    const node = open()
    const np = node.projects.create('Node')
    expect(node.writeShippedRuns(np.id, [shipped])).toEqual([r.id])
    expect(partsOf(node, r.id, 'inputs').length).toBe(3)
    expect(node.artifacts.get(r.id, 'inputs').data).toEqual(x)
  })

  it('a database written before parts existed opens, migrates and reads its artifacts as before', () => {
    const path = tempDb()
    const raw = new Database(path)
    migrate(raw, 11)
    raw.prepare("INSERT INTO projects (id, name, created_at) VALUES (1, 'Old', 0)").run()
    raw.prepare("INSERT INTO runs (id, project_id, kind, name, status, created_at, code_version, host) VALUES (1, 1, 'dataset', 'd', 'succeeded', 0, 'v', 'h')").run()
    const w = Float32Array.from({ length: 12 }, (_, i) => i - 3)
    raw.prepare("INSERT INTO artifacts (run_id, name, dtype, shape, bytes, created_at) VALUES (1, 'w', 'float32', '[3,4]', ?, 0)").run(Buffer.from(w.buffer))
    raw.close()
    const store = open(path)
    expect(store.schemaVersion).toBeGreaterThanOrEqual(12)
    expect(store.artifacts.list(1).map((m) => [m.name, m.byteLength])).toEqual([['w', 48]])
    expect(store.artifacts.get(1, 'w').data).toEqual(w)
    expect(store.artifacts.getRows(1, 'w', 1, 1).data).toEqual(w.subarray(4, 8))
  })

  it('an artifact that cannot be stored fails with its name, size and the fix, and leaves nothing behind', () => {
    const store = open()
    const r = newRun(store, store.projects.create('Lab').id)
    store.artifacts.put(r.id, [{ name: 'small', data: new Float32Array(4), shape: [4] }])
    // a database that may not grow: SQLite's "database or disk is full"
    const pages = store.db.pragma('page_count', { simple: true }) as number
    store.db.pragma(`max_page_count = ${pages + 100}`)
    expect(() => store.artifacts.put(r.id, [{ name: 'inputs', data: corpus(), shape }])).toThrow(
      /^Artifact "inputs" of run \d+ \(float32\[200,777,5\], 3\.0 MiB\) could not be stored: the database cannot grow \(the disk holding it is full\)\. Free at least 3\.0 MiB there/,
    )
    expect(store.artifacts.list(r.id).map((m) => m.name)).toEqual(['small'])
    expect(partCount(store)).toBe(0)
  })

  it('refuses a part size it cannot use', () => {
    expect(() => open(tempDb(), 0)).toThrow(/artifactPartBytes must be a whole number of bytes from 1 to 268435456 \(got 0\)/)
    expect(() => open(tempDb(), 2 ** 29)).toThrow(/artifactPartBytes must be/)
  })
})
