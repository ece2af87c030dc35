// The command line's clusters and sweeps: `cluster add|list|test|remove`, `sweep status|follow|
// cancel|resume`, a job's `--on CLUSTER --seeds ...`, and `cluster task DIR INDEX`, what a SLURM
// array task runs on a node: the items of its task, each as the job run here on a database of its
// own in the sweep's folder, written as one result file per item (checksum line + JSON, a
// temporary name then a rename, so that a half-written file is never read).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { AppError } from '../shared/errors.ts'
import type { JobKindName } from '../shared/jobkinds/index.ts'
import type { ShippedRun } from '../shared/transfer.ts'
import type { ResultItem, SweepStatus } from '../shared/types.ts'
import { codeVersion, hostName, Services, type FrontDoorServices, type ItemRunData } from '../services/index.ts'
import { parseFlags, parseId, UsageError, type FlagSpec } from './args.ts'
import { formatTable } from './format.ts'
import { flagError, resolveProject, unmakeProject, type Handler, type ProjectChoice, type RunSweep, type SweepRequest } from './jobs.ts'

export interface ClusterCtx {
  json: boolean
  io: { stdout: (t: string) => void; stderr: (t: string) => void; isTTY: boolean }
  open(): FrontDoorServices
}

async function withServices<C extends ClusterCtx, T>(ctx: C, fn: (s: FrontDoorServices) => Promise<T>): Promise<T> {
  const s = ctx.open()
  try {
    return await fn(s)
  } finally {
    await s.close()
  }
}

function out(ctx: ClusterCtx, value: unknown, human: () => string): void {
  ctx.io.stdout((ctx.json ? JSON.stringify(value, null, 2) : human()) + '\n')
}

/** One line per task: state, attempts, items merged, and the task's own progress. */
export function sweepText(s: SweepStatus): string {
  const head = `sweep ${s.runId} on ${s.cluster}: ${s.status}, ${s.merged}/${s.items.length} items merged${s.mergeRunId !== null ? ` into run ${s.mergeRunId}` : ''}${s.timeLimit ? `, time limit ${s.timeLimit} per task` : ''} (${s.dir})${s.grouping ? `\n  grouping: ${s.grouping.text}` : ''}`
  const rows = s.tasks.map((t) => [
    String(t.task),
    t.slurmJob ?? '-',
    t.state,
    `${t.attempts}/${s.maxAttempts}${t.timeouts ? ` (${t.timeouts} timed out)` : ''}`,
    `${t.itemsDone}/${t.items}`,
    t.progress ? `${Math.round(t.progress.fraction * 100)}% ${t.progress.message} (${t.progress.host})` : (t.error ?? ''),
  ])
  return `${head}\n${formatTable(['task', 'slurm job', 'state', 'attempts', 'merged', 'progress / error'], rows)}`
}

function progressLine(s: SweepStatus): string {
  const by = (st: string): number => s.tasks.filter((t) => t.state === st).length
  const running = s.tasks.filter((t) => t.progress && t.state === 'running').map((t) => `task ${t.task} ${Math.round(t.progress!.fraction * 100)}%`)
  return `sweep ${s.runId}: ${s.merged}/${s.items.length} merged; tasks ${by('done')} done, ${by('running')} running, ${by('submitted')} waiting, ${by('failed')} failed, ${by('cancelled')} cancelled${running.length ? ` (${running.slice(0, 4).join(', ')})` : ''}`
}

/** Follows a sweep until it ends: polls the cluster (merging as results come), prints progress on stderr. */
export async function followSweep(ctx: ClusterCtx, s: FrontDoorServices, runId: number, intervalMs = Number(process.env.MIMIC_SWEEP_POLL_MS ?? 1000)): Promise<SweepStatus> {
  let last = ''
  let status = await s.call('sweeps.poll', { runId })
  let stop = false
  const onSigint = (): void => {
    stop = true
  }
  process.once('SIGINT', onSigint)
  try {
    while (status.status === 'running' && !stop) {
      const line = progressLine(status)
      if (line !== last) ctx.io.stderr(line + '\n')
      last = line
      await new Promise((r) => setTimeout(r, intervalMs))
      status = await s.call('sweeps.poll', { runId })
    }
  } finally {
    process.off('SIGINT', onSigint)
  }
  if (stop) ctx.io.stderr(`stopped following; the sweep goes on: \`mimic sweep follow ${runId}\` picks it up, \`mimic sweep cancel ${runId}\` cancels it\n`)
  return status
}

