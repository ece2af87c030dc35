// A board as an execution target: a network ADS deployed (src/plugins/deploy/map.ts, for the board's
// weight scheme and geometry from its handshake) and run over the board protocol, one sample at a
// time, its spikes decoded as the simulator and the emulator decode them (docs/method.md §14:
// r_i decays with τ_out and jumps by 1000/τ_out at each spike; x̃ = decoder·r, y = readout·x̃).
// Other architectures (the rate teacher an evaluation compares with) run on the simulator.
import type { SpikeEvents } from '../../../native/index.ts'
import { AppError } from '../../shared/errors.ts'
import type { BoardClient } from '../../hardware/client.ts'
import { ProtocolError } from '../../hardware/protocol/errors.ts'
import type { AdsNet } from '../architectures/ads.ts'
import { architectures } from '../architectures/index.ts'
import { recordedSpikeSamples, type LoadedNetwork, type TargetOutput } from '../architectures/architecture.ts'
import { mapNetworkAsync, type Mapping, type MapWatch } from '../deploy/map.ts'
import { mappable } from './chip.ts'
import type { ExecutionTarget } from './target.ts'

/** The mapping of a network onto the board behind `client`, its geometry from the handshake (seconds at N = 768: `watch` sees its progress and can cancel it). */
export function mapForBoard(client: BoardClient, net: LoadedNetwork, dtMs: number, watch: MapWatch = {}): Promise<Mapping> {
  const h = client.handshake
  return mapNetworkAsync(
    mappable(net.net as AdsNet),
    { weightScheme: h.weightScheme, chips: h.chips, coresPerChip: h.coresPerChip, neuronsPerCore: h.neuronsPerCore, fanIn: h.fanIn, fanOut: h.fanOut, inputChannels: h.inputChannels },
    dtMs,
    {},
    watch,
  )
}

/** The network neuron of each board address the configuration uses (cores in order, neurons in order). */
function neuronIndex(m: Mapping, client: BoardClient): Map<number, number> {
  const h = client.handshake
  const index = new Map<number, number>()
  let at = 0
  for (const c of m.configuration!.cores) {
    for (let j = 0; j < c.neurons; j++) index.set((c.chip * h.coresPerChip + c.core) * h.neuronsPerCore + j, at + j)
    at += c.neurons
  }
  return index
}

/**
 * An execution target that runs on the board behind an open client. The first run of a network
 * configures the board with its mapping, or with a stored deployment when one is given (the mapping
 * and its report are kept in `deployed`).
 */
