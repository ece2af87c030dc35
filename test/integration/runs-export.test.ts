// `mimic runs export`: one row per run with its parameters and summary flattened to columns, as CSV
// that Python's csv module reads back exactly, and as JSON; filtered by project, kind, status and tag.
// Real SQLite files and the real command.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterEach(cleanupTemp)

function seed(db: string): { p: number; q: number; teacher: number; ads: number; other: number } {
  const store = openStore(db)
  try {
    const p = store.projects.create('Sweep').id
    const q = store.projects.create('Other').id
    const mk = (projectId: number, kind: string, name: string, params: Record<string, unknown>, parents: { id: number; role: string }[] = []) =>
      store.runs.create({ projectId, kind, name, params, seed: 7, codeVersion: 'abc', host: 'lab-1', status: 'running', parents }).id
    const teacher = mk(p, 'teacher', 'teacher, "quoted"\nsecond line', { units: 64, stepSize: 1e-4, task: 'xor', loss: { tauUnit: 'ms', lambda: 1e6 } })
    store.runs.finish(teacher, 'succeeded', null, { accuracy: 1, loss: 0.012345678901234567 })
    const ads = mk(p, 'ads', 'ads é', { neurons: 320, eta: 1e-6, membraneNeurons: [0, 1, 2], teacher }, [{ id: teacher, role: 'teacher' }])
    store.runs.finish(ads, 'failed', 'boom', { accuracy: 0.985, rateHz: Number.NaN })
    store.runs.tag(ads, 'best', false)
    store.runs.tag(ads, 'seed7', false)
    const other = mk(q, 'dataset', 'data', { samples: 10 })
    store.runs.finish(other, 'succeeded', null, { samples: 10 })
    return { p, q, teacher, ads, other }
  } finally {
    store.close()
  }
}

function pythonCsv(file: string): Record<string, string>[] {
  const py = spawnSync('python3', ['-c', 'import csv,json,sys\nwith open(sys.argv[1], newline="", encoding="utf-8") as f: print(json.dumps(list(csv.DictReader(f))))', file], { encoding: 'utf8' })
  expect(py.stderr).toBe('')
  expect(py.status).toBe(0)
  return JSON.parse(py.stdout) as Record<string, string>[]
}

describe('mimic runs export', () => {
  it('writes one CSV row per run, parameters and summary as columns, read back exactly by Python’s csv module', () => {
    const dir = tempDir()
    const db = join(dir, 'x.db')
    const ids = seed(db)
    const file = join(dir, 'runs.csv')
    const r = mimic(['--db', db, 'runs', 'export', '--project', String(ids.p), '--format', 'csv', '--out', file])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/wrote 2 runs × \d+ columns/)
    const rows = pythonCsv(file)
    expect(rows.map((x) => Number(x.id))).toEqual([ids.ads, ids.teacher]) // newest first
    const [a, t] = rows
    expect(t.name).toBe('teacher, "quoted"\nsecond line')
    expect(t.kind).toBe('teacher')
    expect(t.status).toBe('succeeded')
    expect(t.seed).toBe('7')
    expect(t['param.units']).toBe('64')
    expect(Number(t['param.stepSize'])).toBe(1e-4)
    expect(t['param.loss.tauUnit']).toBe('ms')
    expect(Number(t['param.loss.lambda'])).toBe(1e6)
    expect(Number(t['summary.loss'])).toBe(0.012345678901234567)
    expect(t['param.neurons']).toBe('') // another run's parameter: an empty cell
    expect(a.name).toBe('ads é')
    expect(a.tags).toBe('best;seed7')
    expect(a.parents).toBe(String(ids.teacher))
    expect(a['param.membraneNeurons']).toBe('[0,1,2]')
    expect(a['summary.rateHz']).toBe('') // NaN: no value
    expect(Number(a['summary.accuracy'])).toBe(0.985)
    expect(a.host).toBe('lab-1')
    expect(Object.keys(a).slice(0, 5)).toEqual(['id', 'project', 'kind', 'name', 'status'])
  })

  it('writes JSON (a list of objects with the same columns) and filters by kind, status and tag', () => {
    const dir = tempDir()
    const db = join(dir, 'x.db')
    const ids = seed(db)
    const file = join(dir, 'runs.json')
    expect(mimic(['--db', db, 'runs', 'export', '--format', 'json', '--out', file]).code).toBe(0)
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[]
    expect(all.map((x) => x.id)).toEqual([ids.other, ids.ads, ids.teacher])
    expect(all[2]['param.loss.lambda']).toBe(1e6)
    expect(all[0]['param.units']).toBe(null)
    const only = (args: string[]): number[] => {
      const r = mimic(['--db', db, 'runs', 'export', ...args, '--format', 'json', '--out', '-'])
      expect(r.code).toBe(0)
      return (JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id)
    }
    expect(only(['--kind', 'teacher'])).toEqual([ids.teacher])
    expect(only(['--status', 'failed'])).toEqual([ids.ads])
    expect(only(['--tag', 'best'])).toEqual([ids.ads])
    expect(only(['--project', String(ids.q)])).toEqual([ids.other])
    expect(only(['--tag', 'nothing'])).toEqual([])
  })

  it('refuses an unknown project and a bad format by name, writing nothing', () => {
    const dir = tempDir()
    const db = join(dir, 'x.db')
    seed(db)
    const file = join(dir, 'none.csv')
    const r = mimic(['--db', db, 'runs', 'export', '--project', '99', '--out', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no project with id 99/)
    const f = mimic(['--db', db, 'runs', 'export', '--format', 'xlsx', '--out', file])
    expect(f.code).toBe(2)
    expect(f.stderr).toMatch(/--format/)
    expect(() => readFileSync(file)).toThrow(/ENOENT/)
  })
})
