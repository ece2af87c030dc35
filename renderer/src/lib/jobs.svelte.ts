// Every active job, for the jobs tray: the list from `jobs.list`, kept current by `job.progress` and
// `job.status` events, resynchronised after a reconnect. Finished jobs stay a few seconds so the
// user sees the outcome; failed ones stay until dismissed.
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
}

const lingerMs = 4000

export function isActive(status: RunStatus): boolean {
  return activeStatuses.includes(status)
}

class JobsTracker {
  jobs = $state<TrackedJob[]>([])
  /** an error from jobs.list or jobs.cancel, shown in the tray */
  error = $state<string | null>(null)
  private seq = 0
  private timers = new Map<number, ReturnType<typeof setTimeout>>()

  async refresh(): Promise<void> {
    const mine = ++this.seq
    try {
      const list = await api.call('jobs.list', { all: false })
      if (mine !== this.seq) return
      const finished = this.jobs.filter((j) => j.finished && !list.some((l) => l.runId === j.runId))
      this.jobs = [...list.map((j) => ({ ...j, error: null, finished: false })), ...finished]
      this.error = null
    } catch (err) {
      if (mine === this.seq) this.error = messageOf(err)
    }
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
        error,
        finished: false,
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
    return () => {
      off()
      stop()
      for (const t of this.timers.values()) clearTimeout(t)
    }
  }
}

export const jobs = new JobsTracker()
