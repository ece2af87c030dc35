// Importing recordings as a wake-phrase dataset (docs/method.md §2.2): a folder of WAV files with a
// manifest (file, label, optional split and speaker) or one folder per label. Each file is decoded
// (src/formats/wav.ts), cut or padded to 5 s, put through the audio front end, and given the task's
// target; files that cannot be used are listed with the reason, never skipped silently.
import { audioFeatures, audioResample, type RunOptions } from '../../native/index.ts'
import { decodeWav, WavError } from '../formats/wav.ts'
import type { Store } from '../store/index.ts'
import { article } from '../shared/schema.ts'
import { speechEndStep, wakePhraseBands, wakePhraseSteps, wakePhraseTarget } from './tasks/wake-phrase.ts'

export const audioRateHz = 16000
export const splitCodes = { train: 0, validation: 1, test: 2 } as const
export type SplitName = keyof typeof splitCodes

export interface AudioFile {
  /** its path relative to the imported folder, with '/' separators */
  name: string
  bytes: Uint8Array
}

export interface LabelRules {
  positive: readonly string[]
  negative: readonly string[]
  /** every label that is not positive is negative (public keyword corpora: one folder per word) */
  othersNegative: boolean
}

/** One file's outcome: imported as sample `sample`, or skipped with the reason. */
export interface FileOutcome {
  file: string
  label: string | null
  sample: number | null
  reason: string | null
  seconds: number | null
}

interface Entry {
  file: string
  label: string
  split: string | null
  speaker: string | null
}

/** Lines end in LF, CRLF, or a lone CR (spreadsheets' "CSV (Macintosh)"). */
const lineBreak = /\r\n|\r|\n/

/** What is wrong with a manifest's header line (it must name the columns file and label), or null. */
export function manifestHeaderProblem(text: string): string | null {
  try {
    parseManifest(text.split(lineBreak, 1)[0] ?? '')
    return null
  } catch (err) {
    if (err instanceof WavError) return err.message
    throw err
  }
}

/** A manifest's rows: a header naming file and label (split, speaker optional), comma-separated, quotes allowed. */
export function parseManifest(text: string): { rows: Entry[]; problems: { file: string; reason: string }[] } {
  const lines = text.replace(/^\uFEFF/, '').split(lineBreak)
  /** a line's cells, or null when a quote is left open */
  const cells = (line: string): string[] | null => {
    const out: string[] = []
    let cur = '', quoted = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i]
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++
        else if (c === '"') quoted = false
        else cur += c
      } else if (c === '"') quoted = true
      else if (c === ',') out.push(cur.trim()), (cur = '')
      else cur += c
    }
    out.push(cur.trim())
    return quoted ? null : out
  }
  const header = (cells(lines[0] ?? '') ?? []).map((h) => h.toLowerCase())
  const col = (n: string): number => header.indexOf(n)
  if (col('file') < 0 || col('label') < 0)
    throw new WavError(`the manifest's first line must name the columns file and label (optionally split and speaker) but is "${lines[0] ?? ''}"`)
  const rows: Entry[] = []
  const problems: { file: string; reason: string }[] = []
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return
    const c = cells(line)
    if (c === null) return void problems.push({ file: `manifest line ${i + 2}`, reason: 'a quote (") is opened but not closed on the line: close it, or double it ("") inside a quoted name' })
    const file = (c[col('file')] ?? '').replace(/\\/g, '/').replace(/^\.\//, '')
    if (!file) return void problems.push({ file: `manifest line ${i + 2}`, reason: 'the file column is empty' })
    rows.push({ file, label: c[col('label')] ?? '', split: col('split') >= 0 ? c[col('split')] || null : null, speaker: col('speaker') >= 0 ? c[col('speaker')] || null : null })
  })
  return { rows, problems }
}

