// A whole project read out of the database as plain data, and written into another one with new ids
// (src/shared/transfer.ts). The import runs in one transaction: anything wrong, and nothing is kept.
import { AppError } from '../shared/errors.ts'
import { jobKinds } from '../shared/jobkinds/index.ts'
import { nameMax } from '../shared/limits.ts'
import { article } from '../shared/schema.ts'
import type { ProjectImport, ProjectSnapshot, ShippedRun, SnapshotArtifact, SnapshotRun } from '../shared/transfer.ts'
import { artifactBytes, byteLengthSql, defaultPartBytes, insertArtifact } from './artifacts.ts'
import type { DB } from './db.ts'
import { nextIdSql } from './ids.ts'
import { isUniqueViolation } from './util.ts'

interface RunRow {
  id: number
  kind: string
  name: string
  status: string
  params: string
  seed: number | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  code_version: string
  host: string
  error: string | null
  summary: string
  job_kind: string | null
  fraction: number | null
  message: string | null
  stage: string | null
  architecture: string | null
  format_version: number | null
  meta: string | null
}

interface ArtifactRow {
  id: number
  run_id: number
  name: string
  dtype: string
  shape: string
  created_at: number
  /** what the row holds: all the bytes, or none when they are in artifact_parts */
  bytes: Buffer
  byte_length: number
}

/** An artifact row's bytes, with its parts when it has them (src/store/artifacts.ts). */
function bytesOf(db: DB, a: ArtifactRow): Uint8Array {
  // (an artifact held in its row alone is far below it: SQLite takes at most 512 MiB in one value)
  if (a.byte_length > maxTransferBytes) {
    throw new AppError('UNSUPPORTED', `Artifact "${a.name}" of run ${a.run_id} holds ${(a.byte_length / 2 ** 30).toFixed(2)} GiB, more than one member of a project bundle (a zip without zip64) holds, 4 GiB: make the run smaller (fewer samples), or copy the database file itself.`)
  }
  return artifactBytes(db, a.id, a.bytes, a.byte_length, `Artifact "${a.name}" of run ${a.run_id}`)
}

/** The most bytes of one artifact a bundle (a zip without zip64) holds, which is also the longest Uint8Array Node makes. */
const maxTransferBytes = 2 ** 32 - 1

