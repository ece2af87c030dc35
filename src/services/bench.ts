// The benchmarks behind `mimic bench`, `mimic bench ads` and `mimic bench teacher` (the operations
// bench.simulator, bench.ads and bench.teacher): transport-free, so the command line only parses flags
// and prints. Each is bounded before it starts (limits.ts: maxBenchNeuronSteps, maxBenchMultiplyAdds),
// and each result says at which SIMD level the native kernels ran (`simd`; MIMIC_SIMD chooses it,
// native/core/simd.hpp).
import { addonStatus, initTeacher, runAdsTrainBench, runSimBench, teacherForward, teacherGradient } from '../../native/index.ts'
import { taskImpls } from '../plugins/tasks/index.ts'
import { AppError } from '../shared/errors.ts'
import { maxBenchMultiplyAdds, maxBenchNeuronSteps } from '../shared/limits.ts'
import { defaultTask, taskDescriptors, type TaskDescriptor } from '../shared/tasks/index.ts'
import type { AdsBench, SimulatorBench, TeacherBench } from '../shared/types.ts'

function level(): string {
  return addonStatus().info?.simd ?? 'unknown'
}

/** The refusal of a benchmark that would do more work than the limit allows (before it starts). */
function tooMuch(what: string, work: number, unit: string, limit: number, field: string, fix: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${what} = ${work.toExponential(2)} ${unit}, more than the ${limit.toExponential(0)} one benchmark may take: ${fix}.`, { field })
}

export interface SimulatorBenchOptions {
  neurons: number
  steps: number
  batch: number
  /** 0 = all threads of the native pool */
  threads: number
  seed: number
}

/** `mimic bench`: the simulator on the benchmark network (spike counts only), timed. */
export async function benchSimulator(options: SimulatorBenchOptions, signal?: AbortSignal): Promise<SimulatorBench> {
  const work = options.neurons * options.steps * options.batch
  if (work > maxBenchNeuronSteps)
    throw tooMuch('neurons × steps × batch', work, 'neuron-steps', maxBenchNeuronSteps, 'steps', 'use fewer steps, a smaller batch or fewer neurons')
  const r = await runSimBench(options, { signal })
  return { ...r, simd: level() }
}

export interface AdsBenchOptions {
  neurons: number
  dims: number
  /** simulated steps to time per pass (whole 1 s samples of the first native task: rounded up to a multiple of 1000) */
  steps: number
  rule: 'online' | 'online-naive' | 'batched'
  seed: number
  /** interleaved training / forward passes; the best of each is reported */
  repeats: number
}

/** `mimic bench ads`: the ADS training step against the forward step of the same network, one thread. */
export async function benchAds(o: AdsBenchOptions): Promise<AdsBench> {
  const samples = Math.max(1, Math.ceil(o.steps / 1000))
  const work = o.neurons * o.dims * samples * 1000 * (2 * o.repeats + 1)
  if (work > maxBenchMultiplyAdds)
    throw tooMuch('neurons × dims × steps × (2 × repeats + 1)', work, 'multiply-adds', maxBenchMultiplyAdds, 'steps', 'use fewer steps or repeats, fewer neurons or dims')
  const r = await runAdsTrainBench({ neurons: o.neurons, dims: o.dims, samples, rule: o.rule, seed: o.seed, repeats: o.repeats })
  const us = (seconds: number): number => (seconds / r.steps) * 1e6
  const splitTotal = r.split.simulation + r.split.feedback + r.split.learning
  // the split pass is scaled to the plain pass's time (its clock reads add a few per cent)
  const scale = splitTotal > 0 ? r.seconds / splitTotal : 0
  return {
    neurons: r.neurons,
    dims: r.dims,
    rule: o.rule,
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
  /** samples per gradient (1 s samples of the default task) */
  batch: number
  /** threads of the pool (0 = all) */
  threads: number
  /** seconds per timed round (3 rounds after a warm-up; the median is reported) */
  seconds: number
  seed: number
}

/** Time steps per second of `fn`: the median of 3 rounds of `seconds` each, after a warm-up round. */
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

/** `mimic bench teacher`: BPTT throughput of a teacher on 1 s samples of the default task (its generator's defaults). */
export async function benchTeacher(o: TeacherBenchOptions): Promise<TeacherBench> {
  const work = o.units * o.units * o.batch * 1000 * 16
  if (work > maxBenchMultiplyAdds)
    throw tooMuch('units² × batch × 1000 steps × 16', work, 'multiply-adds (the first call of each of the 8 rounds)', maxBenchMultiplyAdds, 'batch', 'use a smaller batch or fewer units')
  const task: TaskDescriptor = taskDescriptors[defaultTask]
  const generate = taskImpls[defaultTask].generate
  if (!generate || task.channels === 'any' || task.outputs === 'any') throw new AppError('INTERNAL', `the default task ${task.label} has no generator of fixed-size samples to time a teacher on`)
  const params = await initTeacher({ units: o.units, channels: task.channels, outputs: task.outputs, seed: o.seed })
  const x = await generate({ count: o.batch, seed: o.seed + 1 })
  const batch = { inputs: x.inputs, targets: x.targets, count: o.batch, steps: x.steps }
  const stepsPerCall = o.batch * x.steps
  const bptt = await rate(() => teacherGradient(params, batch, { threads: o.threads }), stepsPerCall, o.seconds)
  const fwd = await rate(() => teacherForward(params, batch, { threads: o.threads, activations: false }), stepsPerCall, o.seconds)
  return { units: o.units, batch: o.batch, threads: o.threads, stepsPerSecond: Math.round(bptt), forwardStepsPerSecond: Math.round(fwd), simd: level() }
}
