// Messages between the job runner (in the server, the CLI or Electron main) and a worker process.
import type { AppEvent, MetricPoint } from '../shared/types.ts'

/** What a run stopped by its process shutting down (mimic serve, the app, the CLI stopping) records as its error. */
export const interruptedByShutdown = 'interrupted: the program that ran it was stopped (mimic serve, the app or the command); start it again'
/** What a job still queued when its process shut down records. */
export const queuedAtShutdown = 'interrupted before it started: the program that queued it was stopped (mimic serve, the app or the command); start it again'

/** Why a job is stopped before its end: a user's cancel, or the process that runs it shutting down. */
export type CancelReason = 'user' | 'shutdown'

export type ToWorker =
  | { t: 'start'; runId: number; dbPath: string }
  /** why: a user's cancel (the default) or the process that runs the job stopping */
  | { t: 'cancel'; why?: CancelReason }

export type FromWorker =
  | { t: 'progress'; fraction: number; message: string; stage: string | null }
  | { t: 'metrics'; runId: number; points: MetricPoint[] }
  | { t: 'event'; event: AppEvent }
  /**
   * The run's final status when the worker could not write it (a full disk, a locked or read-only
   * database): its runner writes it instead, then or as soon as the database takes it.
   */
  | { t: 'final'; status: FinalStatus; error: string | null; summary?: Record<string, number> }

export type FinalStatus = 'succeeded' | 'failed' | 'cancelled' | 'interrupted'

/** The transport-neutral view of a worker process (child_process.fork or Electron utilityProcess). */
export interface WorkerHandle {
  readonly pid: number | undefined
  send(msg: ToWorker): void
  onMessage(fn: (msg: FromWorker) => void): void
  /** notStarted: why the process could not be started (it never ran) */
  onExit(fn: (code: number | null, signal: string | null, notStarted?: string) => void): void
  kill(): void
}

export type Spawner = (entry: string, env: Record<string, string>) => WorkerHandle

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string'
}