export function readProject(db: DB, projectId: number): ProjectSnapshot {
  const read = db.transaction((): ProjectSnapshot => {
    const project = db.prepare('SELECT name, created_at FROM projects WHERE id = ?').get(projectId) as { name: string; created_at: number } | undefined
    if (!project) throw new AppError('NOT_FOUND', `There is no project with id ${projectId}: list projects with \`mimic projects list\`.`)
    const active = db.prepare(`SELECT id, kind, name, status FROM runs WHERE project_id = ? AND status IN ('queued','running') ORDER BY id`).all(projectId) as { id: number; kind: string; name: string; status: string }[]
    if (active.length) {
      throw new AppError('CONFLICT', `Project ${projectId} cannot be exported while ${active.map((r) => `run ${r.id} “${r.name}” is ${r.status}`).join(', ')}: wait until ${active.length === 1 ? 'it finishes' : 'they finish'} or cancel ${active.length === 1 ? 'it' : 'them'} (\`mimic jobs cancel ID\`).`, {
        details: { running: active },
      })
    }
    const rows = db
      .prepare(
        `${runSelect} WHERE r.project_id = ? ORDER BY r.id`,
      )
      .all(projectId) as RunRow[]
    const inProject = new Set(rows.map((r) => r.id))
    const tags = new Map<number, string[]>()
    for (const t of db.prepare('SELECT t.run_id, t.tag FROM tags t JOIN runs r ON r.id = t.run_id WHERE r.project_id = ? ORDER BY t.run_id, t.tag').all(projectId) as { run_id: number; tag: string }[]) {
      tags.set(t.run_id, [...(tags.get(t.run_id) ?? []), t.tag])
    }
    const notes = new Map<number, { body: string; createdAt: number }[]>()
    for (const n of db.prepare('SELECT n.run_id, n.body, n.created_at FROM notes n JOIN runs r ON r.id = n.run_id WHERE r.project_id = ? ORDER BY n.id').all(projectId) as { run_id: number; body: string; created_at: number }[]) {
      notes.set(n.run_id, [...(notes.get(n.run_id) ?? []), { body: n.body, createdAt: n.created_at }])
    }
    const runs: SnapshotRun[] = rows.map((r) =>
      snapshotRun(r, r.job_kind !== null ? { fraction: r.fraction ?? 0, message: r.message ?? '', stage: r.stage } : null, tags.get(r.id) ?? [], notes.get(r.id) ?? []),
    )
    const links = db
      .prepare('SELECT l.parent_id AS parentId, l.child_id AS childId, l.role FROM run_lineage l JOIN runs r ON r.id = l.child_id WHERE r.project_id = ? ORDER BY l.child_id, l.parent_id')
      .all(projectId) as { parentId: number; childId: number; role: string }[]
    const metrics: ProjectSnapshot['metrics'] = []
    let current: ProjectSnapshot['metrics'][number] | null = null
    for (const m of db
      .prepare('SELECT m.run_id, m.key, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.project_id = ? ORDER BY m.run_id, m.key, m.rowid')
      .raw()
      .iterate(projectId) as Iterable<[number, string, number, number | null]>) {
      if (!current || current.runId !== m[0] || current.key !== m[1]) {
        current = { runId: m[0], key: m[1], steps: [], values: [] }
        metrics.push(current)
      }
      current.steps.push(m[2])
      current.values.push(m[3])
    }
    const artifacts: SnapshotArtifact[] = (
      db
        .prepare(`SELECT a.id, a.run_id, a.name, a.dtype, a.shape, a.created_at, a.bytes, ${byteLengthSql} AS byte_length FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE r.project_id = ? ORDER BY a.run_id, a.name`)
        .all(projectId) as ArtifactRow[]
    ).map((a) => ({ runId: a.run_id, name: a.name, dtype: a.dtype, shape: JSON.parse(a.shape) as number[], createdAt: a.created_at, bytes: bytesOf(db, a) }))
    const results: ProjectSnapshot['results'] = []
    const items = db
      .prepare('SELECT i.id, i.run_id, i.item, i.network_id, i.architecture, i.labels FROM result_items i JOIN runs r ON r.id = i.run_id WHERE r.project_id = ? ORDER BY i.run_id, i.item')
      .all(projectId) as { id: number; run_id: number; item: number; network_id: number | null; architecture: string | null; labels: string }[]
    const values = db.prepare('SELECT key, value FROM result_values WHERE item_id = ? ORDER BY key').raw()
    for (const i of items) {
      results.push({
        runId: i.run_id,
        item: i.item,
        networkId: i.network_id !== null && inProject.has(i.network_id) ? i.network_id : null,
        architecture: i.architecture,
        labels: i.labels,
        values: values.all(i.id) as [string, number | null][],
      })
    }
    return {
      project: { name: project.name, createdAt: project.created_at },
      runs,
      lineage: links.filter((l) => inProject.has(l.parentId)),
      externalLineage: links.filter((l) => !inProject.has(l.parentId)),
      metrics,
      artifacts,
      results,
    }
  })
  return read()
}

/**
 * Parameters that name runs by id: every job kind's run references (a network, a dataset, the list of
 * a robustness run's networks), whatever run kind they are found on (a pipeline's stages have them
 * too), and a reproduction's resume.
 */
export const runRefParams: ReadonlySet<string> = new Set([
  ...Object.values(jobKinds).flatMap((spec) =>
    Object.entries(spec.params.info().fields ?? {})
      .filter(([, info]) => info.ref !== undefined || info.items?.ref !== undefined)
      .map(([key]) => key),
  ),
  'resume',
])

