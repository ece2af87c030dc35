/// <reference lib="dom" />
// Measures the runs table of a project page in Chromium: time to first paint of its rows, filter
// latency from a keystroke to the new count in the page, and scrolling to the end. Used by the e2e
// test (with bounds) and by `npm run bench` (figures).
import type { Page } from 'playwright-core'

export interface RunsTableFigures {
  runs: number
  /** from navigation to the first rows painted */
  firstPaintMs: number
  /** from an input event in the filter box to the count changing in the page (median of 5) */
  filterMs: number
  /** the filter and sort computation itself, as the page measured it */
  filterComputeMs: number
  /** from setting scrollTop to the end to the last row being in the page */
  scrollToEndMs: number
  rowsInPage: number
  lastRowShown: boolean
}

export async function measureRunsTable(page: Page, url: string, runs: number): Promise<RunsTableFigures> {
  const t0 = Date.now()
  await page.goto(url)
  await page.getByText(`${runs} of ${runs} runs`).waitFor({ timeout: 60_000 })
  await page.locator('.scroller tbody tr:not(.spacer)').first().waitFor()
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))))
  const firstPaintMs = Date.now() - t0
  // each narrows the 10⁴ runs (the count must change for the time to be taken)
  const words = ['neurons>=768', 'unusual', 'teacher', 'accuracy>0.9', 'status=failed']
  const times: number[] = []
  let compute = 0
  for (const w of words) {
    const r = await page.evaluate(async (word) => {
      const input = document.querySelector('input[aria-label="Filter runs"]') as HTMLInputElement
      const count = document.querySelector('[data-filter-ms]') as HTMLElement
      const before = count.textContent
      const start = performance.now()
      const changed = new Promise<number>((resolve) => {
        const obs = new MutationObserver(() => {
          if (count.textContent !== before) {
            obs.disconnect()
            resolve(performance.now() - start)
          }
        })
        obs.observe(count, { childList: true, characterData: true, subtree: true })
        setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000)
      })
      input.value = word
      input.dispatchEvent(new Event('input', { bubbles: true }))
      const ms = await changed
      await new Promise((res) => requestAnimationFrame(() => res(null)))
      return { ms, compute: Number(count.dataset.filterMs) }
    }, w)
    times.push(r.ms)
    compute = Math.max(compute, r.compute)
    await page.evaluate(() => {
      const input = document.querySelector('input[aria-label="Filter runs"]') as HTMLInputElement
      input.value = ''
      input.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await page.getByText(`${runs} of ${runs} runs`).waitFor()
  }
  times.sort((a, b) => a - b)
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('.scroller') as HTMLElement
    const start = performance.now()
    el.scrollTop = el.scrollHeight
    for (let i = 0; i < 20; i++) {
      await new Promise((res) => requestAnimationFrame(() => res(null)))
      const rows = el.querySelectorAll('tbody tr:not(.spacer)')
      const lastIndex = Number(rows[rows.length - 1]?.getAttribute('aria-rowindex'))
      if (lastIndex === Number(el.querySelector('table')?.getAttribute('aria-rowcount'))) return { ms: performance.now() - start, rows: rows.length, last: true }
    }
    return { ms: performance.now() - start, rows: el.querySelectorAll('tbody tr:not(.spacer)').length, last: false }
  })
  return { runs, firstPaintMs, filterMs: times[Math.floor(times.length / 2)], filterComputeMs: compute, scrollToEndMs: scroll.ms, rowsInPage: scroll.rows, lastRowShown: scroll.last }
}
