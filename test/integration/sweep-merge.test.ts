// Merging a sweep's result files into a real database: a file that does not match its checksum is
// refused, an item is merged once however often it is offered, and another code version is refused.
import { afterEach, expect, test } from 'vitest'
import { mergeItem, parseResultFile, resultFileText, type ItemResult } from '../../src/jobs/cluster/sweep.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterEach(cleanupTemp)

function sweepStore(): { store: Store; sweep: number } {
  const store = openStore(tempDb())
  const p = store.projects.create('p')
  const run = store.runs.create({ projectId: p.id, kind: 'sweep', name: 's', params: {}, seed: null, codeVersion: 'v1', host: 'here', status: 'running' })
  store.sweeps.create({ runId: run.id, cluster: 'c', dir: '/x', jobKind: 'train.teacher', itemsPerTask: 2, maxAttempts: 2, codeVersion: 'v1', mergeRunId: null, timeLimit: null }, [
    { item: 0, task: 0, params: { seed: 5 } },
    { item: 1, task: 0, params: { seed: 6 } },
  ])
  return { store, sweep: run.id }
}

function result(sweep: number, item: number, codeVersion = 'v1'): ItemResult {
  return {
    format: 1,
    sweep,
    item,
    run: { id: 1, kind: 'teacher', name: `t${item}`, params: { seed: 5 + item }, seed: 5 + item, status: 'succeeded', error: null, summary: { testAccuracy: 0.75 }, codeVersion, host: 'node7', startedAt: '2026-12-04T10:00:00.000Z', finishedAt: '2026-12-04T10:00:02.000Z' },
    metrics: [{ key: 'loss', steps: [0, 1], values: [2, 1] }],
    results: [],
  }
}

test('a result file whose text changed after its checksum was written is refused', () => {
  const text = resultFileText(result(1, 0))
  expect(parseResultFile(text).ok).toBe(true)
  expect(parseResultFile(text.replace('0.75', '0.76'))).toEqual({ ok: false, problem: 'does not match its checksum' })
  expect(parseResultFile(text.slice(0, text.length - 10))).toEqual({ ok: false, problem: 'does not match its checksum' })
  expect(parseResultFile('{"format":1}')).toEqual({ ok: false, problem: 'has no checksum line' })
})

test('an item is merged once, with its lineage, code version, host and times', () => {
  const { store, sweep } = sweepStore()
  const parsed = parseResultFile(resultFileText(result(sweep, 1)))
  if (!parsed.ok) throw new Error(parsed.problem)
  expect(mergeItem(store, sweep, parsed.result, parsed.checksum)).toBe(true)
  expect(mergeItem(store, sweep, parsed.result, parsed.checksum)).toBe(false)
  const children = store.runs.children(sweep)
  expect(children).toHaveLength(1)
  const merged = store.runs.get(children[0].id)
  expect(merged).toMatchObject({ kind: 'teacher', seed: 6, status: 'succeeded', codeVersion: 'v1', host: 'node7', startedAt: '2026-12-04T10:00:00.000Z', finishedAt: '2026-12-04T10:00:02.000Z', summary: { testAccuracy: 0.75 } })
  expect(store.metrics.series(merged.id)).toEqual([{ key: 'loss', steps: [0, 1], values: [2, 1] }])
  expect(store.results.count(sweep)).toBe(1)
  expect(store.sweeps.items(sweep).map((i) => i.mergedRunId)).toEqual([null, merged.id])
  store.close()
})

test('a result of an item the sweep does not have is refused, and nothing is stored', () => {
  const { store, sweep } = sweepStore()
  const parsed = parseResultFile(resultFileText(result(sweep, 7)))
  if (!parsed.ok) throw new Error(parsed.problem)
  expect(() => mergeItem(store, sweep, parsed.result, parsed.checksum)).toThrow(`sweep ${sweep} has no item 7`)
  expect(store.runs.children(sweep)).toHaveLength(0)
  expect(store.sweeps.item(sweep, 1)).toMatchObject({ item: 1, mergedRunId: null })
  expect(store.sweeps.item(sweep, 7)).toBeUndefined()
  store.close()
})

