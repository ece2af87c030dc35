// The job runner: starts each job in its own worker process so that a native fault cannot take
// down the window or the server; streams progress and metrics to subscribers and the store;
// cancels on request (its own or another process's, via the store); heartbeats its jobs so that a
// run left behind by a killed process is found and marked interrupted on the next start. Which
// queued job starts, and with how many cores, the scheduler decides for every process on the
// database (./scheduler.ts): the runner asks it on every tick and whenever one of its jobs ends.
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AppError } from '../shared/errors.ts'
import type { AppEvent, JobProgress, RunStatus } from '../shared/types.ts'
import type { Store } from '../store/index.ts'
import { codeVersion, hostName } from '../system/version.ts'
import { compileCacheEnv, pidAlive, pidStopped } from '../system/process.ts'
import { storageFailure } from '../store/util.ts'
import { interruptedByShutdown, isFromWorker, queuedAtShutdown, type CancelReason, type FromWorker, type Spawner, type WorkerHandle } from './protocol.ts'
import { Scheduler, type Resources } from './scheduler.ts'

export const defaultWorkerEntry = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts')

/** child_process.fork with structured clone (typed arrays survive), no inherited test flags, and the compile cache. */
export const forkSpawner: Spawner = (entry, env) => {
  const child = fork(entry, [], {
    execArgv: [],
    env: { ...process.env, ...compileCacheEnv(), ...env },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  // A process that could not be started, and a message sent to a worker that has just died (EPIPE:
  // 'connected' stays true until this process reads the channel's end), come as 'error' events, which
  // without a listener would end this whole process (the server, the app, the command) and every
  // other job with it. The worker's 'close' follows either way and reports the end; a start that
  // failed says why.
  let notStarted: string | undefined
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (child.pid === undefined) notStarted ??= err.message
  })
  return {
    get pid() {
      return child.pid
    },
    send(msg) {
      if (child.connected) child.send(msg)
    },
    onMessage(fn) {
      child.on('message', (m) => {
        if (isFromWorker(m)) fn(m)
      })
    },
    onExit(fn) {
      // 'close', not 'exit': it comes after the last message of the worker (its final status) is read
      child.on('close', (code, signal) => fn(code, signal, notStarted))
    },
    kill() {
      child.kill('SIGKILL')
    },
  }
}

/** The refusal of a cancel of a run that has ended (here and for a sweep cancelled on its cluster). */
export function nothingToCancel(runId: number, status: RunStatus): AppError {
  return new AppError('CONFLICT', `Run ${runId} is not running (it is ${status}): there is nothing to cancel.`)
}

export interface RunnerOptions {
  store: Store
  emit: (event: AppEvent) => void
  spawn?: Spawner
  workerEntry?: string
  /** cores the scheduler shares among the jobs of every process on the database (default: MIMIC_CORES, else this machine's) */
  cores?: number
  /** how often queued jobs ask the scheduler again (ms) */
  queuePollMs?: number
  /** the resources of a job (default: its kind's declaration) */
  resources?: (jobKind: string, params: Record<string, unknown>) => Resources
  /** how long a cancelled worker gets to stop before it is killed */
  cancelGraceMs?: number
  heartbeatMs?: number
  /** extra environment for workers (e.g. the thread count) */
  workerEnv?: Record<string, string>
}

interface Active {
  runId: number
  projectId: number
  worker: WorkerHandle | null
  startedAt: number
  /** when the job's count began: its start, or its last report at 0 (the end of a mapping, of drawing initial weights) */
  countingSince: number
  /** why the scheduler has not started it yet (shown as its progress message) */
  waitingFor: string | null
  /** set when the job is asked to stop: by a user, or by this process shutting down */
  cancelRequested: CancelReason | null
  killTimer?: NodeJS.Timeout
  lastStored: number
  pendingProgress: JobProgress | null
  waiters: ((status: RunStatus) => void)[]
  /** the final status its worker could not write (a full disk, a locked database) and sent instead */
  final?: Extract<FromWorker, { t: 'final' }>
}

export const heartbeatStaleMs = 60_000

/**
 * The seconds a job has left at `fraction`, its count having run for `countingMs`: the time per share
 * so far, times the share left. The count begins at the job's last report at 0, so that a phase before
 * it (a mapping, drawing initial weights: seconds at N = 768, at 0 %) is not taken for the pace of the
 * rest; null until 1 % is done.
 */
export function timeLeft(fraction: number, countingMs: number): number | null {
  return fraction > 0.01 ? ((countingMs / 1000) * (1 - fraction)) / fraction : null
}

