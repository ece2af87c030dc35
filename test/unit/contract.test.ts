import { describe, expect, it } from 'vitest'
import { contract, isOpName, methodName, opNames, parseArgs } from '../../src/shared/contract.ts'
import { AppError, toWireError } from '../../src/shared/errors.ts'
import { currentJobKind, jobKindNames, jobKinds } from '../../src/shared/jobkinds/index.ts'
import { decodeWire, encodeWire, base64ToBytes, bytesToBase64 } from '../../src/shared/wire.ts'

describe('the API contract', () => {
  it('lists every operation the UI needs, each with an argument schema', () => {
    for (const name of ['app.info', 'projects.list', 'projects.create', 'projects.rename', 'projects.delete', 'runs.list', 'runs.get', 'runs.delete', 'runs.tag', 'runs.note', 'metrics.get', 'artifacts.list', 'artifacts.read', 'jobs.list', 'jobs.start', 'jobs.cancel']) {
      expect(opNames).toContain(name)
    }
    for (const name of opNames) expect(typeof contract[name].args.parse).toBe('function')
  })

  it('maps operation names to preload method names one to one', () => {
    const methods = opNames.map(methodName)
    expect(new Set(methods).size).toBe(opNames.length)
    expect(methodName('projects.create')).toBe('projectsCreate')
  })

  it('validates arguments and names the field', () => {
    expect(parseArgs('projects.create', { name: ' Lab A ' })).toEqual({ name: 'Lab A' })
    expect(() => parseArgs('projects.create', { name: '' })).toThrow(/^Project name must not be empty/)
    expect(() => parseArgs('projects.create', { name: 'x'.repeat(101) })).toThrow(/at most 100 characters/)
    expect(() => parseArgs('runs.get', { id: 0 })).toThrow(/id must be an integer of at least 1|id must be an integer/)
    expect(() => parseArgs('runs.get', { id: '3' })).toThrow(/id must be an integer/)
    expect(() => parseArgs('jobs.start', { kind: 'nope', projectId: 1 })).toThrow(/kind must be one of/)
    expect(() => parseArgs('runs.tag', { id: 1, tag: 'two words' })).toThrow(/^Tag must be one word/)
    expect(parseArgs('projects.list', undefined)).toEqual({})
    expect(isOpName('projects.list')).toBe(true)
    expect(isOpName('__proto__')).toBe(false)
    expect(isOpName('toString')).toBe(false)
  })

  it('job kinds declare parameter schemas with the paper defaults visible', () => {
    expect(jobKindNames).toContain('data.generate')
    const info = jobKinds['data.generate'].params.info()
    expect(info.fields?.task).toMatchObject({ type: 'enum', default: 'xor' })
    // a field of XOR's generator alone has its default in the task's method defaults
    // (test/unit/method-defaults.test.ts), not on the kind (a wake dataset would record it)
    expect(info.fields?.durationS).toMatchObject({ unit: 's', when: { field: 'task', equals: 'xor' } })
    expect(info.fields?.durationS.default).toBeUndefined()
    expect(jobKinds.pipeline.params.info().fields?.task).toMatchObject({ type: 'enum', default: 'xor' })
  })

  it('reads job kinds stored under their old names as the kinds that replaced them', () => {
    expect(currentJobKind('data.xor')).toBe('data.generate')
    expect(currentJobKind('pipeline.xor')).toBe('pipeline')
    expect(currentJobKind('train.teacher')).toBe('train.teacher')
    expect(currentJobKind('stage:teacher')).toBe('stage:teacher')
    expect(jobKindNames).not.toContain('data.xor')
    expect(jobKindNames).not.toContain('pipeline.xor')
  })

  it('turns any error into the wire form', () => {
    expect(toWireError(new AppError('NOT_FOUND', 'x'))).toEqual({ code: 'NOT_FOUND', message: 'x' })
    expect(toWireError(Object.assign(new Error('c'), { code: 'ERR_CANCELLED' }))).toEqual({ code: 'CANCELLED', message: 'c' })
    expect(toWireError(new TypeError('t'))).toEqual({ code: 'INTERNAL', message: 't' })
    expect(toWireError('s')).toEqual({ code: 'INTERNAL', message: 's' })
  })
})

describe('wire encoding', () => {
  it('round-trips typed arrays of every dtype through JSON', () => {
    const value = {
      a: new Float32Array([1.5, -2, 3.25]),
      b: new Int8Array([-1, 1, 0]),
      c: new Float64Array([Math.PI]),
      d: new Uint16Array([65535, 1]),
      nested: [new Int32Array([7, -7])],
      plain: { x: 1 },
    }
    const back = decodeWire(encodeWire(value)) as typeof value
    expect(back.a).toBeInstanceOf(Float32Array)
    expect(Array.from(back.a)).toEqual([1.5, -2, 3.25])
    expect(Array.from(back.b)).toEqual([-1, 1, 0])
    expect(back.c[0]).toBe(Math.PI)
    expect(Array.from(back.d)).toEqual([65535, 1])
    expect(Array.from(back.nested[0])).toEqual([7, -7])
    expect(back.plain).toEqual({ x: 1 })
  })

  it('base64 matches Node for every length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 255)
      const b64 = bytesToBase64(bytes)
      expect(b64).toBe(Buffer.from(bytes).toString('base64'))
      expect(Array.from(base64ToBytes(b64))).toEqual(Array.from(bytes))
    }
  })
})
