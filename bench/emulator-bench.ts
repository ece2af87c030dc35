// The chip emulator's throughput against the simulator (npm run bench; docs/method.md §11), side by
// side in one run on the same network: benchNetwork(N) (EBN g 0.5, random slow weights) on the
// simulator, and the same network deployed to a one-chip DYNAP-SE2 (src/plugins/deploy/map.ts) on the
// emulator, ideal and with mismatch; batches of samples on 1 and all threads, interleaved
// repetitions, best of each (sample-steps are the network's 1 ms steps; the emulator computes each in
// steps of defaultChipStepUs, 100 µs, as the emulator targets do). The emulator runs only the connections the chip keeps (fan-in 64) in
// double precision, event by event; the simulator the dense network in float32 SIMD.
import { benchNetwork, chipEmulate, createNetwork } from '../native/index.ts'
import { neuronArrays } from '../src/plugins/architectures/ads.ts'
import { chipModel, mapNetwork } from '../src/plugins/deploy/map.ts'
import { defaultChipStepUs } from '../src/shared/board.ts'

export interface EmulatorMeasure {
  neurons: number
  engine: string
  batch: number
  threads: number
  steps: number
  sampleStepsPerSecond: number
  meanRateHz: number
}

export async function benchEmulator(N: number, quick: boolean, allThreads: number): Promise<{ measures: EmulatorMeasure[]; connections: number; camEntries: number }> {
  const bench = await benchNetwork(N, 1)
  const spec = bench.spec
  const C = spec.channels ?? 0
  const params = neuronArrays(spec.params ?? {}, N)
  const w = spec.weights
  const m = mapNetwork(
    { neurons: N, channels: C, wIn: w.wIn!, omegaF: w.omegaF ?? new Float32Array(N * N), omegaS: w.omegaS ?? new Float32Array(N * N), params },
    chipModel('se2', Math.ceil(N / 1024)),
    1,
  )
  if (!m.configuration) throw new Error(`the bench network of ${N} neurons cannot be deployed: ${JSON.stringify(m.report.refusals)}`)
  const config = m.configuration
  const net = createNetwork(spec)
  const B = quick ? 4 : 16
  const T = quick ? 300 : 1000
  const inputs = bench.inputs(B, T)
  const reps = quick ? 1 : 3
  const best = new Map<string, EmulatorMeasure>()
  const keep = (x: EmulatorMeasure): void => {
    const key = `${x.engine} ${x.threads}`
    const old = best.get(key)
    if (!old || x.sampleStepsPerSecond > old.sampleStepsPerSecond) best.set(key, x)
  }
  const rate = (spikes: number): number => spikes / B / N / (T / 1000)
  await net.simulate(inputs, { batch: B, steps: T, threads: 0, record: { spikes: false } })
  for (let rep = 0; rep < reps; rep++) {
    for (const threads of [1, 0]) {
      const th = threads === 0 ? allThreads : 1
      const s = await net.simulate(inputs, { batch: B, steps: T, threads, seed: 1, record: { spikes: false } })
      keep({ neurons: N, engine: 'simulator', batch: B, threads: th, steps: T, sampleStepsPerSecond: (B * T) / s.kernelSeconds, meanRateHz: rate(s.totalSpikes) })
      for (const [engine, opts] of [
        ['emulator ideal', { mismatch: false }],
        ['emulator mismatch', { serialNumber: 'EMU-0001' }],
      ] as const) {
        // the chip in its own steps (as the emulator targets and `mimic board emulate` run it), the input held for each 1 ms step
        const e = await chipEmulate(config, { samples: inputs, batch: B, steps: T, channels: C, samplePeriodUs: 1000 }, { ...opts, chips: Math.ceil(N / 1024), dtUs: defaultChipStepUs, threads })
        let spikes = 0
        for (const c of e.spikeCounts) spikes += c
        keep({ neurons: N, engine, batch: B, threads: th, steps: T, sampleStepsPerSecond: (B * T) / e.kernelSeconds, meanRateHz: rate(spikes) })
      }
    }
  }
  return { measures: [...best.values()], connections: m.report.connections.kept, camEntries: m.report.connections.camEntries }
}

/**
 * The emulator at the shape of the wake-phrase network (N = 768, 16 analog channels through dense
 * input weights, 16 decoded outputs once per 1 ms), for the SIMD-levels table: a seeded random network
 * (EBN-like negative fast weights, random slow weights, Gaussian input weights) deployed to a one-chip
 * DYNAP-SE2, run with mismatch on one thread. `run` gives ns per chip step (100 µs) and the spike count.
 */
export function emulatorLevelCase(quick: boolean): { run(): Promise<{ nsPerStep: number; spikes: number }> } {
  const N = 768
  const C = 16
  let state = 12345
  const uniform = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform())
  const fill = (v: number): Float32Array => new Float32Array(N).fill(v)
  const omegaF = Float32Array.from({ length: N * N }, (_, i) => (i % (N + 1) === 0 ? 0 : -Math.abs(normal()) * 0.02))
  const omegaS = Float32Array.from({ length: N * N }, (_, i) => (i % (N + 1) === 0 || uniform() < 0.2 ? 0 : normal() * 0.01))
  const wIn = Float32Array.from({ length: N * C }, () => normal())
  const params = { tauMemMs: fill(50), tauSMs: fill(70), tauFMs: fill(1), vTh: fill(1), vRest: fill(0.5), vReset: fill(0), bias: fill(0.6), refractoryMs: fill(0) }
  const m = mapNetwork({ neurons: N, channels: C, wIn, omegaF, omegaS, params }, chipModel('se2', 1), 1)
  if (!m.configuration) throw new Error(`the emulator's level case cannot be deployed: ${JSON.stringify(m.report.refusals)}`)
  const config = m.configuration
  const B = 2
  const T = quick ? 200 : 500
  const samples = Float32Array.from({ length: B * T * C }, () => uniform())
  const decode = { weights: Float32Array.from({ length: C * N }, () => 0.01 * normal()), outputs: C, tauOutMs: 50, periodUs: 1000 }
  return {
    async run() {
      const r = await chipEmulate(config, { samples, batch: B, steps: T, channels: C, samplePeriodUs: 1000 }, { serialNumber: 'EMU-0001', threads: 1, decode })
      let spikes = 0
      for (const c of r.spikeCounts) spikes += c
      return { nsPerStep: (r.kernelSeconds / (B * r.steps)) * 1e9, spikes }
    },
  }
}
