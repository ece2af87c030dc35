// Job "reproduce.paper": the paper's comparison (docs/method.md §15). Every part is a child run of its
// own, made by the job kind that makes such runs when started alone, with its own parameters and
// seed: the scored samples (data.generate), each network (a pipeline run: `mimic reproduce TASK
// --architecture A --seed S+i`) and each network's sweep under each perturbation (a robustness run).
// So each could run elsewhere (a cluster) and a resumed reproduction reuses the finished ones: a
// child of the resumed run with the same kind, parameters (threads aside) and seed is linked as a
// parent of this run (role "reused") instead of being run again. The comparison itself is computed
// from the children's stored trials (src/analysis/comparison.ts).
import { compareArchitectures, comparisonCells, increaseOrdering, mseIncreaseKey, mseIncreases, type ComparisonTrial } from '../../analysis/comparison.ts'
import { median } from '../../analysis/stats.ts'
import { AppError } from '../../shared/errors.ts'
import { article, fieldApplies } from '../../shared/schema.ts'
import { dataGenerateParams, jobKindSpec, parseNames, pipelineParams, reproducePaperParams, robustnessParams, type JobKindName, type ReproducePaperParams } from '../../shared/jobkinds/index.ts'
import { otherBaselineFields } from '../../shared/jobkinds/pipeline.ts'
import { paperArchitectures, type PaperArchitecture } from '../../shared/paper.ts'
import { levelsProblem, perturbationNames, type PerturbationName } from '../../shared/perturbations.ts'
import { taskDescriptors } from '../../shared/tasks/index.ts'
import type { Cluster, ComparisonAnalysis, ComparisonPart, ResultItem, SweepStatus } from '../../shared/types.ts'
import type { Store } from '../../store/index.ts'
import type { RunRecord } from '../../store/runs.ts'
import type { JobContext, JobResult } from '../context.ts'
import { fieldError } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'
import { dataGenerate } from './data-generate.ts'
import { pipeline } from './pipeline.ts'
import { robustness } from './robustness.ts'
import { cancelSweep, costLookup, pollSweep, shippedInputs, startSweep } from '../cluster/sweep.ts'
import { costRates } from '../../shared/grouping.ts'
import { codeVersion, hostName } from '../../system/version.ts'

/** The children's job implementations (imported directly: the registry imports this file). */
const childJobs: Partial<Record<JobKindName, JobImpl>> = { 'data.generate': dataGenerate, pipeline, robustness }

/** The seed of the scored samples: apart from the networks' seeds S + i (and their test sets). */
const scoredSamplesSeed = (seed: number): number => (seed + 7_919) % 2 ** 31

interface Plan {
  p: ReproducePaperParams
  architectures: PaperArchitecture[]
  perturbations: PerturbationName[]
  levels: Record<PerturbationName, number[]>
}

function plan(params: Record<string, unknown>): Plan {
  const p = reproducePaperParams.parse(params, 'params')
  const architectures = parseNames(p.architectures, paperArchitectures)
  if (typeof architectures === 'string') throw fieldError('reproduce.paper', 'architectures', architectures)
  const perturbations = parseNames(p.perturbations, perturbationNames)
  if (typeof perturbations === 'string') throw fieldError('reproduce.paper', 'perturbations', perturbations)
  const levels: Record<PerturbationName, number[]> = { mismatch: p.mismatchLevels, quantisation: p.quantisationBits, noise: p.noiseLevels, death: p.deathLevels }
  const field: Record<PerturbationName, string> = { mismatch: 'mismatchLevels', quantisation: 'quantisationBits', noise: 'noiseLevels', death: 'deathLevels' }
  for (const n of perturbations) {
    const problem = levelsProblem(n, levels[n])
    if (problem) throw fieldError('reproduce.paper', field[n], `are not levels of ${n}: ${problem}`)
  }
  return { p, architectures, perturbations, levels }
}

/**
 * The parameters of network i's pipeline run: the reproduction's pipeline fields (every flag of
 * `mimic reproduce TASK`, the other architectures' own ones left out), its architecture, seed S + i.
 */
