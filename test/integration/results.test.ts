// Long-form results on real SQLite files: stored in one transaction per batch, queried across runs
// by run, project, architecture and key, removed with their run, read through the services and the
// command line (a table, JSON, and CSV that Python's csv module reads back exactly).
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { Services } from '../../src/services/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import type { ResultItem } from '../../src/shared/types.ts'
import { mimic } from '../support/cli.ts'
import { thrown } from '../support/thrown.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterEach(cleanupTemp)

function run(store: Store, projectId: number, kind = 'evaluation', parents: { id: number; role: string }[] = []): number {
  return store.runs.create({ projectId, kind, name: kind, params: {}, seed: 1, codeVersion: 'v', host: 'h', status: 'succeeded', parents }).id
}

const sample = (i: number, values: ResultItem['values'], extra: Partial<ResultItem> = {}): ResultItem => ({ item: i, labels: { sample: i }, values, ...extra })

describe('the results store', () => {
  it('stores items with their values and reads them back in long form, ordered by run, item and key', () => {
    const store = openStore(tempDb())
    try {
      const p = store.projects.create('A').id
      const net = run(store, p, 'ads')
      const ev = run(store, p, 'evaluation', [{ id: net, role: 'network' }])
      expect(store.results.insert(ev, [sample(1, { mse: 0.25, correct: 0 }, { networkId: net, architecture: 'ads' }), sample(0, { mse: 0.5, correct: 1 }, { networkId: net, architecture: 'ads' })])).toBe(2)
      expect(store.results.count(ev)).toBe(2)
      const { rows, truncated } = store.results.query({ runId: ev })
      expect(truncated).toBe(false)
      expect(rows).toEqual([
        { runId: ev, projectId: p, item: 0, networkId: net, architecture: 'ads', labels: { sample: 0 }, key: 'correct', value: 1 },
        { runId: ev, projectId: p, item: 0, networkId: net, architecture: 'ads', labels: { sample: 0 }, key: 'mse', value: 0.5 },
        { runId: ev, projectId: p, item: 1, networkId: net, architecture: 'ads', labels: { sample: 1 }, key: 'correct', value: 0 },
        { runId: ev, projectId: p, item: 1, networkId: net, architecture: 'ads', labels: { sample: 1 }, key: 'mse', value: 0.25 },
      ])
    } finally {
      store.close()
    }
  })

  it('filters by run, project, architecture and key, with a limit that says when rows were left out', () => {
    const store = openStore(tempDb())
    try {
      const a = store.projects.create('A').id
      const b = store.projects.create('B').id
      const r1 = run(store, a)
      const r2 = run(store, a)
      const r3 = run(store, b)
      store.results.insert(r1, [0, 1, 2].map((i) => sample(i, { mse: i, correct: 1 }, { architecture: 'rate' })))
      store.results.insert(r2, [0, 1].map((i) => sample(i, { mse: 10 + i, correct: 0 }, { architecture: 'ads' })))
      store.results.insert(r3, [0].map((i) => sample(i, { mse: 20 + i, rateHz: 19.5 }, { architecture: 'ads' })))
      const keys = (f: Parameters<Store['results']['query']>[0]) => store.results.query(f).rows.map((r) => `${r.runId}/${r.item}/${r.key}`)
      expect(keys({ runId: r2 })).toEqual([`${r2}/0/correct`, `${r2}/0/mse`, `${r2}/1/correct`, `${r2}/1/mse`])
      expect(keys({ projectId: b })).toEqual([`${r3}/0/mse`, `${r3}/0/rateHz`])
      expect(keys({ architecture: 'ads', key: 'mse' })).toEqual([`${r2}/0/mse`, `${r2}/1/mse`, `${r3}/0/mse`])
      expect(keys({ projectId: a, key: 'correct' })).toEqual([`${r1}/0/correct`, `${r1}/1/correct`, `${r1}/2/correct`, `${r2}/0/correct`, `${r2}/1/correct`])
      expect(keys({ key: 'nothing' })).toEqual([])
      const limited = store.results.query({ projectId: a, limit: 3 })
      expect(limited.rows).toHaveLength(3)
      expect(limited.truncated).toBe(true)
      expect(store.results.query({ projectId: a, limit: 10 }).truncated).toBe(false)
    } finally {
      store.close()
    }
  })

  it('stores a batch in one transaction: a bad item, or an item stored before, stores none of it', () => {
    const store = openStore(tempDb())
    try {
      const p = store.projects.create('A').id
      const ev = run(store, p)
      const good = [0, 1, 2].map((i) => sample(i, { mse: i }))
      expect(() => store.results.insert(ev, [...good, sample(-1, { mse: 1 })])).toThrow(/^results\[3\]\.item must be an integer of at least 0 \(received -1\)/)
      expect(() => store.results.insert(ev, [...good, sample(3, {})])).toThrow(/^results\[3\]\.values must name at least one value/)
      expect(() => store.results.insert(ev, [...good, { item: 3, labels: { where: { x: 1 } as never }, values: { a: 1 } }])).toThrow(/^results\[3\]\.labels\.where must be a string, a number or a boolean/)
      expect(store.results.count(ev)).toBe(0)
      store.results.insert(ev, good)
      // item 2 again, after a new item 3: the whole batch is refused, nothing of it is kept
      const again = thrown(() => store.results.insert(ev, [sample(3, { mse: 3 }), sample(2, { mse: 9 })])) as { code: string; message: string }
      expect(again.code).toBe('CONFLICT')
      expect(again.message).toMatch(/repeat an item number that is stored already/)
      expect(store.results.count(ev)).toBe(3)
      expect(store.results.query({ runId: ev, key: 'mse' }).rows.map((r) => r.value)).toEqual([0, 1, 2])
    } finally {
      store.close()
    }
  })

  it('keeps NaN and infinities as "not measured" (null), and goes with its run; a deleted network leaves the items', () => {
    const store = openStore(tempDb())
    try {
      const p = store.projects.create('A').id
      const net = run(store, p, 'ads')
      const ev = run(store, p)
      store.results.insert(ev, [sample(0, { a: NaN, b: Infinity, c: null, d: -0.5 }, { networkId: net, architecture: 'ads' })])
      expect(store.results.query({ runId: ev }).rows.map((r) => [r.key, r.value])).toEqual([
        ['a', null],
        ['b', null],
        ['c', null],
        ['d', -0.5],
      ])
      // the network the items are about is deleted: the items stay, without it
      store.runs.delete(net)
      expect(store.results.query({ runId: ev }).rows.every((r) => r.networkId === null && r.architecture === 'ads')).toBe(true)
      store.runs.delete(ev)
      expect(store.results.count(ev)).toBe(0)
      expect(store.db.prepare('SELECT count(*) AS n FROM result_values').get()).toEqual({ n: 0 })
    } finally {
      store.close()
    }
  })

  it('inserts 2000 samples of 7 values in one transaction quickly', () => {
    const store = openStore(tempDb())
    try {
      const p = store.projects.create('A').id
      const ev = run(store, p)
      const items = Array.from({ length: 2000 }, (_, i) => sample(i, { decision: 1, label: 1, correct: 1, mse: i / 7, rateHz: 20, reconstructionError: 0.1, teacherAgreement: 1 }))
      const t0 = performance.now()
      store.results.insert(ev, items)
      const ms = performance.now() - t0
      expect(store.results.count(ev)).toBe(2000)
      // 14,000 rows; one transaction keeps it far from the one-commit-per-row cost (seconds)
      expect(ms).toBeLessThan(2000)
    } finally {
      store.close()
    }
  })
})