/** Summary figures that name a run (a network ADS's dataset, when it trained on its teacher's). */
export const runRefSummary: ReadonlySet<string> = new Set(['dataset'])

/** Result values that name a run (the parts of a paper reproduction's comparison). */
export const runRefResultValues: ReadonlySet<string> = new Set(['runId'])

/**
 * A run's parameters or summary with the runs they name given their ids in this database (`idOf`); a
 * run with no id here (of another project, or not brought along) is left out, since its old id names
 * some other run here, and reported to `dropped`. Returns the same object when nothing names a run.
 */
export function mapRunRefs<T extends Record<string, unknown>>(o: T, keys: ReadonlySet<string>, idOf: (old: number) => number | undefined, dropped: (key: string, id: number) => void): T {
  let out: Record<string, unknown> | undefined
  for (const [key, v] of Object.entries(o)) {
    if (!keys.has(key)) continue
    out ??= { ...o }
    if (Number.isSafeInteger(v)) {
      const id = idOf(v as number)
      if (id === undefined) {
        delete out[key]
        dropped(key, v as number)
      } else out[key] = id
    } else if (Array.isArray(v) && v.length > 0 && v.every((x) => Number.isSafeInteger(x))) {
      const kept: number[] = []
      for (const x of v as number[]) {
        const id = idOf(x)
        if (id === undefined) dropped(key, x)
        else kept.push(id)
      }
      if (kept.length) out[key] = kept
      else delete out[key]
    }
  }
  return (out ?? o) as T
}

/** mapRunRefs on JSON text (as the tables keep parameters and summaries); the same text when nothing changes. */
function mapRunRefsText(text: string, keys: ReadonlySet<string>, ids: ReadonlyMap<number, number>, dropped: (key: string, id: number) => void): string {
  const o = JSON.parse(text) as Record<string, unknown>
  const mapped = mapRunRefs(o, keys, (old) => ids.get(old), dropped)
  return mapped === o ? text : JSON.stringify(mapped)
}

/**
 * A sweep run's parameters (src/jobs/cluster/sweep.ts) name runs one level down: the split job's own
 * parameters under `params` (its network, dataset...) and the reproduction it works for under `owner`
 * ({id, role}). Both mapped as mapRunRefs maps a job's; an owner outside the bundle is left out.
 */
function mapSweepParamsText(text: string, ids: ReadonlyMap<number, number>, dropped: (key: string, id: number) => void): string {
  const o = JSON.parse(text) as Record<string, unknown>
  let out: Record<string, unknown> | undefined
  const inner = o.params
  if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
    const mapped = mapRunRefs(inner as Record<string, unknown>, runRefParams, (old) => ids.get(old), (key, id) => dropped(`params.${key}`, id))
    if (mapped !== inner) (out ??= { ...o }).params = mapped
  }
  const owner = o.owner as { id?: unknown } | undefined
  if (owner && typeof owner === 'object' && Number.isSafeInteger(owner.id)) {
    out ??= { ...o }
    const id = ids.get(owner.id as number)
    if (id === undefined) {
      delete out.owner
      dropped('owner', owner.id as number)
    } else out.owner = { ...owner, id }
  }
  return out ? JSON.stringify(out) : text
}

/**
 * Writes a project read by readProject into this database with new ids, in one transaction. The
 * project keeps its name unless one exists already ("NAME (imported)", then "(imported 2)"...).
 * Lineage, results' networks and the run ids in parameters, summaries and result values are mapped
 * to the new ids.
 */
