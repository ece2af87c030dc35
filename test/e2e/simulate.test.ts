// A simulation from the UI, against a real `mimic serve`: create a project, generate a small XOR
// dataset and a 64-neuron network from their forms, start a simulation with the run pickers (which
// list only succeeded runs of the right kind), open its page and check that the spike raster (a few
// thousand spikes), the decoded trajectory and the membrane traces really drew; then change the
// sample, zoom and pan the raster from the keyboard, drag-zoom it with the mouse and reset it. Membrane noise keeps the network active
// whatever its tuning (about a thousand spikes per sample). Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette, spikeColor } from '../../renderer/src/lib/chart/palette.ts'
import { countColourPixels, frames, hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('simulate')
})

afterAll(async () => {
  await s?.close()
})

describe('simulation page', () => {
  it('starts a simulation from the form and draws raster, decoded trajectory and membrane traces', async () => {
    const { page, step } = s
    const succeededRow = (name: string) => page.getByRole('row').filter({ hasText: name }).getByText('succeeded')

    await step('create a project', async () => {
      await page.goto(s.served.url)
      await page.getByRole('button', { name: 'New project' }).click()
      await page.getByLabel('Project name').fill('Simulation e2e')
      await page.getByLabel('Project name').press('Enter')
      await page.getByRole('link', { name: 'Simulation e2e' }).click()
      await page.getByRole('heading', { level: 1, name: 'Simulation e2e' }).waitFor()
    })

    await step('generate a small dataset', async () => {
      await page.getByRole('button', { name: 'New dataset' }).click()
      await page.getByLabel('Run name').fill('xor small')
      await page.getByLabel('Samples').fill('6')
      await page.getByLabel('Seed').fill('3')
      await page.getByRole('button', { name: 'Generate' }).click()
      await succeededRow('xor small').waitFor()
    })

    await step('create a 64-neuron network from the form', async () => {
      await page.getByRole('button', { name: 'New network', exact: true }).click()
      const form = page.getByRole('form', { name: /New network/ })
      await form.getByLabel('Run name').fill('net 64')
      await form.getByLabel('Neurons N').fill('64')
      await form.getByLabel('Dimensions D').fill('32')
      await form.getByLabel('Seed').fill('2')
      await form.getByRole('button', { name: 'Create' }).click()
      await succeededRow('net 64').waitFor()
    })

    await step('the run pickers list the succeeded runs of their kinds, newest first', async () => {
      await page.getByRole('button', { name: 'New simulation' }).click()
      const form = page.getByRole('form', { name: /New simulation/ })
      await s.shot('form')
      const network = form.getByLabel('Network run')
      const dataset = form.getByLabel('Dataset run')
      const networkOptions = await network.locator('option').allTextContents()
      expect(networkOptions[0]).toMatch(/choose a network, ads, reservoir, force or bptt-snn run/)
      expect(networkOptions.slice(1)).toHaveLength(1)
      expect(networkOptions[1]).toMatch(/^#\d+ net 64 \(network\) — neurons 64/)
      const datasetOptions = await dataset.locator('option').allTextContents()
      expect(datasetOptions.slice(1)).toHaveLength(1)
      expect(datasetOptions[1]).toMatch(/^#\d+ xor small — samples 6/)
      await network.selectOption({ label: networkOptions[1] })
      await dataset.selectOption({ label: datasetOptions[1] })
      await form.getByText(/network run #\d+ · created/).waitFor()
      await form.getByLabel('Run name').fill('sim e2e')
      await form.getByLabel('Samples', { exact: true }).fill('3')
      await form.getByLabel('Membrane noise σ', { exact: true }).fill('0.3')
      await form.getByLabel('Seed').fill('5')
      await form.getByRole('button', { name: 'Simulate' }).click()
      await succeededRow('sim e2e').waitFor()
    })

    await step('open the simulation page', async () => {
      await page.getByRole('link', { name: 'sim e2e' }).first().click()
      await page.getByRole('heading', { level: 1, name: 'sim e2e' }).waitFor()
      await page.getByRole('heading', { name: 'Spike raster' }).waitFor()
    })

    // Each spike is a 2 × 2 px square; overlaps make fewer pixels than 4 per spike.
    const expectedPixels = (spikes: number): number => Math.min(spikes, 1500)

    await step('the raster draws the spikes of all neurons', async () => {
      // the stats line above the raster counts the spikes of this sample
      const stats = page.locator('[data-spikes]').first()
      await stats.getByText('of 64 neurons active').waitFor()
      const spikes = Number(await stats.getAttribute('data-spikes'))
      expect(spikes).toBeGreaterThan(300)
      const raster = page.getByRole('figure', { name: 'Spike raster of sample 0' })
      expect(await waitForColour(page, raster, hex(spikeColor), expectedPixels(spikes))).toBeGreaterThanOrEqual(expectedPixels(spikes))
    })

    await step('the decoded trajectory and the membrane traces draw', async () => {
      const decoded = page.getByRole('figure', { name: 'Decoded trajectory of sample 0' })
      expect(await waitForColour(page, decoded, hex(palette[0]), 100)).toBeGreaterThan(100)
      const membrane = page.getByRole('figure', { name: 'Membrane potentials of sample 0' })
      expect(await waitForColour(page, membrane, hex(palette[0]), 100)).toBeGreaterThan(100)
      // four traces were recorded (the default membraneNeurons 0, 1, 2, 3)
      await membrane.getByText('neuron 3').waitFor()
    })

    await step('choosing dimensions changes the decoded chart', async () => {
      await page.getByRole('checkbox', { name: 'Dimensions 5' }).check()
      const decoded = page.getByRole('figure', { name: 'Decoded trajectory of sample 0' })
      await decoded.getByText('x̃ 5').waitFor()
      expect(await waitForColour(page, decoded, hex(palette[4]), 50)).toBeGreaterThan(50)
    })

    await step('the next sample loads its own spikes', async () => {
      await page.getByRole('button', { name: 'Next sample' }).click()
      const raster = page.getByRole('figure', { name: 'Spike raster of sample 1' })
      await raster.waitFor()
      await page.getByText('dataset sample #1').waitFor()
      const spikes = Number(await page.locator('[data-spikes]').first().getAttribute('data-spikes'))
      expect(spikes).toBeGreaterThan(300)
      expect(await waitForColour(page, raster, hex(spikeColor), expectedPixels(spikes))).toBeGreaterThanOrEqual(expectedPixels(spikes))
      await s.shot('page')
    })

    await step('keyboard zoom on the raster, then reset', async () => {
      const raster = page.getByRole('figure', { name: 'Spike raster of sample 1' })
      const before = await countColourPixels(raster, hex(spikeColor))
      await raster.getByRole('application').focus()
      for (let i = 0; i < 4; i++) await page.keyboard.press('+')
      await raster.getByRole('button', { name: /Reset zoom/ }).waitFor()
      await frames(page)
      const zoomed = await countColourPixels(raster, hex(spikeColor))
      expect(zoomed).not.toBe(before)
      // pan in time and across neurons: the window moves, so the drawing changes
      const canvas = raster.locator('canvas').first()
      const atZoom = await canvas.screenshot()
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight')
      await frames(page)
      const panned = await canvas.screenshot()
      expect(panned.equals(atZoom)).toBe(false)
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp')
      await frames(page)
      expect((await canvas.screenshot()).equals(panned)).toBe(false)
      await raster.getByRole('button', { name: /Reset zoom/ }).click()
      await frames(page, 3)
      expect(await raster.getByRole('button', { name: /Reset zoom/ }).count()).toBe(0)
    })

    await step('drag-zoom on the raster with the mouse, then double-click resets', async () => {
      const raster = page.getByRole('figure', { name: 'Spike raster of sample 1' })
      const box = (await raster.locator('.u-over').boundingBox())!
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 })
      await page.mouse.up()
      await raster.getByRole('button', { name: /Reset zoom/ }).waitFor()
      await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5)
      await frames(page, 3)
      expect(await raster.getByRole('button', { name: /Reset zoom/ }).count()).toBe(0)
    })

    expect(s.pageErrors).toEqual([])
  })
})