export function boardTarget(client: BoardClient, opts: { onSample?: (timesUs: Uint32Array, neurons: Int32Array) => void; deployment?: Mapping } = {}): ExecutionTarget & { deployed: Mapping | null } {
  // the network object and step the board is configured for: a robustness sweep's perturbed network (a
  // new object of the same run) configures it again
  let configuredFor: { net: unknown; dtMs: number } | null = null
  const target = {
    name: client.address,
    label: `Board ${client.handshake.serialNumber} at ${client.address}`,
    kind: 'board' as const,
    description: `${client.handshake.model} (${client.handshake.chips} chip(s), ${client.handshake.weightScheme.toUpperCase()}) over the board protocol`,
    deployed: null as Mapping | null,
    status: async () => ({ available: true }),
    supports: (architecture: string) => architecture === 'ads',
    async run(net: LoadedNetwork, batch: Parameters<ExecutionTarget['run']>[1], o: Parameters<ExecutionTarget['run']>[2], run: Parameters<ExecutionTarget['run']>[3] = {}): Promise<TargetOutput> {
      if (net.architecture !== 'ads') return architectures[net.architecture].simulate(net.net as never, batch, o, run)
      // a board's neurons cannot be given noise or clamped from here: refused rather than run unperturbed
      if ((o.noiseStd ?? 0) > 0 || o.silence) throw new AppError('UNSUPPORTED', `the board at ${client.address} cannot add membrane noise or silence neurons: run the perturbation on the emulator target, which models the chip`)
      if (configuredFor?.net !== net.net || configuredFor?.dtMs !== batch.dtMs) {
        const m = opts.deployment ?? (await mapForBoard(client, net, batch.dtMs, { signal: run.signal }))
        if (!m.configuration) throw new AppError('INVALID_ARGUMENT', `Run ${net.runId} cannot be placed on the board at ${client.address}: ${m.report.refusals.map((r) => `${r.what}: ${r.reason}`).join('; ')}.`)
        await client.configure(m.configuration)
        target.deployed = m
        configuredFor = { net: net.net, dtMs: batch.dtMs }
      }
      const m = target.deployed!
      const index = neuronIndex(m, client)
      const a = net.net as AdsNet
      const { neurons: N, dims: D, outputs: O } = a.spec
      const B = batch.count
      const T = batch.steps
      const C = batch.channels
      const dtUs = Math.round(batch.dtMs * 1000)
      let tauOut = 0
      for (let i = 0; i < N; i++) tauOut += a.params.tauOutMs[i] / N
      const decay = Math.exp(-batch.dtMs / tauOut)
      const gain = 1000 / tauOut
      const decoder = a.spec.weights.decoder ?? new Float32Array(D * N)
      const readout = a.spec.weights.readout
      const trajectories = new Float32Array(B * T * D)
      const outputs = new Float32Array(B * T * O)
      const spikeCounts = new Int32Array(B * N)
      const rateHz = new Float64Array(B)
      const keep = recordedSpikeSamples(o.record, B)
      const steps: number[] = []
      const neurons: number[] = []
      const offsets = new Int32Array(keep + 1)
      let total = 0
      for (let b = 0; b < B; b++) {
        if (run.signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
        await client.reset()
        const values = batch.inputs.subarray(b * T * C, (b + 1) * T * C)
        let r
        try {
          r = await client.runStimulus({ kind: 'samples', channels: C, samplePeriodUs: dtUs, values }, { durationUs: T * dtUs, signal: run.signal })
        } catch (e) {
          // cancelled mid-sample: the client ended the board's run and the link
          if (e instanceof ProtocolError && e.code === 'CANCELLED') throw new AppError('CANCELLED', 'cancelled')
          throw e
        }
        const idx = new Int32Array(r.neurons.length)
        for (let k = 0; k < r.neurons.length; k++) {
          const i = index.get(r.neurons[k])
          if (i === undefined) throw new AppError('INTERNAL', `the board at ${client.address} reported a spike of neuron address ${r.neurons[k]}, which the deployed configuration does not use`)
          idx[k] = i
        }
        opts.onSample?.(r.timesUs, idx)
        // decode step by step
        const rr = new Float64Array(N)
        let k = 0
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < N; i++) rr[i] *= decay
          const end = (t + 1) * dtUs
          while (k < r.timesUs.length && r.timesUs[k] < end) {
            const i = idx[k]
            rr[i] += gain
            spikeCounts[b * N + i]++
            if (b < keep) {
              steps.push(t)
              neurons.push(i)
            }
            k++
          }
          const xo = (b * T + t) * D
          for (let d = 0; d < D; d++) {
            let s = 0
            for (let i = 0; i < N; i++) s += decoder[d * N + i] * rr[i]
            trajectories[xo + d] = s
          }
          if (readout) {
            const yo = (b * T + t) * O
            for (let q = 0; q < O; q++) {
              let s = 0
              for (let d = 0; d < D; d++) s += readout[q * D + d] * trajectories[xo + d]
              outputs[yo + q] = s
            }
          }
        }
        if (b < keep) offsets[b + 1] = steps.length
        total += r.timesUs.length
        rateHz[b] = r.timesUs.length / N / ((T * batch.dtMs) / 1000)
        run.onProgress?.((b + 1) / B, `sample ${b + 1} of ${B}`)
      }
      const spikes: SpikeEvents | undefined = keep > 0 ? { steps: Int32Array.from(steps), neurons: Int32Array.from(neurons), offsets } : undefined
      return { outputs, trajectories: D > 0 ? trajectories : undefined, recordedSteps: T, spikes, spikeCounts, meanRateHz: total / B / N / ((T * batch.dtMs) / 1000), rateHz, totalSpikes: total }
    },
  }
  return target
}
