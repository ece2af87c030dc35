// The robustness page in Chromium against `mimic serve`: two networks trained by the CLI are selected
// in the runs table, the robustness form opens with them, a small mismatch run starts from the page
// and its page shows the curves (uPlot), the box plots, the medians, the p-values; "Save report"
// downloads one HTML file that makes no request when opened. A network's page opens the same form.
// Needs a built renderer.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('robustness', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('robustness page', () => {
  it('launches a small robustness run from a selection in the runs table and reads its page', async () => {
    const { page, step } = s
    let projectId = 0
    let teacherId = 0
    let adsId = 0
    let runId = 0

    await step('prepare a dataset, a teacher and a network ADS with the CLI', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Robustness e2e']).id
      s.cli(['data', 'generate', 'xor', '--project', String(projectId), '--count', '40', '--seed', '3', '--name', 'xor 40'])
      teacherId = s.cli<{ id: number }>([
        'train', 'teacher', '--project', String(projectId), '--name', 'small teacher', '--units', '16', '--epochs', '4', '--samples-per-epoch', '100',
        '--step-size', '3e-3', '--tau-step-unit', 'ms', '--validation-samples', '20', '--test-samples', '20', '--seed', '1',
      ]).id
      adsId = s.cli<{ id: number }>([
        'train', 'ads', '--project', String(projectId), '--name', 'small ads', '--teacher', String(teacherId), '--neurons', '40', '--epochs', '1',
        '--samples-per-epoch', '10', '--validation-samples', '10', '--test-samples', '10', '--seed', '1',
      ]).id
    })

    await step('select both networks in the runs table and open the robustness form with them', async () => {
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Robustness e2e' }).click()
      await page.getByRole('heading', { level: 1, name: 'Robustness e2e' }).waitFor()
      // the dataset is selected too: only trained networks go to the robustness form
      await page.getByRole('row', { name: /xor 40/ }).getByRole('checkbox').check()
      await page.getByRole('row', { name: /small teacher/ }).getByRole('checkbox').check()
      await page.getByRole('row', { name: /small ads/ }).getByRole('checkbox').check()
      await page.getByRole('link', { name: 'Test robustness of 2 selected networks' }).click()
      const form = page.getByRole('form', { name: /New robustness run/ })
      await form.waitFor()
      expect(await form.getByLabel('Network runs').inputValue()).toBe(`${teacherId}, ${adsId}`)
      await form.getByText(/The 2 networks #\d+, #\d+ are filled in/).waitFor()
      await s.shot('form')
    })

    await step('start a small mismatch run from the form', async () => {
      const form = page.getByRole('form', { name: /New robustness run/ })
      await form.getByLabel('Perturbation', { exact: true }).selectOption('mismatch')
      await form.getByLabel('Levels', { exact: true }).fill('0, 0.2')
      await form.getByLabel('Draws per level').fill('3')
      await form.getByLabel('Samples', { exact: true }).fill('20')
      // the execution target is chosen from the registered ones (backends.list), the simulator by default
      const target = form.getByLabel('Execution target', { exact: true })
      await target.locator('option', { hasText: 'emulator — Chip emulator (SE2)' }).waitFor({ state: 'attached' })
      expect(await target.locator('option').allTextContents()).toEqual(expect.arrayContaining(['simulator — Software simulator', 'mapped — Mapped network (SE2) on the simulator', 'emulator — Chip emulator (SE2)']))
      expect(await target.inputValue()).toBe('simulator')
      // with what the chosen one is and which architectures it runs
      await form.getByText(/^The native addon on this machine’s CPU cores \(every architecture\)\. · runs rate, ads/).waitFor()
      expect(await target.getAttribute('aria-describedby')).toContain(`${await target.getAttribute('id')}-target`)
      await form.getByLabel('Seed', { exact: true }).fill('5')
      await form.getByRole('button', { name: 'Run', exact: true }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      runId = Number(/#\/runs\/(\d+)$/.exec(page.url())![1])
      await page.getByRole('heading', { name: 'Device mismatch: 12 trials' }).waitFor({ timeout: 30_000 })
    })

    await step('the page shows the curves, the box plots, the medians and the p-values of the stored trials', async () => {
      const analysis = s.cli<{ summary: { network: number; level: number; medianAccuracy: number }[]; comparisons: { p: number }[] }>(['runs', 'show', String(runId)])
      expect(analysis).toMatchObject({ kind: 'robustness', status: 'succeeded' })
      const acc = page.getByRole('figure', { name: /Accuracy against mismatch level/ })
      expect(await waitForColour(page, acc, hex(palette[0]), 30)).toBeGreaterThan(30)
      expect(await waitForColour(page, acc, hex(palette[1]), 30)).toBeGreaterThan(30)
      await page.getByRole('figure', { name: /Output MSE against mismatch level/ }).waitFor()
      await page.getByRole('img', { name: 'Accuracy per level, box plots per network' }).waitFor()
      const medians = page.getByRole('table', { name: 'Medians and quartiles per network and level' })
      expect(await medians.getByRole('row').count()).toBe(1 + 4)
      await medians.getByRole('row').filter({ hasText: `#${adsId} ads ebn` }).filter({ hasText: '20 %' }).waitFor()
      const tests = page.getByRole('table', { name: 'p-values between networks' })
      // one pair of networks × 2 levels × (accuracy, MSE)
      expect(await tests.getByRole('row').count()).toBe(1 + 4)
      await page.getByText(/Between levels, for each network \(4 tests\)/).click()
      const levels = page.getByRole('table', { name: 'p-values between levels' })
      expect(await levels.getByRole('row').count()).toBe(1 + 4)
      const p = Number((await tests.getByRole('row').nth(1).getByRole('cell').last().textContent())!.trim())
      expect(p).toBeGreaterThan(0)
      expect(p).toBeLessThanOrEqual(1)
      // its parameters link the networks it compared, a list of run references
      const params = page.getByRole('table', { name: 'Parameters' })
      const networks = params.getByRole('row').filter({ hasText: 'networks' })
      expect(await networks.getByRole('link').allTextContents()).toEqual([`run ${teacherId}`, `run ${adsId}`])
      expect((await networks.getByRole('cell').textContent())!.trim()).toBe(`run ${teacherId}, run ${adsId}`)
      expect(await networks.getByRole('link', { name: `run ${adsId}` }).getAttribute('href')).toBe(`#/runs/${adsId}`)
      await s.shot('page')
    })

    await step('Save report downloads one self-contained HTML file that makes no request', async () => {
      const download = page.waitForEvent('download')
      await page.getByRole('button', { name: 'Save report (HTML)' }).click()
      const file = await download
      expect(file.suggestedFilename()).toBe(`robustness-${runId}.html`)
      const path = await file.path()
      const html = readFileSync(path, 'utf8')
      expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
      const report = await s.browser.newPage()
      const requests: string[] = []
      report.on('request', (r) => requests.push(r.url()))
      await report.setContent(html)
      expect(await report.locator('svg').count()).toBeGreaterThan(1)
      expect(await report.locator('table').count()).toBeGreaterThan(1)
      expect(await report.title()).toContain(String(runId))
      expect(requests).toEqual([])
      await report.close()
    })

    await step("a network's page opens the robustness form with that network", async () => {
      await page.goto(`${s.served.origin}/#/runs/${adsId}`)
      await page.getByRole('heading', { level: 1, name: 'small ads' }).waitFor()
      await page.getByRole('link', { name: 'Test robustness…' }).click()
      const form = page.getByRole('form', { name: /New robustness run/ })
      await form.waitFor()
      expect(await form.getByLabel('Network runs').inputValue()).toBe(String(adsId))
    })

    await step("the deployment form suggests the chip targets and the saved boards, and takes any address", async () => {
      s.cli(['board', 'add', 'bench-board', 'tcp://127.0.0.1:9'])
      await page.goto(`${s.served.origin}/#/projects/${projectId}`)
      await page.getByRole('button', { name: 'New deployment' }).click()
      const form = page.getByRole('form', { name: /New deployment/ })
      const to = form.getByLabel('Deploy to', { exact: true })
      const list = form.locator(`[id="${await to.getAttribute('list')}"] option`)
      await list.filter({ hasText: 'saved board at tcp://127.0.0.1:9' }).waitFor({ state: 'attached' })
      expect(await list.evaluateAll((os) => os.map((o) => `${(o as HTMLOptionElement).value}: ${o.textContent}`))).toEqual([
        'emulator: Chip emulator (SE2)',
        'emulator-se1: Chip emulator (SE1)',
        'bench-board: saved board at tcp://127.0.0.1:9',
      ])
      await to.fill('serial:/dev/ttyACM0')
      expect(await to.inputValue()).toBe('serial:/dev/ttyACM0')
    })
  }, 120_000)
})
