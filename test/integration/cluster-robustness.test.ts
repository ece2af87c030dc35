// A robustness run sent to a real one-node SLURM cluster on 127.0.0.1 (test/support/slurm.ts), through
// the local SLURM client and through a real OpenSSH server on loopback (test/support/sshd.ts): the
// networks, their teacher and the dataset are shipped to the sweep's folder with their checksums, the
// run is cut into one item per network and level, and the merged run has the same per-draw rows,
// summary and parents as the same run made here. Then a task that SLURM ends at its time limit
// (--time) is reported as timed out and retried.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Services } from '../../src/services/index.ts'
import type { RobustnessAnalysis, SweepStatus } from '../../src/shared/types.ts'
import { mimic, mimicJson, repoRoot } from '../support/cli.ts'
import { signalPid } from '../support/daemon.ts'
import { startLocalSlurm, type LocalSlurm } from '../support/slurm.ts'
import { startLocalSshd, type LocalSshd } from '../support/sshd.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

let slurm: LocalSlurm
let sshd: LocalSshd
let dir: string
let db: string
let env: Record<string, string>
const ids = { dataset: 0, teacher: 0, ads: 0 }

const run = (args: string[]) => mimic(['--db', db, ...args], { env, timeoutMs: 150_000 })
const json = <T>(args: string[]): T => mimicJson<T>(args, { db, env, timeoutMs: 150_000 })

beforeAll(async () => {
  slurm = await startLocalSlurm()
  // the login node's sessions find the cluster as a lab's login node would (its profile sets SLURM_CONF)
  sshd = await startLocalSshd({ env: { SLURM_CONF: slurm.env.SLURM_CONF } })
  dir = tempDir('mimic-crob-')
  db = join(dir, 'experiments.db')
  env = { ...slurm.env, MIMIC_SWEEP_POLL_MS: '200' }
  json(['cluster', 'add', 'local', '--slurm', '--workdir', join(dir, 'work')])
  json(['projects', 'create', 'robust'])
  ids.dataset = json<{ id: number }>(['data', 'generate', 'xor', '--project', '1', '--count', '40', '--seed', '2']).id
  ids.teacher = json<{ id: number }>(['train', 'teacher', '--project', '1', '--units', '8', '--epochs', '3', '--samples-per-epoch', '30', '--validation-samples', '0', '--test-samples', '10', '--seed', '1', '--threads', '1']).id
  ids.ads = json<{ id: number }>([
    'train', 'ads', '--project', '1', '--teacher', String(ids.teacher), '--neurons', '30', '--epochs', '1', '--samples-per-epoch', '6', '--validation-samples', '4', '--test-samples', '4', '--seed', '1', '--threads', '1',
  ]).id
}, 150_000)

afterAll(async () => {
  const pid = sshd?.pid
  await sshd?.stop()
  await slurm?.stop()
  cleanupTemp()
  // sshd was stopped by its pid
  if (pid) expect(() => process.kill(pid, 0)).toThrow()
})

// two networks (the ads network and its teacher) × two levels × three draws
const robustness = () => [
  'robustness', '--project', '1', '--networks', `${ids.teacher},${ids.ads}`, '--data', String(ids.dataset), '--perturbation', 'mismatch', '--levels', '0,0.2', '--draws', '3', '--samples', '12', '--seed', '7', '--threads', '1',
]


let local: RobustnessAnalysis
let localRun: { summary: Record<string, number>; parents: { id: number; role: string }[] }

/** The merged run of a sweep, as the workbench stores it: its analysis, summary, parents, host and code version. */
async function resultsOf(runId: number): Promise<unknown[]> {
  const s = new Services({ dbPath: db, frontDoor: 'cli' })
  try {
    return (await s.call('results.query', { runId, limit: 100_000 })).rows.map(({ runId: _r, ...row }) => row)
  } finally {
    await s.close()
  }
}

async function merged(runId: number): Promise<{ results: unknown[]; analysis: RobustnessAnalysis; run: { status: string; summary: Record<string, number>; host: string; codeVersion: string; parents: { id: number; role: string }[] } }> {
  const s = new Services({ dbPath: db, frontDoor: 'cli' })
  try {
    const analysis = await s.call('robustness.analysis', { runId })
    const r = await s.call('runs.get', { id: runId })
    return { results: await resultsOf(runId), analysis, run: { status: r.status, summary: r.summary, host: r.host, codeVersion: r.codeVersion, parents: r.parents.map((p) => ({ id: p.id, role: p.role })) } }
  } finally {
    await s.close()
  }
}

