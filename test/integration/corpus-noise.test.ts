// The offline corpus with the user's noise recordings (`mimic data generate wake-phrase --noise-dir
// DIR`, docs/method.md §2.2), through the real command line, worker, speech synthesis and addon: the
// folder is sent as an upload run (a parent of the dataset), each sample's background is a stretch of
// one recording at the sample's SNR; a folder with a file that is not a WAV fails naming the file.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'
import { toneWav } from '../support/wav.ts'

afterAll(cleanupTemp)

/** 1 s of a pure tone at `hz`, 16-bit PCM at 8 kHz (resampled to 16 kHz by the job). */
const tone = (hz: number): Uint8Array => toneWav(hz, { amplitude: 8000 })

/** The share of a stretch's energy at `hz` (projection on sin and cos; 1 for a pure tone of a whole number of periods). */
function shareAt(x: Float64Array, hz: number, rate: number): number {
  let s = 0, c = 0, e = 0
  for (let i = 0; i < x.length; i++) {
    s += x[i] * Math.sin((2 * Math.PI * hz * i) / rate)
    c += x[i] * Math.cos((2 * Math.PI * hz * i) / rate)
    e += x[i] * x[i]
  }
  return (2 * (s * s + c * c)) / x.length / e
}

describe('the offline corpus with noise recordings', () => {
  it('mixes a stretch of the user’s recording in every sample, the upload a parent of the dataset', () => {
    const db = tempDb()
    const dir = tempDir('noise-')
    writeFileSync(join(dir, 'hum.wav'), tone(500))
    const r = mimic(['--db', db, '--json', 'projects', 'create', 'noise'])
    expect(r.code, r.stderr).toBe(0)
    const g = mimic(['--db', db, '--json', 'data', 'generate', 'wake-phrase', '--project', '1', '--count', '3', '--seed', '2', '--snr-db', '0', '--snr-db-max', '6', '--noise-dir', dir], { timeoutMs: 180_000 })
    expect(g.code, g.stderr).toBe(0)
    const out = JSON.parse(g.stdout) as { runId: number }
    const store = openStore(db)
    try {
      const run = store.runs.get(out.runId)
      expect(run.params).toMatchObject({ task: 'wake-phrase', snrDb: 0, snrDbMax: 6 })
      const parents = store.runs.parents(run.id)
      const noise = parents.find((p) => p.role === 'noise')
      expect(noise).toBeDefined()
      expect(store.runs.get(noise!.id)).toMatchObject({ kind: 'upload', params: { files: ['hum.wav'] } })
      const audio = store.artifacts.get(run.id, 'audio')
      expect(audio.shape).toEqual([3, 80000])
      const a = audio.data as Int16Array
      for (let i = 0; i < 3; i++) {
        // before the speech (it starts 0.2 s in at the earliest) the sample is the recording alone: the 500 Hz hum
        const head = Float64Array.from(a.subarray(i * 80000, i * 80000 + 3000))
        expect(shareAt(head, 500, 16000), `sample ${i}`).toBeGreaterThan(0.95)
      }
    } finally {
      store.close()
    }
  }, 240_000)

  it('fails naming a file of the folder that is not a WAV, and stores no dataset', () => {
    const db = tempDb()
    const dir = tempDir('noise-bad-')
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'sub', 'notes.txt'), 'not audio')
    writeFileSync(join(dir, 'hum.wav'), tone(500))
    expect(mimic(['--db', db, 'projects', 'create', 'noise']).code).toBe(0)
    const g = mimic(['--db', db, 'data', 'generate', 'wake-phrase', '--project', '1', '--count', '2', '--noise-dir', dir], { timeoutMs: 120_000 })
    expect(g.code).not.toBe(0)
    expect(g.stderr).toMatch(/noise file sub\/notes\.txt: .*give WAV files/)
    const missing = mimic(['--db', db, 'data', 'generate', 'wake-phrase', '--project', '1', '--count', '2', '--noise-dir', join(dir, 'nope')])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/--noise-dir: .*nope cannot be read \(ENOENT\)/)
    const store = openStore(db)
    try {
      expect(store.runs.list({ kind: 'dataset' }).filter((r) => r.status === 'succeeded')).toEqual([])
    } finally {
      store.close()
    }
  }, 180_000)
})
