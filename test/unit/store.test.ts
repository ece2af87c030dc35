// Store repositories on real SQLite files.
import { statSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.ts'
import { AppError } from '../../src/shared/errors.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

let store: Store
beforeEach(() => {
  store = openStore(tempDb())
})
afterEach(() => {
  store.close()
  cleanupTemp()
})

function newRun(projectId: number, extra: Partial<Parameters<Store['runs']['create']>[0]> = {}) {
  return store.runs.create({ projectId, kind: 'dataset', name: 'r', params: { a: 1 }, seed: 42, codeVersion: 'v', host: 'h', ...extra })
}

describe('projects', () => {
  it('creates, lists, renames and deletes', () => {
    const p = store.projects.create('Lab')
    expect(p).toMatchObject({ name: 'Lab', runCount: 0 })
    expect(store.projects.list().map((x) => x.name)).toEqual(['Lab'])
    expect(store.projects.rename(p.id, 'Lab 2').name).toBe('Lab 2')
    store.projects.delete(p.id)
    expect(store.projects.list()).toEqual([])
  })

  it('refuses duplicate names (case-insensitive) and unknown ids without changing anything', () => {
    const p = store.projects.create('Lab')
    expect(() => store.projects.create('lab')).toThrow(/already exists/)
    expect(() => store.projects.rename(999, 'x')).toThrow(AppError)
    expect(() => store.projects.delete(999)).toThrow(/no project with id 999/)
    expect(store.projects.list()).toEqual([store.projects.get(p.id)])
  })

  it('deleting a project removes its runs, metrics and artifacts in one go, but not while a job runs', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    store.metrics.append(r.id, [{ key: 'loss', step: 0, value: 1 }])
    store.artifacts.put(r.id, [{ name: 'w', data: new Float32Array(4), shape: [2, 2] }])
    store.jobs.register(r.id, 'data.xor', process.pid, 'h')
    store.runs.markStarted(r.id)
    expect(() => store.projects.delete(p.id)).toThrow(/still running/)
    store.runs.finish(r.id, 'succeeded')
    store.projects.delete(p.id)
    const left = store.db.prepare('SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM metrics) + (SELECT COUNT(*) FROM artifacts) + (SELECT COUNT(*) FROM jobs) AS n').get() as { n: number }
    expect(left.n).toBe(0)
  })
})

describe('runs', () => {
  it('records parameters, seed, code version, host, lineage, tags and notes', () => {
    const p = store.projects.create('Lab')
    const parent = newRun(p.id)
    const child = newRun(p.id, { kind: 'teacher', parents: [{ id: parent.id, role: 'dataset' }] })
    expect(child).toMatchObject({ params: { a: 1 }, seed: 42, codeVersion: 'v', host: 'h', status: 'queued' })
    expect(store.runs.parents(child.id)).toEqual([{ id: parent.id, name: 'r', kind: 'dataset', status: 'queued', role: 'dataset' }])
    expect(store.runs.children(parent.id).map((c) => c.id)).toEqual([child.id])
    expect(store.runs.tag(child.id, 'best', false)).toEqual(['best'])
    expect(store.runs.tag(child.id, 'alpha', false)).toEqual(['alpha', 'best'])
    expect(store.runs.tag(child.id, 'best', true)).toEqual(['alpha'])
    const note = store.runs.addNote(child.id, 'looks good')
    expect(store.runs.notes(child.id)).toEqual([note])
  })

  it('refuses a link to a missing parent and leaves no half-made run', () => {
    const p = store.projects.create('Lab')
    expect(() => newRun(p.id, { parents: [{ id: 12345, role: 'x' }] })).toThrow(/parent run 12345 does not exist/)
    expect(store.runs.list()).toEqual([])
  })

  it('moves through statuses; the first final status wins', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    store.runs.markStarted(r.id)
    expect(store.runs.get(r.id).status).toBe('running')
    expect(store.runs.finish(r.id, 'succeeded', null, { accuracy: 1 })).toBe(true)
    expect(store.runs.finish(r.id, 'cancelled')).toBe(false)
    const done = store.runs.get(r.id)
    expect(done.status).toBe('succeeded')
    expect(done.summary).toEqual({ accuracy: 1 })
    expect(done.durationSeconds).toBe((Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)) / 1000)
  })

  it('filters lists and refuses to delete a running run', () => {
    const p = store.projects.create('Lab')
    const a = newRun(p.id)
    const b = newRun(p.id, { kind: 'teacher' })
    store.runs.markStarted(b.id)
    expect(store.runs.list({ kind: 'teacher' }).map((r) => r.id)).toEqual([b.id])
    expect(store.runs.list({ status: 'queued' }).map((r) => r.id)).toEqual([a.id])
    expect(() => store.runs.delete(b.id)).toThrow(/still running/)
    expect(() => store.runs.delete(a.id)).toThrow(/still queued/)
    store.runs.finish(a.id, 'failed', 'x')
    store.runs.delete(a.id)
    expect(() => store.runs.get(a.id)).toThrow(/no run with id/)
  })
})

