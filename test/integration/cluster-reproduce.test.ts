// `mimic reproduce paper --on CLUSTER` on a real one-node SLURM cluster on 127.0.0.1
// (test/support/slurm.ts), at tiny size: the networks (one pipeline run per architecture and seed) go
// as one SLURM array, then the robustness sweeps as another; each item's runs (a pipeline's test set,
// teacher, network, test) are merged as the comparison run's children with the lineage a local run
// has, the code version and host of each task; the items are grouped by their estimated cost; the
// results equal a local run of the same items; a reproduction cancelled while its sweeps run is
// resumed with nothing run or merged twice.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SweepStatus } from '../../src/shared/types.ts'
import { openStore } from '../../src/store/index.ts'
import { mimicJson, spawnMimic } from '../support/cli.ts'
import { signalPid } from '../support/daemon.ts'
import { startLocalSlurm, type LocalSlurm } from '../support/slurm.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'
import { join } from 'node:path'

let slurm: LocalSlurm
let db: string
let env: Record<string, string>

/** A network of each architecture in a second or so. */
const tiny = [
  '--teacher-units', '8', '--teacher-epochs', '2', '--teacher-samples-per-epoch', '20', '--teacher-validation-samples', '10',
  '--neurons', '16', '--epochs', '1', '--samples-per-epoch', '10', '--validation-samples', '10', '--test-samples', '10',
  '--baseline-train-samples', '10', '--baseline-epochs', '1',
]
const reproduction = (seed: number) => ['reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'ads,reservoir', '--perturbations', 'mismatch,noise', '--seed', String(seed), '--samples', '12', '--draws', '3', '--threads', '1', ...tiny]

const json = <T = Record<string, unknown>>(args: string[]): T => mimicJson<T>(args, { db, env, timeoutMs: 300_000 })

interface Part { part: string; architecture: string; index: number; perturbation: string | null; runId: number | null; networkRunId: number | null; status: string; reason: string | null }
interface Analysis { runId: number; parts: Part[]; summary: Record<string, number> }

beforeAll(async () => {
  slurm = await startLocalSlurm()
  const dir = tempDir('mimic-crep-')
  db = join(dir, 'experiments.db')
  env = { ...slurm.env, MIMIC_SWEEP_POLL_MS: '200' }
  json(['cluster', 'add', 'local', '--slurm', '--workdir', join(dir, 'work')])
}, 60_000)

afterAll(async () => {
  await slurm?.stop()
  cleanupTemp()
})

/** A run's summary without what depends on when and where it ran. */
const stable = (s: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(s).filter(([k]) => !/seconds|wall|duration/i.test(k)))

describe('reproduce paper --on a cluster', () => {
  let here: Analysis
  let there: Analysis
  beforeAll(() => {
    here = json<Analysis>(reproduction(4))
    there = json<Analysis>([...reproduction(4), '--on', 'local'])
  }, 600_000)

  test('the networks and then the sweeps go as two arrays, grouped by their cost, and merge as the comparison run\'s children with a local run\'s lineage', () => {
    const ours = json<{ codeVersion: string }>(['--version']).codeVersion
    const store = openStore(db)
    try {
      expect(store.runs.get(there.runId)).toMatchObject({ kind: 'comparison', status: 'succeeded' })
      const children = store.runs.children(there.runId)
      const sweeps = children.filter((c) => c.kind === 'sweep')
      expect(sweeps.map((c) => c.role)).toEqual(['cluster', 'cluster'])
      const phases = sweeps.map((c) => store.runs.get(c.id).params as { jobKind: string; params: { phase: string }; grouping: { chosen: string; itemsPerTask: number; tasks: number } })
      expect(phases.map((p) => [p.jobKind, p.params.phase])).toEqual([['pipeline', 'networks'], ['robustness', 'sweeps']])
      // tiny items, estimated at well under a minute each: grouped into one task per array
      for (const p of phases) expect(p.grouping).toMatchObject({ chosen: 'estimated', tasks: 1 })
      expect(phases[0].grouping.itemsPerTask).toBe(2)
      for (const c of sweeps) {
        const items = store.sweeps.itemStates(c.id)
        expect(items.every((i) => i.mergedRunId !== null && i.host === hostname() && i.codeVersion === ours)).toBe(true)
        expect(store.sweeps.tasks(c.id).map((t) => [t.state, t.attempts])).toEqual([['done', 1]])
      }
      // the same kinds of children in the same roles as the local run (plus the two sweeps)
      const shape = (id: number) => store.runs.children(id).filter((c) => c.kind !== 'sweep').map((c) => [c.kind, c.role])
      expect(shape(there.runId)).toEqual(shape(here.runId))
      expect(there.parts.map((x) => [x.part, x.architecture, x.perturbation, x.status])).toEqual(here.parts.map((x) => [x.part, x.architecture, x.perturbation, x.status]))
      for (const [k, x] of there.parts.entries()) {
        const mine = here.parts[k]
        if (x.runId === null) continue
        const run = store.runs.get(x.runId)
        // each merged run carries the code version and host of the task that made it
        expect([run.codeVersion, run.host, run.status]).toEqual([ours, hostname(), 'succeeded'])
        const parents = store.runs.parents(x.runId).map((p) => p.role).sort()
        expect(parents).toEqual([...store.runs.parents(mine.runId!).map((p) => p.role), 'sweep'].sort())
        if (x.part === 'network') {
          // the pipeline's stages came back with it: the same stage kinds, the network with its row and weights
          expect(store.runs.children(x.runId).map((c) => [c.kind, c.role])).toEqual(store.runs.children(mine.runId!).map((c) => [c.kind, c.role]))
          expect(stable(run.summary)).toEqual(stable(store.runs.get(mine.runId!).summary))
          expect(store.networks.find(x.networkRunId!)?.architecture).toBe(x.architecture)
          const names = store.artifacts.list(mine.networkRunId!).map((a) => a.name)
          expect(store.artifacts.list(x.networkRunId!).map((a) => a.name)).toEqual(names)
          for (const name of names) expect(Buffer.from(store.artifacts.get(x.networkRunId!, name).data.buffer).equals(Buffer.from(store.artifacts.get(mine.networkRunId!, name).data.buffer))).toBe(true)
          // the ads network's teacher is its parent, as here
          expect(store.runs.parents(x.networkRunId!).map((p) => [store.runs.get(p.id).kind, p.role])).toEqual(store.runs.parents(mine.networkRunId!).map((p) => [store.runs.get(p.id).kind, p.role]))
          // and the runs a merged stage's parameters name are its parents here (they named the cluster
          // task database's ids: the network's teacher was whichever run here had that id)
          const named = (id: number) =>
            store.runs.parents(id).flatMap((p) => {
              const v = (store.runs.get(id).params as Record<string, unknown>)[p.role]
              return typeof v === 'number' ? [[p.role, v, p.id]] : []
            })
          for (const stage of [x.networkRunId!, ...store.runs.children(x.runId).map((c) => c.id)]) {
            for (const [role, v, parent] of named(stage)) expect(v, `run ${stage}'s ${role}`).toBe(parent)
          }
          if (x.architecture === 'ads') expect(named(x.networkRunId!).map(([role]) => role)).toContain('teacher')
        }
      }
    } finally {
      store.close()
    }
  })

  test('each merged sweep has the rows a robustness run made here on the same network gives', () => {
    const store = openStore(db)
    const sweeps = there.parts.filter((x) => x.part === 'sweep' && x.status === 'done')
    expect(sweeps.length).toBeGreaterThan(1)
    const rowsOf = (id: number) => store.results.items(id).map(({ item, labels, values, networkId }) => ({ item, labels, values, networkId }))
    try {
      for (const x of sweeps) {
        const p = store.runs.get(x.runId!).params as { dataset: number; levels: number[]; perturbation: string }
        const local = json<{ runId: number }>(['robustness', '--project', String(store.runs.get(there.runId).projectId), '--networks', String(x.networkRunId), '--data', String(p.dataset), '--perturbation', p.perturbation, '--levels', p.levels.join(','), '--draws', '3', '--samples', '12', '--seed', '4', '--threads', '1'])
        expect(rowsOf(x.runId!)).toEqual(rowsOf(local.runId))
        expect(stable(store.runs.get(x.runId!).summary)).toEqual(stable(store.runs.get(local.runId).summary))
      }
    } finally {
      store.close()
    }
  })

  test('resumed, a finished reproduction reuses every child and sends nothing', () => {
    const count = (kind: string) => json<unknown[]>(['runs', 'list', '--kind', kind]).length
    const before = { sweep: count('sweep'), pipeline: count('pipeline'), robustness: count('robustness') }
    const again = json<Analysis>([...reproduction(4), '--on', 'local', '--resume', String(there.runId)])
    expect(again.parts.filter((x) => x.runId !== null).every((x) => x.status === 'reused' || x.status === 'refused')).toBe(true)
    expect({ sweep: count('sweep'), pipeline: count('pipeline'), robustness: count('robustness') }).toEqual(before)
  })
})

test('a reproduction cancelled while its sweeps run on the cluster is resumed: what was merged is reused, the rest sent again, nothing twice', { timeout: 600_000 }, async () => {
  const args = ['--db', db, ...reproduction(9), '--on', 'local', '--items-per-task', '2']
  const child = spawnMimic(args, { env })
  let stderr = ''
  let stopped: number | null = null
  let leaseCores: number | null = null
  const code = await new Promise<number | null>((resolve) => {
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString()
      const m = /sweeps on local \(sweep (\d+)\)/.exec(stderr)
      if (m && stopped === null) {
        stopped = 0
        void (async () => {
          // the second array (the sweeps) was submitted: hold its first task that starts (so it cannot
          // end before the cancel), then stop the reproduction; its tasks are cancelled with scancel
          const store = openStore(db)
          const dir = store.sweeps.get(Number(m[1])).dir
          // waiting for its arrays, the reproduction holds one core here, not all of them
          const owner = store.runs.parents(Number(m[1])).find((p) => p.role === 'cluster')!.id
          leaseCores = store.leases.all().find((l) => l.runId === owner)?.cores ?? null
          store.close()
          for (;;) {
            const files = existsSync(join(dir, 'progress')) ? readdirSync(join(dir, 'progress')).filter((f) => /^task-\d+\.json$/.test(f)) : []
            if (files.length) {
              stopped = (JSON.parse(readFileSync(join(dir, 'progress', files[0]), 'utf8')) as { pid: number }).pid
              signalPid(stopped, 'SIGSTOP')
              break
            }
            await new Promise((r) => setTimeout(r, 20))
          }
          child.kill('SIGINT')
        })()
      }
    })
    child.on('exit', (c) => resolve(c))
  })
  expect(code).toBe(130)
  expect(leaseCores).toBe(1)
  const store = openStore(db)
  let first: number
  try {
    first = store.runs.list({ kind: 'comparison' }).map((r) => r.id).sort((a, b) => b - a)[0]
    expect(store.runs.get(first).status).toBe('cancelled')
    const sweeps = store.runs.children(first).filter((c) => c.kind === 'sweep')
    expect(sweeps).toHaveLength(2)
    expect(store.runs.get(sweeps[1].id).status).toBe('cancelled')
  } finally {
    store.close()
  }
  const resumed = json<Analysis>([...reproduction(9), '--on', 'local', '--resume', String(first)])
  const s2 = openStore(db)
  try {
    expect(s2.runs.get(resumed.runId).status).toBe('succeeded')
    // the networks were reused, not trained again
    expect(resumed.parts.filter((x) => x.part === 'network').map((x) => x.status)).toEqual(['reused', 'reused'])
    // every sweep part has exactly one robustness run, across the cancelled run, its sweeps and the resumed run
    const sweepParts = resumed.parts.filter((x) => x.part === 'sweep' && x.status !== 'refused')
    const robustnessRuns = new Set<number>()
    for (const id of [first, resumed.runId]) for (const c of s2.runs.children(id)) if (c.kind === 'robustness') robustnessRuns.add(c.id)
    expect(robustnessRuns.size).toBe(sweepParts.length)
    expect(new Set(sweepParts.map((x) => x.runId)).size).toBe(sweepParts.length)
    for (const x of sweepParts) expect(robustnessRuns.has(x.runId!)).toBe(true)
    // no sweep item merged twice: each merged item is its own run
    const all = [first, resumed.runId].flatMap((id) => s2.runs.children(id).filter((c) => c.kind === 'sweep').map((c) => c.id))
    const merged = all.flatMap((id) => s2.sweeps.itemStates(id).filter((i) => i.mergedRunId !== null).map((i) => i.mergedRunId))
    expect(new Set(merged).size).toBe(merged.length)
    const status = json<SweepStatus>(['sweep', 'status', String(all[all.length - 1])])
    expect(status.ownerRunId).not.toBeNull()
  } finally {
    s2.close()
  }
})
