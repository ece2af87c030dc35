// Boards: addresses the user saved under a name (`mimic board add NAME ADDRESS`), and the
// `mimic board emulate` processes that registered themselves while they run (pid, host, address,
// serial number, with a heartbeat). A row whose process is gone is dropped when the list is read.
import { AppError } from '../shared/errors.ts'
import type { BoardLease, RunningEmulator, SavedBoard } from '../shared/board.ts'
import type { DB } from './db.ts'
import { isUniqueViolation } from './util.ts'

interface SavedRow {
  name: string
  address: string
  created_at: number
}

interface EmulatorRow {
  pid: number
  host: string
  address: string
  serial_number: string
  chips: number
  started_at: number
  heartbeat_at: number
}

export class BoardsRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  saved(): SavedBoard[] {
    const rows = this.db.prepare('SELECT name, address, created_at FROM boards ORDER BY name').all() as SavedRow[]
    return rows.map((r) => ({ name: r.name, address: r.address, createdAt: new Date(r.created_at).toISOString() }))
  }

  findSaved(name: string): SavedBoard | undefined {
    const r = this.db.prepare('SELECT name, address, created_at FROM boards WHERE name = ?').get(name) as SavedRow | undefined
    return r && { name: r.name, address: r.address, createdAt: new Date(r.created_at).toISOString() }
  }

  add(name: string, address: string): SavedBoard {
    try {
      this.db.prepare('INSERT INTO boards (name, address, created_at) VALUES (?, ?, ?)').run(name, address, Date.now())
    } catch (err) {
      if (isUniqueViolation(err) || (err instanceof Error && /UNIQUE|PRIMARY KEY/.test(err.message))) {
        const had = this.findSaved(name)!
        throw new AppError('CONFLICT', `A board named "${had.name}" is already saved (${had.address}): choose another name, or forget that one first (\`mimic board remove ${had.name}\`, or Forget on the hardware page).`, { field: 'name' })
      }
      throw err
    }
    return this.findSaved(name)!
  }

  remove(name: string): SavedBoard {
    const had = this.findSaved(name)
    if (!had) throw new AppError('NOT_FOUND', `There is no saved board named "${name}": \`mimic board list\` shows the saved boards.`)
    this.db.prepare('DELETE FROM boards WHERE name = ?').run(name)
    return had
  }

  registerEmulator(e: { pid: number; host: string; address: string; serialNumber: string; chips: number }): void {
    const now = Date.now()
    this.db
      .prepare('INSERT OR REPLACE INTO board_emulators (pid, host, address, serial_number, chips, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.pid, e.host, e.address, e.serialNumber, e.chips, now, now)
  }

  heartbeatEmulator(pid: number, host: string): void {
    this.db.prepare('UPDATE board_emulators SET heartbeat_at = ? WHERE pid = ? AND host = ?').run(Date.now(), pid, host)
  }

  unregisterEmulator(pid: number, host: string): void {
    this.db.prepare('DELETE FROM board_emulators WHERE pid = ? AND host = ?').run(pid, host)
  }

  /**
   * The emulators still running: a row of this host whose process is gone, or of another host whose
   * heartbeat is older than staleMs, is deleted first.
   */
  emulators(host: string, alive: (pid: number) => boolean, staleMs: number): RunningEmulator[] {
    const rows = this.db.prepare('SELECT * FROM board_emulators ORDER BY started_at, pid').all() as EmulatorRow[]
    const now = Date.now()
    const out: RunningEmulator[] = []
    for (const r of rows) {
      const gone = r.host === host ? !alive(r.pid) : now - r.heartbeat_at > staleMs
      if (gone) {
        this.unregisterEmulator(r.pid, r.host)
        continue
      }
      out.push({ pid: r.pid, host: r.host, address: r.address, serialNumber: r.serial_number, chips: r.chips, startedAt: new Date(r.started_at).toISOString() })
    }
    return out
  }
}

interface LeaseRow {
  address: string
  holder: string
  run_id: number | null
  owner_pid: number
  owner_host: string
  acquired_at: number
  heartbeat_at: number
}

function leaseOf(r: LeaseRow): BoardLease {
  return { address: r.address, holder: r.holder, runId: r.run_id, pid: r.owner_pid, host: r.owner_host, acquiredAt: new Date(r.acquired_at).toISOString() }
}

/** Whether a lease row's process is gone: on this host its pid, elsewhere its heartbeat. */
export type LeaseLiveness = { host: string; alive: (pid: number) => boolean; staleMs: number }

function gone(r: LeaseRow, l: LeaseLiveness, now: number): boolean {
  return r.owner_host === l.host ? !l.alive(r.owner_pid) : now - r.heartbeat_at > l.staleMs
}

/**
 * Board leases: one user at a time per board address, across every process on the database. The
 * check and the claim are one IMMEDIATE transaction, so two processes cannot both win.
 */
export class BoardLeasesRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  /** The leases held now; those whose process is gone are deleted first. */
  list(l: LeaseLiveness): BoardLease[] {
    return this.db
      .transaction(() => {
        const now = Date.now()
        const rows = this.db.prepare('SELECT * FROM board_leases ORDER BY acquired_at').all() as LeaseRow[]
        const out: BoardLease[] = []
        for (const r of rows) {
          if (gone(r, l, now)) this.db.prepare('DELETE FROM board_leases WHERE address = ?').run(r.address)
          else out.push(leaseOf(r))
        }
        return out
      })
      .immediate()
  }

  /** Takes the board, or throws CONFLICT "in use by …" naming the holder, its process and since when. */
  acquire(address: string, who: { holder: string; runId: number | null; pid: number }, l: LeaseLiveness): BoardLease {
    return this.db
      .transaction(() => {
        const now = Date.now()
        const r = this.db.prepare('SELECT * FROM board_leases WHERE address = ?').get(address) as LeaseRow | undefined
        if (r && !gone(r, l, now)) {
          throw new AppError(
            'CONFLICT',
            `The board ${address} is in use by ${r.holder} (pid ${r.owner_pid} on ${r.owner_host}, since ${new Date(r.acquired_at).toISOString().replace('T', ' ').slice(0, 19)} UTC): one user at a time; wait until it lets the board go${r.run_id !== null ? `, or cancel run ${r.run_id} (\`mimic jobs cancel ${r.run_id}\`)` : ' (disconnect it in the hardware panel)'}.`,
            { field: 'address' },
          )
        }
        this.db
          .prepare('INSERT OR REPLACE INTO board_leases (address, holder, run_id, owner_pid, owner_host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(address, who.holder, who.runId, who.pid, l.host, now, now)
        return leaseOf(this.db.prepare('SELECT * FROM board_leases WHERE address = ?').get(address) as LeaseRow)
      })
      .immediate()
  }

  /** Lets the board go (only the lease of this process). */
  release(address: string, pid: number, host: string): void {
    this.db.prepare('DELETE FROM board_leases WHERE address = ? AND owner_pid = ? AND owner_host = ?').run(address, pid, host)
  }

  heartbeat(pid: number, host: string): void {
    this.db.prepare('UPDATE board_leases SET heartbeat_at = ? WHERE owner_pid = ? AND owner_host = ?').run(Date.now(), pid, host)
  }
}
