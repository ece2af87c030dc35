// The temporal XOR task (docs/method.md §2.1): two pulses of random sign in one input channel; the target
// is a pulse whose sign is the XOR of theirs. Generator and decision rule are native
// (native/core/tasks/xor_task.*, xor_entry.cpp); this is its pure descriptor.
import * as s from '../schema.ts'
import type { TaskDescriptor } from './descriptor.ts'

export const xorGeneratorParams = s.object({
  count: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples', help: 'number of samples to draw' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'random seed; a random one is drawn and recorded when left empty' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Duration', unit: 's', help: 'length T of a sample' }),
  dtMs: s.withDefault(s.number({ min: 0.01, max: 100 }), 1).doc({ label: 'Time step', unit: 'ms' }),
})

export const xorTask = {
  name: 'xor',
  label: 'Temporal XOR',
  description: 'Two pulses of random sign in one input channel; the target is a later pulse of sign +1 when their signs differ, −1 when they agree.',
  channels: 1,
  outputs: 1,
  dtMs: 1,
  durationS: 1,
  generator: { params: xorGeneratorParams },
  decisionRule: {
    summary: 'y_s = 0.95·y_s + 0.05·ỹ; +1 if y_s > 0.5 anywhere, else −1 if y_s < −0.5 anywhere, else none',
    display: { smoothingDecay: 0.95, thresholds: [0.5, -0.5] },
  },
  fitted: [],
  sampleView: 'pulses',
  formerJobKinds: { 'data.xor': 'data.generate', 'pipeline.xor': 'pipeline' },
} as const satisfies TaskDescriptor
