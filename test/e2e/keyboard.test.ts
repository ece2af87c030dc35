// The dimension picker from the keyboard, against a real `mimic serve`: the 64 checkboxes of a
// 64-dimension decoded trajectory are one tab stop in a labelled group; arrow keys, Home and End
// move within it, Space toggles, the group remembers where it was, and a dimension beyond the
// limit of 8 stays reachable but cannot be checked. Opening a run from the keyboard (or back and
// forward) leaves the focus on the run's heading once its page has loaded. The tag field keeps the
// focus through adding a tag (a refused one marks it), and a removed tag's × hands it back to the
// field; so does the note field through Ctrl+Enter. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { description, focusSettled, isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
let simulationId = 0
let projectId = 0

beforeAll(async () => {
  s = await openSession('keyboard', { width: 1024, height: 700 })
  const p = String((projectId = s.cli<{ id: number }>(['projects', 'create', 'Keyboard e2e']).id))
  const dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '2', '--seed', '3']).id
  const network = s.cli<{ id: number }>(['network', 'create', '--project', p, '--neurons', '80', '--dims', '64', '--seed', '4']).id
  simulationId = s.cli<{ id: number }>(['simulate', String(network), '--data', String(dataset), '--samples', '1', '--noise-std', '0.1', '--name', 'sim 64']).id
}, 60_000)

afterAll(async () => {
  await s?.close()
})

describe('dimension picker', () => {
  it('is one tab stop with arrow keys, Home, End and Space, in a labelled group', async () => {
    const { page, step } = s
    const group = page.getByRole('group', { name: /^Dimensions/ })
    const box = (d: number) => group.getByRole('checkbox', { name: `Dimensions ${d}`, exact: true })
    const focused = (): Promise<string> => page.evaluate('document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent?.trim() ?? ""') as Promise<string>

    await step('open the simulation page: 64 checkboxes in one labelled group, one of them a tab stop', async () => {
      await page.goto(`${s.served.url}#/runs/${simulationId}`)
      await page.getByRole('heading', { level: 1, name: 'sim 64' }).waitFor()
      await group.waitFor()
      expect(await group.getByRole('checkbox').count()).toBe(64)
      const stops = await group.getByRole('checkbox').evaluateAll((els) => els.filter((e) => (e as unknown as { tabIndex: number }).tabIndex >= 0).length)
      expect(stops, 'checkboxes in the tab order').toBe(1)
      // four dimensions are chosen at first
      for (const d of [0, 1, 2, 3]) expect(await box(d).isChecked()).toBe(true)
    })

    await step('Tab enters the group once and leaves it with the next Tab', async () => {
      // the last tab stop before the picker: the raster's plot (keyboard zoom and pan)
      await page.getByRole('application', { name: /^Spike raster/ }).focus()
      await page.keyboard.press('Tab')
      expect(await focused()).toBe('Dimensions 0')
      await page.keyboard.press('Tab')
      expect(await focused(), 'the stop after the group').toBe('First 8')
      await page.keyboard.press('Shift+Tab')
      expect(await focused()).toBe('Dimensions 0')
    })

    await step('arrows, Home and End move; Space toggles', async () => {
      await page.keyboard.press('ArrowRight')
      await page.keyboard.press('ArrowRight')
      expect(await focused()).toBe('Dimensions 2')
      await page.keyboard.press('ArrowLeft')
      expect(await focused()).toBe('Dimensions 1')
      await page.keyboard.press('ArrowDown')
      expect(await focused()).toBe('Dimensions 2')
      await page.keyboard.press('ArrowUp')
      expect(await focused()).toBe('Dimensions 1')
      await page.keyboard.press('End')
      expect(await focused()).toBe('Dimensions 63')
      await page.keyboard.press('ArrowRight')
      expect(await focused(), 'no wrap past the end').toBe('Dimensions 63')
      await page.keyboard.press('Space')
      expect(await box(63).isChecked()).toBe(true)
      await page.getByRole('group', { name: /^Dimensions \(5 of at most 8\)/ }).waitFor()
      await page.keyboard.press('Home')
      expect(await focused()).toBe('Dimensions 0')
      await page.keyboard.press('Space')
      expect(await box(0).isChecked()).toBe(false)
      await page.getByRole('figure', { name: /^Decoded trajectory/ }).getByText('x̃ 63', { exact: true }).waitFor()
    })

    await step('the group remembers the last focused checkbox', async () => {
      await page.keyboard.press('ArrowRight')
      await page.keyboard.press('ArrowRight')
      await page.keyboard.press('ArrowRight')
      expect(await focused()).toBe('Dimensions 3')
      await page.keyboard.press('Tab')
      expect(await focused()).toBe('First 8')
      await page.keyboard.press('Shift+Tab')
      expect(await focused()).toBe('Dimensions 3')
      const stops = await group.getByRole('checkbox').evaluateAll((els) => els.filter((e) => (e as unknown as { tabIndex: number }).tabIndex >= 0).length)
      expect(stops).toBe(1)
    })

    await step('beyond 8 dimensions a checkbox stays reachable but is not checked', async () => {
      // 1, 2, 3, 63 are chosen: choose 4 more, then try a ninth
      for (const d of [4, 5, 6, 7]) {
        await page.keyboard.press('ArrowRight')
        expect(await focused()).toBe(`Dimensions ${d}`)
        await page.keyboard.press('Space')
      }
      await page.getByRole('group', { name: /^Dimensions \(8 of at most 8\)/ }).waitFor()
      await page.keyboard.press('ArrowRight')
      expect(await focused(), 'an unchosen checkbox at the limit can still be reached').toBe('Dimensions 8')
      expect(await box(8).getAttribute('aria-disabled')).toBe('true')
      await page.keyboard.press('Space')
      expect(await box(8).isChecked()).toBe(false)
      await group.getByText('At most 8: uncheck one first.').waitFor()
    })
    expect(s.pageErrors).toEqual([])
  })
})

