// The cluster path's cost on a one-node SLURM cluster on 127.0.0.1 (test/support/slurm.ts):
//  1. per-task overhead: a one-item sweep, from `sweeps.start` to its item merged, minus the item's
//     own run time (repeated; median);
//  2. a 100-item training grid over seeds: wall time run here (the workbench's scheduler, one
//     process) versus sent to the cluster (items grouped 10 per task);
//  3. with --robustness: one robustness run (2 networks × 4 mismatch levels × --draws draws) here
//     versus split on the cluster (one item per network and level, --robustness-per-task per task),
//     checking that the merged rows equal the local ones.
// `npm run bench:cluster` (`-- --items 100 --per-task 10|auto --repeats 3 [--robustness]`). Needs
// slurm-wlm, munge, root.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Services } from '../src/services/index.ts'
import type { SweepStatus } from '../src/shared/types.ts'
import { startLocalSlurm } from '../test/support/slurm.ts'

const { values: opts } = parseArgs({
  options: {
    items: { type: 'string', default: '100' },
    'per-task': { type: 'string', default: '10' },
    repeats: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '5' },
    robustness: { type: 'boolean', default: false },
    'robustness-only': { type: 'boolean', default: false },
    draws: { type: 'string', default: '10' },
    'robustness-per-task': { type: 'string', default: '1' },
  },
})
const items = Number(opts.items)
// 'auto': the sweep chooses the grouping from the items' estimated cost (src/shared/grouping.ts)
const perTask = opts['per-task'] === 'auto' ? undefined : Number(opts['per-task'])
const load = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
const repeats = Number(opts.repeats)
const params = { units: 4, epochs: Number(opts.epochs), samplesPerEpoch: 8, validationSamples: 0, testSamples: 8, durationS: 0.2, threads: 1 }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitRun(s: Services, id: number): Promise<void> {
  while (['queued', 'running'].includes((await s.call('runs.get', { id })).status)) await sleep(50)
  const r = await s.call('runs.get', { id })
  if (r.status !== 'succeeded') throw new Error(`run ${id} ended ${r.status}: ${r.error}`)
}

/** One robustness run here and the same run split on the cluster: wall times, and whether the rows agree. */
async function robustnessBench(s: Services, projectId: number): Promise<Record<string, unknown>> {
  const dataset = (await s.call('jobs.start', { kind: 'data.generate', projectId, params: { task: 'xor', count: 100, seed: 2 } })).runId
  await waitRun(s, dataset)
  const teacher = (await s.call('jobs.start', { kind: 'train.teacher', projectId, params: { units: 16, epochs: 4, samplesPerEpoch: 50, validationSamples: 0, testSamples: 10, seed: 1, threads: 1 } })).runId
  await waitRun(s, teacher)
  const ads = (await s.call('jobs.start', { kind: 'train.ads', projectId, params: { teacher, neurons: 80, epochs: 1, samplesPerEpoch: 10, validationSamples: 4, testSamples: 4, seed: 1, threads: 1 } })).runId
  await waitRun(s, ads)
  const params = { networks: [teacher, ads], dataset, perturbation: 'mismatch', levels: [0, 0.05, 0.1, 0.2], draws: Number(opts.draws), samples: 50, seed: 7, threads: 1 }
  let t0 = performance.now()
  const local = (await s.call('jobs.start', { kind: 'robustness', projectId, params })).runId
  await waitRun(s, local)
  const localSeconds = (performance.now() - t0) / 1000
  t0 = performance.now()
  const st = await s.call('sweeps.start', { cluster: 'local', kind: 'robustness', projectId, params, itemsPerTask: Number(opts['robustness-per-task']) })
  const done = await follow(s, st.runId)
  const clusterSeconds = (performance.now() - t0) / 1000
  if (done.status !== 'succeeded') throw new Error(`robustness sweep ${st.runId} ended ${done.status}: ${(await s.call('runs.get', { id: st.runId })).error}`)
  const key = (r: { network: number; level: number; draw: number }): string => `${r.network}|${r.level}|${r.draw}`
  const a = (await s.call('robustness.analysis', { runId: local })).rows
  const b = new Map((await s.call('robustness.analysis', { runId: done.mergeRunId! })).rows.map((r) => [key(r), r]))
  const same = a.length === b.size && a.every((r) => JSON.stringify(r) === JSON.stringify(b.get(key(r))))
  return { trials: a.length, items: done.items.length, tasks: done.tasks.length, localSeconds: Number(localSeconds.toFixed(1)), clusterSeconds: Number(clusterSeconds.toFixed(1)), ratio: Number((clusterSeconds / localSeconds).toFixed(2)), sameRows: same }
}

