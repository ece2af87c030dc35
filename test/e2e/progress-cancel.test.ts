// A pipeline long enough to watch (a teacher of many short epochs), against a real `mimic serve`:
// every progress line shows one epoch number (the job's message and the page's own counters agree),
// on the pipeline page and on its teacher's page; then Cancel from the keyboard, and the cancelled
// runs say so in a neutral notice (when, where it stopped, what was kept), not in a red error box.
// A Cancel (or Dismiss) that goes away once it has worked hands the keyboard focus on (to the
// page's heading, to the job's Dismiss), never to the page's body. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { focusSettled } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
let pipelineId = 0
let teacherId = 0
const teacherEpochs = 80

beforeAll(async () => {
  s = await openSession('progress', { width: 1024, height: 700 })
})

afterAll(async () => {
  await s?.close()
})

interface RunInfo {
  id: number
  status: string
  error: string | null
  children: { id: number; kind: string; status: string }[]
}

/** Every "epoch N of M" in the text, as [N, M] pairs. */
function epochsIn(text: string): [number, number][] {
  return [...text.matchAll(/epoch (\d+) of (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])])
}

/**
 * Reads the text of `selector` every few tens of milliseconds for `ms` (or until `enough`), and
 * returns the snapshots that carry an epoch number.
 */
