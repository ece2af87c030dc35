// Job kind "eval": a trained network on a dataset run (files are imported as dataset runs first, by
// the front door that has them: the form's file picker, `mimic eval RUN --data FILE.npz`).
import * as s from '../schema.ts'
import { runRef, targetField, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'

export const evalParams = s.object({
  network: runRef('teacher,ads', 'Trained network run'),
  // A file reaches the server only as bytes: it is imported as a dataset run first, so that no
  // caller can make the server read a path.
  dataset: runRef('dataset', 'Dataset run').doc({
    upload: { accept: '.npz', fits: 'network' },
    help: 'a dataset run, or an .npz file imported as one: inputs [samples, steps, channels], targets [samples, steps, outputs], optional labels',
  }),
  teacher: s.optional(runRef('teacher', 'Teacher run')).doc({ help: 'for spiking networks: the teacher whose trajectory x̂ is compared with x̃ (default: the network\'s parent teacher)' }),
  target: targetField,
  shownSamples: s.withDefault(s.integer({ min: 0, max: 100 }), 8).doc({ label: 'Samples kept for viewing' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'initial membrane potentials' }),
})

export const evaluation = {
  name: 'eval',
  label: 'Evaluation',
  runKind: 'evaluation',
  description: "Evaluates a trained network on a dataset: accuracy by its task's decision rule, MSE, reconstruction error.",
  params: evalParams,
  resources: { cores: 'all', minCores: 1 },
  cli: {
    command: ['eval'],
    positionals: ['network'],
    fileFlags: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'TRAINED_NETWORK_RUN --data FILE.npz (or --dataset RUN)   accuracy, MSE (and reconstruction error) of a trained network',
    result: (d) => ({
      value: { id: d.id, runId: d.id, status: d.status, datasetRunId: d.params.dataset, ...d.summary },
      text:
        `accuracy ${fmt(d.summary.accuracy)}, mse ${fmt(d.summary.mse)}, samples ${d.summary.samples}` +
        (d.summary.undecided !== undefined ? `, undecided ${d.summary.undecided}` : '') +
        (d.summary.reconstructionError !== undefined ? `, reconstruction error ${fmt(d.summary.reconstructionError)}` : ''),
    }),
  },
  view: 'evaluation',
  action: { action: 'New evaluation', submit: 'Evaluate' },
} as const satisfies JobKindSpec