export function writeProject(db: DB, snap: ProjectSnapshot, name?: string, partBytes = defaultPartBytes): ProjectImport {
  const tx = db.transaction((): ProjectImport => {
    const exists = (n: string): boolean => db.prepare('SELECT 1 FROM projects WHERE name = ? COLLATE NOCASE').get(n) !== undefined
    let projectName = name ?? snap.project.name
    if (name !== undefined && exists(name)) throw new AppError('CONFLICT', `A project named "${name}" already exists: choose another name.`)
    for (let k = 1; exists(projectName); k++) {
      // within the length a project's name may have
      const suffix = ` (imported${k === 1 ? '' : ` ${k}`})`
      projectName = `${snap.project.name.slice(0, nameMax - suffix.length).trimEnd()}${suffix}`
    }
    const projectId = Number(db.prepare(`INSERT INTO projects (id, name, created_at) VALUES (${nextIdSql('projects')}, ?, ?)`).run(projectName, snap.project.createdAt).lastInsertRowid)
    const ids = new Map<number, number>()
    const insRun = db.prepare(
      `INSERT INTO runs (id, project_id, kind, name, status, params, seed, created_at, started_at, finished_at, code_version, host, error, summary)
       VALUES (${nextIdSql('runs')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const insJob = db.prepare(
      `INSERT INTO jobs (run_id, job_kind, owner_pid, owner_host, fraction, message, stage, updated_at, heartbeat_at) VALUES (?, ?, 0, '', ?, ?, ?, ?, ?)`,
    )
    const insTag = db.prepare('INSERT INTO tags (run_id, tag) VALUES (?, ?)')
    const insNote = db.prepare('INSERT INTO notes (run_id, body, created_at) VALUES (?, ?, ?)')
    const insNet = db.prepare('INSERT INTO networks (run_id, architecture, format_version, meta) VALUES (?, ?, ?, ?)')
    for (const r of snap.runs) {
      if (ids.has(r.id)) throw new AppError('INVALID_ARGUMENT', `The bundle lists run ${r.id} twice: the file is damaged.`)
      const id = Number(
        insRun.run(projectId, r.kind, r.name, r.status, r.params, r.seed, r.createdAt, r.startedAt, r.finishedAt, r.codeVersion, r.host, r.error, r.summary).lastInsertRowid,
      )
      ids.set(r.id, id)
      const at = r.finishedAt ?? r.createdAt
      if (r.jobKind !== null) insJob.run(id, r.jobKind, r.progress?.fraction ?? 0, r.progress?.message ?? '', r.progress?.stage ?? null, at, at)
      for (const t of r.tags) insTag.run(id, t)
      for (const n of r.notes) insNote.run(id, n.body, n.createdAt)
      if (r.network) insNet.run(id, r.network.architecture, r.network.formatVersion, r.network.meta)
    }
    // the runs named in parameters and summaries, now that every run has its new id
    const setRefs = db.prepare('UPDATE runs SET params = ?, summary = ? WHERE id = ?')
    for (const r of snap.runs) {
      const outside: string[] = []
      const drop = (key: string, old: number): void => void outside.push(`${key} (run ${old})`)
      const top = mapRunRefsText(r.params, runRefParams, ids, drop)
      const params = r.kind === 'sweep' ? mapSweepParamsText(top, ids, drop) : top
      const summary = mapRunRefsText(r.summary, runRefSummary, ids, drop)
      const id = ids.get(r.id) as number
      if (params !== r.params || summary !== r.summary) setRefs.run(params, summary, id)
      if (outside.length) {
        insNote.run(id, `Imported from a project bundle: ${outside.join(', ')} named a run outside the exported project, which the bundle does not hold; left out of this run's record (an id of the database it came from would name another run here).`, Date.now())
      }
    }
    const map = (old: number, what: string): number => {
      const id = ids.get(old)
      if (id === undefined) throw new AppError('INVALID_ARGUMENT', `The bundle's ${what} names run ${old}, which it does not contain: the file is damaged.`)
      return id
    }
    const insLink = db.prepare('INSERT INTO run_lineage (parent_id, child_id, role) VALUES (?, ?, ?)')
    for (const l of snap.lineage) insLink.run(map(l.parentId, 'lineage'), map(l.childId, 'lineage'), l.role)
    const insMetric = db.prepare('INSERT INTO metrics (run_id, key, step, value) VALUES (?, ?, ?, ?)')
    let metricPoints = 0
    for (const m of snap.metrics) {
      const id = map(m.runId, 'metrics')
      if (m.steps.length !== m.values.length) throw new AppError('INVALID_ARGUMENT', `The bundle's metric "${m.key}" of run ${m.runId} has ${m.steps.length} steps but ${m.values.length} values: the file is damaged.`)
      for (let i = 0; i < m.steps.length; i++) insMetric.run(id, m.key, m.steps[i], m.values[i])
      metricPoints += m.steps.length
    }
    for (const a of snap.artifacts) {
      try {
        insertArtifact(db, { runId: map(a.runId, 'artifact'), name: a.name, dtype: a.dtype, shape: JSON.stringify(a.shape), createdAt: a.createdAt, bytes: a.bytes }, partBytes)
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('INVALID_ARGUMENT', `The bundle has artifact "${a.name}" of run ${a.runId} twice: the file is damaged.`)
        throw err
      }
    }
    const insItem = db.prepare('INSERT INTO result_items (run_id, item, network_id, architecture, labels) VALUES (?, ?, ?, ?, ?)')
    const insValue = db.prepare('INSERT INTO result_values (item_id, key, value) VALUES (?, ?, ?)')
    for (const it of snap.results) {
      const itemId = insItem.run(map(it.runId, 'results'), it.item, it.networkId === null ? null : map(it.networkId, 'results'), it.architecture, it.labels).lastInsertRowid
      for (const [k, v] of it.values) insValue.run(itemId, k, runRefResultValues.has(k) && v !== null ? (ids.get(v) ?? null) : v)
    }
    return {
      projectId,
      name: projectName,
      runs: snap.runs.length,
      artifacts: snap.artifacts.length,
      metricPoints,
      resultItems: snap.results.length,
      idMap: Object.fromEntries([...ids].map(([a, b]) => [String(a), b])),
      droppedLinks: snap.externalLineage.length,
    }
  })
  return tx.immediate()
}

