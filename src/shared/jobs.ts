// Job kinds: long work that runs in a worker process and produces a run. Each kind declares its
// parameters as a schema whose defaults are the paper's (METHOD.md); the UI renders its forms
// from these, the CLI its flags, and the worker parses them again before running.
import * as s from './schema.ts'
import type { FieldInfo, Schema } from './schema.ts'

export const xorDatasetParams = s.object({
  count: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples', help: 'number of samples to draw' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'random seed; a random one is drawn and recorded when left empty' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Duration', unit: 's', help: 'length T of a sample' }),
  dtMs: s.withDefault(s.number({ min: 0.01, max: 100 }), 1).doc({ label: 'Time step', unit: 'ms' }),
})

export interface JobKindInfo {
  kind: string
  label: string
  /** run kind stored for the run this job creates */
  runKind: string
  description: string
}

export const jobKinds = {
  'data.xor': {
    label: 'Temporal XOR dataset',
    runKind: 'dataset',
    description: 'Draws temporal-XOR samples (METHOD.md §7) and stores inputs, targets and labels as artifacts.',
    params: xorDatasetParams,
  },
} as const satisfies Record<string, { label: string; runKind: string; description: string; params: Schema<unknown> }>

export type JobKind = keyof typeof jobKinds
export const jobKindNames = Object.keys(jobKinds) as [JobKind, ...JobKind[]]

export type JobParams<K extends JobKind> = ReturnType<(typeof jobKinds)[K]['params']['parse']>

export function jobParamsSchema(kind: JobKind): Schema<unknown> {
  return jobKinds[kind].params as Schema<unknown>
}

export function jobForm(kind: JobKind): FieldInfo {
  return jobKinds[kind].params.info()
}