describe('a robustness run on the cluster', () => {
  beforeAll(async () => {
    local = json<RobustnessAnalysis>(robustness())
    const r = json<{ summary: Record<string, number>; parents: { id: number; role: string }[] }>(['runs', 'show', String(local.runId)])
    localRun = { summary: r.summary, parents: r.parents.map((p) => ({ id: p.id, role: p.role })) }
    expect(local.rows).toHaveLength(2 * 2 * 3)
  }, 150_000)

  test('through the local SLURM client: shipped inputs, one item per network and level, the same rows, summary and parents as here', { timeout: 150_000 }, async () => {
    const ours = json<{ codeVersion: string }>(['--version']).codeVersion
    const final = json<SweepStatus>([...robustness(), '--on', 'local', '--items-per-task', '2'])
    expect(final.status).toBe('succeeded')
    expect(final.items.map((i) => i.label)).toEqual([`network ${ids.teacher}, level 0`, `network ${ids.teacher}, level 0.2`, `network ${ids.ads}, level 0`, `network ${ids.ads}, level 0.2`])
    expect(final.tasks.map((t) => [t.task, t.items, t.state, t.attempts])).toEqual([
      [0, 2, 'done', 1],
      [1, 2, 'done', 1],
    ])
    expect(final.items.map((i) => [i.mergedRunId, i.host, i.codeVersion])).toEqual(final.items.map(() => [final.mergeRunId, hostname(), ours]))
    // the shipped runs: the two networks (the teacher is also the ads network's teacher) and the dataset, each with its checksum
    const inputs = JSON.parse(readFileSync(join(final.dir, 'inputs.json'), 'utf8')) as { runs: Record<string, string>; items: { inputs: number[] }[] }
    expect(Object.keys(inputs.runs).map(Number).sort((a, b) => a - b)).toEqual([ids.dataset, ids.teacher, ids.ads].sort((a, b) => a - b))
    expect(inputs.items.map((i) => i.inputs)).toEqual([
      [ids.dataset, ids.teacher],
      [ids.dataset, ids.teacher],
      [ids.dataset, ids.teacher, ids.ads].sort((a, b) => a - b),
      [ids.dataset, ids.teacher, ids.ads].sort((a, b) => a - b),
    ])
    for (const [id, sum] of Object.entries(inputs.runs)) expect(readFileSync(join(final.dir, 'inputs', `run-${id}.json`), 'utf8').slice(0, 64)).toBe(sum)

    const m = await merged(final.mergeRunId!)
    // the same trials in the same order (items merged in whatever order the tasks ended are numbered as here)
    expect(m.analysis.rows).toEqual(local.rows)
    expect(m.analysis.summary).toEqual(local.summary)
    expect(m.results).toEqual(await resultsOf(local.runId))
    expect(m.run.status).toBe('succeeded')
    expect(m.run.summary).toEqual(localRun.summary)
    expect(m.run.codeVersion).toBe(ours)
    expect(m.run.host).toBe('local')
    // lineage: the networks and the dataset as a local run has them, and the sweep
    expect(m.run.parents.sort((a, b) => a.id - b.id)).toEqual([...localRun.parents, { id: final.runId, role: 'sweep' }].sort((a, b) => a.id - b.id))

    // looking again merges nothing twice
    const again = json<SweepStatus>(['sweep', 'status', String(final.runId)])
    expect(again.merged).toBe(4)
    expect((await merged(final.mergeRunId!)).analysis.rows).toHaveLength(12)

    // a node refuses a shipped run whose bytes do not match the checksum in inputs.json, and runs nothing
    const copy = join(dir, 'damaged')
    cpSync(final.dir, copy, { recursive: true })
    rmSync(join(copy, 'results'), { recursive: true, force: true })
    rmSync(join(copy, 'work'), { recursive: true, force: true })
    const file = join(copy, 'inputs', `run-${ids.dataset}.json`)
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.slice(0, 200) + (text[200] === '1' ? '2' : '1') + text.slice(201))
    const task = mimic(['cluster', 'task', copy, '0'], { timeoutMs: 60_000 })
    expect(task.code).toBe(1)
    expect(task.stderr).toContain(`${file} does not match its SHA-256 in inputs.json`)
    expect(existsSync(join(copy, 'results', 'item-0.json'))).toBe(false)
  })

  test('through ssh to a login node: the cluster checks out and the same run gives the same rows', { timeout: 150_000 }, async () => {
    json(['cluster', 'add', 'far', '--slurm', '--ssh', sshd.login, '--ssh-config', sshd.clientConfig, '--workdir', join(dir, 'far-work'), '--checkout', repoRoot])
    const check = json<{ ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }>(['cluster', 'test', 'far'])
    expect(check.checks.map((c) => [c.name, c.ok])).toEqual([
      ['sinfo', true],
      ['workdir', true],
      ['version', true],
    ])
    const final = json<SweepStatus>([...robustness(), '--on', 'far', '--items-per-task', '4'])
    expect(final.status).toBe('succeeded')
    expect(final.cluster).toBe('far')
    expect(final.tasks.map((t) => [t.items, t.state])).toEqual([[4, 'done']])
    const m = await merged(final.mergeRunId!)
    expect(m.analysis.rows).toEqual(local.rows)
    expect(m.run.summary).toEqual(localRun.summary)
    expect(m.run.host).toBe(`far (${sshd.login})`)
  })
})

