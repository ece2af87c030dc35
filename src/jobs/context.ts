// What a job sees while it runs in a worker: its run, parsed parameters, the store, a cancel
// signal, and ways to report progress and metrics (stored and streamed to every subscriber).
import { AppError } from '../shared/errors.ts'
import type { AppEvent, MetricPoint } from '../shared/types.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'
import type { RunRecord } from '../store/runs.ts'
import type { FromWorker } from './protocol.ts'

export interface JobResult {
  /** headline numbers shown in the runs table */
  summary: Record<string, number>
}

export class JobContext {
  readonly run: RunRecord
  readonly store: Store
  readonly signal: AbortSignal
  private readonly post: (m: FromWorker) => void
  private stage: string | null = null
  private lastProgress = 0

  constructor(run: RunRecord, store: Store, signal: AbortSignal, post: (m: FromWorker) => void) {
    this.run = run
    this.store = store
    this.signal = signal
    this.post = post
  }

  get runId(): number {
    return this.run.id
  }

  /** Throws CANCELLED when the job was asked to stop; call between chunks of work. */
  checkCancelled(): void {
    if (this.signal.aborted) throw new AppError('CANCELLED', 'cancelled')
  }

  setStage(stage: string | null): void {
    this.stage = stage
  }

  /** Reports progress in [0, 1]; frequent calls are thinned to about ten a second. */
  progress(fraction: number, message: string, force = false): void {
    const now = Date.now()
    if (!force && fraction < 1 && now - this.lastProgress < 100) return
    this.lastProgress = now
    this.post({ t: 'progress', fraction, message, stage: this.stage, etaSeconds: null })
  }

  /** Stores metric points (one transaction) and streams them. */
  metrics(points: MetricPoint[], runId = this.run.id): void {
    if (points.length === 0) return
    this.store.metrics.append(runId, points)
    this.post({ t: 'metrics', runId, points })
  }

  artifacts(items: NewArtifact[], runId = this.run.id): void {
    this.store.artifacts.put(runId, items)
  }

  emit(event: AppEvent): void {
    this.post({ t: 'event', event })
  }
}
