// Job forms in Chromium against `mimic serve`: focus in the first field on opening; after a failed
// submit every invalid field says why in words for people (aria-invalid, described by the
// message) and the first one has the focus, nothing is sent; the decay schedule's b and c appear
// only with "decay"; the τ units are explained; the values last used come back per kind and
// project until "Reset to defaults"; the evaluation takes an .npz file from a file picker (the bytes
// travel and become a dataset run), and a file that does not fit is refused at its field with
// nothing stored. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeNpz } from '../../src/formats/npz.ts'
import { description, isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('forms', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

function npz(samples: number, steps: number, channels: number): Buffer {
  const inputs = new Float32Array(samples * steps * channels)
  const targets = new Float32Array(samples * steps)
  for (let b = 0; b < samples; b++) {
    inputs.fill(b % 2 ? 1 : -1, b * steps * channels + 50 * channels, b * steps * channels + 150 * channels)
    targets.fill(b % 2 ? 1 : -1, b * steps + 300, b * steps + 400)
  }
  return Buffer.from(
    writeNpz({
      inputs: { dtype: 'float32', shape: [samples, steps, channels], data: inputs },
      targets: { dtype: 'float32', shape: [samples, steps, 1], data: targets },
    }),
  )
}

describe('job forms', () => {
  it('focus, validation for people, conditional fields, remembered values and the evaluation file picker', async () => {
    const { page, step } = s
    const ids = { project: 0, other: 0, teacher: 0 }

    await step('prepare two projects and a teacher with the CLI', async () => {
      ids.project = s.cli<{ id: number }>(['projects', 'create', 'Forms e2e']).id
      ids.other = s.cli<{ id: number }>(['projects', 'create', 'Other project']).id
      ids.teacher = s.cli<{ id: number }>(
        ['train', 'teacher', '--project', String(ids.project), '--units', '8', '--epochs', '1', '--samples-per-epoch', '10', '--validation-samples', '0', '--test-samples', '10', '--seed', '1', '--name', 'tiny teacher'],
      ).id
      await page.goto(`${s.served.url}#/projects/${ids.project}`)
      await page.getByRole('heading', { level: 1, name: 'Forms e2e' }).waitFor()
    })

    await step('opening a form puts the focus in its first field', async () => {
      await page.getByRole('button', { name: 'New teacher' }).click()
      const form = page.getByRole('form', { name: /New teacher/ })
      expect(await isFocused(form.getByLabel('Run name'))).toBe(true)
    })

    await step('the τ units are explained in plain words', async () => {
      const form = page.getByRole('form', { name: /New teacher/ })
      const unit = form.getByLabel('τ unit in the loss')
      const said = await description(unit)
      expect(said).toContain('ms — milliseconds: a τ below τ min costs a lot, so every unit keeps τ ≥ τ min')
      expect(said).toContain("s — seconds, as in the authors' code: the penalty is weak and training can push τ below τ min")
      expect(await description(form.getByLabel('τ unit of Adam steps'))).toContain('time constants adapt 1000× more slowly')
    })

    await step('a failed submit marks every invalid field, focuses the first, and sends nothing', async () => {
      const form = page.getByRole('form', { name: /New teacher/ })
      await form.getByLabel('Units', { exact: true }).fill('many')
      await form.getByLabel('Epochs', { exact: true }).fill('0')
      await form.getByRole('button', { name: 'Train' }).click()
      const units = form.getByLabel('Units', { exact: true })
      const epochs = form.getByLabel('Epochs', { exact: true })
      expect(await units.getAttribute('aria-invalid')).toBe('true')
      expect(await epochs.getAttribute('aria-invalid')).toBe('true')
      expect(await isFocused(units)).toBe(true)
      expect(await description(units)).toContain('Units must be an integer between 1 and 1024 (received "many").')
      expect(await description(epochs)).toContain('Epochs must be an integer between 1 and 10000 (received 0).')
      await form.getByRole('alert').filter({ hasText: 'Units must be an integer' }).waitFor()
      expect(await form.getByText(/params\./).count()).toBe(0)
      expect(await s.served.call<unknown[]>('runs.list', { projectId: ids.project })).toHaveLength(1)
      await form.getByRole('button', { name: 'Cancel' }).click()
    })

    await step('a required run: "Teacher run is required", at the field, focused', async () => {
      await page.getByRole('button', { name: 'New network ADS' }).click()
      const form = page.getByRole('form', { name: /New network ADS/ })
      await form.getByRole('button', { name: 'Train' }).click()
      const teacher = form.getByLabel('Teacher run')
      expect(await isFocused(teacher)).toBe(true)
      expect(await teacher.getAttribute('aria-invalid')).toBe('true')
      expect(await description(teacher)).toContain('Teacher run is required: choose a teacher run.')
    })

    await step('b and c of the decay schedule appear only with "decay"', async () => {
      const form = page.getByRole('form', { name: /New network ADS/ })
      expect(await form.getByLabel('Decay time b').count()).toBe(0)
      expect(await form.getByLabel('Floor c').count()).toBe(0)
      await form.getByLabel('η schedule', { exact: true }).selectOption('decay')
      await form.getByLabel('Decay time b').waitFor()
      expect(await form.getByLabel('Floor c').inputValue()).toBe('1e-7')
      expect(await description(form.getByLabel('Decay time b'))).toContain('(2 ln 100)')
      await form.getByLabel('η schedule', { exact: true }).selectOption('constant')
      await form.getByLabel('Decay time b').waitFor({ state: 'detached' })
      await form.getByRole('button', { name: 'Cancel' }).click()
    })

    await step('a dataset form remembers the values last used, per project', async () => {
      await page.getByRole('button', { name: 'New dataset' }).click()
      let form = page.getByRole('form', { name: /New dataset/ })
      expect(await form.getByLabel('Samples', { exact: true }).inputValue()).toBe('500')
      await form.getByLabel('Samples', { exact: true }).fill('33')
      await form.getByLabel('Duration', { exact: true }).fill('0.5')
      await form.getByLabel('Run name').fill('remembered')
      await form.getByRole('button', { name: 'Generate' }).click()
      await page.getByRole('row').filter({ hasText: 'remembered' }).getByText('succeeded').waitFor()
      // opened again, here and after a reload: the values last used (not the run name)
      await page.reload()
      await page.getByRole('heading', { level: 1, name: 'Forms e2e' }).waitFor()
      await page.getByRole('button', { name: 'New dataset' }).click()
      form = page.getByRole('form', { name: /New dataset/ })
      expect(await form.getByLabel('Samples', { exact: true }).inputValue()).toBe('33')
      expect(await form.getByLabel('Duration', { exact: true }).inputValue()).toBe('0.5')
      expect(await form.getByLabel('Run name').inputValue()).toBe('')
      // another project starts from the defaults
      await page.goto(`${s.served.origin}/#/projects/${ids.other}`)
      await page.getByRole('heading', { level: 1, name: 'Other project' }).waitFor()
      await page.getByRole('button', { name: 'New dataset' }).click()
      expect(await page.getByRole('form', { name: /New dataset/ }).getByLabel('Samples', { exact: true }).inputValue()).toBe('500')
    })

    await step('"Reset to defaults" restores the defaults and forgets the remembered values', async () => {
      await page.goto(`${s.served.origin}/#/projects/${ids.project}`)
      await page.getByRole('heading', { level: 1, name: 'Forms e2e' }).waitFor()
      await page.getByRole('button', { name: 'New dataset' }).click()
      let form = page.getByRole('form', { name: /New dataset/ })
      expect(await form.getByLabel('Samples', { exact: true }).inputValue()).toBe('33')
      await form.getByRole('button', { name: 'Reset to defaults' }).click()
      expect(await form.getByLabel('Samples', { exact: true }).inputValue()).toBe('500')
      expect(await form.getByLabel('Duration', { exact: true }).inputValue()).toBe('1')
      await form.getByRole('button', { name: 'Cancel' }).click()
      await page.getByRole('button', { name: 'New dataset' }).click()
      form = page.getByRole('form', { name: /New dataset/ })
      expect(await form.getByLabel('Samples', { exact: true }).inputValue()).toBe('500')
      await form.getByRole('button', { name: 'Cancel' }).click()
    })

    await step('an evaluation file that does not fit the network is refused at its field; nothing is stored', async () => {
      const before = (await s.served.call<unknown[]>('runs.list', { projectId: ids.project })).length
      await page.getByRole('button', { name: 'New evaluation' }).click()
      const form = page.getByRole('form', { name: /New evaluation/ })
      await form.getByLabel('Trained network run').selectOption(String(ids.teacher))
      const file = form.getByLabel('or a file .npz')
      await file.setInputFiles({ name: 'three-channels.npz', mimeType: 'application/zip', buffer: npz(4, 500, 3) })
      await form.getByText('three-channels.npz').waitFor()
      await form.getByRole('button', { name: 'Evaluate' }).click()
      await form.getByRole('alert').filter({ hasText: 'array "inputs" has 3 channels but the network takes 1' }).waitFor()
      expect(await file.getAttribute('aria-invalid')).toBe('true')
      expect(await isFocused(file)).toBe(true)
      expect((await s.served.call<unknown[]>('runs.list', { projectId: ids.project })).length).toBe(before)
    })

    await step('an evaluation on a file chosen in the page: imported as a dataset run, then evaluated', async () => {
      const form = page.getByRole('form', { name: /New evaluation/ })
      await form.getByLabel('or a file .npz').setInputFiles({ name: 'held-out.npz', mimeType: 'application/zip', buffer: npz(6, 500, 1) })
      await form.getByLabel('Run name').fill('file eval')
      await form.getByRole('button', { name: 'Evaluate' }).click()
      await page.getByRole('row').filter({ hasText: 'file eval' }).getByText('succeeded').waitFor()
      const runs = await s.served.call<{ id: number; name: string; kind: string }[]>('runs.list', { projectId: ids.project })
      const ev = runs.find((r) => r.name === 'file eval')!
      const detail = await s.served.call<{ params: Record<string, unknown>; parents: { id: number; kind: string; role: string; name: string }[]; summary: Record<string, number> }>('runs.get', { id: ev.id })
      const dataset = detail.parents.find((p) => p.role === 'dataset')!
      expect(dataset).toMatchObject({ kind: 'dataset', name: 'Imported held-out.npz' })
      expect(detail.params).toMatchObject({ network: ids.teacher, dataset: dataset.id })
      expect(detail.summary.samples).toBe(6)
      await page.getByRole('row').filter({ hasText: 'Imported held-out.npz' }).waitFor()
    })

    expect(s.pageErrors).toEqual([])
  })
})
