// Job "data.import-audio": the WAV files of an upload run as a wake-phrase dataset (docs/method.md
// §2.2): inputs (front-end features), targets, labels, the audio at 16 kHz, split and speaker per
// sample; one result item per file (imported as which sample, or skipped and why) and a note listing
// the skipped files.
import { dataImportAudioParams } from '../../shared/jobkinds/index.ts'
import { audioRateHz, importAudio, manifestHeaderProblem, uploadedFiles } from '../../plugins/audio-import.ts'
import { datasetArtifacts, splitCodesOf } from '../../plugins/datasets.ts'
import { featureScalingArtifacts, standardiseFeatures, wakePhraseBands, wakePhraseSteps } from '../../plugins/tasks/wake-phrase.ts'
import { fieldError, runOfKind } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'

const list = (text: string): string[] => text.split(',').map((x) => x.trim()).filter((x) => x.length > 0)

export const dataImportAudio: JobImpl = {
  precheck(store, params) {
    const p = dataImportAudioParams.parse(params, 'params')
    const upload = runOfKind(store, 'data.import-audio', 'upload', p.upload, ['upload'])
    // a manifest whose header names no file and label columns would fail the job on its first line
    const manifest = upload.params.manifest
    if (typeof manifest === 'string') {
      const header = manifestHeaderProblem(manifest)
      if (header) throw fieldError('data.import-audio', 'upload', `holds a manifest that cannot be read: ${header}`)
    }
    const pos = list(p.positive), neg = list(p.negative)
    if (pos.length === 0) throw fieldError('data.import-audio', 'positive', 'names no label: give at least one, e.g. "positive".')
    const both = pos.filter((l) => neg.includes(l))
    if (both.length) throw fieldError('data.import-audio', 'negative', `also names ${both.map((l) => `"${l}"`).join(', ')}, which --positive names: a label is one or the other.`)
  },
  async run(ctx) {
    const p = dataImportAudioParams.parse(ctx.run.params, 'params')
    const { files, manifest, folder } = uploadedFiles(ctx.store, p.upload)
    ctx.progress(0, `reading ${files.length} files`, true)
    const d = await importAudio(
      files,
      manifest,
      { positive: list(p.positive), negative: list(p.negative), othersNegative: p.othersNegative },
      (done, total) => ctx.progress((0.9 * done) / Math.max(1, total), `decoded ${done} of ${total} files`),
      { signal: ctx.signal },
    )
    ctx.checkCancelled()
    const skipped = d.outcomes.filter((o) => o.sample === null)
    if (d.samples === 0)
      throw new Error(`none of the ${files.length} files could be imported: ${skipped.slice(0, 5).map((o) => `${o.file}: ${o.reason}`).join('; ')}${skipped.length > 5 ? `; and ${skipped.length - 5} more` : ''}`)
    ctx.progress(0.92, 'storing')
    const T = wakePhraseSteps, B = wakePhraseBands
    // standardised with the statistics of the training split the trainers will use (splitCodesOf, as loadDatasetSplits)
    const codes = p.featureScaling === 'standardise' ? splitCodesOf(d.split, d.samples).codes : null
    const scaling = codes ? standardiseFeatures(d.inputs, d.samples, B, (i) => codes[i] === 0) : null
    ctx.artifacts([
      ...datasetArtifacts({ inputs: d.inputs, targets: d.targets, labels: d.labels, samples: d.samples, steps: T, channels: B, outputs: 1 }),
      { name: 'audio', data: d.audio, shape: [d.samples, (audioRateHz * T) / 1000] },
      { name: 'split', data: d.split, shape: [d.samples] },
      { name: 'speaker', data: d.speaker, shape: [d.samples] },
      ...(scaling ? featureScalingArtifacts(scaling) : []),
    ])
    ctx.results(
      d.outcomes.map((o, i) => ({
        item: i,
        labels: { file: o.file, outcome: o.sample === null ? 'skipped' : 'imported', ...(o.label !== null ? { label: o.label } : {}), ...(o.reason !== null ? { reason: o.reason } : {}) },
        values: { imported: o.sample === null ? 0 : 1, sample: o.sample, seconds: o.seconds },
      })),
    )
    if (skipped.length) ctx.store.runs.addNote(ctx.runId, `Skipped ${skipped.length} of ${d.outcomes.length} files${folder ? ` of ${folder}` : ''}:\n${skipped.map((o) => `  ${o.file}: ${o.reason}`).join('\n')}`)
    let positive = 0
    for (const l of d.labels) if (l > 0) positive++
    ctx.progress(1, 'done', true)
    return { summary: { samples: d.samples, steps: T, positive, negative: d.samples - positive, skipped: skipped.length, cut: d.cut, speakers: d.speakers.length, positiveFraction: positive / d.samples } }
  },
}
