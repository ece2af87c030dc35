// Interaction plugins for the chart wrapper. Drag-to-zoom (x) and double-click-to-reset come with
// uPlot; these add Ctrl/⌘ + wheel (or trackpad pinch) zoom around the cursor and Shift-drag or
// middle-drag panning, for long recordings and spike rasters. Plain wheel keeps scrolling the page.
import type uPlot from 'uplot'

export interface ZoomPanOptions {
  /** zoom factor per wheel notch */
  factor?: number
  /** also zoom/pan y */
  y?: boolean
  /** called when the user changes the view (so the wrapper keeps the zoom on data updates) */
  onUserZoom?: (zoomed: boolean) => void
}

export function zoomPanPlugin(opts: ZoomPanOptions = {}): uPlot.Plugin {
  const factor = opts.factor ?? 0.8
  return {
    hooks: {
      ready: (u) => {
        const over = u.over
        const scaleKeysY = (): string[] => (opts.y ? Object.keys(u.scales).filter((k) => k !== 'x' && u.scales[k].min != null) : [])

        over.addEventListener(
          'wheel',
          (e) => {
            if (!(e.ctrlKey || e.metaKey)) return
            e.preventDefault()
            const rect = over.getBoundingClientRect()
            const z = e.deltaY < 0 ? factor : 1 / factor
            const zoomScale = (key: string, frac: number): void => {
              const s = u.scales[key]
              if (s.min == null || s.max == null) return
              const at = s.min + frac * (s.max - s.min)
              u.setScale(key, { min: at - (at - s.min) * z, max: at + (s.max - at) * z })
            }
            u.batch(() => {
              zoomScale('x', (e.clientX - rect.left) / rect.width)
              for (const k of scaleKeysY()) zoomScale(k, 1 - (e.clientY - rect.top) / rect.height)
            })
            opts.onUserZoom?.(true)
          },
          { passive: false },
        )

        over.addEventListener(
          'mousedown',
          (e) => {
            if (!(e.shiftKey || e.button === 1)) return
            e.preventDefault()
            e.stopImmediatePropagation()
            const x0 = u.scales.x.min
            const x1 = u.scales.x.max
            if (x0 == null || x1 == null) return
            const yKeys = scaleKeysY().map((k) => ({ k, min: u.scales[k].min as number, max: u.scales[k].max as number }))
            const startX = e.clientX
            const startY = e.clientY
            const rect = over.getBoundingClientRect()
            const move = (m: MouseEvent): void => {
              const dx = ((m.clientX - startX) / rect.width) * (x1 - x0)
              u.batch(() => {
                u.setScale('x', { min: x0 - dx, max: x1 - dx })
                for (const y of yKeys) {
                  const dy = ((m.clientY - startY) / rect.height) * (y.max - y.min)
                  u.setScale(y.k, { min: y.min + dy, max: y.max + dy })
                }
              })
              opts.onUserZoom?.(true)
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

        over.addEventListener('dblclick', () => opts.onUserZoom?.(false))
      },
      setSelect: (u) => {
        if (u.select.width > 0) opts.onUserZoom?.(true)
      },
    },
  }
}
