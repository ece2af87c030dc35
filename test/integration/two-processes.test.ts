// Two processes writing the same database file at once (WAL + busy timeout): nothing is lost,
// nothing is corrupt.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

function writer(db: string, tag: string, count: number): Promise<number | null> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'support', 'writer.ts'), db, tag, String(count)], { stdio: ['ignore', 'inherit', 'inherit'] })
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

describe('two processes, one database', () => {
  it('interleaved writers both finish and every row is there', async () => {
    const db = tempDb()
    openStore(db).close()
    const codes = await Promise.all([writer(db, 'a', 150), writer(db, 'b', 150), writer(db, 'c', 150)])
    expect(codes).toEqual([0, 0, 0])
    const store = openStore(db)
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(store.projects.list()).toHaveLength(3)
    const runs = store.runs.list({ limit: 10_000 })
    expect(runs).toHaveLength(450)
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true)
    const metricRows = store.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }
    expect(metricRows.n).toBe(450 * 50)
    const art = store.artifacts.get(runs[0].id, 'w')
    expect(art.data[0]).toBe(runs[0].summary.i)
    store.close()
  })
})
