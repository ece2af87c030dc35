// Job "network.create": a balanced spiking network from the EBN construction (METHOD.md §4),
// stored as a run whose artifacts are its weights and per-neuron parameters.
import { buildEbn } from '../../../native/index.ts'
import { Rng } from '../../tasks/rng.ts'
import { networkCreateParams } from '../../shared/jobkinds/index.ts'
import { networkArtifacts, neuronParamNames } from '../../tasks/network-format.ts'
import type { JobContext, JobResult } from '../context.ts'

export async function runNetworkCreate(ctx: JobContext): Promise<JobResult> {
  const p = networkCreateParams.parse(ctx.run.params, 'params')
  const seed = ctx.run.seed ?? 0
  ctx.progress(0, 'building the balanced network', true)
  // Without a teacher, the input weights F̂ [D x C] are drawn U(-1, 1) from the run's seed; wIn = A·F·F̂
  // is computed in the same (asynchronous) job as the EBN.
  const rng = new Rng(seed, 1)
  const fHat = Float32Array.from({ length: p.dims * p.channels }, () => rng.uniform(-1, 1))
  const ebn = await buildEbn(
    {
      neurons: p.neurons,
      dims: p.dims,
      seed,
      mu: p.mu,
      nu: p.nu,
      tauMemMs: p.tauMemMs,
      vTh: p.vTh,
      vRest: p.vRest,
      g: p.fastGain,
      noEbn: !p.ebn,
      slowRandom: p.slowWeights === 'random',
      slowScale: p.slowScale,
      input: { fHat, channels: p.channels, gain: p.inputGain },
    },
    { signal: ctx.signal, onProgress: (f) => ctx.progress(0.8 * f, 'building the balanced network') },
  )
  const wIn = ebn.wIn!
  const params = Object.fromEntries(neuronParamNames.map((k) => [k, p[k]]))
  ctx.checkCancelled()
  ctx.artifacts([
    ...networkArtifacts(
      {
        neurons: p.neurons,
        channels: p.channels,
        dims: p.dims,
        outputs: 0,
        weights: { wIn, omegaF: ebn.omegaF, omegaS: ebn.omegaS, decoder: ebn.decoder, encoder: ebn.encoder },
      },
      params,
      ebn.thresholds,
    ),
    { name: 'fHat', data: fHat, shape: [p.dims, p.channels] },
  ])
  let tMin = Infinity
  let tMax = -Infinity
  for (const t of ebn.thresholds) {
    tMin = Math.min(tMin, t)
    tMax = Math.max(tMax, t)
  }
  ctx.progress(1, 'done', true)
  return { summary: { neurons: p.neurons, dims: p.dims, thresholdMin: tMin, thresholdMax: tMax } }
}