export function runSweep<C extends ClusterCtx>(): RunSweep<C> {
  return async (ctx, kind: JobKindName, project: ProjectChoice, params, name, req: SweepRequest) =>
    withServices(ctx, async (s) => {
      const target = await resolveProject(s, project)
      const projectId = target.id
      const started = await s
        .call('sweeps.start', {
        cluster: req.cluster,
        kind,
        projectId,
        name,
        params,
        ...(req.seeds ? { seeds: req.seeds } : {}),
        ...(req.timeLimit ? { timeLimit: req.timeLimit } : {}),
        ...(req.itemsPerTask !== undefined ? { itemsPerTask: req.itemsPerTask } : {}),
        ...(req.maxAttempts !== undefined ? { maxAttempts: req.maxAttempts } : {}),
        ...(req.cpusPerTask !== undefined ? { cpusPerTask: req.cpusPerTask } : {}),
        })
        .catch(async (err: unknown) => {
          await unmakeProject(s, target)
          throw err
        })
      ctx.io.stderr(`sweep ${started.runId}: ${started.items.length} items in ${started.tasks.length} SLURM array tasks on ${started.cluster} (${started.dir})\n${started.grouping ? `  grouping: ${started.grouping.text}\n` : ''}`)
      const final = req.follow ? await followSweep(ctx, s, started.runId) : started
      out(ctx, final, () => sweepText(final))
      return final.status === 'succeeded' || (!req.follow && final.status === 'running') ? 0 : 1
    })
}

const sweepId = (argv: string[], where: string): number => {
  const id = parseId(argv[0], 'the sweep run id', where)
  if (argv.length > 1) throw new UsageError(`${where.replace(/ ID$/, '')} takes one sweep run ID (received also "${argv[1]}").`)
  return id
}

