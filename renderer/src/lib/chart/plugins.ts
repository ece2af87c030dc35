// Interaction plugins for the chart wrapper. Drag-to-zoom (x) and double-click-to-reset come with
// uPlot; these add Ctrl/⌘ + wheel (or trackpad pinch) zoom around the cursor, Shift-drag or
// middle-drag panning, keyboard zoom/pan (see `viewControls`), and horizontal guide lines. Plain
// wheel keeps scrolling the page. Wheel and drag events arrive faster than frames: they update a
// pending view, applied once per animation frame (one redraw per frame however fast the input).
import type uPlot from 'uplot'

export interface ZoomPanOptions {
  /** zoom factor per wheel notch */
  factor?: number
  /** also zoom/pan y */
  y?: boolean
  /** called when the user changes the view (so the wrapper keeps the zoom on data updates) */
  onUserZoom?: (zoomed: boolean) => void
  /** called after a user change of the x range (for charts that follow each other) */
  onUserRange?: (u: uPlot) => void
}

interface Range {
  min: number
  max: number
}

/** The pending view of a chart: scale key -> range, applied on the next frame. */
class PendingView {
  private readonly u: uPlot
  private target = new Map<string, Range>()
  private frame = 0
  private readonly after: () => void

  constructor(u: uPlot, after: () => void) {
    this.u = u
    this.after = after
  }

  /** The range a scale will have after pending changes. */
  get(key: string): Range | null {
    const t = this.target.get(key)
    if (t) return t
    const s = this.u.scales[key]
    return s && s.min != null && s.max != null ? { min: s.min, max: s.max } : null
  }

  set(key: string, r: Range): void {
    if (!(Number.isFinite(r.min) && Number.isFinite(r.max) && r.max > r.min)) return
    this.target.set(key, r)
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0
        const t = this.target
        this.target = new Map()
        this.u.batch(() => {
          for (const [k, v] of t) this.u.setScale(k, v)
        })
        this.after()
      })
    }
  }

  cancel(): void {
    if (this.frame) cancelAnimationFrame(this.frame)
    this.frame = 0
    this.target.clear()
  }
}

const views = new WeakMap<uPlot, { view: PendingView; yKeys: () => string[] }>()

function yKeysOf(u: uPlot, withY: boolean): string[] {
  return withY ? Object.keys(u.scales).filter((k) => k !== 'x' && u.scales[k].min != null) : []
}

/** Zoom by `z` (< 1 zooms in) around the fractions (fx, fy) of the plot area. */
export function zoomAt(u: uPlot, z: number, fx = 0.5, fy = 0.5): void {
  const v = views.get(u)
  if (!v) return
  const zoom = (key: string, frac: number): void => {
    const r = v.view.get(key)
    if (!r) return
    const at = r.min + frac * (r.max - r.min)
    v.view.set(key, { min: at - (at - r.min) * z, max: at + (r.max - at) * z })
  }
  zoom('x', fx)
  for (const k of v.yKeys()) zoom(k, fy)
}

/** Pan by fractions of the visible range (dx > 0 moves the view right, dy > 0 up). */
export function panBy(u: uPlot, dx: number, dy = 0): void {
  const v = views.get(u)
  if (!v) return
  const pan = (key: string, d: number): void => {
    const r = v.view.get(key)
    if (!r || d === 0) return
    const w = r.max - r.min
    v.view.set(key, { min: r.min + d * w, max: r.max + d * w })
  }
  pan('x', dx)
  for (const k of v.yKeys()) pan(k, dy)
}

