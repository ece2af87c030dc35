// The training and reproduce forms take the wake phrase's method settings (docs/method.md §5: teacher
// 16 → 128 units, N = 768, the staircase k schedule, ...) from the task plug-in, the one source the
// command line uses too (methodDefaultsOf), when the wake-phrase task, a wake-phrase dataset or a
// wake-phrase teacher is chosen; choosing another task puts the schema's defaults back, and a field
// the user typed in keeps its value. A submitted form starts its run with them. Needs a built renderer.
import { join } from 'node:path'
import type { Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobKinds, methodDefaultsOf, type JobKindName } from '../../src/shared/jobkinds/index.ts'
import { valueText } from '../../renderer/src/lib/schemaForm.ts'
import { tempDir } from '../support/tmp.ts'
import { openSession, type Session } from './support/session.ts'
import { numberedWavs, recordingsFolder, toneWav } from '../support/wav.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('wake-forms', { width: 1024, height: 900 })
})

afterAll(async () => {
  await s?.close()
})

/** The form's value of each of the kind's fields the wake phrase sets, by the field's label. */
async function shown(form: Locator, kind: JobKindName, keys: string[]): Promise<Record<string, unknown>> {
  const fields = jobKinds[kind].params.info().fields ?? {}
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const input = form.getByLabel(fields[k].label ?? k, { exact: true })
    out[k] = fields[k].type === 'boolean' ? await input.isChecked() : await input.inputValue()
  }
  return out
}

/** What the form should show for the wake phrase's settings of `kind` (or, with `{}`, the schema's). */
function expected(kind: JobKindName, defaults: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const fields = jobKinds[kind].params.info().fields ?? {}
  return Object.fromEntries(keys.map((k) => [k, valueText(fields[k], k in defaults ? defaults[k] : fields[k].default)]))
}

