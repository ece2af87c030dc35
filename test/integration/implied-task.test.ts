// The task a job's parameters imply, and so the task's method settings, are the same in the forms
// (renderer/src/lib/jobKindUi.ts formTask, what JobForm fills in) and in the service (what a started
// run records), for the same parameters: one impliedTask, with the default-task fallback, for both.
import { afterEach, describe, expect, it } from 'vitest'
import { Services } from '../../src/services/index.ts'
import { AppError } from '../../src/shared/errors.ts'
import { jobKinds, methodDefaultsOf, type JobKindName } from '../../src/shared/jobkinds/index.ts'
import { isTaskName, type TaskName } from '../../src/shared/tasks/index.ts'
import { formTask } from '../../renderer/src/lib/jobKindUi.ts'
import { initialValues, switchDefaults, toParams, type FormValues } from '../../renderer/src/lib/schemaForm.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const open: Services[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
  cleanupTemp()
})

describe('the task a form implies is the task the service implies', () => {
  it('for a task chosen, a dataset chosen, and neither (the kind’s default task)', async () => {
    const s = new Services({ dbPath: tempDb(), frontDoor: 'cli', cancelGraceMs: 3000 })
    open.push(s)
    const p = await s.call('projects.create', { name: 'P' })
    // a dataset of a task other than the default (XOR), so that the task it implies is its own
    const made = await s.call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { task: 'wake-phrase', count: 5, seed: 3 } })
    expect(await s.runner.wait(made.runId)).toBe('succeeded')
    const dataset = String(made.runId)
    // as JobForm reads the task of a run it refers to
    const tasks: Record<number, TaskName | undefined> = {}
    const taskOfRun = (id: unknown): TaskName | undefined => (typeof id === 'number' ? tasks[id] : undefined)
    const run = await s.call('runs.get', { id: made.runId })
    tasks[made.runId] = isTaskName(run.params.task) ? run.params.task : undefined

    const small = { epochs: '1', samplesPerEpoch: '2', units: '4' }
    const cases: { kind: JobKindName; typed: FormValues; task: TaskName }[] = [
      // the task field emptied (sent as left out): the default task, with its generator's fields
      { kind: 'data.generate', typed: { task: '', count: '20' }, task: 'xor' },
      { kind: 'train.teacher', typed: { task: '', data: '', ...small }, task: 'xor' },
      // a task chosen: its generator's fields (the phrase, the SNR...)
      { kind: 'data.generate', typed: { task: 'wake-phrase', count: '4' }, task: 'wake-phrase' },
      { kind: 'train.teacher', typed: { task: '', data: dataset, ...small }, task: 'wake-phrase' },
    ]
    for (const c of cases) {
      const info = jobKinds[c.kind].params.info()
      // what the user typed into a fresh form, before the form fills in the task's settings
      const typed = { ...initialValues(info), ...c.typed }
      const task = formTask(c.kind, typed, taskOfRun)
      expect(task, `${c.kind} ${JSON.stringify(c.typed)}: the form's task`).toBe(c.task)
      const filled = switchDefaults(info, typed, {}, methodDefaultsOf(c.kind, task))
      // the service gets only what the user typed (as `mimic` would), the task's settings and every other
      // field left out
      const sent = Object.fromEntries(Object.entries(toParams(info, typed)).filter(([k]) => k in c.typed))
      const { runId } = await s.call('jobs.start', { kind: c.kind, projectId: p.id, params: sent })
      const recorded = (await s.call('runs.get', { id: runId })).params
      expect(recorded.task, `${c.kind} ${JSON.stringify(c.typed)}: the service's task`).toBe(task)
      // and fills in the settings the form shows
      expect(recorded).toMatchObject(toParams(info, filled))
      try {
        await s.call('jobs.cancel', { runId })
      } catch (e) {
        // it ended already: nothing to cancel
        if (!(e instanceof AppError && e.code === 'CONFLICT')) throw e
      }
      await s.runner.wait(runId)
    }
  })
})
