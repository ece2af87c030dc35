// Sweeps on a real one-node SLURM cluster on 127.0.0.1 (test/support/slurm.ts), driven through the
// real `mimic` command: clusters added and checked, a teacher training grid over seeds sent with
// --on, followed, one task cancelled, one task killed mid-run and retried, resumed, merged once,
// and the merged runs equal to the same seeds run here.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mimic, spawnMimic } from '../support/cli.ts'
import { pidIn, signalPid } from '../support/daemon.ts'
import { Services } from '../../src/services/index.ts'
import { startLocalSlurm, type LocalSlurm } from '../support/slurm.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'
import type { SweepStatus } from '../../src/shared/types.ts'

let slurm: LocalSlurm
let dir: string
let db: string
let env: Record<string, string>

beforeAll(async () => {
  slurm = await startLocalSlurm()
  dir = tempDir('mimic-sweep-')
  db = join(dir, 'experiments.db')
  env = { ...slurm.env, MIMIC_SWEEP_POLL_MS: '200' }
  json(['cluster', 'add', 'local', '--slurm', '--workdir', join(dir, 'work')])
  json(['projects', 'create', 'grid'])
})
afterAll(async () => {
  await slurm?.stop()
  cleanupTemp()
})

const run = (args: string[], extraEnv: Record<string, string> = {}) => mimic(['--db', db, ...args], { env: { ...env, ...extraEnv }, timeoutMs: 120_000 })
function json<T>(args: string[], extraEnv: Record<string, string> = {}): T {
  const r = run(['--json', ...args], extraEnv)
  if (r.code !== 0) throw new Error(`mimic ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

// A small teacher: a second or two per item on one core.
const teacherParams = { units: 4, epochs: 15, samplesPerEpoch: 8, validationSamples: 0, testSamples: 8, durationS: 0.2, threads: 1 }
const teacher = Object.entries(teacherParams).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)])

describe('clusters', () => {
  test('add, list and test a cluster reached through the local SLURM client', () => {
    expect(json<{ name: string; workdir: string; ssh: string | null }[]>(['cluster', 'list'])).toMatchObject([{ name: 'local', workdir: join(dir, 'work'), ssh: null }])
    const check = json<{ ok: boolean; checks: { name: string; ok: boolean }[]; clusterVersion: string; localVersion: string }>(['cluster', 'test', 'local'])
    expect(check.checks.map((c) => [c.name, c.ok])).toEqual([
      ['sinfo', true],
      ['workdir', true],
      ['version', true],
    ])
    expect(check.clusterVersion).toBe(check.localVersion)
  })

  test('a second cluster of the same name, a relative work directory, and --ssh without --workdir are refused by name', () => {
    const again = run(['cluster', 'add', 'local', '--slurm', '--workdir', join(dir, 'w2')])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('"local" names a cluster already')
    const relative = run(['cluster', 'add', 'rel', '--slurm', '--workdir', 'work'])
    expect(relative.stderr).toMatch(/Work directory \(--workdir\) must be an absolute path/)
    const ssh = run(['cluster', 'add', 'far', '--slurm', '--ssh', 'me@login.example'])
    expect(ssh.stderr).toMatch(/Work directory \(--workdir\) is required with an SSH login \(--ssh\)/)
    expect(json<unknown[]>(['cluster', 'list'])).toHaveLength(1)
  })

  test('a cluster whose mimic is another version fails its test and refuses a sweep before submitting anything', () => {
    // this process claims another code version; the cluster's mimic (the same checkout, without our MIMIC_*) reports its own
    const other = { MIMIC_CODE_VERSION: '0.0.1+0123456789ab' }
    const t = run(['cluster', 'test', 'local'], other)
    expect(t.code).toBe(1)
    expect(t.stdout).toMatch(/FAIL version: the cluster's mimic is 0\.1\.0\+\S+ but this one is 0\.0\.1\+0123456789ab: check out the same commit/)
    const s = run(['train', 'teacher', '--project', '1', ...teacher, '--on', 'local', '--seeds', '1-2'], other)
    expect(s.code).toBe(1)
    expect(s.stderr).toMatch(/Cluster local: the cluster's mimic is .* Nothing was submitted\./)
    expect(json<unknown[]>(['runs', 'list', '--kind', 'sweep'])).toHaveLength(0)
  })

  test('--seeds without --on, and --on a cluster that does not exist, are refused', () => {
    expect(run(['train', 'teacher', '--project', '1', '--seeds', '1-3']).stderr).toMatch(/--seeds sends a sweep to a cluster and needs --on CLUSTER/)
    expect(run(['train', 'teacher', '--project', '1', '--on', 'nowhere', '--seeds', '1-3']).stderr).toMatch(/There is no cluster named "nowhere"/)
  })
})

describe('a training grid over seeds on the cluster', () => {
  test('submit, follow, cancel one task, kill one mid-run (retried), resume, merge once; equal to a local run', { timeout: 180_000 }, async () => {
    const seeds = [11, 12, 13, 14, 15, 16]
    // three tasks of two items; two attempts each
    const started = json<SweepStatus>(['train', 'teacher', '--project', '1', ...teacher, '--on', 'local', '--seeds', '11-16', '--items-per-task', '2', '--attempts', '2', '--no-follow'])
    expect(started.tasks.map((t) => [t.task, t.items, t.state])).toEqual([
      [0, 2, 'submitted'],
      [1, 2, 'submitted'],
      [2, 2, 'submitted'],
    ])
    expect(started.tasks.every((t) => /^\d+_\d$/.test(t.slurmJob ?? ''))).toBe(true)
    const id = started.runId
    // cancel task 2 at once (scancel of ARRAYID_2)
    const cancelled = json<SweepStatus>(['sweep', 'cancel', String(id), '--task', '2'])
    expect(cancelled.tasks[2].state).toBe('cancelled')
    // kill task 1's process while it runs an item
    const progressFile = join(started.dir, 'progress', 'task-1.json')
    const until = Date.now() + 60_000
    let killed = false
    while (!killed && Date.now() < until) {
      if (existsSync(progressFile)) {
        const p = JSON.parse(readFileSync(progressFile, 'utf8')) as { pid: number; itemsDone: number; items: number }
        // while it still has an item to run (the first or the second: the retry skips one already written)
        if (p.itemsDone < p.items) {
          signalPid(p.pid, 'SIGKILL')
          killed = true
        }
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(killed).toBe(true)
    // follow to the end: task 1 comes back in a second attempt, task 2 stays cancelled
    const followed = run(['--json', 'sweep', 'follow', String(id)])
    const afterFollow = JSON.parse(followed.stdout) as SweepStatus
    expect(followed.stderr).toMatch(new RegExp(`sweep ${id}: \\d/6 merged; tasks`))
    expect(afterFollow.status).toBe('cancelled')
    expect(afterFollow.tasks.map((t) => [t.state, t.attempts])).toEqual([
      ['done', 1],
      ['done', 2],
      ['cancelled', 1],
    ])
    expect(afterFollow.merged).toBe(4)
    // resume: the cancelled task runs again, and the sweep ends with every item merged
    const resumed = run(['--json', 'sweep', 'resume', String(id)])
    expect(resumed.code).toBe(0)
    const final = JSON.parse(resumed.stdout) as SweepStatus
    expect(final.status).toBe('succeeded')
    expect(final.merged).toBe(6)
    const ours = json<{ codeVersion: string }>(['--version']).codeVersion
    expect(final.items.map((i) => [i.seed, i.host, i.codeVersion])).toEqual(seeds.map((s) => [s, hostname(), ours]))

    // looking again merges nothing twice
    const again = json<SweepStatus>(['sweep', 'status', String(id)])
    expect(again.merged).toBe(6)
    const raw = new Database(db, { readonly: true })
    const children = raw.prepare(`SELECT r.id, r.seed, r.summary, r.code_version, r.host, r.status FROM runs r JOIN run_lineage l ON l.child_id = r.id WHERE l.parent_id = ? AND l.role = 'sweep' ORDER BY r.seed`).all(id) as {
      id: number
      seed: number
      summary: string
      code_version: string
      host: string
      status: string
    }[]
    const sweepItems = (raw.prepare('SELECT count(*) AS n FROM result_items WHERE run_id = ?').get(id) as { n: number }).n
    raw.close()
    expect(children.map((c) => c.seed)).toEqual(seeds)
    expect(sweepItems).toBe(6)
    expect(children.every((c) => c.status === 'succeeded')).toBe(true)

    // the same seeds run here (the same job through the services, on this machine) give the same runs
    const here = new Services({ dbPath: join(dir, 'here.db'), frontDoor: 'cli' })
    const there = new Services({ dbPath: db, frontDoor: 'cli' })
    try {
      const project = await here.call('projects.create', { name: 'here' })
      const ids: number[] = []
      for (const seed of seeds) ids.push((await here.call('jobs.start', { kind: 'train.teacher', projectId: project.id, params: { ...teacherParams, seed } })).runId)
      for (const [k, c] of children.entries()) {
        let l = await here.call('runs.get', { id: ids[k] })
        while (l.status === 'queued' || l.status === 'running') {
          await new Promise((r) => setTimeout(r, 100))
          l = await here.call('runs.get', { id: ids[k] })
        }
        const m = await there.call('runs.get', { id: c.id })
        expect(l.status).toBe('succeeded')
        expect(m.seed).toBe(l.seed)
        expect(m.params).toEqual(l.params)
        expect(m.summary).toEqual(l.summary)
        expect(m.codeVersion).toBe(l.codeVersion)
        expect(m.parents.map((p) => [p.id, p.role])).toEqual([[id, 'sweep']])
        expect(await there.call('metrics.get', { runId: c.id })).toEqual(await here.call('metrics.get', { runId: ids[k] }))
      }
    } finally {
      await here.close()
      await there.close()
    }
  })


  test('a task that keeps ending without its results is reported failed after its attempts, with the items it misses', { timeout: 90_000 }, async () => {
    const started = json<SweepStatus>(['train', 'teacher', '--project', '1', ...teacher, '--on', 'local', '--seeds', '21', '--attempts', '1', '--no-follow'])
    const progressFile = join(started.dir, 'progress', 'task-0.json')
    const until = Date.now() + 60_000
    let killed = false
    while (!killed && Date.now() < until) {
      if (existsSync(progressFile)) {
        signalPid((JSON.parse(readFileSync(progressFile, 'utf8')) as { pid: number }).pid, 'SIGKILL')
        killed = true
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(killed).toBe(true)
    const followed = run(['--json', 'sweep', 'follow', String(started.runId)])
    expect(followed.code).toBe(1)
    const final = JSON.parse(followed.stdout) as SweepStatus
    expect(final.status).toBe('failed')
    expect(final.tasks[0].state).toBe('failed')
    expect(final.tasks[0].error).toMatch(/^attempt 1 ended without the results of item 0.*\(after 1 attempt\)$/)
    expect(json<{ error: string }>(['runs', 'show', String(started.runId)]).error).toMatch(/^task 0: attempt 1 ended without the results of item 0/)
  })
})

// A teacher that trains for minutes: its task is still queued or running when a test acts on it.
const long = ['train', 'teacher', '--project', '1', '--units', '4', '--epochs', '10000', '--samples-per-epoch', '100', '--validation-samples', '0', '--test-samples', '8', '--duration-s', '0.2', '--threads', '1']
const slurmEnv = () => ({ ...process.env, ...slurm.env })
/** The SLURM jobs (array tasks) of a sweep, by its folder's name. */
const jobsOf = (sweepDir: string) => spawnSync('squeue', ['-h', '-r', '-n', `mimic-${sweepDir.split('/').pop()}`, '-o', '%i'], { env: slurmEnv(), encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean)

/** A sweep of two tasks whose task 0 was cancelled behind the workbench's back (scancel), once it has left the queue. */
async function sweepMissingTask0(seeds: string): Promise<{ runId: number; dir: string; first: string }> {
  const started = json<SweepStatus>([...long, '--on', 'local', '--seeds', seeds, '--items-per-task', '1', '--no-follow'])
  const first = started.tasks[0].slurmJob!
  expect(spawnSync('scancel', [first], { env: slurmEnv(), encoding: 'utf8' }).status).toBe(0)
  const until = Date.now() + 20_000
  while (spawnSync('squeue', ['-h', '-j', first], { env: slurmEnv(), encoding: 'utf8' }).stdout.trim() && Date.now() < until) await new Promise((r) => setTimeout(r, 200))
  return { runId: started.runId, dir: started.dir, first }
}

describe('jobs cancel of a sweep', () => {
  test('cancels its tasks on the cluster (scancel), as sweep cancel does', { timeout: 120_000 }, async () => {
    // items of minutes: nothing ends before the cancel
    const long = ['train', 'teacher', '--project', '1', '--units', '4', '--epochs', '10000', '--samples-per-epoch', '100', '--validation-samples', '0', '--test-samples', '8', '--duration-s', '0.2', '--threads', '1']
    const squeue = (array: string): string[] =>
      spawnSync('squeue', ['-h', '-o', '%i %T'], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.startsWith(`${array}_`))
    const gone = async (array: string): Promise<string[]> => {
      const until = Date.now() + 20_000
      while (squeue(array).length && Date.now() < until) await new Promise((r) => setTimeout(r, 200))
      return squeue(array)
    }
    const started = json<SweepStatus>([...long, '--on', 'local', '--seeds', '41-42', '--items-per-task', '1', '--no-follow'])
    const array = started.tasks[0].slurmJob!.split('_')[0]
    expect(squeue(array).length).toBeGreaterThan(0)
    // before, the sweep's run kept running and SLURM kept its tasks: no process owned it to act on the request
    expect(json<{ id: number; status: string }>(['jobs', 'cancel', String(started.runId)])).toEqual({ id: started.runId, runId: started.runId, status: 'cancelled' })
    expect(json<SweepStatus>(['sweep', 'status', String(started.runId), '--no-poll']).tasks.map((t) => t.state)).toEqual(['cancelled', 'cancelled'])
    expect(await gone(array)).toEqual([])
    expect(run(['jobs', 'cancel', String(started.runId)]).stderr).toContain(`Run ${started.runId} is not running (it is cancelled)`)
  })

  test('a task found gone by several looks at once (two in this process, one in another) is resubmitted once', { timeout: 120_000 }, async () => {
    const { first, ...started } = await sweepMissingTask0('61-62')
    const saved = { ...process.env }
    Object.assign(process.env, slurm.env)
    const here = new Services({ dbPath: db, frontDoor: 'cli' })
    try {
      // another process looks too (`sweep status` asks the cluster), while this one looks twice
      const other = new Promise<string>((resolve) => {
        const child = spawnMimic(['--db', db, '--json', 'sweep', 'status', String(started.runId)], { env })
        let out = ''
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
        child.on('exit', () => resolve(out))
      })
      const [a, b] = await Promise.all([here.call('sweeps.poll', { runId: started.runId }), here.call('sweeps.poll', { runId: started.runId })])
      expect(a).toEqual(b)
      await other
      const after = here.store.sweeps.tasks(started.runId)
      expect(after.map((t) => t.attempts), 'task 0 submitted twice in all, task 1 once').toEqual([2, 1])
      expect(after[0].slurmJob).toMatch(/^\d+_0$/)
      expect(after[0].slurmJob).not.toBe(first)
      // SLURM has one job for task 0, and task 1's
      const jobs = jobsOf(started.dir)
      expect(jobs.filter((j) => j.endsWith('_0'))).toEqual([after[0].slurmJob])
      await here.call('sweeps.cancel', { runId: started.runId })
    } finally {
      await here.close()
      process.env = saved
    }
  })

  test('a cancel from another process while a look resubmits a task: the task stays cancelled and its new job is cancelled too', { timeout: 120_000 }, async () => {
    const { first, ...started } = await sweepMissingTask0('71-72')
    // this process's sbatch takes 4 s: the other process's cancel comes while it runs
    const slow = tempDir('mimic-slow-sbatch-')
    writeFileSync(join(slow, 'sbatch'), `#!/bin/sh\nsleep 4\nexec ${spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' }).stdout.trim()} "$@"\n`, { mode: 0o755 })
    const saved = { ...process.env }
    Object.assign(process.env, slurm.env, { PATH: `${slow}:${process.env.PATH}` })
    const here = new Services({ dbPath: db, frontDoor: 'cli' })
    try {
      const look = here.call('sweeps.poll', { runId: started.runId })
      // the look has taken task 0 for its resubmission
      while (!/\(resubmitting by pid \d+ on .* since \S+\)$/.test(here.store.sweeps.tasks(started.runId)[0].slurmJob ?? '')) await new Promise((r) => setTimeout(r, 50))
      const cancel = run(['sweep', 'cancel', String(started.runId)])
      expect(cancel.code, cancel.stderr).toBe(0)
      await look
      const after = here.store.sweeps.tasks(started.runId)
      expect(after.map((t) => t.state)).toEqual(['cancelled', 'cancelled'])
      expect(after[0].slurmJob).toMatch(/^\d+_0$/)
      expect(after[0].slurmJob).not.toBe(first)
      // SLURM runs none of the sweep's tasks: the job submitted during the cancel went too
      const gone = Date.now() + 20_000
      const left = () => jobsOf(started.dir).join('\n')
      while (left() && Date.now() < gone) await new Promise((r) => setTimeout(r, 200))
      expect(left()).toBe('')
      expect(here.store.runs.get(started.runId).status).toBe('cancelled')
    } finally {
      await here.close()
      process.env = saved
    }
  })

  test('while it is being sent: the cancel is kept, and the sweep is cancelled on the cluster as soon as it is submitted', { timeout: 120_000 }, async () => {
    const saved = { ...process.env }
    Object.assign(process.env, slurm.env)
    const sender = new Services({ dbPath: db, frontDoor: 'cli' })
    try {
      const before = new Set(sender.store.runs.list({ kind: 'sweep' }).map((r) => r.id))
      const params = { units: 4, epochs: 10000, samplesPerEpoch: 100, validationSamples: 0, testSamples: 8, durationS: 0.2, threads: 1 }
      const sending = sender.call('sweeps.start', { cluster: 'local', kind: 'train.teacher', projectId: 1, params, seeds: [51, 52], itemsPerTask: 1 })
      // the sweep's run exists (owned by this process) before its files are written and sbatch runs
      let id: number | undefined
      while (id === undefined) {
        await new Promise((r) => setImmediate(r))
        id = sender.store.runs.list({ kind: 'sweep' }).find((r) => !before.has(r.id))?.id
      }
      expect(sender.store.sweeps.tasks(id).every((t) => t.slurmJob === null)).toBe(true)
      // another process's `jobs cancel`: the sender is alive and owns it, so the request is recorded
      expect(json<{ status: string }>(['jobs', 'cancel', String(id)]).status).toMatch(/^(queued|running)$/)
      const sent = await sending
      expect(sent.runId).toBe(id)
      const after = json<SweepStatus>(['sweep', 'status', String(id), '--no-poll'])
      expect(after.tasks.map((t) => t.state)).toEqual(['cancelled', 'cancelled'])
      expect(after.tasks.every((t) => t.slurmJob !== null)).toBe(true)
      expect(json<{ status: string }>(['runs', 'show', String(id)]).status).toBe('cancelled')
    } finally {
      await sender.close()
      process.env = saved
    }
  })

  describe('a look whose process dies while it resubmits a task', () => {
    /**
     * `mimic sweep status` in another process finds task 0 gone and marks it for resubmission; its
     * sbatch hangs before submitting ('before') or after ('after'); then that process and its sbatch are
     * killed (SIGKILL). Resolves with the dead process's pid.
     */
    async function lookThatDies(runId: number, when: 'before' | 'after'): Promise<number> {
      const wrap = tempDir('mimic-dying-sbatch-')
      const real = spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' }).stdout.trim()
      const pidFile = join(wrap, 'pid')
      const body = when === 'before' ? `echo $$ > ${pidFile}\nexec sleep 60\n` : `${real} "$@"\necho $$ > ${pidFile}\nexec sleep 60\n`
      writeFileSync(join(wrap, 'sbatch'), `#!/bin/sh\n${body}`, { mode: 0o755 })
      const child = spawnMimic(['--db', db, '--json', 'sweep', 'status', String(runId)], { env: { ...env, PATH: `${wrap}:${process.env.PATH}` } })
      const exited = new Promise((r) => child.once('exit', r))
      const until = Date.now() + 30_000
      const wrapper = () => (existsSync(pidFile) ? pidIn(readFileSync(pidFile, 'utf8')) : null)
      while (wrapper() === null && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
      expect(wrapper(), 'the dying look reached sbatch').not.toBeNull()
      child.kill('SIGKILL')
      signalPid(wrapper()!, 'SIGKILL')
      await exited
      return child.pid!
    }

    async function withServices<T>(body: (here: Services) => Promise<T>): Promise<T> {
      const saved = { ...process.env }
      Object.assign(process.env, slurm.env)
      const here = new Services({ dbPath: db, frontDoor: 'cli' })
      try {
        return await body(here)
      } finally {
        await here.close()
        process.env = saved
      }
    }

    test('before its sbatch submitted anything: the next look sends the task again', { timeout: 120_000 }, async () => {
      const s = await sweepMissingTask0('81-82')
      const dead = await lookThatDies(s.runId, 'before')
      await withServices(async (here) => {
        // the mark names the dead process
        expect(here.store.sweeps.tasks(s.runId)[0].slurmJob).toMatch(new RegExp(`^${s.first} \\(resubmitting by pid ${dead} on .* since \\S+\\)$`))
        await here.call('sweeps.poll', { runId: s.runId })
        const after = here.store.sweeps.tasks(s.runId)
        expect(after.map((t) => t.attempts)).toEqual([2, 1])
        expect(after[0].slurmJob).toMatch(/^\d+_0$/)
        expect(after[0].slurmJob).not.toBe(s.first)
        expect(jobsOf(s.dir).filter((j) => j.endsWith('_0'))).toEqual([after[0].slurmJob])
        await here.call('sweeps.cancel', { runId: s.runId })
      })
    })

    test('after its sbatch submitted the job: the next look takes that job over (no second job)', { timeout: 120_000 }, async () => {
      const s = await sweepMissingTask0('83-84')
      await lookThatDies(s.runId, 'after')
      const orphan = jobsOf(s.dir).filter((j) => j.endsWith('_0'))
      expect(orphan).toHaveLength(1)
      await withServices(async (here) => {
        await here.call('sweeps.poll', { runId: s.runId })
        const after = here.store.sweeps.tasks(s.runId)
        expect(after[0].slurmJob).toBe(orphan[0])
        expect(after.map((t) => t.attempts)).toEqual([2, 1])
        expect(after[0].state).toMatch(/^(submitted|running)$/)
        expect(jobsOf(s.dir).filter((j) => j.endsWith('_0'))).toEqual(orphan)
        await here.call('sweeps.cancel', { runId: s.runId })
      })
    })

    test('a cancel cancels the job it submitted, which no task records', { timeout: 120_000 }, async () => {
      const s = await sweepMissingTask0('85-86')
      await lookThatDies(s.runId, 'after')
      expect(jobsOf(s.dir).filter((j) => j.endsWith('_0'))).toHaveLength(1)
      const cancel = run(['sweep', 'cancel', String(s.runId)])
      expect(cancel.code, cancel.stderr).toBe(0)
      const gone = Date.now() + 20_000
      while (jobsOf(s.dir).length && Date.now() < gone) await new Promise((r) => setTimeout(r, 200))
      expect(jobsOf(s.dir)).toEqual([])
      expect(json<{ status: string }>(['runs', 'show', String(s.runId)]).status).toBe('cancelled')
    })
  })
})
