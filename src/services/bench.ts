// The benchmarks behind `mimic bench`, `mimic bench ads` and `mimic bench teacher`: transport-free, so
// the CLI only parses flags and prints, and the services API can offer the same later. Each result
// says at which SIMD level the native kernels ran (`simd`; MIMIC_SIMD chooses it, native/core/simd.hpp).
import {
  addonStatus,
  generateXor,
  initTeacher,
  runAdsTrainBench,
  runSimBench,
  setSimdLevel,
  simdLevels,
  teacherForward,
  teacherGradient,
  type SimBenchResult,
} from '../../native/index.ts'

function level(): string {
  return addonStatus().info?.simd ?? 'unknown'
}

/** `mimic bench`: the simulator on the benchmark network. */
export async function benchSimulator(options: { neurons: number; steps: number; batch: number; threads: number; seed: number }): Promise<SimBenchResult & { simd: string }> {
  const r = await runSimBench(options)
  return { ...r, simd: level() }
}

export interface AdsBenchOptions {
  neurons: number
  dims: number
  /** simulated steps to time per pass (whole 1 s XOR samples: rounded up to a multiple of 1000) */
  steps: number
  rule?: 'online' | 'online-naive' | 'batched'
  seed?: number
  /** interleaved training / forward passes; the best of each is reported (default 3) */
  repeats?: number
}

export interface AdsBenchResult {
  neurons: number
  dims: number
  rule: string
  steps: number
  /** one training step (simulation with the k·F·e feedback and the learning rule), one thread */
  microsecondsPerStep: number
  /** one step of the same network without learning (k = 0, no feedback), one thread, same run */
  forwardMicrosecondsPerStep: number
  /** microsecondsPerStep / forwardMicrosecondsPerStep */
  trainingOverForward: number
  stepsPerSecond: number
  meanRateHz: number
  /** the training step's time by phase, µs per step (a separate pass with clock reads) */
  split: { simulation: number; feedback: number; learning: number }
  simd: string
}

/** `mimic bench ads`: the ADS training step against the forward step of the same network. */
export async function benchAds(o: AdsBenchOptions): Promise<AdsBenchResult> {
  const samples = Math.max(1, Math.ceil(o.steps / 1000))
  const r = await runAdsTrainBench({ neurons: o.neurons, dims: o.dims, samples, rule: o.rule ?? 'online', seed: o.seed ?? 1, repeats: o.repeats ?? 3 })
  const us = (seconds: number): number => (seconds / r.steps) * 1e6
  const splitTotal = r.split.simulation + r.split.feedback + r.split.learning
  // the split pass is scaled to the plain pass's time (its clock reads add a few per cent)
  const scale = splitTotal > 0 ? r.seconds / splitTotal : 0
  return {
    neurons: r.neurons,
    dims: r.dims,
    rule: o.rule ?? 'online',
    steps: r.steps,
    microsecondsPerStep: us(r.seconds),
    forwardMicrosecondsPerStep: us(r.forwardSeconds),
    trainingOverForward: r.seconds / r.forwardSeconds,
    stepsPerSecond: r.stepsPerSecond,
    meanRateHz: r.meanRateHz,
    split: { simulation: us(r.split.simulation * scale), feedback: us(r.split.feedback * scale), learning: us(r.split.learning * scale) },
    simd: r.simd,
  }
}

export interface TeacherBenchOptions {
  units: number
  /** samples per gradient (1 s XOR samples) */
  batch: number
  /** threads of the pool (0 = all) */
  threads: number
  /** seconds per timed round (3 rounds after a warm-up; the median is reported) */
  seconds?: number
  seed?: number
}

export interface TeacherBenchResult {
  units: number
  batch: number
  threads: number
  /** BPTT (forward pass, backward pass and gradient of one batch): time steps per second, median of 3 rounds */
  stepsPerSecond: number
  /** the forward pass alone, time steps per second */
  forwardStepsPerSecond: number
  simd: string
}

async function rate(fn: () => Promise<unknown>, stepsPerCall: number, seconds: number): Promise<number> {
  const round = async (): Promise<number> => {
    let calls = 0
    const t0 = performance.now()
    while (performance.now() - t0 < seconds * 1000) {
      await fn()
      calls++
    }
    return (calls * stepsPerCall) / ((performance.now() - t0) / 1000)
  }
  await round() // warm-up: allocations, thread-local workspaces, clock frequency
  const r = [await round(), await round(), await round()].sort((a, b) => a - b)
  return r[1]
}

/** `mimic bench teacher`: BPTT throughput of a teacher on 1 s temporal-XOR samples. */
export async function benchTeacher(o: TeacherBenchOptions): Promise<TeacherBenchResult> {
  const seconds = o.seconds ?? 1
  const params = await initTeacher({ units: o.units, channels: 1, outputs: 1, seed: o.seed ?? 1 })
  const x = await generateXor({ count: o.batch, seed: (o.seed ?? 1) + 1 })
  const batch = { inputs: x.inputs, targets: x.targets, count: o.batch, steps: x.steps }
  const stepsPerCall = o.batch * x.steps
  const bptt = await rate(() => teacherGradient(params, batch, { threads: o.threads }), stepsPerCall, seconds)
  const fwd = await rate(() => teacherForward(params, batch, { threads: o.threads, activations: false }), stepsPerCall, seconds)
  return { units: o.units, batch: o.batch, threads: o.threads, stepsPerSecond: Math.round(bptt), forwardStepsPerSecond: Math.round(fwd), simd: level() }
}

/**
 * Runs `measure` once per SIMD level this CPU has (lowest first), switching the level in this process,
 * `rounds` times interleaved so every level sees the same machine; returns the best value per level
 * (`better` says which of two values is better). The active level is restored afterwards.
 */
export async function perLevel<T>(measure: () => Promise<T>, better: (a: T, b: T) => boolean, rounds = 1): Promise<Record<string, T>> {
  const before = level()
  const best: Record<string, T> = {}
  try {
    for (let r = 0; r < rounds; r++)
      for (const l of simdLevels()) {
        setSimdLevel(l)
        const v = await measure()
        if (!(l in best) || better(v, best[l])) best[l] = v
      }
  } finally {
    setSimdLevel(before)
  }
  return best
}