async function follow(s: Services, runId: number): Promise<SweepStatus> {
  for (;;) {
    const st = await s.call('sweeps.poll', { runId })
    if (st.status !== 'running') return st
    await sleep(100)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mimic-bench-cluster-'))
const slurm = await startLocalSlurm()
process.env.SLURM_CONF = slurm.env.SLURM_CONF
const s = new Services({ dbPath: join(dir, 'bench.db'), frontDoor: 'cli' })
try {
  await s.call('clusters.add', { name: 'local', workdir: join(dir, 'work') })
  const project = await s.call('projects.create', { name: 'bench' })
  if (opts['robustness-only']) {
    process.stdout.write(JSON.stringify({ node: process.version, cores: (await import('node:os')).availableParallelism(), robustness: await robustnessBench(s, project.id) }, null, 2) + '\n')
  } else {
    // 1. per-task overhead
    const loads: number[] = [load()]
    const overheads: number[] = []
    const walls: number[] = []
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now()
      const st = await s.call('sweeps.start', { cluster: 'local', kind: 'train.teacher', projectId: project.id, params, seeds: [1000 + r] })
      const done = await follow(s, st.runId)
      const wall = (performance.now() - t0) / 1000
      if (done.status !== 'succeeded') throw new Error(`overhead sweep ${st.runId} ended ${done.status}: ${(await s.call('runs.get', { id: st.runId })).error} (the code version changes when a tracked file is edited while this runs)`)
      const item = await s.call('runs.get', { id: done.items[0].mergedRunId! })
      walls.push(wall)
      overheads.push(wall - (item.durationSeconds ?? 0))
    }
    const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]

    // 2. the same 100 items here and on the cluster
    const seeds = Array.from({ length: items }, (_, i) => i + 1)
    let t0 = performance.now()
    const ids: number[] = []
    for (const seed of seeds) ids.push((await s.call('jobs.start', { kind: 'train.teacher', projectId: project.id, params: { ...params, seed } })).runId)
    for (const id of ids) {
      while (['queued', 'running'].includes((await s.call('runs.get', { id })).status)) await sleep(50)
    }
    const localWall = (performance.now() - t0) / 1000
    loads.push(load())
    const localItem = median(await Promise.all(ids.map(async (id) => (await s.call('runs.get', { id })).durationSeconds ?? 0)))

    t0 = performance.now()
    const st = await s.call('sweeps.start', { cluster: 'local', kind: 'train.teacher', projectId: project.id, params, seeds, ...(perTask !== undefined ? { itemsPerTask: perTask } : {}) })
    const done = await follow(s, st.runId)
    const clusterWall = (performance.now() - t0) / 1000
    loads.push(load())
    if (done.status !== 'succeeded' || done.merged !== items) throw new Error(`sweep ${st.runId} ended ${done.status} with ${done.merged}/${items} merged: ${(await s.call('runs.get', { id: st.runId })).error}`)

    const report = {
      node: process.version,
      cores: (await import('node:os')).availableParallelism(),
      item: { kind: 'train.teacher', params, medianRunSeconds: Number(localItem.toFixed(3)) },
      perTaskOverheadSeconds: { median: Number(median(overheads).toFixed(2)), all: overheads.map((x) => Number(x.toFixed(2))), submitToMergedSeconds: walls.map((x) => Number(x.toFixed(2))) },
      loadAverage1Min: loads,
      sweep: { items, itemsPerTask: done.grouping?.itemsPerTask, grouping: done.grouping?.text, tasks: done.tasks.length, localSeconds: Number(localWall.toFixed(1)), clusterSeconds: Number(clusterWall.toFixed(1)), ratio: Number((clusterWall / localWall).toFixed(2)) },
      ...(opts.robustness ? { robustness: await robustnessBench(s, project.id) } : {}),
    }
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  }
} finally {
  await s.close()
  await slurm.stop()
  rmSync(dir, { recursive: true, force: true })
}
