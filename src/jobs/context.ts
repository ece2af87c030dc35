// What a job sees while it runs in a worker: its run, parsed parameters, the store, a cancel
// signal, and ways to report progress and metrics (stored and streamed to every subscriber).
import { AppError } from '../shared/errors.ts'
import type { AppEvent, MetricPoint, ResultItem } from '../shared/types.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'
import type { RunRecord } from '../store/runs.ts'
import { interruptedByShutdown, type FromWorker } from './protocol.ts'

export interface JobResult {
  /** headline numbers shown in the runs table */
  summary: Record<string, number>
}

interface ProgressThinning {
  /** when a report was last sent (ms) */
  last: number
  /** the newest report thinned out, sent when its timer fires */
  held: { timer: NodeJS.Timeout; message: FromWorker } | undefined
}

export class JobContext {
  readonly run: RunRecord
  readonly store: Store
  readonly signal: AbortSignal
  private readonly post: (m: FromWorker) => void
  private stageLabel: string | null = null
  /** shared with the contexts scoped from this one: one thinning of the job's reports */
  private thinning: ProgressThinning = { last: 0, held: undefined }
  /** progress of this context maps [0, 1] onto [progressBase, progressBase + progressShare] of the job */
  private progressBase = 0
  private progressShare = 1

  /** the cores the scheduler granted this job (MIMIC_THREADS of its worker); 0 when it was not scheduled */
  readonly grantedCores: number

  constructor(run: RunRecord, store: Store, signal: AbortSignal, post: (m: FromWorker) => void, grantedCores = grantedCoresOf(process.env)) {
    this.run = run
    this.store = store
    this.signal = signal
    this.post = post
    this.grantedCores = grantedCores
  }

  /**
   * The threads to give a native call for a `threads` parameter: 0 means the cores the scheduler
   * granted; a number asked for is kept within them. (Results never depend on the thread count.)
   */
  threads(requested: number): number {
    if (this.grantedCores === 0) return requested
    return requested === 0 ? this.grantedCores : Math.min(requested, this.grantedCores)
  }

  get runId(): number {
    return this.run.id
  }

  /** Throws CANCELLED when the job was asked to stop; call between chunks of work. */
  checkCancelled(): void {
    if (this.signal.aborted) throw new AppError('CANCELLED', 'cancelled')
  }

  setStage(stage: string | null): void {
    this.stageLabel = stage
  }

  /**
   * A phase before the job's own count begins (its fraction stays at 0, or at `at`), with the share of
   * it done while that is under way: "drawing the initial weights (45 %)"; a phase over as soon as it
   * starts (a small network's) does not show "(0 %)" or "(100 %)".
   */
  setup(message: string, fraction: number, at = 0): void {
    const percent = Math.floor(100 * fraction)
    this.progress(at, percent >= 1 && percent <= 99 ? `${message} (${percent} %)` : message)
  }

  /**
   * Reports progress in [0, 1]; frequent calls are thinned to about ten a second. A report thinned
   * out is held and sent at the end of its tenth of a second unless a newer one replaces it: the
   * last report before a long silence (a native phase with no progress of its own) is not lost.
   */
  progress(fraction: number, message: string, force = false): void {
    const t = this.thinning
    const m: FromWorker = { t: 'progress', fraction: this.progressBase + this.progressShare * Math.min(1, Math.max(0, fraction)), message, stage: this.stageLabel }
    const wait = 100 - (Date.now() - t.last)
    if (!force && fraction < 1 && wait > 0) {
      if (t.held) t.held.message = m
      else {
        const timer = setTimeout(() => {
          const held = t.held
          t.held = undefined
          if (held) this.send(held.message)
        }, wait)
        timer.unref()
        t.held = { timer, message: m }
      }
      return
    }
    this.dropHeldProgress()
    this.send(m)
  }

  /** Drops a held progress report (the job has ended: its final status follows). */
  dropHeldProgress(): void {
    if (this.thinning.held) clearTimeout(this.thinning.held.timer)
    this.thinning.held = undefined
  }

  private send(m: FromWorker): void {
    this.thinning.last = Date.now()
    this.post(m)
  }

