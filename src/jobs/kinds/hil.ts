// Job "hil": hardware in the loop (src/shared/jobkinds/hil.ts). Sample by sample, so that each
// result is stored as it is made: a fault of the link ends the run as failed with its reason and
// keeps every sample recorded before it (results, spike counts, a partial summary).
import { ProtocolError } from '../../hardware/protocol/errors.ts'
import { AppError } from '../../shared/errors.ts'
import { hilParams } from '../../shared/jobkinds/index.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import type { LoadedNetwork } from '../../plugins/architectures/architecture.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { evaluate, evaluationResults } from '../../plugins/evaluate.ts'
import type { DeployedConfiguration } from '../../shared/board.ts'
import { chipModel, configurationMisfit, type Mapping, type MappingReport } from '../../plugins/deploy/map.ts'
import { boardTarget, mapForBoard } from '../../plugins/targets/board.ts'
import { boardChips, chipTargetSchemes, defaultSerialNumber, deployedTarget, mappingOf } from '../../plugins/targets/chip.ts'
import { availableTarget, targetFor, type ExecutionTarget } from '../../plugins/targets/index.ts'
import type { Store } from '../../store/index.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import { checkDeploymentFitsBoard, leaseBoard, linkAdvice, mappingWatch, storedDeployment, targetBoardAddress, textOf, type LeasedBoard } from '../boards.ts'
import type { JobImpl } from './kind.ts'

type ChipTargetName = keyof typeof chipTargetSchemes
const isChipTarget = (name: string): name is ChipTargetName => Object.prototype.hasOwnProperty.call(chipTargetSchemes, name)

/** Refuses a deployment that does not fit a registry target (the board's fit is checked after its handshake). */
function checkFitsTarget(target: string, id: number, d: { configuration: DeployedConfiguration }): void {
  if (!isChipTarget(target)) throw fieldError('hil', 'deployment', `is given, but target "${target}" runs the network as trained, not a deployment: choose a chip target (emulator, emulator-se1, mapped, mapped-se1) or a board, or leave --deployment out.`)
  const scheme = chipTargetSchemes[target]
  const why = configurationMisfit(d.configuration, chipModel(scheme, boardChips(scheme)))
  if (why) throw fieldError('hil', 'deployment', `is run ${id}, which does not fit target "${target}": ${why}. Choose a deployment made for this target (\`mimic deploy RUN --target ${target.replace('mapped', 'emulator')}\`).`)
}

/** The latest succeeded deployment of a network for this weight scheme, if any. */
function latestDeployment(store: Store, network: number, scheme: string): number | null {
  const ids = store.runs
    .children(network)
    .filter((c) => c.kind === 'deployment' && c.status === 'succeeded' && c.role === 'network')
    .map((c) => c.id)
    .sort((a, b) => b - a)
  for (const id of ids) {
    const rep = store.artifacts.find(id, 'report')
    if (rep && store.artifacts.find(id, 'configuration') && (JSON.parse(textOf(rep)) as MappingReport).weightScheme === scheme) return id
  }
  return null
}

/** The teacher of a network: its parent of role teacher, or (a network whose read-out was refitted, `mimic finetune`) its network's. */
function teacherOf(store: Store, network: number, depth = 0): LoadedNetwork | undefined {
  const parents = store.runs.parents(network)
  const parent = parents.find((r) => r.role === 'teacher')
  if (parent) return store.networks.find(parent.id) ? loadBundle(store, parent.id) : undefined
  const refitted = store.runs.get(network).params.network
  const from = parents.find((r) => r.role === 'network' && r.id === refitted)
  return from && depth < 8 ? teacherOf(store, from.id, depth + 1) : undefined
}

