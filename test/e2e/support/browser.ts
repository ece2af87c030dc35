// Debian's Chromium driven by playwright-core, plus helpers for UI tests: named steps that save a
// screenshot to test-results/ when they fail, and a pixel check that a chart really drew.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { e2eRoot } from './serve.ts'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

// The root tsconfig has no DOM lib: describe the little of a canvas these checks use.
interface CanvasLike {
  width: number
  height: number
  getContext(id: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null
}

export const resultsDir = join(e2eRoot, 'test-results')

/**
 * Runs a named step; on failure saves `test-results/<prefix>-<step>.png` and rethrows with the
 * step name and the screenshot path in the message.
 */
export function stepper(page: Page, prefix: string, diagnostics: () => string = () => '') {
  return async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      mkdirSync(resultsDir, { recursive: true })
      const file = join(resultsDir, `${prefix}-${name.replace(/[^\w-]+/g, '-').toLowerCase()}.png`)
      const shot = await page.screenshot({ path: file, fullPage: true }).then(
        () => `screenshot: ${file}`,
        (e: Error) => `no screenshot (${e.message})`,
      )
      const extra = diagnostics()
      const e = err instanceof Error ? err : new Error(String(err))
      e.message = `step "${name}" failed: ${e.message}\n${shot}${extra ? `\n${extra}` : ''}`
      throw e
    }
  }
}

/**
 * Counts the pixels of a chart's canvas whose colour is within `tolerance` of `rgb` (a series
 * stroke). Axes and grid lines are grey, so a count above zero means the series itself was drawn.
 */
export async function countColourPixels(chart: Locator, rgb: [number, number, number], tolerance = 40): Promise<number> {
  return chart.locator('canvas').first().evaluate(
    (canvas, [r, g, b, tol]) => {
      const c = canvas as unknown as CanvasLike
      const ctx = c.getContext('2d')
      if (!ctx || c.width === 0 || c.height === 0) return 0
      const px = ctx.getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 128 && Math.abs(px[i] - r) <= tol && Math.abs(px[i + 1] - g) <= tol && Math.abs(px[i + 2] - b) <= tol) n++
      }
      return n
    },
    [...rgb, tolerance] as const,
  )
}

/** Pixels that are neither transparent nor white (anything drawn at all). */
export async function countInkPixels(chart: Locator): Promise<number> {
  return chart.locator('canvas').first().evaluate((canvas) => {
    const c = canvas as unknown as CanvasLike
    const ctx = c.getContext('2d')
    if (!ctx || c.width === 0 || c.height === 0) return 0
    const px = ctx.getImageData(0, 0, c.width, c.height).data
    let n = 0
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250)) n++
    return n
  })
}