export function clusterCommands<C extends ClusterCtx>(): Record<string, Record<string, Handler<C>>> {
  return {
    cluster: {
      add: async (ctx, argv) => {
        const where = 'cluster add NAME --slurm'
        const specs: Record<string, FlagSpec> = {
          slurm: { type: 'boolean', help: 'the cluster runs SLURM (the one scheduler supported)', required: true },
          ssh: { type: 'string', help: 'user@login-node: reach the cluster over SSH (default: the SLURM client on this machine)' },
          'ssh-config': { type: 'string', help: 'with --ssh: an ssh configuration file (ssh -F) for the login node: Port, IdentityFile, UserKnownHostsFile, ProxyJump' },
          partition: { type: 'string', help: 'SLURM partition (default: the cluster\'s default)' },
          account: { type: 'string', help: 'SLURM account' },
          workdir: { type: 'string', help: 'absolute path on the shared filesystem for the sweeps\' inputs, results and logs (default ~/mimic-work; required with --ssh)' },
          checkout: { type: 'string', help: 'absolute path of the project checkout on the shared filesystem (default: this one; required with --ssh)' },
        }
        const { flags, positionals } = parseFlags(argv, specs, where)
        if (positionals.length !== 1) throw new UsageError(`${where} takes one NAME (received ${positionals.length}).`)
        if (flags.slurm !== true) throw new UsageError(`${where}: say --slurm (SLURM is the one scheduler supported).`)
        // an argument's error names its flag ("Work directory (--workdir) must be an absolute path ...")
        const c = await withServices(ctx, (s) =>
          s.call('clusters.add', { name: positionals[0], ssh: flags.ssh, sshConfig: flags['ssh-config'] === undefined ? undefined : resolve(flags['ssh-config'] as string), partition: flags.partition, account: flags.account, workdir: flags.workdir, checkout: flags.checkout }),
        ).catch((e: unknown) => {
          throw flagError(e, specs)
        })
        out(ctx, c, () => `cluster ${c.name}: SLURM ${c.ssh ? `over ssh ${c.ssh}` : 'through this machine\'s client'}, work directory ${c.workdir}, checkout ${c.checkout}\n  check it with: mimic cluster test ${c.name}`)
        return 0
      },
      list: async (ctx, argv) => {
        const { positionals } = parseFlags(argv, {}, 'cluster list')
        if (positionals.length) throw new UsageError(`cluster list takes no positional arguments (received "${positionals[0]}").`)
        const list = await withServices(ctx, (s) => s.call('clusters.list', {}))
        out(ctx, list, () =>
          list.length
            ? formatTable(
                ['name', 'reached by', 'partition', 'account', 'work directory', 'checkout', 'sweeps under way'],
                list.map((c) => [c.name, c.ssh ? `ssh ${c.ssh}` : 'local client', c.partition ?? '-', c.account ?? '-', c.workdir, c.checkout, c.sweepsUnderWay?.length ? c.sweepsUnderWay.map((w) => `run ${w.id}`).join(', ') : '-']),
              )
            : 'no clusters: mimic cluster add NAME --slurm [--ssh user@login-node] [--workdir DIR]',
        )
        return 0
      },
      test: async (ctx, argv) => {
        const { positionals } = parseFlags(argv, {}, 'cluster test NAME')
        if (positionals.length !== 1) throw new UsageError('cluster test takes one NAME.')
        const r = await withServices(ctx, (s) => s.call('clusters.test', { name: positionals[0] }))
        out(ctx, r, () => [`cluster ${r.name}: ${r.ok ? 'ready' : 'NOT READY'}`, ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)].join('\n'))
        return r.ok ? 0 : 1
      },
      remove: async (ctx, argv) => {
        const { positionals } = parseFlags(argv, {}, 'cluster remove NAME')
        if (positionals.length !== 1) throw new UsageError('cluster remove takes one NAME.')
        const r = await withServices(ctx, (s) => s.call('clusters.remove', { name: positionals[0] }))
        out(ctx, r, () => `removed cluster ${r.removed}`)
        return 0
      },
      task: async (ctx, argv) => clusterTask(ctx, argv),
    },
    sweep: {
      status: async (ctx, argv) => {
        const { positionals, flags } = parseFlags(argv, { poll: { type: 'boolean', help: 'ask the cluster (and merge what is there) before showing', default: true } }, 'sweep status ID')
        const id = sweepId(positionals, 'sweep status ID')
        const st = await withServices(ctx, (s) => s.call(flags.poll === false ? 'sweeps.get' : 'sweeps.poll', { runId: id }))
        out(ctx, st, () => sweepText(st))
        return 0
      },
      follow: async (ctx, argv) => {
        const { positionals } = parseFlags(argv, {}, 'sweep follow ID')
        const id = sweepId(positionals, 'sweep follow ID')
        const st = await withServices(ctx, (s) => followSweep(ctx, s, id))
        out(ctx, st, () => sweepText(st))
        return st.status === 'succeeded' ? 0 : 1
      },
      cancel: async (ctx, argv) => {
        const { positionals, flags } = parseFlags(argv, { task: { type: 'integer', help: 'cancel only this task of the array', min: 0 } }, 'sweep cancel ID')
        const id = sweepId(positionals, 'sweep cancel ID')
        const st = await withServices(ctx, (s) => s.call('sweeps.cancel', { runId: id, task: flags.task as number | undefined }))
        out(ctx, st, () => sweepText(st))
        return 0
      },
      resume: async (ctx, argv) => {
        const { positionals, flags } = parseFlags(argv, { follow: { type: 'boolean', help: 'follow it until it ends', default: true } }, 'sweep resume ID')
        const id = sweepId(positionals, 'sweep resume ID')
        const st = await withServices(ctx, async (s) => {
          const resumed = await s.call('sweeps.resume', { runId: id })
          return flags.follow === false ? resumed : followSweep(ctx, s, id)
        })
        out(ctx, st, () => sweepText(st))
        return st.status === 'succeeded' || st.status === 'running' ? 0 : 1
      },
    },
  }
}