  /** A context whose progress [0, 1] covers [base, base + share] of this one (for the stages of a pipeline). */
  scoped(base: number, share: number): JobContext {
    const c = new JobContext(this.run, this.store, this.signal, this.post, this.grantedCores)
    c.thinning = this.thinning
    c.stageLabel = this.stageLabel
    c.progressBase = this.progressBase + this.progressShare * base
    c.progressShare = this.progressShare * share
    return c
  }

  /** Stores metric points (one transaction) and streams them. */
  metrics(points: MetricPoint[], runId = this.run.id): void {
    if (points.length === 0) return
    this.store.metrics.append(runId, points)
    this.post({ t: 'metrics', runId, points })
  }

  /** Stores and streams one epoch's metrics; values that are null (not measured) are left out. */
  epochMetrics(epoch: number, values: Record<string, number | null>, runId = this.run.id): void {
    const points: MetricPoint[] = []
    for (const [key, value] of Object.entries(values)) if (value !== null) points.push({ key, step: epoch, value })
    this.metrics(points, runId)
  }

  /**
   * Runs `epochs` epochs of a native trainer over progress [0, share] of this context, storing and
   * streaming each epoch's metrics under `runId`. The progress message names one epoch, always the
   * one being trained ("training the teacher: epoch 3 of 30"); when an epoch ends, `epochResult`
   * adds what it reached ("(last epoch: loss 2.3e+5)") without a second epoch number.
   */
  async trainEpochs<Rec extends { epoch: number }>(
    trainer: { runEpochs(epochs: number, options: { signal?: AbortSignal; onProgress?: (fraction: number, message: string) => void; onEpoch?: (r: Rec) => void }): Promise<unknown> },
    epochs: number,
    report: { share: number; running: string; metrics: (r: Rec) => Record<string, number | null>; epochResult: (r: Rec) => string },
    runId = this.run.id,
  ): Promise<void> {
    // The trainer's own counters are busy while it runs: count finished epochs here.
    let done = 0
    await this.listening(({ signal, listen }) =>
      trainer.runEpochs(epochs, {
        signal,
        // the trainer's phase when it is not training (network ADS forms its weights and validates at
        // the end of each epoch: seconds at N = 4096)
        onProgress: (f, phase) =>
          this.progress(report.share * f, `${report.running}: epoch ${Math.min(epochs, done + 1)} of ${epochs}${phase && phase !== 'training' ? ` (${phase})` : ''}`),
        onEpoch: listen((r: Rec) => {
          done = r.epoch
          this.epochMetrics(r.epoch, report.metrics(r), runId)
          const where = r.epoch < epochs ? `epoch ${r.epoch + 1} of ${epochs}` : `all ${epochs} epochs done`
          this.progress((report.share * r.epoch) / epochs, `${report.running}: ${where} (last epoch: ${report.epochResult(r)})`, true)
        }),
      }),
    )
  }

