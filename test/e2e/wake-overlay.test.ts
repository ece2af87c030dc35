// The result pages of a wake-phrase network (docs/method.md §6) through `mimic serve`: a folder of
// recordings imported with the CLI, a small teacher trained on it (its boundary B fitted on the
// validation split and stored with it) and evaluated on it; the evaluation page and the teacher's own
// page draw, on one chart per chosen sample, the target, the output, the smoothed output y_s, the
// running sum of y_s over the stretch above 0.5 against the stored boundary B, and the stored
// decision; the value of B shown is the one stored with the network. The dataset page plays a sample's
// audio and shows its waveform, band envelopes and target. Needs a built renderer.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/tmp.ts'
import { openSession, type Session } from './support/session.ts'
import { numberedWavs, recordingsFolder, toneWav } from '../support/wav.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('wake-overlay', { width: 1024, height: 900 })
})

afterAll(async () => {
  await s?.close()
})

/** 1.5 s of a tone at 8 kHz, 16-bit PCM, starting after `delayS` of silence. */
const tone = (hz: number, delayS: number): Uint8Array => toneWav(hz, { amplitude: 8000, delayS, seconds: 1.5 })

interface NetworkRun {
  id: number
  network: { fitted: Record<string, number> } | null
}

/** The legend labels of the chart with this accessible name. */
async function legendOf(label: string): Promise<string[]> {
  const chart = s.page.getByRole('figure', { name: label, exact: true })
  await chart.locator('.u-legend').waitFor()
  return (await chart.locator('.u-legend .u-series .u-label').allTextContents()).map((t) => t.trim())
}

function formatted(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 2)
}

describe('wake-phrase result pages', () => {
  it('overlay the output, y_s, the stored boundary and the stored decision on one chart per sample', async () => {
    const { page, step } = s
    let projectId = 0
    let datasetId = 0
    let teacher: NetworkRun = { id: 0, network: null }
    let evalId = 0

    await step('prepare recordings, a teacher trained on them and its evaluation with the CLI', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Wake overlay e2e']).id
      const dir = recordingsFolder(join(tempDir('mimic-wake-'), 'recordings'), {
        positive: numberedWavs('p', 6, (i) => tone(900 + 40 * i, 0.3 * i)),
        negative: numberedWavs('n', 6, (i) => tone(250 + 20 * i, 0.3 * i)),
      })
      datasetId = s.cli<{ id: number }>(['data', 'import', 'audio', '--project', String(projectId), '--dir', dir]).id
      const t = s.cli<{ id: number }>(['train', 'teacher', '--project', String(projectId), '--data', String(datasetId), '--units', '8', '--epochs', '60', '--step-size', '1e-2', '--seed', '3', '--name', 'wake teacher'])
      teacher = s.cli<NetworkRun>(['runs', 'show', String(t.id)])
      // a teacher that learned the tones: its outputs cross 0.5, so the fitted boundary is not the unfitted 0
      expect(teacher.network?.fitted.boundary).toBeGreaterThan(0)
      evalId = s.cli<{ id: number }>(['eval', String(teacher.id), '--dataset', String(datasetId), '--name', 'wake eval']).id
    })

    await step('the dataset page plays a sample\'s audio and shows its waveform, its 16 band envelopes and its target', async () => {
      await page.goto(`${s.served.url}#/runs/${datasetId}`)
      const wave = page.getByLabel(/^Waveform of sample 0 /)
      // the sample's audio row was read: the label gives its length, not 0.0 s
      await expect.poll(() => wave.getAttribute('aria-label')).toMatch(/^Waveform of sample 0 \((?!0\.0 )\d+\.\d s at \d+ Hz\)$/)
      const audio = page.getByLabel('Audio of sample 0')
      expect(await audio.getAttribute('src')).toMatch(/^blob:/)
      // the player decodes the WAV made in the page
      await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration)).toBeGreaterThan(1)
      await page.getByRole('figure', { name: /band envelopes$/ }).waitFor()
      expect(await legendOf('Input and target of sample 0 over time')).toContain('target')
      await s.shot('dataset')
    })

    await step('the evaluation page overlays output, y_s, the stretch sum, the stored boundary and the stored decision', async () => {
      await page.goto(`${s.served.url}#/runs/${evalId}`)
      await page.getByRole('heading', { level: 1, name: 'wake eval' }).waitFor()
      const label = 'Input, target and outputs of test sample 0'
      const boundary = teacher.network!.fitted.boundary
      const legend = await legendOf(label)
      expect(legend).toEqual(expect.arrayContaining(['target', 'teacher ỹ', 'y_s (smoothed)', 'Σ y_s over the stretch ≥ 0.5 (steps)', `Boundary B = ${formatted(boundary)} steps`]))
      const decision = legend.find((l) => l.startsWith('decision (stored)'))
      expect(decision).toMatch(/^decision \(stored\) (\+1 keyword|−1 no keyword)$/)
      const overlay = page.getByLabel('Decision of this sample')
      await expect.poll(() => overlay.textContent()).toContain(`Boundary B ${formatted(boundary)} steps (fitted on validation data, stored with the network)`)
      // the stored decision shown is the one the sample selector reports for the network
      const stored = decision!.includes('+1') ? '+1' : '−1'
      expect(await overlay.textContent()).toContain(`stored decision ${stored}`)
      await s.shot('eval')
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
      await s.shot('eval-end')
    })

    await step('another sample (one with the phrase) is drawn with its own stored decision and the same boundary', async () => {
      const k = 6
      const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show test sample ${k}`, exact: true }) })
      await row.getByRole('button').click()
      const legend = await legendOf(`Input, target and outputs of test sample ${k}`)
      expect(legend).toContain(`Boundary B = ${formatted(teacher.network!.fitted.boundary)} steps`)
      // the decision drawn is the one the per-sample table lists for the network (the stored one)
      const network = ((await row.getByRole('cell').nth(2).textContent()) ?? '').trim()
      expect(network).toMatch(/^(\+1|−1)$/)
      expect(legend).toContain(`decision (stored) ${network} ${network === '+1' ? 'keyword' : 'no keyword'}`)
      await s.shot('eval-positive')
    })

    await step("the teacher's page draws the same overlay on its stored test samples", async () => {
      await page.goto(`${s.served.url}#/runs/${teacher.id}`)
      await page.getByRole('heading', { level: 1, name: 'wake teacher' }).waitFor()
      const legend = await legendOf('Input, target and teacher output of test sample 0')
      expect(legend).toEqual(expect.arrayContaining(['target', 'teacher ŷ', 'y_s (smoothed)', `Boundary B = ${formatted(teacher.network!.fitted.boundary)} steps`]))
      expect(legend.some((l) => l.startsWith('decision (stored)'))).toBe(true)
      await s.shot('teacher')
    })

    expect(s.pageErrors).toEqual([])
  })
})
