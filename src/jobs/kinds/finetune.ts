// Job "finetune": the read-out of a network ADS refitted on the chip (src/shared/jobkinds/finetune.ts,
// docs/method.md §14.4). The network runs as deployed on the target, batch by batch, with the spikes
// of every sample kept; the filtered spikes r enter the ridge sums (the last fifth of the samples
// held out); the ridge factor is chosen on the held-out samples unless given; the held-out accuracy
// with the trained and with the refitted read-out is scored by the task's rule from the same spikes;
// the read-out is fitted again on all samples and stored as a new network ADS (its decoder changed so
// that readout·decoder is the fitted read-out; every other array as the parent's).
import { taskScore } from '../../../native/index.ts'
import { AppError } from '../../shared/errors.ts'
import { finetuneParams, finetuneTargets, isFinetuneTargetName, parseSerials } from '../../shared/jobkinds/index.ts'
import { ads, type AdsNet } from '../../plugins/architectures/ads.ts'
import { loadBundle, saveBundle } from '../../plugins/architectures/bundle.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { configurationMisfit, chipModel } from '../../plugins/deploy/map.ts'
import {
  accumulateSample,
  addSums,
  decoderFor,
  effectiveReadout,
  outputsOf,
  ridgeGrid,
  ridgeMse,
  ridgeSolve,
  ridgeSums,
  traceFilter,
  type SpikeEventsOf,
} from '../../plugins/deploy/readout.ts'
import { boardChips, defaultSerialNumber, deployedTarget, mappingOf } from '../../plugins/targets/chip.ts'
import { availableTarget, type ExecutionTarget } from '../../plugins/targets/index.ts'
import { taskImpls } from '../../plugins/tasks/index.ts'
import { defaultTask, isTaskName, taskDescriptors } from '../../shared/tasks/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import { checkDeploymentFitsBoard, leaseBoard, linkFailed, mappingWatch, storedDeployment, targetBoardAddress, type LeasedBoard } from '../boards.ts'
import { drawSamples } from '../samples.ts'
import type { JobImpl } from './kind.ts'
import { boardTarget, mapForBoard } from '../../plugins/targets/board.ts'

/** The seed of the fresh samples a read-out is fitted on (apart from the training, validation and test draws of derivedSeeds). */
export function finetuneSampleSeed(seed: number): number {
  return (seed * 7 + 3_000_017) % Number.MAX_SAFE_INTEGER
}

const BATCH = 16