/** The files to import with their labels, and the files left out with the reason. */
export function planImport(files: readonly AudioFile[], manifest: string | null): { entries: Entry[]; skipped: { file: string; label: string | null; reason: string }[] } {
  const skipped: { file: string; label: string | null; reason: string }[] = []
  const entries: Entry[] = []
  if (manifest !== null) {
    const { rows, problems } = parseManifest(manifest)
    for (const p of problems) skipped.push({ ...p, label: null })
    const present = new Set(files.map((f) => f.name))
    const listed = new Set<string>()
    for (const r of rows) {
      if (listed.has(r.file)) {
        skipped.push({ file: r.file, label: r.label, reason: 'listed twice in the manifest (the first row is used)' })
        continue
      }
      listed.add(r.file)
      if (!present.has(r.file)) skipped.push({ file: r.file, label: r.label, reason: 'listed in the manifest but not in the folder' })
      else entries.push(r)
    }
    for (const f of files) if (!listed.has(f.name)) skipped.push({ file: f.name, label: null, reason: 'not listed in the manifest' })
  } else {
    for (const f of files) {
      const parts = f.name.split('/')
      if (parts.length < 2) skipped.push({ file: f.name, label: null, reason: 'not inside a label folder (without a manifest, each label is a folder)' })
      else entries.push({ file: f.name, label: parts[0], split: null, speaker: null })
    }
  }
  return { entries, skipped }
}

export interface ImportedAudio {
  samples: number
  inputs: Float32Array
  targets: Float32Array
  labels: Int8Array
  /** [samples, 5 s at 16 kHz] as 16-bit integers, to listen to */
  audio: Int16Array
  /** per sample: 0 train, 1 validation, 2 test, −1 not given */
  split: Int8Array
  /** per sample: index into `speakers`, −1 not given */
  speaker: Int32Array
  speakers: string[]
  outcomes: FileOutcome[]
  /** files longer than the sample and cut */
  cut: number
}

/** Imports the planned files: decode, 5 s, front end, target. `onFile(i, n)` reports progress; `run` cancels. */
export async function importAudio(
  files: readonly AudioFile[],
  manifest: string | null,
  rules: LabelRules,
  onFile: (done: number, total: number) => void,
  run: RunOptions = {},
): Promise<ImportedAudio> {
  const { entries, skipped } = planImport(files, manifest)
  const byName = new Map(files.map((f) => [f.name, f]))
  const T = wakePhraseSteps, B = wakePhraseBands, A = (audioRateHz * T) / 1000
  const outcomes: FileOutcome[] = skipped.map((s) => ({ file: s.file, label: s.label, sample: null, reason: s.reason, seconds: null }))
  const inputs: Float32Array[] = [], targets: Float32Array[] = [], audio: Int16Array[] = []
  const labels: number[] = [], split: number[] = [], speaker: number[] = []
  const speakers: string[] = []
  let cut = 0
  const pos = new Set(rules.positive), neg = new Set(rules.negative)
  for (let i = 0; i < entries.length; i++) {
    onFile(i, entries.length)
    const e = entries[i]
    const skip = (reason: string, seconds: number | null = null): void => void outcomes.push({ file: e.file, label: e.label, sample: null, reason, seconds })
    const label = pos.has(e.label) ? 1 : neg.has(e.label) || (rules.othersNegative && !pos.has(e.label)) ? -1 : 0
    if (label === 0) {
      skip(`label "${e.label}" is neither positive (${rules.positive.join(', ')}) nor negative (${rules.negative.join(', ')}): fix the label, or name it with --positive or --negative (or --others-negative)`)
      continue
    }
    if (e.split !== null && !Object.hasOwn(splitCodes, e.split)) {
      skip(`split "${e.split}" must be train, validation or test (or left empty)`)
      continue
    }
    let wav
    try {
      // the first 5 s and a second more: the resampler's filter reaches far less than a second past them
      wav = decodeWav(byName.get(e.file)!.bytes, { maxSeconds: A / audioRateHz + 1 })
    } catch (err) {
      if (!(err instanceof WavError)) throw err
      skip(err.message)
      continue
    }
    const seconds = wav.seconds
    const at16k = wav.sampleRateHz === audioRateHz ? wav.samples : await audioResample(wav.samples, { fromHz: wav.sampleRateHz, toHz: audioRateHz }, run)
    const clip = new Float32Array(A)
    clip.set(at16k.subarray(0, A))
    if (at16k.length > A) cut++
    const f = await audioFeatures(clip, { sampleRateHz: audioRateHz }, run)
    const x = f.features.subarray(0, T * B)
    // the phrase ends where the speech ends (within the part kept)
    const speechEnd = speechEndStep(x, T, B)
    inputs.push(Float32Array.from(x))
    targets.push(wakePhraseTarget(T, label > 0, speechEnd))
    const a16 = new Int16Array(A)
    for (let k = 0; k < A; k++) a16[k] = Math.max(-32768, Math.min(32767, Math.round(clip[k] * 32767)))
    audio.push(a16)
    labels.push(label)
    split.push(e.split === null ? -1 : splitCodes[e.split as SplitName])
    if (e.speaker === null) speaker.push(-1)
    else {
      let k = speakers.indexOf(e.speaker)
      if (k < 0) k = speakers.push(e.speaker) - 1
      speaker.push(k)
    }
    outcomes.push({ file: e.file, label: e.label, sample: labels.length - 1, reason: null, seconds })
  }
  onFile(entries.length, entries.length)
  const S = labels.length
  const cat = <X extends Float32Array | Int16Array>(parts: X[], make: (n: number) => X, width: number): X => {
    const out = make(S * width)
    parts.forEach((p, i) => out.set(p, i * width))
    return out
  }
  return {
    samples: S,
    inputs: cat(inputs, (n) => new Float32Array(n), T * B),
    targets: cat(targets, (n) => new Float32Array(n), T),
    labels: Int8Array.from(labels),
    audio: cat(audio, (n) => new Int16Array(n), A),
    split: Int8Array.from(split),
    speaker: Int32Array.from(speaker),
    speakers,
    outcomes,
    cut,
  }
}