async function watch(page: Page, selector: string, ms: number, enough: (snaps: string[]) => boolean = () => false): Promise<string[]> {
  const snaps: string[] = []
  const until = Date.now() + ms
  while (Date.now() < until && !enough(snaps)) {
    const text = String(await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.innerText).join(' | ')`))
    if (epochsIn(text).length) snaps.push(text.replace(/\s+/g, ' '))
    await page.waitForTimeout(60)
  }
  return snaps
}

function expectOneEpochPerSnapshot(snaps: string[], where: string): void {
  for (const text of snaps) {
    const found = epochsIn(text)
    expect(new Set(found.map(([n]) => n)).size, `${where}: more than one epoch number in "${text}"`).toBe(1)
    expect(new Set(found.map(([, m]) => m)), `${where}: "${text}"`).toEqual(new Set([teacherEpochs]))
  }
}

describe('progress and cancel', () => {
  it('shows one epoch number on each progress line', async () => {
    const { page, step } = s
    const run = (): Promise<RunInfo> => s.served.call<RunInfo>('runs.get', { id: pipelineId })

    await step('start a pipeline with a long teacher stage and open its page', async () => {
      const projectId = s.cli<{ id: number }>(['projects', 'create', 'Progress e2e']).id
      pipelineId = (
        await s.served.call<{ runId: number }>('jobs.start', {
          kind: 'pipeline',
          projectId,
          name: 'long pipeline',
          params: {
            seed: 1,
            teacherUnits: 24,
            teacherEpochs,
            teacherSamplesPerEpoch: 500,
            teacherStepSize: 3e-3,
            teacherTauStepUnit: 'ms',
            teacherValidationSamples: 10,
            neurons: 64,
            epochs: 2,
            samplesPerEpoch: 10,
            validationSamples: 6,
            testSamples: 10,
          },
        })
      ).runId
      await page.goto(`${s.served.url}#/runs/${pipelineId}`)
      await page.getByRole('heading', { level: 1, name: 'long pipeline' }).waitFor()
    })

    await step('the pipeline page: the progress panel and the current stage agree', async () => {
      const snaps = await watch(page, '[aria-labelledby="pl-progress"], li.stage.current', 25_000, (sn) => sn.some((t) => epochsIn(t).some(([n]) => n >= 3)))
      expect(snaps.length, 'snapshots of the progress with an epoch number').toBeGreaterThan(3)
      expect(Math.max(...snaps.flatMap((t) => epochsIn(t).map(([n]) => n))), 'the teacher got to epoch 3 while watched').toBeGreaterThanOrEqual(3)
      expectOneEpochPerSnapshot(snaps, 'pipeline page')
      const r = await run()
      expect(r.status).toBe('running')
      teacherId = r.children.find((c) => c.kind === 'teacher')!.id
    })

    await step("the teacher's page: the progress line and the curves' headers agree", async () => {
      await page.goto(`${s.served.url}#/runs/${teacherId}`)
      await page.getByRole('figure', { name: 'Loss by epoch' }).waitFor()
      const snaps = await watch(page, 'main', 2500)
      expect(snaps.length, 'snapshots of the teacher page with an epoch number').toBeGreaterThan(3)
      expectOneEpochPerSnapshot(snaps, 'teacher page')
      expect((await run()).status).toBe('running')
    })
    expect(s.pageErrors).toEqual([])
  })

  it('shows a cancelled run as a neutral notice, not as an error', async () => {
    const { page, step } = s
    expect(pipelineId, 'the pipeline of the first test').toBeGreaterThan(0)
    let lastEpoch = 0

    await step('cancel the pipeline from the keyboard', async () => {
      await page.goto(`${s.served.url}#/runs/${pipelineId}`)
      const cancel = page.getByRole('button', { name: 'Cancel pipeline long pipeline' })
      await cancel.waitFor()
      const snaps = await watch(page, '[aria-labelledby="pl-progress"]', 3000, (sn) => sn.length > 0)
      lastEpoch = epochsIn(snaps[0])[0][0]
      await cancel.focus()
      await page.keyboard.press('Enter')
      const until = Date.now() + 15_000
      for (;;) {
        const r = await s.served.call<RunInfo>('runs.get', { id: pipelineId })
        if (r.status === 'cancelled') break
        expect(r.status, 'the pipeline after Cancel').toBe('running')
        if (Date.now() > until) throw new Error('the pipeline was not cancelled within 15 s')
        await page.waitForTimeout(100)
      }
      // the Cancel went with the run's progress: the focus is on the page's heading
      await cancel.waitFor({ state: 'detached' })
      await focusSettled(page)
      expect(await activeText(page), 'the focus after the Cancel went away').toBe('h1 long pipeline')
    })

    await step('the pipeline page: a neutral notice with the time, the epoch and what was kept', async () => {
      const notice = page.getByRole('status').filter({ hasText: /^Cancelled by you at \d{2}:\d{2}/ })
      await notice.waitFor()
      const text = (await notice.innerText()).replace(/\s+/g, ' ')
      const [at] = epochsIn(text)
      expect(at, `the notice names the epoch it stopped in: "${text}"`).toHaveLength(2)
      expect(at[0]).toBeGreaterThanOrEqual(lastEpoch)
      expect(at[1]).toBe(teacherEpochs)
      expect(text).toMatch(/teacher stage/)
      expect(text).toMatch(/Kept: the finished stage test set \(#\d+\)/)
      // it stopped in epoch n: n − 1 epochs finished, and their metrics stay
      expect(text).toMatch(at[0] > 2 ? new RegExp(`metrics of the ${at[0] - 1} epochs the teacher finished`) : /metrics of the epoch the teacher finished/)
      await expectNeutral(page, notice)
      await s.shot('cancelled-pipeline')
    })

    await step("the teacher's page: cancelled with its pipeline, also a notice", async () => {
      await page.goto(`${s.served.url}#/runs/${teacherId}`)
      const notice = page.getByRole('status').filter({ hasText: /^Cancelled with its pipeline/ })
      await notice.waitFor()
      const text = (await notice.innerText()).replace(/\s+/g, ' ')
      expect(text).toMatch(new RegExp(`^Cancelled with its pipeline long pipeline \\(#${pipelineId}\\) at \\d{2}:\\d{2}:\\d{2}\\.`))
      expect(text).toMatch(/Kept: the metrics it recorded before the cancel\./)
      await expectNeutral(page, notice)
    })
    expect(s.pageErrors).toEqual([])
  })

  it("hands the focus on from the jobs tray's Cancel job to its Dismiss, and from Dismiss to the page", async () => {
    const { page, step } = s
    const projectId = s.cli<{ id: number }>(['projects', 'create', 'Tray focus e2e']).id
    const params = { seed: 2, units: 16, epochs: 5000, samplesPerEpoch: 200, validationSamples: 10, testSamples: 10 }
    await s.served.call('jobs.start', { kind: 'train.teacher', projectId, name: 'tray teacher', params })
    await page.goto(`${s.served.url}#/projects/${projectId}`)
    await page.getByRole('heading', { level: 1, name: 'Tray focus e2e' }).waitFor()
    await step('Enter on Cancel job: the focus moves to the Dismiss that replaces it', async () => {
      const cancel = page.getByRole('button', { name: 'Cancel job tray teacher' })
      await cancel.focus()
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Dismiss job tray teacher' }).waitFor({ timeout: 15_000 })
      await focusSettled(page)
      expect(await activeText(page)).toBe('button Dismiss job tray teacher')
    })
    await step('Enter on Dismiss: the row goes, the focus moves to the page', async () => {
      await page.keyboard.press('Enter')
      await page.getByRole('button', { name: 'Dismiss job tray teacher' }).waitFor({ state: 'detached' })
      await focusSettled(page)
      expect(await activeText(page)).not.toBe('body')
    })
    expect(s.pageErrors).toEqual([])
  })
})

/** The focused element: its tag and its label (or text); "body" when nothing has the focus. */
function activeText(page: Page): Promise<string> {
  return page.evaluate(
    '(() => { const e = document.activeElement; return !e || e === document.body ? "body" : e.tagName.toLowerCase() + " " + (e.getAttribute("aria-label") ?? e.textContent.trim()) })()',
  ) as Promise<string>
}

/** No error box or alert on the page, and the notice is not drawn in the danger colours. */
async function expectNeutral(page: Page, notice: ReturnType<Page['getByRole']>): Promise<void> {
  expect(await page.getByRole('heading', { name: 'Error', exact: true }).count(), 'an "Error" heading').toBe(0)
  expect(await page.getByRole('alert').filter({ hasText: /\S/ }).count(), 'an alert').toBe(0)
  const colours = await notice.evaluate((el) => {
    const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; color: string; borderTopColor: string } }).getComputedStyle(el)
    return [cs.backgroundColor, cs.color, cs.borderTopColor]
  })
  // --danger #c92a2a, --danger-soft #fdeced, the error box's border #f1b5b5
  for (const c of colours) expect(['rgb(201, 42, 42)', 'rgb(253, 236, 237)', 'rgb(241, 181, 181)']).not.toContain(c)
}
