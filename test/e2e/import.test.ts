// Importing an .npz dataset from the project page: a malformed file shows the server's message
// (role=alert) and creates nothing; a valid file (written with the project's own .npz writer)
// becomes a dataset run whose page opens and charts a sample. Needs a built renderer.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { palette } from '../../renderer/src/lib/chart/palette.ts'
import { writeNpz } from '../../src/formats/npz.ts'
import { tempDir } from '../support/tmp.ts'
import { hex, openSession, waitForColour, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('import')
})

afterAll(async () => {
  await s?.close()
})

function dataset(samples: number, steps: number, zeroOne = false): Uint8Array {
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
    labels: zeroOne ? { dtype: 'uint8', shape: [samples], data: Uint8Array.from(labels, (l) => (l > 0 ? 1 : 0)) } : { dtype: 'int8', shape: [samples], data: labels },
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
      await page.getByText('labels read as −1/+1', { exact: true }).waitFor()
      await s.shot('dataset')
    })

    expect(s.pageErrors).toEqual([])
  })

  it('says when labels were read as 0/1 → −1/+1, and names the values of labels it refuses (issue 8)', async () => {
    const { page, step } = s
    const dir = tempDir('mimic-npz-')
    const zeroOne = join(dir, 'zero-one.npz')
    const three = join(dir, 'three-classes.npz')
    writeFileSync(zeroOne, dataset(4, 200, true))
    writeFileSync(
      three,
      writeNpz({
        inputs: { dtype: 'float32', shape: [3, 10, 1], data: new Float32Array(30) },
        targets: { dtype: 'float32', shape: [3, 10, 1], data: new Float32Array(30) },
        labels: { dtype: 'int32', shape: [3], data: Int32Array.from([0, 1, 2]) },
      }),
    )
    const projectId = (await s.served.call<{ id: number }>('projects.create', { name: 'Labels e2e' })).id

    await step('labels of three values are refused by naming them', async () => {
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Labels e2e' }).waitFor()
      await page.getByRole('button', { name: 'Import dataset' }).click()
      await page.getByLabel('File', { exact: true }).setInputFiles(three)
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'three-classes.npz: array "labels" holds the values 0, 1, 2; expected one class per sample as −1/+1 or 0/1' }).waitFor()
      expect(await s.served.call<unknown[]>('runs.list', { projectId })).toEqual([])
    })

    await step('0/1 labels are imported and the dataset page says how they were read', async () => {
      await page.getByLabel('File', { exact: true }).setInputFiles(zeroOne)
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('heading', { level: 1, name: 'Imported zero-one.npz' }).waitFor()
      await page.getByText('labels read as 0/1 → −1/+1', { exact: true }).waitFor()
      await page.getByText(/label\s+−1/).waitFor()
      await s.shot('labels-01')
    })

    expect(s.pageErrors).toEqual([])
  })
})
