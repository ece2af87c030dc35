// The project list while jobs run, in Chromium against `mimic serve`: run counts move without a
// reload (a job of this server, and one started by the CLI in another process); the delete dialog
// gives the true count; while jobs run it refuses in the browser's own words (the runs by name,
// links to them and Cancel buttons: no internal ids, no command lines), and deletes once they are
// cancelled. A project that is not there (a wrong address, or deleted by the CLI while its page is
// open) says so with the way back, and offers nothing to start in it; so does a run. Needs a built
// renderer.
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMimic } from '../support/cli.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
const children: ChildProcess[] = []

beforeAll(async () => {
  s = await openSession('projects-live', { width: 1024, height: 768 })
})

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r))
      c.kill('SIGINT')
      await exited
    }
  }
  await s?.close()
})

interface Job {
  runId: number
  projectId: number
  name: string
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now()
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('projects while jobs run', () => {
  it('counts runs live and refuses deletion in words that fit the browser', async () => {
    const { page, step } = s
    let project = 0
    const long = ['--units', '64', '--epochs', '100', '--seed', '1']

    await step('a project with one run', async () => {
      project = s.cli<{ id: number }>(['projects', 'create', 'Live e2e']).id
      s.cli(['data', 'generate', 'xor', '--project', String(project), '--count', '10', '--seed', '1'])
      await page.goto(s.served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByRole('row').filter({ hasText: 'Live e2e' }).getByRole('cell', { name: '1', exact: true }).waitFor()
    })

    const row = () => page.getByRole('row').filter({ hasText: 'Live e2e' })

    await step('a job started on this server: the count moves without a reload', async () => {
      await s.served.call('jobs.start', { kind: 'train.teacher', projectId: project, name: 'teacher on the server', params: { units: 64, epochs: 100, seed: 1 } })
      await row().getByRole('cell', { name: '2', exact: true }).waitFor()
    })

    await step('a job started by the CLI in another process: the count follows too', async () => {
      const child = spawnMimic(['--db', s.served.db, 'train', 'teacher', '--project', String(project), '--name', 'teacher from the CLI', ...long])
      children.push(child)
      await row().getByRole('cell', { name: '3', exact: true }).waitFor({ timeout: 8000 })
    })

    const dialog = page.getByRole('dialog', { name: 'Delete project “Live e2e”?' })

    await step('the delete dialog gives the true count and names the running runs, with links and Cancel', async () => {
      await until(async () => (await s.served.call<Job[]>('jobs.list', {})).filter((j) => j.projectId === project).length === 2, 'both jobs listed')
      await page.getByRole('button', { name: 'Delete project Live e2e' }).click()
      await dialog.getByText('Deleting the project deletes its 3 runs').waitFor()
      // the tray knows both jobs (polled); should it not yet, confirming brings the server's refusal, shown the same way
      const del = dialog.getByRole('button', { name: 'Delete', exact: true })
      if (await del.isEnabled()) await del.click({ timeout: 1000 }).catch(() => {})
      await dialog.getByText('2 of its runs are still running').waitFor()
      const list = dialog.getByRole('list', { name: 'Running in this project' })
      for (const name of ['teacher on the server', 'teacher from the CLI']) {
        await list.getByRole('link', { name }).waitFor()
        await list.getByRole('button', { name: `Cancel run ${name}` }).waitFor()
      }
      expect(await del.isDisabled()).toBe(true)
      // words for this surface: no command line, no internal ids
      const text = (await dialog.textContent()) ?? ''
      expect(text).not.toMatch(/mimic|`|jobs cancel|#\d|run \d|project \d|Project \d/i)
      await s.shot('refused')
    })

    await step('Cancel in the dialog cancels them; then the project is deleted', async () => {
      const list = dialog.getByRole('list', { name: 'Running in this project' })
      await list.getByRole('button', { name: 'Cancel run teacher on the server' }).click()
      await list.getByRole('button', { name: 'Cancel run teacher from the CLI' }).click()
      await until(async () => (await s.served.call<Job[]>('jobs.list', {})).length === 0, 'the jobs to stop')
      const del = dialog.getByRole('button', { name: 'Delete', exact: true })
      await until(() => del.isEnabled(), 'the Delete button')
      await del.click()
      await dialog.waitFor({ state: 'hidden' })
      await row().waitFor({ state: 'detached' })
      const left = await s.served.call<{ name: string }[]>('projects.list')
      expect(left.map((p) => p.name)).not.toContain('Live e2e')
    })

    expect(s.pageErrors).toEqual([])
  })

  it('says a project is not there, with nothing to start in it, when the address is wrong or it was deleted meanwhile', async () => {
    const { page, step } = s
    const expectGone = async (id: number): Promise<void> => {
      await page.getByText(`There is no project ${id} in this database (it may have been deleted).`).waitFor()
      expect(await page.getByRole('button', { name: 'New pipeline' }).count(), 'a New pipeline button').toBe(0)
      expect(await page.getByRole('region', { name: 'Runs' }).count(), 'the runs panel').toBe(0)
      const text = await page.locator('main').innerText()
      expect(text).not.toMatch(/No runs yet|mimic projects list/)
    }
    await step('a wrong address', async () => {
      await page.goto(`${s.served.url}#/projects/99999`)
      await page.getByRole('heading', { level: 1, name: 'Project 99999' }).waitFor()
      await expectGone(99999)
    })
    await step('deleted by the CLI while its page is open', async () => {
      const id = s.cli<{ id: number }>(['projects', 'create', 'Soon gone']).id
      await page.goto(`${s.served.url}#/projects/${id}`)
      await page.getByRole('button', { name: 'New pipeline' }).waitFor()
      s.cli(['projects', 'delete', String(id)])
      await expectGone(id)
      await page.getByRole('link', { name: 'Back to the project list' }).click()
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
    })
    await step('a run: a wrong address, then one deleted (by another window of this server) while its page is open', async () => {
      await page.goto(`${s.served.url}#/runs/99999`)
      await page.getByText('There is no run 99999 in this database (it may have been deleted).').waitFor()
      expect(await page.locator('main').innerText()).not.toMatch(/mimic runs list/)
      const p = s.cli<{ id: number }>(['projects', 'create', 'Run soon gone']).id
      const run = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(p), '--count', '2', '--name', 'doomed data']).id
      await page.goto(`${s.served.url}#/runs/${run}`)
      await page.getByRole('heading', { level: 1, name: 'doomed data' }).waitFor()
      await s.served.call('runs.delete', { id: run })
      await page.getByText(`There is no run ${run} in this database (it may have been deleted).`).waitFor()
      expect(await page.getByRole('button', { name: 'Rename' }).count(), "the deleted run's actions").toBe(0)
      await page.getByRole('link', { name: 'Back to the project list' }).waitFor()
    })
    await step('a run tagged, noted, then deleted by the CLI (another process) while its page is open', async () => {
      const p = s.cli<{ id: number }>(['projects', 'create', 'Run gone by the CLI']).id
      const run = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(p), '--count', '2', '--name', 'cli data']).id
      // (a new id: the run deleted in the step above, whose page is open, had the newest one)
      await page.goto(`${s.served.url}#/runs/${run}`)
      await page.getByRole('heading', { level: 1, name: 'cli data' }).waitFor()
      // another process sends this server no events: its watch on the database sees the changes
      s.cli(['runs', 'tag', String(run), 'tagged-elsewhere'])
      await page.getByRole('region', { name: 'Tags' }).getByText('tagged-elsewhere').waitFor({ timeout: 10_000 })
      s.cli(['runs', 'note', String(run), 'a note from the terminal'])
      await page.getByText('a note from the terminal').waitFor({ timeout: 10_000 })
      s.cli(['runs', 'delete', String(run)])
      await page.getByText(`There is no run ${run} in this database (it may have been deleted).`).waitFor({ timeout: 10_000 })
      expect(await page.getByRole('button', { name: 'Rename' }).count(), "the deleted run's actions").toBe(0)
      // and its project's page lists it no more
      await page.goto(`${s.served.url}#/projects/${p}`)
      await page.getByText('No runs yet').waitFor({ timeout: 10_000 })
    })
  })
})
