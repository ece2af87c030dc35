// The stable token of `mimic serve --keep-token`: kept in `<database>.token` beside the database,
// readable and writable only by its owner (mode 0600), and reused by the next start so that links
// and bookmarks keep working. A file that others could read, that belongs to someone else, that is
// a symbolic link or that holds no token is refused with what to do, never repaired silently.
// (On Windows, file modes and owners do not apply: only the content is checked.)
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fchmodSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { AppError } from '../shared/errors.ts'

/** A fresh random token: 24 bytes as 48 hex digits. */
export function newToken(): string {
  return randomBytes(24).toString('hex')
}

export function tokenFileOf(dbPath: string): string {
  return `${dbPath}.token`
}

const tokenShape = /^[A-Za-z0-9_-]{32,256}$/
const posix = process.platform !== 'win32'
// O_NOFOLLOW: never read or create the token through a symbolic link someone else placed there
const noFollow = posix ? constants.O_NOFOLLOW : 0

/**
 * The token kept for `dbPath`: read from `<dbPath>.token`, or made and written there (mode 0600,
 * created exclusively) when the file does not exist yet.
 */
export function keptToken(dbPath: string): { token: string; path: string; created: boolean } {
  const path = tokenFileOf(dbPath)
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | noFollow)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return create(path, dbPath)
    if (code === 'ELOOP') throw refused(path, 'is a symbolic link', `delete it (\`rm ${path}\`) and start again for a new token`)
    throw new AppError('INVALID_ARGUMENT', `Cannot read the token file ${path} (${(err as Error).message}).`)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw refused(path, 'is not a file', `remove it and start again for a new token`)
    if (posix) {
      const uid = process.getuid?.()
      if (uid !== undefined && st.uid !== uid) throw refused(path, `belongs to another user (uid ${st.uid})`, `delete it and start again as its owner for a new token`)
      const mode = st.mode & 0o777
      if (mode & 0o077) {
        throw refused(path, `can be read or changed by other users (mode ${mode.toString(8).padStart(4, '0')})`, `make it private with \`chmod 600 ${path}\`, or delete it for a new token`)
      }
    }
    const token = readFileSync(fd, 'utf8').trim()
    if (!tokenShape.test(token)) throw refused(path, 'does not hold a token (one line of 32 to 256 letters, digits, - or _)', `delete it (\`rm ${path}\`) and start again for a new token`)
    return { token, path, created: false }
  } finally {
    closeSync(fd)
  }
}

function create(path: string, dbPath: string): { token: string; path: string; created: boolean } {
  const token = newToken()
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600)
  } catch (err) {
    // another `mimic serve --keep-token` made it a moment ago: use that one
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return keptToken(dbPath)
    throw new AppError('INVALID_ARGUMENT', `Cannot create the token file ${path} (${(err as Error).message}): --keep-token keeps the token beside the database, so its folder must be writable.`)
  }
  try {
    // the umask may only remove bits from 0600; set it exactly all the same
    if (posix) fchmodSync(fd, 0o600)
    writeFileSync(fd, `${token}\n`)
  } finally {
    closeSync(fd)
  }
  return { token, path, created: true }
}

function refused(path: string, what: string, fix: string): AppError {
  return new AppError('FORBIDDEN', `The token file ${path} ${what}: the token in it opens the workbench, so it is not used. To fix: ${fix}.`)
}