function pipelineParamsOf(p: ReproducePaperParams, architecture: PaperArchitecture, seed: number): Record<string, unknown> {
  const { networks: _n, architectures: _a, perturbations: _p, resume: _r, samples: _s, draws: _d, mismatchLevels: _m, quantisationBits: _q, noiseLevels: _no, deathLevels: _de, recalibrateGain: _rg, gainValidationSamples: _vs, gainValidationDraws: _vd, seed: _seed, cluster: _c, itemsPerTask: _ipt, attempts: _at, timeLimit: _tl, cpusPerTask: _cpt, ...rest } = p
  const others = new Set(otherBaselineFields(architecture))
  const own = Object.fromEntries(Object.entries(rest).filter(([k]) => !others.has(k)))
  return pipelineParams.parse({ ...own, architecture, seed }, 'params') as Record<string, unknown>
}

/** JSON text of a value with sorted keys and without `threads` (the cores a run had do not change its result). */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort)
    if (x && typeof x === 'object') {
      return Object.fromEntries(
        Object.keys(x as object)
          .filter((k) => k !== 'threads' && (x as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
      )
    }
    return x
  }
  return JSON.stringify(sort(JSON.parse(JSON.stringify(v ?? null))))
}

/** The runs a resumed reproduction offers for reuse: its own children and the runs it reused itself. */
function reusableRuns(store: Store, resumed: number): RunRecord[] {
  const ids = [...store.runs.children(resumed).filter((c) => c.role === 'pipeline'), ...store.runs.parents(resumed).filter((c) => c.role === 'reused')]
    .filter((r) => r.status === 'succeeded')
    .map((r) => r.id)
  return ids.map((id) => store.runs.get(id))
}

class Reproduction {
  private readonly reusable: RunRecord[]
  /**
   * estimated seconds of the parts run so far, of \`totalSeconds\`: the parts still to run; a part reused
   * or not run (refused, or the sweeps of a network that failed) leaves the plan, so that the share done,
   * and the time left computed from it, count only work this run does
   */
  private done = 0
  readonly parts: ComparisonPart[] = []

  private readonly ctx: JobContext
  private totalSeconds = 1

  constructor(ctx: JobContext, resume: number | undefined) {
    this.ctx = ctx
    this.reusable = resume === undefined ? [] : reusableRuns(ctx.store, resume)
  }

  /** The estimated seconds of every part (ChildSpec.seconds): the progress is the share of them done. */
  plan(totalSeconds: number): void {
    this.totalSeconds = Math.max(totalSeconds, this.done, 1e-9)
  }

  private leavePlan(seconds: number): void {
    this.totalSeconds = Math.max(this.totalSeconds - seconds, this.done, 1e-9)
  }

  /**
   * A finished run of the resumed reproduction with this kind, parameters and seed (linked as a
   * parent of this run, role "reused"), or else a new child run made by `jobKind`'s own implementation.
   */
  async child(jobKind: JobKindName, spec: ChildSpec): Promise<{ runId: number; reused: boolean }> {
    const { ctx } = this
    const reused = this.reuse(spec)
    if (reused !== null) return { runId: reused, reused: true }
    const share = spec.seconds / this.totalSeconds
    const base = this.done / this.totalSeconds
    this.done += spec.seconds
    const impl = childJobs[jobKind]
    if (!impl) throw new AppError('INTERNAL', `no implementation for the child job kind ${jobKind}`)
    impl.precheck(ctx.store, spec.params)
    ctx.setStage(spec.label)
    ctx.progress(base, spec.name, true)
    const out = await ctx.stage(spec, async (runId) => {
      const r = await impl.run(ctx.forStage(runId, base, share))
      return { value: null, summary: r.summary }
    })
    return { runId: out.runId, reused: false }
  }

  /** A finished run of the resumed reproduction with this kind, parameters and seed, linked as a parent (role "reused"); null when there is none. */
  reuse(spec: ChildSpec): number | null {
    const key = canonical(spec.params)
    const found = this.reusable.find((r) => r.kind === spec.kind && r.seed === spec.seed && canonical(r.params) === key)
    if (!found) return null
    this.leavePlan(spec.seconds)
    this.ctx.store.runs.linkParent(this.ctx.run.id, found.id, 'reused')
    this.ctx.progress(this.done / this.totalSeconds, `reused ${spec.name} (run ${found.id})`, true)
    return found.id
  }

