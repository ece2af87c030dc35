// The pages of spiking results, made by the CLI on the server's database: a network (thresholds
// histogram, weight heatmaps), a small network ADS trained on a small teacher (training curves,
// weights) and its evaluation on a dataset run (scores against the labels and the teacher, outputs
// with y_s, x̃ against x̂, the raster, decision counts). Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { palette, spikeColor } from '../../renderer/src/lib/chart/palette.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('results')
})

afterAll(async () => {
  await s?.close()
})

/** Pixels of a heatmap canvas that are clearly coloured (not white, not grey). */
async function colouredPixels(map: Locator): Promise<number> {
  return map.locator('canvas').evaluate((canvas) => {
    const c = canvas as unknown as { width: number; height: number; getContext(id: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null }
    const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? []
    let n = 0
    for (let i = 0; i < px.length; i += 4) if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) n++
    return n
  })
}

describe('spiking result pages', () => {
  it('shows a network, a network ADS run and its spiking evaluation', async () => {
    const { page, step } = s
    const ids = { project: 0, dataset: 0, network: 0, teacher: 0, ads: 0, evaluation: 0, finetune: 0 }
    let refit: { heldOutAccuracyBefore: number; heldOutAccuracyAfter: number; heldOutSamples: number; samples: number } | null = null

    await step('prepare runs with the CLI', async () => {
      const p = String((ids.project = s.cli<{ id: number }>(['projects', 'create', 'Results e2e']).id))
      ids.dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '20', '--seed', '3', '--name', 'test set']).id
      ids.network = s.cli<{ id: number }>(['network', 'create', '--project', p, '--neurons', '64', '--dims', '24', '--seed', '4', '--name', 'net 64']).id
      ids.teacher = s.cli<{ id: number }>(
        ['train', 'teacher', '--project', p, '--name', 'teacher 24', '--units', '24', '--epochs', '6', '--samples-per-epoch', '100', '--step-size', '3e-3', '--tau-step-unit', 'ms', '--validation-samples', '20', '--test-samples', '20', '--seed', '4'],
      ).id
      ids.ads = s.cli<{ id: number }>(
        ['train', 'ads', '--project', p, '--teacher', String(ids.teacher), '--name', 'ads 64', '--neurons', '64', '--epochs', '3', '--samples-per-epoch', '20', '--validation-samples', '10', '--test-samples', '20', '--seed', '2'],
      ).id
      ids.evaluation = s.cli<{ id: number }>(['eval', String(ids.ads), '--dataset', String(ids.dataset), '--name', 'snn eval']).id
      refit = s.cli<typeof refit & { id: number }>(['finetune', String(ids.ads), '--target', 'mapped', '--samples', '20', '--seed', '5', '--name', 'ads 64 refitted'])
      ids.finetune = (refit as unknown as { id: number }).id
    })

    await step('network page: thresholds and weights', async () => {
      await page.goto(`${s.served.url}#/runs/${ids.network}`)
      await page.getByRole('heading', { level: 1, name: 'net 64' }).waitFor()
      // an untrained balanced network is a network of the ADS architecture
      await page.getByLabel('Run details').getByText('Network ADS (spiking)').waitFor()
      const hist = page.getByRole('figure', { name: 'Histogram of the neuron thresholds' })
      expect(await waitForColour(page, hist, hex(palette[0]), 50)).toBeGreaterThan(50)
      const fast = page.getByRole('img', { name: /^Fast weights Ω_f: 64 × 64 matrix/ })
      await fast.waitFor()
      expect(await colouredPixels(fast)).toBeGreaterThan(500)
      // a new network has no slow weights yet
      await page.getByRole('img', { name: 'Slow weights Ω_s: 64 × 64 matrix, rows postsynaptic, columns presynaptic, all entries 0.' }).waitFor()
    })

    await step('ADS page: curves, thresholds and weights', async () => {
      await page.goto(`${s.served.url}#/runs/${ids.ads}`)
      await page.getByRole('heading', { level: 1, name: 'ads 64' }).waitFor()
      const rec = page.getByRole('figure', { name: 'Reconstruction error by epoch' })
      expect(await waitForColour(page, rec, hex(palette[0]), 30)).toBeGreaterThan(30)
      expect(await waitForColour(page, rec, hex(palette[1]), 30)).toBeGreaterThan(30)
      await page.getByRole('figure', { name: 'Validation accuracy by epoch' }).waitFor()
      await page.getByRole('figure', { name: 'Mean rate by epoch' }).waitFor()
      await page.getByLabel('Network ADS test scores').locator('[data-stat="reconstructionError"]').waitFor()
      // trained slow weights are no longer all zero
      const slow = page.getByRole('img', { name: /^Slow weights Ω_s: 64 × 64 matrix, rows postsynaptic, columns presynaptic(, shown|; colour)/ })
      await slow.waitFor()
      expect(await colouredPixels(slow)).toBeGreaterThan(500)
      await s.shot('ads')
    })

    await step('spiking evaluation: scores against labels and teacher', async () => {
      await page.goto(`${s.served.url}#/runs/${ids.evaluation}`)
      await page.getByRole('heading', { level: 1, name: 'snn eval' }).waitFor()
      const scores = page.getByLabel('Evaluation scores')
      for (const key of ['accuracy', 'teacherAgreement', 'teacherAccuracy', 'reconstructionError', 'meanRateHz']) {
        expect(await scores.locator(`[data-stat="${key}"] .value`).textContent(), key).not.toBe('—')
      }
      await page.getByRole('table', { name: /SNN against teacher · \d+ of 20 agree/ }).waitFor()
      await page.getByRole('table', { name: /SNN against true labels · \d+ of 20 agree/ }).waitFor()
    })

    await step('spiking evaluation: outputs, x̃ against x̂, raster', async () => {
      const out = page.getByRole('figure', { name: 'Input, target and outputs of test sample 0' })
      for (const name of ['teacher ŷ', 'SNN ỹ', 'y_s (smoothed)']) await out.getByText(name, { exact: true }).waitFor()
      expect(await waitForColour(page, out, hex(palette[1]), 100)).toBeGreaterThan(100)
      await page.getByRole('heading', { name: 'Decoded x̃ (solid) against teacher x̂ (dashed)' }).waitFor()
      const traj = page.getByRole('figure', { name: 'Trajectories of test sample 0' })
      await traj.getByText('x̂ 0', { exact: true }).waitFor()
      expect(await waitForColour(page, traj, hex(palette[0]), 100)).toBeGreaterThan(100)
      const raster = page.getByRole('figure', { name: 'Spike raster of test sample 0' })
      await raster.waitFor()
      const spikes = Number(await page.locator('[data-spikes]').first().getAttribute('data-spikes'))
      expect(spikes, 'spikes of test sample 0').toBeGreaterThan(20)
      const want = Math.min(spikes, 1500)
      expect(await waitForColour(page, raster, hex(spikeColor), want)).toBeGreaterThanOrEqual(want)
      await s.shot('evaluation')
    })

    await step('a refitted read-out: what the refit did on the held-out samples, and where', async () => {
      await page.goto(`${s.served.url}#/runs/${ids.finetune}`)
      await page.getByRole('heading', { level: 1, name: 'ads 64 refitted' }).waitFor()
      const tiles = page.getByLabel('The refitted read-out')
      const pct = (v: number): string => `${Math.round(v * 1000) / 10} %`
      expect(await tiles.locator('[data-stat="heldOutAccuracyBefore"] .value').textContent()).toBe(pct(refit!.heldOutAccuracyBefore))
      expect(await tiles.locator('[data-stat="heldOutAccuracyAfter"] .value').textContent()).toBe(pct(refit!.heldOutAccuracyAfter))
      await tiles.locator('[data-stat="heldOutAccuracyAfter"]').getByText(`on ${refit!.heldOutSamples} held-out samples`).waitFor()
      for (const key of ['heldOutMseBefore', 'heldOutMseAfter']) expect(await tiles.locator(`[data-stat="${key}"] .value`).textContent(), key).not.toBe('—')
      expect(await tiles.locator('[data-stat="samples"] .value').textContent()).toBe(String(refit!.samples))
      await page.getByText(`Its recurrent and input weights are those of network run ${ids.ads}`).waitFor()
      // the network's own pictures are still drawn by its architecture's view
      await page.getByRole('img', { name: /^Slow weights Ω_s: 64 × 64 matrix/ }).waitFor()
      await s.shot('finetune')
      // the network it refits, a run reference among its parameters, is a link to that run
      const ref = page.getByRole('table', { name: 'Parameters' }).getByRole('link', { name: `run ${ids.ads}` })
      await ref.focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'ads 64' }).waitFor()
    })

    expect(s.pageErrors).toEqual([])
  })
})
