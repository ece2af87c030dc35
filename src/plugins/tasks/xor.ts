// The Node side of the temporal XOR task: its generator and decision rule are native
// (native/api/tasks/xor.ts); this module turns them into the task interface.
import { generateXor, xorDecision, type RunOptions } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { xorGeneratorParams } from '../../shared/tasks/xor.ts'
import type { Decisions, TaskImpl } from './task.ts'

export const xorTaskImpl = {
  name: 'xor',
  async generate(raw: Record<string, unknown>, run: RunOptions = {}): Promise<TimedDataset> {
    const p = xorGeneratorParams.parse(raw, 'params')
    const batch = await generateXor({ count: p.count, seed: p.seed ?? 0, durationS: p.durationS, dtS: p.dtMs / 1000 }, run)
    return { inputs: batch.inputs, targets: batch.targets, labels: batch.labels, samples: batch.count, steps: batch.steps, channels: 1, outputs: 1, dtMs: p.dtMs }
  },
  trainingSource({ samplesPerEpoch, durationS }) {
    return { data: { xor: durationS === undefined ? { samplesPerEpoch } : { samplesPerEpoch, durationS } }, rule: 'xor' }
  },
  decide(outputs, shape, targets): Decisions {
    const r = xorDecision(outputs, { count: shape.count, steps: shape.steps, outputs: shape.outputs }, targets)
    return { predictions: r.predictions, labels: r.labels ?? null }
  },
} as const satisfies TaskImpl
