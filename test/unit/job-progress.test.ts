// A job's progress reports as its worker sends them: thinned to about ten a second, with the newest
// report thinned out sent at the end of its tenth of a second (not lost before a silent phase).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AdsTrainer, initTeacher } from '../../native/index.ts'
import { JobContext } from '../../src/jobs/context.ts'
import { drawSamples } from '../../src/jobs/samples.ts'
import { timeLeft } from '../../src/jobs/runner.ts'
import { taskImpls } from '../../src/plugins/tasks/index.ts'
import type { FromWorker } from '../../src/jobs/protocol.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

let store: Store
let sent: Array<{ fraction: number; message: string; at: number }>
let ctx: JobContext
beforeEach(() => {
  store = openStore(tempDb())
  const p = store.projects.create('Lab')
  const run = store.runs.create({ projectId: p.id, kind: 'dataset', name: 'r', params: {}, seed: 1, codeVersion: 'v', host: 'h' })
  sent = []
  const post = (m: FromWorker): void => {
    if (m.t === 'progress') sent.push({ fraction: m.fraction, message: m.message, at: Date.now() })
  }
  ctx = new JobContext(run, store, new AbortController().signal, post, 0)
})
afterEach(() => {
  ctx.dropHeldProgress()
  store.close()
  cleanupTemp()
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('job progress', () => {
  it('sends the first report at once and the newest of those thinned out at the end of the tenth of a second', async () => {
    const t0 = Date.now()
    ctx.progress(0.1, 'a')
    ctx.progress(0.2, 'b')
    ctx.progress(0.3, 'c')
    expect(sent.map((s) => s.message)).toEqual(['a'])
    await sleep(150)
    expect(sent.map((s) => [s.fraction, s.message])).toEqual([
      [0.1, 'a'],
      [0.3, 'c'],
    ])
    expect(sent[1].at - t0).toBeGreaterThanOrEqual(95)
    // nothing more comes: the held report went once
    await sleep(150)
    expect(sent).toHaveLength(2)
  })

  it('a forced report goes at once and drops the one held', async () => {
    ctx.progress(0.1, 'a')
    ctx.progress(0.2, 'thinned')
    ctx.progress(0.5, 'epoch done', true)
    expect(sent.map((s) => s.message)).toEqual(['a', 'epoch done'])
    await sleep(150)
    expect(sent.map((s) => s.message)).toEqual(['a', 'epoch done'])
  })

  it('the contexts of a pipeline\'s stages share one thinning, so an older stage\'s report never follows a newer one', async () => {
    const first = ctx.scoped(0, 0.5)
    const second = ctx.scoped(0.5, 0.5)
    first.progress(0.5, 'first stage')
    first.progress(1 - 1e-9, 'first stage, nearly done')
    second.progress(0.2, 'second stage')
    await sleep(150)
    expect(sent.map((s) => s.message)).toEqual(['first stage', 'second stage'])
    expect(sent[1].fraction).toBeCloseTo(0.6, 9)
  })

  it('a report held when the job ends is dropped (the final status follows)', async () => {
    ctx.progress(0.1, 'a')
    ctx.progress(0.2, 'b')
    ctx.dropHeldProgress()
    await sleep(150)
    expect(sent.map((s) => s.message)).toEqual(['a'])
  })

  it("a trainer's epochs: the message names the epoch and, when it is not training, the trainer's phase", async () => {
    // network ADS forms its weights and validates at the end of each epoch (seconds at N = 4096)
    const teacher = await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 1 })
    // (1000 validation samples: the phase lasts longer than the job's tenth of a second of thinning)
    const trainer = await AdsTrainer.create({ teacher, neurons: 300, seed: 1, data: { task: { name: 'xor', samplesPerEpoch: 4 } }, validation: { count: 1000 } })
    const messages: string[] = []
    const post = (m: FromWorker): void => {
      if (m.t === 'progress' && messages.at(-1) !== m.message) messages.push(m.message)
    }
    const c = new JobContext(ctx.run, store, new AbortController().signal, post, 0)
    await c.trainEpochs(trainer, 1, { share: 0.9, running: 'training the spiking network', metrics: () => ({}), epochResult: () => 'done' })
    c.dropHeldProgress()
    expect(messages).toContain('training the spiking network: epoch 1 of 1 (validating)')
    expect(messages.at(-1)).toBe('training the spiking network: all 1 epochs done (last epoch: done)')
  })

  it('a setup phase keeps the fraction at 0 and says how far it is, but not "0 %" or "100 %"', async () => {
    for (const f of [0, 0.004, 0.45, 0.999, 1]) {
      ctx.setup('drawing the initial weights', f)
      await sleep(110)
    }
    expect(sent.map((s) => [s.fraction, s.message])).toEqual([
      [0, 'drawing the initial weights'],
      [0, 'drawing the initial weights'],
      [0, 'drawing the initial weights (45 %)'],
      [0, 'drawing the initial weights (99 %)'],
      [0, 'drawing the initial weights'],
    ])
  })
})

describe('fresh samples drawn inside a job (deploy, yield, finetune)', () => {
  it("say the share drawn while it is under way, on the job's cores, and are the samples one core draws", async () => {
    const both = await drawSamples(ctx, 'wake-phrase', { count: 6, seed: 4 }, { message: 'drawing test samples', at: 0.04 }, 2)
    await sleep(150)
    const said = sent.map((s) => `${s.fraction} ${s.message}`)
    expect(said[0]).toBe('0.04 drawing test samples')
    expect(said.some((m) => /^0\.04 drawing test samples \(\d+ %\)$/.test(m))).toBe(true)
    const one = await taskImpls['wake-phrase'].generate!({ count: 6, seed: 4 }, {}, { threads: 1 })
    expect(Buffer.from(both.inputs.buffer).equals(Buffer.from(one.inputs.buffer))).toBe(true)
    await expect(drawSamples(ctx, 'xor', { count: 3, seed: 1 }, { message: 'x' }, 1)).resolves.toMatchObject({ samples: 3 })
  }, 60_000)
})

describe('the time left of a job (src/jobs/runner.ts)', () => {
  it('is the time per share since the count began, times the share left; nothing before 1 %', () => {
    // the runner starts the count at the job's last report at 0: a 10 s mapping at 0 % and then 2 s to
    // reach 50 % leave about 2 s, not 12
    expect(timeLeft(0.5, 2000)).toBeCloseTo(2, 12)
    expect(timeLeft(0.25, 3000)).toBeCloseTo(9, 12)
    expect(timeLeft(1, 5000)).toBe(0)
    expect(timeLeft(0.005, 1000)).toBeNull()
    expect(timeLeft(0, 1000)).toBeNull()
  })
})