  /**
   * Runs children on a cluster as one SLURM array (items grouped into tasks), following it until it
   * ends; each item's run (and the runs it made) is merged here as a child of this run. Returns, per
   * child, its merged run id or why there is none. Cancelling this job cancels the array (scancel).
   */
  async onCluster(cluster: string, jobKind: JobKindName, specs: ChildSpec[], phase: string): Promise<({ runId: number } | { error: string })[]> {
    const { ctx } = this
    const p = reproducePaperParams.parse(ctx.run.params, 'params')
    const seconds = specs.reduce((t, x) => t + x.seconds, 0)
    const base = this.done / this.totalSeconds
    const share = seconds / this.totalSeconds
    this.done += seconds
    const c = ctx.store.clusters.get(cluster)
    ctx.setStage(phase)
    ctx.progress(base, `sending ${specs.length} ${phase} to cluster ${cluster}`, true)
    const runId = await startSweep(ctx.store, c, {
      projectId: ctx.run.projectId,
      jobKind,
      runKind: jobKindSpec(jobKind).runKind,
      params: { reproduction: ctx.run.id, phase },
      items: specs.map((s) => ({ kind: jobKind, params: asGiven(jobKind, s.params), label: s.label, inputs: shippedInputs(ctx.store, refIds(s.params)) })),
      ...(p.itemsPerTask !== undefined ? { itemsPerTask: p.itemsPerTask } : {}),
      ...(p.timeLimit !== undefined ? { timeLimit: p.timeLimit } : {}),
      owner: { id: ctx.run.id, role: 'pipeline' },
      maxAttempts: p.attempts,
      cpusPerTask: p.cpusPerTask,
      name: `${phase} of comparison run ${ctx.run.id} on ${cluster}`,
      codeVersion: codeVersion(),
      host: hostName(),
    })
    const status = await followOnCluster(ctx, c, runId, (st) => ctx.progress(base + share * (st.merged / Math.max(1, st.items.length)), `${phase} on ${cluster} (sweep ${runId}): ${sweepLine(st)}`, true))
    return status.items.map((it) => {
      if (it.mergedRunId !== null) return { runId: it.mergedRunId }
      const task = status.tasks.find((t) => t.task === it.task)
      return { error: `on cluster ${cluster} (sweep ${runId}, task ${it.task}): ${task?.error ?? task?.state ?? 'no result'}` }
    })
  }

  /** A part not run (a refused sweep, the sweeps of a network that failed): it leaves the plan. */
  skip(seconds: number): void {
    this.leavePlan(seconds)
  }
}

interface ChildSpec {
  kind: string
  name: string
  params: Record<string, unknown>
  seed: number
  parents?: { id: number; role: string }[]
  label: string
  /** its estimated seconds (partSeconds): its share of the reproduction's progress */
  seconds: number
}

/**
 * Estimated seconds of the reproduction's parts, from the job kinds' own estimates (\`itemSeconds\`,
 * the rates of src/shared/grouping.ts), so that its progress and time left follow the work rather than
 * the count of parts: a network trains for a minute or more, a sweep takes seconds. A part without an
 * estimate counts as a minute (a network) or 5 s (a sweep).
 */
export function partSeconds(store: Store, p: ReproducePaperParams): { network: (params: Record<string, unknown>) => number; sweep: (neurons: number, params: Record<string, unknown>) => number } {
  const look = costLookup(store)
  const steps = look.taskSteps(p.task)
  const known = (s: number | null | undefined): s is number => typeof s === 'number' && Number.isFinite(s) && s > 0
  return {
    network: (params) => {
      const s = jobKindSpec('pipeline').itemSeconds?.(params, look)
      return (known(s) ? s : 60) + costRates.itemStartSeconds
    },
    // before the network exists: its size from its pipeline's parameters, the scored samples' length from the task
    sweep: (neurons, params) => {
      const s = jobKindSpec('robustness').itemSeconds?.({ ...params, networks: [0], dataset: 0 }, { ...look, neurons: () => neurons, steps: () => steps })
      return (known(s) ? s : 5) + costRates.itemStartSeconds
    },
  }
}

/** A sweep's parameters but its network, dataset, seed and threads: the perturbation at the reproduction's levels. */
function sweepParamsOf(p: ReproducePaperParams, perturbation: PerturbationName, levels: Record<PerturbationName, number[]>): Record<string, unknown> {
  return {
    perturbation,
    levels: levels[perturbation],
    draws: p.draws,
    samples: p.samples,
    ...(p.recalibrateGain ? { recalibrateGain: true, validationSamples: p.gainValidationSamples, validationDraws: p.gainValidationDraws } : {}),
  }
}