/** The files of an upload run (`datasets.uploadAudio`): names, bytes, and the manifest and folder it was sent with. */
export function uploadedFiles(store: Store, id: number): { files: AudioFile[]; manifest: string | null; folder: string | null } {
  const run = store.runs.get(id)
  if (run.kind !== 'upload') throw new Error(`run ${id} is ${article(run.kind)} ${run.kind} run, not an upload of audio files`)
  const names = run.params.files as string[]
  const bytes = store.artifacts.get(id, 'files.bytes').data as Uint8Array
  const offsets = store.artifacts.get(id, 'files.offsets').data as Float64Array
  const files = names.map((name, i) => ({ name, bytes: bytes.subarray(offsets[i], offsets[i + 1]) }))
  return { files, manifest: typeof run.params.manifest === 'string' ? run.params.manifest : null, folder: typeof run.params.folder === 'string' ? run.params.folder : null }
}

/**
 * Noise recordings for the offline corpus (docs/method.md §2.2): every WAV file of an upload, decoded
 * to mono at 16 kHz. A file that cannot be decoded or is silent stops the job with its name and the
 * reason (a corpus silently made without one of the user's noises would not be the one asked for).
 */
export async function noiseRecordings(files: AudioFile[], run: RunOptions = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = []
  for (const f of files) {
    let wav
    try {
      wav = decodeWav(f.bytes)
    } catch (err) {
      throw new Error(`noise file ${f.name}: ${err instanceof WavError ? err.message : String(err)}; give WAV files (any rate, mono or stereo, PCM or float)`)
    }
    const s = wav.sampleRateHz === audioRateHz ? wav.samples : await audioResample(wav.samples, { fromHz: wav.sampleRateHz, toHz: audioRateHz }, run)
    let power = 0
    for (const v of s) power += v * v
    if (s.length === 0 || power === 0) throw new Error(`noise file ${f.name} is silent: its samples are all zero`)
    out.push(s)
  }
  if (out.length === 0) throw new Error('the noise upload holds no files')
  return out
}
