// Opening real database files: migrations, newer schemas, files that are not SQLite.
import Database from 'better-sqlite3'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate } from '../../src/store/db.ts'
import { latestVersion, openStore } from '../../src/store/index.ts'
import { migrations } from '../../src/store/migrations.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'
import { thrown } from '../support/thrown.ts'

afterEach(cleanupTemp)

describe('migrations', () => {
  it('creates a new database at the latest schema with WAL and foreign keys', () => {
    const path = tempDb()
    const store = openStore(path)
    expect(store.schemaVersion).toBe(latestVersion)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(store.db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000)
    store.close()
  })

  it('upgrades a file written at schema 1 and keeps its data', () => {
    const path = tempDb()
    const raw = new Database(path)
    migrate(raw, 1)
    raw.prepare("INSERT INTO projects (name, created_at) VALUES ('old', 1)").run()
    raw.prepare(
      "INSERT INTO runs (project_id, kind, name, status, params, seed, created_at, code_version, host) VALUES (1, 'dataset', 'r', 'succeeded', '{\"count\":3}', 9, 2, 'v0', 'h')",
    ).run()
    expect(raw.pragma('user_version', { simple: true })).toBe(1)
    raw.close()

    const store = openStore(path)
    expect(store.schemaVersion).toBe(latestVersion)
    // numbers only grow (gaps are numbers reserved for other branches); the last is the latest
    const versions = migrations.map((m) => m.version)
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b))
    expect(latestVersion).toBe(versions[versions.length - 1])
    const run = store.runs.get(1)
    expect(run).toMatchObject({ name: 'r', params: { count: 3 }, seed: 9, summary: {} })
    expect(store.projects.list()[0].name).toBe('old')
    store.close()
  })

  it('refuses a database written by a newer version, without changing it', () => {
    const path = tempDb()
    openStore(path).close()
    const raw = new Database(path)
    raw.pragma(`user_version = ${latestVersion + 1}`)
    raw.close()
    const before = readFileSync(path)
    expect(() => openStore(path)).toThrow(`written by a newer version of Mimic Workbench (schema ${latestVersion + 1}; this version knows up to ${latestVersion})`)
    expect((thrown(() => openStore(path)) as { code: string }).code).toBe('DB_NEWER')
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('refuses a file that is not SQLite and leaves it byte-for-byte untouched', () => {
    const dir = tempDir()
    const path = join(dir, 'notes.db')
    const content = Buffer.from('these are my notes, not a database\n'.repeat(200))
    writeFileSync(path, content)
    expect(() => openStore(path)).toThrow(/is not a SQLite database .* left untouched/)
    expect(readFileSync(path).equals(content)).toBe(true)
    // no -wal or -shm files were created next to it
    expect(() => readFileSync(path + '-wal')).toThrow()
  })

  it('refuses a folder and a path in a missing folder with a clear message', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'sub'))
    expect(() => openStore(join(dir, 'sub'))).toThrow(/is a folder, not a database file/)
    expect(() => openStore(join(dir, 'missing', 'x.db'))).toThrow(/folder for the database .* does not exist/)
  })

  it('two connections migrating the same new file at once end at the latest version once', () => {
    const path = tempDb()
    const a = openStore(path)
    const b = openStore(path)
    expect(a.schemaVersion).toBe(latestVersion)
    expect(b.schemaVersion).toBe(latestVersion)
    a.close()
    b.close()
  })
})
