// One scheduler for every process on a database: how many jobs run at once and how many cores each
// gets, whether the app, `mimic serve` or a CLI command started them. A runner asks before it
// launches a queued job; in one IMMEDIATE transaction the scheduler
//   1. drops stale leases: of a finished run, of a dead process on this host, or not renewed for
//      `staleMs` (a process on another host, or one that hangs; not one of this host that is stopped,
//      Ctrl-Z, which goes on when continued);
//   2. computes the free cores: the cores to share minus those of the live leases;
//   3. keeps first come, first served across processes: the job waits while an older queued job of
//      a live process waits for cores (an older job that waits for a busy device does not hold up
//      the others);
//   4. grants the cores the job declares (all free cores for 'all', at least minCores; a fixed
//      number, at most the cores there are), and its device exclusively.
// A job that is refused stays queued; its runner asks again on its next tick or when one of its
// own leases is released. The worker gets MIMIC_THREADS = the granted cores.
import { availableParallelism } from 'node:os'
import { AppError } from '../shared/errors.ts'
import { currentJobKind, isJobKindName, jobKinds, type Resources } from '../shared/jobkinds/index.ts'
import type { Store } from '../store/index.ts'
import { boardAddressOf } from '../hardware/transport.ts'
import type { Lease } from '../store/leases.ts'

export type { Resources }

/**
 * The resources a job kind declares in its spec (src/shared/jobkinds/<kind>.ts): cores, and a device
 * it needs exclusively. A stored kind under an older name is read as the kind that replaced it; a kind
 * this code does not know gets one core.
 */
export function resourcesOfKind(kind: string): Resources {
  const current = currentJobKind(kind)
  return isJobKindName(current) ? jobKinds[current].resources : { cores: 1 }
}

/**
 * Cores the scheduler shares among the jobs of every process on the database: MIMIC_CORES when set
 * (every process on the database should see the same value), else the cores of this machine.
 */
export function coresToShare(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MIMIC_CORES?.trim()
  if (raw) {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > 4096) throw new AppError('INVALID_ARGUMENT', `MIMIC_CORES must be a whole number of cores between 1 and 4096 but is '${raw}': unset it to use all ${availableParallelism()} cores of this machine.`)
    return n
  }
  return availableParallelism()
}

export type Decision =
  | { granted: true; cores: number; device: string | null }
  | { granted: false; reason: string }

export interface SchedulerOptions {
  store: Store
  /** this process */
  pid: number
  host: string
  isAlive: (pid: number) => boolean
  /** whether a process of this host is stopped (Ctrl-Z): it keeps its leases and its place (default: never) */
  isStopped?: (pid: number) => boolean
  /** cores to share (default coresToShare()) */
  cores?: number
  /** a lease (or a waiting job) not renewed for this long belongs to a process that is gone */
  staleMs: number
  /** the resources of a job (default: its kind's) */
  resources?: (jobKind: string, params: Record<string, unknown>) => Resources
}

function who(l: { runId: number; ownerPid: number; ownerHost: string }): string {
  return `run ${l.runId} (${l.ownerPid}@${l.ownerHost})`
}

export class Scheduler {
  readonly cores: number
  private readonly o: SchedulerOptions
  private readonly resources: (jobKind: string, params: Record<string, unknown>) => Resources

  constructor(o: SchedulerOptions) {
    this.o = o
    this.cores = o.cores ?? coresToShare()
    this.resources = o.resources ?? ((kind) => resourcesOfKind(kind))
  }

  private live(l: { ownerPid: number; ownerHost: string; heartbeatAt: number }, now: number): boolean {
    if (l.ownerHost === this.o.host && !this.o.isAlive(l.ownerPid)) return false
    if (l.ownerHost === this.o.host && this.o.isStopped?.(l.ownerPid)) return true
    return now - l.heartbeatAt <= this.o.staleMs
  }

  /** Drops the leases of finished runs and of processes that are gone; returns the live ones. Call inside a transaction. */
  private liveLeases(now: number): Lease[] {
    const all = this.o.store.leases.all()
    const stale = all.filter((l) => (l.status !== 'queued' && l.status !== 'running') || !this.live(l, now))
    if (stale.length) this.o.store.leases.release(stale.map((l) => l.runId))
    return all.filter((l) => !stale.includes(l))
  }

  /** The device a job needs, or null. */
  deviceOf(jobKind: string, params: Record<string, unknown>): string | null {
    return this.resources(jobKind, params).device?.(params, this.boardAddress) ?? null
  }

