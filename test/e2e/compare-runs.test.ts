// The runs table's Compare with more runs selected than it sets side by side, in Chromium against
// `mimic serve` (1024 px, keyboard): it says that it compares the first 12 of the selected runs
// (it said "Comparing 12 runs" of 20 selected), and the comparison's tables keep the usual header
// cells (padded, not stuck to the top: the runs table's header rules reached them, and the runs'
// long names ran into each other). Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedRuns } from '../support/seedRuns.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('compare-runs', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('comparing selected runs', () => {
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
})