/** The run ids a child's parameters name (a robustness run's networks and dataset, a pipeline's dataset). */
function refIds(params: Record<string, unknown>): number[] {
  const out: number[] = []
  for (const k of ['networks', 'dataset', 'data']) {
    const v = params[k]
    if (typeof v === 'number') out.push(v)
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'number') out.push(x)
  }
  return out
}

/**
 * Parsed parameters as a node's job takes them: without the fields whose condition does not hold (a
 * job refuses those when given; it fills in their defaults itself, so its run records the same parameters).
 */
function asGiven(kind: JobKindName, params: Record<string, unknown>): Record<string, unknown> {
  const fields = jobKindSpec(kind).params.info().fields ?? {}
  return Object.fromEntries(Object.entries(params).filter(([k]) => fieldApplies(fields[k] ?? {}, (f) => params[f])))
}

/** One line of a sweep's state: merged items and tasks by state (with retries). */
function sweepLine(st: SweepStatus): string {
  const by = (s: string): number => st.tasks.filter((t) => t.state === s).length
  const retried = st.tasks.filter((t) => t.attempts > 1).length
  return `${st.merged}/${st.items.length} merged; tasks ${by('done')} done, ${by('running')} running, ${by('submitted')} waiting, ${by('failed')} failed${retried ? `, ${retried} retried` : ''}`
}

const pollMs = (): number => Number(process.env.MIMIC_SWEEP_POLL_MS ?? 1000)

/** Follows a sweep until it ends (merging as results come); cancelling the job cancels the sweep's tasks. */
async function followOnCluster(ctx: JobContext, cluster: Cluster, runId: number, report: (st: SweepStatus) => void): Promise<SweepStatus> {
  let st = await pollSweep(ctx.store, cluster, runId)
  while (st.status === 'running') {
    report(st)
    if (ctx.signal.aborted) break
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs())
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
    })
    if (ctx.signal.aborted) break
    st = await pollSweep(ctx.store, cluster, runId)
  }
  if (ctx.signal.aborted && st.status === 'running') {
    await cancelSweep(ctx.store, cluster, runId)
    ctx.checkCancelled()
  }
  report(st)
  return st
}

/**
 * The sweeps a resumed reproduction (and the ones it resumed) left on a cluster: each is followed to its
 * end (merging what its tasks wrote, once), so their finished items are reused, not sent again.
 */
async function adoptSweeps(ctx: JobContext, resumed: number | undefined): Promise<void> {
  const seen = new Set<number>()
  for (let id = resumed; id !== undefined && !seen.has(id); ) {
    seen.add(id)
    const run = ctx.store.runs.find(id)
    if (!run) break
    for (const c of ctx.store.runs.children(id).filter((r) => r.kind === 'sweep' && r.role === 'cluster')) {
      if (!ctx.store.sweeps.find(c.id)) continue
      const sweep = ctx.store.sweeps.get(c.id)
      const cluster = ctx.store.clusters.find(sweep.cluster)
      if (!cluster) {
        ctx.progress(0, `sweep ${c.id} of run ${id}: its cluster ${sweep.cluster} is no longer configured; its unmerged items are run again`, true)
        continue
      }
      ctx.progress(0, `collecting sweep ${c.id} of run ${id} on ${sweep.cluster}`, true)
      await followOnCluster(ctx, cluster, c.id, (st) => ctx.progress(0, `collecting sweep ${c.id} of run ${id} on ${sweep.cluster}: ${sweepLine(st)}`, true))
    }
    const next = run.params.resume
    id = typeof next === 'number' ? next : undefined
  }
}

const isCancel = (ctx: JobContext, err: unknown): boolean => ctx.signal.aborted || ['CANCELLED', 'ERR_CANCELLED'].includes((err as { code?: string }).code ?? '')

