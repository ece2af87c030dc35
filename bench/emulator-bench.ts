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
