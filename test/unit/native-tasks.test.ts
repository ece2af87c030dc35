// Tasks by name (native/core/task.hpp, native/binding/tasks.cpp): the native registry against the
// shared descriptors, taskScore (the one implementation of each decision rule) against independent
// references, taskGenerate, a task's rule and options reaching the trainers and evaluateAds, and the
// home of a setting fitted on validation data (a rule that fits a threshold, compiled with the core).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AdsTrainer,
  evaluateAds,
  generateXor,
  initTeacher,
  taskGenerate,
  taskList,
  taskScore,
  TeacherTrainer,
  type NativeTaskName,
} from '../../native/index.ts'
import { taskDescriptors, taskNames, type TaskDescriptor } from '../../src/shared/tasks/index.ts'
import { repoRoot } from '../support/cli.ts'
import { refXorDecision, refXorLabel } from '../support/teacher-reference.ts'
import { thrown } from '../support/thrown.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

/** A synchronous argument error: its class, code ERR_INVALID_ARG, and the exact message (or its start). */
function expectArgError(fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: string): void {
  const err = thrown(fn)
  expect(err, message).toBeInstanceOf(cls)
  expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG')
  expect((err as Error).message.startsWith(message), `${(err as Error).message} should start with ${message}`).toBe(true)
}

/** The read-out's smoothed trace, computed as the rule states it (double recurrence, stored as float32). */
function refSmoothed(y: ArrayLike<number>, steps: number, alpha = 0.95): number[] {
  let ys = 0
  const out: number[] = []
  for (let t = 0; t < steps; t++) {
    ys = alpha * ys + (1 - alpha) * y[t]
    out.push(Math.fround(ys))
  }
  return out
}

describe('the native task registry', () => {
  it('has a native generator and decision rule for every shared task, with the same shape and options', () => {
    const native = taskList()
    expect(native.map((t) => t.name).sort()).toEqual([...taskNames].sort())
    for (const name of taskNames) {
      const d: TaskDescriptor = taskDescriptors[name]
      const n = native.find((t) => t.name === name)!
      // (a generator that runs in Node, e.g. speech synthesis, has no native half)
      expect(n.generator).toBe(d.generator !== undefined && d.generator.native !== false)
      // (a task without a native generator has no native sample shape)
      if (typeof d.channels === 'number' && n.generator) expect(n.channels).toBe(d.channels)
      if (typeof d.outputs === 'number' && n.generator) expect(n.outputs).toBe(d.outputs)
      if (d.durationS !== undefined && n.generator) expect(n.steps).toBe(Math.round((d.durationS * 1000) / d.dtMs))
      // the fitted settings the descriptor lists are the rule's
      expect(n.fitted.map((f) => f.name)).toEqual(d.fitted.map((f) => f.name))
      // every generator parameter but the generic ones is a native option whose range holds the form's
      const fields = Object.entries(d.generator?.native === false ? {} : (d.generator?.params.info().fields ?? {}))
      for (const [key, field] of fields) {
        if (['count', 'seed', 'dtMs'].includes(key)) continue
        const o = n.sourceOptions.find((s) => s.name === key)
        expect(o, `${name}: generator parameter ${key}`).toBeDefined()
        if (typeof field.min === 'number') expect(field.min).toBeGreaterThanOrEqual(o!.min)
        if (typeof field.max === 'number') expect(field.max).toBeLessThanOrEqual(o!.max)
      }
    }
  })
})

