// The TypeScript wrappers of native/index.ts check their arguments before the binding sees them:
// every refusal is a TypeError or RangeError with code ERR_INVALID_ARG naming the argument, never a
// JavaScript error from inside the wrapper ("Cannot read properties of undefined", "undefined is not
// iterable", "Cannot convert a BigInt value to a number", "Invalid typed array length: -1"), and
// unknown keys are refused by name.
import { describe, expect, it } from 'vitest'
import {
  addon,
  benchNetwork,
  createNetwork,
  evaluateAds,
  generateXor,
  initTeacher,
  mulberry32,
  runSimBench,
  spectralRadius,
  teacherForward,
  TeacherTrainer,
  trainTeacher,
  taskScore,
} from '../../native/index.ts'
import { underLoad } from '../support/load.ts'
import { thrown } from '../support/thrown.ts'

// The error of a call, thrown synchronously or as a rejection.
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (e) {
    return e
  }
  return undefined
}

async function expectArg(fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: string | RegExp): Promise<void> {
  const err = await failure(fn)
  expect(err, String(message)).toBeInstanceOf(cls)
  expect((err as { code?: string }).code, String(message)).toBe('ERR_INVALID_ARG')
  expect((err as Error).message).toMatch(message)
}

describe('native wrappers: argument errors are the contract', () => {
  it('createNetwork: a missing spec, missing weights, BigInt and Symbol values, a sparse array of 2^32 - 1 elements', async () => {
    await expectArg(() => createNetwork(undefined as never), TypeError, 'Expected an object for options but received undefined')
    await expectArg(() => createNetwork({ neurons: 4 } as never), TypeError, 'Expected an object for weights but received undefined')
    await expectArg(() => createNetwork({ neurons: 4n, weights: {} } as never), TypeError, 'Expected an integer for neurons but received a bigint')
    await expectArg(() => createNetwork({ neurons: 4, weights: {}, params: { tauMemMs: Symbol('x') } } as never), TypeError, 'Expected a number or a Float32Array for params.tauMemMs but received a symbol')
    const sparse: number[] = []
    sparse.length = 2 ** 32 - 1
    const t0 = performance.now()
    await expectArg(() => createNetwork({ neurons: 4, weights: {}, params: { vTh: sparse } }), RangeError, 'params.vTh has 4294967295 elements but neurons = 4')
    expect(performance.now() - t0).toBeLessThan(underLoad(1000))
    await expectArg(() => createNetwork({ neurons: 4, weights: { omegaS: new Float32Array(16) }, wieghts: {} } as never), TypeError, /^Unknown option options\.wieghts/)
  })

  it('a network: simulate, setParams, setSlowWeights', async () => {
    const net = createNetwork({ neurons: 4, weights: {} })
    await expectArg(() => net.simulate(5 as never, { batch: 1, steps: 1 }), TypeError, 'Expected a Float32Array for inputs but received 5')
    await expectArg(() => net.simulate(undefined, undefined as never), TypeError, 'Expected an object for options but received undefined')
    await expectArg(() => net.simulate(undefined, { batch: 1, steps: 1, record: { membrane: 'all' } } as never), TypeError, 'Expected an Int32Array or an array of integers for options.record.membrane')
    await expectArg(() => net.setParams(null as never), TypeError, 'Expected an object for params but received null')
    await expectArg(() => net.setParams({ vTh: [1, 2] }), RangeError, 'params.vTh has 2 elements but neurons = 4')
    await expectArg(() => net.setSlowWeights([0] as never), TypeError, 'Expected a Float32Array for omegaS but received an array of length 1')
  })

  it('benchNetwork, its inputs, runSimBench and mulberry32 (TypeScript only): ranges, BigInt, unknown keys', async () => {
    await expectArg(() => benchNetwork(-1, 1), RangeError, 'neurons must be between 1 and 2147483647 but is -1')
    await expectArg(() => benchNetwork(8n as never, 1), TypeError, 'Expected an integer for neurons but received a bigint')
    const bench = await benchNetwork(16, 1)
    await expectArg(() => bench.inputs(-1, 10), RangeError, 'batch must be between 1 and 2147483647 but is -1')
    await expectArg(() => bench.inputs(1, 2 ** 30), RangeError, /that inputs\(\) makes synchronously: use runSimBench/)
    await expectArg(() => runSimBench(undefined as never), TypeError, 'Expected an object for options but received undefined')
    await expectArg(() => runSimBench({ neurons: 16, steps: 10, batch: 1, threads: 0, seed: 1, sead: 2 } as never), TypeError, "Unknown option 'sead' in options: expected one of neurons, steps, batch, threads, seed")
    await expectArg(() => runSimBench({ neurons: 16, steps: 10, batch: 1n, threads: 0, seed: 1 } as never), TypeError, 'Expected an integer for options.batch but received a bigint')
    await expectArg(() => runSimBench({ neurons: 16, steps: 10, batch: 1, threads: 0 } as never), TypeError, 'Expected an integer for options.seed but received undefined')
    await expectArg(() => mulberry32(1n as never), TypeError, 'Expected a number for seed but received a bigint')
  })

  it('generateXor and the run options refuse unknown keys by name', async () => {
    await expectArg(() => generateXor({ count: 1, seed: 1, cout: 2 } as never), TypeError, "Unknown option 'cout' in options: expected one of count, seed, threads, dtMs, trainingEpoch, durationS")
    await expectArg(() => generateXor({ count: 1, seed: 1n } as never), TypeError, 'Expected a number for seed but received a bigint')
    await expectArg(() => generateXor({ count: 1, seed: 1 }, { signl: new AbortController().signal } as never), TypeError, "Unknown option 'signl' in the run options: expected one of onProgress, signal")
    await expectArg(() => generateXor({ count: 1, seed: 1 }, null as never), TypeError, 'Expected an object for the run options but received null')
    // an object that only inherits from AbortSignal.prototype is not one (the brand check of its getter)
    const fake = Object.create(AbortSignal.prototype) as AbortSignal
    await expectArg(() => generateXor({ count: 1, seed: 1 }, { signal: fake }), TypeError, 'Expected an AbortSignal for signal')
    // the raw binding too
    const raw = addon<{ taskGenerate(t: unknown, o: object): Promise<unknown> }>()
    await expectArg(() => raw.taskGenerate('xor', { count: 1, seed: 1, cout: 2 }), TypeError, "Unknown option 'cout' in options")
    await expectArg(() => raw.taskGenerate(Symbol('xor'), { count: 1, seed: 1 }), TypeError, "Expected the name of a task ('xor' or 'wake-phrase') for task but received a symbol")
  })

  it('the teacher functions: spectralRadius, trainTeacher, unknown keys in params and options, runEpochs options', async () => {
    await expectArg(() => spectralRadius(undefined as never, 3), TypeError, 'Expected a Float32Array or a Float64Array for matrix but received undefined')
    await expectArg(() => spectralRadius(new Float64Array(4), 2n as never), TypeError, 'Expected an integer for n but received a bigint')
    await expectArg(() => trainTeacher(undefined as never), TypeError, 'Expected an object for options but received undefined')
    await expectArg(() => initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1n } as never), TypeError, 'Expected an integer for seed but received a bigint')
    const params = await initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 })
    const batch = { inputs: new Float32Array(20), count: 1, steps: 20 }
    await expectArg(() => teacherForward({ ...params, scale: 2 } as never, batch), TypeError, "Unknown option 'scale' in params: expected one of units")
    const raw = addon<{ teacherForward(p: object, b: object): Promise<unknown> }>()
    await expectArg(() => raw.teacherForward({ ...params, scale: 2 }, batch), TypeError, "Unknown option 'scale' in params")
    await expectArg(() => teacherForward(params, { ...batch, labels: new Int8Array(1) } as never), TypeError, "Unknown option 'labels' in batch")
    await expectArg(() => taskScore('xor', { outputs: undefined as never, shape: [1, 1, 1] }), TypeError, 'Expected a Float32Array for data.outputs but received undefined')
    await expectArg(() => taskScore('xor', { outputs: new Float32Array(1), shape: [1, 1, 1], options: { alpha: 1n } as never }), TypeError, 'Expected a number for data.options.alpha but received a bigint')
    const trainer = new TeacherTrainer({ params, data: { task: { name: 'xor', samplesPerEpoch: 2 } } })
    await expectArg(() => trainer.runEpochs(1, null as never), TypeError, 'Expected an object for the run options but received null')
    await expectArg(() => trainer.runEpochs(1, { onEpoch: 3 } as never), TypeError, 'Expected a function for onEpoch but received 3')
    await expectArg(() => trainer.runEpochs(1n as never), TypeError, 'Expected an integer for epochs but received a bigint')
  })

  it('evaluateAds: a network that is neither a network nor a spec', async () => {
    const data = { inputs: new Float32Array(10), count: 1, steps: 10 }
    await expectArg(() => evaluateAds(5 as never, data), TypeError, 'Expected a SpikingNetwork or a network spec for network but received 5')
    await expectArg(() => evaluateAds(createNetwork({ neurons: 4, weights: {} }), undefined as never), TypeError, 'Expected an object for data but received undefined')
    expect(thrown(() => evaluateAds(createNetwork({ neurons: 4, weights: {} }), data, { record: { spikes: 1n } } as never))).toMatchObject({ code: 'ERR_INVALID_ARG' })
  })
})
