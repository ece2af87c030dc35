// The Node side of the temporal XOR task: its generator and decision rule are native
// (native/core/tasks/xor_task.*); this module draws its samples and names its training stream.
import { taskGenerate, type RunOptions } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { xorGeneratorParams } from '../../shared/tasks/xor.ts'
import type { TaskImpl } from './task.ts'

export const xorTaskImpl = {
  name: 'xor',
  async generate(raw: Record<string, unknown>, run: RunOptions = {}): Promise<TimedDataset> {
    const p = xorGeneratorParams.parse(raw, 'params')
    const batch = await taskGenerate('xor', { count: p.count, seed: p.seed ?? 0, durationS: p.durationS, dtMs: p.dtMs }, run)
    return { inputs: batch.inputs, targets: batch.targets, labels: batch.labels, samples: batch.count, steps: batch.steps, channels: 1, outputs: 1, dtMs: p.dtMs }
  },
  trainingSource({ samplesPerEpoch, durationS }) {
    return {
      data: { task: { name: 'xor', samplesPerEpoch, ...(durationS === undefined ? {} : { options: { durationS } }) } },
      decision: { task: 'xor' },
    }
  },
} as const satisfies TaskImpl
