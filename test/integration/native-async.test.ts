// The addon's async pipeline with the real binary: baton in, typed arrays out, throttled progress,
// cancel mid-run through the shared flag, argument errors thrown synchronously and naming the
// argument, errors carrying the caller's stack.
import { describe, expect, it } from 'vitest'
import { AdsTrainer, addon, addonStatus, generateXor, initTeacher, NativeError, reservoirTrain, TeacherTrainer } from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

describe('native addon: async jobs', () => {
  it('loads and reports its build', () => {
    const s = addonStatus()
    expect(s.loaded).toBe(true)
    expect(s.info).toMatchObject({ buildType: 'Release', napiVersion: 8 })
    expect(s.info!.poolThreads).toBeGreaterThanOrEqual(1)
  })

  it('returns typed arrays allocated in V8 with the documented shapes', async () => {
    const r = await generateXor({ count: 7, seed: 1 })
    expect(r.inputs).toBeInstanceOf(Float32Array)
    expect(r.inputs.length).toBe(7 * 1000)
    expect(r.targets.length).toBe(7 * 1000)
    expect(r.labels).toBeInstanceOf(Int8Array)
    expect([...r.labels].every((l) => l === 1 || l === -1)).toBe(true)
    // the buffer belongs to JS (not external memory): it can be transferred
    const copy = structuredClone(r.inputs, { transfer: [r.inputs.buffer as ArrayBuffer] })
    expect(copy.length).toBe(7000)
  })

  it('reports progress, throttled, ending at 1', async () => {
    const seen: number[] = []
    await generateXor({ count: 4000, seed: 2 }, { onProgress: (f) => seen.push(f) })
    expect(seen.length).toBeGreaterThanOrEqual(1)
    expect(seen.length).toBeLessThan(200)
    expect(seen.at(-1)).toBe(1)
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1])
  })

  it('passes the first report of a new phase however soon it follows the last (the phase may report nothing more)', async () => {
    // a small reservoir: its states are collected and its read-out fitted within a few ms, so every
    // report after the first falls in the same 50 ms; the fit's own report still comes
    const x = await generateXor({ count: 3, seed: 4 })
    const seen: Array<[number, string]> = []
    await reservoirTrain({ neurons: 40, channels: 1, outputs: 1, seed: 1, threads: 1, train: { inputs: x.inputs, targets: x.targets, count: 3, steps: x.steps } }, { onProgress: (f, m) => seen.push([f, m]) })
    const fitting = 'fitting the read-out (ridge regression)'
    const first = seen.findIndex(([, m]) => m === fitting)
    expect(first).toBeGreaterThan(0)
    expect(seen.slice(0, first).every(([, m]) => m === 'collecting reservoir states')).toBe(true)
    expect(seen.slice(first).every(([, m]) => m === fitting)).toBe(true)
    // the fit's first report (before its one block of columns), not only the last (done = total)
    expect(seen[first][0]).toBeGreaterThan(0.9) // at N = 40 the fit is a small share of the work
    expect(seen[first][0]).toBeLessThan(1)
    expect(seen.at(-1)![0]).toBe(1)
  })

  it('cancels mid-run through an AbortSignal and rejects with ERR_CANCELLED', async () => {
    const controller = new AbortController()
    let progressed = 0
    const t0 = performance.now()
    const p = generateXor(
      { count: 8000, seed: 3, durationS: 3 },
      {
        signal: controller.signal,
        onProgress: (f) => {
          progressed = f
          if (f > 0) controller.abort()
        },
      },
    )
    await expect(p).rejects.toMatchObject({ name: 'NativeError', code: 'ERR_CANCELLED' })
    expect(progressed).toBeLessThan(1)
    expect(performance.now() - t0).toBeLessThan(5000)
    // the addon is usable afterwards
    expect((await generateXor({ count: 2, seed: 1 })).count).toBe(2)
    expect(addon().info().runningJobs).toBe(0)
  })

  it('an already-aborted signal rejects without starting', async () => {
    const c = new AbortController()
    c.abort()
    await expect(generateXor({ count: 2, seed: 1 }, { signal: c.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
  })

  it('throws argument errors synchronously, naming the argument', () => {
    const cases: [unknown, RegExp, typeof TypeError | typeof RangeError][] = [
      [{ count: -1, seed: 1 }, /count must be between 1 and 2147483647 but is -1/, RangeError],
      [{ count: 1.5, seed: 1 }, /Expected an integer for count but received 1.5/, TypeError],
      [{ count: 1, seed: NaN }, /Expected an integer for seed but received NaN/, TypeError],
      [{ count: 1 }, /Expected an integer for seed but received undefined/, TypeError],
      [{ count: 1, seed: 1, dtMs: 0 }, /dtMs must be between 0.01 and 1000 but is 0/, RangeError],
      [{ count: 1, seed: 1, durationS: 'long' }, /Expected a number for durationS but received the string 'long'/, TypeError],
      [{ count: 1, seed: 1, durationS: 0.01, dtMs: 10 }, /^durationS \/ dtMs must give at least 10 steps but gives 1$/, RangeError],
      [{ count: 10_000_000, seed: 1, durationS: 1000 }, /^count: generating 10000000 samples of 1000000 steps needs 8\.0e\+13|^count: generating 10000000 samples of 1000000 steps needs [0-9.]+ GB \(\d+ bytes\) but the memory limit is [0-9.]+ GB \(\d+ bytes, /, RangeError],
      [null, /Expected an object for options but received null/, TypeError],
      [[1, 2], /Expected an object for options but received an array/, TypeError],
    ]
    for (const [options, message, cls] of cases) {
      const err = thrown(() => generateXor(options as never))
      expect(err, String(message)).toBeInstanceOf(cls)
      expect((err as Error).message).toMatch(message)
      expect((err as { code: string }).code).toBe('ERR_INVALID_ARG')
    }
    const raw = addon() as unknown as { taskGenerate: (...a: unknown[]) => unknown }
    expect(() => raw.taskGenerate('xor', { count: 1, seed: 1 }, 42)).toThrow(/Expected a function for onProgress but received 42/)
    expect(() => raw.taskGenerate('xor', { count: 1, seed: 1 }, undefined, { cancel() {} })).toThrow(/Expected a CancelToken for cancelToken/)
    expect(() => raw.taskGenerate('xor')).toThrow(/Expected an object for options but received undefined/)
    expect(() => raw.taskGenerate()).toThrow(/Expected the name of a task \('xor' or 'wake-phrase'\) for task but received undefined/)
  })

  it('every asynchronous wrapper refuses a bad onProgress or signal synchronously, naming it', async () => {
    const teacher = await initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 })
    const calls: [string, (run: never) => unknown][] = [
      ['generateXor', (run) => generateXor({ count: 2, seed: 1 }, run)],
      ['initTeacher', (run) => initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 }, run)],
      ['TeacherTrainer.runEpochs', (run) => new TeacherTrainer({ params: teacher, data: { task: { name: 'xor', samplesPerEpoch: 4 } } }).runEpochs(1, run)],
      ['AdsTrainer.runEpochs', (run) => new AdsTrainer({ teacher, neurons: 16, seed: 1, data: { task: { name: 'xor', samplesPerEpoch: 2 } } }).runEpochs(1, run)],
    ]
    for (const [name, call] of calls) {
      const a = thrown(() => call({ onProgress: 3 } as never))
      expect(a, name).toBeInstanceOf(TypeError)
      expect((a as Error).message, name).toBe('Expected a function for onProgress but received number')
      expect((a as { code: string }).code).toBe('ERR_INVALID_ARG')
      const b = thrown(() => call({ signal: { aborted: false } } as never))
      expect(b, name).toBeInstanceOf(TypeError)
      expect((b as Error).message, name).toBe('Expected an AbortSignal for signal but received object')
    }
  })

  it('a throwing progress listener does not break the job', async () => {
    const r = await generateXor({ count: 500, seed: 4 }, { onProgress: () => { throw new Error('listener bug') } })
    expect(r.count).toBe(500)
  })

  it('rejections are NativeErrors whose stack points at the caller', async () => {
    const c = new AbortController()
    const p = generateXor({ count: 8000, seed: 5, durationS: 3 }, { signal: c.signal })
    c.abort()
    const err = (await p.catch((e: unknown) => e)) as NativeError
    expect(err).toBeInstanceOf(NativeError)
    expect(err.stack).toMatch(/native-async\.test\.ts/)
  })

  it('samples depend only on (seed, index): same data whatever the thread count', async () => {
    const a = await generateXor({ count: 64, seed: 9, threads: 1 })
    const b = await generateXor({ count: 64, seed: 9, threads: 2 })
    const c = await generateXor({ count: 32, seed: 9 })
    expect(Buffer.from(a.targets.buffer).equals(Buffer.from(b.targets.buffer))).toBe(true)
    expect(Buffer.from(c.inputs.buffer).equals(Buffer.from(a.inputs.buffer, 0, c.inputs.byteLength))).toBe(true)
  })
})
