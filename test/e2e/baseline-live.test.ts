// A baseline's training curves grow while it trains: a FORCE network started from the "New FORCE
// network" form opens its run page at once, and every state of the output-MSE chart's header and of
// the run's progress bar that the page rendered is recorded (a MutationObserver installed before the
// launch, which outlives the route change). The page showed at least two different epochs while the
// training was still going on (the bar below the end of the training part, 90 %; the test follows),
// epoch 1 before epoch 2 had finished training, which a run that hands over its curves only when the
// training is done never shows. Then the last epoch once it finished. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { formatDuration } from '../../renderer/src/lib/format.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('baseline-live')
})

afterAll(async () => {
  await s?.close()
})

const epochs = 6
const fields: [label: string, value: string][] = [
  ['Neurons N', '60'],
  ['Training samples', '12'],
  ['Validation samples', '6'],
  ['Test samples', '6'],
  ['Epochs', String(epochs)],
  ['Patience', String(epochs)],
  ['Seed', '2'],
]

interface State {
  latest: string | null
  /** the progress bar's aria-valuenow (percent), null without a bar */
  percent: string | null
}

describe('baseline training page, live', () => {
  it('shows the FORCE network\'s curves growing epoch by epoch while it trains', async () => {
    const { page, step } = s
    const name = 'live force'
    await step('start a FORCE network from the form, recording every state of its curves', async () => {
      const projectId = s.cli<{ id: number }>(['projects', 'create', 'Baseline e2e']).id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('button', { name: 'New FORCE network' }).click()
      const form = page.getByRole('form', { name: /New FORCE network/ })
      for (const [label, value] of fields) await form.getByLabel(label, { exact: true }).fill(value)
      await form.getByLabel('Run name', { exact: true }).fill(name)
      await page.evaluate(() => {
        const w = window as unknown as { __states: State[] }
        w.__states = []
        new MutationObserver(() => {
          const latest = document.querySelector('[aria-label="Latest Output MSE"]')?.textContent ?? null
          const percent = document.querySelector('[role="progressbar"][aria-label="Progress of this run"]')?.getAttribute('aria-valuenow') ?? null
          const last = w.__states[w.__states.length - 1]
          if (!last || last.latest !== latest || last.percent !== percent) w.__states.push({ latest, percent })
        }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
      })
      await form.getByRole('button', { name: 'Train', exact: true }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      await page.getByRole('heading', { level: 1, name }).waitFor()
    })

    await step('it finishes; while it ran the page showed the epochs one after another', async () => {
      await page.locator('header').getByText('succeeded', { exact: true }).waitFor({ timeout: 120_000 })
      await page.getByLabel('Latest Output MSE').getByText(`epoch ${epochs}`, { exact: true }).waitFor()
      const states = await page.evaluate(() => (window as unknown as { __states: State[] }).__states)
      // the training part of the bar ends at 90 % (src/jobs/kinds/train-baselines.ts)
      const training = states.filter((x) => x.latest !== null && x.percent !== null && Number(x.percent) < 90)
      const shown = training.map((x) => Number(/epoch (\d+)/.exec(x.latest!)?.[1]))
      const seen = states.map((x) => `${x.latest ?? '-'} at ${x.percent ?? '-'} %`).join('; ')
      expect(new Set(shown).size, `states rendered: ${seen}`).toBeGreaterThanOrEqual(2)
      for (let i = 1; i < shown.length; i++) expect(shown[i], seen).toBeGreaterThanOrEqual(shown[i - 1])
      // epoch 1 appeared before epoch 2 had finished training: the bar is 5 % + 85 % of the samples
      // trained, so below 5 + 85·2/6 ≈ 33 % (a run that reports at its end shows it at about 90 %)
      const first = states.find((x) => x.latest !== null && /epoch 1\b/.test(x.latest))
      expect(first, seen).toBeDefined()
      expect(Number(first!.percent), seen).toBeLessThan(5 + (85 * 2) / epochs)
      // the training time reads as a duration ("850 ms", "12.3 s", "4 min 05 s"), not as bare seconds
      const done = await s.served.call<{ summary: Record<string, number> }>('runs.get', { id: Number(/#\/runs\/(\d+)$/.exec(page.url())![1]) })
      expect(await page.locator('[data-stat="trainSeconds"] .value').textContent()).toBe(formatDuration(done.summary.trainSeconds))
      expect(await page.locator('[data-stat="trainSeconds"] .value').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$|^\d+ min \d\d s$/)
      const mse = page.getByRole('figure', { name: 'Output MSE by epoch' })
      expect(await waitForColour(page, mse, hex(palette[0]), 30)).toBeGreaterThan(30)
      await s.shot('finished')
    })

    expect(s.pageErrors).toEqual([])
  })
})