/** A run with its job's progress and its network row, as the snapshot reads it (then WHERE …). */
const runSelect = `SELECT r.id, r.kind, r.name, r.status, r.params, r.seed, r.created_at, r.started_at, r.finished_at, r.code_version, r.host, r.error, r.summary,
       j.job_kind, j.fraction, j.message, j.stage, n.architecture, n.format_version, n.meta
  FROM runs r LEFT JOIN jobs j ON j.run_id = r.id LEFT JOIN networks n ON n.run_id = r.id`

/** A row of runSelect as a snapshot's run. */
function snapshotRun(r: RunRow, progress: SnapshotRun['progress'], tags: string[], notes: SnapshotRun['notes']): SnapshotRun {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    params: r.params,
    seed: r.seed,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    codeVersion: r.code_version,
    host: r.host,
    error: r.error,
    summary: r.summary,
    jobKind: r.job_kind,
    progress,
    tags,
    notes,
    network: r.architecture !== null ? { architecture: r.architecture, formatVersion: r.format_version as number, meta: r.meta as string } : null,
  }
}

function base64Of(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64')
}

/** The most base64 characters of artifacts a shipped run holds: V8's longest string less room for the rest of the JSON. */
const maxShippedBase64Chars = 2 ** 29 - 24 - 2 ** 20

