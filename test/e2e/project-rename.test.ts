// Renaming a project in its row of the project list, in Chromium against `mimic serve`, with the
// keyboard only: Rename opens the field with the name selected, Escape cancels and gives the focus
// back to the Rename button, a name another project has is refused with the server's message (the
// field keeps the focus and nothing changes), and Enter saves. Creating a project with a taken name
// keeps the focus in the name field the same way. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('project-rename', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('project list: rename in place', () => {
  it('renames with Enter, cancels with Escape and refuses a taken name', async () => {
    const { page, step } = s
    const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) })
    const renameButton = (name: string) => page.getByRole('button', { name: `Rename project ${name}` })

    await step('two projects listed', async () => {
      s.cli(['projects', 'create', 'Bench A'])
      s.cli(['projects', 'create', 'Bench B'])
      await page.goto(s.served.url)
      await row('Bench A').waitFor()
      await row('Bench B').waitFor()
    })

    await step('Rename, then Escape: nothing changes and the focus is back on Rename', async () => {
      await renameButton('Bench A').focus()
      await page.keyboard.press('Enter')
      const field = page.getByRole('textbox', { name: 'New name for project Bench A' })
      await field.waitFor()
      expect(await isFocused(field)).toBe(true)
      // the current name is selected: typing replaces it
      expect(await field.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, 'Bench A'.length])
      await page.keyboard.type('Discarded')
      await page.keyboard.press('Escape')
      await field.waitFor({ state: 'detached' })
      expect(await isFocused(renameButton('Bench A'))).toBe(true)
      await row('Bench A').waitFor()
    })

    await step('a name another project has is refused: the message shows, the field keeps the focus', async () => {
      await page.keyboard.press('Enter')
      const field = page.getByRole('textbox', { name: 'New name for project Bench A' })
      await field.waitFor()
      await page.keyboard.type('Bench B')
      await page.keyboard.press('Enter')
      await page.getByRole('alert').filter({ hasText: 'A project named "Bench B" already exists' }).waitFor()
      expect(await isFocused(field)).toBe(true)
      expect(await field.getAttribute('aria-invalid')).toBe('true')
      const stored = await s.served.call<{ name: string }[]>('projects.list', {})
      expect(stored.map((p) => p.name).sort()).toEqual(['Bench A', 'Bench B'])
    })

    await step('Enter saves: the row shows the new name, the focus is back on its Rename button', async () => {
      await page.keyboard.press('Control+A')
      await page.keyboard.type('Bench A (chip 3)')
      await page.keyboard.press('Enter')
      await row('Bench A (chip 3)').waitFor()
      expect(await isFocused(renameButton('Bench A (chip 3)'))).toBe(true)
      const stored = await s.served.call<{ name: string }[]>('projects.list', {})
      expect(stored.map((p) => p.name).sort()).toEqual(['Bench A (chip 3)', 'Bench B'])
    })

    await step('a new project with a taken name: refused, and the focus stays in its name field', async () => {
      await page.getByRole('button', { name: 'New project' }).focus()
      await page.keyboard.press('Enter')
      const field = page.getByRole('textbox', { name: 'Project name' })
      await field.waitFor()
      await field.focus()
      await page.keyboard.type('Bench B')
      await page.keyboard.press('Enter')
      await page.getByRole('alert').filter({ hasText: 'A project named "Bench B" already exists' }).waitFor()
      expect(await isFocused(field)).toBe(true)
      const stored = await s.served.call<{ name: string }[]>('projects.list', {})
      expect(stored).toHaveLength(2)
    })
  })
})