describe('results through the services and the command line', () => {
  it('results.query checks the run and project it is given; runs.get counts the items', async () => {
    const db = tempDb()
    const s = new Services({ dbPath: db, frontDoor: 'cli' })
    try {
      const p = (await s.call('projects.create', { name: 'A' })).id
      const ev = run(s.store, p)
      s.store.results.insert(ev, [sample(0, { mse: 1 }), sample(1, { mse: 2 })])
      expect((await s.call('runs.get', { id: ev })).resultCount).toBe(2)
      expect((await s.call('results.query', { runId: ev })).rows).toHaveLength(2)
      await expect(s.call('results.query', { runId: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(s.call('results.query', { projectId: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(s.call('results.query', { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^Limit must be an integer between 1 and 100000/) })
    } finally {
      await s.close()
    }
  })

  it('prints CSV that Python’s csv module reads back exactly, labels as columns, text quoted where needed', () => {
    const db = tempDb()
    const store = openStore(db)
    const p = store.projects.create('A').id
    const ev = run(store, p)
    store.results.insert(ev, [
      { item: 0, architecture: 'ads', labels: { perturbation: 'mismatch, relative', level: 0.1, draw: 3 }, values: { accuracy: 0.875, rateHz: 19.25 } },
      { item: 1, architecture: 'ads', labels: { perturbation: 'say "hi"\nnext line', level: 0.2, draw: 0, key: 'clash' }, values: { accuracy: 1 / 3, rateHz: null } },
    ])
    store.close()
    const csv = mimic(['--db', db, 'results', '--run', String(ev), '--format', 'csv'])
    expect(csv.code, csv.stderr).toBe(0)
    const py = spawnSync('/usr/bin/python3', ['-c', 'import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))'], { input: csv.stdout, encoding: 'utf8' })
    expect(py.status, py.stderr).toBe(0)
    const table = JSON.parse(py.stdout) as string[][]
    expect(table[0]).toEqual(['run', 'project', 'item', 'network', 'architecture', 'draw', 'label.key', 'level', 'perturbation', 'key', 'value'])
    expect(table.slice(1)).toEqual([
      [String(ev), String(p), '0', '', 'ads', '3', '', '0.1', 'mismatch, relative', 'accuracy', '0.875'],
      [String(ev), String(p), '0', '', 'ads', '3', '', '0.1', 'mismatch, relative', 'rateHz', '19.25'],
      [String(ev), String(p), '1', '', 'ads', '0', 'clash', '0.2', 'say "hi"\nnext line', 'accuracy', String(1 / 3)],
      [String(ev), String(p), '1', '', 'ads', '0', 'clash', '0.2', 'say "hi"\nnext line', 'rateHz', ''],
    ])
    // the number text reads back as the same double
    expect(Number(table[3][10])).toBe(1 / 3)

    const json = mimic(['--db', db, '--json', 'results', '--project', String(p), '--key', 'accuracy'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ truncated: false, rows: [{ item: 0, key: 'accuracy', value: 0.875 }, { item: 1, key: 'accuracy', value: 1 / 3 }] })
    const text = mimic(['--db', db, 'results', '--run', String(ev), '--key', 'rateHz'])
    expect(text.stdout.split('\n')[0]).toMatch(/^run\s+project\s+item\s+network\s+architecture\s+draw\s+label\.key\s+level\s+perturbation\s+key\s+value$/)
    expect(text.stdout).toMatch(/rateHz\s+19\.25\n/)
    // a limit that leaves rows out says so on stderr
    const few = mimic(['--db', db, 'results', '--run', String(ev), '--limit', '1', '--format', 'csv'])
    expect(few.stdout.trim().split('\n')).toHaveLength(2)
    expect(few.stderr).toMatch(/more results match than the 1 shown: narrow them with --run, --key or --architecture, or raise --limit/)
    const bad = mimic(['--db', db, 'results', '--format', 'xml'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--format must be one of table, csv, json/)
    const none = mimic(['--db', db, 'results', '--run', '999'])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/no run with id 999/)
  })

  it('mimic runs show ID --json includes the run’s results', () => {
    const db = tempDb()
    const store = openStore(db)
    const p = store.projects.create('A').id
    const ev = run(store, p)
    const bare = run(store, p, 'dataset')
    store.results.insert(ev, [sample(0, { mse: 0.5 }), sample(1, { mse: 0.25 })])
    store.close()
    const shown = JSON.parse(mimic(['--db', db, '--json', 'runs', 'show', String(ev)]).stdout)
    expect(shown).toMatchObject({ id: ev, resultCount: 2 })
    expect(shown.results.map((r: { item: number; key: string; value: number }) => [r.item, r.key, r.value])).toEqual([
      [0, 'mse', 0.5],
      [1, 'mse', 0.25],
    ])
    expect(JSON.parse(mimic(['--db', db, '--json', 'runs', 'show', String(bare)]).stdout)).toMatchObject({ resultCount: 0, results: [] })
    expect(mimic(['--db', db, 'runs', 'show', String(ev)]).stdout).toMatch(/results 2 items \(`mimic results --run \d+`\)/)
  })
})
