// Small helpers shared by the repositories.
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString()
}

/** A SQLite UNIQUE violation, for turning into a CONFLICT with a useful message. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function parseJsonObject(text: string | null): Record<string, unknown> {
  if (!text) return {}
  const v = JSON.parse(text) as unknown
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}

/** SQLite's error code of an error ('SQLITE_BUSY', 'SQLITE_IOERR_WRITE'...); undefined for one that is not SQLite's. */
export function sqliteCode(err: unknown): string | undefined {
  const code = err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** Whether a SQLite code says another connection held a lock too long (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
export function isLockCode(code: string): boolean {
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
}

/**
 * A write SQLite refused because of where the database lives (a full disk, a file size limit, a
 * read-only file or folder, an I/O error, a lock held too long by another process), as a sentence that
 * names the database and what to do; undefined for any other error.
 */
export function storageFailure(err: unknown, path: string, then = 'start the job again'): string | undefined {
  const code = sqliteCode(err)
  if (code === undefined) return undefined
  const could = `the database ${path} could not be written`
  if (code === 'SQLITE_FULL') return `${could}: the disk holding it is full (or a file size limit was reached). Free space there (or choose a --db on a larger disk) and ${then}`
  if (code.startsWith('SQLITE_READONLY')) return `${could}: it is read-only (the file, its folder or its disk). Make it writable and ${then}`
  if (code.startsWith('SQLITE_IOERR')) return `${could}: the disk reported an error (${code}). Check the disk (free space, file size limits, whether it is still mounted) and ${then}`
  if (isLockCode(code)) return `${could}: another process kept it locked for longer than the busy timeout. End that process's transaction (a sqlite3 shell, a long import) and ${then}`
  return undefined
}
