// Training curves that update while a job runs: a teacher started from the "New teacher" form
// opens its run page at once; the loss chart appears and its epoch count grows while the run is
// still running (metrics events), then the test samples chart appears when it finishes. A second,
// long teacher is cancelled from its page. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { underLoad } from '../support/load.ts'
import { recordTexts } from './support/record.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('teacher')
})

afterAll(async () => {
  await s?.close()
})

const fast: [label: string, value: string][] = [
  ['Units', '24'],
  ['Epochs', '40'],
  ['Samples per epoch', '200'],
  ['Adam step size', '3e-3'],
  ['Validation samples', '50'],
  ['Test samples', '100'],
  ['Seed', '4'],
]

describe('teacher page, live', () => {
  it('shows the curves growing while the teacher trains, then its test samples; Cancel stops a run', async () => {
    const { page, step } = s
    const status = async (): Promise<string> => (await s.served.call<{ status: string }>('runs.get', { id: Number(/\d+$/.exec(page.url())?.[0]) })).status

    await step('start a teacher from the form: its page opens', async () => {
      const projectId = s.cli<{ id: number }>(['projects', 'create', 'Teacher e2e']).id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('button', { name: 'New teacher' }).click()
      const form = page.getByRole('form', { name: /New teacher/ })
      for (const [label, value] of fast) await form.getByLabel(label, { exact: true }).fill(value)
      await form.getByLabel('τ unit of Adam steps', { exact: true }).selectOption('ms')
      await form.getByLabel('Run name', { exact: true }).fill('live teacher')
      await form.getByRole('button', { name: 'Train' }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      await page.getByRole('heading', { level: 1, name: 'live teacher' }).waitFor()
    })

    await step('while it runs, the loss curve grows epoch by epoch', async () => {
      const latest = await recordTexts(page, '[aria-label="Latest Loss"]')
      await page.getByRole('button', { name: 'Cancel run live teacher' }).waitFor()
      await page.getByRole('progressbar', { name: 'Progress of this run' }).waitFor()
      const until = Date.now() + underLoad(20_000)
      while (Date.now() < until && (await status()) === 'running') await page.waitForTimeout(100)
      await s.shot('running')
      // the header names the epoch its values belong to ("epoch 3"); "of 40" is the progress line's
      const epochs = [...new Set((await latest.read()).map((t) => /epoch (\d+)/.exec(t)).filter((m) => m !== null).map((m) => Number(m[1])))]
      expect(epochs.length, `epochs shown while it ran: ${epochs.join(', ')}`).toBeGreaterThanOrEqual(2)
      expect(epochs.at(-1)).toBeGreaterThan(epochs[0])
    })

    await step('finished: scores, full curves and test samples', async () => {
      await page.locator('header').getByText('succeeded', { exact: true }).waitFor({ timeout: 15_000 })
      await page.getByLabel('Latest Loss').getByText('epoch 40', { exact: true }).waitFor()
      const loss = page.getByRole('figure', { name: 'Loss by epoch' })
      expect(await waitForColour(page, loss, hex(palette[0]), 50)).toBeGreaterThan(50)
      await page.getByRole('figure', { name: 'τ range by epoch' }).waitFor()
      const test = page.getByRole('figure', { name: 'Input, target and teacher output of test sample 0' })
      expect(await waitForColour(page, test, hex(palette[0]), 100)).toBeGreaterThan(100)
      await page.getByLabel('Teacher test scores').locator('[data-stat="testAccuracy"]').waitFor()
      await s.shot('finished')
    })

    await step('Cancel on the run page stops a long teacher', async () => {
      await page.getByRole('link', { name: 'Teacher e2e' }).first().click()
      await page.getByRole('button', { name: 'New teacher' }).click()
      const form = page.getByRole('form', { name: /New teacher/ })
      await form.getByLabel('Epochs', { exact: true }).fill('5000')
      await form.getByLabel('Run name', { exact: true }).fill('long teacher')
      await form.getByRole('button', { name: 'Train' }).click()
      await page.getByRole('heading', { level: 1, name: 'long teacher' }).waitFor()
      await page.getByRole('button', { name: 'Cancel run long teacher' }).click()
      await page.locator('header').getByText('cancelled', { exact: true }).waitFor({ timeout: 10_000 })
      expect(await status()).toBe('cancelled')
    })

    expect(s.pageErrors).toEqual([])
  })
})
