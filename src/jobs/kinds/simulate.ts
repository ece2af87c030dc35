// Job "simulate": a stored spiking network on samples of a stored dataset, through an execution
// target; spikes, trajectories and membrane traces become artifacts; the spike rate of each sample a metric.
import { AppError } from '../../shared/errors.ts'
import { simulateParams } from '../../shared/jobkinds/index.ts'
import { architectures } from '../../plugins/architectures/index.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { availableTarget, targetFor } from '../../plugins/targets/index.ts'
import type { NewArtifact } from '../../store/artifacts.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'

export const simulate: JobImpl = {
  precheck(store, params) {
    const p = simulateParams.parse(params, 'params')
    const net = networkOf(store, 'simulate', 'network', p.network)
    if (!net.arch.spiking) throw fieldError('simulate', 'network', `is run ${p.network} “${net.run.name}”, a ${net.arch.label}, which does not spike: choose a spiking network (a network or ads run).`)
    runOfKind(store, 'simulate', 'dataset', p.dataset, ['dataset'])
    const ds = shapeOf(store, p.dataset, 'inputs')
    if (ds[2] !== net.sizes.channels) throw fieldError('simulate', 'dataset', `is run ${p.dataset} with ${ds[2]} input channels, but network run ${p.network} takes ${net.sizes.channels}: choose a dataset that fits.`)
    if (p.firstSample >= ds[0]) throw fieldError('simulate', 'firstSample', `must be below ${ds[0]}, the number of samples in dataset run ${p.dataset}.`)
    const n = net.sizes.units
    const bad = p.membraneNeurons.find((i) => i >= n)
    if (bad !== undefined) throw fieldError('simulate', 'membraneNeurons', `names neuron ${bad}, which does not exist: network run ${p.network} has ${n} neurons, numbered 0 to ${n - 1}.`)
    targetFor(p.target, net.record.architecture)
    // fewer samples than asked for were simulated without a word (the run's parameters said otherwise)
    if (p.firstSample + p.samples > ds[0]) {
      const from = p.firstSample > 0 ? ` from sample ${p.firstSample}` : ''
      throw fieldError('simulate', 'samples', `asks for ${p.samples} samples${from}, but dataset run ${p.dataset} has ${ds[0]}: give ${ds[0] - p.firstSample} or fewer, or choose a larger dataset.`)
    }
  },
  async run(ctx) {
    const p = simulateParams.parse(ctx.run.params, 'params')
    const { store } = ctx
    const net = loadBundle(store, p.network)
    if (!architectures[net.architecture].spiking) throw new AppError('INVALID_ARGUMENT', `Run ${p.network} holds a network that does not spike: simulate a spiking network.`)
    const data = loadDataset(store, p.dataset, p.firstSample, p.samples)
    const { units: neurons, channels, dims } = net.sizes
    if (data.channels !== channels) {
      throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.channels} input channels but network run ${p.network} takes ${channels}.`)
    }
    const bad = p.membraneNeurons.find((n) => n >= neurons)
    if (bad !== undefined) throw new AppError('INVALID_ARGUMENT', `params.membraneNeurons: neuron ${bad} does not exist (the network has ${neurons}, numbered 0 to ${neurons - 1}).`)
    const target = await availableTarget(p.target, net.architecture)
    ctx.progress(0, `simulating ${data.samples} samples`, true)
    const r = await target.run(
      net,
      { inputs: data.inputs, count: data.samples, steps: data.steps, channels: data.channels, dtMs: data.dtMs },
      { seed: ctx.run.seed ?? 0, threads: ctx.threads(p.threads), noiseStd: p.noiseStd, record: { spikes: true, trajectories: dims > 0, membrane: p.membraneNeurons, decimate: p.decimate } },
      { signal: ctx.signal, onProgress: (f) => ctx.progress(0.9 * f, `simulating ${data.samples} samples`) },
    )
    ctx.checkCancelled()
    const tr = r.recordedSteps
    const artifacts: NewArtifact[] = []
    if (r.spikeCounts) artifacts.push({ name: 'spikeCounts', data: r.spikeCounts, shape: [data.samples, neurons] })
    if (r.spikes) {
      artifacts.push(
        { name: 'spikes.steps', data: r.spikes.steps, shape: [r.spikes.steps.length] },
        { name: 'spikes.neurons', data: r.spikes.neurons, shape: [r.spikes.neurons.length] },
        { name: 'spikes.offsets', data: r.spikes.offsets, shape: [r.spikes.offsets.length] },
      )
    }
    if (r.trajectories) artifacts.push({ name: 'decoded', data: r.trajectories, shape: [data.samples, tr, dims] })
    if (r.membrane && r.membraneNeurons) {
      artifacts.push(
        { name: 'membrane', data: r.membrane, shape: [data.samples, tr, r.membraneNeurons.length] },
        { name: 'membraneNeurons', data: r.membraneNeurons, shape: [r.membraneNeurons.length] },
      )
    }
    ctx.artifacts(artifacts)
    const seconds = (data.steps * data.dtMs) / 1000
    if (r.spikeCounts) {
      const counts = r.spikeCounts
      ctx.metrics(
        Array.from({ length: data.samples }, (_, b) => {
          let total = 0
          for (let i = 0; i < neurons; i++) total += counts[b * neurons + i]
          return { key: 'rateHz', step: p.firstSample + b, value: total / neurons / seconds }
        }),
      )
    }
    ctx.progress(1, 'done', true)
    return {
      summary: { samples: data.samples, meanRateHz: r.meanRateHz ?? NaN, spikes: r.totalSpikes ?? NaN, kernelSeconds: r.kernelSeconds ?? NaN, steps: data.steps, dtMs: data.dtMs, decimate: p.decimate },
    }
  },
}
