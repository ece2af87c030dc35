// The store: one better-sqlite3 connection and the repositories, the only code that writes SQL.
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { ArtifactsRepo, checkPartBytes, defaultPartBytes } from './artifacts.ts'
import { ClustersRepo, SweepsRepo } from './clusters.ts'
import { BoardLeasesRepo, BoardsRepo } from './boards.ts'
import { openDatabase, schemaVersion, type DB, type OpenOptions } from './db.ts'
import { JobsRepo } from './jobs.ts'
import { LeasesRepo } from './leases.ts'
import { MetricsRepo } from './metrics.ts'
import { NetworksRepo } from './networks.ts'
import { ProjectsRepo } from './projects.ts'
import { ResultsRepo } from './results.ts'
import { RunsRepo } from './runs.ts'
import { readProject, readShippedRun, writeProject, writeShippedRuns } from './transfer.ts'
import type { ProjectImport, ProjectSnapshot, ShippedRun } from '../shared/transfer.ts'

export interface StoreOptions extends OpenOptions {
  /** artifacts larger than this many bytes are stored in parts of this size (default 4 MiB; tests set it small) */
  artifactPartBytes?: number
}

export class Store {
  readonly path: string
  readonly db: DB
  readonly projects: ProjectsRepo
  readonly runs: RunsRepo
  readonly metrics: MetricsRepo
  readonly artifacts: ArtifactsRepo
  readonly jobs: JobsRepo
  readonly results: ResultsRepo
  readonly leases: LeasesRepo
  readonly networks: NetworksRepo
  readonly clusters: ClustersRepo
  readonly sweeps: SweepsRepo
  readonly boards: BoardsRepo
  readonly boardLeases: BoardLeasesRepo
  /** the file opened (device and inode), to tell when the path no longer leads to it */
  private readonly file: { dev: number; ino: number }

  constructor(path: string, options: StoreOptions = {}) {
    this.path = resolve(path)
    const partBytes = checkPartBytes(options.artifactPartBytes ?? defaultPartBytes)
    this.db = openDatabase(this.path, options)
    const st = statSync(this.path)
    this.file = { dev: st.dev, ino: st.ino }
    this.projects = new ProjectsRepo(this.db)
    this.runs = new RunsRepo(this.db)
    this.metrics = new MetricsRepo(this.db)
    this.artifacts = new ArtifactsRepo(this.db, partBytes)
    this.jobs = new JobsRepo(this.db)
    this.results = new ResultsRepo(this.db)
    this.leases = new LeasesRepo(this.db)
    this.networks = new NetworksRepo(this.db)
    this.clusters = new ClustersRepo(this.db)
    this.sweeps = new SweepsRepo(this.db)
    this.boards = new BoardsRepo(this.db)
    this.boardLeases = new BoardLeasesRepo(this.db)
  }

  get schemaVersion(): number {
    return schemaVersion(this.db)
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /**
   * Runs fn in one IMMEDIATE transaction: the write lock is taken at the start, so that what fn reads
   * cannot change under it in another process (a second process waits for the lock, up to the busy timeout).
   */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  /** A whole project as plain data (refused while one of its runs is queued or running). */
  readProject(projectId: number): ProjectSnapshot {
    return readProject(this.db, projectId)
  }

  /** One run as an input shipped to a cluster's tasks (record, network row, artifacts, parent links). */
  readShippedRun(id: number): ShippedRun {
    return readShippedRun(this.db, id)
  }

  /** Writes shipped runs under their own ids (a cluster task's database); returns the ids written. */
  writeShippedRuns(projectId: number, shipped: readonly ShippedRun[]): number[] {
    return writeShippedRuns(this.db, projectId, shipped, this.artifacts.partBytes)
  }

  /** Writes a project read from another database with new ids, in one transaction. */
  writeProject(snapshot: ProjectSnapshot, name?: string): ProjectImport {
    return writeProject(this.db, snapshot, name, this.artifacts.partBytes)
  }

  /**
   * Whether the database file at `path` is no longer the one open here: removed, moved or replaced
   * while in use. What is written then goes to a file nobody can open again once this connection closes.
   */
  fileGone(): boolean {
    try {
      const st = statSync(this.path)
      return st.ino !== this.file.ino || st.dev !== this.file.dev
    } catch {
      return true
    }
  }

  /** Writes everything this connection holds into a new database file beside `path` (VACUUM INTO); returns its path. */
  rescue(): string {
    const target = `${this.path}.rescued-${new Date().toISOString().replace(/[:.]/g, '-')}.db`
    this.db.prepare('VACUUM INTO ?').run(target)
    return target
  }

  /**
   * Closes the connection. A large write (a network's matrices, an imported corpus) leaves SQLite's
   * write-ahead log as large as it grew, hundreds of MB beside the database, for as long as any other
   * program keeps the database open (`mimic serve`, the app): a writer gives it back as it closes, by a
   * checkpoint that truncates the log. It does not wait: with another writer at work, or a reader on an
   * older snapshot, it does nothing (that program's own close, or the next write after the log resets,
   * under journal_size_limit, trims it then).
   */
  close(): void {
    if (!this.db.open) return
    if (!this.db.readonly) {
      try {
        this.db.pragma('busy_timeout = 0')
        this.db.pragma('wal_checkpoint(TRUNCATE)')
      } catch {
        // busy or locked: left to the next writer
      }
    }
    this.db.close()
  }
}

export function openStore(path: string, options: StoreOptions = {}): Store {
  return new Store(path, options)
}

export { latestVersion } from './migrations.ts'
