// One scheduler across processes: front doors in separate real processes share one database file and
// 2 cores (MIMIC_CORES=2). Jobs that take all cores run one after the other, one-core jobs run side by
// side, the oldest queued job of any process goes first, a killed process's lease is reclaimed, and a
// device is leased to one job at a time with a clear "in use by" error.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { resourcesOfKind, Scheduler, type Resources } from '../../src/jobs/scheduler.ts'
import { jobKindNames, jobKinds } from '../../src/shared/jobkinds/index.ts'
import { Services } from '../../src/services/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const childEntry = join(import.meta.dirname, '..', 'support', 'services-child.ts')

interface Door {
  child: ChildProcess
  pid: number
  send(m: unknown): Promise<Record<string, unknown>>
  start(kind: string, params: Record<string, unknown>): Promise<number>
  cancel(runId: number): Promise<void>
}

const doors: Door[] = []

/** A front door in its own process (test/support/services-child.ts) on `db`, sharing 2 cores. */
async function door(db: string): Promise<Door> {
  const child = spawn(process.execPath, [childEntry, db], { env: { ...process.env, MIMIC_CORES: '2' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const replies: ((m: Record<string, unknown>) => void)[] = []
  const lines = createInterface({ input: child.stdout! })
  let ready: (pid: number) => void = () => {}
  const readyP = new Promise<number>((r) => (ready = r))
  lines.on('line', (line) => {
    const m = JSON.parse(line) as Record<string, unknown>
    if ('ready' in m) ready(m.ready as number)
    else replies.shift()?.(m)
  })
  const pid = await readyP
  const d: Door = {
    child,
    pid,
    send: (m) =>
      new Promise((resolve) => {
        replies.push(resolve)
        child.stdin!.write(JSON.stringify(m) + '\n')
      }),
    start: async (kind, params) => {
      const r = await d.send({ start: { kind, projectId: 1, params } })
      if (typeof r.started !== 'number') throw new Error(`jobs.start failed: ${String(r.error)}`)
      return r.started
    },
    cancel: async (runId) => {
      await d.send({ cancel: runId })
    },
  }
  doors.push(d)
  return d
}

afterEach(async () => {
  for (const d of doors.splice(0)) {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      const gone = new Promise((r) => d.child.once('exit', r))
      d.child.stdin!.end()
      await gone
    }
  }
  cleanupTemp()
})

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now()
  for (;;) {
    let v: T | undefined | false
    try {
      v = check()
    } catch {
      v = undefined
    }
    if (v) return v
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// Long work to hold cores: the paper-size teacher (all cores) and a large EBN (one core); both are
// cancelled once the test has seen what it looks for.
const allCores = { kind: 'train.teacher', params: { units: 64, epochs: 1000, seed: 1 } }
const oneCore = { kind: 'network.create', params: { neurons: 4096, dims: 1024, seed: 1 } }

function fresh(): { db: string; store: Store } {
  const db = tempDb()
  const store = openStore(db)
  store.projects.create('Scheduling')
  return { db, store }
}

const status = (store: Store, id: number) => store.runs.get(id).status
const lease = (store: Store, id: number) => store.leases.find(id)
const finished = (s: string) => !['queued', 'running'].includes(s)

/** MIMIC_THREADS in the environment of a run's worker process (Linux /proc). */
function workerThreads(store: Store, runId: number): string | undefined {
  const pid = store.jobs.find(runId)?.workerPid
  if (!pid) return undefined
  const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
  return env.find((e) => e.startsWith('MIMIC_THREADS='))?.slice('MIMIC_THREADS='.length)
}

describe('one scheduler across processes (2 cores)', () => {
  it('a second all-cores job of another process waits until the first ends, saying why', async () => {
    const { db, store } = fresh()
    try {
      const [a, b] = await Promise.all([door(db), door(db)])
      const j1 = await a.start(allCores.kind, allCores.params)
      await until('the first job to hold both cores', () => lease(store, j1)?.cores === 2 && status(store, j1) === 'running')
      expect(await until('its worker to start', () => workerThreads(store, j1))).toBe('2')
      const j2 = await b.start(allCores.kind, allCores.params)
      const why = await until('the second job to say why it waits', () => store.jobs.find(j2)?.progress?.message.startsWith('queued:') && store.jobs.find(j2)!.progress!.message)
      expect(why).toBe(`queued: waiting for 1 free core: 2 of 2 in use (run ${j1} (${a.pid}@${hostname()}): 2)`)
      await sleep(1500) // three polls of its runner: still waiting
      expect(status(store, j2)).toBe('queued')
      expect(lease(store, j2)).toBeUndefined()
      await a.cancel(j1)
      await until('the second job to get both cores', () => lease(store, j2)?.cores === 2 && status(store, j2) === 'running')
      const first = store.runs.get(j1)
      expect(first.status).toBe('cancelled')
      expect(Date.parse(store.runs.get(j2).startedAt!)).toBeGreaterThanOrEqual(Date.parse(first.finishedAt!))
      expect(lease(store, j1)).toBeUndefined()
      await b.cancel(j2)
      await until('the second job to end', () => finished(status(store, j2)))
      await until('its lease to go', () => lease(store, j2) === undefined)
    } finally {
      store.close()
    }
  })

  it('two one-core jobs of two processes run side by side, each with one core', async () => {
    const { db, store } = fresh()
    try {
      const [a, b] = await Promise.all([door(db), door(db)])
      const n1 = await a.start(oneCore.kind, oneCore.params)
      const n2 = await b.start(oneCore.kind, oneCore.params)
      await until('both to run at once', () => status(store, n1) === 'running' && status(store, n2) === 'running' && lease(store, n1) && lease(store, n2))
      expect([lease(store, n1)!.cores, lease(store, n2)!.cores]).toEqual([1, 1])
      expect([lease(store, n1)!.ownerPid, lease(store, n2)!.ownerPid]).toEqual([a.pid, b.pid])
      expect(store.jobs.list().map((j) => [j.runId, j.cores])).toEqual([
        [n2, 1],
        [n1, 1],
      ])
      expect(await until('the first worker', () => workerThreads(store, n1))).toBe('1')
      await Promise.all([a.cancel(n1), b.cancel(n2)])
      await until('both to end', () => finished(status(store, n1)) && finished(status(store, n2)))
    } finally {
      store.close()
    }
  })

  it('first come, first served across processes: a younger one-core job waits for an older all-cores job', async () => {
    const { db, store } = fresh()
    try {
      const [a, b] = await Promise.all([door(db), door(db)])
      const j1 = await a.start(allCores.kind, allCores.params)
      await until('the first job to run', () => lease(store, j1)?.cores === 2)
      const j2 = await b.start(allCores.kind, allCores.params)
      // a one-core job of the process that holds the cores: when its own job ends, this process asks
      // at once (before the other process's next poll), and still must let the older job go first
      const n3 = await a.start(oneCore.kind, oneCore.params)
      await until('the one-core job to wait', () => store.jobs.find(n3)?.progress?.message.startsWith('queued:'))
      await a.cancel(j1)
      await until('the older all-cores job to get the cores', () => lease(store, j2)?.cores === 2)
      expect(status(store, n3)).toBe('queued')
      expect(lease(store, n3)).toBeUndefined()
      expect(store.jobs.find(n3)!.progress!.message).toMatch(/^queued: waiting for (run \d+ .* queued before it|1 free core: 2 of 2 in use)/)
      await b.cancel(j2)
      await until('the one-core job to run', () => lease(store, n3)?.cores === 1 && status(store, n3) === 'running')
      await a.cancel(n3)
      await until('it to end', () => finished(status(store, n3)))
    } finally {
      store.close()
    }
  })

  it('the lease of a killed process is reclaimed and the waiting job of another process starts', async () => {
    const { db, store } = fresh()
    try {
      const [a, b] = await Promise.all([door(db), door(db)])
      const j1 = await a.start(allCores.kind, allCores.params)
      await until('the first job to run', () => lease(store, j1)?.cores === 2 && status(store, j1) === 'running')
      const j2 = await b.start(allCores.kind, allCores.params)
      await until('the second job to wait', () => store.jobs.find(j2)?.progress?.message.startsWith('queued:'))
      a.child.kill('SIGKILL')
      await until('the waiting job to get both cores', () => lease(store, j2)?.cores === 2 && status(store, j2) === 'running', 20_000)
      expect(lease(store, j1)).toBeUndefined()
      // its worker saw its parent go and marked its run interrupted
      await until('the killed process’s run to be interrupted', () => status(store, j1) === 'interrupted')
      await b.cancel(j2)
      await until('the second job to end', () => finished(status(store, j2)))
    } finally {
      store.close()
    }
  })
})

describe('the scheduler’s rules, on one database', () => {
  // Queued jobs as the services register them, owned by this process or by a live child process.
  function queued(store: Store, kind: string, pid: number, host = hostname(), params: Record<string, unknown> = {}): number {
    return store.transaction(() => {
      const r = store.runs.create({ projectId: 1, kind: 'x', name: kind, params, seed: null, codeVersion: 'v', host })
      store.jobs.register(r.id, kind, pid, host)
      return r.id
    })
  }
  // what a runner does with a granted job: it runs, then ends and gives its lease back
  const runs = (store: Store, id: number) => store.runs.markStarted(id)
  const ends = (store: Store, sched: Scheduler, id: number) => {
    store.runs.finish(id, 'succeeded', null)
    sched.release(id)
  }
  const board: Resources = { cores: 1, device: () => 'board:/dev/ttyACM0' }
  const resources = (kind: string): Resources => (kind === 'board.flash' ? board : kind === 'all' ? { cores: 'all' } : { cores: 1 })

  it('takes the resources each job kind declares in its spec (old kind names read as the new)', () => {
    for (const kind of jobKindNames) expect(resourcesOfKind(kind), kind).toBe(jobKinds[kind].resources)
    expect(resourcesOfKind('pipeline.xor')).toBe(jobKinds.pipeline.resources)
    expect(resourcesOfKind('no.such.kind')).toEqual({ cores: 1 })
    // without a resources option the scheduler grants what the spec declares: all cores to a pipeline, one to a dataset
    const { store } = fresh()
    try {
      const sched = new Scheduler({ store, pid: process.pid, host: hostname(), isAlive: () => true, cores: 2, staleMs: 60_000 })
      const pipeline = queued(store, 'pipeline', process.pid)
      expect(sched.acquire(pipeline)).toEqual({ granted: true, cores: 2, device: null })
      runs(store, pipeline)
      ends(store, sched, pipeline)
      expect(sched.acquire(queued(store, 'data.generate', process.pid))).toEqual({ granted: true, cores: 1, device: null })
    } finally {
      store.close()
    }
  })

  it('a job told its thread count takes that many cores: two jobs with threads 1 run side by side', () => {
    const { store } = fresh()
    try {
      const sched = new Scheduler({ store, pid: process.pid, host: hostname(), isAlive: () => true, cores: 2, staleMs: 60_000 })
      const a = queued(store, 'train.teacher', process.pid, hostname(), { threads: 1 })
      const b = queued(store, 'train.ads', process.pid, hostname(), { threads: 1 })
      expect(sched.acquire(a)).toEqual({ granted: true, cores: 1, device: null })
      runs(store, a)
      expect(sched.acquire(b)).toEqual({ granted: true, cores: 1, device: null })
      runs(store, b)
      ends(store, sched, a)
      ends(store, sched, b)
      // threads 0 (the default) takes all free cores; more threads than cores asks for them all
      const all = queued(store, 'train.teacher', process.pid, hostname(), { threads: 0 })
      expect(sched.acquire(all)).toEqual({ granted: true, cores: 2, device: null })
      runs(store, all)
      ends(store, sched, all)
      expect(sched.acquire(queued(store, 'eval', process.pid, hostname(), { threads: 8 }))).toEqual({ granted: true, cores: 2, device: null })
    } finally {
      store.close()
    }
  })

  it('leases a device to one job at a time: the next one waits, and is refused at start, naming the holder', async () => {
    const { db, store } = fresh()
    const other = spawn('sleep', ['60'])
    try {
      const mine = new Scheduler({ store, pid: process.pid, host: hostname(), isAlive: () => true, cores: 4, staleMs: 60_000, resources })
      const theirs = new Scheduler({ store, pid: other.pid!, host: hostname(), isAlive: () => true, cores: 4, staleMs: 60_000, resources })
      const r1 = queued(store, 'board.flash', process.pid)
      const r2 = queued(store, 'board.flash', other.pid!)
      const r3 = queued(store, 'one', other.pid!)
      expect(mine.acquire(r1)).toEqual({ granted: true, cores: 1, device: 'board:/dev/ttyACM0' })
      runs(store, r1)
      const holder = `run ${r1} (${process.pid}@${hostname()})`
      expect(theirs.acquire(r2)).toEqual({ granted: false, reason: `waiting for the device board:/dev/ttyACM0, in use by ${holder}` })
      expect(() => theirs.checkDevice('board.flash', {})).toThrow(`The device board:/dev/ttyACM0 is in use by ${holder}: wait until that run ends, or cancel it (\`mimic jobs cancel ${r1}\`).`)
      // a job that waits for a device does not hold up a younger job that needs only a core
      expect(theirs.acquire(r3)).toEqual({ granted: true, cores: 1, device: null })
      ends(store, mine, r1)
      expect(theirs.acquire(r2)).toEqual({ granted: true, cores: 1, device: 'board:/dev/ttyACM0' })
      // the database itself refuses a second lease of one device
      const r4 = queued(store, 'board.flash', process.pid)
      expect(() => store.leases.grant({ runId: r4, cores: 1, device: 'board:/dev/ttyACM0', ownerPid: 1, ownerHost: 'h' })).toThrow(/UNIQUE constraint failed: job_leases.device/)
    } finally {
      other.kill()
      store.close()
    }
  })

  it('one board is one device however a job names it: its address, another spelling of it, or its saved name', () => {
    const { store } = fresh()
    try {
      store.boards.add('bench', 'tcp://127.0.0.1:7777')
      const sched = new Scheduler({ store, pid: process.pid, host: hostname(), isAlive: () => true, cores: 4, staleMs: 60_000 })
      for (const kind of ['hil', 'deploy', 'finetune'] as const) {
        expect(sched.deviceOf(kind, { target: 'bench' }), kind).toBe('board tcp://127.0.0.1:7777')
        expect(sched.deviceOf(kind, { target: ' tcp://127.0.0.1:7777 ' }), kind).toBe('board tcp://127.0.0.1:7777')
        // an execution target of the registry, or a name that is neither, is no device
        expect(sched.deviceOf(kind, { target: 'emulator' }), kind).toBeNull()
      }
      const byName = queued(store, 'hil', process.pid, hostname(), { target: 'bench' })
      const byAddress = queued(store, 'deploy', process.pid, hostname(), { target: 'tcp://127.0.0.1:7777' })
      expect(sched.acquire(byName)).toEqual({ granted: true, cores: 1, device: 'board tcp://127.0.0.1:7777' })
      runs(store, byName)
      expect(sched.acquire(byAddress)).toEqual({ granted: false, reason: `waiting for the device board tcp://127.0.0.1:7777, in use by run ${byName} (${process.pid}@${hostname()})` })
      ends(store, sched, byName)
      expect(sched.acquire(byAddress)).toMatchObject({ granted: true, device: 'board tcp://127.0.0.1:7777' })
    } finally {
      store.close()
    }
  })

  it('jobs.start refuses a job whose device another job holds', async () => {
    const { db, store } = fresh()
    store.close()
    // this test's boards: teachers are trained "on" one board (a job kind that declares a device)
    const s = new Services({ dbPath: db, frontDoor: 'cli', cores: 2, cancelGraceMs: 2000, resources: (kind) => (kind === 'train.teacher' ? board : { cores: 1 }) })
    try {
      const first = (await s.call('jobs.start', { kind: allCores.kind, projectId: 1, params: allCores.params })).runId
      await until('the first job to hold the device', () => s.store.leases.find(first)?.device === 'board:/dev/ttyACM0')
      const runsBefore = s.store.runs.list().length
      await expect(s.call('jobs.start', { kind: allCores.kind, projectId: 1, params: allCores.params })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `The device board:/dev/ttyACM0 is in use by run ${first} (${process.pid}@${hostname()}): wait until that run ends, or cancel it (\`mimic jobs cancel ${first}\`).`,
      })
      expect(s.store.runs.list()).toHaveLength(runsBefore)
      // a job that needs no device starts beside it
      const other = (await s.call('jobs.start', { kind: 'data.generate', projectId: 1, params: { count: 10, seed: 2 } })).runId
      expect(await s.runner.wait(other)).toBe('succeeded')
      await s.call('jobs.cancel', { runId: first })
      expect(await s.runner.wait(first)).toBe('cancelled')
    } finally {
      await s.close()
    }
  })

  it('drops stale leases: of a dead process on this host, not renewed from another host, of a finished run', () => {
    const { store } = fresh()
    try {
      const alive = new Set([process.pid])
      const sched = new Scheduler({ store, pid: process.pid, host: hostname(), isAlive: (pid) => alive.has(pid), cores: 2, staleMs: 60_000, resources })
      // running jobs whose leases hold all cores: of a process that is gone, of a host not heard of
      // for over a minute, and of a run that ended without giving its lease back
      const dead = queued(store, 'one', 999_999_999)
      const far = queued(store, 'one', 4, 'elsewhere')
      const done = queued(store, 'one', process.pid)
      const now = Date.now()
      store.leases.grant({ runId: dead, cores: 1, device: null, ownerPid: 999_999_999, ownerHost: hostname() })
      store.leases.grant({ runId: far, cores: 1, device: null, ownerPid: 4, ownerHost: 'elsewhere' })
      store.db.prepare('UPDATE job_leases SET heartbeat_at = ? WHERE run_id = ?').run(now - 61_000, far)
      store.leases.grant({ runId: done, cores: 1, device: null, ownerPid: process.pid, ownerHost: hostname() })
      for (const id of [dead, far, done]) runs(store, id)
      store.runs.finish(done, 'succeeded', null)
      const next = queued(store, 'all', process.pid)
      expect(sched.acquire(next)).toEqual({ granted: true, cores: 2, device: null })
      expect(store.leases.all().map((l) => l.runId)).toEqual([next])
      // a lease renewed from another host counts
      const near = queued(store, 'one', 4, 'elsewhere')
      store.leases.grant({ runId: near, cores: 1, device: null, ownerPid: 4, ownerHost: 'elsewhere' })
      runs(store, near)
      runs(store, next)
      ends(store, sched, next)
      const again = queued(store, 'all', process.pid)
      expect(sched.acquire(again)).toEqual({ granted: true, cores: 1, device: null })
    } finally {
      store.close()
    }
  })
})
