// Runs repository: runs with their parameters, status, lineage, tags and notes.
import { AppError } from '../shared/errors.ts'
import type { Note, RunBrief, RunRef, RunStatus, RunSummary } from '../shared/types.ts'
import type { DB } from './db.ts'
import { nextIdSql } from './ids.ts'
import { iso, parseJsonObject } from './util.ts'

interface Row {
  id: number
  project_id: number
  kind: string
  name: string
  status: RunStatus
  params: string
  seed: number | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  code_version: string
  host: string
  error: string | null
  summary: string
  tags: string | null
}

export interface RunRecord extends RunSummary {
  params: Record<string, unknown>
  codeVersion: string
  host: string
  error: string | null
}

function toRecord(r: Row, now = Date.now()): RunRecord {
  const end = r.finished_at ?? (r.status === 'running' ? now : null)
  const summary = parseJsonObject(r.summary) as Record<string, number>
  return {
    id: r.id,
    projectId: r.project_id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    seed: r.seed,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    durationSeconds: r.started_at !== null && end !== null ? (end - r.started_at) / 1000 : null,
    tags: r.tags ? r.tags.split('\u001f').sort() : [],
    summary,
    params: parseJsonObject(r.params),
    codeVersion: r.code_version,
    host: r.host,
    error: r.error,
  }
}

/** The fields the runs table shows (parameters, code version, host and error left out). */
export function summaryOf(run: RunRecord): RunSummary {
  const { params: _p, codeVersion: _c, host: _h, error: _e, ...summary } = run
  return summary
}

const select = `SELECT r.*, (SELECT group_concat(tag, char(31)) FROM tags t WHERE t.run_id = r.id) AS tags FROM runs r`

export interface NewRun {
  projectId: number
  kind: string
  name: string
  params: Record<string, unknown>
  seed: number | null
  codeVersion: string
  host: string
  status?: RunStatus
  /** parent run id -> role */
  parents?: { id: number; role: string }[]
}

export interface RunFilter {
  projectId?: number
  kind?: string
  status?: RunStatus
  /** only runs with this tag */
  tag?: string
  limit?: number
}

const finalStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted']