/** One finished run as a sweep's input for a cluster: record, network row, artifacts and parent links. */
export function readShippedRun(db: DB, id: number): ShippedRun {
  const r = db
    .prepare(
      `${runSelect} WHERE r.id = ?`,
    )
    .get(id) as RunRow | undefined
  if (!r) throw new AppError('NOT_FOUND', `There is no run with id ${id}.`)
  const run = snapshotRun(r, null, [], [])
  const parents = db.prepare('SELECT parent_id AS id, role FROM run_lineage WHERE child_id = ? ORDER BY parent_id').all(id) as { id: number; role: string }[]
  const rows = db.prepare(`SELECT a.id, a.run_id, a.name, a.dtype, a.shape, a.created_at, a.bytes, ${byteLengthSql} AS byte_length FROM artifacts a WHERE a.run_id = ? ORDER BY a.name`).all(id) as ArtifactRow[]
  // The shipped run is one JSON text, and V8 makes no string longer than 2^29 - 24 characters.
  const base64Chars = rows.reduce((n, a) => n + 4 * Math.ceil(a.byte_length / 3), 0)
  if (base64Chars > maxShippedBase64Chars) {
    const big = rows.reduce((m, a) => (a.byte_length > m.byte_length ? a : m))
    throw new AppError(
      'UNSUPPORTED',
      `Run ${id} cannot be sent to a cluster: its artifacts hold ${(rows.reduce((n, a) => n + a.byte_length, 0) / 2 ** 20).toFixed(1)} MiB (the largest, "${big.name}", ${(big.byte_length / 2 ** 20).toFixed(1)} MiB), and a run is sent as one text of at most ${(maxShippedBase64Chars * 3 / 4 / 2 ** 20).toFixed(0)} MiB of bytes. Run the job on this machine, or use a smaller dataset (fewer samples).`,
    )
  }
  const artifacts = rows.map((a) => ({ name: a.name, dtype: a.dtype, shape: JSON.parse(a.shape) as number[], createdAt: a.created_at, base64: base64Of(bytesOf(db, a)) }))
  return { run, parents, artifacts }
}

/**
 * Writes shipped runs into this (a cluster task's own) database under their own ids, in one
 * transaction; runs already there (an earlier attempt of the task) are left as they are. Links to
 * parents are kept when the parent is here too. Returns the ids written.
 */
export function writeShippedRuns(db: DB, projectId: number, shipped: readonly ShippedRun[], partBytes = defaultPartBytes): number[] {
  const tx = db.transaction((): number[] => {
    const has = db.prepare('SELECT kind FROM runs WHERE id = ?')
    const insRun = db.prepare(
      `INSERT INTO runs (id, project_id, kind, name, status, params, seed, created_at, started_at, finished_at, code_version, host, error, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const insNet = db.prepare('INSERT INTO networks (run_id, architecture, format_version, meta) VALUES (?, ?, ?, ?)')
    const written: number[] = []
    for (const s of shipped) {
      const there = has.get(s.run.id) as { kind: string } | undefined
      if (there) {
        if (there.kind !== s.run.kind) throw new AppError('CONFLICT', `Run ${s.run.id} of this task's database is ${article(there.kind)} ${there.kind} run, but the shipped run ${s.run.id} is ${article(s.run.kind)} ${s.run.kind} run: remove the task's database and run the task again.`)
        continue
      }
      const r = s.run
      insRun.run(r.id, projectId, r.kind, r.name, r.status, r.params, r.seed, r.createdAt, r.startedAt, r.finishedAt, r.codeVersion, r.host, r.error, r.summary)
      if (r.network) insNet.run(r.id, r.network.architecture, r.network.formatVersion, r.network.meta)
      for (const a of s.artifacts) insertArtifact(db, { runId: r.id, name: a.name, dtype: a.dtype, shape: JSON.stringify(a.shape), createdAt: a.createdAt, bytes: Buffer.from(a.base64, 'base64') }, partBytes)
      written.push(r.id)
    }
    const insLink = db.prepare('INSERT OR IGNORE INTO run_lineage (parent_id, child_id, role) VALUES (?, ?, ?)')
    for (const s of shipped) for (const p of s.parents) if (has.get(p.id)) insLink.run(p.id, s.run.id, p.role)
    return written
  })
  return tx.immediate()
}