test('a result computed by another code version is not merged, and nothing is stored', () => {
  const { store, sweep } = sweepStore()
  const parsed = parseResultFile(resultFileText(result(sweep, 0, 'v2')))
  if (!parsed.ok) throw new Error(parsed.problem)
  expect(() => mergeItem(store, sweep, parsed.result, parsed.checksum)).toThrow('item 0 was computed by mimic v2, not v1: not merged')
  expect(store.runs.children(sweep)).toHaveLength(0)
  expect(store.sweeps.isMerged(sweep, 0)).toBe(false)
  store.close()
})

test('a shipped run is written into another database under its own id, with its network row, artifacts and links to parents that are there', () => {
  const a = openStore(tempDb())
  const p = a.projects.create('p')
  const mk = (kind: string, parents: { id: number; role: string }[] = []) => a.runs.create({ projectId: p.id, kind, name: kind, params: { x: 1 }, seed: 3, codeVersion: 'v1', host: 'here', status: 'running', parents })
  a.runs.create({ projectId: p.id, kind: 'note', name: 'pad', params: {}, seed: null, codeVersion: 'v1', host: 'here' })
  const teacher = mk('teacher')
  const ads = mk('ads', [{ id: teacher.id, role: 'teacher' }])
  for (const r of [teacher, ads]) a.runs.finish(r.id, 'succeeded', null, { acc: 0.5 })
  a.artifacts.put(ads.id, [{ name: 'w', data: Float32Array.from([1.5, -2, 3]), shape: [3] }])
  a.networks.put(ads.id, 'ads', 2, { neurons: 3 })
  const shipped = [a.readShippedRun(teacher.id), a.readShippedRun(ads.id)]
  const b = openStore(tempDb())
  const q = b.projects.create('task')
  expect(b.writeShippedRuns(q.id, JSON.parse(JSON.stringify(shipped)))).toEqual([teacher.id, ads.id])
  // a second attempt finds them there and writes nothing
  expect(b.writeShippedRuns(q.id, shipped)).toEqual([])
  expect(b.runs.get(ads.id)).toMatchObject({ kind: 'ads', status: 'succeeded', seed: 3, params: { x: 1 }, summary: { acc: 0.5 } })
  expect(Array.from(b.artifacts.get(ads.id, 'w').data)).toEqual([1.5, -2, 3])
  expect(b.networks.find(ads.id)).toMatchObject({ architecture: 'ads', formatVersion: 2, meta: { neurons: 3 } })
  expect(b.runs.parents(ads.id).map((r) => [r.id, r.role])).toEqual([[teacher.id, 'teacher']])
  // a run of the same id but another kind is refused by name
  const c = openStore(tempDb())
  const cp = c.projects.create('other')
  c.runs.create({ projectId: cp.id, kind: 'dataset', name: 'd', params: {}, seed: null, codeVersion: 'v1', host: 'here' })
  c.runs.create({ projectId: cp.id, kind: 'dataset', name: 'd', params: {}, seed: null, codeVersion: 'v1', host: 'here' })
  expect(() => c.writeShippedRuns(cp.id, [shipped[0]])).toThrow(`Run ${teacher.id} of this task's database is a dataset run, but the shipped run ${teacher.id} is a teacher run`)
  for (const s of [a, b, c]) s.close()
})

