// The job runner with real worker processes and real database files.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Services } from '../../src/services/index.ts'
import type { AppEvent } from '../../src/shared/types.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, spawnMimic } from '../support/cli.ts'
import { signalPid } from '../support/daemon.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { until } from '../support/until.ts'

const open: Services[] = []
function services(dbPath = tempDb()): Services {
  const s = new Services({ dbPath, frontDoor: 'cli', cancelGraceMs: 3000 })
  open.push(s)
  return s
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
  cleanupTemp()
})


// Long work to interrupt mid-run: the paper-size teacher training (minutes, little memory).
const longJob = { kind: 'train.teacher' as const, params: { units: 64, epochs: 100, seed: 1 } }
const longCli = ['train', 'teacher', '--project', '1', '--units', '64', '--epochs', '100']

describe('jobs in worker processes', () => {
  it('runs an XOR dataset job: progress streams, artifacts and summary are stored, the seed is recorded', async () => {
    const s = services()
    const events: AppEvent[] = []
    s.subscribe((e) => events.push(e))
    const p = await s.call('projects.create', { name: 'P' })
    const { runId } = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 300, seed: 11 } })
    expect(await s.runner.wait(runId)).toBe('succeeded')
    const run = await s.call('runs.get', { id: runId })
    expect(run).toMatchObject({ status: 'succeeded', seed: 11, kind: 'dataset', params: { task: 'xor', count: 300, seed: 11, durationS: 1, dtMs: 1 }, network: null })
    expect(run.codeVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(run.summary.samples).toBe(300)
    expect(run.summary.positiveFraction).toBeGreaterThan(0.3)
    expect(run.artifacts.map((a) => [a.name, a.dtype, a.shape])).toEqual([
      ['inputs', 'float32', [300, 1000, 1]],
      ['labels', 'int8', [300]],
      ['targets', 'float32', [300, 1000, 1]],
    ])
    const statuses = events.filter((e) => e.type === 'job.status' && e.runId === runId).map((e) => (e as { status: string }).status)
    expect(statuses).toEqual(['running', 'succeeded'])
    const progress = events.filter((e) => e.type === 'job.progress')
    expect(progress.length).toBeGreaterThan(1)
    expect((progress.at(-1) as { progress: { fraction: number } }).progress.fraction).toBe(1)

    // The same seed gives the same data; another seed does not.
    const again = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 300, seed: 11 } })
    await s.runner.wait(again.runId)
    const a = s.store.artifacts.get(runId, 'targets').data
    const b = s.store.artifacts.get(again.runId, 'targets').data
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true)
  })

  it('records a random seed when none is given', async () => {
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    const { runId } = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 5 } })
    await s.runner.wait(runId)
    const run = s.store.runs.get(runId)
    expect(typeof run.seed).toBe('number')
    expect(run.params.seed).toBe(run.seed)
  })

  it('refuses bad job parameters before creating a run', async () => {
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    await expect(s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: -3 } })).rejects.toThrow(/^Samples must be an integer between 1 and 100000 \(received -3\)\.$/)
    await expect(s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 3, bogus: 1 } })).rejects.toThrow(/params\.bogus is not a known field/)
    await expect(s.call('jobs.start', { kind: 'data.generate', projectId: 999, params: {} })).rejects.toThrow(/no project with id 999/)
    expect(s.store.runs.list()).toEqual([])
  })

  it('cancels a running job mid-run; the run is marked cancelled and nothing half-written is kept', async () => {
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    let sawProgress = false
    const { runId } = await s.call('jobs.start', { kind: longJob.kind, projectId: p.id, params: longJob.params })
    s.subscribe((e) => {
      if (e.type === 'job.progress' && e.runId === runId && e.progress.fraction > 0) sawProgress = true
    })
    await until(() => sawProgress, 20_000, 'progress')
    const t0 = Date.now()
    expect((await s.call('jobs.cancel', { runId })).status).toBe('running')
    expect(await s.runner.wait(runId)).toBe('cancelled')
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(s.store.artifacts.list(runId)).toEqual([])
    expect(s.store.runs.get(runId).status).toBe('cancelled')
    await expect(s.call('jobs.cancel', { runId })).rejects.toThrow(/not running \(it is cancelled\)/)
  })

  it('closing the services mid-run (mimic serve or the app stopping) marks running and queued jobs interrupted, not cancelled by the user', async () => {
    const dbPath = tempDb()
    const s = services(dbPath)
    const p = await s.call('projects.create', { name: 'P' })
    // a pipeline (its stages are runs of their own) on both cores, and a job that waits for them
    const { runId } = await s.call('jobs.start', { kind: 'pipeline', projectId: p.id, params: { seed: 1, threads: 2 } })
    const queued = await s.call('jobs.start', { kind: longJob.kind, projectId: p.id, params: { ...longJob.params, threads: 2 } })
    const teacherStage = (): number | undefined => s.store.runs.list({ kind: 'teacher' }).find((r) => r.status === 'running')?.id
    await until(() => teacherStage() !== undefined, 30_000, 'the teacher stage')
    const stage = teacherStage()!
    await s.close()
    open.splice(open.indexOf(s), 1)
    const reader = openStore(dbPath)
    for (const id of [runId, stage, queued.runId]) {
      const run = reader.runs.get(id)
      expect(run.status, `run ${id}`).toBe('interrupted')
      expect(run.error).toMatch(/^interrupted( before it started)?: the program that (ran|queued) it was stopped/)
    }
    expect(reader.runs.list({ kind: 'dataset' }).map((r) => r.status)).toEqual(['succeeded'])
    expect(reader.artifacts.list(stage)).toEqual([])
    reader.close()
  })

  it('a worker killed mid-run leaves the run failed with the reason, and the runner goes on', async () => {
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    const { runId } = await s.call('jobs.start', { kind: longJob.kind, projectId: p.id, params: longJob.params })
    await until(() => (s.store.jobs.find(runId)?.workerPid ?? 0) > 0 && s.store.runs.get(runId).status === 'running')
    await until(() => (s.store.jobs.find(runId)?.progress?.fraction ?? 0) > 0, 20_000, 'stored progress')
    signalPid(s.store.jobs.find(runId)!.workerPid!, 'SIGKILL')
    expect(await s.runner.wait(runId)).toBe('failed')
    expect(s.store.runs.get(runId).error).toMatch(/worker process was killed by SIGKILL/)
    const next = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 10, seed: 1 } })
    expect(await s.runner.wait(next.runId)).toBe('succeeded')
    expect(s.store.db.pragma('integrity_check', { simple: true })).toBe('ok')
  })

  it('a cancel sent to a worker that has just died (its channel still open here) does not end this process; the run ends cancelled', async () => {
    // 'connected' stays true until this process reads the channel's end, so the cancel's send fails
    // with EPIPE: without a listener that 'error' would end the server or app, and every job with it.
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    const { runId } = await s.call('jobs.start', { kind: longJob.kind, projectId: p.id, params: longJob.params })
    await until(() => (s.store.jobs.find(runId)?.progress?.fraction ?? 0) > 0, 20_000, 'stored progress')
    const pid = s.store.jobs.find(runId)!.workerPid!
    signalPid(pid, 'SIGKILL')
    // wait without giving the event loop a turn, so the death is not yet seen here
    while (!/^Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\) /, ''))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    expect(s.runner.cancel(runId)).toBe('running')
    expect(await s.runner.wait(runId)).toBe('cancelled')
    expect(s.store.runs.get(runId).error).toBe('cancelled (the worker was stopped)')
  })

  it('a worker process that cannot be started fails its run with the reason, and the runner goes on', async () => {
    const s = services()
    const p = await s.call('projects.create', { name: 'P' })
    const node = process.execPath
    let runId = 0
    try {
      process.execPath = '/nonexistent/node'
      runId = (await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 10, seed: 1 } })).runId
      expect(await s.runner.wait(runId)).toBe('failed')
    } finally {
      process.execPath = node
    }
    expect(s.store.runs.get(runId).error).toMatch(/^could not start a worker process: spawn \/nonexistent\/node ENOENT/)
    const next = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 10, seed: 1 } })
    expect(await s.runner.wait(next.runId)).toBe('succeeded')
  })

  it('a job left running by a killed process is marked interrupted on the next start', async () => {
    const db = tempDb()
    expect(mimic(['--db', db, 'projects', 'create', 'P']).code).toBe(0)
    const child = spawnMimic(['--db', db, ...longCli, '--seed', '2'])
    const reader = openStore(db)
    await until(() => {
      const job = reader.jobs.find(1)
      return job !== undefined && job.workerPid !== null && job.status === 'running' && (job.progress?.fraction ?? 0) > 0
    }, 30_000, 'the job to run')
    const workerPid = reader.jobs.find(1)!.workerPid!
    // Kill the owner and its worker at once, as a crash or power cut would.
    signalPid(workerPid, 'SIGKILL')
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(reader.runs.get(1).status).toBe('running') // nobody has looked yet
    reader.close()
    const shown = mimic(['--db', db, '--json', 'runs', 'show', '1'])
    expect(shown.code).toBe(0)
    const run = JSON.parse(shown.stdout) as { status: string; error: string }
    expect(run.status).toBe('interrupted')
    expect(run.error).toMatch(/stopped before the run finished/)
  })

  it('when only the owner dies, its worker stops and marks the run interrupted itself', async () => {
    const db = tempDb()
    expect(mimic(['--db', db, 'projects', 'create', 'P']).code).toBe(0)
    const child = spawnMimic(['--db', db, ...longCli, '--seed', '3'])
    const reader = openStore(db)
    await until(() => (reader.jobs.find(1)?.workerPid ?? null) !== null && reader.runs.get(1).status === 'running' && (reader.jobs.find(1)?.progress?.fraction ?? 0) > 0, 30_000)
    const workerPid = reader.jobs.find(1)!.workerPid!
    child.kill('SIGKILL')
    await until(() => reader.runs.get(1).status === 'interrupted', 10_000, 'the worker to mark the run')
    await until(() => {
      try {
        process.kill(workerPid, 0)
        return false
      } catch {
        return true
      }
    }, 10_000, 'the worker to exit')
    reader.close()
  })

  it('cancels a job owned by another process through the store', async () => {
    const db = tempDb()
    expect(mimic(['--db', db, 'projects', 'create', 'P']).code).toBe(0)
    const child = spawnMimic(['--db', db, ...longCli, '--seed', '4'])
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const reader = openStore(db)
    await until(() => reader.runs.get(1).status === 'running' && (reader.jobs.find(1)?.progress?.fraction ?? 0) > 0, 30_000)
    const r = mimic(['--db', db, '--json', 'jobs', 'cancel', '1'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1, runId: 1 })
    expect(await exited).toBe(130)
    expect(reader.runs.get(1).status).toBe('cancelled')
    expect(stderr).toMatch(/run 1 cancelled/)
    reader.close()
  })

  it('a job stopped with Ctrl-Z for longer than the heartbeat keeps its run and cores, and ends succeeded when continued', async () => {
    const db = tempDb()
    expect(mimic(['--db', db, 'projects', 'create', 'P']).code).toBe(0)
    const env = { MIMIC_CORES: '2' }
    const child = spawnMimic(['--db', db, 'train', 'teacher', '--project', '1', '--units', '32', '--epochs', '12', '--samples-per-epoch', '100', '--seed', '5'], { env })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const reader = openStore(db, { busyTimeoutMs: 200 })
    await until(() => reader.runs.get(1).status === 'running' && (reader.jobs.find(1)?.progress?.fraction ?? 0) > 0, 30_000, 'the job to run')
    const group = [child.pid!, reader.jobs.find(1)!.workerPid!]
    const stop = (signal: NodeJS.Signals): void => {
      for (const pid of group) {
        try {
          signalPid(pid, signal)
        } catch {
          // already ended
        }
      }
    }
    // stopped (as a terminal's Ctrl-Z stops both) for "minutes": its heartbeats are aged past the stale limit
    for (let tries = 0; ; tries++) {
      stop('SIGSTOP')
      try {
        reader.db.prepare('UPDATE jobs SET heartbeat_at = heartbeat_at - 600000').run()
        reader.db.prepare('UPDATE job_leases SET heartbeat_at = heartbeat_at - 600000').run()
        break
      } catch (err) {
        // stopped inside a write: let it finish it
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || tries > 20) throw err
        stop('SIGCONT')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    try {
      // another front door opens the database, and another job asks for cores meanwhile
      const listed = mimic(['--db', db, '--json', 'runs', 'list'], { env })
      expect(listed.code).toBe(0)
      expect((JSON.parse(listed.stdout) as { id: number; status: string }[]).find((r) => r.id === 1)?.status).toBe('running')
      const second = spawnMimic(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '5', '--seed', '1'], { env })
      const secondExited = new Promise<number | null>((r) => second.once('exit', (code) => r(code)))
      await until(() => /^queued: waiting for 1 free core: 2 of 2 in use \(run 1 /.test(reader.jobs.find(2)?.progress?.message ?? ''), 20_000, 'the second job to wait for the cores')
      expect(reader.runs.get(1).status).toBe('running')
      stop('SIGCONT')
      expect(await exited).toBe(0)
      expect(await secondExited).toBe(0)
    } finally {
      stop('SIGCONT')
    }
    expect(reader.runs.get(1)).toMatchObject({ status: 'succeeded', error: null })
    expect(reader.runs.get(1).summary.epochs).toBe(12)
    expect(reader.runs.get(2).status).toBe('succeeded')
    reader.close()
  })
})