export function zoomPanPlugin(opts: ZoomPanOptions = {}): uPlot.Plugin {
  const factor = opts.factor ?? 0.8
  let pendingSelect = false
  return {
    hooks: {
      ready: (u) => {
        const over = u.over
        const view = new PendingView(u, () => {
          opts.onUserZoom?.(true)
          opts.onUserRange?.(u)
        })
        views.set(u, { view, yKeys: () => yKeysOf(u, !!opts.y) })

        over.addEventListener(
          'wheel',
          (e) => {
            if (!(e.ctrlKey || e.metaKey)) return
            e.preventDefault()
            const rect = over.getBoundingClientRect()
            // trackpads send many small deltas: scale the step by the delta (one notch ≈ 100)
            const notches = Math.max(-3, Math.min(3, e.deltaY / (e.deltaMode === 1 ? 3 : 100)))
            zoomAt(u, Math.pow(1 / factor, notches), (e.clientX - rect.left) / rect.width, 1 - (e.clientY - rect.top) / rect.height)
          },
          { passive: false },
        )

        over.addEventListener(
          'mousedown',
          (e) => {
            if (!(e.shiftKey || e.button === 1)) return
            e.preventDefault()
            e.stopImmediatePropagation()
            const x0 = view.get('x')
            if (!x0) return
            const ys = yKeysOf(u, !!opts.y).map((k) => ({ k, r: view.get(k) }))
            const startX = e.clientX
            const startY = e.clientY
            const rect = over.getBoundingClientRect()
            const move = (m: MouseEvent): void => {
              const dx = ((m.clientX - startX) / rect.width) * (x0.max - x0.min)
              view.set('x', { min: x0.min - dx, max: x0.max - dx })
              for (const { k, r } of ys) {
                if (!r) continue
                const dy = ((m.clientY - startY) / rect.height) * (r.max - r.min)
                view.set(k, { min: r.min + dy, max: r.max + dy })
              }
            }
            const up = (): void => {
              window.removeEventListener('mousemove', move)
              window.removeEventListener('mouseup', up)
            }
            window.addEventListener('mousemove', move)
            window.addEventListener('mouseup', up)
          },
          { capture: true },
        )

        over.addEventListener('dblclick', () => {
          view.cancel()
          opts.onUserZoom?.(false)
        })
      },
      setSelect: (u) => {
        if (u.select.width > 0) pendingSelect = true
      },
      setScale: (u, key) => {
        if (key !== 'x' || !pendingSelect) return
        pendingSelect = false
        opts.onUserZoom?.(true)
        opts.onUserRange?.(u)
      },
      destroy: (u) => {
        views.get(u)?.view.cancel()
        views.delete(u)
      },
    },
  }
}

/** Horizontal guide lines at fixed y values (decision thresholds, zero lines). */
export function guidesPlugin(values: readonly number[], stroke = '#8a93a0', dash: number[] = [4, 4]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx
        const { left, width, top, height } = u.bbox
        ctx.save()
        ctx.beginPath()
        ctx.rect(left, top, width, height)
        ctx.clip()
        ctx.strokeStyle = stroke
        ctx.lineWidth = Math.max(1, devicePixelRatio)
        ctx.setLineDash(dash.map((d) => d * devicePixelRatio))
        for (const v of values) {
          const y = Math.round(u.valToPos(v, 'y', true)) + 0.5
          if (y < top || y > top + height) continue
          ctx.beginPath()
          ctx.moveTo(left, y)
          ctx.lineTo(left + width, y)
          ctx.stroke()
        }
        ctx.restore()
      },
    },
  }
}

/**
 * Charts that share a key follow each other's x range (zoom one, the others zoom too). A chart
 * registers a handler; null means "reset to the full range".
 */
type RangeHandler = (range: Range | null) => void
const groups = new Map<string, Set<RangeHandler>>()

export const xSync = {
  join(key: string, fn: RangeHandler): () => void {
    let g = groups.get(key)
    if (!g) groups.set(key, (g = new Set()))
    g.add(fn)
    return () => {
      g.delete(fn)
      if (g.size === 0) groups.delete(key)
    }
  },
  publish(key: string, from: RangeHandler, range: Range | null): void {
    for (const fn of groups.get(key) ?? []) if (fn !== from) fn(range)
  },
}