describe('metrics', () => {
  it('bulk-inserts points in one transaction and reads them back as series (throughput: npm run bench)', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    const points = Array.from({ length: 20_000 }, (_, i) => ({ key: i % 2 ? 'loss' : 'acc', step: i >> 1, value: i / 7 }))
    // a bad point at the end rolls the whole batch back: one transaction
    expect(() => store.metrics.append(r.id, [...points.slice(0, 10), { key: null as unknown as string, step: 1, value: 1 }])).toThrow()
    expect(store.metrics.keys(r.id)).toEqual([])
    store.metrics.append(r.id, points)
    const series = store.metrics.series(r.id)
    expect(series.map((x) => x.key)).toEqual(['acc', 'loss'])
    expect(series[1].steps.length).toBe(10_000)
    expect(series[1].values[3]).toBeCloseTo(7 / 7)
    expect(store.metrics.last(r.id).loss).toBeCloseTo(19_999 / 7)
  })

  it('stores NaN and infinities as missing values (read back as NaN)', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    store.metrics.append(r.id, [{ key: 'x', step: 0, value: NaN }, { key: 'x', step: 1, value: Infinity }, { key: 'x', step: 2, value: 2 }])
    expect(store.metrics.series(r.id, ['x'])[0].values.map(String)).toEqual(['NaN', 'NaN', '2'])
  })
})

