// The evaluation page, prepared by the CLI on the server's database while the page is open: a
// teacher trained by `mimic train teacher` (another process) appears in the jobs tray through
// jobs.list polling; then `mimic eval` on a dataset run; the page shows the scores, the test-sample
// chart (input, target, outputs, y_s with the ±0.5 lines), decision counts, per-sample decisions
// and links to the runs behind the result. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { spawnMimic } from '../support/cli.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('evaluation')
})

afterAll(async () => {
  await s?.close()
})

const teacherFlags = ['--units', '24', '--epochs', '24', '--samples-per-epoch', '200', '--step-size', '3e-3', '--tau-step-unit', 'ms', '--validation-samples', '50', '--test-samples', '100', '--seed', '4']

describe('evaluation page', () => {
  it('shows a CLI evaluation: scores, sample chart, decisions and lineage', async () => {
    const { page, step } = s
    let projectId = 0
    let datasetId = 0
    let teacherId = 0
    let evalRun: { id: number; summary: Record<string, number> } = { id: 0, summary: {} }

    await step('prepare a project and a dataset with the CLI', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Evaluation e2e']).id
      datasetId = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(projectId), '--count', '30', '--seed', '3', '--name', 'xor 30']).id
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Evaluation e2e' }).click()
      await page.getByRole('heading', { level: 1, name: 'Evaluation e2e' }).waitFor()
    })

    await step('a teacher trained by the CLI appears in the jobs tray (polled)', async () => {
      const child = spawnMimic(['--db', s.served.db, '--json', 'train', 'teacher', '--project', String(projectId), '--name', 'cli teacher', ...teacherFlags])
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      const exited = new Promise<number | null>((done) => child.once('exit', done))
      const tray = page.getByRole('region', { name: 'Jobs' })
      await tray.getByRole('link', { name: 'cli teacher' }).waitFor({ timeout: 8000 })
      expect(await exited).toBe(0)
      teacherId = (JSON.parse(out) as { id: number }).id
      // the tray learns the outcome from runs.get once the job leaves jobs.list
      await tray.getByRole('progressbar', { name: 'cli teacher' }).and(page.locator('[aria-valuenow="100"]')).waitFor({ timeout: 8000 })
      await page.getByRole('row').filter({ hasText: 'cli teacher' }).getByText('succeeded').waitFor({ timeout: 8000 })
    })

    await step('evaluate the teacher on the dataset with the CLI', async () => {
      const r = s.cli<{ id: number }>(['eval', String(teacherId), '--dataset', String(datasetId), '--name', 'cli eval'])
      evalRun = s.cli<{ id: number; summary: Record<string, number> }>(['runs', 'show', String(r.id)])
      await page.goto(`${s.served.origin}/#/runs/${evalRun.id}`)
      await page.getByRole('heading', { level: 1, name: 'cli eval' }).waitFor()
    })

    await step('the scores match the run summary', async () => {
      const scores = page.getByLabel('Evaluation scores')
      const pct = (v: number) => `${Number((Math.round(v * 1000) / 10).toPrecision(4))} %`
      await scores.locator('[data-stat="accuracy"]').getByText(pct(evalRun.summary.accuracy)).waitFor()
      await scores.locator('[data-stat="samples"]').getByText('30', { exact: true }).waitFor()
      const mse = await scores.locator('[data-stat="mse"] .value').textContent()
      expect(Number(mse)).toBeCloseTo(evalRun.summary.mse, 3)
    })

    await step('the test-sample chart draws input, target and the smoothed output', async () => {
      const chart = page.getByRole('figure', { name: 'Input, target and outputs of test sample 0' })
      expect(await waitForColour(page, chart, hex(palette[0]), 100)).toBeGreaterThan(100)
      expect(await waitForColour(page, chart, hex(palette[1]), 100)).toBeGreaterThan(100)
      for (const name of ['input', 'target', 'teacher ỹ', 'y_s (smoothed)']) await chart.getByText(name, { exact: true }).waitFor()
      // a teacher evaluation has its activations x̂ as the trajectory chart
      await page.getByRole('heading', { name: 'Teacher activations x̂' }).waitFor()
      const traj = page.getByRole('figure', { name: 'Trajectories of test sample 0' })
      expect(await waitForColour(page, traj, hex(palette[0]), 50)).toBeGreaterThan(50)
    })

    await step('decision counts and per-sample decisions cover all 30 samples', async () => {
      const agree = Math.round(evalRun.summary.accuracy * 30)
      await page.getByRole('table', { name: new RegExp(`Network against true labels · ${agree} of 30 agree`) }).waitFor()
      const perSample = page.getByRole('table', { name: 'Decision per sample' })
      expect(await perSample.locator('tbody tr').count()).toBe(30)
    })

    await step('the sample selector and the table choose the sample', async () => {
      await page.getByRole('button', { name: 'Next sample' }).click()
      await page.getByRole('figure', { name: 'Input, target and outputs of test sample 1' }).waitFor()
      await page.getByRole('button', { name: 'Show test sample 3' }).click()
      await page.getByRole('figure', { name: 'Input, target and outputs of test sample 3' }).waitFor()
      expect(await page.getByRole('spinbutton', { name: 'Test sample' }).inputValue()).toBe('3')
    })

    await step('links lead to the dataset and the evaluated network', async () => {
      const runs = page.getByLabel('Runs behind this result')
      await runs.getByRole('link', { name: 'xor 30' }).waitFor()
      await s.shot('page')
      await runs.getByRole('link', { name: 'cli teacher' }).click()
      await page.getByRole('heading', { level: 1, name: 'cli teacher' }).waitFor()
      // the teacher page: curves and stored test samples
      await page.getByRole('figure', { name: 'Loss by epoch' }).waitFor()
      await page.getByRole('figure', { name: /Input, target and teacher output of test sample 0/ }).waitFor()
      // a teacher holds a network of the rate architecture: the page says so and draws it
      await page.getByLabel('Run details').getByText('Rate network (teacher)').waitFor()
      const tau = page.getByRole('figure', { name: 'Histogram of the unit time constants' })
      expect(await waitForColour(page, tau, hex(palette[0]), 50)).toBeGreaterThan(50)
      await page.getByRole('img', { name: /^Recurrent weights Ω̂: \d+ × \d+ matrix, rows postsynaptic, columns presynaptic; colour/ }).waitFor()
      await s.shot('teacher')
    })

    expect(s.pageErrors).toEqual([])
  })
})
