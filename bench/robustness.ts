// Robustness sweep benchmark (issue 12's target: "a sweep of 4 levels × 10 draws × 200 samples on one
// N = 320 network takes at most 30 s wall"). Times the parts such a sweep is made of, on the existing
// simulator: the mismatch draws (perturbDraws, the ADS declaration of METHOD.md §8), building each
// drawn network (createNetwork), simulating the samples with the output recorded (network.simulate,
// the batch over the thread pool), and scoring them (taskScore). Everything runs in this process
// one step after the other, as a job would; the robustness job itself is not built yet.
//
//   node bench/robustness.ts                                   a synthetic N = 320, D = 64 EBN network
//   node bench/robustness.ts --db FILE --network RUN --data RUN   a trained ADS network and its dataset
//   flags: --levels 0,0.05,0.1,0.2  --draws 10  --samples 200  --threads 0  --seed 1  --json
import { buildEbn, createNetwork, generateXor, perturbDraws, taskScore, addonStatus, type NetworkSpec, type PerturbQuantity } from '../native/index.ts'
import { loadavg } from 'node:os'
import { openStore } from '../src/store/index.ts'
import type { AdsNet } from '../src/plugins/architectures/ads.ts'
import { loadBundle } from '../src/plugins/architectures/bundle.ts'
import { loadDataset } from '../src/plugins/datasets.ts'

const args = process.argv.slice(2)
const usage = (msg: string): never => {
  console.error(`bench/robustness: ${msg}. Flags: --db FILE --network RUN --data RUN --levels L,L --draws N --samples N --threads N --seed S --json`)
  process.exit(2)
}
const valued = ['--db', '--network', '--data', '--levels', '--draws', '--samples', '--threads', '--seed']
const values: Record<string, string> = {}
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') continue
  if (!valued.includes(args[i])) usage(`unknown flag ${args[i]}`)
  const v = args[++i]
  if (v === undefined) usage(`${args[i - 1]} needs a value`)
  values[args[i - 1]] = v
}
const intFlag = (name: string, fallback: number): number => {
  const v = values[name] === undefined ? fallback : Number(values[name])
  if (!Number.isInteger(v) || v < 0) usage(`${name} must be a non-negative integer`)
  return v
}
const levels = (values['--levels'] ?? '0,0.05,0.1,0.2').split(',').map(Number)
if (levels.some((l) => !(l >= 0))) usage('--levels must be numbers ≥ 0')
const draws = intFlag('--draws', 10)
const samples = intFlag('--samples', 200)
const threads = intFlag('--threads', 0)
const seed = intFlag('--seed', 1)
const json = args.includes('--json')

