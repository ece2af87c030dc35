// `mimic data generate wake-phrase` (docs/method.md §2.2) at reduced size through the real command
// line and the real speech engine process: shapes, balanced classes, splits with disjoint voice sets,
// the stored audio, targets after the speech, and the same corpus for the same seed.
import { afterAll, describe, expect, it } from 'vitest'
import { taskImpls } from '../../src/plugins/tasks/index.ts'
import { splitOf, voicesBySplit, wakePhraseBands, wakePhraseSteps } from '../../src/plugins/tasks/wake-phrase.ts'
import { openStore } from '../../src/store/index.ts'
import { scaledFeatures } from '../support/datasets.ts'
import { mimic, mimicJson, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('the offline wake-phrase corpus', () => {
  it('splits: 60/20/20 of the samples, disjoint voice sets fixed by the seed', () => {
    expect(Array.from({ length: 10 }, (_, i) => splitOf(i, 10))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    const [train, val, test] = voicesBySplit(5)
    expect(train.length + val.length + test.length).toBe(8 * 24)
    for (const v of val) expect(train).not.toContain(v)
    for (const v of test) expect([...train, ...val]).not.toContain(v)
    expect(voicesBySplit(5)).toEqual([train, val, test])
    expect(voicesBySplit(6)[0]).not.toEqual(train)
  })

  it('data generate wake-phrase: 5 s samples of speech in noise with features, targets, audio; deterministic for a seed', () => {
    const db = tempDb()
    const project = mimicJson<{ id: number }>(['projects', 'create', 'Wake'], { db }).id
    const ids = [1, 2].map(() => mimicJson<{ id: number }>(['data', 'generate', 'wake-phrase', '--project', String(project), '--count', '4', '--seed', '11', '--snr-db', '10'], { db }).id)
    const store = openStore(db)
    try {
      const get = (id: number, name: string) => store.artifacts.get(id, name)
      expect(store.runs.get(ids[0]).params).toMatchObject({ task: 'wake-phrase', phrase: 'hey snips', snrDb: 10, closeNegatives: 0.2 })
      // no field of another task's generator (XOR's sample duration and step) is recorded
      expect(store.runs.get(ids[0]).params).not.toHaveProperty('durationS')
      expect(store.runs.get(ids[0]).params).not.toHaveProperty('dtMs')
      expect(get(ids[0], 'inputs').shape).toEqual([4, wakePhraseSteps, wakePhraseBands])
      expect(get(ids[0], 'audio').shape).toEqual([4, 80000])
      expect([...(get(ids[0], 'labels').data as Int8Array)]).toEqual([1, -1, 1, -1])
      expect([...(get(ids[0], 'split').data as Int8Array)]).toEqual([0, 0, 1, 2])
      // the speaker of each sample is a voice of its split's set
      const sets = voicesBySplit(11)
      const all = sets.flat()
      const speakers = [...(get(ids[0], 'speaker').data as Int32Array)]
      speakers.forEach((s, i) => expect(sets[splitOf(i, 4)]).toContain(all[s]))
      // the same seed gives the same corpus, bit for bit
      for (const name of ['inputs', 'targets', 'audio', 'speaker']) {
        const a = get(ids[0], name).data, b = get(ids[1], name).data
        expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), name).toBe(true)
      }
      const audio = get(ids[0], 'audio').data as Int16Array
      const y = get(ids[0], 'targets').data as Float32Array
      for (let i = 0; i < 4; i++) {
        let peak = 0
        for (let k = 0; k < 80000; k++) peak = Math.max(peak, Math.abs(audio[i * 80000 + k]) / 32767)
        // speech at peak 0.5 plus noise 10 dB below it
        expect(peak).toBeGreaterThan(0.4)
        expect(peak).toBeLessThan(1)
        const t = y.subarray(i * wakePhraseSteps, (i + 1) * wakePhraseSteps)
        const top = Math.max(...t)
        if (i % 2 === 0) {
          expect(top).toBe(1)
          // the bump lies within the sample and stays above 0.5 for about 0.7 s
          expect(t.filter((v) => v > 0.5).length).toBeGreaterThan(650)
          expect(t.filter((v) => v > 0.5).length).toBeLessThan(750)
        } else expect(top).toBe(0)
      }
    } finally {
      store.close()
    }
  })

  it('--feature-scaling standardise: per band, zero mean and unit deviation over the training split, the statistics stored; --close-negatives sets the share of close negatives', () => {
    const db = tempDb()
    const project = mimicJson<{ id: number }>(['projects', 'create', 'Wake'], { db }).id
    const generate = (flags: string[]) => mimicJson<{ id: number }>(['data', 'generate', 'wake-phrase', '--project', String(project), '--count', '6', '--seed', '3', ...flags], { db }).id
    const raw = generate([])
    const scaled = generate(['--feature-scaling', 'standardise'])
    const allClose = generate(['--close-negatives', '1'])
    const noClose = generate(['--close-negatives', '0'])
    const store = openStore(db)
    try {
      expect(store.runs.get(raw).params).toMatchObject({ featureScaling: 'none', closeNegatives: 0.2 })
      expect(store.runs.get(scaled).params).toMatchObject({ featureScaling: 'standardise' })
      expect(store.artifacts.find(raw, 'featureMean')).toBeFalsy()
      const { x, z, mean, std } = scaledFeatures(store, raw, scaled)
      expect(mean.length).toBe(wakePhraseBands)
      expect(std.length).toBe(wakePhraseBands)
      const split = store.artifacts.get(scaled, 'split').data as Int8Array
      const T = wakePhraseSteps, B = wakePhraseBands
      for (let b = 0; b < B; b++) {
        let sum = 0, sq = 0, n = 0
        for (let i = 0; i < 6; i++) {
          if (split[i] !== 0) continue
          for (let t = 0; t < T; t++) {
            const v = z[(i * T + t) * B + b]
            sum += v
            sq += v * v
            n++
          }
        }
        expect(Math.abs(sum / n)).toBeLessThan(1e-4)
        expect(Math.sqrt(sq / n - (sum / n) ** 2)).toBeCloseTo(1, 3)
        expect(std[b]).toBeGreaterThan(0)
      }
      // the stored statistics map the scaled inputs back to the envelopes, every split alike
      for (let k = 0; k < x.length; k += 997) expect(z[k] * std[k % B] + mean[k % B]).toBeCloseTo(x[k], 5)
      // what the negatives speak: close ones only, none of them
      const kinds = (id: number) => [...(store.artifacts.get(id, 'phraseKind').data as Int8Array)]
      expect(kinds(allClose)).toEqual([0, 1, 0, 1, 0, 1])
      expect(kinds(noClose)).toEqual([0, 2, 0, 2, 0, 2])
    } finally {
      store.close()
    }
  })

  it('the trainers without a dataset of it are refused before storing anything', () => {
    const db = tempDb()
    const project = mimicJson<{ id: number }>(['projects', 'create', 'Wake'], { db }).id
    // (a refused flag exits 2 as a usage error)
    const teacher = mimic(['--db', db, 'train', 'teacher', '--task', 'wake-phrase', '--project', String(project)])
    expect(teacher.code).toBe(2)
    expect(teacher.stderr).toMatch(/is Wake phrase, which has no native stream of fresh training samples: give a dataset of it \(--data DATASET_RUN/)
    // the baselines take the wake phrase from a dataset (test/integration/baselines-wake.test.ts), not without one
    const force = mimic(['--db', db, 'train', 'force', '--task', 'wake-phrase', '--project', String(project)])
    expect(force.code).toBe(2)
    expect(force.stderr).toMatch(/is required for the task Wake phrase, which has no stream of fresh samples/)
    expect(mimic(['--db', db, 'runs', 'list']).stdout).toMatch(/no runs/)
  })

  it('makes the same corpus whatever the number of speech engines side by side (the cores the job has)', async () => {
    const generate = taskImpls['wake-phrase'].generate!
    const params = { count: 6, seed: 12, closeNegatives: 0.5 }
    const one = await generate(params, {}, { threads: 1 })
    const three = await generate(params, {}, { threads: 3 })
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
    expect(bytes(three.inputs).equals(bytes(one.inputs))).toBe(true)
    expect(bytes(three.targets).equals(bytes(one.targets))).toBe(true)
    for (const e of one.extras!) expect(bytes(three.extras!.find((x) => x.name === e.name)!.data).equals(bytes(e.data)), e.name).toBe(true)
  })

  it('reports progress per sample and is cancelled between samples', async () => {
    const db = tempDb()
    const project = mimicJson<{ id: number }>(['projects', 'create', 'Wake'], { db }).id
    const child = spawnMimic(['--db', db, 'data', 'generate', 'wake-phrase', '--project', String(project), '--count', '200', '--seed', '2'])
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    // wait for progress past the first samples
    let job: { runId: number; progress: { fraction: number; message: string } } | undefined
    for (let i = 0; i < 600 && !(job && job.progress.fraction > 0); i++) {
      await new Promise((r) => setTimeout(r, 200))
      const jobs = mimicJson<{ runId: number; progress: { fraction: number; message: string } }[]>(['jobs', 'list'], { db })
      job = jobs[0]
    }
    expect(job!.progress.message).toMatch(/^drew \d+ of 200 samples$/)
    expect(mimic(['--db', db, 'jobs', 'cancel', String(job!.runId)]).code).toBe(0)
    expect(await exited).toBe(130)
    const run = mimicJson<{ status: string; artifacts: unknown[] }>(['runs', 'show', String(job!.runId)], { db })
    expect(run.status).toBe('cancelled')
    expect(run.artifacts).toEqual([])
  })
})