describe('forms with the wake phrase', () => {
  it('apply the method settings of the task plug-in, as the command line does', async () => {
    const { page, step } = s
    let projectId = 0
    let datasetId = 0
    let teacherId = 0

    await step('prepare recordings and a small wake-phrase teacher with the CLI', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Wake forms e2e']).id
      const dir = recordingsFolder(join(tempDir('mimic-wakeforms-'), 'rec'), {
        positive: numberedWavs('p', 3, (i) => toneWav(900 + 50 * i)),
        negative: numberedWavs('n', 3, (i) => toneWav(300 + 30 * i)),
      })
      datasetId = s.cli<{ id: number }>(['data', 'import', 'audio', '--project', String(projectId), '--dir', dir, '--name', 'tones']).id
      teacherId = s.cli<{ id: number }>(['train', 'teacher', '--project', String(projectId), '--data', String(datasetId), '--units', '4', '--epochs', '1', '--seed', '1', '--name', 'wake teacher']).id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Wake forms e2e' }).waitFor()
    })

    await step('the teacher form: choosing the wake-phrase task fills its settings; XOR puts the defaults back; typed values stay', async () => {
      const kind = 'train.teacher'
      const wake = methodDefaultsOf(kind, 'wake-phrase')
      const keys = Object.keys(wake)
      expect(keys).toEqual(expect.arrayContaining(['units', 'stepSize', 'lambdaMse', 'epochs']))
      await page.getByRole('button', { name: 'New teacher' }).click()
      const form = page.getByRole('form', { name: /New teacher/ })
      expect(await shown(form, kind, keys)).toEqual(expected(kind, {}, keys))
      await form.getByLabel('Task', { exact: true }).selectOption('wake-phrase')
      await expect.poll(() => shown(form, kind, keys)).toEqual(expected(kind, wake, keys))
      expect(await form.getByLabel('Units', { exact: true }).inputValue()).toBe('128')
      // the task's setting is the field's default now: its hint says so, and it offers no reset to another
      await expect.poll(async () => (await form.getByLabel('Units', { exact: true }).getAttribute('aria-describedby')) ?? '').toMatch(/hint/)
      const hintId = ((await form.getByLabel('Units', { exact: true }).getAttribute('aria-describedby')) ?? '').split(' ').find((x) => x.endsWith('-hint'))!
      expect(await form.locator(`[id="${hintId}"]`).textContent()).toContain('default 128')
      expect(await form.getByRole('button', { name: 'Reset Units to its default' }).count()).toBe(0)
      await form.getByLabel('Epochs', { exact: true }).fill('7')
      await form.getByLabel('Task', { exact: true }).selectOption('xor')
      await expect.poll(() => form.getByLabel('Units', { exact: true }).inputValue()).toBe('64')
      expect(await form.getByLabel('Epochs', { exact: true }).inputValue()).toBe('7')
      await s.shot('teacher-form')
      await form.getByRole('button', { name: 'Cancel' }).click()
    })

    await step('the pipeline form: choosing a wake-phrase dataset sets the task and its settings (teacher 128 units, N = 768, staircase k)', async () => {
      const kind = 'pipeline'
      const wake = methodDefaultsOf(kind, 'wake-phrase')
      const keys = Object.keys(wake)
      expect(wake).toMatchObject({ teacherUnits: 128, neurons: 768, kSchedule: 'staircase', k: 200 })
      await page.getByRole('button', { name: 'New pipeline' }).click()
      const form = page.getByRole('form', { name: /New pipeline/ })
      expect(await form.getByLabel('Neurons N', { exact: true }).inputValue()).toBe('320')
      await form.getByLabel('Dataset', { exact: true }).selectOption(String(datasetId))
      await expect.poll(() => form.getByLabel('Task', { exact: true }).inputValue()).toBe('wake-phrase')
      await expect.poll(() => shown(form, kind, keys)).toEqual(expected(kind, wake, keys))
      await s.shot('pipeline-form')
      await form.getByRole('button', { name: 'Cancel' }).click()
    })

    await step('the network ADS form: choosing a wake-phrase teacher fills its settings, and the run starts with them', async () => {
      const kind = 'train.ads'
      const wake = methodDefaultsOf(kind, 'wake-phrase')
      const keys = Object.keys(wake)
      await page.getByRole('button', { name: 'New network ADS' }).click()
      const form = page.getByRole('form', { name: /New network ADS/ })
      await form.getByLabel('Teacher run', { exact: true }).selectOption(String(teacherId))
      await expect.poll(() => shown(form, kind, keys)).toEqual(expected(kind, wake, keys))
      await form.getByLabel('Dataset', { exact: true }).selectOption(String(datasetId))
      await form.getByRole('button', { name: 'Train', exact: true }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      const runId = Number(new URL(page.url()).hash.split('/').pop())
      const run = await s.served.call<{ params: Record<string, unknown> }>('runs.get', { id: runId })
      expect(run.params).toMatchObject({ ...wake, teacher: teacherId, data: datasetId })
      await s.served.call('jobs.cancel', { runId }).catch(() => undefined)
    })

    await step('the dataset form: with the wake-phrase task it offers Feature scaling and Close negatives, and the run records them', async () => {
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Wake forms e2e' }).waitFor()
      await page.getByRole('button', { name: 'New dataset' }).click()
      const form = page.getByRole('form', { name: /New dataset/ })
      await form.getByLabel('Task', { exact: true }).selectOption('wake-phrase')
      const scaling = form.getByLabel('Feature scaling', { exact: true })
      expect(await scaling.locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('none'), expect.stringContaining('standardise')]))
      await scaling.selectOption('standardise')
      await form.getByLabel('Close negatives', { exact: true }).fill('0.25')
      await form.getByLabel('Samples', { exact: true }).fill('2')
      await s.shot('dataset-form')
      await form.getByLabel('Run name').fill('scaled corpus')
      await form.getByRole('button', { name: 'Generate' }).click()
      await page.getByRole('row').filter({ hasText: 'scaled corpus' }).first().waitFor()
      const runs = await s.served.call<{ id: number; name: string }[]>('runs.list', { projectId })
      const runId = runs.find((r) => r.name === 'scaled corpus')!.id
      const run = await s.served.call<{ params: Record<string, unknown> }>('runs.get', { id: runId })
      expect(run.params).toMatchObject({ task: 'wake-phrase', featureScaling: 'standardise', closeNegatives: 0.25, count: 2 })
      await s.served.call('jobs.cancel', { runId }).catch(() => undefined)
    })

    expect(s.pageErrors).toEqual([])
  })
})