  /** The canonical address of a board address or of a saved board's name; null for neither. */
  private readonly boardAddress = (target: string): string | null => {
    try {
      return boardAddressOf(this.o.store.boards, target)
    } catch {
      return target.trim() // a malformed address: the job fails on it when it starts
    }
  }

  /** Refuses (CONFLICT) a job whose device another live job holds: "in use by run N (pid@host)". */
  checkDevice(jobKind: string, params: Record<string, unknown>): void {
    const device = this.deviceOf(jobKind, params)
    if (device === null) return
    const holder = this.o.store.immediate(() => this.liveLeases(Date.now()).find((l) => l.device === device))
    if (holder) throw new AppError('CONFLICT', `The device ${device} is in use by ${who(holder)}: wait until that run ends, or cancel it (\`mimic jobs cancel ${holder.runId}\`).`)
  }

  /** Asks for a lease for a queued job of this process. One IMMEDIATE transaction. */
  acquire(runId: number): Decision {
    const { store } = this.o
    return store.immediate((): Decision => {
      const now = Date.now()
      const mine = store.leases.find(runId)
      if (mine) return { granted: true, cores: mine.cores, device: mine.device }
      const leases = this.liveLeases(now)
      const waiting = store.leases.waiting().filter((w) => this.live(w, now))
      const me = waiting.find((w) => w.runId === runId)
      if (!me) {
        const job = store.jobs.find(runId)
        throw new AppError('CONFLICT', `Run ${runId} is not a queued job of a live process (it is ${job ? job.status : 'not a job'}): it cannot be scheduled.`)
      }
      const need = this.need(me.jobKind, me.params)
      // its device, exclusively
      if (need.device !== null) {
        const holder = leases.find((l) => l.device === need.device)
        if (holder) return { granted: false, reason: `waiting for the device ${need.device}, in use by ${who(holder)}` }
      }
      const used = leases.reduce((n, l) => n + l.cores, 0)
      const free = Math.max(0, this.cores - used)
      // first come, first served: an older job that waits for cores goes first
      for (const w of waiting) {
        if (w.runId >= runId) break
        const d = this.deviceOf(w.jobKind, w.params)
        if (d !== null && leases.some((l) => l.device === d)) continue
        return { granted: false, reason: `waiting for run ${w.runId} (${w.ownerPid}@${w.ownerHost}), queued before it` }
      }
      if (free < need.min) {
        const holders = leases.filter((l) => l.cores > 0).map((l) => `${who(l)}: ${l.cores}`)
        return {
          granted: false,
          reason: `waiting for ${need.min} free core${need.min === 1 ? '' : 's'}: ${used} of ${this.cores} in use (${holders.join(', ')})`,
        }
      }
      const cores = need.all ? free : need.min
      store.leases.grant({ runId, cores, device: need.device, ownerPid: this.o.pid, ownerHost: this.o.host })
      return { granted: true, cores, device: need.device }
    })
  }

  /** The cores a job needs at least, whether it takes all free ones, and its device. */
  private need(jobKind: string, params: Record<string, unknown>): { min: number; all: boolean; device: string | null } {
    const r = this.resources(jobKind, params)
    const clamp = (n: number): number => Math.max(1, Math.min(this.cores, Math.floor(n)))
    // a job told its thread count (`threads` > 0; 0 = the cores it is given) needs that many cores, no more:
    // two jobs with --threads 1 run side by side on two cores
    const threads = r.cores === 'all' && typeof params.threads === 'number' && Number.isInteger(params.threads) && params.threads > 0 ? params.threads : null
    const fixed = r.coresFor?.(params) ?? threads
    const device = this.deviceOf(jobKind, params)
    if (fixed !== null) return { min: clamp(fixed), all: false, device }
    return r.cores === 'all' ? { min: clamp(r.minCores ?? 1), all: true, device } : { min: clamp(r.cores), all: false, device }
  }

  release(runId: number): void {
    this.o.store.leases.release([runId])
  }

  /** Renews this process's leases. */
  heartbeat(): void {
    this.o.store.leases.heartbeat(this.o.pid, this.o.host)
  }

  /** Drops stale leases (on a front door's start). Returns the run ids whose leases were dropped. */
  reclaim(): number[] {
    return this.o.store.immediate(() => {
      const before = this.o.store.leases.all().map((l) => l.runId)
      const live = new Set(this.liveLeases(Date.now()).map((l) => l.runId))
      return before.filter((id) => !live.has(id))
    })
  }
}
