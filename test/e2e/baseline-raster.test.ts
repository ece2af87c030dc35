// A baseline network's raster on chosen samples, against a real `mimic serve`: a reservoir trained by
// the CLI; on its network page "Raster on chosen samples…" opens the project's simulation form with
// the network filled in; the user chooses the samples with the keyboard and simulates; the simulation
// page draws the reservoir's spikes (the native LIF runner records them), equal in number to the
// stored events. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spikeColor } from '../../renderer/src/lib/chart/palette.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('baseline-raster', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('a baseline network page', () => {
  it('opens the simulation form for the network and shows its raster on the chosen samples', async () => {
    const { page, step } = s
    let project = 0
    let reservoir = 0
    let dataset = 0
    await step('a dataset and a small reservoir, made with the CLI', async () => {
      project = s.cli<{ id: number }>(['projects', 'create', 'Raster e2e']).id
      dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '6', '--seed', '1']).id
      reservoir = s.cli<{ id: number }>(['train', 'reservoir', '--project', String(project), '--task', 'xor', '--train-samples', '20', '--neurons', '40', '--test-samples', '10', '--seed', '1']).id
    })

    await step('the network page offers its raster on chosen samples: the simulation form, the network filled in', async () => {
      await page.goto(`${s.served.url}#/runs/${reservoir}`)
      const link = page.getByRole('link', { name: 'Raster on chosen samples…' })
      await link.focus()
      await page.keyboard.press('Enter')
      await page.waitForURL((u) => u.hash === `#/projects/${project}?simulate=${reservoir}`)
      const form = page.getByRole('form', { name: /New simulation/ })
      await form.waitFor()
      await form.getByText(`Network #${reservoir} is filled in`).waitFor()
      expect(await form.getByLabel('Network run').inputValue()).toBe(String(reservoir))
      expect(await form.getByLabel('Dataset run').inputValue()).toBe(String(dataset))
      await form.getByLabel('First sample').fill('2')
      await form.getByLabel('Samples', { exact: true }).fill('3')
      await form.getByLabel('Samples', { exact: true }).press('Enter')
      // the run is listed in the project's runs: open it (from the runs table: while it runs, the jobs
      // panel links it too)
      const simulation = page.getByRole('row').getByRole('link', { name: /^Simulation · seed/ })
      await simulation.waitFor()
      await simulation.click()
      await page.waitForURL(/#\/runs\/\d+$/)
    })

    await step('the simulation page draws the reservoir\'s spikes', async () => {
      await page.getByRole('heading', { name: 'Spike raster' }).waitFor()
      const stats = page.locator('[data-spikes]').first()
      await stats.getByText('of 40 neurons active').waitFor()
      const spikes = Number(await stats.getAttribute('data-spikes'))
      expect(spikes).toBeGreaterThan(100)
      // the page shows the stored events of the first chosen sample
      const sim = Number(/#\/runs\/(\d+)$/.exec(page.url())![1])
      const run = s.cli<{ params: { network: number; firstSample: number; samples: number }; summary: { spikes: number }; artifacts: { name: string; shape: number[] }[] }>(['runs', 'show', String(sim)])
      expect(run.params).toMatchObject({ network: reservoir, firstSample: 2, samples: 3 })
      expect(spikes).toBeLessThanOrEqual(run.summary.spikes)
      const raster = page.getByRole('figure', { name: 'Spike raster of sample 0' })
      expect(await waitForColour(page, raster, hex(spikeColor), Math.min(spikes, 600))).toBeGreaterThanOrEqual(Math.min(spikes, 600))
      // and the membrane potentials of the form's recorded neurons (0-3 by default), stored [samples, steps, 4]
      await page.getByRole('heading', { name: 'Membrane potential' }).waitFor()
      await page.getByRole('figure', { name: 'Membrane potentials of sample 0' }).waitFor()
      const membrane = run.artifacts.find((a) => a.name === 'membrane')
      expect(membrane?.shape).toEqual([3, 1000, 4])
      await s.shot('raster')
    })
    expect(s.pageErrors).toEqual([])
  }, 120_000)
})
