// Job kind "data.import-audio": recordings (an upload run of WAV files, and a manifest or one folder
// per label) as a wake-phrase dataset (docs/method.md §2.2). `mimic data import audio --dir DIR` sends
// the folder's files as an upload run and starts it.
import * as s from '../schema.ts'
import { featureScalingField } from '../tasks/wake-phrase.ts'
import { runRef } from './fields.ts'
import type { JobKindSpec } from './spec.ts'

export const dataImportAudioParams = s.object({
  // the task of the dataset's samples (recorded with the run, as every dataset run records its task)
  task: s.withDefault(s.oneOf(['wake-phrase'] as const), 'wake-phrase').doc({ label: 'Task', help: 'the task of the recordings' }),
  upload: runRef('upload', 'Uploaded audio files').doc({ help: 'the run that holds the WAV files (`mimic data import audio --dir DIR` makes it)' }),
  positive: s.withDefault(s.string({ min: 1, max: 1000 }), 'positive,keyword,1').doc({ label: 'Positive labels', help: 'comma-separated labels (or folder names) of recordings that hold the wake phrase' }),
  negative: s.withDefault(s.string({ min: 1, max: 1000 }), 'negative,other,0,-1').doc({ label: 'Negative labels', help: 'comma-separated labels (or folder names) of recordings without it' }),
  othersNegative: s.withDefault(s.boolean(), false).doc({ label: 'Other labels are negative', help: 'every label that is not positive is negative (keyword corpora: one folder per word)' }),
  featureScaling: featureScalingField,
})

export const dataImportAudio = {
  name: 'data.import-audio',
  label: 'Imported recordings',
  runKind: 'dataset',
  runName: 'Imported recordings',
  description: 'Decodes WAV recordings (any rate, mono or stereo, 8/16/24/32-bit PCM or float), cuts or pads them to 5 s, and stores their audio, front-end features, targets and labels as a wake-phrase dataset; files it cannot use are listed with the reason.',
  params: dataImportAudioParams,
  resources: { cores: 1 },
  cli: {
    command: ['data', 'import-audio'],
    positionals: ['upload'],
    project: { ofRun: 'upload' },
    synopsis: 'UPLOAD_RUN [--positive LABELS] [--negative LABELS] [--others-negative] [--feature-scaling none|standardise]   (`mimic data import audio --dir DIR` uploads a folder and runs this)',
    result: (d) => {
      const skipped = d.notes.map((n) => n.body).join('\n')
      return {
        value: { id: d.id, runId: d.id, status: d.status, ...d.summary, notes: d.notes.map((n) => n.body) },
        text: `dataset run ${d.id}: imported ${d.summary.samples} recordings (${d.summary.positive} positive, ${d.summary.negative} negative), skipped ${d.summary.skipped}${skipped ? `\n${skipped}` : ''}`,
      }
    },
  },
  view: 'dataset',
  action: { action: 'Import recordings', submit: 'Import' },
} as const satisfies JobKindSpec
