// The metric series of one run, kept current: loaded with metrics.get, extended by `metrics` events
// for that run (points are buffered and applied at most once per animation frame), reloaded after
// a reconnect. Jobs started by another process (the CLI) send no events to this server, so while
// the run is active and no event arrived for a while, the series are re-read every few seconds.
import { untrack } from 'svelte'
import type { MetricPoint } from '../../../src/shared/types.ts'
import { api } from './api.ts'
import { FrameTask } from './chart/frame.ts'
import { MetricStore } from './chart/metrics.ts'
import { messageOf } from './errors.ts'

const pollMs = 3000

export class LiveMetrics {
  readonly store = new MetricStore()
  /** bumped whenever the series change (read it to re-derive chart columns) */
  version = $state(0)
  keys = $state<string[]>([])
  loaded = $state(false)
  error = $state<string | null>(null)

  private pending: MetricPoint[] = []
  private readonly flush = new FrameTask(() => {
    this.store.append(this.pending)
    this.pending = []
    this.syncKeys()
    this.version++
  })

  private syncKeys(): void {
    const k = this.store.keys()
    if (k.length !== this.keys.length) this.keys = k
  }

  /**
   * Follows run `runId` until the returned function is called. `active()` says whether the run is
   * still producing metrics (enables the polling fallback).
   */
  attach(runId: number, active: () => boolean = () => false): () => void {
    // Called from effects: what it reads here must not become their dependencies.
    return untrack(() => this.follow(runId, active))
  }

  private follow(runId: number, active: () => boolean): () => void {
    let stale = false
    let lastEvent = 0
    this.loaded = false
    this.pending = []
    this.store.load([])
    this.keys = []
    this.version++

    const load = async (): Promise<void> => {
      try {
        const series = await api.call('metrics.get', { runId })
        if (stale) return
        // Points that arrived by event meanwhile are newer or equal: keep them after the load.
        this.store.load(series)
        this.loaded = true
        this.error = null
        this.syncKeys()
        this.flush.schedule()
        this.version++
      } catch (err) {
        if (!stale) this.error = messageOf(err)
      }
    }
    void load()

    const off = api.onEvent((e) => {
      if (e.type !== 'metrics' || e.runId !== runId) return
      lastEvent = Date.now()
      this.pending.push(...e.points)
      if (this.loaded) this.flush.schedule()
    })
    const timer = setInterval(() => {
      if (active() && Date.now() - lastEvent > pollMs && !document.hidden) void load()
    }, pollMs)
    return () => {
      stale = true
      off()
      clearInterval(timer)
      this.flush.cancel()
    }
  }
}