export const finetune: JobImpl = {
  precheck(store, params) {
    const p = finetuneParams.parse(params, 'params')
    const net = networkOf(store, 'finetune', 'network', p.network)
    if (net.record.architecture !== 'ads') throw fieldError('finetune', 'network', `is run ${p.network} “${net.run.name}”, a ${net.arch.label}: only a spiking network ADS runs on a chip.`)
    if (net.sizes.outputs === 0) throw fieldError('finetune', 'network', `is run ${p.network} “${net.run.name}”, a network without a read-out: choose a trained network ADS.`)
    const onBoard = targetBoardAddress(store, p.target, 'finetune') !== null
    if (!onBoard && !isFinetuneTargetName(p.target)) {
      throw fieldError('finetune', 'target', `is "${p.target}", neither a target (emulator, emulator-se1, mapped, mapped-se1) nor a board: give a board's address (tcp://HOST:PORT, serial:PATH) or the name of a saved board (\`mimic board list\`).`)
    }
    if (p.serialNumber !== undefined && onBoard) throw fieldError('finetune', 'serialNumber', `is given, but target "${p.target}" is a board, which is its own chip: leave --serial-number out.`)
    if (p.serialNumber !== undefined) {
      if (p.target.startsWith('mapped')) throw fieldError('finetune', 'serialNumber', `is given, but target "${p.target}" is the mapped network on the simulator, which has no mismatch: choose target ${p.target.replace('mapped', 'emulator')} for a virtual chip, or leave --serial-number out.`)
      try {
        parseSerials(p.serialNumber)
      } catch (err) {
        throw fieldError('finetune', 'serialNumber', (err as Error).message + '.')
      }
    }
    if (p.deployment !== undefined) {
      const d = storedDeployment(store, 'finetune', p.deployment, p.network)
      const scheme = isFinetuneTargetName(p.target) ? finetuneTargets[p.target] : null
      // a board's fit is checked against its handshake when the run connects
      const why = scheme ? configurationMisfit(d.configuration, chipModel(scheme, boardChips(scheme))) : null
      if (why) throw fieldError('finetune', 'deployment', `is run ${p.deployment}, which does not fit target "${p.target}": ${why}. Choose a deployment made for this target's weight scheme, or leave --deployment out.`)
    }
    if (p.dataset !== undefined) {
      runOfKind(store, 'finetune', 'dataset', p.dataset, ['dataset'])
      const inputs = shapeOf(store, p.dataset, 'inputs')
      if (inputs[2] !== net.sizes.channels) throw fieldError('finetune', 'dataset', `is run ${p.dataset} with ${inputs[2]} input channels, but the network takes ${net.sizes.channels}: choose a dataset that fits.`)
      if (inputs[0] < p.samples) throw fieldError('finetune', 'samples', `is ${p.samples}, but dataset run ${p.dataset} has ${inputs[0]} samples: ask for at most ${inputs[0]}, or leave --data out to draw fresh samples.`)
    } else {
      const task = net.record.meta.task
      if (!taskImpls[isTaskName(task) ? task : defaultTask].generate) throw fieldError('finetune', 'dataset', `is needed: the task of network run ${p.network} has no generator to draw fresh samples from; give a dataset run of its task with --data.`)
    }
  },

  async run(ctx) {
    const p = finetuneParams.parse(ctx.run.params, 'params')
    const { store } = ctx
    const net = loadBundle<AdsNet>(store, p.network)
    if (net.architecture !== 'ads') throw new AppError('INVALID_ARGUMENT', `Run ${p.network} is not a network ADS.`)
    const a = net.net
    const { neurons: N, dims: D, outputs: O } = a.spec
    const seed = ctx.run.seed ?? p.seed ?? 0
    const threads = ctx.threads(p.threads)

    let data: TimedDataset
    if (p.dataset !== undefined) {
      ctx.progress(0, 'reading the samples', true)
      data = loadDataset(store, p.dataset, 0, p.samples)
    } else data = await drawSamples(ctx, net.task, { count: p.samples, seed: finetuneSampleSeed(seed) }, { message: 'drawing the samples' }, threads)
    if (data.outputs !== O) throw new AppError('INVALID_ARGUMENT', `the samples have ${data.outputs} outputs, the network ${O}`)

    // the target, running the stored deployment when one is named, on the chosen virtual chip; or a
    // board, held for the run (its lease) and reached over the board protocol
    const address = targetBoardAddress(store, p.target, 'finetune')
    const deployment = p.deployment !== undefined ? storedDeployment(store, 'finetune', p.deployment, p.network) : null
    let board: LeasedBoard | null = null
    let target: ExecutionTarget
    if (address !== null) {
      board = await leaseBoard(ctx, address, 'finetune')
      if (deployment) await checkDeploymentFitsBoard(board, address, 'finetune', p.deployment!, deployment, (t) => store.runs.addNote(ctx.run.id, t))
      // the network mapped before the first batch (seconds at N = 768), the board configured with it then
      target = boardTarget(board.client, { deployment: deployment ?? (await mapForBoard(board.client, net, data.dtMs, mappingWatch(ctx))) })
    } else {
      const name = p.target as keyof typeof finetuneTargets
      target = await availableTarget(name, 'ads')
      if (deployment) target = deployedTarget(name, deployment)
      // mapped before the first batch; the target's runs take the mapping from its cache
      else await mappingOf(net, finetuneTargets[name], data.dtMs, mappingWatch(ctx))
    }
    try {
      const onEmulator = p.target.startsWith('emulator')
      const onBoard = address !== null
      const boardName = board ? `the board ${board.client.handshake.serialNumber} at ${address}` : ''
      // the virtual chips, in turn batch by batch (several: one read-out for all of them)
      const serials = onEmulator ? (p.serialNumber !== undefined ? parseSerials(p.serialNumber) : [defaultSerialNumber]) : []
      const chips = serials.join(', ')
      // the emulator and boards decode with the mean τ_out
      const filter = traceFilter(a.params.tauOutMs, data.dtMs, onEmulator || onBoard)

      const S = data.samples
      const heldOut = Math.max(1, Math.floor(S / 5))
      const fitCount = S - heldOut
      const fit = ridgeSums(N, O)
      const held = ridgeSums(N, O)
      const heldSpikes: { steps: number[]; neurons: number[]; offsets: number[] } = { steps: [], neurons: [], offsets: [0] }
      let spikes = 0
      const T = data.steps
      for (let from = 0; from < S; from += BATCH) {
        ctx.checkCancelled()
        const chip = onEmulator ? { serialNumber: serials[(from / BATCH) % serials.length], mismatch: true } : undefined
        const count = Math.min(BATCH, S - from)
        const inputs = data.inputs.subarray(from * T * data.channels, (from + count) * T * data.channels)
        const running = `running samples ${from + 1}-${from + count} of ${S} on ${p.target}${chip ? ` (virtual chip ${chip.serialNumber})` : ''}`
        // within a batch too: 16 samples of 5 s on the emulator take seconds (the first also maps the network)
        const onProgress = (f: number): void => ctx.progress((0.9 * (from + f * count)) / S, running)
        const out = await target.run(net, { inputs, count, steps: T, channels: data.channels, dtMs: data.dtMs }, { seed, threads, record: { trajectories: false, spikes: count }, ...(chip ? { chip } : {}) }, { signal: ctx.signal, onProgress })
        const sp = out.spikes as SpikeEventsOf | undefined
        if (!sp || sp.offsets.length < count + 1) throw new AppError('UNSUPPORTED', `target ${p.target} returned no spike events to fit a read-out on`)
        for (let b = 0; b < count; b++) {
          const sample = from + b
          const into = sample < fitCount ? fit : held
          accumulateSample(into, sp, b, T, filter, data.targets, sample, p.stride)
          spikes += sp.offsets[b + 1] - sp.offsets[b]
          if (sample >= fitCount) {
            for (let k = sp.offsets[b]; k < sp.offsets[b + 1]; k++) {
              heldSpikes.steps.push(sp.steps[k])
              heldSpikes.neurons.push(sp.neurons[k])
            }
            heldSpikes.offsets.push(heldSpikes.steps.length)
          }
        }
        ctx.progress((0.9 * (from + count)) / S, running)
      }

      ctx.progress(0.92, 'fitting the read-out', true)
      // the ridge factor: given, or the one of the grid with the least held-out error
      const trials = p.ridge !== undefined ? [p.ridge] : [...ridgeGrid]
      let best: { rho: number; mse: number; w: Float32Array } | null = null
      for (const rho of trials) {
        const w = ridgeSolve(fit, rho)
        if (!w) continue
        const mse = ridgeMse(held, w)
        if (!best || mse < best.mse) best = { rho, mse, w }
      }
      if (!best) throw new AppError('UNSUPPORTED', `the read-out could not be fitted: the network fired too little on ${p.target} (${spikes} spikes in ${S} samples); raise --ridge, or check the deployment`)

      // held-out accuracy with the trained and with the refitted read-out, from the same spikes
      const hs: SpikeEventsOf = { steps: Int32Array.from(heldSpikes.steps), neurons: Int32Array.from(heldSpikes.neurons), offsets: Int32Array.from(heldSpikes.offsets) }
      const heldIdx = Array.from({ length: heldOut }, (_, i) => i)
      const trained = effectiveReadout(a.spec.weights.readout!, a.spec.weights.decoder!, O, D, N)
      const heldTargets = data.targets.subarray(fitCount * T * O, S * T * O)
      const heldLabels = data.labels ? data.labels.subarray(fitCount, S) : null
      const score = (w: Float32Array): number => {
        const y = outputsOf(hs, heldIdx, T, filter, w, O)
        const r = taskScore(net.task, { outputs: y, shape: [heldOut, T, O], fitted: net.fitted, ...(heldLabels ? {} : { targets: heldTargets }) })
        const labels = heldLabels ?? Int8Array.from({ length: heldOut }, (_, b) => r.labels![b * O])
        let correct = 0
        for (let b = 0; b < heldOut; b++) if (r.decisions[b * O] === labels[b]) correct++
        return correct / heldOut
      }
      const accBefore = score(trained)
      const accAfter = score(best.w)
      const mseBefore = ridgeMse(held, trained)

      // the stored read-out: fitted on every sample with the chosen factor
      const wAll = ridgeSolve(addSums(fit, held), best.rho) ?? best.w
      const decoder = decoderFor(a.spec.weights.readout!, a.spec.weights.decoder!, wAll, O, D, N)
      const refitted = ads.withQuantities(a, { decoder })
      saveBundle(store, ctx.runId, ads, refitted, { task: net.task, fitted: net.fitted })
      store.runs.addNote(
        ctx.runId,
        `read-out of network run ${p.network} refitted on ${onBoard ? boardName : p.target}${onEmulator ? ` (virtual chip${serials.length > 1 ? 's' : ''} ${chips})` : ''}${p.deployment !== undefined ? ` running deployment run ${p.deployment}` : ''}: recurrent and input weights unchanged, so it deploys to the same configuration; its read-out suits that ${onBoard ? 'board' : 'target'} (another ${onBoard ? 'board' : 'virtual chip'} or the plain simulator decode it less well)`,
      )
      ctx.progress(1, 'done', true)
      return {
        summary: {
          samples: S,
          heldOutSamples: heldOut,
          ridge: best.rho,
          heldOutAccuracyBefore: accBefore,
          heldOutAccuracyAfter: accAfter,
          heldOutMseBefore: mseBefore,
          heldOutMseAfter: best.mse,
          meanRateHz: spikes / S / N / ((T * data.dtMs) / 1000),
          neurons: N,
        },
      }
    } catch (e) {
      throw address !== null ? linkFailed(e, address, 'nothing was stored') : e
    } finally {
      await board?.release()
    }
  },
}
