// A project's or a run's id is never given again: SQLite gives a new row max(id) + 1, so deleting the
// newest run and making another used to give the new run the deleted one's id (the id is how lab
// notes, links and the CLI name a run). Schema 13 keeps the highest id ever used (raised by every
// delete, also a project's cascade); the inserts start above it. Real SQLite files and the CLI.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/store/db.ts'
import { openStore } from '../../src/store/index.ts'
import { mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const made = { seed: 1, codeVersion: 'test', host: 'test', status: 'succeeded' as const }

describe('ids are never given again', () => {
  it('a run or project made after the newest was deleted (directly or by its project) gets a new id', () => {
    const store = openStore(tempDb())
    try {
      const p = store.projects.create('P').id
      const run = () => store.runs.create({ projectId: p, kind: 'dataset', name: 'r', params: {}, ...made }).id
      expect([run(), run(), run()]).toEqual([1, 2, 3])
      store.runs.delete(3, false)
      expect(run()).toBe(4)
      // a project deleted with its runs (the newest among them): neither its id nor its runs' come back
      const q = store.projects.create('Q').id
      expect(q).toBe(2)
      expect(store.runs.create({ projectId: q, kind: 'dataset', name: 'q', params: {}, ...made }).id).toBe(5)
      store.projects.delete(q)
      expect(store.projects.create('R').id).toBe(3)
      expect(run()).toBe(6)
    } finally {
      store.close()
    }
  })

  it('a database of schema 12 upgraded: its newest ids are the mark from then on', () => {
    const path = tempDb()
    const raw = new Database(path)
    migrate(raw, 12)
    raw.prepare("INSERT INTO projects (name, created_at) VALUES ('old', 1)").run()
    for (let i = 0; i < 2; i++)
      raw.prepare("INSERT INTO runs (project_id, kind, name, status, params, seed, created_at, code_version, host) VALUES (1, 'dataset', 'r', 'succeeded', '{}', 1, 2, 'v0', 'h')").run()
    raw.close()
    const store = openStore(path)
    try {
      store.runs.delete(2, false)
      expect(store.runs.create({ projectId: 1, kind: 'dataset', name: 'new', params: {}, ...made }).id).toBe(3)
    } finally {
      store.close()
    }
  })

  it('through the CLI, and for runs a project bundle brings in', () => {
    const dir = tempDir()
    const db = join(dir, 'lab.db')
    const bundle = join(dir, 'p.mimic')
    mimicJson(['projects', 'create', 'Lab'], { db })
    const ids = [1, 2, 3].map(() => mimicJson<{ id: number }>(['data', 'generate', 'xor', '--project', '1', '--count', '2'], { db }).id)
    expect(ids).toEqual([1, 2, 3])
    mimicJson(['projects', 'export', '1', '--out', bundle], { db })
    mimicJson(['runs', 'delete', '3'], { db })
    expect(mimicJson<{ id: number }>(['data', 'generate', 'xor', '--project', '1', '--count', '2'], { db }).id).toBe(4)
    mimicJson(['runs', 'delete', '4'], { db })
    const imported = mimicJson<{ projectId: number; idMap: Record<string, number> }>(['projects', 'import', bundle], { db })
    expect(imported.projectId).toBe(2)
    expect(Object.values(imported.idMap).sort((a, b) => a - b)).toEqual([5, 6, 7])
  })
})