export class JobRunner {
  private readonly store: Store
  private readonly emit: (event: AppEvent) => void
  private readonly spawn: Spawner
  private readonly entry: string
  readonly scheduler: Scheduler
  private readonly graceMs: number
  private readonly workerEnv: Record<string, string>
  private readonly active = new Map<number, Active>()
  /**
   * Final statuses this process could not write (a full disk, a read-only or locked database): the
   * runs stay active in the store, owned and heartbeated by this process, and every tick writes them
   * again (and drops their leases) until the database takes them. A run still unwritten when this
   * process ends is marked interrupted by the next front door that opens the database.
   */
  private readonly unsaved = new Map<number, { status: RunStatus; error: string | null; summary?: Record<string, number>; lease: boolean }>()
  private readonly queue: number[] = []
  private readonly timer: NodeJS.Timeout
  private readonly queueTimer: NodeJS.Timeout
  private closed = false
  private pumping = false
  private pumpAgain = false

  constructor(opts: RunnerOptions) {
    this.store = opts.store
    this.emit = opts.emit
    this.spawn = opts.spawn ?? forkSpawner
    this.entry = opts.workerEntry ?? defaultWorkerEntry
    this.scheduler = new Scheduler({
      store: this.store,
      pid: process.pid,
      host: hostName(),
      isAlive: pidAlive,
      isStopped: pidStopped,
      cores: opts.cores,
      staleMs: heartbeatStaleMs,
      resources: opts.resources,
    })
    this.graceMs = opts.cancelGraceMs ?? 5000
    this.workerEnv = opts.workerEnv ?? {}
    this.timer = setInterval(() => this.tick(), opts.heartbeatMs ?? 1000)
    this.timer.unref()
    this.queueTimer = setInterval(() => {
      if (this.queue.length > 0) this.pump()
    }, opts.queuePollMs ?? 500)
    this.queueTimer.unref()
  }

  /** Marks runs whose owner process is gone as interrupted, and drops their leases. Called when a front door starts. */
  recover(): number[] {
    const ids = this.store.jobs.recoverInterrupted(hostName(), pidAlive, heartbeatStaleMs, pidStopped)
    this.scheduler.reclaim()
    for (const id of ids) {
      const run = this.store.runs.find(id)
      if (run) this.emit({ type: 'job.status', runId: id, projectId: run.projectId, status: 'interrupted', error: run.error })
    }
    return ids
  }

  /** Registers a queued run (created by the services in the same transaction) and starts it when a slot is free. */
  enqueue(runId: number, projectId: number): void {
    if (this.closed) throw new AppError('CONFLICT', 'The job runner is shutting down; start the job again after restart.')
    this.active.set(runId, {
      runId,
      projectId,
      worker: null,
      startedAt: 0,
      countingSince: 0,
      waitingFor: null,
      cancelRequested: null,
      lastStored: 0,
      pendingProgress: null,
      waiters: [],
    })
    this.queue.push(runId)
    // a process whose only work is a queued job (the CLI waiting for cores) must stay alive to ask again
    this.queueTimer.ref()
    this.pump()
  }

  /** Resolves with the final status of a run this runner owns (or the stored status otherwise). */
  wait(runId: number): Promise<RunStatus> {
    const a = this.active.get(runId)
    if (!a) return Promise.resolve(this.store.runs.get(runId).status)
    return new Promise((resolve) => a.waiters.push(resolve))
  }

  /**
   * Cancels a job: here if this process runs it, through the store when another live process does,
   * and directly when its owner is gone. Returns the status after the request.
   */
  cancel(runId: number, why: CancelReason = 'user'): RunStatus {
    const run = this.store.runs.get(runId)
    if (run.status !== 'queued' && run.status !== 'running') throw nothingToCancel(runId, run.status)
    const owner = this.store.jobs.stageOwner(runId)
    if (!this.active.has(runId) && owner !== undefined && this.active.has(owner)) return this.cancel(owner, why)
    const a = this.active.get(runId)
    if (a) {
      a.cancelRequested = why
      if (!a.worker) {
        // still queued here: never started
        this.dequeue(runId)
        if (why === 'shutdown') {
          this.finish(a, 'interrupted', queuedAtShutdown)
          return 'interrupted'
        }
        this.finish(a, 'cancelled', 'cancelled before it started')
        return 'cancelled'
      }
      a.worker.send({ t: 'cancel', why })
      a.killTimer ??= setTimeout(() => a.worker?.kill(), this.graceMs)
      return 'running'
    }
    const job = this.store.jobs.find(runId)
    if (job && job.ownerHost === hostName() && job.ownerPid !== null && !pidAlive(job.ownerPid)) {
      this.store.runs.finish(runId, 'interrupted', 'interrupted: its process had stopped')
      return 'interrupted'
    }
    this.store.jobs.requestCancel(runId)
    return run.status
  }

