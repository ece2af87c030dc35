// Jobs when the database cannot be written (a full disk, modelled by a file size limit set on a
// running process with prlimit) or is removed while in use: the process that runs the jobs lives on,
// every run ends with the reason, nothing stored is lost, and no empty database appears in its place.
// Real processes, real SQLite files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.ts'
import { repoRoot } from '../support/cli.ts'
import { signalPid } from '../support/daemon.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { until } from '../support/until.ts'

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  cleanupTemp()
})


/** A front door (the services) in a process of its own: test/support/services-child.ts. */
function frontDoor(db: string, env: Record<string, string> = {}): { child: ChildProcess; lines: unknown[]; stderr: () => string; send: (m: unknown) => void; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'support', 'services-child.ts'), db], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  const lines: unknown[] = []
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      lines.push(JSON.parse(out.slice(0, nl)))
      out = out.slice(nl + 1)
    }
  })
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  return { child, lines, stderr: () => err, send: (m) => child.stdin!.write(JSON.stringify(m) + '\n'), exited }
}

/** Sets the largest file a process may write (its soft limit; `unlimited` lifts it again). */
function fileSizeLimit(pid: number, bytes: number | 'unlimited'): void {
  const r = spawnSync('prlimit', ['--pid', String(pid), `--fsize=${bytes}:unlimited`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`prlimit failed: ${r.stderr}`)
}

const longJob = { kind: 'train.teacher', params: { units: 64, epochs: 100, seed: 1 } }

async function runningJob(db: string): Promise<{ door: ReturnType<typeof frontDoor>; reader: Store; runId: number; workerPid: number }> {
  const door = frontDoor(db)
  await until(() => door.lines.length > 0, 20_000, 'the front door')
  door.send({ start: { ...longJob, projectId: 1 } })
  await until(() => door.lines.length > 1, 20_000, 'the job to start')
  const runId = (door.lines[1] as { started: number }).started
  expect(runId).toBeGreaterThan(0)
  const reader = openStore(db)
  await until(() => (reader.jobs.find(runId)?.progress?.fraction ?? 0) > 0 && reader.jobs.find(runId)?.workerPid != null, 30_000, 'the job to run')
  return { door, reader, runId, workerPid: reader.jobs.find(runId)!.workerPid! }
}

function seeded(): { db: string; datasetId: number } {
  const db = tempDb()
  const s = openStore(db)
  const p = s.projects.create('P')
  const run = s.runs.create({ projectId: p.id, kind: 'dataset', name: 'kept', params: {}, seed: 1, codeVersion: 'test', host: 'test' })
  s.artifacts.put(run.id, [{ name: 'x', shape: [3], data: new Float32Array([1, 2, 3]) }])
  s.runs.finish(run.id, 'succeeded', null, { n: 3 })
  s.close()
  return { db, datasetId: run.id }
}

function expectIntact(store: Store, datasetId: number): void {
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
  expect(store.runs.get(datasetId).status).toBe('succeeded')
  expect(Array.from(store.artifacts.get(datasetId, 'x').data)).toEqual([1, 2, 3])
}

describe.skipIf(!hasPrlimit)('a database that cannot be written while jobs run', () => {
  it('a worker killed while its front door cannot write: the front door lives on and records the run once the database takes writes', async () => {
    const { db, datasetId } = seeded()
    const { door, reader, runId, workerPid } = await runningJob(db)
    // the front door's disk "fills": no file of it may grow
    fileSizeLimit(door.child.pid!, 1)
    signalPid(workerPid, 'SIGKILL')
    await until(() => /run \d+ ended failed, but the database .* could not be written/.test(door.stderr()), 10_000, 'the front door to say it could not write')
    // it did not crash on the refused write; the run waits in the front door, not lost
    await new Promise((r) => setTimeout(r, 1500))
    expect(door.child.exitCode).toBeNull()
    expect(reader.runs.get(runId).status).toBe('running')
    // a job started meanwhile is refused in words: which database, what to do
    door.send({ start: { kind: 'data.generate', projectId: 1, params: { count: 5, seed: 1 } } })
    await until(() => door.lines.length > 2, 10_000, 'the answer to a start')
    expect((door.lines[2] as { error: string }).error).toMatch(/^The database .*experiments\.db could not be written: the disk (holding it is full|reported an error).* and try again\.$/)
    // space again: the next tick writes the final status and drops the lease
    fileSizeLimit(door.child.pid!, 'unlimited')
    await until(() => reader.runs.get(runId).status === 'failed', 10_000, 'the run to be recorded')
    expect(reader.runs.get(runId).error).toMatch(/the worker process was killed by SIGKILL before the run finished/)
    await until(() => reader.leases.all().length === 0, 5000, 'the lease to be dropped')
    door.child.stdin!.end()
    expect(await door.exited).toBe(0)
    expectIntact(reader, datasetId)
    reader.close()
  })

  it('a worker that cannot write its run hands its final word to the front door, which records it with the reason', async () => {
    const { db, datasetId } = seeded()
    const { door, reader, runId, workerPid } = await runningJob(db)
    // the worker's disk "fills": its next epoch's metrics and its final status are refused
    fileSizeLimit(workerPid, 1)
    await until(() => reader.runs.get(runId).status === 'failed', 20_000, 'the run to end')
    expect(reader.runs.get(runId).error).toMatch(/^the database .* could not be written: the disk holding it is full|^the database .* could not be written: the disk reported an error/)
    door.child.stdin!.end()
    expect(await door.exited).toBe(0)
    expect(door.stderr()).not.toMatch(/SqliteError|\n +at /)
    expectIntact(reader, datasetId)
    reader.close()
  })
})

describe('a database removed while in use', () => {
  it('the front door copies what it holds beside it and refuses writes; the worker of a queued job fails naming it; no empty database is made in its place', async () => {
    const { db, datasetId } = seeded()
    const door = frontDoor(db, { MIMIC_CORES: '2' })
    await until(() => door.lines.length > 0, 20_000, 'the front door')
    // a job on both cores, and one queued behind it
    door.send({ start: { ...longJob, projectId: 1 } })
    door.send({ start: { kind: 'data.generate', projectId: 1, params: { count: 5, seed: 1 } } })
    await until(() => door.lines.length > 2, 20_000, 'the jobs to start')
    const [running, queued] = [door.lines[1], door.lines[2]].map((l) => (l as { started: number }).started)
    const reader = openStore(db, { readonly: true })
    await until(() => (reader.jobs.find(running)?.progress?.fraction ?? 0) > 0, 30_000, 'the first job to run')
    expect(reader.runs.get(queued).status).toBe('queued')
    rmSync(db)
    // a cancel still works; the queued job then starts, and its worker finds no database to open
    door.send({ cancel: running })
    await until(() => reader.runs.get(queued).status === 'failed', 20_000, 'the queued job to end')
    expect(reader.runs.get(running).status).toBe('cancelled')
    expect(reader.runs.get(queued).error).toMatch(/^the worker could not run the job: The database .* is gone \(removed or moved while in use\); nothing was created in its place/)
    // a write is refused, saying where everything went
    door.send({ start: { kind: 'data.generate', projectId: 1, params: { count: 5, seed: 1 } } })
    await until(() => door.lines.length > 4, 20_000, 'the answer')
    const refusal = (door.lines[4] as { error: string }).error
    expect(refusal).toMatch(/^The database .* was removed or replaced while this program had it open, so what it would write now is lost when it stops; everything it held is copied to (\S+\.rescued-\S+\.db): stop this program/)
    expect(door.stderr()).toContain(refusal)
    expect(existsSync(db)).toBe(false)
    door.child.stdin!.end()
    expect(await door.exited).toBe(0)
    expect(existsSync(db)).toBe(false)
    reader.close()
    const rescued = openStore(/copied to (\S+\.rescued-\S+\.db):/.exec(refusal)![1])
    expectIntact(rescued, datasetId)
    expect(rescued.runs.get(running).status).toBe('cancelled')
    rescued.close()
  })
})