async function runReproduction(ctx: JobContext): Promise<JobResult> {
  const { store } = ctx
  const { p, architectures, perturbations, levels } = plan(ctx.run.params)
  const seed = ctx.run.seed ?? 0
  // a resumed reproduction first collects what its sweeps on a cluster left (merged once), then reuses it
  await adoptSweeps(ctx, p.resume)
  const rep = new Reproduction(ctx, p.resume)
  const cost = partSeconds(store, p)
  const task = taskDescriptors[p.task]

  // 1. The scored samples every perturbed network is scored on (made here: small, and every sweep's input).
  const dsSeed = scoredSamplesSeed(seed)
  // with the gain recalibrated, the validation samples follow the scored ones in the same dataset
  const dsParams = dataGenerateParams.parse({ task: p.task, count: p.samples + (p.recalibrateGain ? p.gainValidationSamples : 0), seed: dsSeed }, 'params') as Record<string, unknown>
  // the plan: the samples (a tenth of a second), every network, every network under every perturbation
  const firstParams = new Map(architectures.map((a) => [a, pipelineParamsOf(p, a, seed)]))
  const sizes = new Map(architectures.map((a) => [a, Number(firstParams.get(a)!.neurons ?? 320)]))
  const sweepSeconds = (a: PaperArchitecture, perturbation: PerturbationName): number => cost.sweep(sizes.get(a)!, sweepParamsOf(p, perturbation, levels))
  rep.plan(0.1 + architectures.reduce((t, a) => t + p.networks * (cost.network(firstParams.get(a)!) + perturbations.reduce((u, x) => u + sweepSeconds(a, x), 0)), 0))
  const dataset = await rep.child('data.generate', { kind: 'dataset', name: `${task.label} scored samples · seed ${dsSeed}`, params: dsParams, seed: dsSeed, label: 'dataset', seconds: 0.1 })

  // 2. The networks: network i of each architecture is the pipeline `reproduce TASK --architecture A --seed S + i`.
  const networks: { architecture: PaperArchitecture; index: number; networkRunId: number }[] = []
  const netSpecs: { architecture: PaperArchitecture; index: number; part: ComparisonPart; spec: ChildSpec }[] = []
  for (const architecture of architectures) {
    for (let i = 0; i < p.networks; i++) {
      const s = (seed + i) % 2 ** 31
      const part: ComparisonPart = { part: 'network', architecture, index: i, perturbation: null, runId: null, networkRunId: null, status: 'done', reason: null, testAccuracy: null }
      rep.parts.push(part)
      const params = pipelineParamsOf(p, architecture, s)
      netSpecs.push({ architecture, index: i, part, spec: { kind: 'pipeline', name: `${task.label} pipeline · ${architecture} · seed ${s}`, params, seed: s, label: `${architecture} network ${i + 1} of ${p.networks}`, seconds: cost.network(params) } })
    }
  }
  const networkDone = (n: (typeof netSpecs)[number], runId: number, reused: boolean): void => {
    n.part.runId = runId
    n.part.status = reused ? 'reused' : 'done'
    const net = store.runs.children(runId).find((r) => r.kind === n.architecture && r.role === 'pipeline')
    if (!net) throw new AppError('INTERNAL', `pipeline run ${runId} has no ${n.architecture} network among its stages`)
    n.part.networkRunId = net.id
    const acc = store.runs.get(runId).summary.testAccuracy
    n.part.testAccuracy = typeof acc === 'number' ? acc : null
    networks.push({ architecture: n.architecture, index: n.index, networkRunId: net.id })
  }
  const networkFailed = (n: (typeof netSpecs)[number], reason: string, runId: number | null): void => {
    n.part.status = 'failed'
    n.part.reason = reason
    n.part.runId = runId
    for (const x of perturbations) rep.skip(sweepSeconds(n.architecture, x))
  }
  if (p.cluster !== undefined) {
    // on a cluster: the networks not reused go as one array; each merged pipeline run is a child here
    const send = netSpecs.filter((n) => {
      const reused = rep.reuse(n.spec)
      if (reused !== null) networkDone(n, reused, true)
      return reused === null
    })
    if (send.length) {
      const out = await rep.onCluster(p.cluster, 'pipeline', send.map((n) => n.spec), 'networks')
      for (const [k, n] of send.entries()) {
        const o = out[k]
        if ('runId' in o && store.runs.get(o.runId).status === 'succeeded') networkDone(n, o.runId, false)
        else networkFailed(n, 'runId' in o ? (store.runs.get(o.runId).error ?? 'failed') : o.error, 'runId' in o ? o.runId : null)
      }
    }
    // networks in the order a run made here lists them
    networks.sort((x, y) => architectures.indexOf(x.architecture) - architectures.indexOf(y.architecture) || x.index - y.index)
  } else {
    for (const n of netSpecs) {
      try {
        const c = await rep.child('pipeline', n.spec)
        networkDone(n, c.runId, c.reused)
      } catch (err) {
        if (isCancel(ctx, err)) throw err
        networkFailed(n, (err as Error).message, store.runs.children(ctx.run.id).filter((r) => r.kind === 'pipeline' && r.role === 'pipeline').at(-1)?.id ?? null)
      }
    }
  }

  // 3. The sweeps: each network under each perturbation at the paper's levels, one robustness run each.
  const toSend: { part: ComparisonPart; spec: ChildSpec }[] = []
  for (const perturbation of perturbations) {
    const refusedBy = new Map<PaperArchitecture, string>()
    for (const n of networks) {
      const part: ComparisonPart = { part: 'sweep', architecture: n.architecture, index: n.index, perturbation, runId: null, networkRunId: n.networkRunId, status: 'done', reason: null, testAccuracy: null }
      rep.parts.push(part)
      const refused = refusedBy.get(n.architecture)
      if (refused !== undefined) {
        // its architecture refused this perturbation on an earlier network: the same refusal, not run again
        part.status = 'refused'
        part.reason = refused
        rep.skip(sweepSeconds(n.architecture, perturbation))
        continue
      }
      const params = robustnessParams.parse(
        { networks: [n.networkRunId], dataset: dataset.runId, ...sweepParamsOf(p, perturbation, levels), seed, threads: p.threads },
        'params',
      ) as Record<string, unknown>
      const spec: ChildSpec = {
        kind: 'robustness',
        name: `${perturbation} · ${n.architecture} ${n.index + 1} (run ${n.networkRunId})`,
        params,
        seed,
        label: `${perturbation}: ${n.architecture} network ${n.index + 1}`,
        seconds: sweepSeconds(n.architecture, perturbation),
        parents: [
          { id: n.networkRunId, role: 'networks' },
          { id: dataset.runId, role: 'dataset' },
        ],
      }
      if (p.cluster !== undefined) {
        const reused = rep.reuse(spec)
        if (reused !== null) {
          part.runId = reused
          part.status = 'reused'
          continue
        }
        try {
          // a perturbation the architecture refuses is refused here, before anything is sent
          robustness.precheck(store, params)
        } catch (err) {
          const code = (err as { code?: string }).code
          part.status = code === 'UNSUPPORTED' ? 'refused' : 'failed'
          part.reason = (err as Error).message
          if (code === 'UNSUPPORTED') refusedBy.set(n.architecture, part.reason)
          rep.skip(spec.seconds)
          continue
        }
        toSend.push({ part, spec })
        continue
      }
      try {
        const c = await rep.child('robustness', spec)
        part.runId = c.runId
        part.status = c.reused ? 'reused' : 'done'
      } catch (err) {
        if (isCancel(ctx, err)) throw err
        const code = (err as { code?: string }).code
        part.status = code === 'UNSUPPORTED' ? 'refused' : 'failed'
        part.reason = (err as Error).message
        part.runId = store.runs.children(ctx.run.id).filter((r) => r.kind === 'robustness' && r.role === 'pipeline').at(-1)?.id ?? null
        if (code === 'UNSUPPORTED') refusedBy.set(n.architecture, part.reason)
      }
    }
  }
  if (p.cluster !== undefined && toSend.length) {
    const out = await rep.onCluster(p.cluster, 'robustness', toSend.map((x) => x.spec), 'sweeps')
    for (const [k, x] of toSend.entries()) {
      const o = out[k]
      x.part.runId = 'runId' in o ? o.runId : null
      if ('runId' in o && store.runs.get(o.runId).status === 'succeeded') x.part.status = 'done'
      else {
        x.part.status = 'failed'
        x.part.reason = 'runId' in o ? (store.runs.get(o.runId).error ?? 'failed') : o.error
      }
    }
  }
  ctx.checkCancelled()

  // 4. The comparison, from the stored trials; the parts as the run's results (the analysis reads them back).
  ctx.progress(0.99, 'comparing the architectures', true)
  ctx.results(partItems(rep.parts))
  const a = analyse(store, ctx.run, rep.parts)
  return { summary: summaryOf(a) }
}