/** Pearson correlation of two count vectors (NaN when either is constant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length
  let ma = 0
  let mb = 0
  for (let i = 0; i < n; i++) {
    ma += a[i] / n
    mb += b[i] / n
  }
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb)
    saa += (a[i] - ma) ** 2
    sbb += (b[i] - mb) ** 2
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN
}

export const hil: JobImpl = {
  precheck(store, params) {
    const p = hilParams.parse(params, 'params')
    const net = networkOf(store, 'hil', 'network', p.network)
    if (net.record.architecture !== 'ads') throw fieldError('hil', 'network', `is run ${p.network}, a ${net.record.architecture} network: only networks ADS (spiking) are deployed to a chip.`)
    if (net.sizes.outputs === 0) throw fieldError('hil', 'network', `is run ${p.network} “${net.run.name}”, a network without a read-out: choose a trained network ADS.`)
    runOfKind(store, 'hil', 'dataset', p.dataset, ['dataset'])
    const inputs = shapeOf(store, p.dataset, 'inputs')
    if (inputs[2] !== net.sizes.channels) throw fieldError('hil', 'dataset', `is run ${p.dataset} with ${inputs[2]} input channels, but the network takes ${net.sizes.channels}: choose a dataset that fits.`)
    const onBoard = targetBoardAddress(store, p.target, 'hil') !== null
    if (!onBoard) targetFor(p.target, 'ads', 'params.target')
    if (p.serialNumber !== undefined && (onBoard || !p.target.trim().startsWith('emulator'))) {
      throw fieldError('hil', 'serialNumber', `is given, but target "${p.target.trim()}" ${onBoard ? 'is a board, which reports its own serial number' : 'has no virtual chip'}: use it with target emulator or emulator-se1, or leave --serial-number out.`)
    }
    if (p.deployment !== undefined) {
      const d = storedDeployment(store, 'hil', p.deployment, p.network)
      if (!onBoard) checkFitsTarget(p.target.trim(), p.deployment, d)
      const raw = store.runs.get(p.dataset).params.dtMs
      const dtMs = typeof raw === 'number' ? raw : 1
      if (dtMs !== d.dtMs) throw fieldError('hil', 'deployment', `is run ${p.deployment}, mapped for time steps of ${d.dtMs} ms, but dataset run ${p.dataset} has steps of ${dtMs} ms: deploy for this time step, or choose another dataset.`)
    }
    if (p.replay !== undefined) {
      const rec = runOfKind(store, 'hil', 'replay', p.replay, ['hil'])
      if (rec.params.network !== p.network || rec.params.dataset !== p.dataset) {
        throw fieldError('hil', 'replay', `is run ${p.replay}, a recording of network run ${String(rec.params.network)} on dataset run ${String(rec.params.dataset)}: replay it with the same network and dataset.`)
      }
    }
  },

  async run(ctx) {
    const p = hilParams.parse(ctx.run.params, 'params')
    const { store } = ctx
    const net = loadBundle(store, p.network)
    const all = loadDataset(store, p.dataset)
    const S = Math.min(p.samples ?? all.samples, all.samples)
    const teacher = teacherOf(store, p.network)
    const threads = ctx.threads(p.threads)
    const seed = ctx.run.seed ?? p.seed ?? 0

    // the recorded run a replay compares with: its decisions and spike counts per sample
    let recorded: { decisions: Map<number, number>; counts: Int32Array | null } | null = null
    if (p.replay !== undefined) {
      const decisions = new Map<number, number>()
      for (const r of store.results.query({ runId: p.replay, key: 'decision', limit: 1_000_000 }).rows) decisions.set(r.item, r.value ?? 0)
      const counts = store.artifacts.find(p.replay, 'spikeCounts')
      recorded = { decisions, counts: counts ? (counts.data as Int32Array) : null }
    }

    const address = targetBoardAddress(store, p.target, 'hil')
    let board: LeasedBoard | null = null
    let target: ExecutionTarget
    const N = net.sizes.units
    /** spike times of the sample being streamed (live raster) */
    const live = (timesUs: Uint32Array, neurons: Int32Array, sample: number): void => {
      ctx.emit({ type: 'hil.spikes', runId: ctx.run.id, sample, timesUs: Array.from(timesUs), neurons: Array.from(neurons) })
    }
    let sampleNow = 0
    const deployment = p.deployment !== undefined ? storedDeployment(store, 'hil', p.deployment, p.network) : null
    /** Without --deployment: the network is mapped afresh; an existing deployment of it for this scheme is named in the notes, with whether its configuration is the one mapped. */
    const noteExisting = (scheme: string, m: Mapping): void => {
      const id = latestDeployment(store, p.network, scheme)
      if (id === null) return
      const stored = store.artifacts.find(id, 'configuration')!
      const same = m.configuration !== null && JSON.stringify(m.configuration) === textOf(stored)
      store.runs.addNote(
        ctx.run.id,
        `mapped network run ${p.network} afresh; deployment run ${id} of it for ${scheme.toUpperCase()} exists and its configuration is ${same ? 'the same as this mapping' : 'different from this mapping (another version or geometry): pass --deployment ' + id + ' to run the stored one'}`,
      )
    }
    if (address !== null) {
      // one user at a time: the board's lease, held by this run, with its process
      board = await leaseBoard(ctx, address, 'hil', (e) => linkFailure(e, address, 0, S))
      const client = board.client
      if (deployment) await checkDeploymentFitsBoard(board, address, 'hil', p.deployment!, deployment, (t) => store.runs.addNote(ctx.run.id, t))
      // the network mapped before the first sample (seconds at N = 768), the board configured with it then
      const m = deployment ?? (await mapForBoard(client, net, all.dtMs, mappingWatch(ctx)))
      if (!deployment) noteExisting(client.handshake.weightScheme, m)
      target = boardTarget(client, { onSample: (t, n) => live(t, n, sampleNow), deployment: m })
    } else {
      const t = await availableTarget(p.target, 'ads')
      const name = p.target.trim()
      if (deployment && isChipTarget(name)) target = deployedTarget(name, deployment)
      else {
        target = t
        // mapped before the first sample; the target's runs take the mapping from its cache
        if (isChipTarget(name)) noteExisting(chipTargetSchemes[name], await mappingOf(net, chipTargetSchemes[name], all.dtMs, mappingWatch(ctx)))
      }
    }
    if (address === null && p.target.trim().startsWith('emulator')) {
      // which virtual chip (whose mismatch) the samples ran on, also when the run names none
      store.runs.addNote(ctx.run.id, p.serialNumber !== undefined ? `ran on virtual chip ${p.serialNumber}` : `ran on virtual chip ${defaultSerialNumber} (the emulator's default; --serial-number chooses another)`)
    }
    if (p.serialNumber !== undefined) {
      // the virtual chip named: every run of the emulator target gets its mismatch
      const base = target
      const chip = { serialNumber: p.serialNumber, mismatch: true }
      target = { ...base, run: (n, batch, o, r) => base.run(n, batch, { ...o, chip: { ...o.chip, ...chip } }, r) }
    }
    if (deployment) store.runs.addNote(ctx.run.id, `ran the stored configuration of deployment run ${p.deployment} (${deployment.report.neurons} neurons on ${deployment.report.coresUsed} core(s)); the network was not mapped again`)

    const counts = new Int32Array(S * N)
    let correct = 0
    let agree = 0
    let teacherSeen = 0
    let undecided = 0
    let rateSum = 0
    let differ = 0
    let corrSum = 0
    let corrN = 0
    let done = 0
    const summary = (): Record<string, number> => {
      const s: Record<string, number> = { samples: done, accuracy: done ? correct / done : 0, undecided, meanRateHz: done ? rateSum / done : 0 }
      if (teacherSeen) s.teacherAgreement = agree / teacherSeen
      if (recorded) {
        s.decisionDifferences = differ
        if (corrN) s.spikeCountCorrelation = corrSum / corrN
      }
      return s
    }
    const keep = (): void => {
      ctx.artifacts([{ name: 'spikeCounts', data: counts.slice(0, done * N), shape: [done, N] }])
      store.runs.setSummary(ctx.run.id, summary())
    }
    try {
      for (let b = 0; b < S; b++) {
        ctx.checkCancelled()
        sampleNow = b
        const d = loadDataset(store, p.dataset, b, 1)
        let r
        try {
          r = await evaluate(d.task, target, net, d, { teacher, threads, seed, recordSpikesOf: 1 }, { signal: ctx.signal })
        } catch (e) {
          throw address !== null ? linkFailure(e, address, b, S) : e
        }
        const item = evaluationResults(r, { runId: p.network, architecture: net.architecture })[0]
        item.item = b
        item.labels = { sample: b }
        const sc = r.spikes ? countsOf(r.spikes, N) : null
        if (sc) counts.set(sc, b * N)
        if (recorded) {
          const was = recorded.decisions.get(b)
          if (was !== undefined) {
            const differs = was !== r.perSample.decision[0] ? 1 : 0
            differ += differs
            item.values.decisionDiffers = differs
          }
          if (recorded.counts && sc && recorded.counts.length >= (b + 1) * N) {
            const c = correlation(recorded.counts.subarray(b * N, (b + 1) * N), sc)
            item.values.spikeCountCorrelation = Number.isFinite(c) ? c : null
            if (Number.isFinite(c)) {
              corrSum += c
              corrN++
            }
          }
        }
        ctx.results([item])
        done = b + 1
        correct += item.values.correct ?? 0
        if (r.perSample.decision[0] === 0) undecided++
        if (item.values.teacherAgreement !== undefined && item.values.teacherAgreement !== null) {
          teacherSeen++
          agree += item.values.teacherAgreement
        }
        rateSum += r.perSample.rateHz?.[0] ?? 0
        ctx.metrics([{ key: 'accuracy', step: done, value: correct / done }])
        if (address === null && r.spikes) live(Uint32Array.from(r.spikes.steps, (t) => Math.round(t * d.dtMs * 1000)), r.spikes.neurons, b)
        ctx.progress(done / S, `sample ${done} of ${S} on ${p.target}: running accuracy ${(correct / done).toFixed(3)}`)
        if (done % 16 === 0) store.runs.setSummary(ctx.run.id, summary())
      }
      keep()
      ctx.progress(1, 'done', true)
      return { summary: summary() }
    } catch (e) {
      keep()
      throw e
    } finally {
      await board?.release()
    }
  },
}

function countsOf(sp: { neurons: Int32Array; offsets: Int32Array }, N: number): Int32Array {
  const c = new Int32Array(N)
  for (let k = sp.offsets[0]; k < sp.offsets[1]; k++) c[sp.neurons[k]]++
  return c
}

/** A failure of the board link as the run's error: what happened, and how many samples were kept. */
export function linkFailure(e: unknown, address: string, sample: number, total: number): Error {
  if (!(e instanceof ProtocolError)) return e as Error
  return new AppError('UNSUPPORTED', `the board link failed at sample ${sample + 1} of ${total}: ${e.message}${linkAdvice(e)} (code ${e.code}); the ${sample} sample(s) before it are kept`)
}