  /** Asks the scheduler for each queued job of this process, oldest first, and launches those it grants. */
  private pump(): void {
    // a job that ends while this runs (a worker that cannot start) pumps again: once, afterwards
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    try {
      do {
        this.pumpAgain = false
        this.pumpOnce()
      } while (this.pumpAgain && !this.closed)
    } finally {
      this.pumping = false
    }
  }

  private dequeue(runId: number): void {
    const i = this.queue.indexOf(runId)
    if (i >= 0) this.queue.splice(i, 1)
    if (this.queue.length === 0) this.queueTimer.unref()
  }

  private pumpOnce(): void {
    for (const runId of [...this.queue]) {
      if (this.closed) return
      if (!this.queue.includes(runId)) continue
      const a = this.active.get(runId)
      if (!a) {
        this.dequeue(runId)
        continue
      }
      let decision
      try {
        decision = this.scheduler.acquire(runId)
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_BUSY') return // the next tick asks again
        const refused = storageFailure(err, this.store.path, 'it starts then')
        if (refused) {
          // a full disk or a read-only database: the job stays queued and asks again on the next tick
          this.waiting(a, refused)
          return
        }
        this.dequeue(runId)
        this.finish(a, 'failed', `the scheduler could not start it: ${(err as Error).message}`)
        continue
      }
      if (!decision.granted) {
        this.waiting(a, decision.reason)
        continue
      }
      this.dequeue(runId)
      this.launch(a, decision.cores)
    }
  }

  /** Shows why a queued job waits (its progress message), when that changes. */
  private waiting(a: Active, reason: string): void {
    if (a.waitingFor === reason) return
    a.waitingFor = reason
    const progress: JobProgress = { fraction: 0, etaSeconds: null, message: `queued: ${reason}`, stage: null, updatedAt: new Date().toISOString() }
    a.pendingProgress = progress
    this.flushProgress(a)
    this.emit({ type: 'job.progress', runId: a.runId, progress })
  }

  private launch(a: Active, cores: number): void {
    try {
      this.store.runs.markStarted(a.runId)
    } catch (err) {
      this.finish(a, 'failed', `it could not be started: ${storageFailure(err, this.store.path) ?? (err as Error).message}`)
      return
    }
    a.startedAt = Date.now()
    a.countingSince = a.startedAt
    let worker: WorkerHandle
    try {
      // MIMIC_THREADS: the cores granted; jobs give it to their native calls (a threads parameter of 0)
      worker = this.spawn(this.entry, { MIMIC_CODE_VERSION: codeVersion(), ...this.workerEnv, MIMIC_THREADS: String(cores) })
    } catch (err) {
      this.finish(a, 'failed', `could not start a worker process: ${(err as Error).message}`)
      return
    }
    a.worker = worker
    this.store.jobs.setWorker(a.runId, worker.pid ?? null)
    this.emit({ type: 'job.status', runId: a.runId, projectId: a.projectId, status: 'running', error: null })
    worker.onMessage((m) => this.onMessage(a, m))
    worker.onExit((code, signal, notStarted) => this.onExit(a, code, signal, notStarted))
    worker.send({ t: 'start', runId: a.runId, dbPath: this.store.path })
  }

  private onMessage(a: Active, m: FromWorker): void {
    switch (m.t) {
      case 'progress': {
        const fraction = Math.min(1, Math.max(0, m.fraction))
        if (fraction === 0) a.countingSince = Date.now()
        const eta = timeLeft(fraction, Date.now() - a.countingSince)
        const progress: JobProgress = { fraction, etaSeconds: eta, message: m.message, stage: m.stage, updatedAt: new Date().toISOString() }
        a.pendingProgress = progress
        // Subscribers get every report; the store at most four a second.
        if (Date.now() - a.lastStored > 250) this.flushProgress(a)
        this.emit({ type: 'job.progress', runId: a.runId, progress })
        break
      }
      case 'metrics':
        this.emit({ type: 'metrics', runId: m.runId, points: m.points })
        break
      case 'event':
        this.emit(m.event)
        break
      case 'final':
        a.final = m
        break
    }
  }

  private flushProgress(a: Active): void {
    if (!a.pendingProgress) return
    const p = a.pendingProgress
    a.pendingProgress = null
    a.lastStored = Date.now()
    try {
      this.store.jobs.progress(a.runId, { fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message, stage: p.stage })
    } catch {
      // progress is advisory; a busy database must not fail the job
    }
  }

