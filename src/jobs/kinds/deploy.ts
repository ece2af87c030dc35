// Job "deploy": a trained network ADS mapped onto a chip (src/plugins/deploy/map.ts, docs/method.md
// §14.2). Stores the configuration (JSON, the board protocol's format) and the report as artifacts,
// the mapped weights, a note per refusal; the expected accuracy on a few test samples (a dataset's, or
// fresh ones of the network's task) on the simulator, of the mapped network on the simulator, and on
// the emulator without and with the mismatch of each virtual chip; and, when deployment costs much
// accuracy, a note naming the remedy (`mimic finetune`, docs/method.md §14.4).
import { AppError } from '../../shared/errors.ts'
import { deployParams, deployTargets, deploymentLoss, finetuneParams, isDeployTargetName, parseSerials, remedyLoss } from '../../shared/jobkinds/index.ts'
import type { Store } from '../../store/index.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { derivedSeeds } from './train-teacher.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import { loadDataset, type StoredDataset } from '../../plugins/datasets.ts'
import { evaluate } from '../../plugins/evaluate.ts'
import { boardChips, mappingOf } from '../../plugins/targets/chip.ts'
import { targets, type ExecutionTarget } from '../../plugins/targets/index.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import { leaseBoard, linkFailed, mappingWatch, targetBoardAddress, type LeasedBoard } from '../boards.ts'
import { drawSamples } from '../samples.ts'
import type { JobImpl } from './kind.ts'
import { BoardClient } from '../../hardware/client.ts'
import { boardTarget, mapForBoard } from '../../plugins/targets/board.ts'
import type { Mapping } from '../../plugins/deploy/map.ts'
import { defaultTask, isTaskName, type TaskName } from '../../shared/tasks/index.ts'

/** The task a network bundle records (older bundles: the default task, as loadBundle reads them). */
function taskOf(task: unknown): TaskName {
  return isTaskName(task) ? task : defaultTask
}

