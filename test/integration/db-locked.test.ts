// A program that opens the database while another process holds its write lock past the busy timeout
// (a sqlite3 shell left in a transaction): the CLI names the database and what to do, instead of
// SQLite's bare "database is locked", and nothing stored is lost. Real processes on one file.
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(() => cleanupTemp())

describe('a database another process keeps locked', () => {
  it('is refused with a sentence naming it and the fix; the data is all there once the lock goes', () => {
    const db = tempDb()
    mimicJson(['projects', 'create', 'kept'], { db })
    // another program's write transaction, held while the CLI starts (it marks dead processes' runs
    // interrupted in a write transaction of its own, and waits the busy timeout of 10 s for it)
    const other = new Database(db)
    other.exec('BEGIN IMMEDIATE')
    try {
      const refused = mimic(['--db', db, '--json', 'projects', 'list'], { timeoutMs: 60_000 })
      expect(refused.code).toBe(1)
      const message = `The database ${db} could not be opened: another process kept it locked for more than 10 s (SQLITE_BUSY); nothing was changed. End that process's transaction (a sqlite3 shell, a long import) and try again.`
      expect(refused.stderr).toBe(`mimic: ${message}\n`)
      expect(JSON.parse(refused.stdout)).toEqual({ ok: false, error: { code: 'BUSY', message } })
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(mimicJson<{ name: string }[]>(['projects', 'list'], { db }).map((p) => p.name)).toEqual(['kept'])
  }, 90_000)
})