describe('artifacts', () => {
  it('stores typed arrays with dtype and shape and reads them back exactly', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    const w = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 1)
    const labels = Int8Array.from([1, -1, 1])
    store.artifacts.put(r.id, [
      { name: 'weights', data: w, shape: [3, 4] },
      { name: 'labels', data: labels, shape: [3] },
    ])
    const back = store.artifacts.get(r.id, 'weights')
    expect(back).toMatchObject({ dtype: 'float32', shape: [3, 4], byteLength: 48 })
    expect(Array.from(back.data)).toEqual(Array.from(w))
    expect(Array.from(store.artifacts.get(r.id, 'labels').data)).toEqual([1, -1, 1])
    expect(store.artifacts.list(r.id).map((a) => a.name)).toEqual(['labels', 'weights'])
    // rows along the first axis, read from inside the blob
    const rows = store.artifacts.getRows(r.id, 'weights', 1, 5)
    expect(rows).toMatchObject({ shape: [2, 4], byteLength: 32 })
    expect(Array.from(rows.data)).toEqual(Array.from(w.subarray(4, 12)))
    expect(() => store.artifacts.getRows(r.id, 'weights', 3, 1)).toThrow(/rows.start must be below 3/)
  })

  it('reads rows of any stored shape, zero-length dimensions included (issue 9)', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    const w = Float64Array.from({ length: 24 }, (_, i) => i)
    store.artifacts.put(r.id, [
      { name: 'noOutputs', data: new Float32Array(0), shape: [1, 4, 0] },
      { name: 'noColumns', data: new Int32Array(0), shape: [3, 0] },
      { name: 'empty', data: new Uint8Array(0), shape: [0] },
      { name: 'scalar', data: Float32Array.from([7]), shape: [] },
      { name: 'cube', data: w, shape: [2, 3, 4] },
    ])
    expect(store.artifacts.getRows(r.id, 'noOutputs', 0, 1)).toMatchObject({ shape: [1, 4, 0], byteLength: 0, data: new Float32Array(0) })
    expect(store.artifacts.getRows(r.id, 'noColumns', 1, 5)).toMatchObject({ shape: [2, 0], byteLength: 0, data: new Int32Array(0) })
    expect(() => store.artifacts.getRows(r.id, 'empty', 0, 1)).toThrow(/rows.start must be below 0, the length of the first axis of "empty"/)
    expect(() => store.artifacts.getRows(r.id, 'scalar', 0, 1)).toThrow(/"scalar" has no first axis \(shape \[\]\): read it without rows/)
    const cube = store.artifacts.getRows(r.id, 'cube', 1, 1)
    expect(cube).toMatchObject({ shape: [1, 3, 4], byteLength: 96 })
    expect(Array.from(cube.data)).toEqual(Array.from(w.subarray(12)))
  })

  it('looks up one artifact\'s metadata by name: as list() gives it, in a row or in parts, and undefined for an absent name or run', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    const other = newRun(p.id)
    store.artifacts.put(r.id, [
      { name: 'weights', data: new Float32Array(12), shape: [3, 4] },
      { name: 'labels', data: Int8Array.from([1, -1, 1]), shape: [3] },
    ])
    store.artifacts.put(other.id, [{ name: 'weights', data: new Float64Array(2), shape: [2] }])
    const listed = store.artifacts.list(r.id)
    expect(store.artifacts.meta(r.id, 'weights')).toEqual(listed.find((a) => a.name === 'weights'))
    expect(store.artifacts.meta(r.id, 'labels')).toEqual({ id: expect.any(Number), runId: r.id, name: 'labels', dtype: 'int8', shape: [3], byteLength: 3, createdAt: expect.any(String) })
    expect(store.artifacts.meta(other.id, 'weights')).toMatchObject({ runId: other.id, dtype: 'float64', shape: [2], byteLength: 16 })
    expect(store.artifacts.meta(r.id, 'Weights')).toBeUndefined()
    expect(store.artifacts.meta(r.id, 'inputs')).toBeUndefined()
    expect(store.artifacts.meta(9999, 'weights')).toBeUndefined()
    // an artifact stored in parts: its size counts every part
    const parted = openStore(tempDb(), { artifactPartBytes: 16 })
    try {
      const q = parted.runs.create({ projectId: parted.projects.create('Lab').id, kind: 'dataset', name: 'r', params: {}, seed: 1, codeVersion: 'v', host: 'h' })
      parted.artifacts.put(q.id, [{ name: 'inputs', data: new Float32Array(30), shape: [10, 3] }])
      expect(parted.db.prepare('SELECT COUNT(*) AS n FROM artifact_parts').get()).toEqual({ n: 8 })
      expect(parted.artifacts.meta(q.id, 'inputs')).toEqual(parted.artifacts.list(q.id)[0])
      expect(parted.artifacts.meta(q.id, 'inputs')).toMatchObject({ shape: [10, 3], byteLength: 120 })
    } finally {
      parted.close()
    }
  })

  it('refuses a shape that does not match, a duplicate name, and names what exists when one is missing', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    expect(() => store.artifacts.put(r.id, [{ name: 'w', data: new Float32Array(5), shape: [2, 2] }])).toThrow(/holds 4 values but the array has 5/)
    store.artifacts.put(r.id, [{ name: 'w', data: new Float32Array(4), shape: [2, 2] }])
    // a failing multi-artifact put stores none of them (one transaction)
    expect(() =>
      store.artifacts.put(r.id, [
        { name: 'v', data: new Float32Array(1), shape: [1] },
        { name: 'w', data: new Float32Array(1), shape: [1] },
      ]),
    ).toThrow(/already has an artifact named "w"/)
    expect(store.artifacts.list(r.id).map((a) => a.name)).toEqual(['w'])
    expect(() => store.artifacts.get(r.id, 'x')).toThrow(/no artifact named "x" \(it has: w\)/)
  })
})

