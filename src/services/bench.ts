// The benchmarks behind `mimic bench` (and the `bench.*` operations): transport-free, so the command
// line only parses flags and prints. Each is bounded: `bench.simulator` refuses more than
// maxBenchNeuronSteps of work before it starts.
import { runSimBench } from '../../native/index.ts'
import { AppError } from '../shared/errors.ts'
import { maxBenchNeuronSteps } from '../shared/limits.ts'
import type { SimulatorBench } from '../shared/types.ts'

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
  if (work > maxBenchNeuronSteps) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `neurons × steps × batch = ${work.toExponential(2)} neuron-steps, more than the ${maxBenchNeuronSteps.toExponential(0)} one benchmark may take: use fewer steps, a smaller batch or fewer neurons.`,
      { field: 'steps' },
    )
  }
  return runSimBench(options, { signal })
}
