// Sweeps started from the workbench's forms on a real one-node SLURM cluster on 127.0.0.1
// (test/support/slurm.ts), in Chromium against `mimic serve`: "Run on: cluster local" in the
// robustness form sends the run's items as one array, grouped by their estimated cost; the sweep's
// page follows its tasks (state, attempts, merged items) until the merged run is there. A training
// grid over seeds waits in the queue of a drained node: a task cancelled behind the workbench's back is
// retried (its second attempt on the page), and the page cancels one task, then the rest, with
// scancel. A paper reproduction's form sends its networks, then its sweeps, to the cluster.
// Needs a built renderer, slurm-wlm and munge.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SweepStatus } from '../../src/shared/types.ts'
import { startLocalSlurm, type LocalSlurm } from '../support/slurm.ts'
import { tempDir } from '../support/tmp.ts'
import { recordingsFolder, toneWav } from '../support/wav.ts'
import { description, isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let slurm: LocalSlurm
let s: Session
let work: string
const saved = { SLURM_CONF: process.env.SLURM_CONF }

beforeAll(async () => {
  slurm = await startLocalSlurm()
  // `mimic serve` (and the CLI of the session) reach the cluster through this machine's SLURM client
  process.env.SLURM_CONF = slurm.env.SLURM_CONF
  s = await openSession('cluster', { width: 1024, height: 768 })
  work = tempDir('mimic-e2e-cluster-')
}, 60_000)

afterAll(async () => {
  await s?.close()
  await slurm?.stop()
  if (saved.SLURM_CONF === undefined) delete process.env.SLURM_CONF
  else process.env.SLURM_CONF = saved.SLURM_CONF
})

const scontrol = (...args: string[]): void => {
  const r = spawnSync('scontrol', args, { env: { ...process.env, ...slurm.env }, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`scontrol ${args.join(' ')}: ${r.stderr}`)
}

describe('sweeps on a cluster from the forms', () => {
  it('sends a robustness run to the cluster, follows its tasks, and cancels a queued grid with scancel', async () => {
    const { page, step } = s
    let projectId = 0
    let teacherId = 0
    let adsId = 0
    let datasetId = 0
    let sweepId = 0
    // a sweep's page asks the cluster one look at a time, every 2 s (two loops of looks once resubmitted a task twice)
    let inFlight = 0
    let mostInFlight = 0
    const polls: number[] = []
    const isPoll = (r: { url(): string }): boolean => r.url().endsWith('/api/sweeps.poll')
    page.on('request', (r) => {
      if (!isPoll(r)) return
      polls.push(Date.now())
      mostInFlight = Math.max(mostInFlight, ++inFlight)
    })
    const settled = (r: { url(): string }): void => {
      if (isPoll(r)) inFlight--
    }
    page.on('requestfinished', settled)
    page.on('requestfailed', settled)

    await step('the Clusters page: a bad field said at its field, the cluster added and checked ready, another removed', async () => {
      await page.goto(s.served.url)
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clusters' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor()
      await page.getByText('No cluster is configured.', { exact: false }).waitFor()
      const form = page.getByRole('form', { name: 'Add a cluster' })
      // a relative work directory: refused at its field before anything is stored
      await form.getByLabel('Cluster name').fill('local')
      await form.getByLabel('Work directory').fill('work')
      await form.getByLabel('Work directory').press('Enter')
      const workdir = form.getByLabel('Work directory')
      await expect(workdir.getAttribute('aria-invalid')).resolves.toBe('true')
      expect(await description(workdir)).toMatch(/\| Work directory must be an absolute path \(starting with \/\) without quotes \(received "work"\)\.$/)
      expect(await isFocused(workdir)).toBe(true)
      // over SSH without a work directory: the server's refusal, at its field
      await form.getByLabel('SSH login').fill('me@login.example')
      await workdir.fill('')
      await form.getByRole('button', { name: 'Add cluster' }).click()
      await form.getByText('Work directory is required with an SSH login (--ssh): an absolute path', { exact: false }).waitFor()
      expect(await isFocused(workdir)).toBe(true)
      expect(s.cli<unknown[]>(['cluster', 'list'])).toEqual([])
      // through this machine's SLURM client
      await form.getByLabel('SSH login').fill('')
      await workdir.fill(join(work, 'work'))
      await workdir.press('Enter')
      const row = page.getByRole('row').filter({ hasText: "this machine's SLURM client" })
      await row.waitFor()
      expect(await isFocused(row.getByRole('button', { name: 'Check cluster local' }))).toBe(true)
      expect(s.cli<{ name: string; workdir: string }[]>(['cluster', 'list'])).toEqual([expect.objectContaining({ name: 'local', workdir: join(work, 'work') })])
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Check of local: ready' }).waitFor({ timeout: 30_000 })
      const checks = page.getByRole('list', { name: 'Checks of local' }).getByRole('listitem')
      expect(await checks.allTextContents()).toEqual([expect.stringMatching(/^ok sinfo: /), expect.stringMatching(/^ok workdir: .* is writable$/), expect.stringMatching(/^ok version: mimic \S+ on both$/)])
      await s.shot('clusters-page')
      // the same name again: the server's refusal at the name
      await form.getByLabel('Cluster name').fill('local')
      await form.getByLabel('Cluster name').press('Enter')
      await form.getByText('Cluster name "local" names a cluster already: choose another name, or remove that cluster first.').waitFor()
      expect(await isFocused(form.getByLabel('Cluster name'))).toBe(true)
      // the browser logs the refusal (409) as a failed resource; it is this one, expected
      const conflicts = s.pageErrors.filter((e) => /status of 409 \(Conflict\)/.test(e))
      expect(conflicts).toHaveLength(1)
      s.pageErrors.splice(s.pageErrors.indexOf(conflicts[0]), 1)
      // a second one, removed after the question
      await form.getByLabel('Cluster name').fill('spare')
      await workdir.fill(join(work, 'spare'))
      await workdir.press('Enter')
      await page.getByRole('button', { name: 'Remove… cluster spare' }).waitFor()
      await page.getByRole('button', { name: 'Remove… cluster spare' }).click()
      const dialog = page.getByRole('dialog', { name: 'Remove cluster “spare”?' })
      await dialog.getByRole('button', { name: 'Remove' }).click()
      await dialog.waitFor({ state: 'hidden' })
      await page.getByRole('row').filter({ hasText: 'spare' }).waitFor({ state: 'detached' })
      expect(s.cli<{ name: string }[]>(['cluster', 'list']).map((c) => c.name)).toEqual(['local'])
    })

    await step('prepare a dataset, a teacher and a network ADS with the CLI', async () => {
      projectId = s.cli<{ id: number }>(['projects', 'create', 'Cluster e2e']).id
      datasetId = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(projectId), '--count', '30', '--seed', '3', '--name', 'xor 30']).id
      teacherId = s.cli<{ id: number }>(['train', 'teacher', '--project', String(projectId), '--name', 'small teacher', '--units', '8', '--epochs', '2', '--samples-per-epoch', '20', '--validation-samples', '0', '--test-samples', '10', '--seed', '1', '--threads', '1']).id
      adsId = s.cli<{ id: number }>(['train', 'ads', '--project', String(projectId), '--name', 'small ads', '--teacher', String(teacherId), '--neurons', '20', '--epochs', '1', '--samples-per-epoch', '6', '--validation-samples', '4', '--test-samples', '4', '--seed', '1', '--threads', '1']).id
    })

    await step('a kind that cannot go to a cluster runs here, even after a cluster was chosen for another kind of its form', async () => {
      // an upload run of recordings (the CLI's import makes one, and a dataset from it)
      const dir = recordingsFolder(join(work, 'recordings'), { positive: { 'a.wav': toneWav(700) }, negative: { 'b.wav': toneWav(300) } })
      const imported = s.cli<{ id: number }>(['data', 'import', 'audio', '--project', String(projectId), '--dir', dir]).id
      const upload = s.cli<{ parents: { id: number; role: string }[] }>(['runs', 'show', String(imported)]).parents.find((p) => p.role === 'upload')!.id
      await page.goto(`${s.served.url}#/projects/${projectId}`)
      await page.getByRole('heading', { level: 1, name: 'Cluster e2e' }).waitFor()
      await page.getByRole('button', { name: 'New dataset' }).click()
      const form = page.getByRole('form', { name: /New dataset/ })
      await form.waitFor()
      // generating a dataset can go to the cluster (a sweep over seeds)
      await form.getByLabel('Run on', { exact: true }).selectOption('local')
      await form.getByLabel('Seeds').fill('1-2')
      // importing recordings cannot: its form has no "Run on", and the job runs on this machine
      await form.getByLabel('Kind', { exact: true }).selectOption('data.import-audio')
      expect(await form.getByLabel('Run on', { exact: true }).count()).toBe(0)
      await form.getByLabel('Uploaded audio files').selectOption(String(upload))
      await form.getByRole('button', { name: 'Generate', exact: true }).click()
      // a second dataset of the recordings, made here from the same upload (the first is the CLI's)
      const imports = (): { id: number; status: string }[] => s.cli<{ id: number; name: string; status: string }[]>(['runs', 'list', '--kind', 'dataset']).filter((r) => r.name === 'Imported recordings')
      await expect.poll(() => imports().map((r) => r.status), { timeout: 60_000, interval: 250 }).toEqual(['succeeded', 'succeeded'])
      const made = imports().find((r) => r.id !== imported)!.id
      expect(s.cli<{ parents: { id: number; role: string }[] }>(['runs', 'show', String(made)]).parents.map((p) => [p.id, p.role])).toEqual([[upload, 'upload']])
      expect(s.cli<unknown[]>(['runs', 'list', '--kind', 'sweep'])).toHaveLength(0)
    })

    await step('the robustness form runs on cluster local', async () => {
      // the link with the token first; then the page's own addresses
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Cluster e2e' }).waitFor()
      await page.goto(`${s.served.origin}/#/runs/${adsId}`)
      await page.getByRole('heading', { level: 1, name: 'small ads' }).waitFor()
      await page.getByRole('link', { name: 'Test robustness…' }).click()
      const form = page.getByRole('form', { name: /New robustness run/ })
      await form.waitFor()
      await form.getByLabel('Network runs').fill(`${teacherId}, ${adsId}`)
      await form.getByLabel('Dataset run').selectOption(String(datasetId))
      await form.getByLabel('Perturbation', { exact: true }).selectOption('mismatch')
      await form.getByLabel('Levels', { exact: true }).fill('0, 0.2')
      await form.getByLabel('Draws per level').fill('2')
      await form.getByLabel('Samples', { exact: true }).fill('10')
      await form.getByLabel('Seed', { exact: true }).fill('5')
      const runOn = form.getByLabel('Run on', { exact: true })
      // this machine by default; the configured cluster is offered
      expect(await runOn.inputValue()).toBe('')
      await runOn.selectOption('local')
      await form.getByText('the job\'s items go to local as one SLURM array').waitFor()
      // a wrong time limit is refused at its field before anything is sent
      await form.getByLabel('Time limit per task').fill('5min')
      await form.getByRole('button', { name: 'Run', exact: true }).click()
      await form.getByText(/Time limit per task must be a SLURM time limit/).waitFor()
      expect(await form.getByLabel('Time limit per task').getAttribute('aria-invalid')).toBe('true')
      expect(s.cli<unknown[]>(['runs', 'list', '--kind', 'sweep'])).toHaveLength(0)
      await form.getByLabel('Time limit per task').fill('')
      await s.shot('form')
      await form.getByRole('button', { name: 'Run', exact: true }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      sweepId = Number(/#\/runs\/(\d+)$/.exec(page.url())![1])
    })

    await step('the sweep page shows the grouping and each task until every item is merged', async () => {
      await page.getByRole('heading', { name: 'Tasks on local' }).waitFor()
      // four small items (2 networks × 2 levels), estimated at seconds each: one task
      await page.getByText(/Grouping: 4 items per task, 1 task \(about .* per item, .* per task\): grouped so that a task runs at least 60 s\./).waitFor()
      await page.getByText('4 of 4 items merged', { exact: true }).waitFor({ timeout: 90_000 })
      const row = page.getByRole('row').filter({ has: page.locator('td').first().filter({ hasText: /^0$/ }) })
      await expect.poll(async () => (await row.getByRole('cell').allTextContents()).slice(2, 5).map((c) => c.trim())).toEqual(['done', '1 / 3', '4 / 4'])
      const st = s.cli<SweepStatus>(['sweep', 'status', String(sweepId), '--no-poll'])
      expect(st).toMatchObject({ status: 'succeeded', merged: 4, grouping: { chosen: 'estimated', itemsPerTask: 4, tasks: 1 } })
      const merged = s.cli<{ status: string; parents: { id: number; role: string }[] }>(['runs', 'show', String(st.mergeRunId)])
      expect(merged.status).toBe('succeeded')
      expect(merged.parents.map((p) => p.role).sort()).toEqual(['dataset', 'networks', 'networks', 'sweep'])
      await page.getByRole('link', { name: `run #${st.mergeRunId}` }).first().waitFor()
      await s.shot('sweep')
    })

    await step('a training grid over seeds waits on a drained node; the page cancels one task, then the sweep', async () => {
      // the node takes no work: the tasks stay queued until they are cancelled
      scontrol('update', 'NodeName=localhost', 'State=DRAIN', 'Reason=e2e')
      try {
        await page.goto(`${s.served.origin}/#/projects/${projectId}`)
        await page.getByRole('heading', { level: 1, name: 'Cluster e2e' }).waitFor()
        await page.getByRole('button', { name: 'New teacher' }).click()
        const form = page.getByRole('form', { name: /New teacher/ })
        await form.waitFor()
        await form.getByLabel('Units').fill('4')
        await form.getByLabel('Epochs', { exact: true }).fill('1')
        await form.getByLabel('Run on', { exact: true }).selectOption('local')
        await form.getByLabel('Seeds').fill('1-3')
        await form.getByLabel('Items per task').fill('1')
        // one seed here and seeds for the cluster: the seed field says to leave it empty
        await form.getByLabel('Seed', { exact: true }).fill('7')
        await form.getByRole('button', { name: 'Train', exact: true }).click()
        await form.getByText(/leave it empty when the job goes to a cluster over Seeds/).waitFor()
        await form.getByLabel('Seed', { exact: true }).fill('')
        await form.getByRole('button', { name: 'Train', exact: true }).click()
        await page.waitForURL(/#\/runs\/\d+$/)
        const grid = Number(/#\/runs\/(\d+)$/.exec(page.url())![1])
        await page.getByText(/Grouping: 1 item per task, 3 tasks.*as given/).waitFor()
        // a task that leaves the queue without its result (here: scancel by someone else) is submitted
        // again, and the page shows its second attempt
        const first = s.cli<SweepStatus>(['sweep', 'status', String(grid), '--no-poll']).tasks[0].slurmJob!
        const r = spawnSync('scancel', [first], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' })
        expect(r.status, r.stderr).toBe(0)
        const row0 = page.getByRole('row').filter({ has: page.locator('td').first().filter({ hasText: /^0$/ }) })
        await expect.poll(async () => (await row0.getByRole('cell').nth(3).textContent())?.trim(), { timeout: 30_000 }).toBe('2 / 3')
        expect((await row0.getByRole('cell').nth(1).textContent())?.trim()).not.toBe(first)
        // while the second attempt waits, the row says why the first ended
        expect((await row0.getByRole('cell').nth(5).textContent())?.trim()).toMatch(/^attempt 1 ended without the results of item 0/)
        await s.shot('retried')
        // at 1024 px the task table fits its panel: every Cancel button in view without scrolling sideways
        const box = await page.locator('.table-scroll').first().evaluate((el) => [el.scrollWidth, el.clientWidth])
        expect(box[0], `the task table is ${box[0]} px wide in ${box[1]} px`).toBeLessThanOrEqual(box[1] + 1)
        // the Clusters page names the sweep under way, and will not remove its cluster
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clusters' }).click()
        const local = page.getByRole('row').filter({ hasText: "this machine's SLURM client" })
        await local.getByRole('link', { name: `run ${grid}` }).waitFor()
        await local.getByRole('button', { name: 'Remove… cluster local' }).click()
        const ask = page.getByRole('dialog', { name: 'Remove cluster “local”?' })
        await ask.getByText(`Sweeps on it are under way (run ${grid}), followed through its settings`, { exact: false }).waitFor()
        await expect(ask.getByRole('button', { name: 'Remove' }).isDisabled()).resolves.toBe(true)
        await page.keyboard.press('Escape')
        await local.getByRole('link', { name: `run ${grid}` }).click()
        await page.getByRole('button', { name: 'Cancel task 1' }).waitFor()
        expect(s.cli<{ name: string; sweepsUnderWay: { id: number }[] }[]>(['cluster', 'list'])).toEqual([expect.objectContaining({ name: 'local', sweepsUnderWay: [expect.objectContaining({ id: grid })] })])
        await page.getByRole('button', { name: 'Cancel task 1' }).click()
        await expect.poll(() => s.cli<SweepStatus>(['sweep', 'status', String(grid), '--no-poll']).tasks.map((t) => t.state)).toEqual(['submitted', 'cancelled', 'submitted'])
        await page.getByRole('button', { name: 'Cancel sweep' }).click()
        await page.getByText('The sweep was cancelled: 0 of 3 items merged').waitFor()
        const st = s.cli<SweepStatus>(['sweep', 'status', String(grid), '--no-poll'])
        expect(st.tasks.map((t) => [t.state, t.error, t.attempts])).toEqual([0, 1, 2].map((k) => ['cancelled', 'cancelled with scancel', k === 0 ? 2 : 1]))
        // SLURM has none of its tasks left
        const q = spawnSync('squeue', ['-h', '-r', '-o', '%i'], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' })
        expect(q.stdout.trim()).toBe('')
        await s.shot('cancelled')
      } finally {
        scontrol('update', 'NodeName=localhost', 'State=RESUME')
      }
    })
    expect(s.pageErrors).toEqual([])
    expect(mostInFlight, 'looks at a sweep in flight at once').toBe(1)
    const gaps = polls.slice(1).map((t, i) => t - polls[i]).sort((a, b) => a - b)
    expect(polls.length).toBeGreaterThan(2)
    expect(gaps[Math.floor(gaps.length / 2)], 'median time between two looks (ms)').toBeGreaterThan(1500)
  }, 240_000)

  it('sends a paper reproduction\'s networks and sweeps to the cluster from its form', async () => {
    const { page, step } = s
    let runId = 0
    await step('the reproduction form runs on cluster local at a tiny size', async () => {
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Cluster e2e' }).click()
      await page.getByRole('button', { name: 'Reproduce the paper' }).click()
      const form = page.getByRole('form', { name: /Reproduce the paper/ })
      await form.waitFor()
      // the cluster options are under "Run on", not among the reproduction's fields
      expect(await form.getByLabel('Items per task').count()).toBe(0)
      const fill = async (label: string, value: string): Promise<void> => form.getByLabel(label, { exact: true }).fill(value)
      await fill('Networks per architecture', '1')
      await fill('Architectures', 'ads')
      await fill('Perturbations', 'mismatch')
      await fill('Seed', '4')
      await fill('Scored samples', '12')
      await fill('Draws per level', '2')
      await fill('Teacher units', '8')
      await fill('Teacher epochs', '2')
      await fill('Teacher samples per epoch', '20')
      await fill('Teacher validation samples', '10')
      await fill('Neurons N', '16')
      await fill('Epochs', '1')
      await fill('Samples per epoch', '10')
      await fill('Validation samples', '10')
      await fill('Test samples', '10')
      await fill('Threads', '1')
      await form.getByLabel('Run on', { exact: true }).selectOption('local')
      await form.getByText('the networks, then the sweeps, go to local as SLURM arrays').waitFor()
      await s.shot('reproduce-form')
      await form.getByRole('button', { name: 'Run reproduction' }).click()
      await page.waitForURL(/#\/runs\/\d+$/)
      runId = Number(/#\/runs\/(\d+)$/.exec(page.url())![1])
    })
    await step('the comparison run succeeds with its network and sweep merged as its children, and its two arrays beside them', async () => {
      await expect.poll(() => s.cli<{ status: string }>(['runs', 'show', String(runId)]).status, { timeout: 150_000, interval: 500 }).toBe('succeeded')
      const run = s.cli<{ kind: string; params: { cluster: string }; children: { id: number; kind: string; role: string }[] }>(['runs', 'show', String(runId)])
      expect(run.kind).toBe('comparison')
      expect(run.params.cluster).toBe('local')
      expect(run.children.map((c) => [c.kind, c.role])).toEqual([
        ['dataset', 'pipeline'],
        ['sweep', 'cluster'],
        ['pipeline', 'pipeline'],
        ['sweep', 'cluster'],
        ['robustness', 'pipeline'],
      ])
      await page.getByRole('heading', { name: /^Comparison: network ADS/ }).waitFor({ timeout: 30_000 })
      await s.shot('reproduce-page')
    })
    expect(s.pageErrors).toEqual([])
  }, 240_000)
})