interface Inputs {
  format: number
  sweep: number
  jobKind: JobKindName
  codeVersion: string
  /** SHA-256 of each shipped run's file inputs/run-ID.json */
  runs?: Record<string, string>
  items: { item: number; task: number; kind?: JobKindName; params: Record<string, unknown>; inputs?: number[] }[]
}

/** Reads the shipped runs the task's items start from, each checked against its SHA-256 in inputs.json. */
function readShipped(dir: string, inputs: Inputs, ids: readonly number[]): ShippedRun[] {
  return ids.map((id) => {
    const file = join(dir, 'inputs', `run-${id}.json`)
    const expected = inputs.runs?.[String(id)]
    if (!expected) throw new AppError('INVALID_ARGUMENT', `${dir}/inputs.json names run ${id} as an input but gives no checksum for it: the sweep's folder is damaged; send the sweep again.`)
    if (!existsSync(file)) throw new AppError('INVALID_ARGUMENT', `${file} is missing: the sweep's folder is incomplete; send the sweep again.`)
    const text = readFileSync(file, 'utf8')
    const json = text.slice(65)
    if (text.indexOf('\n') !== 64 || text.slice(0, 64) !== expected || createHash('sha256').update(json).digest('hex') !== expected) {
      throw new AppError('INVALID_ARGUMENT', `${file} does not match its SHA-256 in inputs.json (a damaged or partial copy): nothing was run; send the sweep again.`)
    }
    return JSON.parse(json) as ShippedRun
  })
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp.${process.pid}`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

function validResult(path: string): boolean {
  if (!existsSync(path)) return false
  const text = readFileSync(path, 'utf8')
  return text.indexOf('\n') === 64 && createHash('sha256').update(text.slice(65)).digest('hex') === text.slice(0, 64)
}

/** The stage runs a run made under it (role "pipeline", at any depth), in the order they were made. */
function stageDescendants(s: Services, runId: number): number[] {
  const out: number[] = []
  const walk = (id: number): void => {
    for (const c of s.store.runs.children(id)) {
      if (c.role !== 'pipeline' || out.includes(c.id)) continue
      out.push(c.id)
      walk(c.id)
    }
  }
  walk(runId)
  return out.sort((a, b) => a - b)
}

/** One finished run of a task's database as it goes back to the workbench: record, parents, network row, metrics, results, artifacts. */
async function itemRunOf(s: Services, runId: number): Promise<ItemRunData> {
  const run = await s.call('runs.get', { id: runId })
  const metrics = await s.call('metrics.get', { runId })
  const rows = (await s.call('results.query', { runId, limit: 100_000 })).rows
  const byItem = new Map<number, ResultItem>()
  for (const r of rows) {
    const x = byItem.get(r.item) ?? { item: r.item, networkId: r.networkId, architecture: r.architecture, labels: r.labels, values: {} }
    x.values[r.key] = r.value
    byItem.set(r.item, x)
  }
  const own = s.shippedRun(runId)
  return {
    run: {
      id: run.id,
      kind: run.kind,
      name: run.name,
      params: run.params,
      seed: run.seed,
      status: run.status,
      error: run.error,
      summary: run.summary,
      codeVersion: run.codeVersion,
      host: run.host,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      parents: own.parents,
      network: own.run.network ? { architecture: own.run.network.architecture, formatVersion: own.run.network.formatVersion, meta: JSON.parse(own.run.network.meta) as Record<string, unknown> } : null,
    },
    metrics,
    results: [...byItem.values()],
    artifacts: own.artifacts.map((a) => ({ name: a.name, dtype: a.dtype, shape: a.shape, base64: a.base64 })),
  }
}

/** `mimic cluster task DIR INDEX`: runs the items of one array task (what task.sh runs on a node). */
async function clusterTask(ctx: ClusterCtx, argv: string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {}, 'cluster task DIR INDEX')
  if (positionals.length !== 2 || !/^\d+$/.test(positionals[1])) throw new UsageError('cluster task takes DIR INDEX (what a sweep\'s task.sh runs on a node).')
  const [dir, index] = [positionals[0], Number(positionals[1])]
  const inputs = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as Inputs
  if (inputs.codeVersion !== codeVersion()) {
    ctx.io.stderr(`mimic: this node's mimic is ${codeVersion()} but the sweep was sent by ${inputs.codeVersion}: nothing run.\n`)
    return 3
  }
  const mine = inputs.items.filter((i) => i.task === index)
  if (mine.length === 0) throw new UsageError(`task ${index} has no items in ${dir}/inputs.json.`)
  mkdirSync(join(dir, 'work'), { recursive: true })
  const progressFile = join(dir, 'progress', `task-${index}.json`)
  const host = hostName()
  let done = 0
  const report = (fraction: number, message: string): void =>
    writeAtomic(progressFile, JSON.stringify({ task: index, pid: process.pid, host, itemsDone: done, items: mine.length, fraction, message, updatedAt: new Date().toISOString() }))
  const s = new Services({ dbPath: join(dir, 'work', `task-${index}.db`), frontDoor: 'cli' })
  let failed = 0
  try {
    const project = (await s.call('projects.list', {}))[0] ?? (await s.call('projects.create', { name: `sweep ${inputs.sweep} task ${index}` }))
    // the runs the items start from, under the ids they have on the workbench (a retry finds them there)
    const needed = [...new Set(mine.flatMap((i) => i.inputs ?? []))].sort((a, b) => a - b)
    if (needed.length) {
      report(0, `reading ${needed.length} shipped run${needed.length > 1 ? 's' : ''}`)
      s.importShippedRuns(project.id, readShipped(dir, inputs, needed))
    }
    for (const it of mine) {
      const file = join(dir, 'results', `item-${it.item}.json`)
      if (validResult(file)) {
        done++
        continue // written by an earlier attempt
      }
      report(done / mine.length, `item ${it.item} (seed ${String(it.params.seed)}) starting`)
      const { runId } = await s.call('jobs.start', { kind: it.kind ?? inputs.jobKind, projectId: project.id, params: it.params })
      const unsubscribe = s.subscribe((e) => {
        if (e.type === 'job.progress' && e.runId === runId) report((done + e.progress.fraction) / mine.length, `item ${it.item}: ${e.progress.message}`)
      })
      let run = await s.call('runs.get', { id: runId })
      while (run.status === 'queued' || run.status === 'running') {
        await new Promise((r) => setTimeout(r, 100))
        run = await s.call('runs.get', { id: runId })
      }
      unsubscribe()
      if (run.status !== 'succeeded') {
        failed++
        ctx.io.stderr(`mimic: item ${it.item} ${run.status}${run.error ? `: ${run.error}` : ''}\n`)
        continue
      }
      const top = await itemRunOf(s, runId)
      // the runs the item's job made under its run (a pipeline's stages: its test set, teacher,
      // network, test), in the order they were made, so that the workbench gets the whole subtree
      const descendants: ItemRunData[] = []
      for (const id of stageDescendants(s, runId)) descendants.push(await itemRunOf(s, id))
      const payload = { format: 1, sweep: inputs.sweep, item: it.item, ...top, ...(descendants.length ? { descendants } : {}) }
      const json = JSON.stringify(payload)
      writeAtomic(file, `${createHash('sha256').update(json).digest('hex')}\n${json}`)
      done++
      report(done / mine.length, `item ${it.item} written`)
    }
  } finally {
    await s.close()
  }
  return failed ? 1 : 0
}
