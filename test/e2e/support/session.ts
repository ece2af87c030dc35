// One browser session against one `mimic serve` per test file: the page, named steps that save a
// screenshot on failure, console/page errors collected, the CLI on the same database, and small
// waits the chart checks need.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { beforeEach } from 'vitest'
import { mimic } from '../../support/cli.ts'
import { cleanupTemp } from '../../support/tmp.ts'
import { countColourPixels, countInkPixels, launchChromium, resultsDir, stepper } from './browser.ts'
import { startServe, type Served } from './serve.ts'

export interface Session {
  served: Served
  browser: Browser
  page: Page
  pageErrors: string[]
  step: ReturnType<typeof stepper>
  /** with MIMIC_E2E_SHOTS=1, saves test-results/<prefix>-<name>.png of the whole page (for review) */
  shot(name: string): Promise<void>
  /** runs `mimic --db <this server's db> --json ...args` and returns the parsed JSON */
  cli<T = Record<string, unknown>>(args: string[]): T
  close(): Promise<void>
}

// A test that failed gets its second try (vitest.config.mts) against a fresh database and server, as
// its first had: what the first try stored (a project of the same name...) must not fail the second.
let restart: (() => Promise<void>) | null = null
// (only under vitest: bench/runs-table.ts opens a session too)
if (process.env.VITEST)
  beforeEach(async ({ task }) => {
    if ((task.result?.retryCount ?? 0) > 0 && restart) await restart()
  })

export async function openSession(prefix: string, viewport = { width: 1400, height: 1000 }): Promise<Session> {
  const served = await startServe()
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport })
  page.setDefaultTimeout(10_000)
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) pageErrors.push(m.text())
  })
  const step = stepper(page, prefix, () => `server stderr:\n${session.served.stderr().slice(-2000)}\npage errors: ${pageErrors.join(' | ') || 'none'}`)
  const session: Session = {
    served,
    browser,
    page,
    pageErrors,
    step,
    async shot(name: string) {
      if (!process.env.MIMIC_E2E_SHOTS) return
      mkdirSync(resultsDir, { recursive: true })
      // the page scrolls inside <main>: grow the viewport to the content for a whole-page picture
      const height = await page.evaluate('Math.max(document.querySelector("main")?.scrollHeight ?? 0, innerHeight) + 120')
      const size = page.viewportSize() ?? viewport
      await page.setViewportSize({ width: size.width, height: Math.min(6000, Number(height)) })
      await frames(page, 3)
      await page.screenshot({ path: join(resultsDir, `${prefix}-${name}.png`) })
      await page.setViewportSize(size)
    },
    cli<T>(args: string[]): T {
      const r = mimic(['--db', session.served.db, '--json', ...args])
      if (r.code !== 0) throw new Error(`mimic ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(-1500)}`)
      return JSON.parse(r.stdout) as T
    },
    async close() {
      restart = null
      await browser?.close()
      await session.served?.stop()
      cleanupTemp()
    },
  }
  restart = async () => {
    await page.goto('about:blank')
    await session.served.stop()
    session.served = await startServe()
    pageErrors.length = 0
  }
  return session
}

/** The chart wrapper hands data to uPlot on the next animation frame: wait for two frames. */
export async function frames(page: Page, n = 2): Promise<void> {
  for (let i = 0; i < n; i++) await page.evaluate('new Promise((r) => requestAnimationFrame(r))')
}

/** Waits until a chart's canvas has at least `min` pixels of colour `rgb` (series drawn). */
export async function waitForColour(page: Page, chart: Locator, rgb: [number, number, number], min: number, timeoutMs = 8000): Promise<number> {
  await chart.locator('canvas').first().waitFor()
  const until = Date.now() + timeoutMs
  let n = 0
  for (;;) {
    await frames(page)
    n = await countColourPixels(chart, rgb)
    if (n >= min || Date.now() > until) return n
    await page.waitForTimeout(100)
  }
}

export { countColourPixels, countInkPixels }

export function hex(c: string): [number, number, number] {
  const v = Number.parseInt(c.replace('#', ''), 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255]
}