describe('taskScore with the temporal-XOR rule', () => {
  const steps = 300
  const make = (f: (t: number) => number): number[] => Array.from({ length: steps }, (_, t) => f(t))
  const traces = [
    make((t) => (t > 100 && t < 200 ? 1 : 0)), // crosses +0.5 -> 1
    make((t) => (t > 100 && t < 200 ? -1 : 0)), // crosses -0.5 -> -1
    make((t) => (t > 100 && t < 110 ? 1 : 0)), // too short to cross -> 0
    make((t) => (t > 50 && t < 150 ? -1 : t > 150 && t < 250 ? 1 : 0)), // crosses both -> 1 wins
    make(() => 0.51), // smoothed value approaches 0.51 -> 1
  ]
  const targets = [make((t) => (t > 100 ? 1 : 0)), make(() => -1), make(() => 0.5), make(() => 0.6), make(() => 0)]
  const outputs = Float32Array.from(traces.flat())
  const tg = Float32Array.from(targets.flat())

  it('matches the reference decision, label and smoothed trace on synthetic traces, vectorised over a batch', () => {
    const r = taskScore('xor', { outputs, shape: [5, steps, 1], targets: tg, smoothed: true })
    const want = traces.map((y) => refXorDecision(y, steps))
    expect([...r.decisions]).toEqual(want)
    expect(want).toEqual([1, -1, 0, 1, 1])
    expect([...r.labels!]).toEqual(targets.map((y) => refXorLabel(y, steps)))
    expect([...r.labels!]).toEqual([1, -1, -1, 1, -1])
    expect(r.correct).toBe(3)
    expect(r.accuracy).toBe(3 / 5)
    expect(r.undecided).toBe(1)
    expect(r.fitted).toEqual({})
    expect([...r.smoothed!]).toEqual(traces.flatMap((_, i) => refSmoothed(outputs.subarray(i * steps), steps)))
    // no targets nor labels: decisions only
    const bare = taskScore('xor', { outputs, shape: [5, steps, 1] })
    expect(bare.labels).toBeNull()
    expect(bare.accuracy).toBeNull()
    expect(bare.correct).toBeNull()
    expect(bare.smoothed).toBeUndefined()
    // given labels are used instead of the ones read from the targets
    const given = taskScore('xor', { outputs, shape: [5, steps, 1], targets: tg, labels: Int8Array.from([-1, -1, -1, -1, -1]) })
    expect([...given.labels!]).toEqual([-1, -1, -1, -1, -1])
    expect(given.correct).toBe(1)
    // Two output channels interleaved: [count, steps, 2]
    const two = new Float32Array(2 * steps * 2)
    for (let t = 0; t < steps; t++) {
      two[t * 2] = traces[0][t]
      two[t * 2 + 1] = traces[1][t]
      two[steps * 2 + t * 2] = traces[2][t]
      two[steps * 2 + t * 2 + 1] = traces[3][t]
    }
    expect([...taskScore('xor', { outputs: two, shape: [2, steps, 2] }).decisions]).toEqual([1, -1, 0, 1])
  })

  it('takes the rule options, decides nothing on NaN outputs, and fits no settings', () => {
    const opts = { alpha: 0.8, threshold: 0.3 }
    const r = taskScore('xor', { outputs, shape: [5, steps, 1], options: opts, smoothed: true })
    expect([...r.decisions]).toEqual(traces.map((y) => refXorDecision(y, steps, 1, 0, 0.8, 0.3)))
    expect([...r.smoothed!]).toEqual(traces.flatMap((_, i) => refSmoothed(outputs.subarray(i * steps), steps, 0.8)))
    // a label threshold above every target: every label −1
    expect([...taskScore('xor', { outputs, shape: [5, steps, 1], targets: tg, options: { labelThreshold: 2 } }).labels!]).toEqual([-1, -1, -1, -1, -1])
    const nan = new Float32Array(steps).fill(Number.NaN)
    expect([...taskScore('xor', { outputs: nan, shape: [1, steps, 1] }).decisions]).toEqual([0])
    const fit = taskScore('xor', { outputs, shape: [5, steps, 1], targets: tg, fit: true })
    expect(fit.fitted).toEqual({})
    expect([...fit.decisions]).toEqual([1, -1, 0, 1, 1])
  })

  it('rejects bad arguments, naming them', () => {
    const shape: [number, number, number] = [2, 6, 1]
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(10), shape }), RangeError, 'data.outputs must have count × steps × outputs (2 × 6 × 1) = 12 elements but has 10')
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, targets: new Float32Array(11) }), RangeError, 'data.targets must have count × steps × outputs (2 × 6 × 1) = 12 elements but has 11')
    expectArgError(() => taskScore('xor', { outputs: new Float64Array(12) as never, shape }), TypeError, 'Expected a Float32Array for data.outputs but received a Float64Array of length 12')
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, options: { alpha: 2 } }), RangeError, 'data.options.alpha must be between 0 and 1 but is 2')
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, options: { alpah: 0.9 } as never }), TypeError, "Unknown option 'alpah' in data.options: expected one of alpha, threshold, labelThreshold")
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, fitted: { threshold: 1 } }), TypeError, "Unknown option 'threshold' in data.fitted: expected one of nothing (it takes no options)")
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, fit: true }), RangeError, 'data.fit needs data.labels or data.targets')
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape: [2, 6] as never }), TypeError, 'Expected an array [count, steps, outputs] for data.shape but received an array of length 2')
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape: [2, 6, 0] }), RangeError, 'data.shape.outputs must be between 1 and 2147483647 but is 0')
    expectArgError(() => taskScore('nope' as NativeTaskName, { outputs: new Float32Array(12), shape }), TypeError, "Expected the name of a task ('xor' or 'wake-phrase') for task but received the string 'nope'")
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(12), shape, labels: Int8Array.from([1, 0]) }), RangeError, 'data.labels must hold 1 or -1 but element 1 is 0')
    // synchronous: bounded
    expectArgError(() => taskScore('xor', { outputs: new Float32Array(1), shape: [2 ** 14 + 1, 1024, 1] }), RangeError, 'data.shape: count × steps × outputs must be at most 16777216 (4194304 with data.smoothed; taskScore runs on the event loop')
  })
})

