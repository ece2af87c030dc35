// Sweeps on a cluster and the recovery every front door does when it opens the database: a sweep
// (and the run its items merge into) is SLURM's, followed by polling, and is left alone; a sweep whose
// sending process died before anything was submitted ends interrupted, its merge run with it, instead
// of staying queued for ever. Real SQLite files and real `mimic` processes (no cluster is needed:
// nothing here reaches one).
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.ts'
import { hostName } from '../../src/system/version.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterEach(cleanupTemp)

/** A sweep of two tasks whose items merge into one run (a robustness run split into items), as startSweep writes it. */
function sweepOf(store: Store, status: 'queued' | 'running', slurmJobs: boolean): { sweep: number; merge: number } {
  const projectId = store.projects.list()[0]?.id ?? store.projects.create('P').id
  if (!store.clusters.find('hpc')) store.clusters.add({ name: 'hpc', scheduler: 'slurm', ssh: null, sshConfig: null, partition: null, account: null, workdir: tempDir(), checkout: '/nowhere' })
  return store.transaction(() => {
    const sweep = store.runs.create({ projectId, kind: 'sweep', name: 'Robustness on hpc', params: { cluster: 'hpc' }, seed: null, codeVersion: 'test', host: 'hpc' })
    const merge = store.runs.create({ projectId, kind: 'robustness', name: 'Robustness on hpc', params: {}, seed: 7, codeVersion: 'test', host: 'hpc', status: 'running', parents: [{ id: sweep.id, role: 'sweep' }] })
    store.sweeps.create(
      { runId: sweep.id, cluster: 'hpc', dir: '/nowhere/sweep', jobKind: 'robustness', itemsPerTask: 1, maxAttempts: 3, codeVersion: 'test', mergeRunId: merge.id, timeLimit: null },
      [0, 1].map((i) => ({ item: i, task: i, params: {} })),
    )
    if (status === 'running') store.runs.markStarted(sweep.id)
    if (slurmJobs) for (const t of [0, 1]) store.sweeps.setTask(sweep.id, t, { slurmJob: `41_${t}`, attempts: 1 })
    return { sweep: sweep.id, merge: merge.id }
  })
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}

describe('sweeps when another front door opens the database', () => {
  it('a sweep on its cluster and its merge run stay running: no process owns them', () => {
    const db = tempDb()
    const store = openStore(db)
    const { sweep, merge } = sweepOf(store, 'running', true)
    store.close()
    expect(mimic(['--db', db, 'runs', 'list']).code).toBe(0)
    const reader = openStore(db)
    expect(reader.runs.get(sweep).status).toBe('running')
    expect(reader.runs.get(merge)).toMatchObject({ status: 'running', error: null })
    reader.close()
  })

  it('a sweep still being sent by a live process is left to it, and following it does not submit it', () => {
    const db = tempDb()
    const store = openStore(db)
    const { sweep, merge } = sweepOf(store, 'queued', false)
    store.jobs.register(sweep, 'sweep', process.pid, hostName())
    expect(mimic(['--db', db, 'runs', 'list']).code).toBe(0)
    expect(store.runs.get(sweep).status).toBe('queued')
    expect(store.runs.get(merge).status).toBe('running')
    // the sweep's page polls it meanwhile: nothing is asked of the cluster (which does not exist here)
    const shown = mimic(['--db', db, '--json', 'sweep', 'status', String(sweep)])
    expect(shown.stderr).toBe('')
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'queued', tasks: [{ state: 'submitted', attempts: 0 }, { state: 'submitted', attempts: 0 }] })
    store.close()
  })

  it('a sweep whose sending process died before submitting ends interrupted with its merge run and tasks, and is not resumed', () => {
    const db = tempDb()
    const store = openStore(db)
    const { sweep, merge } = sweepOf(store, 'queued', false)
    const pid = deadPid()
    store.jobs.register(sweep, 'sweep', pid, hostName())
    // and one left by a version that gave a sweep being sent no owner
    const older = sweepOf(store, 'queued', false)
    store.close()
    expect(mimic(['--db', db, 'runs', 'list']).code).toBe(0)
    const reader = openStore(db)
    for (const id of [sweep, merge]) {
      expect(reader.runs.get(id), `run ${id}`).toMatchObject({
        status: 'interrupted',
        error: `interrupted: the process that ran it (pid ${pid} on ${hostName()}) stopped before the run finished (while it was being sent to its cluster: nothing was submitted; start it again)`,
      })
    }
    expect(reader.sweeps.tasks(sweep).map((t) => t.state)).toEqual(['cancelled', 'cancelled'])
    expect(reader.runs.get(older.sweep).status).toBe('interrupted')
    expect(reader.runs.get(older.merge).status).toBe('interrupted')
    reader.close()
    const resumed = mimic(['--db', db, 'sweep', 'resume', String(sweep)])
    expect(resumed.code).toBe(1)
    expect(resumed.stderr).toMatch(/Sweep \d+ was stopped before it was submitted to cluster hpc \(interrupted\); there is nothing to resume: start the job again\./)
  })
})