/** The parts as result items of the comparison run: labels say what each is, values its runs. */
function partItems(parts: readonly ComparisonPart[]): ResultItem[] {
  return parts.map((x, item) => ({
    item,
    networkId: x.networkRunId,
    architecture: x.architecture,
    labels: { part: x.part, index: x.index, status: x.status, ...(x.perturbation ? { perturbation: x.perturbation } : {}), ...(x.reason ? { reason: x.reason } : {}) },
    values: { runId: x.runId, testAccuracy: x.testAccuracy },
  }))
}

function partsOf(store: Store, runId: number): ComparisonPart[] {
  const status = (v: unknown): ComparisonPart['status'] => (v === 'reused' || v === 'refused' || v === 'failed' ? v : 'done')
  return store.results.items(runId).map((it) => ({
    part: it.labels.part === 'sweep' ? 'sweep' : 'network',
    architecture: it.architecture ?? '',
    index: Number(it.labels.index),
    perturbation: typeof it.labels.perturbation === 'string' ? it.labels.perturbation : null,
    runId: it.values.runId ?? null,
    networkRunId: it.networkId,
    status: status(it.labels.status),
    reason: typeof it.labels.reason === 'string' ? it.labels.reason : null,
    testAccuracy: it.values.testAccuracy ?? null,
  }))
}

