// Run management on a run's page, in Chromium against `mimic serve`, keyboard first: the accuracy
// tiles say how many samples reached no decision; rename; "Run again with these parameters" opens
// the form of the run's kind filled from it (seed included, clearable) and starts a new run; delete
// names the runs derived from the run and deletes exactly those with it. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('run-management', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

interface Run {
  id: number
  name: string
  seed: number | null
  params: Record<string, unknown>
  summary: Record<string, number>
  parents: { id: number; role: string }[]
  children: { id: number }[]
}

describe('run page: results, rename, run again, delete', () => {
  it('manages a teacher and the evaluations derived from it', async () => {
    const { page, step } = s
    const ids = { project: 0, dataset: 0, teacher: 0, evalA: 0, evalB: 0, again: 0 }

    await step('prepare a teacher and two evaluations of it with the CLI', async () => {
      const p = String((ids.project = s.cli<{ id: number }>(['projects', 'create', 'Manage e2e']).id))
      ids.dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '20', '--seed', '2', '--name', 'xor 20']).id
      ids.teacher = s.cli<{ id: number }>(
        ['train', 'teacher', '--project', p, '--units', '8', '--epochs', '1', '--samples-per-epoch', '10', '--validation-samples', '0', '--test-samples', '10', '--seed', '1', '--name', 'tiny teacher'],
      ).id
      ids.evalA = s.cli<{ id: number }>(['eval', String(ids.teacher), '--dataset', String(ids.dataset), '--seed', '5', '--name', 'eval A']).id
      ids.evalB = s.cli<{ id: number }>(['eval', String(ids.teacher), '--dataset', String(ids.dataset), '--name', 'eval B']).id
    })

    await step('accuracy tiles say how many samples reached no decision', async () => {
      const teacher = await s.served.call<Run>('runs.get', { id: ids.teacher })
      await page.goto(`${s.served.url}#/runs/${ids.teacher}`)
      await page.getByRole('heading', { level: 1, name: 'tiny teacher' }).waitFor()
      const test = page.locator('[data-stat="testAccuracy"]')
      await test.getByText(`10 fresh samples · ${teacher.summary.testUndecided} of 10 undecided`).waitFor()
      const ev = await s.served.call<Run>('runs.get', { id: ids.evalA })
      expect(ev.summary.undecided).toBeGreaterThan(0) // an untrained teacher: most samples undecided
      await page.goto(`${s.served.origin}/#/runs/${ids.evalA}`)
      await page.getByRole('heading', { level: 1, name: 'eval A' }).waitFor()
      await page.getByLabel('Evaluation scores').locator('[data-stat="accuracy"]').getByText(`${ev.summary.undecided} of 20 undecided`).waitFor()
    })

    await step('rename the evaluation with the keyboard', async () => {
      await page.getByRole('button', { name: 'Rename' }).focus()
      await page.keyboard.press('Enter')
      const input = page.getByLabel('New name for run eval A')
      expect(await isFocused(input)).toBe(true)
      await page.keyboard.press('Control+A')
      await page.keyboard.type('eval A (seed 5)')
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'eval A (seed 5)' }).waitFor()
      expect((await s.served.call<Run>('runs.get', { id: ids.evalA })).name).toBe('eval A (seed 5)')
      // the focus goes back to the Rename button
      expect(await isFocused(page.getByRole('button', { name: 'Rename' }))).toBe(true)
    })

    await step('run again: the evaluation form opens filled from the run, seed included', async () => {
      await page.getByRole('link', { name: 'Run again with these parameters' }).click()
      const form = page.getByRole('form', { name: /New evaluation/ })
      await form.waitFor()
      await form.getByText('Filled in from run').waitFor()
      // the run pickers offer the project's runs once its run list has loaded (later than the run, under load)
      await form.getByLabel('Trained network run').locator(`option[value="${ids.teacher}"]`).waitFor({ state: 'attached' })
      await form.getByLabel('Dataset run').locator(`option[value="${ids.dataset}"]`).waitFor({ state: 'attached' })
      expect(await form.getByLabel('Trained network run').inputValue()).toBe(String(ids.teacher))
      expect(await form.getByLabel('Dataset run').inputValue()).toBe(String(ids.dataset))
      expect(await form.getByLabel('Seed').inputValue()).toBe('5')
      expect(await form.getByLabel('Samples kept for viewing').inputValue()).toBe('8')
      // the focus is in the form's first field
      expect(await isFocused(form.getByLabel('Run name'))).toBe(true)
    })

    await step('change one value, clear the seed, and start', async () => {
      const form = page.getByRole('form', { name: /New evaluation/ })
      await form.getByLabel('Run name').fill('eval A again')
      await form.getByLabel('Samples kept for viewing').fill('4')
      await form.getByLabel('Seed').fill('')
      await form.getByRole('button', { name: 'Evaluate' }).click()
      await page.getByRole('row').filter({ hasText: 'eval A again' }).getByText('succeeded').waitFor()
      const list = await s.served.call<{ id: number; name: string }[]>('runs.list', { projectId: ids.project })
      ids.again = list.find((r) => r.name === 'eval A again')!.id
      const again = await s.served.call<Run>('runs.get', { id: ids.again })
      expect(again.params).toMatchObject({ network: ids.teacher, dataset: ids.dataset, shownSamples: 4, threads: 0 })
      expect(again.seed).not.toBe(5) // cleared: a new random seed, recorded
      expect(again.seed).toBe(again.params.seed)
      expect(new URL(page.url()).hash).toBe(`#/projects/${ids.project}`)
    })

    await step('delete the teacher: the dialog names the runs derived from it', async () => {
      await page.goto(`${s.served.origin}/#/runs/${ids.teacher}`)
      await page.getByRole('heading', { level: 1, name: 'tiny teacher' }).waitFor()
      await page.getByRole('button', { name: 'Delete…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Delete run “tiny teacher”?' })
      await dialog.getByText('3 runs were derived from this run').waitFor()
      const listed = dialog.getByRole('list', { name: 'Also deleted' })
      for (const name of ['eval A (seed 5)', 'eval B', 'eval A again']) await listed.getByRole('link', { name }).waitFor()
      expect(await listed.getByRole('listitem').count()).toBe(3)
      await dialog.getByRole('button', { name: 'Delete 4 runs' }).waitFor()
      // Cancel has the focus: the safe choice; Escape closes and keeps everything
      expect(await isFocused(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true)
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
      expect((await s.served.call<Run>('runs.get', { id: ids.teacher })).children).toHaveLength(3)
    })

    await step('confirm: the teacher and exactly those runs are deleted', async () => {
      await page.getByRole('button', { name: 'Delete…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Delete run “tiny teacher”?' })
      await dialog.getByRole('button', { name: 'Delete 4 runs' }).click()
      await page.getByRole('heading', { level: 1, name: 'Manage e2e' }).waitFor()
      const left = await s.served.call<{ id: number }[]>('runs.list', { projectId: ids.project })
      expect(left.map((r) => r.id)).toEqual([ids.dataset])
      await page.getByRole('row').filter({ hasText: 'xor 20' }).waitFor()
      expect(await page.getByRole('row').filter({ hasText: 'tiny teacher' }).count()).toBe(0)
    })

    await step('a run without dependants: the dialog says so', async () => {
      await page.goto(`${s.served.origin}/#/runs/${ids.dataset}`)
      await page.getByRole('heading', { level: 1, name: 'xor 20' }).waitFor()
      await page.getByRole('button', { name: 'Delete…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Delete run “xor 20”?' })
      await dialog.getByText('No other run was derived from it.').waitFor()
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click()
      await page.getByRole('heading', { level: 1, name: 'Manage e2e' }).waitFor()
      expect(await s.served.call<unknown[]>('runs.list', { projectId: ids.project })).toEqual([])
    })

    expect(s.pageErrors).toEqual([])
  })
})
