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

test('a result computed by another code version is not merged, and nothing is stored', () => {
  const { store, sweep } = sweepStore()
  const parsed = parseResultFile(resultFileText(result(sweep, 0, 'v2')))
  if (!parsed.ok) throw new Error(parsed.problem)
  expect(() => mergeItem(store, sweep, parsed.result, parsed.checksum)).toThrow('item 0 was computed by mimic v2, not v1: not merged')
  expect(store.runs.children(sweep)).toHaveLength(0)
  expect(store.sweeps.isMerged(sweep, 0)).toBe(false)
  store.close()
})
