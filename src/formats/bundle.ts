// Project bundles (.mimic): one zip file with `bundle.json` (the project, its runs with parameters,
// summaries, tags, notes and network rows, lineage, metrics and per-item results) and every artifact
// as an .npy member (`artifacts/N.npy`, readable by numpy), each with its SHA-256 in bundle.json.
// Reading checks everything before the caller stores anything: the zip's CRCs, the format and its
// version (a newer one is refused), the structure of bundle.json, and every artifact's dtype, shape
// and digest. Ids are the source database's; the import maps them (src/store/transfer.ts).
import { createHash } from 'node:crypto'
import { AppError } from '../shared/errors.ts'
import { isDType } from '../shared/arrays.ts'
import { nameMax, tagMax } from '../shared/limits.ts'
import { bundleFormat, bundleFormatVersion, type ProjectSnapshot, type SnapshotArtifact } from '../shared/transfer.ts'
import { encodeNpyBytes, npyBytes, readZip, writeZip } from './npz.ts'

const manifestName = 'bundle.json'

interface ManifestArtifact extends Omit<SnapshotArtifact, 'bytes'> {
  member: string
  sha256: string
  byteLength: number
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export interface BundleOrigin {
  /** the writer's code version and package version, for the record */
  codeVersion: string
  version: string
  host: string
}

export function writeBundle(snap: ProjectSnapshot, origin: BundleOrigin): Uint8Array {
  const members: { name: string; bytes: Uint8Array }[] = []
  const artifacts: ManifestArtifact[] = snap.artifacts.map((a, i) => {
    const member = `artifacts/${i}.npy`
    if (!isDType(a.dtype)) throw new AppError('INTERNAL', `artifact ${a.name} of run ${a.runId} has the unknown dtype ${a.dtype}`)
    members.push({ name: member, bytes: encodeNpyBytes(a.dtype, a.shape, a.bytes) })
    return { runId: a.runId, name: a.name, dtype: a.dtype, shape: a.shape, createdAt: a.createdAt, member, sha256: sha256(a.bytes), byteLength: a.bytes.byteLength }
  })
  const manifest = {
    format: bundleFormat,
    formatVersion: bundleFormatVersion,
    writtenBy: origin,
    writtenAt: new Date().toISOString(),
    project: snap.project,
    runs: snap.runs,
    lineage: snap.lineage,
    externalLineage: snap.externalLineage,
    metrics: snap.metrics,
    results: snap.results,
    artifacts,
  }
  return writeZip([{ name: manifestName, bytes: new TextEncoder().encode(JSON.stringify(manifest)) }, ...members])
}

// ---- reading: every field checked, so that a damaged file is refused before anything is stored ----

type Json = unknown

class Damaged extends AppError {
  constructor(file: string, where: string, what: string) {
    super('INVALID_ARGUMENT', `${file}: ${where} ${what}: the bundle is damaged (export the project again).`)
  }
}

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function makeCheck(file: string) {
  const fail = (where: string, what: string): never => {
    throw new Damaged(file, where, what)
  }
  const int = (v: Json, where: string): number => (Number.isSafeInteger(v) ? (v as number) : fail(where, 'must be an integer'))
  const intOrNull = (v: Json, where: string): number | null => (v === null ? null : int(v, where))
  const str = (v: Json, where: string): string => (typeof v === 'string' ? v : fail(where, 'must be a string'))
  const strOrNull = (v: Json, where: string): string | null => (v === null ? null : str(v, where))
  const num = (v: Json, where: string): number => (typeof v === 'number' ? v : fail(where, 'must be a number'))
  const numOrNull = (v: Json, where: string): number | null => (v === null ? null : num(v, where))
  const arr = (v: Json, where: string): Json[] => (Array.isArray(v) ? v : fail(where, 'must be a list'))
  const obj = (v: Json, where: string): Record<string, Json> => (isObj(v) ? v : fail(where, 'must be an object'))
  const jsonText = (v: Json, where: string): string => {
    const t = str(v, where)
    try {
      if (!isObj(JSON.parse(t))) fail(where, 'must be a JSON object')
    } catch {
      fail(where, 'must be JSON text')
    }
    return t
  }
  return { fail, int, intOrNull, str, strOrNull, num, numOrNull, arr, obj, jsonText }
}

const statuses = new Set(['succeeded', 'failed', 'cancelled', 'interrupted'])

/** A tag as `mimic runs tag` takes it: one word without spaces or commas. */
const tagPattern = /^[^\s,]+$/
/** Longest key of a result value (as the results store takes them). */
const resultKeyMax = 100
/** An artifact name is a file name of an export (`NAME.npy`, a member of an .npz): no folders, no "..". */
const artifactNamePattern = /^(?!\.\.?$)[^/\\\0]+$/

/** A loop in the links child → parents (as the runs on it, the first repeated at the end), or null. */
function lineageLoop(parentsOf: ReadonlyMap<number, readonly number[]>): number[] | null {
  const done = new Set<number>()
  for (const start of parentsOf.keys()) {
    if (done.has(start)) continue
    // depth-first, with the path from start on a stack of [run, index of the next parent to follow]
    const path: number[] = []
    const onPath = new Set<number>()
    const stack: [number, number][] = [[start, 0]]
    path.push(start)
    onPath.add(start)
    while (stack.length) {
      const top = stack[stack.length - 1]
      const parents = parentsOf.get(top[0]) ?? []
      if (top[1] >= parents.length) {
        stack.pop()
        onPath.delete(path.pop() as number)
        done.add(top[0])
        continue
      }
      const next = parents[top[1]++]
      if (onPath.has(next)) return [...path.slice(path.indexOf(next)), next]
      if (done.has(next)) continue
      stack.push([next, 0])
      path.push(next)
      onPath.add(next)
    }
  }
  return null
}

/** Reads a .mimic file into a project snapshot, or refuses it with what is wrong. */
export function readBundle(bytes: Uint8Array, file = 'the file', maxBytes = Infinity): ProjectSnapshot {
  let members: Map<string, Uint8Array>
  try {
    members = readZip(bytes, file, maxBytes)
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, `${err.message.replace(/is (?:not an \.npz file|a single \.npy array) \(not a zip archive[^)]*\): save .*$/, 'is not a Mimic project bundle (not a zip archive): write one with `mimic projects export ID --out FILE.mimic`')}`)
    throw err
  }
  const manifestBytes = members.get(manifestName)
  if (!manifestBytes) throw new AppError('INVALID_ARGUMENT', `${file}: has no ${manifestName}, so it is not a Mimic project bundle: write one with \`mimic projects export ID --out FILE.mimic\`.`)
  let m: Json
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes))
  } catch {
    throw new AppError('INVALID_ARGUMENT', `${file}: ${manifestName} is not valid JSON: the bundle is damaged (export the project again).`)
  }
  const c = makeCheck(file)
  const root = c.obj(m, manifestName)
  if (root.format !== bundleFormat) throw new AppError('INVALID_ARGUMENT', `${file}: is not a Mimic project bundle (format ${JSON.stringify(root.format)}, expected "${bundleFormat}").`)
  const version = c.int(root.formatVersion, 'formatVersion')
  if (version > bundleFormatVersion) {
    throw new AppError('INVALID_ARGUMENT', `${file}: was written in bundle format ${version} by a newer Mimic Workbench; this version reads formats up to ${bundleFormatVersion}: update Mimic Workbench to import it.`)
  }
  if (version < 1) c.fail('formatVersion', 'must be at least 1')
  const project = c.obj(root.project, 'project')
  const runs = c.arr(root.runs, 'runs').map((v, i) => {
    const w = `runs[${i}]`
    const r = c.obj(v, w)
    const status = c.str(r.status, `${w}.status`)
    if (!statuses.has(status)) c.fail(`${w}.status`, `must be a final status (got ${status})`)
    const progress = r.progress === null ? null : c.obj(r.progress, `${w}.progress`)
    const network = r.network === null ? null : c.obj(r.network, `${w}.network`)
    return {
      id: c.int(r.id, `${w}.id`),
      kind: c.str(r.kind, `${w}.kind`),
      name: c.str(r.name, `${w}.name`),
      status,
      params: c.jsonText(r.params, `${w}.params`),
      seed: c.intOrNull(r.seed, `${w}.seed`),
      createdAt: c.int(r.createdAt, `${w}.createdAt`),
      startedAt: c.intOrNull(r.startedAt, `${w}.startedAt`),
      finishedAt: c.intOrNull(r.finishedAt, `${w}.finishedAt`),
      codeVersion: c.str(r.codeVersion, `${w}.codeVersion`),
      host: c.str(r.host, `${w}.host`),
      error: c.strOrNull(r.error, `${w}.error`),
      summary: c.jsonText(r.summary, `${w}.summary`),
      jobKind: c.strOrNull(r.jobKind, `${w}.jobKind`),
      progress: progress && { fraction: c.num(progress.fraction, `${w}.progress.fraction`), message: c.str(progress.message, `${w}.progress.message`), stage: c.strOrNull(progress.stage, `${w}.progress.stage`) },
      tags: c.arr(r.tags, `${w}.tags`).map((t, k, all) => {
        const tag = c.str(t, `${w}.tags[${k}]`)
        if (!tagPattern.test(tag) || tag.length > tagMax) c.fail(`${w}.tags[${k}]`, `must be one word of at most ${tagMax} characters without spaces or commas (got ${JSON.stringify(tag.slice(0, 60))})`)
        if (all.indexOf(t) !== k) c.fail(`${w}.tags[${k}]`, `repeats the tag ${JSON.stringify(tag)}`)
        return tag
      }),
      notes: c.arr(r.notes, `${w}.notes`).map((n, k) => {
        const o = c.obj(n, `${w}.notes[${k}]`)
        return { body: c.str(o.body, `${w}.notes[${k}].body`), createdAt: c.int(o.createdAt, `${w}.notes[${k}].createdAt`) }
      }),
      network: network && { architecture: c.str(network.architecture, `${w}.network.architecture`), formatVersion: c.int(network.formatVersion, `${w}.network.formatVersion`), meta: c.jsonText(network.meta, `${w}.network.meta`) },
    }
  })
  const link = (v: Json, w: string) => {
    const o = c.obj(v, w)
    return { parentId: c.int(o.parentId, `${w}.parentId`), childId: c.int(o.childId, `${w}.childId`), role: c.str(o.role, `${w}.role`) }
  }
  const metrics = c.arr(root.metrics, 'metrics').map((v, i) => {
    const w = `metrics[${i}]`
    const o = c.obj(v, w)
    return {
      runId: c.int(o.runId, `${w}.runId`),
      key: c.str(o.key, `${w}.key`),
      steps: c.arr(o.steps, `${w}.steps`).map((x, k) => c.int(x, `${w}.steps[${k}]`)),
      values: c.arr(o.values, `${w}.values`).map((x, k) => c.numOrNull(x, `${w}.values[${k}]`)),
    }
  })
  const itemsSeen = new Set<string>()
  const results = c.arr(root.results, 'results').map((v, i) => {
    const w = `results[${i}]`
    const o = c.obj(v, w)
    const runId = c.int(o.runId, `${w}.runId`)
    const item = c.int(o.item, `${w}.item`)
    if (item < 0) c.fail(`${w}.item`, `must be at least 0 (got ${item})`)
    if (itemsSeen.has(`${runId}:${item}`)) c.fail(`${w}.item`, `repeats item ${item} of run ${runId}`)
    itemsSeen.add(`${runId}:${item}`)
    const keys = new Set<string>()
    return {
      runId,
      item,
      networkId: c.intOrNull(o.networkId, `${w}.networkId`),
      architecture: c.strOrNull(o.architecture, `${w}.architecture`),
      labels: c.jsonText(o.labels, `${w}.labels`),
      values: c.arr(o.values, `${w}.values`).map((x, k) => {
        const pair = c.arr(x, `${w}.values[${k}]`)
        const key = c.str(pair[0], `${w}.values[${k}][0]`)
        if (key.length === 0 || key.length > resultKeyMax) c.fail(`${w}.values[${k}][0]`, `must be a name of 1 to ${resultKeyMax} characters`)
        if (keys.has(key)) c.fail(`${w}.values[${k}][0]`, `repeats the value ${JSON.stringify(key)}`)
        keys.add(key)
        return [key, c.numOrNull(pair[1] ?? null, `${w}.values[${k}][1]`)] as [string, number | null]
      }),
    }
  })
  // each member holds one artifact: a member named by many would be stored many times over (a small file, a huge database)
  const memberOf = new Map<string, number>()
  const artifacts = c.arr(root.artifacts, 'artifacts').map((v, i): SnapshotArtifact => {
    const w = `artifacts[${i}]`
    const o = c.obj(v, w)
    const name = c.str(o.name, `${w}.name`)
    if (!artifactNamePattern.test(name)) c.fail(`${w}.name`, `must be a file name without / or \\ (got ${JSON.stringify(name.slice(0, 60))})`)
    const dtype = c.str(o.dtype, `${w}.dtype`)
    if (!isDType(dtype)) c.fail(`${w}.dtype`, `is not a dtype this version stores (${dtype})`)
    const shape = c.arr(o.shape, `${w}.shape`).map((x, k) => c.int(x, `${w}.shape[${k}]`))
    const memberName = c.str(o.member, `${w}.member`)
    const first = memberOf.get(memberName)
    if (first !== undefined) c.fail(`${w}.member`, `names ${memberName}, which artifacts[${first}] names too`)
    memberOf.set(memberName, i)
    const member = members.get(memberName)
    if (!member) c.fail(`${w}.member`, `names ${memberName}, which the file does not contain`)
    const npy = npyBytes(member as Uint8Array, file, memberName)
    if (npy.dtype !== dtype || npy.shape.join(',') !== shape.join(',')) c.fail(memberName, `holds ${npy.dtype} [${npy.shape.join(', ')}] but bundle.json says ${dtype} [${shape.join(', ')}]`)
    if (sha256(npy.body) !== c.str(o.sha256, `${w}.sha256`)) c.fail(memberName, `(artifact "${name}") does not match its SHA-256 digest`)
    return { runId: c.int(o.runId, `${w}.runId`), name, dtype, shape, createdAt: c.int(o.createdAt, `${w}.createdAt`), bytes: npy.body }
  })
  // every reference must name a run of the bundle
  const ids = new Set<number>()
  for (const r of runs) {
    if (ids.has(r.id)) c.fail('runs', `list run ${r.id} twice`)
    ids.add(r.id)
  }
  const lineage = c.arr(root.lineage, 'lineage').map((v, i) => link(v, `lineage[${i}]`))
  const known = (id: number, where: string): void => {
    if (!ids.has(id)) c.fail(where, `names run ${id}, which the bundle does not contain`)
  }
  lineage.forEach((l, i) => (known(l.parentId, `lineage[${i}].parentId`), known(l.childId, `lineage[${i}].childId`)))
  // a run is derived from others: no run from itself, no link twice, no loop
  const parentsOf = new Map<number, number[]>()
  lineage.forEach((l, i) => {
    if (l.parentId === l.childId) c.fail(`lineage[${i}]`, `links run ${l.childId} to itself`)
    const parents = parentsOf.get(l.childId) ?? []
    if (parents.includes(l.parentId)) c.fail(`lineage[${i}]`, `links run ${l.parentId} to run ${l.childId} a second time`)
    parents.push(l.parentId)
    parentsOf.set(l.childId, parents)
  })
  // a project's name as `mimic projects create` takes it
  const projectName = (name: string): string => {
    const trimmed = name.trim()
    if (trimmed.length === 0 || trimmed.length > nameMax) c.fail('project.name', `must have 1 to ${nameMax} characters (got ${trimmed.length})`)
    return trimmed
  }
  const loop = lineageLoop(parentsOf)
  if (loop) c.fail('lineage', `links runs ${loop.join(' → ')} in a loop (a run derived from itself)`)
  metrics.forEach((x, i) => known(x.runId, `metrics[${i}].runId`))
  results.forEach((x, i) => (known(x.runId, `results[${i}].runId`), x.networkId !== null && known(x.networkId, `results[${i}].networkId`)))
  artifacts.forEach((x, i) => known(x.runId, `artifacts[${i}].runId`))
  return {
    project: { name: projectName(c.str(project.name, 'project.name')), createdAt: c.int(project.createdAt, 'project.createdAt') },
    runs,
    lineage,
    externalLineage: c.arr(root.externalLineage ?? [], 'externalLineage').map((v, i) => link(v, `externalLineage[${i}]`)),
    metrics,
    artifacts,
    results,
  }
}
