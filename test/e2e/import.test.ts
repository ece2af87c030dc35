// Importing an .npz dataset from the project page: a malformed file shows the server's message
// (role=alert) and creates nothing; a valid file (written with the project's own .npz writer)
// becomes a dataset run whose page opens and charts a sample. Needs a built renderer.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { writeNpz } from '../../src/tasks/npz.ts'
import { tempDir } from '../support/tmp.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('import')
})

afterAll(async () => {
  await s?.close()
})

function dataset(samples: number, steps: number): Uint8Array {
  const inputs = new Float32Array(samples * steps)
  const targets = new Float32Array(samples * steps)
  const labels = new Int8Array(samples)
  for (let b = 0; b < samples; b++) {
    labels[b] = b % 2 ? 1 : -1
    for (let t = 0; t < steps; t++) {
      inputs[b * steps + t] = Math.sin((t / steps) * 2 * Math.PI * (b + 1))
      targets[b * steps + t] = t > steps / 2 ? labels[b] : 0
    }
  }
  return writeNpz({
    inputs: { dtype: 'float32', shape: [samples, steps, 1], data: inputs },
    targets: { dtype: 'float32', shape: [samples, steps, 1], data: targets },
    labels: { dtype: 'int8', shape: [samples], data: labels },
  })
}

describe('dataset import', () => {
  it('refuses a malformed file with the server message and imports a valid one', async () => {
    const { page, step } = s
    const dir = tempDir('mimic-npz-')
    const bad = join(dir, 'broken.npz')
    const good = join(dir, 'sines.npz')
    writeFileSync(bad, 'this is not a zip archive')
    writeFileSync(good, dataset(5, 400))
    let projectId = 0

    await step('open the import form', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Import e2e']).id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Import e2e' }).waitFor()
      await page.getByRole('button', { name: 'Import dataset' }).click()
      await page.getByRole('form', { name: /Import dataset/ }).waitFor()
    })

    await step('no file: the form says so', async () => {
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'Choose an .npz file to import.' }).waitFor()
    })

    await step('a malformed file shows the server error and creates nothing', async () => {
      await page.getByLabel('File', { exact: true }).setInputFiles(bad)
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'broken.npz: is not an .npz file' }).waitFor()
      expect(await s.served.call<unknown[]>('runs.list', { projectId })).toEqual([])
    })

    await step('a valid file becomes a dataset run and its page opens', async () => {
      await page.getByLabel('File', { exact: true }).setInputFiles(good)
      await page.getByLabel('Run name').fill('imported sines')
      await page.getByLabel('Time step').fill('2')
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('heading', { level: 1, name: 'imported sines' }).waitFor()
      expect(new URL(page.url()).hash).toMatch(/^#\/runs\/\d+$/)
      const runs = await s.served.call<{ kind: string; name: string; params: Record<string, unknown> }[]>('runs.list', { projectId })
      expect(runs.map((r) => [r.kind, r.name])).toEqual([['dataset', 'imported sines']])
    })

    await step('the imported samples chart', async () => {
      const chart = page.getByRole('figure', { name: 'Input and target of sample 0 over time' })
      expect(await waitForColour(page, chart, hex(palette[0]), 100)).toBeGreaterThan(100)
      await page.getByText(/of 5 \(0 – 4\) · 400 steps × 2 ms/).waitFor()
      await s.shot('dataset')
    })

    expect(s.pageErrors).toEqual([])
  })
})