describe('focus after navigation', () => {
  it("is on the run's heading once the run has loaded, not on the page's body", async () => {
    const { page, step } = s
    const active = (): Promise<string> =>
      page.evaluate('(() => { const e = document.activeElement; return e === document.body ? "body" : e.tagName.toLowerCase() + " " + e.textContent.trim() })()') as Promise<string>
    const heading = page.getByRole('heading', { level: 1, name: 'sim 64' })

    await step('Enter on a run of the runs table', async () => {
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Keyboard e2e' }).waitFor()
      await page.getByRole('link', { name: 'sim 64' }).focus()
      await page.keyboard.press('Enter')
      await heading.waitFor()
      // "Loading run N…" took the focus first; the run's heading replaced it
      await focusSettled(page)
      expect(await active()).toBe('h1 sim 64')
      await page.keyboard.press('Tab')
      expect(await active(), 'Tab goes on from the heading, not back to the top of the page').not.toMatch(/Skip to content|Mimic Workbench/)
    })

    await step('back to the project, forward to the run', async () => {
      await page.goBack()
      await page.getByRole('heading', { level: 1, name: 'Keyboard e2e' }).waitFor()
      expect(await active()).toBe('h1 Keyboard e2e')
      await page.goForward()
      await heading.waitFor()
      await focusSettled(page)
      expect(await active()).toBe('h1 sim 64')
    })
    expect(s.pageErrors).toEqual([])
  })

  it('stays in the tag field when a tag is added or refused, and goes there when one is removed', async () => {
    const { page, step } = s
    const field = page.getByLabel('New tag')
    await page.goto(`${s.served.url}#/runs/${simulationId}`)
    await page.getByRole('heading', { level: 1, name: 'sim 64' }).waitFor()
    await step('a refused tag: said at the field, which keeps the focus', async () => {
      await field.focus()
      await page.keyboard.type('two words')
      await page.keyboard.press('Enter')
      await page.getByText('Tag must be one word without spaces or commas (received "two words").').waitFor()
      expect(await isFocused(field)).toBe(true)
      expect(await field.getAttribute('aria-invalid')).toBe('true')
      expect(await description(field)).toMatch(/Tag must be one word/)
    })
    await step('a good tag: added, the field empty and still focused for the next', async () => {
      await field.fill('checked')
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Remove tag checked' }).waitFor()
      expect(await field.inputValue()).toBe('')
      expect(await isFocused(field)).toBe(true)
      expect(await field.getAttribute('aria-invalid')).toBeNull()
    })
    await step('a note by Ctrl+Enter: added, the note field empty and still focused', async () => {
      const note = page.getByLabel('New note')
      await note.focus()
      await page.keyboard.type('first look: fine')
      await page.keyboard.press('Control+Enter')
      await page.getByText('first look: fine').waitFor()
      expect(await note.inputValue()).toBe('')
      expect(await isFocused(note)).toBe(true)
    })
    await step("the tag's × from the keyboard: removed, the focus in the field", async () => {
      await page.getByRole('button', { name: 'Remove tag checked' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Remove tag checked' }).waitFor({ state: 'detached' })
      await focusSettled(page)
      expect(await isFocused(field)).toBe(true)
    })
    expect(s.pageErrors).toEqual([])
  })
})
