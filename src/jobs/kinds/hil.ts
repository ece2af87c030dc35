// Job "hil": hardware in the loop (src/shared/jobkinds/hil.ts). Sample by sample, so that each
// result is stored as it is made: a fault of the link ends the run as failed with its reason and
// keeps every sample recorded before it (results, spike counts, a partial summary).
import { BoardClient } from '../../hardware/client.ts'
import { ProtocolError } from '../../hardware/protocol/errors.ts'
import { formatAddress, parseAddress } from '../../hardware/transport.ts'
import { AppError } from '../../shared/errors.ts'
import { hilParams, isBoardAddress } from '../../shared/jobkinds/index.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import type { LoadedNetwork } from '../../plugins/architectures/architecture.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { evaluate, evaluationResults } from '../../plugins/evaluate.ts'
import { boardTarget } from '../../plugins/targets/board.ts'
import { availableTarget, targetFor, type ExecutionTarget } from '../../plugins/targets/index.ts'
import type { Store } from '../../store/index.ts'
import { hostName } from '../../system/version.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'

/** A board address or saved name as its canonical address, or null for an execution target name. */
function boardAddressOf(store: Store, target: string): string | null {
  const saved = store.boards.findSaved(target.trim())
  if (saved) return saved.address
  if (!isBoardAddress(target)) return null
  try {
    return formatAddress(parseAddress(target))
  } catch (e) {
    throw fieldError('hil', 'target', `is not a board address: ${e instanceof Error ? e.message : String(e)}`)
  }
}

function teacherOf(store: Store, network: number): LoadedNetwork | undefined {
  const parent = store.runs.parents(network).find((r) => r.role === 'teacher')
  return parent && store.networks.find(parent.id) ? loadBundle(store, parent.id) : undefined
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
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
    if (boardAddressOf(store, p.target) === null) targetFor(p.target, 'ads', 'params.target')
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

    const address = boardAddressOf(store, p.target)
    let client: BoardClient | null = null
    let target: ExecutionTarget
    const N = net.sizes.units
    /** spike times of the sample being streamed (live raster) */
    const live = (timesUs: Uint32Array, neurons: Int32Array, sample: number): void => {
      ctx.emit({ type: 'hil.spikes', runId: ctx.run.id, sample, timesUs: Array.from(timesUs), neurons: Array.from(neurons) })
    }
    let sampleNow = 0
    if (address !== null) {
      // one user at a time: the board's lease, held by this run, with its process
      store.boardLeases.acquire(address, { holder: `run ${ctx.run.id} (hil)`, runId: ctx.run.id, pid: process.pid }, { host: hostName(), alive: pidAlive, staleMs: 30_000 })
      try {
        ctx.progress(0, `connecting to the board at ${address}`, true)
        client = await BoardClient.connect(address)
      } catch (e) {
        store.boardLeases.release(address, process.pid, hostName())
        throw linkFailure(e, address, 0, S)
      }
      target = boardTarget(client, { onSample: (t, n) => live(t, n, sampleNow) })
    } else {
      target = await availableTarget(p.target, 'ads')
    }

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
      if (client) await client.close().catch(() => {})
      if (address !== null) store.boardLeases.release(address, process.pid, hostName())
    }
  },
}

function countsOf(sp: { neurons: Int32Array; offsets: Int32Array }, N: number): Int32Array {
  const c = new Int32Array(N)
  for (let k = sp.offsets[0]; k < sp.offsets[1]; k++) c[sp.neurons[k]]++
  return c
}

/** A failure of the board link as the run's error: what happened, and how many samples were kept. */
function linkFailure(e: unknown, address: string, sample: number, total: number): Error {
  if (!(e instanceof ProtocolError)) return e as Error
  return new AppError('UNSUPPORTED', `the board link failed at sample ${sample + 1} of ${total}: ${e.message} (code ${e.code}); the ${sample} sample(s) before it are kept`)
}
