// The runs table of a project in Chromium against `mimic serve` (1024 px, keyboard). Back from a
// run opened from a filtered, scrolled table (and a reload) brings the query and the table's
// scroll back (they were lost: the whole table from its top). Compare with more runs selected than
// it sets side by side says that it compares the first 12 of the selected runs
// (it said "Comparing 12 runs" of 20 selected), and the comparison's tables keep the usual header
// cells (padded, not stuck to the top: the runs table's header rules reached them, and the runs'
// long names ran into each other). The selection bar's buttons that go away or wait for a call keep
// the keyboard focus nearby (it fell to the page's body). Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedRuns } from '../support/seedRuns.ts'
import { focusSettled } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('runs-explorer', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('runs table', () => {
  it('says how many of the selected runs it compares, with readable headers', async () => {
    const { page, step } = s
    const seeded = seedRuns(s.served.db, 20, 'Compare e2e')
    await page.goto(`${s.served.url}#/projects/${seeded.projectId}`)
    await page.getByText('20 of 20 runs').waitFor()
    await step('select all, then Compare from the keyboard', async () => {
      await page.getByLabel('Select all shown runs').focus()
      await page.keyboard.press('Space')
      await page.getByText('20 selected').waitFor()
      await page.getByRole('button', { name: 'Compare' }).focus()
      await page.keyboard.press('Enter')
    })
    const comparison = page.getByRole('region', { name: 'Comparison' })
    await step('the heading says 12 of the 20 selected', async () => {
      const heading = comparison.getByRole('heading', { level: 3 })
      await heading.waitFor()
      expect((await heading.innerText()).replace(/\s+/g, ' ')).toBe('Comparing 12 runs: the first 12 of the 20 selected (at most 12 side by side)')
    })
    await step("the comparison's header cells are padded and not sticky", async () => {
      const cells = (await comparison.locator('thead th').evaluateAll((ths) =>
        ths.map((th) => {
          const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { paddingLeft: string; position: string } }).getComputedStyle(th)
          return { text: (th as unknown as { textContent: string }).textContent.trim().slice(0, 30), padding: Number.parseFloat(cs.paddingLeft), position: cs.position }
        }),
      )) as { text: string; padding: number; position: string }[]
      expect(cells.length).toBeGreaterThan(12)
      for (const c of cells) {
        expect(c.padding, `padding of "${c.text}"`).toBeGreaterThan(4)
        expect(c.position, `position of "${c.text}"`).toBe('static')
      }
    })
    expect(s.pageErrors).toEqual([])
  })

  it('brings back the query and the scrolled table on Back from a run, and on a reload', async () => {
    const { page, step } = s
    const seeded = seedRuns(s.served.db, 120, 'Back e2e')
    const state = async (): Promise<{ query: string; scrollTop: number }> =>
      (await page.evaluate(`({ query: document.querySelector('input[aria-label="Filter runs"]').value, scrollTop: document.querySelector('[aria-label="Runs table, scrollable"]').scrollTop })`)) as { query: string; scrollTop: number }
    let before = { query: '', scrollTop: 0 }
    let opened = ''
    await step('filter, scroll the table down, open a run', async () => {
      await page.goto(`${s.served.url}#/projects/${seeded.projectId}`)
      await page.getByText('120 of 120 runs').waitFor()
      await page.getByLabel('Filter runs').fill('kind:ads')
      await page.getByText(/^108 of 120 runs$/).waitFor()
      await page.getByRole('region', { name: 'Runs table, scrollable' }).evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 1200))
      await page.waitForTimeout(600)
      before = await state()
      expect(before.scrollTop).toBeGreaterThan(1000)
      const link = page.getByRole('region', { name: 'Runs table, scrollable' }).getByRole('link').filter({ hasText: /^ads / }).nth(10)
      opened = (await link.textContent())!.trim()
      await link.focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: opened }).waitFor()
    })
    await step('Back: the same query, the table where it was', async () => {
      await page.goBack()
      await page.getByText(/^108 of 120 runs$/).waitFor()
      await page.getByRole('link', { name: opened, exact: true }).waitFor()
      expect(await state()).toEqual(before)
    })
    await step('reload: the same again', async () => {
      await page.reload()
      await page.getByText(/^108 of 120 runs$/).waitFor()
      await page.getByRole('link', { name: opened, exact: true }).waitFor()
      expect(await state()).toEqual(before)
    })
    await step('the project opened afresh from the breadcrumbs: the whole table from its top', async () => {
      await page.getByRole('link', { name: opened, exact: true }).click()
      await page.getByRole('heading', { level: 1, name: opened }).waitFor()
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Back e2e' }).click()
      await page.getByText('120 of 120 runs').waitFor()
      expect(await state()).toEqual({ query: '', scrollTop: 0 })
    })
    expect(s.pageErrors).toEqual([])
  })

  it("keeps the keyboard focus in the selection bar's Delete…, Cancel, Archive and Clear selection", async () => {
    const { page, step } = s
    const seeded = seedRuns(s.served.db, 6, 'Bar focus e2e')
    await page.goto(`${s.served.url}#/projects/${seeded.projectId}`)
    await page.getByText('6 of 6 runs').waitFor()
    const active = (): Promise<string> =>
      page.evaluate('(() => { const e = document.activeElement; return !e || e === document.body ? "body" : (e.getAttribute("aria-label") ?? e.textContent.trim()) })()') as Promise<string>
    await page.getByLabel('Select all shown runs').focus()
    await page.keyboard.press('Space')
    await page.getByText('6 selected').waitFor()
    await step('Delete… gives way to Delete 6, which takes the focus; Cancel gives it back to Delete…', async () => {
      await page.getByRole('button', { name: 'Delete…' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Delete 6' }).waitFor()
      await focusSettled(page)
      expect(await active()).toBe('Delete 6')
      await page.keyboard.press('Tab')
      expect(await active()).toBe('Cancel')
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Delete…' }).waitFor()
      await focusSettled(page)
      expect(await active()).toBe('Delete…')
    })
    await step('the same, ten times as fast as the keys go: the focus never falls to the select-all box', async () => {
      // (Delete N, left for Cancel by Tab, used to hand the focus on when Cancel's Enter removed both
      // before its blur check ran: from the second or third round on, here)
      for (let round = 0; round < 10; round++) {
        await page.keyboard.press('Enter')
        await page.getByRole('button', { name: 'Delete 6' }).waitFor()
        await focusSettled(page)
        expect(await active(), `round ${round}`).toBe('Delete 6')
        await page.keyboard.press('Tab')
        await page.keyboard.press('Enter')
        await page.getByRole('button', { name: 'Delete…' }).waitFor()
        await focusSettled(page)
        expect(await active(), `round ${round}`).toBe('Delete…')
      }
    })
    await step('Archive keeps the focus once its call is done', async () => {
      await page.getByRole('button', { name: 'Archive', exact: true }).focus()
      await page.keyboard.press('Enter')
      await page.getByText('0 of 6 runs').waitFor()
      await focusSettled(page)
      expect(await active()).not.toBe('body')
    })
    await step('Clear selection: the bar goes, the focus moves to Select all', async () => {
      await page.getByRole('button', { name: 'Clear selection' }).focus()
      await page.keyboard.press('Enter')
      await page.getByText(/\d+ selected/).waitFor({ state: 'detached' })
      await focusSettled(page)
      expect(await active()).toBe('Select all shown runs')
    })
    expect(s.pageErrors).toEqual([])
  })
})