test('--time takes a SLURM time limit and only with --on; a split job takes no --seed with --seeds', () => {
  const sweeps = json<unknown[]>(['runs', 'list', '--kind', 'sweep']).length
  const bad = run([...robustness(), '--on', 'local', '--time', '5min'])
  expect(bad.code).toBe(1)
  expect(bad.stderr).toMatch(/Time limit per task \(--time\) must be a SLURM time limit: minutes, MM:SS, HH:MM:SS/)
  const here = run([...robustness(), '--time', '10'])
  expect(here.code).toBe(2)
  expect(here.stderr).toContain('--time is the SLURM time limit of a task sent with --on CLUSTER')
  const both = run([...robustness(), '--on', 'local', '--seeds', '1-2'])
  expect(both.code).toBe(2)
  expect(both.stderr).toContain('--on takes --seeds or --seed, not both')
  // nothing was submitted
  expect(json<unknown[]>(['runs', 'list', '--kind', 'sweep'])).toHaveLength(sweeps)
})

test('jobs cancel of the run a split robustness run merges into cancels its sweep on the cluster', { timeout: 150_000 }, () => {
  const started = json<SweepStatus>([...robustness(), '--on', 'local', '--items-per-task', '1', '--no-follow'])
  const merge = started.mergeRunId!
  expect(json<{ status: string }>(['runs', 'show', String(merge)]).status).toBe('running')
  // the tray's Cancel on the robustness run: before, a request no process would act on
  expect(json<{ status: string }>(['jobs', 'cancel', String(merge)]).status).toBe('cancelled')
  expect(json<SweepStatus>(['sweep', 'status', String(started.runId), '--no-poll']).tasks.map((t) => t.state)).toEqual(started.tasks.map(() => 'cancelled'))
  expect(json<{ status: string }>(['runs', 'show', String(started.runId)]).status).toBe('cancelled')
})

