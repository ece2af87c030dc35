// Importing a folder of recordings from the project page (as `mimic data import audio --dir`): the
// page reads the folder, sends it as an upload run and starts data.import-audio, whose page opens;
// the file that is not a WAV is listed with its reason; no folder is refused by the form. Needs a
// built renderer.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/tmp.ts'
import { openSession, type Session } from './support/session.ts'
import { recordingsFolder, toneWav } from '../support/wav.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('import-audio', { width: 1024, height: 900 })
})

afterAll(async () => {
  await s?.close()
})

describe('importing recordings from the page', () => {
  it('uploads a folder (one folder per label), imports it, and lists the file it skipped', async () => {
    const { page, step } = s
    const dir = recordingsFolder(join(tempDir('mimic-rec-'), 'recordings'), {
      positive: { 'a.wav': toneWav(700), 'b.wav': toneWav(900) },
      negative: { 'c.wav': toneWav(300), 'broken.wav': 'not a wav file' },
    })
    let projectId = 0

    await step('open the form; no folder is refused', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Recordings e2e']).id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Recordings e2e' }).waitFor()
      await page.getByRole('button', { name: 'Import recordings' }).click()
      await page.getByRole('form', { name: /Import recordings/ }).waitFor()
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'Folder is required' }).waitFor()
      expect(await s.served.call<unknown[]>('runs.list', { projectId })).toEqual([])
    })

    await step('a folder is uploaded and imported; the run page opens', async () => {
      await page.getByLabel('Folder', { exact: true }).setInputFiles(dir)
      await page.getByText('4 files', { exact: false }).waitFor()
      // the envelopes standardised per band over the training split (docs/method.md §2.2), as --feature-scaling
      await page.getByLabel('Feature scaling', { exact: true }).selectOption('standardise')
      await s.shot('form')
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      await page.waitForURL(/#\/runs\/\d+$/, { timeout: 60_000 })
      const runs = await s.served.call<{ id: number; kind: string }[]>('runs.list', { projectId })
      const dataset = runs.find((r) => r.kind === 'dataset')!
      expect(new URL(page.url()).hash).toBe(`#/runs/${dataset.id}`)
      const parents = (await s.served.call<{ parents: { id: number; role: string }[] }>('runs.get', { id: dataset.id })).parents
      const upload = await s.served.call<{ kind: string; params: Record<string, unknown> }>('runs.get', { id: parents.find((p) => p.role === 'upload')!.id })
      expect(upload).toMatchObject({ kind: 'upload', params: { folder: 'recordings', files: ['negative/broken.wav', 'negative/c.wav', 'positive/a.wav', 'positive/b.wav'] } })
      // wait for the job to finish
      let status = ''
      for (let i = 0; i < 600 && status !== 'succeeded' && status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 200))
        status = (await s.served.call<{ status: string }>('runs.get', { id: dataset.id })).status
      }
      expect(status).toBe('succeeded')
      const detail = await s.served.call<{ summary: Record<string, number>; notes: { body: string }[] }>('runs.get', { id: dataset.id })
      expect(detail.summary).toMatchObject({ samples: 3, positive: 2, negative: 1, skipped: 1 })
      const stored = await s.served.call<{ params: Record<string, unknown>; artifacts: { name: string }[] }>('runs.get', { id: dataset.id })
      expect(stored.params).toMatchObject({ featureScaling: 'standardise' })
      expect(stored.artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['featureMean', 'featureStd']))
      expect(detail.notes.map((n) => n.body).join('\n')).toMatch(/negative\/broken\.wav: /)
      await page.getByText(/Skipped 1 of 4 files/).first().waitFor({ timeout: 30_000 })
      await s.shot('run')
    })

    expect(s.pageErrors).toEqual([])
  })
})