  /**
   * Runs a native call whose listeners store what they are given (each epoch's metrics). The native
   * layer goes on when a listener throws (a failing listener must not stop its computation), so a
   * store that refuses a write (a full disk, a locked database) would silently lose every later
   * epoch's metrics while the training ran on. Here the first listener that throws stops the call
   * (through the signal given to `start`, which the job's own signal also aborts), and the job fails
   * with that listener's error.
   */
  async listening<T>(start: (hooks: { signal: AbortSignal; listen: <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => void }) => Promise<T>): Promise<T> {
    const stop = new AbortController()
    let failure: { err: unknown } | undefined
    const forward = (): void => stop.abort(this.signal.reason)
    if (this.signal.aborted) forward()
    else this.signal.addEventListener('abort', forward, { once: true })
    const listen =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A): void => {
        if (failure) return
        try {
          fn(...args)
        } catch (err) {
          failure = { err }
          stop.abort('a listener failed')
        }
      }
    let value: T
    try {
      value = await start({ signal: stop.signal, listen })
    } catch (err) {
      if (!failure) throw err
    } finally {
      this.signal.removeEventListener('abort', forward)
    }
    if (failure) throw failure.err
    return value!
  }

  artifacts(items: NewArtifact[], runId = this.run.id): void {
    this.store.artifacts.put(runId, items)
  }

  /** Stores result items of a run (one per sample, draw, level...) in one transaction; `results.query` reads them. */
  results(items: readonly ResultItem[], runId = this.run.id): number {
    return this.store.results.insert(runId, items)
  }

  emit(event: AppEvent): void {
    this.post({ t: 'event', event })
  }

  /** Stage runs opened by this job and not finished yet (closed as interrupted if the job dies); shared with the contexts of its stage runs (forStage). */
  readonly openStages: Set<number> = new Set<number>()

  /**
   * The context of one of this job's stage runs that is itself the work of another job kind (the
   * pipelines and robustness sweeps of a reproduction, src/jobs/kinds/reproduce-paper.ts): its run is
   * the stage run, so that kind's `run` reads its parameters and seed and stores its metrics, results
   * and own stages under it; its progress covers [base, base + share] of this job; its open stages
   * are this job's (closed with it); cancelling this job cancels it.
   */
  forStage(runId: number, base: number, share: number): JobContext {
    const c = new JobContext(this.store.runs.get(runId), this.store, this.signal, this.post, this.grantedCores)
    ;(c as { openStages: Set<number> }).openStages = this.openStages
    c.stageLabel = this.stageLabel
    c.progressBase = this.progressBase + this.progressShare * base
    c.progressShare = this.progressShare * share
    return c
  }

  /**
   * Opens a stage run: a child of this job's run (role "pipeline") owned by the same process, so it
   * is heartbeated, cancelled and recovered with its job. Other parents may be linked too.
   */
  startStage(stage: { kind: string; name: string; params: Record<string, unknown>; seed: number | null; parents?: { id: number; role: string }[] }): number {
    const owner = this.store.jobs.owner(this.run.id)
    const id = this.store.transaction(() => {
      const run = this.store.runs.create({
        projectId: this.run.projectId,
        kind: stage.kind,
        name: stage.name,
        params: stage.params,
        seed: stage.seed,
        codeVersion: this.run.codeVersion,
        host: this.run.host,
        parents: [{ id: this.run.id, role: 'pipeline' }, ...(stage.parents ?? [])],
      })
      this.store.jobs.register(run.id, `stage:${stage.kind}`, owner?.pid ?? process.pid, owner?.host ?? this.run.host)
      this.store.runs.markStarted(run.id)
      return run.id
    })
    this.openStages.add(id)
    this.emit({ type: 'runs.changed', projectId: this.run.projectId })
    this.emit({ type: 'job.status', runId: id, projectId: this.run.projectId, status: 'running', error: null })
    return id
  }

  /** Closes a stage run with its final status and headline numbers. */
  finishStage(id: number, status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted', error: string | null, summary?: Record<string, number>): void {
    this.store.runs.finish(id, status, error, summary)
    this.openStages.delete(id)
    this.emit({ type: 'job.status', runId: id, projectId: this.run.projectId, status, error })
    this.emit({ type: 'runs.changed', projectId: this.run.projectId })
  }

  /** Runs one stage: opens its run, runs fn, and closes the run as succeeded, cancelled or failed. */
  async stage<T>(
    spec: { kind: string; name: string; params: Record<string, unknown>; seed: number | null; parents?: { id: number; role: string }[]; label: string },
    fn: (runId: number) => Promise<{ value: T; summary: Record<string, number> }>,
  ): Promise<{ runId: number; value: T }> {
    this.setStage(spec.label)
    const runId = this.startStage(spec)
    try {
      const { value, summary } = await fn(runId)
      this.checkCancelled()
      this.finishStage(runId, 'succeeded', null, summary)
      return { runId, value }
    } catch (err) {
      const cancelled = this.signal.aborted || (err as { code?: string }).code === 'CANCELLED' || (err as { code?: string }).code === 'ERR_CANCELLED'
      if (cancelled && this.signal.reason === 'shutdown') this.finishStage(runId, 'interrupted', interruptedByShutdown)
      else this.finishStage(runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled with its pipeline' : (err as Error).message)
      throw err
    }
  }
}

/** MIMIC_THREADS of a worker: the cores the scheduler granted its job (0 when unset). */
export function grantedCoresOf(env: NodeJS.ProcessEnv): number {
  const n = Number(env.MIMIC_THREADS ?? '')
  return Number.isInteger(n) && n > 0 ? n : 0
}
