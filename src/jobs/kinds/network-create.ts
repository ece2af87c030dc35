// Job "network.create": a balanced spiking network from the EBN construction (docs/method.md §4), stored
// as a network bundle (architecture ads) with no read-out, plus the input weights F̂ it was built from.
import { buildEbn } from '../../../native/index.ts'
import { networkCreateParams } from '../../shared/jobkinds/index.ts'
import { Rng } from '../../system/rng.ts'
import { ads, neuronArrays, neuronParamNames } from '../../plugins/architectures/ads.ts'
import { saveBundle } from '../../plugins/architectures/bundle.ts'
import type { JobImpl } from './kind.ts'

export const networkCreate: JobImpl = {
  precheck() {},
  async run(ctx) {
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
        threads: ctx.threads(0),
        input: { fHat, channels: p.channels, gain: p.inputGain },
      },
      { signal: ctx.signal, onProgress: (f) => ctx.progress(0.8 * f, 'building the balanced network') },
    )
    const params = neuronArrays(Object.fromEntries(neuronParamNames.map((k) => [k, p[k]])), p.neurons)
    ctx.checkCancelled()
    const weights = { wIn: ebn.wIn!, omegaF: ebn.omegaF, omegaS: ebn.omegaS, decoder: ebn.decoder, encoder: ebn.encoder }
    saveBundle(
      ctx.store,
      ctx.runId,
      ads,
      { spec: { neurons: p.neurons, channels: p.channels, dims: p.dims, outputs: 0, params, weights }, params, thresholds: ebn.thresholds, variant: p.ebn ? 'ebn' : 'no-ebn' },
      { task: null },
      [{ name: 'fHat', data: fHat, shape: [p.dims, p.channels] }],
    )
    let tMin = Infinity
    let tMax = -Infinity
    for (const t of ebn.thresholds) {
      tMin = Math.min(tMin, t)
      tMax = Math.max(tMax, t)
    }
    ctx.progress(1, 'done', true)
    return { summary: { neurons: p.neurons, dims: p.dims, thresholdMin: tMin, thresholdMax: tMax } }
  },
}
