// Projects repository.
import { AppError } from '../shared/errors.ts'
import type { Project, RunBrief } from '../shared/types.ts'
import type { DB } from './db.ts'
import { nextIdSql } from './ids.ts'
import { isUniqueViolation } from './util.ts'

interface Row {
  id: number
  name: string
  created_at: number
  run_count: number
}

function toProject(r: Row): Project {
  return { id: r.id, name: r.name, createdAt: new Date(r.created_at).toISOString(), runCount: r.run_count }
}

const select = `SELECT p.id, p.name, p.created_at, (SELECT COUNT(*) FROM runs r WHERE r.project_id = p.id) AS run_count FROM projects p`

export class ProjectsRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  list(): Project[] {
    return (this.db.prepare(`${select} ORDER BY p.created_at DESC, p.id DESC`).all() as Row[]).map(toProject)
  }

  find(id: number): Project | undefined {
    const row = this.db.prepare(`${select} WHERE p.id = ?`).get(id) as Row | undefined
    return row ? toProject(row) : undefined
  }

  get(id: number): Project {
    const p = this.find(id)
    if (!p) throw new AppError('NOT_FOUND', `There is no project with id ${id}: list projects with \`mimic projects list\`.`)
    return p
  }

  create(name: string): Project {
    try {
      const info = this.db.prepare(`INSERT INTO projects (id, name, created_at) VALUES (${nextIdSql('projects')}, ?, ?)`).run(name, Date.now())
      return this.get(Number(info.lastInsertRowid))
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A project named "${name}" already exists: choose another name.`)
      throw err
    }
  }

  rename(id: number, name: string): Project {
    this.get(id)
    try {
      this.db.prepare('UPDATE projects SET name = ? WHERE id = ?').run(name, id)
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A project named "${name}" already exists: choose another name.`)
      throw err
    }
    return this.get(id)
  }

  /**
   * Deletes the project and (by cascade) its runs, metrics and artifacts, in one transaction.
   * Refused (CONFLICT, the runs in `details.running`) while one of its runs is queued or running.
   */
  delete(id: number): void {
    const tx = this.db.transaction(() => {
      const project = this.get(id)
      const running = this.db
        .prepare(`SELECT id, project_id AS projectId, kind, name, status FROM runs WHERE project_id = ? AND status IN ('queued','running') ORDER BY id`)
        .all(id) as RunBrief[]
      if (running.length > 0) {
        const names = running.map((r) => `“${r.name}”`).join(', ')
        const one = running.length === 1
        throw new AppError(
          'CONFLICT',
          `Project “${project.name}” cannot be deleted while ${names} ${one ? 'is' : 'are'} still running: cancel ${one ? 'it' : 'them'} or wait until ${one ? 'it finishes' : 'they finish'}.`,
          { details: { running } },
        )
      }
      // Runs of other projects derived from this project's runs would lose what they came from (runs.delete
      // refuses such a run too): they are named, and nothing is deleted.
      const outside = this.db
        .prepare(
          `SELECT DISTINCT r.id, r.project_id AS projectId, r.kind, r.name, r.status, q.name AS projectName
             FROM run_lineage l JOIN runs p ON p.id = l.parent_id JOIN runs r ON r.id = l.child_id JOIN projects q ON q.id = r.project_id
            WHERE p.project_id = ? AND r.project_id <> ? ORDER BY r.id`,
        )
        .all(id, id) as (RunBrief & { projectName: string })[]
      if (outside.length > 0) {
        const one = outside.length === 1
        const names = outside.map((r) => `${r.kind} run ${r.id} “${r.name}” of project “${r.projectName}”`).join(', ')
        throw new AppError(
          'CONFLICT',
          `Project “${project.name}” cannot be deleted: ${names} ${one ? 'was' : 'were'} derived from its runs. Delete ${one ? `it first (\`mimic runs delete ${outside[0].id}\`)` : 'them first (`mimic runs delete ID` for each)'}, or keep the project.`,
          { details: { dependants: outside.map(({ projectName: _p, ...r }) => r) } },
        )
      }
      this.db.prepare('DELETE FROM projects WHERE id = ?').run(id)
    })
    tx.immediate()
  }
}
