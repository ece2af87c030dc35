// The workbench UI in Chromium against a real `mimic serve` process: create a project from the
// UI (and refuse empty / over-long names), open it, generate an XOR dataset from the schema form,
// watch the job, open the run and check the sample chart really drew; reload without the token
// in the URL. Needs a built renderer (`npx electron-vite build`); builds nothing itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { cleanupTemp } from '../support/tmp.ts'
import { countColourPixels, countInkPixels, launchChromium, stepper } from './support/browser.ts'
import { startServe, type Served } from './support/serve.ts'

// Series colours of the sample chart (renderer/src/lib/chart/palette.ts): input, target.
const inputRgb: [number, number, number] = [0x24, 0x57, 0xc5]
const targetRgb: [number, number, number] = [0xe8, 0x59, 0x0c]

let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  served = await startServe()
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) pageErrors.push(m.text())
  })
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  cleanupTemp()
})

describe('workbench UI in Chromium', () => {
  it('creates a project, generates a dataset from the form, and charts a sample', async () => {
    const step = stepper(page, 'ui', () => `server stderr:\n${served.stderr().slice(-2000)}\npage errors: ${pageErrors.join(' | ') || 'none'}`)

    await step('open the workbench', async () => {
      await page.goto(served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByText(/Connection:\s*Live/).waitFor()
    })

    await step('empty and over-long names show the server error and create nothing', async () => {
      await page.getByRole('button', { name: 'New project' }).click()
      const name = page.getByLabel('Project name')
      await name.fill('   ')
      await name.press('Enter')
      await page.getByRole('alert').filter({ hasText: 'must not be empty' }).waitFor()
      await name.fill('x'.repeat(101))
      await name.press('Enter')
      await page.getByRole('alert').filter({ hasText: 'at most 100 characters' }).waitFor()
      expect(await name.getAttribute('aria-invalid')).toBe('true')
      expect(await served.call<unknown[]>('projects.list')).toEqual([])
      expect(await page.getByRole('link', { name: 'x'.repeat(101) }).count()).toBe(0)
    })

    await step('create a project with Enter', async () => {
      const name = page.getByLabel('Project name')
      await name.fill('E2E project')
      await name.press('Enter')
      await page.getByRole('link', { name: 'E2E project' }).waitFor()
      expect(await page.getByRole('alert').filter({ hasText: /\S/ }).count()).toBe(0)
      const list = await served.call<{ name: string }[]>('projects.list')
      expect(list.map((p) => p.name)).toEqual(['E2E project'])
    })

    await step('open the project', async () => {
      await page.getByRole('link', { name: 'E2E project' }).click()
      await page.getByRole('heading', { level: 1, name: 'E2E project' }).waitFor()
      expect(new URL(page.url()).hash).toMatch(/^#\/projects\/\d+$/)
    })

    const runName = 'e2e xor'
    await step('the dataset form shows every default, editable, with units', async () => {
      await page.getByRole('button', { name: 'New dataset' }).click()
      expect(await page.getByLabel('Samples').inputValue()).toBe('500')
      expect(await page.getByLabel('Duration').inputValue()).toBe('1')
      expect(await page.getByLabel('Time step').inputValue()).toBe('1')
      expect(await page.getByLabel('Seed').inputValue()).toBe('')
      const form = page.getByRole('form', { name: /New dataset/ })
      expect(await form.getByText('ms', { exact: true }).count()).toBeGreaterThan(0)
      expect(await form.getByText('s', { exact: true }).count()).toBeGreaterThan(0)
    })

    await step('start an XOR dataset from the form', async () => {
      await page.getByLabel('Run name').fill(runName)
      await page.getByLabel('Samples').fill('40')
      await page.getByLabel('Seed').fill('7')
      await page.getByRole('button', { name: 'Generate' }).click()
      // The jobs tray shows the job's progress bar; a job this small may finish before its first
      // progress event, and then the tray shows it finished (at 100 %) for a few seconds.
      const bar = page.getByRole('region', { name: 'Jobs' }).getByRole('progressbar', { name: runName })
      await bar.waitFor()
      // a percentage (the attribute is there and holds a number from 0 to 100)
      const now = await bar.getAttribute('aria-valuenow')
      expect(now).toMatch(/^\d+(\.\d+)?$/)
      expect(Number(now)).toBeLessThanOrEqual(100)
      await page.getByRole('row').filter({ hasText: runName }).getByText('succeeded').waitFor()
      await bar.and(page.locator('[aria-valuenow="100"]')).waitFor()
    })

    await step('open the run page', async () => {
      await page.getByRole('link', { name: runName }).first().click()
      await page.getByRole('heading', { level: 1, name: runName }).waitFor()
      expect(new URL(page.url()).hash).toMatch(/^#\/runs\/\d+$/)
      const params = page.getByRole('table', { name: 'Parameters' })
      await params.getByRole('row', { name: /count\s+40/ }).waitFor()
      await page.getByRole('cell', { name: 'inputs', exact: true }).waitFor()
    })

    await step('the sample chart draws input and target', async () => {
      const chart = page.getByRole('figure', { name: 'Input and target of sample 0 over time' })
      await chart.locator('canvas').waitFor()
      // The wrapper hands data to uPlot on the next animation frame: wait two frames.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
      expect(await countInkPixels(chart)).toBeGreaterThan(500)
      expect(await countColourPixels(chart, inputRgb)).toBeGreaterThan(100)
      expect(await countColourPixels(chart, targetRgb)).toBeGreaterThan(100)
    })

    await step('the sample selector changes the chart', async () => {
      await page.getByRole('button', { name: 'Next sample' }).click()
      const chart = page.getByRole('figure', { name: 'Input and target of sample 1 over time' })
      await chart.waitFor()
      expect(await page.getByRole('spinbutton', { name: 'Sample' }).inputValue()).toBe('1')
    })

    await step('a reload without the token in the URL keeps the page', async () => {
      const hash = new URL(page.url()).hash
      await page.goto(`${served.origin}/${hash}`)
      await page.getByRole('heading', { level: 1, name: runName }).waitFor()
      await page.getByText(/Connection:\s*Live/).waitFor()
    })

    expect(pageErrors).toEqual([])
  })
})
