// Hostile arguments against the real addon, each in a child process: a crash (SIGSEGV from an
// out-of-bounds write, SIGABRT from a C++ exception that escaped the binding) fails the case that
// caused it. Every case must end with exit code 0 and the outcome printed as JSON.
import { afterAll, describe, expect, it } from 'vitest'
import { runNativeChild, settle } from '../support/native-child.ts'
import { cleanupTemp } from '../support/tmp.ts'

afterAll(cleanupTemp)

// An array of `len` copies of `v` whose element 1 is a getter that appends 100,000 elements: a copy
// that re-reads the length while it copies runs past the buffer it sized from the first length.
const growing = `
function growing(len: number, v: number): number[] {
  const a: number[] = Array(len).fill(v)
  Object.defineProperty(a, 1, { get() { for (let i = 0; i < 100_000; i++) a.push(v); return v }, enumerable: true })
  return a
}
`

function outcome(body: string, env?: Record<string, string>): { ok: boolean; name?: string; code?: string; message?: string } {
  const r = runNativeChild(`${settle}${growing}\nconsole.log(JSON.stringify(await settle(async () => { ${body} })))`, { env })
  expect(r.signal, r.stderr).toBeNull()
  expect(r.status, r.stderr).toBe(0)
  return r.json as { ok: boolean; name?: string; code?: string; message?: string }
}

describe('native addon: arrays that change while they are read', () => {
  it('simulate: silence.neurons whose getter grows the array is copied with its first length', () => {
    const r = outcome(`const net = native.createNetwork({ neurons: 4, weights: {} })
      return net.simulate(undefined, { batch: 1, steps: 10, silence: { neurons: growing(2, 1) } })`)
    expect(r.ok).toBe(true)
  })

  it('simulate: record.membrane whose getter grows the array', () => {
    const r = outcome(`const net = native.createNetwork({ neurons: 4, weights: {} })
      return net.simulate(undefined, { batch: 1, steps: 10, record: { membrane: growing(3, 2) } })`)
    expect(r.ok).toBe(true)
  })

  it('the raw Network: a per-neuron parameter array that grows', () => {
    const r = outcome(`new raw.Network({ neurons: 4, params: { tauMemMs: growing(4, 50) }, weights: {} })`)
    expect(r.ok).toBe(true)
  })

  it('the raw AdsTrainer: a per-neuron parameter array that grows', () => {
    const r = outcome(`const teacher = await native.initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 })
      new raw.AdsTrainer({ teacher, neurons: 4, params: { vTh: growing(4, 1) }, validation: null })`)
    expect(r.ok).toBe(true)
  })

  it('taskScore: a getter that detaches data.outputs while the other keys are read leaves nothing dangling', () => {
    const r = outcome(`const outputs = new Float32Array(1 << 20)
      const data = { outputs, shape: [1024, 1024, 1] }
      Object.defineProperty(data, 'options', { get() { outputs.buffer.transfer(); return {} }, enumerable: true })
      return raw.taskScore('xor', data)`)
    expect(r).toMatchObject({ ok: false, name: 'TypeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toBe('Expected a Float32Array for data.outputs but received one whose buffer is detached')
  })

  it('a getter that throws inside an array propagates its own error', () => {
    const r = outcome(`const a = [0, 1]; Object.defineProperty(a, 1, { get() { throw new SyntaxError('from the getter') } })
      const net = native.createNetwork({ neurons: 4, weights: {} })
      return net.simulate(undefined, { batch: 1, steps: 10, silence: { neurons: a } })`)
    expect(r).toMatchObject({ ok: false, name: 'SyntaxError', message: 'from the getter' })
  })
})

describe('native addon: C++ exceptions never abort the process', () => {
  it('an ADS trainer on a dataset with validation samples of a task shorter than 10 steps: RangeError naming it', () => {
    const r = outcome(`const teacher = await native.initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1, dtMs: 200 })
      new native.AdsTrainer({ teacher, neurons: 8, data: { inputs: new Float32Array(20), count: 2, steps: 10 }, validation: { count: 3 }, decision: { task: 'xor' } })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^options\.validation \{count\} draws samples of the task 'xor' \(options\.decision\) at its default options and the teacher's dtMs, but durationS \/ dtMs must give at least 10 steps but gives 5/)
  })

  it('an ADS trainer whose validation set does not fit in memory: RangeError naming count, bytes and the limit', () => {
    const r = outcome(`const teacher = await native.initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 })
      new native.AdsTrainer({ teacher, neurons: 8, validation: { count: 1_000_000 }, data: { task: { name: 'xor', samplesPerEpoch: 1, options: { durationS: 100 } } } })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/options\.validation\.count.*bytes.*limit/)
  })

  it('std::bad_alloc in a synchronous entry point becomes an error with code ERR_NATIVE', () => {
    // A 1.5 GB address-space limit with a budget set far above it: the allocation itself fails.
    const r = runNativeChild(
      `native.setMemoryBudget(64 * 2 ** 30)\n${settle}console.log(JSON.stringify(await settle(() => native.createNetwork({ neurons: 8192, weights: {} }))))`,
      { addressSpaceKb: 1_500_000 },
    )
    expect(r.signal, r.stderr).toBeNull()
    expect(r.status, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ ok: false, code: 'ERR_NATIVE', message: expect.stringMatching(/memory/) })
  })
})