test('a split job: items merged in any order land in its one run as rows numbered as a local run numbers them, and shipped networks keep their ids', () => {
  const store = openStore(tempDb())
  const p = store.projects.create('p')
  const net = store.runs.create({ projectId: p.id, kind: 'teacher', name: 'n', params: {}, seed: 1, codeVersion: 'v1', host: 'here' })
  const sweepRun = store.runs.create({ projectId: p.id, kind: 'sweep', name: 's', params: {}, seed: null, codeVersion: 'v1', host: 'c', status: 'running' })
  const target = store.runs.create({ projectId: p.id, kind: 'robustness', name: 'r', params: {}, seed: 7, codeVersion: 'v1', host: 'c', status: 'running', parents: [{ id: net.id, role: 'networks' }, { id: sweepRun.id, role: 'sweep' }] })
  store.sweeps.create({ runId: sweepRun.id, cluster: 'c', dir: '/x', jobKind: 'robustness', itemsPerTask: 1, maxAttempts: 1, codeVersion: 'v1', mergeRunId: target.id, timeLimit: null }, [
    { item: 0, task: 0, params: { level: 0 }, label: 'level 0', inputs: [net.id] },
    { item: 1, task: 1, params: { level: 0.1 }, label: 'level 0.1', inputs: [net.id] },
  ])
  const item = (k: number, level: number): ItemResult => ({
    ...result(sweepRun.id, k),
    run: { ...result(sweepRun.id, k).run, id: 99, kind: 'robustness' },
    metrics: [],
    results: [0, 1].map((draw) => ({ item: draw, networkId: net.id, architecture: 'rate', labels: { level, draw }, values: { accuracy: level + draw } })),
  })
  for (const k of [1, 0]) {
    const parsed = parseResultFile(resultFileText(item(k, k / 10)))
    if (!parsed.ok) throw new Error(parsed.problem)
    expect(mergeItem(store, sweepRun.id, parsed.result, parsed.checksum)).toBe(true)
  }
  store.results.renumber(target.id)
  const rows = store.results.query({ runId: target.id }).rows
  expect(rows.map((r) => [r.item, r.networkId, r.labels.level, r.labels.draw, r.value])).toEqual([
    [0, net.id, 0, 0, 0],
    [1, net.id, 0, 1, 1],
    [2, net.id, 0.1, 0, 0.1],
    [3, net.id, 0.1, 1, 1.1],
  ])
  // no run of its own per item
  expect(store.runs.children(sweepRun.id).map((r) => r.id)).toEqual([target.id])
  store.close()
})

test('a cluster with a sweep under way is not removed (the sweep is followed through it); once the sweep has ended it is', () => {
  const { store, sweep } = sweepStore()
  store.clusters.add({ name: 'c', scheduler: 'slurm', ssh: null, sshConfig: null, partition: null, account: null, workdir: '/x', checkout: '/y' })
  let refused: unknown
  try {
    store.clusters.remove('c')
  } catch (e) {
    refused = e
  }
  expect(refused).toMatchObject({ code: 'CONFLICT', details: { running: [{ id: sweep, kind: 'sweep', status: 'running' }] } })
  expect((refused as Error).message).toBe(`Cluster "c" still has a sweep under way (run ${sweep}), followed through its settings: cancel it (\`mimic sweep cancel ID\`, or Cancel on the run's page) or let it finish, then remove the cluster.`)
  expect(store.clusters.list().map((c) => c.name)).toEqual(['c'])
  store.runs.finish(sweep, 'cancelled')
  store.clusters.remove('c')
  expect(store.clusters.list()).toEqual([])
})

test('a task that left the queue is claimed for its resubmission by one look only (two processes on one database)', () => {
  const { store, sweep } = sweepStore()
  const other = openStore(store.path)
  store.sweeps.setTask(sweep, 0, { state: 'submitted', slurmJob: '5_0', attempts: 1 })
  expect(store.sweeps.claimTask(sweep, 0, '5_0', '5_0 (resubmitting)')).toBe(true)
  // the other process found it gone at the same time: it is taken
  expect(other.sweeps.claimTask(sweep, 0, '5_0', '5_0 (resubmitting)')).toBe(false)
  expect(other.sweeps.tasks(sweep)[0].slurmJob).toBe('5_0 (resubmitting)')
  // a task no longer submitted or running is not taken
  store.sweeps.setTask(sweep, 0, { state: 'cancelled' })
  expect(store.sweeps.claimTask(sweep, 0, '5_0 (resubmitting)', 'x')).toBe(false)
  other.close()
})