describe('a job over seeds that names runs of the project', () => {
  test('chip yield over two seeds: each item its own run with the shipped network and dataset as parents, equal to the runs made here', { timeout: 150_000 }, async () => {
    const yieldArgs = ['yield', String(ids.ads), '--mismatch', '0.1', '--chips', '3', '--min-accuracy', '0.5', '--data', String(ids.dataset), '--samples', '12', '--threads', '1']
    const here = [1, 2].map((seed) => json<{ runId: number }>([...yieldArgs, '--seed', String(seed)]).runId)
    const final = json<SweepStatus>([...yieldArgs, '--on', 'local', '--seeds', '1,2', '--items-per-task', '2'])
    expect(final.status).toBe('succeeded')
    expect(final.mergeRunId).toBeNull()
    expect(final.items.map((i) => i.label)).toEqual(['seed 1', 'seed 2'])
    for (const [k, item] of final.items.entries()) {
      const there = json<{ kind: string; seed: number; params: Record<string, unknown>; summary: Record<string, number>; parents: { id: number; role: string }[]; results: unknown[] }>(['runs', 'show', String(item.mergedRunId)])
      const mine = json<typeof there>(['runs', 'show', String(here[k])])
      expect([there.kind, there.seed]).toEqual(['yield', k + 1])
      expect(there.params).toEqual(mine.params)
      expect(there.summary).toEqual(mine.summary)
      expect(there.results).toEqual(mine.results.map((r) => ({ ...(r as object), runId: item.mergedRunId })))
      expect(there.parents.map((p) => [p.id, p.role]).sort()).toEqual([[final.runId, 'sweep'], ...mine.parents.map((p) => [p.id, p.role])].sort())
    }
  })
})

/** SIGSTOPs a process, then every process under it (the tree cannot grow once its root is stopped); the pids stopped. */
function stopTree(root: number): number[] {
  signalPid(root, 'SIGSTOP')
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // the process ended meanwhile
    }
  }
  const stopped = [root]
  for (let i = 0; i < stopped.length; i++)
    for (const [pid, ppid] of parentOf)
      if (ppid === stopped[i]) {
        signalPid(pid, 'SIGSTOP')
        stopped.push(pid)
      }
  return stopped
}

describe('a task that reaches its time limit', () => {
  test('is reported as timed out and retried', { timeout: 150_000 }, async () => {
    // an item of several seconds (~6 s on a quiet 2-core machine): held from its start, it cannot finish in
    // the KillWait of 2 s that SLURM gives it after its limit; short enough to run again
    const teacher = ['train', 'teacher', '--project', '1', '--units', '4', '--epochs', '2000', '--samples-per-epoch', '40', '--validation-samples', '0', '--test-samples', '8', '--duration-s', '0.2', '--threads', '1']
    const started = json<SweepStatus>([...teacher, '--on', 'local', '--seeds', '31', '--attempts', '2', '--time', '1', '--no-follow'])
    expect(started.timeLimit).toBe('1')
    const slurmJob = started.tasks[0].slurmJob!
    const show = (): string => spawnSync('scontrol', ['show', 'job', slurmJob], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' }).stdout
    // sbatch got --time: one minute
    expect(show()).toMatch(/TimeLimit=00:01:00/)
    // once the task runs, hold it (so it cannot finish first) and let SLURM's limit end it: the task's
    // process and the job worker it forks, which would otherwise train on and leave its result for the
    // task to write when SLURM's SIGCONT wakes it. An administrator's `scontrol update TimeLimit=0`
    // makes the limit already passed (SLURM checks limits every 30 s)
    const progressFile = join(started.dir, 'progress', 'task-0.json')
    const until = Date.now() + 60_000
    while (!existsSync(progressFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(existsSync(progressFile)).toBe(true)
    const held = stopTree((JSON.parse(readFileSync(progressFile, 'utf8')) as { pid: number }).pid)
    expect(held.length).toBeGreaterThanOrEqual(1)
    const upd = spawnSync('scontrol', ['update', `JobId=${slurmJob}`, 'TimeLimit=0'], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' })
    expect(upd.status, upd.stderr).toBe(0)
    const followed = run(['--json', 'sweep', 'follow', String(started.runId)])
    const final = JSON.parse(followed.stdout) as SweepStatus
    expect(final.status).toBe('succeeded')
    expect(final.tasks.map((t) => [t.state, t.attempts, t.timeouts])).toEqual([['done', 2, 1]])
    expect(final.merged).toBe(1)
    // the first attempt's log says why it ended
    expect(readFileSync(join(started.dir, 'logs', 'task-0.out'), 'utf8')).toMatch(/DUE TO TIME LIMIT/)
    const shown = json<{ summary: Record<string, number> }>(['runs', 'show', String(started.runId)])
    expect(shown.summary).toMatchObject({ attempts: 2, timeouts: 1, merged: 1 })
    expect(run(['sweep', 'status', String(started.runId), '--no-poll']).stdout).toMatch(/2\/2 \(1 timed out\)/)
  })
})
