// The runs table at 10⁴ runs in Chromium against `mimic serve` (1024 px, keyboard): time to first
// paint of the rows, filter latency (bound: 100 ms from the keystroke to the table showing the new
// count), scrolling to the end with only the rows in view in the page, sort by a parameter, saved
// views, grouping with statistics, compare, bulk tag and a bulk delete refused for runs that others
// depend on. Needs a built renderer. The same measurements, with figures, run in `npm run bench`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, type Session } from './support/session.ts'
import { seedRuns } from '../support/seedRuns.ts'
import { measureRunsTable } from './support/runsTable.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('runs-scale', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('runs table at 10⁴ runs', () => {
  it('paints, filters within 100 ms, scrolls to the end, sorts, groups, compares, tags and refuses a delete', async () => {
    const { page, step } = s
    const seeded = seedRuns(s.served.db, 10_000)
    let figures: Awaited<ReturnType<typeof measureRunsTable>> | undefined
    await step('first paint, filter latency and scrolling', async () => {
      figures = await measureRunsTable(page, `${s.served.url}#/projects/${seeded.projectId}`, 10_000)
      expect(figures.firstPaintMs).toBeLessThan(10_000)
      expect(figures.filterMs).toBeLessThan(100)
      expect(figures.filterComputeMs).toBeLessThan(100)
      expect(figures.rowsInPage).toBeLessThan(80) // virtualised
      expect(figures.lastRowShown).toBe(true)
      await s.shot('scrolled-to-end')
    })
    await step('filter by a parameter and free text in notes; sort by a parameter', async () => {
      const filter = page.getByLabel('Filter runs')
      await filter.fill('neurons>=1024 kind:ads')
      await page.getByText(/^\d+ of 10000 runs$/).waitFor()
      const count = Number((await page.locator('[data-filter-ms]').textContent())!.split(' ')[0])
      expect(count).toBe(Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 10 !== 0 && i % 3 === 2).length)
      await filter.fill('unusual')
      await page.getByText('10 of 10000 runs').waitFor()
      await filter.fill('')
      await page.getByLabel('Extra columns').fill('neurons')
      const header = page.getByRole('button', { name: /^Neurons/ })
      await header.focus()
      await page.keyboard.press('Enter')
      await page.keyboard.press('Enter')
      expect(await page.locator('th[aria-sort="descending"]').textContent()).toMatch(/Neurons/)
      await s.shot('sorted-by-neurons')
    })
    await step('save a view and get it back', async () => {
      await page.getByLabel('Filter runs').fill('status=failed')
      await page.getByLabel('Name of the view to save').fill('failures')
      await page.keyboard.press('Enter')
      await page.getByLabel('Filter runs').fill('')
      await page.getByLabel('Saved view').selectOption('failures')
      expect(await page.getByLabel('Filter runs').inputValue()).toBe('status=failed')
      await page.getByText(`${Math.ceil(10_000 / 97)} of 10000 runs`).waitFor()
      await page.getByLabel('Filter runs').fill('')
    })
    await step('group by a parameter: mean ± sd and median [IQR] per group', async () => {
      await page.getByLabel('Group by columns').fill('neurons')
      const groups = page.getByRole('region', { name: 'Groups' })
      await groups.getByText('neurons=320').waitFor()
      expect(await groups.locator('table.table tbody tr').count()).toBe(3)
      // and as a chart: one point per group for the chosen summary figure (median, quartiles, mean)
      const figure = page.getByLabel('Figure drawn per group')
      const chosen = await figure.inputValue()
      const chart = groups.getByRole('figure', { name: /per group: median, quartiles and mean/ })
      await chart.locator('canvas').waitFor()
      expect(await chart.getAttribute('aria-label')).toContain('per group')
      const options = await figure.locator('option').allTextContents()
      expect(options.length).toBeGreaterThan(1)
      await figure.selectOption({ index: 1 })
      expect(await figure.inputValue()).not.toBe(chosen)
      await chart.locator('canvas').waitFor()
      await s.shot('grouped')
      await page.getByLabel('Group by columns').fill('')
    })
    await step('select runs with the keyboard, compare, tag them, and have a delete refused for a teacher others depend on', async () => {
      await page.getByLabel('Filter runs').fill(`id=${seeded.firstId}`)
      await page.getByText('1 of 10000 runs').waitFor()
      const teacherBox = page.getByLabel(`Select run ${seeded.firstId}`)
      await teacherBox.focus()
      await page.keyboard.press('Space')
      await page.getByLabel('Filter runs').fill(`id=${seeded.firstId + 1}`)
      await page.getByText(/^1 of 10000 runs$/).waitFor()
      await page.getByLabel(`Select run ${seeded.firstId + 1}`).focus()
      await page.keyboard.press('Space')
      await page.getByText('2 selected').waitFor()
      await page.getByRole('button', { name: 'Compare' }).focus()
      await page.keyboard.press('Enter')
      const cmp = page.getByRole('region', { name: 'Comparison' })
      await cmp.getByRole('table', { name: 'Differing parameters' }).getByText('Neurons').waitFor()
      // lineage side by side: the network ADS names its teacher
      await cmp.getByRole('table', { name: 'Differing parameters' }).getByRole('link', { name: `run ${seeded.firstId}` }).waitFor()
      await s.shot('compare')
      await page.getByLabel('Tag for the selected runs').fill('reviewed')
      await page.keyboard.press('Enter')
      await page.getByText('Added tag “reviewed” to 2 runs.').waitFor()
      await page.getByRole('button', { name: 'Delete…' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Delete 2' }).focus()
      await page.keyboard.press('Enter')
      await page.getByText(/Deleted 1 run; 1 kept/).waitFor()
      await page.getByText(new RegExp(`Run ${seeded.firstId} was kept: ads run ${seeded.firstId + 2} .*ads run ${seeded.firstId + 3} `)).waitFor()
      const kept = await s.served.call<{ id: number; tags: string[] }>('runs.get', { id: seeded.firstId })
      expect(kept.tags).toContain('reviewed')
      await s.shot('delete-refused')
    })
    console.log(`runs table at 10⁴: ${JSON.stringify(figures)}`)
  }, 180_000)
})