/** The trials of the finished sweeps; trials whose output was not finite are counted and left out. */
function trialsOf(store: Store, parts: readonly ComparisonPart[]): { trials: ComparisonTrial[]; nonFinite: number } {
  const trials: ComparisonTrial[] = []
  let nonFinite = 0
  for (const x of parts) {
    if (x.part !== 'sweep' || x.runId === null || (x.status !== 'done' && x.status !== 'reused')) continue
    for (const it of store.results.items(x.runId)) {
      const mse = it.values.mse
      const accuracy = it.values.accuracy
      if (typeof mse !== 'number' || typeof accuracy !== 'number' || !Number.isFinite(mse) || !Number.isFinite(accuracy)) {
        nonFinite++
        continue
      }
      trials.push({ architecture: x.architecture, network: it.networkId ?? x.networkRunId ?? 0, perturbation: String(it.labels.perturbation), level: Number(it.labels.level), accuracy, mse })
    }
  }
  return { trials, nonFinite }
}

function analyse(store: Store, run: RunRecord, parts: ComparisonPart[]): ComparisonAnalysis {
  const { p, architectures, perturbations, levels } = plan(run.params)
  const { trials, nonFinite } = trialsOf(store, parts)
  const shownLevels = Object.fromEntries(perturbations.map((n) => [n, levels[n]]))
  const cells = comparisonCells(trials, architectures, shownLevels)
  const tests = compareArchitectures(trials, architectures, shownLevels)
  const increases = perturbations.includes('mismatch') ? mseIncreases(cells, architectures) : []
  const refused: ComparisonAnalysis['refused'] = []
  for (const x of parts) {
    if (x.status === 'refused' && !refused.some((r) => r.architecture === x.architecture && r.perturbation === x.perturbation)) {
      refused.push({ architecture: x.architecture, perturbation: x.perturbation ?? '', reason: x.reason ?? '' })
    }
  }
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    task: p.task,
    seed: run.seed,
    params: run.params,
    codeVersion: run.codeVersion,
    durationSeconds: run.durationSeconds,
    architectures,
    perturbations,
    levels: shownLevels,
    parts,
    cells,
    tests,
    mseIncrease: increases,
    ordering: increases.length ? increaseOrdering(increases, tests, testAccuracies(parts, architectures)) : [],
    refused,
    summary: { trials: trials.length, nonFiniteTrials: nonFinite },
  }
}

/** Each architecture's median test accuracy over its trained networks (absent when none was trained). */
function testAccuracies(parts: readonly ComparisonPart[], architectures: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const arch of architectures) {
    const accs = parts.filter((x) => x.part === 'network' && x.architecture === arch && x.testAccuracy !== null).map((x) => x.testAccuracy!)
    if (accs.length) out[arch] = median(accs)
  }
  return out
}