/** A network and test samples: a trained one from a database, or a synthetic EBN network on temporal XOR. */
async function setup(): Promise<{ spec: NetworkSpec; inputs: Float32Array; targets: Float32Array; steps: number; source: string }> {
  if (values['--db']) {
    if (!values['--network'] || !values['--data']) usage('--db needs --network RUN and --data RUN')
    const store = openStore(values['--db'])
    const bundle = loadBundle<AdsNet>(store, Number(values['--network']))
    if (bundle.architecture !== 'ads') usage(`run ${values['--network']} holds a ${bundle.architecture} network, not a spiking network ADS`)
    const net = bundle.net
    const data = loadDataset(store, Number(values['--data']), 0, samples)
    if (data.samples < samples) usage(`dataset run ${values['--data']} has only ${data.samples} samples`)
    store.close()
    return { spec: net.spec, inputs: data.inputs, targets: data.targets, steps: data.steps, source: `run ${values['--network']} of ${values['--db']}` }
  }
  const N = 320
  const D = 64
  const rnd = (() => {
    let a = seed >>> 0
    return () => {
      a = (a + 0x6d2b79f5) >>> 0
      let t = Math.imul(a ^ (a >>> 15), a | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  })()
  const fHat = Float32Array.from({ length: D }, () => 2 * rnd() - 1)
  const ebn = await buildEbn({ neurons: N, dims: D, seed, g: 0.5, slowRandom: true, slowScale: 0.02, input: { fHat, channels: 1, gain: 200 } })
  const readout = Float32Array.from({ length: D }, () => (2 * rnd() - 1) / Math.sqrt(D))
  const data = await generateXor({ count: samples, seed })
  return {
    spec: { neurons: N, channels: 1, dims: D, outputs: 1, weights: { wIn: ebn.wIn, omegaF: ebn.omegaF, omegaS: ebn.omegaS, decoder: ebn.decoder, readout } },
    inputs: data.inputs,
    targets: data.targets,
    steps: data.steps,
    source: 'synthetic EBN network (N = 320, D = 64, g = 0.5, random slow weights N(0, 0.02²/N), A = 200)',
  }
}

const { spec, inputs, targets, steps, source } = await setup()
const N = spec.neurons
const params = createNetwork(spec).getParams() // every per-neuron parameter as an array
// METHOD.md §8 for network ADS: tau_mem, tau_s, V_th as |N(p, (σp)²)|; W_in, Ω_s and the decoder
// elementwise × (1 + σ N(0,1)); Ω_f, tau_f, tau_out unperturbed.
const quantities: PerturbQuantity[] = [
  { name: 'wIn', kind: 'weights', values: spec.weights.wIn!, mismatch: 'relative', quantise: true },
  { name: 'omegaS', kind: 'weights', values: spec.weights.omegaS!, mismatch: 'relative', quantise: true },
  { name: 'decoder', kind: 'weights', values: spec.weights.decoder!, mismatch: 'relative', quantise: true },
  { name: 'tauMemMs', kind: 'time-constant', values: params.tauMemMs, mismatch: 'abs-relative' },
  { name: 'tauSMs', kind: 'time-constant', values: params.tauSMs, mismatch: 'abs-relative' },
  { name: 'vTh', kind: 'threshold', values: params.vTh, mismatch: 'abs-relative' },
]

const t = { perturb: 0, build: 0, simulate: 0, kernel: 0, score: 0 }
const rows: { level: number; draw: number; accuracy: number; rateHz: number }[] = []
let spikes = 0
const cpu0 = process.cpuUsage()
const wall0 = performance.now()
for (const level of levels) {
  let t0 = performance.now()
  const drawn = await perturbDraws({ seed, perturbation: 'mismatch', level, draws, quantities, threads })
  t.perturb += performance.now() - t0
  for (const d of drawn.draws) {
    t0 = performance.now()
    const a = d.arrays
    const net = createNetwork({
      ...spec,
      params: { ...params, tauMemMs: a.tauMemMs, tauSMs: a.tauSMs, vTh: a.vTh },
      weights: { ...spec.weights, wIn: a.wIn, omegaS: a.omegaS, decoder: a.decoder },
    })
    t.build += performance.now() - t0
    t0 = performance.now()
    const sim = await net.simulate(inputs, { batch: samples, steps, threads, seed: d.draw, record: { spikes: false, output: true } })
    t.simulate += performance.now() - t0
    t.kernel += sim.kernelSeconds * 1000
    spikes += sim.totalSpikes
    t0 = performance.now()
    const score = taskScore('xor', { outputs: sim.output!, shape: [samples, steps, 1], targets })
    t.score += performance.now() - t0
    rows.push({ level, draw: d.draw, accuracy: score.accuracy!, rateHz: sim.meanRateHz })
  }
}
const wall = performance.now() - wall0
const cpu = process.cpuUsage(cpu0)
const trials = levels.length * draws
const info = addonStatus().info
const result = {
  source,
  neurons: N,
  levels,
  draws,
  samples,
  steps,
  threads: threads === 0 ? info?.poolThreads : threads,
  simd: info?.simd,
  wallSeconds: wall / 1000,
  // CPU time of all the process's threads: on a shared machine the wall time stretches with the load,
  // this does not (much); cpuSeconds / threads is the wall time the sweep would take on idle cores.
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  loadAverage: loadavg()[0],
  perturbSeconds: t.perturb / 1000,
  buildSeconds: t.build / 1000,
  simulateSeconds: t.simulate / 1000,
  kernelSeconds: t.kernel / 1000,
  scoreSeconds: t.score / 1000,
  meanRateHz: spikes / (trials * samples * N * steps * 1e-3),
  nsPerSampleStep: (t.kernel * 1e6) / (trials * samples * steps),
  medianAccuracy: levels.map((level) => {
    const acc = rows.filter((r) => r.level === level).map((r) => r.accuracy).sort((x, y) => x - y)
    return { level, median: acc.length % 2 ? acc[(acc.length - 1) / 2] : (acc[acc.length / 2 - 1] + acc[acc.length / 2]) / 2 }
  }),
}
if (json) console.log(JSON.stringify(result))
else {
  const s = (x: number): string => `${x.toFixed(2)} s`
  console.log(`robustness sweep: ${levels.length} levels × ${draws} draws × ${samples} samples of ${steps} steps, N = ${N} (${source})`)
  console.log(`  threads ${result.threads}, SIMD ${result.simd}, mean rate ${result.meanRateHz.toFixed(1)} Hz, load average ${result.loadAverage.toFixed(1)}`)
  console.log(`  wall ${s(result.wallSeconds)} (CPU ${s(result.cpuSeconds)} over all threads): perturb ${s(result.perturbSeconds)}, build ${s(result.buildSeconds)}, simulate ${s(result.simulateSeconds)} (kernel ${s(result.kernelSeconds)}, ${result.nsPerSampleStep.toFixed(0)} ns per sample-step), score ${s(result.scoreSeconds)}`)
  console.log(`  median accuracy per level: ${result.medianAccuracy.map((m) => `${m.level}: ${m.median}`).join(', ')}`)
}
