// Opening the database: refuse files that are not SQLite (leaving them byte-for-byte untouched) and
// databases written by a newer version; turn on WAL, foreign keys and a busy timeout; migrate.
import Database from 'better-sqlite3'
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { AppError } from '../shared/errors.ts'
import { latestVersion, migrations } from './migrations.ts'
import { isLockCode, sqliteCode } from './util.ts'

export type DB = Database.Database

const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1')

/** Throws DB_NOT_SQLITE unless `path` is missing, empty, or starts with the SQLite header. */
export function checkSqliteFile(path: string): void {
  if (!existsSync(path)) {
    if (!existsSync(dirname(path) || '.')) {
      throw new AppError('INVALID_ARGUMENT', `The folder for the database ${path} does not exist: create it or choose another --db path.`)
    }
    return
  }
  const st = statSync(path)
  if (st.isDirectory()) throw new AppError('DB_NOT_SQLITE', `${path} is a folder, not a database file: give the path of a .db file.`)
  if (!st.isFile()) throw new AppError('DB_NOT_SQLITE', `${path} is not a regular file: give the path of a .db file.`)
  if (st.size === 0) return
  const head = Buffer.alloc(16)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (!head.equals(sqliteHeader)) {
    throw new AppError(
      'DB_NOT_SQLITE',
      `${path} is not a SQLite database (it does not start with the SQLite header); it was left untouched. Choose another --db path.`,
    )
  }
}

export interface OpenOptions {
  readonly?: boolean
  /** milliseconds to wait for another process's write lock */
  busyTimeoutMs?: number
  /** refuse a missing file instead of creating a new database (a job's worker opens the one its job was queued in) */
  fileMustExist?: boolean
}

/** SQLite's codes for a file that starts like a database but is not a whole one (truncated, overwritten). */
const damagedCodes = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

export function openDatabase(path: string, options: OpenOptions = {}): DB {
  if (options.fileMustExist && !existsSync(path)) {
    throw new AppError('NOT_FOUND', `The database ${path} is gone (removed or moved while in use); nothing was created in its place. Put it back, or restart with the --db path it now has.`)
  }
  checkSqliteFile(path)
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.fileMustExist ?? false, timeout: options.busyTimeoutMs ?? 10_000 })
  try {
    // Read the schema and the version before changing anything in the file (the journal mode is written
    // into its header): a damaged file is refused untouched.
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get()
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (damagedCodes.has(code) || code.startsWith('SQLITE_CORRUPT')) {
        throw new AppError('DB_NOT_SQLITE', `${path} is a damaged SQLite database (${(err as Error).message}); it was left untouched. Restore it from a backup, or choose another --db path.`)
      }
      throw err
    }
    const version = db.pragma('user_version', { simple: true }) as number
    // another program's SQLite database (a browser's history, a lab's own tables) is not made ours
    if (version === 0) {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name)
      if (tables.length) {
        throw new AppError('DB_NOT_SQLITE', `${path} is a SQLite database of another program (its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}); it was left untouched. Choose another --db path.`)
      }
    }
    if (version > latestVersion) {
      throw new AppError(
        'DB_NEWER',
        `${path} was written by a newer version of Mimic Workbench (schema ${version}; this version knows up to ${latestVersion}). Upgrade Mimic Workbench, or use another --db path.`,
      )
    }
    db.pragma('foreign_keys = ON')
    if (!options.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      // the write-ahead log is cut back to 64 MB when it restarts after a checkpoint (it keeps its size otherwise)
      db.pragma('journal_size_limit = 67108864')
      migrate(db)
    }
    return db
  } catch (err) {
    db.close()
    // another process's write lock held past the busy timeout while opening (the journal mode, a migration)
    throw lockedAtOpen(err, path, options.busyTimeoutMs ?? 10_000) ?? err
  }
}

/**
 * SQLITE_BUSY or SQLITE_LOCKED while a program opens the database and readies it (the journal mode, a
 * migration, runs left by a dead process marked interrupted) as a BUSY error naming the database and
 * what to do; undefined for any other error.
 */
export function lockedAtOpen(err: unknown, path: string, busyTimeoutMs = 10_000): AppError | undefined {
  const code = sqliteCode(err)
  if (code === undefined || !isLockCode(code)) return undefined
  return new AppError(
    'BUSY',
    `The database ${path} could not be opened: another process kept it locked for more than ${busyTimeoutMs / 1000} s (${code}); nothing was changed. End that process's transaction (a sqlite3 shell, a long import) and try again.`,
  )
}

/** Applies the missing migrations, each in its own IMMEDIATE transaction (safe against a second process migrating at once). */
export function migrate(db: DB, upTo = latestVersion): number {
  // Every open but the first finds the schema current: no write transaction then.
  const start = schemaVersion(db)
  if (start >= upTo) return start
  // Numbers may skip (numbers reserved for other branches): each migration follows the one before it in the list.
  let previous = 0
  for (const m of migrations) {
    if (m.version > upTo) break
    const expected = previous
    previous = m.version
    const apply = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number
      if (current >= m.version) return
      if (current !== expected) {
        throw new AppError('INTERNAL', `migration ${m.version} expects schema ${expected} but the database is at ${current}`)
      }
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })
    apply.immediate()
  }
  return db.pragma('user_version', { simple: true }) as number
}

export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number
}