/** The headline numbers: counts, each architecture's median test accuracy, and the MSE increases at 5/10/20 %. */
function summaryOf(a: ComparisonAnalysis): Record<string, number> {
  const count = (f: (x: ComparisonPart) => boolean): number => a.parts.filter(f).length
  const out: Record<string, number> = {
    networks: count((x) => x.part === 'network' && x.networkRunId !== null),
    sweeps: count((x) => x.part === 'sweep' && (x.status === 'done' || x.status === 'reused')),
    refusedSweeps: count((x) => x.status === 'refused'),
    failed: count((x) => x.status === 'failed'),
    reused: count((x) => x.status === 'reused'),
    trials: a.summary.trials,
    nonFiniteTrials: a.summary.nonFiniteTrials,
  }
  for (const [arch, acc] of Object.entries(testAccuracies(a.parts, a.architectures))) out[`testAccuracy.${arch}`] = acc
  for (const m of a.mseIncrease) if (m.oursPct !== null) out[mseIncreaseKey(m.architecture, m.level)] = m.oursPct
  for (const o of a.ordering) out[`orderAsPaper.${Math.round(o.level * 100)}`] = o.same ? 1 : 0
  return out
}

/** `comparison.analysis`: a finished reproduction's comparison, recomputed from its children's stored trials. */
export function comparisonAnalysis(store: Store, runId: number): ComparisonAnalysis {
  const run = store.runs.get(runId)
  if (run.kind !== jobKindSpec('reproduce.paper').runKind) {
    throw new AppError('INVALID_ARGUMENT', `Run ${runId} “${run.name}” is ${article(run.kind)} ${run.kind} run: the comparison is made by a paper reproduction (\`mimic reproduce paper\`).`, { field: 'runId' })
  }
  if (run.status !== 'succeeded') {
    const why = run.status === 'queued' || run.status === 'running' ? 'has not finished yet: wait for it' : `was ${run.status} before its comparison was made: continue it with \`mimic reproduce paper --resume ${runId}\``
    throw new AppError('INVALID_ARGUMENT', `Comparison run ${runId} “${run.name}” ${why}.`, { field: 'runId' })
  }
  const a = analyse(store, run, partsOf(store, runId))
  return { ...a, summary: run.summary }
}

export const reproducePaperJob: JobImpl = {
  precheck(store, params) {
    const { p, architectures } = plan(params)
    if (p.resume !== undefined) {
      const r = store.runs.find(p.resume)
      if (!r) throw fieldError('reproduce.paper', 'resume', `names no run: there is no run with id ${p.resume}.`, 'NOT_FOUND')
      if (r.kind !== 'comparison') throw fieldError('reproduce.paper', 'resume', `is run ${p.resume} “${r.name}”, ${article(r.kind)} ${r.kind} run: choose a paper reproduction (a comparison run) to continue.`)
      if (r.status === 'queued' || r.status === 'running') throw fieldError('reproduce.paper', 'resume', `names run ${p.resume}, which is still ${r.status}: cancel it first (\`mimic jobs cancel ${p.resume}\`), or wait for it.`)
      if (r.seed !== (p.seed ?? r.seed)) throw fieldError('reproduce.paper', 'resume', `names run ${p.resume}, whose seed is ${r.seed}, but this run's is ${p.seed}: leave --seed out (the resumed run's is the default) or give ${r.seed}.`)
    }
    for (const a of architectures) pipeline.precheck(store, pipelineParamsOf(p, a, 0))
    if (p.cluster === undefined) {
      if (p.itemsPerTask !== undefined) throw fieldError('reproduce.paper', 'itemsPerTask', 'applies to a reproduction sent to a cluster: give --on CLUSTER too, or leave it out.')
      if (p.timeLimit !== undefined) throw fieldError('reproduce.paper', 'timeLimit', 'applies to a reproduction sent to a cluster: give --on CLUSTER too, or leave it out.')
    } else if (!store.clusters.find(p.cluster)) {
      const known = store.clusters.list().map((c) => c.name)
      throw fieldError('reproduce.paper', 'cluster', `names no configured cluster${known.length ? ` (configured: ${known.join(', ')})` : ''}: add it with \`mimic cluster add ${p.cluster} --slurm\`, or leave it empty to run here.`, 'NOT_FOUND')
    }
  },
  run: runReproduction,
}