describe('jobs', () => {
  it('marks runs of dead owners interrupted, and leaves live ones alone', () => {
    const p = store.projects.create('Lab')
    const live = newRun(p.id)
    const dead = newRun(p.id)
    const stale = newRun(p.id)
    store.jobs.register(live.id, 'data.xor', 100, 'here')
    store.jobs.register(dead.id, 'data.xor', 200, 'here')
    store.jobs.register(stale.id, 'data.xor', 300, 'elsewhere')
    store.db.prepare('UPDATE jobs SET heartbeat_at = 0 WHERE run_id = ?').run(stale.id)
    for (const r of [live, dead, stale]) store.runs.markStarted(r.id)
    const ids = store.jobs.recoverInterrupted('here', (pid) => pid === 100, 60_000)
    expect(ids.sort()).toEqual([dead.id, stale.id].sort())
    expect(store.runs.get(live.id).status).toBe('running')
    expect(store.runs.get(dead.id)).toMatchObject({ status: 'interrupted' })
    expect(store.runs.get(dead.id).error).toMatch(/pid 200 on here/)
  })

  it('records progress and cancel requests', () => {
    const p = store.projects.create('Lab')
    const r = newRun(p.id)
    store.jobs.register(r.id, 'data.xor', process.pid, 'h')
    store.jobs.progress(r.id, { fraction: 0.25, etaSeconds: 3, message: 'working', stage: 'teacher' })
    expect(store.jobs.find(r.id)?.progress).toMatchObject({ fraction: 0.25, etaSeconds: 3, message: 'working', stage: 'teacher' })
    expect(store.jobs.cancelRequested([r.id])).toEqual([])
    store.jobs.requestCancel(r.id)
    expect(store.jobs.cancelRequested([r.id])).toEqual([r.id])
  })
})

describe('stages of stages (a reproduction whose pipelines run their own stages)', () => {
  it('finds the job a stage of a stage belongs to, and every active stage below a job', () => {
    const p = store.projects.create('Lab')
    const job = newRun(p.id, { kind: 'comparison' })
    const pipeline = newRun(p.id, { kind: 'pipeline', parents: [{ id: job.id, role: 'pipeline' }] })
    const teacher = newRun(p.id, { kind: 'teacher', parents: [{ id: pipeline.id, role: 'pipeline' }] })
    const dataset = newRun(p.id, { kind: 'dataset', parents: [{ id: job.id, role: 'pipeline' }] })
    // a network reused from elsewhere is a parent of the job, not one of its stages
    const reused = newRun(p.id, { kind: 'pipeline' })
    store.runs.linkParent(job.id, reused.id, 'reused')
    for (const r of [job, pipeline, teacher, dataset, reused]) store.runs.markStarted(r.id)
    store.runs.finish(dataset.id, 'succeeded')
    expect(store.jobs.stageOwner(teacher.id)).toBe(job.id)
    expect(store.jobs.stageOwner(pipeline.id)).toBe(job.id)
    expect(store.jobs.stageOwner(job.id)).toBeUndefined()
    expect(store.jobs.stageOwner(reused.id)).toBeUndefined()
    expect(store.jobs.activeStages(job.id)).toEqual([pipeline.id, teacher.id])
    expect(store.runs.parents(job.id)).toEqual([{ id: reused.id, name: 'r', kind: 'pipeline', status: 'running', role: 'reused' }])
  })
})

describe('the write-ahead log', () => {
  it('a writer that closes gives back the log a large write grew, while another program keeps the database open', () => {
    const path = tempDb('shared.db')
    const server = openStore(path) // as `mimic serve` or the app, open throughout
    const writer = openStore(path)
    const p = writer.projects.create('Big')
    const run = writer.runs.create({ projectId: p.id, kind: 'network', name: 'n', params: {}, seed: 1, codeVersion: 'v', host: 'h' })
    writer.artifacts.put(run.id, [{ name: 'omegaF', data: new Float32Array(6_000_000).fill(0.5), shape: [6_000_000] }])
    expect(statSync(`${path}-wal`).size, 'the write went through the log').toBeGreaterThan(20e6)
    writer.close()
    expect(statSync(`${path}-wal`).size).toBe(0)
    // nothing lost: the other connection reads it, and writes on
    expect(server.artifacts.list(run.id).map((a) => a.name)).toEqual(['omegaF'])
    expect(server.projects.create('Next').name).toBe('Next')
    server.close()
  })

  it('a writer that closes while another connection is writing leaves the log to it, without waiting', () => {
    const path = tempDb('busy.db')
    const other = openStore(path)
    const writer = openStore(path)
    writer.projects.create('A')
    other.db.exec('BEGIN IMMEDIATE')
    const t0 = performance.now()
    writer.close()
    expect(performance.now() - t0).toBeLessThan(1000)
    other.db.exec('ROLLBACK')
    other.close()
  })
})
