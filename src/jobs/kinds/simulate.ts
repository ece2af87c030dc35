// Job "simulate": a stored network on samples of a stored dataset; spikes, decoded trajectories and
// membrane traces become artifacts; the spike rate of each sample a metric.
import { createNetwork } from '../../../native/index.ts'
import { AppError } from '../../shared/errors.ts'
import { simulateParams } from '../../shared/jobkinds/index.ts'
import { loadDataset, loadNetwork } from '../../tasks/network-format.ts'
import type { NewArtifact } from '../../store/artifacts.ts'
import type { JobContext, JobResult } from '../context.ts'

export async function runSimulate(ctx: JobContext): Promise<JobResult> {
  const p = simulateParams.parse(ctx.run.params, 'params')
  const { store } = ctx
  const stored = loadNetwork(store, p.network)
  const data = loadDataset(store, p.dataset, p.firstSample, p.samples)
  const { neurons, channels, dims } = stored.spec
  if (data.channels !== channels) {
    throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.channels} input channels but network run ${p.network} takes ${channels}.`)
  }
  const bad = p.membraneNeurons.find((n) => n >= neurons)
  if (bad !== undefined) throw new AppError('INVALID_ARGUMENT', `params.membraneNeurons: neuron ${bad} does not exist (the network has ${neurons}, numbered 0 to ${neurons - 1}).`)
  const net = createNetwork(stored.spec)
  ctx.progress(0, `simulating ${data.samples} samples`, true)
  const r = await net.simulate(
    data.inputs,
    {
      batch: data.samples,
      steps: data.steps,
      dtMs: data.dtMs,
      threads: p.threads,
      seed: ctx.run.seed ?? 0,
      noiseStd: p.noiseStd,
      record: { spikes: true, decoded: dims > 0, membrane: p.membraneNeurons, decimate: p.decimate },
    },
    { signal: ctx.signal, onProgress: (f) => ctx.progress(0.9 * f, `simulating ${data.samples} samples`) },
  )
  ctx.checkCancelled()
  const tr = r.recordedSteps
  const artifacts: NewArtifact[] = [
    { name: 'spikeCounts', data: r.spikeCounts, shape: [data.samples, neurons] },
  ]
  if (r.spikes) {
    artifacts.push(
      { name: 'spikes.steps', data: r.spikes.steps, shape: [r.spikes.steps.length] },
      { name: 'spikes.neurons', data: r.spikes.neurons, shape: [r.spikes.neurons.length] },
      { name: 'spikes.offsets', data: r.spikes.offsets, shape: [r.spikes.offsets.length] },
    )
  }
  if (r.decoded) artifacts.push({ name: 'decoded', data: r.decoded, shape: [data.samples, tr, dims] })
  if (r.membrane && r.membraneNeurons) {
    artifacts.push(
      { name: 'membrane', data: r.membrane, shape: [data.samples, tr, r.membraneNeurons.length] },
      { name: 'membraneNeurons', data: r.membraneNeurons, shape: [r.membraneNeurons.length] },
    )
  }
  ctx.artifacts(artifacts)
  const seconds = (data.steps * data.dtMs) / 1000
  ctx.metrics(
    Array.from({ length: data.samples }, (_, b) => {
      let total = 0
      for (let i = 0; i < neurons; i++) total += r.spikeCounts[b * neurons + i]
      return { key: 'rateHz', step: p.firstSample + b, value: total / neurons / seconds }
    }),
  )
  ctx.progress(1, 'done', true)
  return {
    summary: { samples: data.samples, meanRateHz: r.meanRateHz, spikes: r.totalSpikes, kernelSeconds: r.kernelSeconds, steps: data.steps, dtMs: data.dtMs, decimate: p.decimate },
  }
}