/** Where a network's read-out was refitted (a `finetune` run), or null for a network as trained. */
function refittedOn(store: Store, network: number): { target: string; chips: string } | null {
  const run = store.runs.get(network)
  if (run.kind !== 'ads') return null
  try {
    const p = finetuneParams.parse(run.params, 'params')
    return { target: p.target, chips: p.target.startsWith('emulator') ? (p.serialNumber ?? 'EMU-0001') : '' }
  } catch {
    return null
  }
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

/** A target whose runs use this virtual chip (or the ideal chip). */
function onChip(t: ExecutionTarget, chip: { serialNumber?: string; mismatch: boolean }): ExecutionTarget {
  return { ...t, run: (net, batch, opts, run) => t.run(net, batch, { ...opts, chip }, run) }
}

export const deploy: JobImpl = {
  precheck(store, params) {
    const p = deployParams.parse(params, 'params')
    const net = networkOf(store, 'deploy', 'network', p.network)
    if (net.record.architecture !== 'ads') throw fieldError('deploy', 'network', `is run ${p.network} “${net.run.name}”, a ${net.arch.label}: only a spiking network ADS can be deployed to a chip.`)
    if (!isDeployTargetName(p.target) && targetBoardAddress(store, p.target, 'deploy') === null) {
      throw fieldError('deploy', 'target', `is "${p.target}", neither a chip model (emulator, emulator-se1) nor a board: give a board's address (tcp://HOST:PORT, serial:PATH) or the name of a saved board (\`mimic board list\`).`)
    }
    try {
      parseSerials(p.serialNumbers)
    } catch (err) {
      throw fieldError('deploy', 'serialNumbers', (err as Error).message + '.')
    }
    if (p.dataset !== undefined) {
      runOfKind(store, 'deploy', 'dataset', p.dataset, ['dataset'])
      if (net.sizes.outputs === 0) throw fieldError('deploy', 'dataset', `cannot be scored: network run ${p.network} has no read-out. Deploy without a dataset, or deploy a trained network.`)
      const inputs = shapeOf(store, p.dataset, 'inputs')
      if (inputs[2] !== net.sizes.channels) throw fieldError('deploy', 'dataset', `is run ${p.dataset} with ${inputs[2]} input channels, but the network takes ${net.sizes.channels}: choose a dataset that fits.`)
    } else if (p.samples > 0 && net.sizes.outputs > 0 && !taskImpls[taskOf(net.record.meta.task)].generate) {
      throw fieldError('deploy', 'dataset', `is needed for the expected accuracy: the task of network run ${p.network} has no generator to draw test samples from. Give a dataset run of its task with --data, or --samples 0 for the mapping alone.`)
    }
  },
  async run(ctx) {
    const p = deployParams.parse(ctx.run.params, 'params')
    const { store } = ctx
    const net = loadBundle(store, p.network)
    if (net.architecture !== 'ads') throw new AppError('INVALID_ARGUMENT', `Run ${p.network} is not a network ADS: only spiking networks ADS can be deployed.`)
    const dtMs = typeof net.meta.dtMs === 'number' ? net.meta.dtMs : 1
    // a board: held for the run (its lease), mapped for its handshake and configured with the mapping
    const address = isDeployTargetName(p.target) ? null : targetBoardAddress(store, p.target, 'deploy')
    let board: LeasedBoard | null = null
    if (address !== null) board = await leaseBoard(ctx, address, 'deploy')
    try {
      return await deployOn(ctx, p, net, dtMs, board?.client ?? null)
    } catch (e) {
      throw address !== null ? linkFailed(e, address, 'the mapping report and configuration are stored with this failed run; deploy again to configure the board') : e
    } finally {
      await board?.release()
    }
  },
}

/** The deployment onto a chip model of the registry, or onto the board behind `client`. */
async function deployOn(ctx: Parameters<JobImpl['run']>[0], p: ReturnType<typeof deployParams.parse>, net: ReturnType<typeof loadBundle>, dtMs: number, client: BoardClient | null): Promise<{ summary: Record<string, number> }> {
  const { store } = ctx
  const scheme = client ? client.handshake.weightScheme : deployTargets[p.target as keyof typeof deployTargets]
  const watch = mappingWatch(ctx)
  const m: Mapping = client ? await mapForBoard(client, net, dtMs, watch) : await mappingOf(net, scheme, dtMs, watch)
  const r = m.report
  const byName = Object.fromEntries(r.matrices.map((x) => [x.matrix, x]))
  const sum = (k: 'droppedFanIn' | 'droppedFanOut' | 'droppedZero') => r.matrices.reduce((s, x) => s + x[k], 0)
  const summary: Record<string, number> = {
    neurons: r.neurons,
    chips: client ? client.handshake.chips : boardChips(scheme),
    coresUsed: r.coresUsed,
    connectionsKept: r.connections.kept,
    connectionsDropped: r.connections.dropped,
    droppedFanIn: sum('droppedFanIn'),
    droppedFanOut: sum('droppedFanOut'),
    droppedZero: sum('droppedZero'),
    camEntries: r.connections.camEntries,
    errorWIn: byName.wIn?.relativeError ?? NaN,
    errorOmegaF: byName.omegaF?.relativeError ?? NaN,
    errorOmegaS: byName.omegaS?.relativeError ?? NaN,
    refusals: r.refusals.length,
  }
  const board = client ? { address: client.address, model: client.handshake.model, serialNumber: client.handshake.serialNumber, weightScheme: client.handshake.weightScheme } : undefined
  const artifacts = [{ name: 'report', data: json({ ...r, target: p.target, network: p.network, dtMs, ...(board ? { board } : {}) }), shape: [0] }]
  for (const x of r.refusals) store.runs.addNote(ctx.runId, `refused: ${x.what} — ${x.reason}`)
  if (!m.configuration || !m.mapped) {
    artifacts[0].shape = [artifacts[0].data.length]
    ctx.artifacts(artifacts)
    throw new AppError('INVALID_ARGUMENT', `Network run ${p.network} cannot be deployed to ${p.target}: ${r.refusals.map((x) => `${x.what}: ${x.reason}`).join('; ')}.`)
  }
  const config = json(m.configuration)
  artifacts.push({ name: 'configuration', data: config, shape: [config.length] })
  for (const a of artifacts) a.shape = [a.data.length]
  const N = r.neurons
  const C = net.sizes.channels
  ctx.artifacts([
    ...artifacts,
    { name: 'mapped.wIn', data: m.mapped.wIn, shape: [N, C] },
    { name: 'mapped.omegaF', data: m.mapped.omegaF, shape: [N, N] },
    { name: 'mapped.omegaS', data: m.mapped.omegaS, shape: [N, N] },
  ] as Parameters<typeof ctx.artifacts>[0])
  if (client) {
    ctx.progress(0.02, `configuring the board ${client.handshake.serialNumber}`, true)
    await client.configure(m.configuration)
    store.runs.addNote(ctx.runId, `configured the board ${client.handshake.serialNumber} (${client.handshake.model}, ${scheme.toUpperCase()}) at ${client.address} with this deployment`)
  }
  // the expected accuracy, on a few test samples: the dataset's first ones, or fresh ones of the task
  let data: StoredDataset | null = null
  if (p.samples > 0 && net.sizes.outputs > 0) {
    if (p.dataset !== undefined) data = loadDataset(store, p.dataset, 0, Math.min(p.samples, shapeOf(store, p.dataset, 'inputs')[0]))
    else {
      const testSeed = derivedSeeds(ctx.run.seed ?? 0).test
      data = { ...(await drawSamples(ctx, net.task, { count: p.samples, seed: testSeed }, { message: 'drawing test samples', at: 0.04 }, ctx.threads(p.threads))), task: net.task }
      summary.testSeed = testSeed
    }
  }
  if (data) {
    const serials = parseSerials(p.serialNumbers)
    const threads = ctx.threads(p.threads)
    const seed = ctx.run.seed ?? 0
    const mapped = targets[scheme === 'se2' ? 'mapped' : 'mapped-se1']
    const runs: [string, ExecutionTarget][] = [
      ['Simulator', targets.simulator],
      ['Mapped', mapped],
    ]
    if (client) runs.push(['Board', boardTarget(client, { deployment: m })])
    else {
      const emulator = targets[p.target as keyof typeof deployTargets]
      runs.push(['EmulatorIdeal', onChip(emulator, { mismatch: false })], ...serials.map((sn): [string, ExecutionTarget] => [`Emulator:${sn}`, onChip(emulator, { serialNumber: sn, mismatch: true })]))
    }
    const acc: number[] = []
    for (const [i, [name, t]] of runs.entries()) {
      const what = `accuracy ${i + 1} of ${runs.length} (${name.replace(':', ' ')})`
      ctx.progress(0.05 + (0.9 * i) / runs.length, what, true)
      const e = await evaluate(data.task, t, net, data, { threads, seed }, { signal: ctx.signal, onProgress: (f) => ctx.progress(0.05 + (0.9 * (i + f)) / runs.length, what) })
      if (name.startsWith('Emulator:')) {
        acc.push(e.accuracy)
        store.runs.addNote(ctx.runId, `virtual chip ${name.slice(9)}: accuracy ${e.accuracy.toFixed(4)}, mean rate ${(e.meanRateHz ?? NaN).toFixed(1)} Hz`)
      } else {
        summary[`accuracy${name}`] = e.accuracy
        summary[`rateHz${name}`] = e.meanRateHz ?? NaN
      }
    }
    if (acc.length) {
      summary.virtualChips = acc.length
      summary.accuracyEmulatorMean = acc.reduce((s, x) => s + x, 0) / acc.length
      summary.accuracyEmulatorMin = Math.min(...acc)
      summary.accuracyEmulatorMax = Math.max(...acc)
    }
    summary.samples = data.samples
    const loss = deploymentLoss(summary)
    const refitted = refittedOn(store, p.network)
    if (refitted) {
      summary.refitted = 1
      store.runs.addNote(
        ctx.runId,
        `network run ${p.network} has its read-out refitted on ${refitted.target}${refitted.chips ? ` (virtual chip(s) ${refitted.chips})` : ''} (\`mimic finetune\`): judge it there${refitted.chips ? ' (the figures of those chips)' : ''}; on the plain simulator and on other chips it decodes less well, by design`,
      )
    } else if (loss !== null && loss >= remedyLoss && client) {
      store.runs.addNote(
        ctx.runId,
        `deployment costs ${loss.toFixed(3)} of accuracy (simulator ${summary.accuracySimulator.toFixed(3)}, the board ${summary.accuracyBoard.toFixed(3)}, the mapped network ${summary.accuracyMapped.toFixed(3)}): refit the read-out on this board with \`mimic finetune ${p.network} --target ${p.target} --deployment ${ctx.runId}\` (the chip-in-the-loop calibration of docs/method.md §14.4), then test the network it makes with \`mimic hil\``,
      )
    } else if (loss !== null && loss >= remedyLoss) {
      const worst = summary.accuracyMapped <= summary.accuracyEmulatorMean ? `the mapped network ${summary.accuracyMapped.toFixed(3)}` : `the emulator ${summary.accuracyEmulatorMean.toFixed(3)} (mean of ${acc.length} virtual chip(s))`
      store.runs.addNote(
        ctx.runId,
        `deployment costs ${loss.toFixed(3)} of accuracy (simulator ${summary.accuracySimulator.toFixed(3)}, ${worst}): refit the read-out on the chip with \`mimic finetune ${p.network} --target ${p.target} --serial-number ${serials[0]} --deployment ${ctx.runId}\` (the chip-in-the-loop calibration of docs/method.md §14.4; --target ${p.target.replace('emulator', 'mapped')} fits it on the mapped network without mismatch), then deploy and test the network it makes`,
      )
    }
  }
  ctx.progress(1, 'done', true)
  return { summary }
}
