// `mimic data import audio` (docs/method.md §2.2) through the real command line, on generated folders
// of good and bad WAV files: rates, channels and sample formats; a manifest with splits and speakers,
// and the folder-per-label layout; every file that cannot be used is listed with its reason.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import wavefile from 'wavefile'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { scaledFeatures } from '../support/datasets.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'
import { numberedWavs, recordingsFolder } from '../support/wav.ts'

afterAll(cleanupTemp)

/** A WAV file: a 1 kHz tone ("speech") from `from` to `to` seconds in `seconds` of quiet noise, as the given format. */
function wav(rate: number, bitDepth: string, channels: number, seconds: number, from: number, to: number): Uint8Array {
  const n = Math.round(seconds * rate)
  const full = bitDepth === '8' ? 127 : bitDepth.endsWith('f') || bitDepth === '64' ? 1 : 2 ** (Number(bitDepth) - 1) - 1
  const offset = bitDepth === '8' ? 128 : 0
  let u = 7
  const chans = Array.from({ length: channels }, () => {
    const c: number[] = []
    for (let i = 0; i < n; i++) {
      u = (u * 1103515245 + 12345) % 2 ** 31
      const t = i / rate
      const v = (t >= from && t < to ? 0.5 * Math.sin(2 * Math.PI * 1000 * t) : 0) + 0.002 * (u / 2 ** 31 - 0.5)
      c.push(bitDepth.endsWith('f') || bitDepth === '64' ? v : Math.round(v * full) + offset)
    }
    return c
  })
  const w = new wavefile.WaveFile()
  w.fromScratch(channels, rate, bitDepth, channels === 1 ? chans[0] : chans)
  return w.toBuffer()
}

function readDataset(db: string, runId: number) {
  const store = openStore(db)
  try {
    const run = store.runs.get(runId)
    const get = (name: string) => store.artifacts.get(runId, name)
    return {
      run,
      inputs: get('inputs'),
      targets: get('targets'),
      labels: get('labels'),
      audio: get('audio'),
      split: get('split'),
      speaker: get('speaker'),
      notes: store.runs.notes(runId).map((n) => n.body),
      results: store.results.query({ runId }),
      parents: store.runs.parents(runId),
    }
  } finally {
    store.close()
  }
}