export class RunsRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  /**
   * What the pages show of each project's runs (ids, names, statuses, tag and note counts), one text
   * per project, and the projects' ids and names: compared between two reads, it tells which projects
   * another process changed (the services' watch on the database, for the pages it serves).
   */
  changePrint(): { projects: string; runs: Map<number, string> } {
    const projects = (this.db.prepare('SELECT id, name FROM projects ORDER BY id').all() as { id: number; name: string }[]).map((p) => `${p.id}:${p.name}`).join('\u001f')
    // three aggregates in SQL (about 20-40 ms at 5·10⁴ runs; only read after another connection committed)
    const parts = [
      `SELECT project_id AS p, group_concat(id || ':' || status || ':' || name, char(31) ORDER BY id) AS g FROM runs GROUP BY project_id`,
      `SELECT r.project_id AS p, group_concat(t.run_id || ':' || t.tag, char(31) ORDER BY t.run_id, t.tag) AS g FROM tags t JOIN runs r ON r.id = t.run_id GROUP BY r.project_id`,
      `SELECT r.project_id AS p, count(*) || ':' || max(n.id) AS g FROM notes n JOIN runs r ON r.id = n.run_id GROUP BY r.project_id`,
    ]
    const runs = new Map<number, string>()
    for (const [k, sql] of parts.entries())
      for (const row of this.db.prepare(sql).all() as { p: number; g: string }[]) runs.set(row.p, `${runs.get(row.p) ?? ''}\u001e${k}${row.g}`)
    return { projects, runs }
  }

  find(id: number): RunRecord | undefined {
    const row = this.db.prepare(`${select} WHERE r.id = ?`).get(id) as Row | undefined
    return row ? toRecord(row) : undefined
  }

  get(id: number): RunRecord {
    const r = this.find(id)
    if (!r) throw new AppError('NOT_FOUND', `There is no run with id ${id}: list runs with \`mimic runs list\`.`)
    return r
  }

  list(filter: RunFilter = {}): RunRecord[] {
    const where: string[] = []
    const args: unknown[] = []
    if (filter.projectId !== undefined) {
      where.push('r.project_id = ?')
      args.push(filter.projectId)
    }
    if (filter.kind !== undefined) {
      where.push('r.kind = ?')
      args.push(filter.kind)
    }
    if (filter.status !== undefined) {
      where.push('r.status = ?')
      args.push(filter.status)
    }
    if (filter.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?)')
      args.push(filter.tag)
    }
    const sql = `${select} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
    const now = Date.now()
    return (this.db.prepare(sql).all(...args, filter.limit ?? 1000) as Row[]).map((r) => toRecord(r, now))
  }

  /** Creates a run and its lineage links in one transaction. */
  create(run: NewRun): RunRecord {
    const tx = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO runs (id, project_id, kind, name, status, params, seed, created_at, code_version, host)
           VALUES (${nextIdSql('runs')}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(run.projectId, run.kind, run.name, run.status ?? 'queued', JSON.stringify(run.params), run.seed, Date.now(), run.codeVersion, run.host)
      const id = Number(info.lastInsertRowid)
      for (const p of run.parents ?? []) {
        if (!this.find(p.id)) throw new AppError('NOT_FOUND', `The parent run ${p.id} does not exist.`)
        this.db.prepare('INSERT INTO run_lineage (parent_id, child_id, role) VALUES (?, ?, ?)').run(p.id, id, p.role)
      }
      return id
    })
    return this.get(tx())
  }

  markStarted(id: number): void {
    this.db.prepare(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ?`).run(Date.now(), id)
  }

  /**
   * Moves a run to a final status, unless it already has one (the first final word wins, so a late
   * "cancelled" does not overwrite "succeeded"). Returns whether it changed.
   */
  finish(id: number, status: RunStatus, error: string | null = null, summary?: Record<string, number>): boolean {
    if (!finalStatuses.includes(status)) throw new AppError('INTERNAL', `${status} is not a final status`)
    const info = this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, finished_at = ?, summary = COALESCE(?, summary)
         WHERE id = ? AND status IN ('queued','running')`,
      )
      .run(status, error, Date.now(), summary ? JSON.stringify(summary) : null, id)
    return info.changes > 0
  }

  /** The start and end times of a run computed elsewhere (a cluster task), kept as they were. */
  importTimes(id: number, startedAt: string | null, finishedAt: string | null): void {
    const ms = (t: string | null): number | null => (t === null ? null : Date.parse(t))
    this.db.prepare('UPDATE runs SET started_at = ?, finished_at = ? WHERE id = ?').run(ms(startedAt), ms(finishedAt), id)
  }

  /** Links an existing run as a parent of another (a reproduction that reuses a finished network). */
  linkParent(childId: number, parentId: number, role: string): void {
    this.db.prepare('INSERT OR IGNORE INTO run_lineage (child_id, parent_id, role) VALUES (?, ?, ?)').run(childId, parentId, role)
  }

  /** Makes a finished run running again (a sweep resumed), its error and end time cleared. */
  reopen(id: number): void {
    this.db.prepare(`UPDATE runs SET status = 'running', error = NULL, finished_at = NULL WHERE id = ?`).run(id)
  }

  setSummary(id: number, summary: Record<string, number>): void {
    this.db.prepare('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id)
  }

  rename(id: number, name: string): RunRecord {
    this.get(id)
    this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, id)
    return this.get(id)
  }

  /** Every run derived from this one (its children, their children, ...), oldest first. */
  descendants(id: number): RunBrief[] {
    return this.db
      .prepare(
        `WITH RECURSIVE d(id) AS (
           SELECT child_id FROM run_lineage WHERE parent_id = ?
           UNION SELECT l.child_id FROM run_lineage l JOIN d ON l.parent_id = d.id
         )
         SELECT r.id, r.project_id AS projectId, r.kind, r.name, r.status FROM runs r JOIN d ON d.id = r.id ORDER BY r.id`,
      )
      .all(id) as RunBrief[]
  }

  /**
   * Deletes a run with its metrics, artifacts, tags and notes, in one transaction. A run that other
   * runs were derived from is refused (CONFLICT, the dependants in `details.dependants`) unless
   * `cascade`, which deletes them too. A queued or running run, or dependant, is always refused
   * (`details.running`). Returns what was deleted: the run first, then its dependants.
   */
  delete(id: number, cascade = false): RunBrief[] {
    const tx = this.db.transaction((): RunBrief[] => {
      const run = this.get(id)
      const self: RunBrief = { id: run.id, projectId: run.projectId, kind: run.kind, name: run.name, status: run.status }
      const dependants = this.descendants(id)
      const running = [self, ...dependants].filter((r) => r.status === 'queued' || r.status === 'running')
      if (running.length > 0 && (cascade || running[0].id === id)) {
        const one = running.length === 1
        const names = running.map((r) => (r.id === id ? 'it' : `${r.kind} run ${r.id} “${r.name}”`)).join(', ')
        const state = one ? `is still ${running[0].status}` : 'are still queued or running'
        throw new AppError('CONFLICT', `Run ${id} cannot be deleted while ${names} ${state}: cancel ${one ? 'it' : 'them'} or wait until ${one ? 'it finishes' : 'they finish'}.`, {
          details: { running, dependants },
        })
      }
      if (dependants.length > 0 && !cascade) {
        const names = dependants.map((r) => `${r.kind} run ${r.id} “${r.name}”`).join(', ')
        throw new AppError(
          'CONFLICT',
          `Run ${id} “${run.name}” has ${dependants.length} dependent run${dependants.length === 1 ? '' : 's'} derived from it: ${names}. Delete with cascade to delete ${dependants.length === 1 ? 'it' : 'them'} too, or delete ${dependants.length === 1 ? 'it' : 'them'} first.`,
          { details: { dependants } },
        )
      }
      const del = this.db.prepare('DELETE FROM runs WHERE id = ?')
      // children before parents (ids grow along lineage), the run itself last
      for (const r of [...dependants].reverse()) del.run(r.id)
      del.run(id)
      return [self, ...dependants]
    })
    return tx.immediate()
  }

  parents(id: number): RunRef[] {
    return this.db
      .prepare(
        `SELECT r.id, r.name, r.kind, r.status, l.role FROM run_lineage l JOIN runs r ON r.id = l.parent_id WHERE l.child_id = ? ORDER BY r.id`,
      )
      .all(id) as RunRef[]
  }

  /** The parent ids of many runs at once (child id -> parent ids, ascending). */
  parentIds(ids: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>()
    const stmt = this.db.prepare('SELECT child_id, parent_id FROM run_lineage WHERE child_id IN (SELECT value FROM json_each(?)) ORDER BY child_id, parent_id')
    for (const row of stmt.all(JSON.stringify(ids)) as { child_id: number; parent_id: number }[]) {
      const list = out.get(row.child_id)
      if (list) list.push(row.parent_id)
      else out.set(row.child_id, [row.parent_id])
    }
    return out
  }

  /**
   * The lineage graph around a run: its ancestors and descendants (at most `limit` runs besides it),
   * each with its distance (negative for ancestors), and the links among them.
   */
  lineage(id: number, limit = 400): { nodes: (RunBrief & { depth: number })[]; edges: { parentId: number; childId: number; role: string }[]; truncated: boolean } {
    this.get(id) // NOT_FOUND for an unknown run
    const depth = new Map<number, number>([[id, 0]])
    const up = this.db.prepare('SELECT parent_id AS id FROM run_lineage WHERE child_id = ?')
    const down = this.db.prepare('SELECT child_id AS id FROM run_lineage WHERE parent_id = ?')
    let truncated = false
    for (const [stmt, sign] of [[up, -1], [down, 1]] as const) {
      let frontier = [id]
      for (let d = 1; frontier.length && !truncated; d++) {
        const next: number[] = []
        for (const f of frontier) {
          for (const r of stmt.all(f) as { id: number }[]) {
            if (depth.has(r.id)) continue
            if (depth.size > limit) {
              truncated = true
              break
            }
            depth.set(r.id, sign * d)
            next.push(r.id)
          }
        }
        frontier = next
      }
    }
    const ids = JSON.stringify([...depth.keys()])
    const rows = this.db.prepare('SELECT id, project_id AS projectId, kind, name, status FROM runs WHERE id IN (SELECT value FROM json_each(?))').all(ids) as RunBrief[]
    const edges = this.db
      .prepare('SELECT parent_id AS parentId, child_id AS childId, role FROM run_lineage WHERE parent_id IN (SELECT value FROM json_each(?)) AND child_id IN (SELECT value FROM json_each(?))')
      .all(ids, ids) as { parentId: number; childId: number; role: string }[]
    return { nodes: rows.map((r) => ({ ...r, depth: depth.get(r.id) as number })).sort((a, b) => a.depth - b.depth || a.id - b.id), edges, truncated }
  }

  /** The notes of many runs as one text each (run id -> bodies joined by newlines). */
  notesText(ids: readonly number[]): Map<number, string> {
    const out = new Map<number, string>()
    const rows = this.db.prepare('SELECT run_id, body FROM notes WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, id').all(JSON.stringify(ids)) as { run_id: number; body: string }[]
    for (const r of rows) out.set(r.run_id, out.has(r.run_id) ? `${out.get(r.run_id)}\n${r.body}` : r.body)
    return out
  }

  children(id: number): RunRef[] {
    return this.db
      .prepare(
        `SELECT r.id, r.name, r.kind, r.status, l.role FROM run_lineage l JOIN runs r ON r.id = l.child_id WHERE l.parent_id = ? ORDER BY r.id`,
      )
      .all(id) as RunRef[]
  }

  tag(id: number, tag: string, remove: boolean): string[] {
    this.get(id)
    if (remove) this.db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?').run(id, tag)
    else this.db.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)').run(id, tag)
    return this.get(id).tags
  }

  addNote(id: number, body: string): Note {
    this.get(id)
    const info = this.db.prepare('INSERT INTO notes (run_id, body, created_at) VALUES (?, ?, ?)').run(id, body, Date.now())
    return this.notes(id).find((n) => n.id === Number(info.lastInsertRowid)) as Note
  }

  notes(id: number): Note[] {
    const rows = this.db.prepare('SELECT id, run_id, body, created_at FROM notes WHERE run_id = ? ORDER BY id').all(id) as {
      id: number
      run_id: number
      body: string
      created_at: number
    }[]
    return rows.map((n) => ({ id: n.id, runId: n.run_id, body: n.body, createdAt: iso(n.created_at) as string }))
  }
}