  private onExit(a: Active, code: number | null, signal: string | null, notStarted?: string): void {
    if (a.killTimer) clearTimeout(a.killTimer)
    this.flushProgress(a)
    const f = a.final
    // Stage runs the worker left open end with their job.
    for (const stage of this.read(() => this.store.jobs.activeStages(a.runId), [])) {
      if (a.cancelRequested === 'shutdown' || f?.status === 'interrupted') this.finishRun(stage, 'interrupted', interruptedByShutdown)
      else if (a.cancelRequested || f?.status === 'cancelled') this.finishRun(stage, 'cancelled', 'cancelled with its pipeline')
      else this.finishRun(stage, 'failed', f?.error ?? 'the worker process stopped during this stage')
    }
    const run = this.read(() => this.store.runs.find(a.runId), undefined)
    if (!run || run.status === 'queued' || run.status === 'running') {
      // the worker's own final word when it could not write it, else why it stopped
      if (f) this.finish(a, f.status, f.error, f.summary)
      else if (a.cancelRequested === 'shutdown') this.finish(a, 'interrupted', interruptedByShutdown)
      else if (a.cancelRequested) this.finish(a, 'cancelled', 'cancelled (the worker was stopped)')
      else if (notStarted) this.finish(a, 'failed', `could not start a worker process: ${notStarted}`)
      else this.finish(a, 'failed', `the worker process ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before the run finished`)
    } else {
      this.settle(a, run.status, run.error)
    }
  }

  /** A read of the store that must not throw out of an event handler (a damaged or vanished disk): the fallback instead. */
  private read<T>(fn: () => T, fallback: T): T {
    try {
      return fn()
    } catch {
      return fallback
    }
  }

  private finish(a: Active, status: RunStatus, error: string | null, summary?: Record<string, number>): void {
    if (!this.finishRun(a.runId, status, error, summary, true)) {
      this.settle(a, status, error)
      return
    }
    const run = this.read(() => this.store.runs.find(a.runId), undefined)
    this.settle(a, run?.status ?? status, run?.error ?? error)
  }

  /**
   * Writes a run's final status; when the database refuses it (a full disk, a read-only or locked
   * file), keeps it to write again on every tick instead of throwing out of an event handler (which
   * would end mimic serve or the app). Returns whether it was written.
   */
  private finishRun(runId: number, status: RunStatus, error: string | null, summary?: Record<string, number>, lease = false): boolean {
    try {
      this.store.runs.finish(runId, status, error, summary)
      return true
    } catch (err) {
      if (!this.unsaved.has(runId)) {
        console.error(`mimic: run ${runId} ended ${status}, but ${storageFailure(err, this.store.path) ?? (err as Error).message}; it is written as soon as the database takes it.`)
      }
      this.unsaved.set(runId, { status, error, summary, lease })
      return false
    }
  }

  /** Writes the final statuses kept by finishRun (and drops their leases); those the database still refuses stay for the next tick. */
  private saveUnsaved(): void {
    for (const [runId, u] of [...this.unsaved]) {
      try {
        this.store.runs.finish(runId, u.status, u.error, u.summary)
        if (u.lease) this.scheduler.release(runId)
        this.unsaved.delete(runId)
      } catch {
        // still refused: the next tick tries again
      }
    }
  }

  private settle(a: Active, status: RunStatus, error: string | null): void {
    this.active.delete(a.runId)
    try {
      this.scheduler.release(a.runId)
    } catch {
      // a locked database: the lease of a finished run is dropped by the next grant anyway
    }
    this.emit({ type: 'job.status', runId: a.runId, projectId: a.projectId, status, error })
    this.emit({ type: 'runs.changed', projectId: a.projectId })
    for (const w of a.waiters) w(status)
    this.pump()
  }

  private tick(): void {
    if (this.unsaved.size > 0) this.saveUnsaved()
    if (this.active.size === 0 && this.unsaved.size === 0) return
    try {
      this.store.jobs.heartbeat(process.pid, hostName())
      this.scheduler.heartbeat()
      for (const a of this.active.values()) this.flushProgress(a)
      for (const id of this.store.jobs.cancelRequestedByOwner(process.pid, hostName())) {
        // A request for a stage run cancels the job it belongs to.
        const jobId = this.active.has(id) ? id : this.store.jobs.stageOwner(id)
        const a = jobId === undefined ? undefined : this.active.get(jobId)
        if (a && !a.cancelRequested) this.cancel(a.runId)
      }
    } catch {
      // a locked database delays the heartbeat; the next tick retries
    }
  }

  /** Cancels every job and waits (up to the grace period) for the workers to stop. */
  async shutdown(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    clearInterval(this.queueTimer)
    const waits: Promise<RunStatus>[] = []
    for (const id of [...this.active.keys()]) {
      waits.push(this.wait(id))
      try {
        this.cancel(id, 'shutdown')
      } catch {
        // already final
      }
    }
    await Promise.all(waits)
    // a last try; what is still refused is marked interrupted by the next front door on the database
    this.saveUnsaved()
  }
}