describe('mimic data import audio', () => {
  const db = tempDb()
  const project = mimicJson<{ id: number }>(['projects', 'create', 'Wake'], { db }).id

  it('a folder with a manifest: any rate, mono or stereo, 8/16/24/32-bit PCM or float; bad files listed with the reason', () => {
    const dir = tempDir()
    const files: Record<string, Uint8Array | string> = {
      'a/pos16k.wav': wav(16000, '16', 1, 3, 1, 2),
      'a/pos44k-stereo24.wav': wav(44100, '24', 2, 3, 1.5, 2.5),
      'neg8k8bit.wav': wav(8000, '8', 1, 2, 0.5, 1),
      'neg48k-float.wav': wav(48000, '32f', 1, 2, 0.2, 0.4),
      'neg22k-32bit.wav': wav(22050, '32', 2, 1, 0.1, 0.3),
      'long-64f.wav': wav(16000, '64', 1, 7, 6, 6.5),
      'empty.wav': new Uint8Array(0),
      'text.wav': 'hello, not audio',
      'nosamples.wav': wav(16000, '16', 1, 0, 0, 0),
      'maybe.wav': wav(16000, '16', 1, 1, 0, 0.5),
      'badsplit.wav': wav(16000, '16', 1, 1, 0, 0.5),
      'unlisted.wav': wav(16000, '16', 1, 1, 0, 0.5),
    }
    mkdirSync(join(dir, 'a'))
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data)
    const manifest = join(dir, 'manifest.csv')
    writeFileSync(
      manifest,
      [
        'file,label,split,speaker',
        'a/pos16k.wav,positive,train,ann',
        'a/pos44k-stereo24.wav,keyword,validation,bob',
        'neg8k8bit.wav,negative,test,ann',
        'neg48k-float.wav,other,,',
        'neg22k-32bit.wav,0,train,cid',
        '"long-64f.wav",1,test,bob',
        'empty.wav,positive,train,x',
        'text.wav,negative,train,x',
        'nosamples.wav,negative,train,x',
        'maybe.wav,maybe,train,x',
        'badsplit.wav,negative,holdout,x',
        'missing.wav,positive,train,x',
      ].join('\n'),
    )
    const out = mimicJson<{ runId: number; samples: number; positive: number; negative: number; skipped: number; cut: number; notes: string[] }>(['data', 'import', 'audio', '--project', String(project), '--dir', dir, '--manifest', manifest], { db })
    expect(out).toMatchObject({ samples: 6, positive: 3, negative: 3, skipped: 7, cut: 1 })
    const d = readDataset(db, out.runId)
    expect(d.run.kind).toBe('dataset')
    expect(d.run.params.task).toBe('wake-phrase')
    expect(d.inputs.shape).toEqual([6, 5000, 16])
    expect(d.targets.shape).toEqual([6, 5000, 1])
    expect(d.audio.dtype).toBe('int16')
    expect(d.audio.shape).toEqual([6, 80000])
    expect([...(d.labels.data as Int8Array)]).toEqual([1, 1, -1, -1, -1, 1])
    expect([...(d.split.data as Int8Array)]).toEqual([0, 1, 2, -1, 0, 2])
    expect([...(d.speaker.data as Int32Array)]).toEqual([0, 1, 0, -1, 2, 1])
    // the upload run is the dataset's parent
    expect(d.parents.map((p) => p.role)).toContain('upload')
    // each skipped file with its reason, in the note and as a result item
    const note = d.notes.join('\n')
    for (const [file, reason] of [
      ['empty.wav', /the file is empty/],
      ['text.wav', /not a readable WAV file/],
      ['nosamples.wav', /the file holds no samples/],
      ['maybe.wav', /label "maybe" is neither positive/],
      ['badsplit.wav', /split "holdout" must be train, validation or test/],
      ['missing.wav', /listed in the manifest but not in the folder/],
      ['unlisted.wav', /not listed in the manifest/],
    ] as const) {
      expect(note).toMatch(new RegExp(`${file.replace('.', '\\.')}: ${reason.source}`))
      const item = d.results.rows.find((x) => x.labels.file === file)
      expect(item?.labels.outcome, file).toBe('skipped')
      expect(String(item?.labels.reason)).toMatch(reason)
    }
    const imported = d.results.rows.filter((x) => x.key === 'sample' && x.labels.outcome === 'imported')
    expect(imported.map((x) => x.value)).toEqual([0, 1, 2, 3, 4, 5])
    expect(d.results.rows.filter((x) => x.key === 'imported')).toHaveLength(13)
    // the stored audio at 16 kHz: the 16 kHz positive's tone sits at 1-2 s
    const audio = d.audio.data as Int16Array
    const rms = (s: number, a: number, b: number): number => {
      let e = 0
      for (let i = a * 16000; i < b * 16000; i++) e += (audio[s * 80000 + i] / 32767) ** 2
      return Math.sqrt(e / ((b - a) * 16000))
    }
    expect(rms(0, 1.1, 1.9)).toBeCloseTo(0.5 / Math.SQRT2, 2)
    expect(rms(0, 3, 5)).toBeLessThan(0.01)
    // the stereo 44.1 kHz 24-bit file, resampled: its tone at 1.5-2.5 s
    expect(rms(1, 1.6, 2.4)).toBeCloseTo(0.5 / Math.SQRT2, 2)
    // the features: the band nearest 1 kHz is loud during the tone, quiet after it
    const x = d.inputs.data as Float32Array
    const band = (s: number, b: number, t0: number, t1: number): number => {
      let m = 0
      for (let t = t0; t < t1; t++) m += x[(s * 5000 + t) * 16 + b]
      return m / (t1 - t0)
    }
    const loud = Array.from({ length: 16 }, (_, b) => band(0, b, 1200, 1800))
    const best = loud.indexOf(Math.max(...loud))
    expect(band(0, best, 1200, 1800)).toBeGreaterThan(100 * band(0, best, 3000, 4000))
    // targets: the bump after the speech ends (about step 2000) for positives, 0 for negatives
    const y = d.targets.data as Float32Array
    const peak = (s: number): number => Math.max(...y.subarray(s * 5000, (s + 1) * 5000))
    expect(peak(0)).toBe(1)
    expect(peak(2)).toBe(0)
    const rise = y.subarray(0, 5000).findIndex((v) => v > 0)
    expect(rise).toBeGreaterThan(1950)
    expect(rise).toBeLessThan(2100)
    // the text output lists them too
    const text = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', dir, '--manifest', manifest])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/imported 6 recordings \(3 positive, 3 negative\), skipped 7/)
    expect(text.stdout).toMatch(/maybe\.wav: label "maybe" is neither positive/)
  })

  it('one folder per label (public keyword corpora), with --positive and --others-negative', () => {
    const dir = tempDir()
    for (const f of ['hey_snips', 'yes', 'no', '_background_noise_']) mkdirSync(join(dir, f))
    writeFileSync(join(dir, 'hey_snips', '1.wav'), wav(16000, '16', 1, 1, 0.2, 0.6))
    writeFileSync(join(dir, 'hey_snips', '2.wav'), wav(16000, '16', 1, 1, 0.3, 0.7))
    writeFileSync(join(dir, 'yes', '1.wav'), wav(16000, '16', 1, 1, 0.2, 0.6))
    writeFileSync(join(dir, 'no', '1.wav'), wav(16000, '16', 1, 1, 0.2, 0.6))
    writeFileSync(join(dir, 'README.txt'), 'about this corpus')
    const strict = mimicJson<{ notes: string[] }>(['data', 'import', 'audio', '--project', String(project), '--dir', dir, '--positive', 'hey_snips', '--negative', 'yes,no'], { db })
    expect(strict).toMatchObject({ samples: 4, positive: 2, negative: 2, skipped: 1 })
    expect(strict.notes.join('\n')).toMatch(/README\.txt: not inside a label folder/)
    const others = mimicJson(['data', 'import', 'audio', '--project', String(project), '--dir', dir, '--positive', 'hey_snips', '--others-negative'], { db })
    expect(others).toMatchObject({ samples: 4, positive: 2, negative: 2 })
    // without naming the labels: none is positive or negative, so nothing can be imported, and it says why
    const none = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', dir])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/none of the 5 files could be imported: .*label "hey_snips" is neither positive/)
  })

  it('--feature-scaling standardise stores the envelopes standardised per band over the training split, with the statistics', () => {
    const dir = recordingsFolder(tempDir(), {
      positive: numberedWavs('', 3, (i) => wav(16000, '16', 1, 1, 0.2 + 0.1 * i, 0.6)),
      negative: numberedWavs('', 3, (i) => wav(16000, '16', 1, 1, 0.1 * i, 0.4)),
    })
    const imported = (flags: string[]) => mimicJson<{ runId: number }>(['data', 'import', 'audio', '--project', String(project), '--dir', dir, ...flags], { db }).runId
    const raw = imported([])
    const scaled = imported(['--feature-scaling', 'standardise'])
    const bad = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', dir, '--feature-scaling', 'log'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--feature-scaling must be one of none, standardise/)
    const store = openStore(db)
    try {
      expect(store.runs.get(raw).params).toMatchObject({ featureScaling: 'none' })
      expect(store.runs.get(scaled).params).toMatchObject({ featureScaling: 'standardise' })
      expect(store.artifacts.find(raw, 'featureStd')).toBeFalsy()
      const { x, z, mean, std } = scaledFeatures(store, raw, scaled)
      expect(std.length).toBe(16)
      let differ = 0
      for (let k = 0; k < x.length; k += 101) {
        expect(z[k] * std[k % 16] + mean[k % 16]).toBeCloseTo(x[k], 5)
        if (Math.abs(z[k] - x[k]) > 1e-3) differ++
      }
      expect(differ).toBeGreaterThan(100)
    } finally {
      store.close()
    }
  })

  it('usage errors name the flag', () => {
    const missing = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', join(tempDir(), 'nope')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--dir: .*nope cannot be read \(ENOENT\)/)
    const empty = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', tempDir()])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/--dir: .* holds no files/)
    const dir = tempDir()
    writeFileSync(join(dir, 'x.wav'), wav(16000, '16', 1, 1, 0, 0.5))
    const both = mimic(['--db', db, 'data', 'import', 'audio', '--project', String(project), '--dir', dir, '--positive', 'a', '--negative', 'a,b'])
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/Negative labels also names "a", which --positive names/)
    // refused before anything is stored: the upload run is gone again
    const store = openStore(db)
    try {
      expect(store.runs.list({ projectId: project }).filter((r) => r.kind === 'upload' && r.params.folder === dir.split('/').pop())).toEqual([])
    } finally {
      store.close()
    }
  })
})