describe('taskGenerate', () => {
  it('draws a task by name: shapes, the time step, labels, and the typed generator gives the same', async () => {
    const a = await taskGenerate('xor', { count: 6, seed: 3, durationS: 0.5 })
    expect([a.count, a.steps, a.channels, a.outputs]).toEqual([6, 500, 1, 1])
    expect([a.inputs.length, a.targets.length, a.labels.length]).toEqual([3000, 3000, 6])
    // a 1 s target pulse of the label's sign: the rule reads the same labels off the targets
    expect([...taskScore('xor', { outputs: a.targets, shape: [6, 500, 1], targets: a.targets }).labels!]).toEqual([...a.labels])
    const b = await generateXor({ count: 6, seed: 3, durationS: 0.5 })
    expect(b.inputs).toEqual(a.inputs)
    expect(b.labels).toEqual(a.labels)
    // half the step, twice the steps
    expect((await taskGenerate('xor', { count: 1, seed: 3, durationS: 0.5, dtMs: 0.5 })).steps).toBe(1000)
  })

  it('rejects bad options, naming them', () => {
    expectArgError(() => taskGenerate('xor', { count: 1, seed: 1, durationS: 0.005 }), RangeError, 'durationS must be between 0.01 and 3600 but is 0.005')
    expectArgError(() => taskGenerate('xor', { count: 1, seed: 1, durationS: 0.05, dtMs: 10 }), RangeError, 'durationS / dtMs must give at least 10 steps but gives 5')
    expectArgError(() => taskGenerate('xor', { count: 1, seed: 1, cout: 2 } as never), TypeError, "Unknown option 'cout' in options: expected one of count, seed, threads, dtMs, trainingEpoch, durationS, inputSigmaSteps, targetSigmaSteps")
    expectArgError(() => taskGenerate('xor', { count: 1, seed: 1, dtMs: 0 }), RangeError, 'dtMs must be between 0.01 and 1000 but is 0')
    expectArgError(() => taskGenerate('xr' as NativeTaskName, { count: 1, seed: 1 }), TypeError, "Expected the name of a task ('xor' or 'wake-phrase') for task but received the string 'xr'")
    expectArgError(() => taskGenerate('xor', { count: 1, seed: 1, durationS: 'long' } as never), TypeError, 'Expected a number for durationS but received the string')
  })
})

