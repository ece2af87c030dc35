// Every active job, for the jobs tray: the list from `jobs.list`, kept current by `job.progress` and
// `job.status` events, resynchronised after a reconnect. Jobs started by another process (the CLI)
// send no events to this server, so `jobs.list` is also polled every 2 s: new jobs appear, their
// progress moves, and a job that left the list gets its final status from `runs.get`. Finished jobs
// stay a few seconds so the user sees the outcome; failed ones stay until dismissed.
import type { AppEvent, Job, RunStatus } from '../../../src/shared/types.ts'
import { activeStatuses } from '../../../src/shared/types.ts'
import { api } from './api.ts'
import { messageOf } from './errors.ts'
import { live } from './live.svelte.ts'

export interface TrackedJob extends Job {
  /** the run's error once it failed */
  error: string | null
  /** set when the job left the active statuses */
  finished: boolean
  /** the pipeline run this job is a stage of (its progress is reported on the pipeline), if any */
  stageOf: number | null
}

const lingerMs = 4000
const pollMs = 2000

export function isActive(status: RunStatus): boolean {
  return activeStatuses.includes(status)
}

class JobsTracker {
  jobs = $state<TrackedJob[]>([])
  /** an error from jobs.list or jobs.cancel, shown in the tray */
  error = $state<string | null>(null)
  private seq = 0
  /** run id -> the pipeline it is a stage of (null: none), learned once per run */
  private stages = new Map<number, number | null>()
  private timers = new Map<number, ReturnType<typeof setTimeout>>()

  async refresh(): Promise<void> {
    const mine = ++this.seq
    try {
      const list = await api.call('jobs.list', { all: false })
      if (mine !== this.seq) return
      const listed = new Set(list.map((j) => j.runId))
      // Update in place (stable rows, smooth progress bars); add new ones after the known ones.
      const next: TrackedJob[] = []
      for (const j of list) {
        const known = this.jobs.find((x) => x.runId === j.runId)
        if (known && !known.finished) {
          known.status = j.status
          known.name = j.name
          if (j.progress && (!known.progress || j.progress.updatedAt >= known.progress.updatedAt)) known.progress = j.progress
          next.push(known)
        } else if (!known) {
          next.push({ ...j, error: null, finished: false, stageOf: this.stages.get(j.runId) ?? null })
          if (!this.stages.has(j.runId)) void this.classify(j.runId)
        }
        else next.push(known)
      }
      // Active jobs that left the list finished without telling us (another process): ask the run.
      const vanished = this.jobs.filter((j) => !j.finished && !listed.has(j.runId))
      const finished = this.jobs.filter((j) => j.finished && !listed.has(j.runId))
      this.jobs = [...next, ...vanished, ...finished]
      for (const j of vanished) void this.resolve(j.runId)
      this.error = null
    } catch (err) {
      if (mine === this.seq) this.error = messageOf(err)
    }
  }

  /** Learns whether a job's run is a pipeline stage (a parent linked with role "pipeline"). */
  private async classify(runId: number): Promise<void> {
    this.stages.set(runId, null)
    try {
      const run = await api.call('runs.get', { id: runId })
      const owner = run.parents.find((p) => p.role === 'pipeline')?.id ?? null
      this.stages.set(runId, owner)
      const j = this.jobs.find((x) => x.runId === runId)
      if (j && owner !== null) j.stageOf = owner
    } catch {
      // gone: nothing to learn
    }
  }

  /** The final status of a job that left jobs.list without a job.status event. */
  private async resolve(runId: number): Promise<void> {
    try {
      const run = await api.call('runs.get', { id: runId })
      const j = this.jobs.find((x) => x.runId === runId)
      if (!j || j.finished) return
      if (isActive(run.status)) return
      j.status = run.status
      j.error = run.error
      this.finish(j)
    } catch {
      this.dismiss(runId)
    }
  }

  /** The tracked status of a run's job, if the tray knows it (run pages reload when it changes). */
  statusOf(runId: number): RunStatus | undefined {
    return this.jobs.find((j) => j.runId === runId)?.status
  }

  handle(e: AppEvent): void {
    if (e.type === 'job.progress') {
      const j = this.jobs.find((x) => x.runId === e.runId)
      if (j) j.progress = e.progress
      else void this.refresh()
    } else if (e.type === 'job.status') {
      const j = this.jobs.find((x) => x.runId === e.runId)
      if (!j) {
        if (isActive(e.status)) void this.refresh()
        else void this.adoptFinished(e.runId, e.status, e.error)
        return
      }
      j.status = e.status
      j.error = e.error
      if (!isActive(e.status)) this.finish(j)
    }
  }

  /** A job that finished before we heard of it (short jobs): show its outcome briefly anyway. */
  private async adoptFinished(runId: number, status: RunStatus, error: string | null): Promise<void> {
    try {
      const run = await api.call('runs.get', { id: runId })
      if (this.jobs.some((x) => x.runId === runId)) return
      const j: TrackedJob = {
        runId,
        projectId: run.projectId,
        kind: run.kind,
        name: run.name,
        status,
        progress: { fraction: status === 'succeeded' ? 1 : 0, etaSeconds: null, message: '', stage: null, updatedAt: run.finishedAt ?? '' },
        startedAt: run.startedAt,
        ownerPid: null,
        ownerHost: null,
        cores: null,
        error,
        finished: false,
        stageOf: run.parents.find((p) => p.role === 'pipeline')?.id ?? null,
      }
      this.jobs = [...this.jobs, j]
      this.finish(this.jobs[this.jobs.length - 1])
    } catch {
      // the run is gone (deleted): nothing to show
    }
  }

  private finish(j: TrackedJob): void {
    j.finished = true
    if (j.status === 'succeeded') {
      j.progress = { message: '', stage: null, updatedAt: new Date().toISOString(), ...j.progress, fraction: 1, etaSeconds: null }
    }
    if (j.status === 'failed') return
    clearTimeout(this.timers.get(j.runId))
    this.timers.set(
      j.runId,
      setTimeout(() => this.dismiss(j.runId), lingerMs),
    )
  }

  dismiss(runId: number): void {
    clearTimeout(this.timers.get(runId))
    this.timers.delete(runId)
    this.jobs = this.jobs.filter((j) => j.runId !== runId)
  }

  async cancel(runId: number): Promise<void> {
    try {
      await api.call('jobs.cancel', { runId })
      this.error = null
    } catch (err) {
      this.error = messageOf(err)
    }
  }

  start(): () => void {
    const off = api.onEvent((e) => this.handle(e))
    const stop = $effect.root(() => {
      $effect(() => {
        void live.epoch
        void this.refresh()
      })
    })
    const poll = setInterval(() => {
      if (!document.hidden) void this.refresh()
    }, pollMs)
    return () => {
      off()
      stop()
      clearInterval(poll)
      for (const t of this.timers.values()) clearTimeout(t)
    }
  }
}

export const jobs = new JobsTracker()