describe("a task's decision rule in the trainers and evaluateAds", () => {
  it('the teacher: the data task’s rule by default, its options, none with null; errors name the option', async () => {
    const params = await initTeacher({ units: 6, channels: 1, outputs: 1, seed: 2 })
    const data = { task: { name: 'xor' as const, samplesPerEpoch: 6, options: { durationS: 0.3 } } }
    const val = await generateXor({ count: 8, seed: 9, durationS: 0.3 })
    const validation = { inputs: val.inputs, targets: val.targets, count: 8, steps: val.steps }
    const ref = (await new TeacherTrainer({ params, data, validation, seed: 1 }).runEpochs(1))[0]
    const explicit = (await new TeacherTrainer({ params, data, validation, seed: 1, decision: { task: 'xor' } }).runEpochs(1))[0]
    expect(explicit.accuracy).toBe(ref.accuracy)
    expect(explicit.valAccuracy).toBe(ref.valAccuracy)
    expect(typeof ref.valAccuracy).toBe('number')
    // a threshold no output reaches: nothing is decided, nothing is right
    const never = (await new TeacherTrainer({ params, data, validation, seed: 1, decision: { task: 'xor', options: { threshold: 1e9 } } }).runEpochs(1))[0]
    expect([never.accuracy, never.valAccuracy]).toEqual([0, 0])
    const none = (await new TeacherTrainer({ params, data, validation, seed: 1, decision: null }).runEpochs(1))[0]
    expect([none.accuracy, none.valAccuracy]).toEqual([null, null])
    expect(none.loss).toBe(ref.loss) // the rule does not touch training
    expectArgError(() => new TeacherTrainer({ params, data: { task: { name: 'xor', samplesPerEpoch: 2, options: { durationS: 0.005 } } } }), RangeError, 'options.data.task.options.durationS must be between 0.01 and 3600 but is 0.005')
    expectArgError(() => new TeacherTrainer({ params: { ...params, dtMs: 200 }, data: { task: { name: 'xor', samplesPerEpoch: 2 } } }), RangeError, 'options.data.task.options.durationS / dtMs must give at least 10 steps but gives 5')
    expectArgError(() => new TeacherTrainer({ params, data: { task: { name: 'wake' as never, samplesPerEpoch: 2 } } }), TypeError, "Expected the name of a task ('xor' or 'wake-phrase') for options.data.task.name but received the string 'wake'")
    expectArgError(() => new TeacherTrainer({ params, data, decision: { task: 'xor', fitted: { boundary: 0 } } }), TypeError, "Unknown option 'boundary' in options.decision.fitted")
    expectArgError(() => new TeacherTrainer({ params, data, decision: { task: 'xor', options: { alpha: -1 } } }), RangeError, 'options.decision.options.alpha must be between 0 and 1 but is -1')
  })

  it('network ADS: validation accuracy by the rule (none with null), evaluateAds decides only with a rule', async () => {
    const teacher = await initTeacher({ units: 4, channels: 1, outputs: 1, seed: 3 })
    const base = { teacher, neurons: 12, seed: 1, data: { task: { name: 'xor' as const, samplesPerEpoch: 2, options: { durationS: 0.2 } } }, validation: { count: 3 } }
    const withRule = (await new AdsTrainer(base).runEpochs(1))[0]
    const without = (await new AdsTrainer({ ...base, decision: null }).runEpochs(1))[0]
    expect(typeof withRule.valAccuracy).toBe('number')
    expect(without.valAccuracy).toBeNull()
    expect(without.valReconstructionError).toBe(withRule.valReconstructionError)
    expectArgError(() => new AdsTrainer({ ...base, decision: null, selection: 'accuracy' }), RangeError, "options.selection 'accuracy' needs a decision rule")
    const net = new AdsTrainer(base).getNetwork()
    const x = await generateXor({ count: 3, seed: 4, durationS: 0.2 })
    const data = { inputs: x.inputs, count: 3, steps: x.steps, targets: x.targets }
    const plain = await evaluateAds(net, data, { seed: 1 })
    expect(plain.predictions).toBeNull()
    expect(plain.accuracy).toBeNull()
    expect(plain.smoothed).toBeUndefined()
    const scored = await evaluateAds(net, data, { seed: 1, decision: { task: 'xor' } })
    const s = taskScore('xor', { outputs: scored.output!, shape: [3, x.steps, 1], targets: x.targets, smoothed: true })
    expect(scored.predictions).toEqual(s.decisions)
    expect(scored.labels).toEqual(s.labels)
    expect(scored.accuracy).toBe(s.accuracy)
    expect(scored.smoothed).toEqual(s.smoothed)
    expect(scored.output).toEqual(plain.output)
    await expect(async () => evaluateAds(net, data, { record: { smoothed: true } })).rejects.toThrow(/options.record.smoothed records the trace a decision rule reads/)
  })
})

describe('a decision rule with a setting fitted on validation data (native/core/task.hpp)', () => {
  it('is declared by its task, checked and completed, fitted by DecisionRule::fit and used by the decisions', () => {
    const exe = join(tempDir('task-fit-'), 'task_fit_check')
    const core = join(repoRoot, 'native', 'core')
    execFileSync('g++', ['-std=c++17', '-O1', '-Wall', '-Werror', '-I', core, join(repoRoot, 'test', 'support', 'task_fit_check.cpp'), join(core, 'task.cpp'), '-o', exe])
    let out: string
    try {
      out = execFileSync(exe, { encoding: 'utf8' })
    } catch (err) {
      out = String((err as { stdout?: string }).stdout)
    }
    expect(out).toMatch(/^checks 8 failures 0$/m)
  })
})
