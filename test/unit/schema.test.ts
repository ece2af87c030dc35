import { describe, expect, it } from 'vitest'
import * as s from '../../src/shared/schema.ts'
import { AppError, FieldError } from '../../src/shared/errors.ts'
import { jobKinds } from '../../src/shared/jobkinds/index.ts'

function error(fn: () => unknown): AppError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(AppError)
    return err as AppError
  }
  throw new Error('expected an error')
}

describe('schema validators', () => {
  const project = s.object({
    name: s.string({ min: 1, max: 10, trim: true }),
    count: s.withDefault(s.integer({ min: 1, max: 100 }), 5),
    rate: s.optional(s.number({ gt: 0 })),
    mode: s.withDefault(s.oneOf(['a', 'b'] as const), 'a'),
  })

  it('parses, trims and fills defaults', () => {
    expect(project.parse({ name: '  x  ' })).toEqual({ name: 'x', count: 5, mode: 'a' })
    expect(project.parse({ name: 'y', count: 7, rate: 0.5, mode: 'b' })).toEqual({ name: 'y', count: 7, rate: 0.5, mode: 'b' })
  })

  it('refuses empty and over-long strings, naming the field', () => {
    const e1 = error(() => project.parse({ name: '   ' }))
    expect(e1.code).toBe('INVALID_ARGUMENT')
    expect(e1.message).toMatch(/^name must not be empty/)
    const e2 = error(() => project.parse({ name: 'x'.repeat(11) }))
    expect(e2.message).toMatch(/name must have at most 10 characters \(it has 11\)/)
  })

  it('refuses wrong types, NaN, non-integers and out-of-range numbers', () => {
    expect(error(() => project.parse({ name: 5 })).message).toMatch(/name must be a string \(received 5\)/)
    expect(error(() => project.parse({ name: 'a', count: 1.5 })).message).toMatch(/count must be an integer between 1 and 100 \(received 1.5\)/)
    expect(error(() => project.parse({ name: 'a', count: 0 })).message).toMatch(/count must be an integer between 1 and 100 \(received 0\)/)
    expect(error(() => project.parse({ name: 'a', rate: NaN })).message).toMatch(/rate must be a finite number \(received NaN\)/)
    expect(error(() => project.parse({ name: 'a', rate: 0 })).message).toMatch(/rate must be a number greater than 0/)
    expect(error(() => project.parse({ name: 'a', mode: 'c' })).message).toMatch(/mode must be one of "a", "b"/)
  })

  it('refuses unknown fields and suggests the nearest one', () => {
    expect(error(() => project.parse({ name: 'a', cuont: 3 })).message).toBe('cuont is not a known field: did you mean "count"?')
    expect(error(() => project.parse({ name: 'a', zzzzzzzz: 3 })).message).toMatch(/expected one of name, count, rate, mode/)
  })

  it('refuses non-objects', () => {
    expect(error(() => project.parse([])).message).toMatch(/must be an object \(received an array of 0 items\)/)
    expect(error(() => project.parse(null)).message).toMatch(/must be an object \(received null\)/)
    // typed arrays with their article: "an Int32Array", "a Uint8Array" (said "you-int"), "a Float32Array"
    expect(error(() => project.parse(new Int32Array(2))).message).toMatch(/must be an object \(received an Int32Array\)/)
    expect(error(() => project.parse(new Uint8Array(2))).message).toMatch(/must be an object \(received a Uint8Array\)/)
    expect(error(() => project.parse(new Float32Array(2))).message).toMatch(/must be an object \(received a Float32Array\)/)
  })

  it('names nested paths', () => {
    const outer = s.object({ params: s.object({ n: s.integer({ min: 1 }) }) })
    expect(error(() => outer.parse({ params: { n: -1 } })).message).toMatch(/^params\.n must be an integer/)
    const arr = s.array(s.integer(), { max: 2 })
    expect(error(() => arr.parse([1, 'x'], 'ids')).message).toMatch(/^ids\[1\] must be an integer/)
    expect(error(() => arr.parse([1, 2, 3], 'ids')).message).toMatch(/ids must be an array of 0 to 2 items/)
  })

  it('describes fields for forms (defaults, units, ranges, help)', () => {
    const form = s.object({ tauMs: s.withDefault(s.number({ gt: 0, max: 1000 }), 50).doc({ unit: 'ms', label: 'Membrane time constant' }) })
    const info = form.info()
    expect(info.fields?.tauMs).toMatchObject({ type: 'number', optional: true, default: 50, unit: 'ms', label: 'Membrane time constant', max: 1000 })
  })

  it('marks the execution-target field of every job kind that has one, so that forms offer the registered targets', () => {
    const withTarget = Object.entries(jobKinds).filter(([, k]) => k.params.info().fields?.target?.label === 'Execution target')
    expect(withTarget.map(([name]) => name)).toEqual(expect.arrayContaining(['robustness', 'simulate', 'eval', 'yield']))
    for (const [, k] of withTarget) expect(k.params.info().fields!.target.choices).toBe('targets')
  })

  it('suggests for each board field the chip targets its job takes by name', () => {
    const names = (k: keyof typeof jobKinds) => jobKinds[k].params.info().fields!.target.suggest?.names
    expect(names('deploy')).toEqual(['emulator', 'emulator-se1'])
    expect(names('finetune')).toEqual(['emulator', 'emulator-se1', 'mapped', 'mapped-se1'])
    expect(names('hil')).toEqual(['simulator', 'mapped', 'mapped-se1', 'emulator', 'emulator-se1'])
  })

  it('seeds are exact integers in [0, 2^53)', () => {
    expect(s.seed().parse(2 ** 53 - 1)).toBe(2 ** 53 - 1)
    expect(() => s.seed().parse(2 ** 53)).toThrow(AppError)
    expect(() => s.seed().parse(-1)).toThrow(AppError)
  })

  it('names run kinds as a phrase: two with "or", more as a list', () => {
    expect(s.kindsText(['network'])).toBe('network')
    expect(s.kindsText(['network', 'ads'])).toBe('network or ads')
    expect(s.kindsText(['network', 'ads', 'reservoir'])).toBe('network, ads or reservoir')
    const three = s.object({ network: s.id().doc({ label: 'Network run', ref: 'network,ads,force' }) })
    expect(() => three.parse({}, 'params')).toThrow('Network run is required: choose a network, ads or force run.')
  })

  it('tells a labelled field by its label, keeps its path in `field`, and says "is required" for a missing value', () => {
    const form = s.object({
      network: s.id().doc({ label: 'Network run', ref: 'network,ads' }),
      count: s.withDefault(s.integer({ min: 1, max: 100 }), 5).doc({ label: 'Samples' }),
      neurons: s.withDefault(s.array(s.integer({ min: 0 })), []).doc({ label: 'Membrane traces' }),
      plain: s.optional(s.number()),
    })
    const missing = error(() => form.parse({}, 'params'))
    expect(missing).toBeInstanceOf(FieldError)
    expect(missing.message).toBe('Network run is required: choose a network or ads run.')
    expect(missing.field).toBe('params.network')
    expect(error(() => form.parse({ network: 1, count: 0 }, 'params')).message).toBe('Samples must be an integer between 1 and 100 (received 0).')
    expect(error(() => form.parse({ network: 1, neurons: [0, -1] }, 'params')).message).toBe('Membrane traces (item 2) must be an integer of at least 0 (received -1).')
    const plain = error(() => form.parse({ network: 1, plain: 'x' }, 'params'))
    expect(plain.message).toBe('params.plain must be a finite number (received "x").')
    expect(plain.field).toBe('params.plain')
  })

  it('problems() lists every invalid field at once, in field order', () => {
    const form = s.object({ a: s.integer({ min: 1 }).doc({ label: 'A' }), b: s.string({ min: 1 }).doc({ label: 'B' }), c: s.optional(s.number()) })
    expect(form.problems({ a: 0, b: '', c: 1, zzzzz: 2 }).map((e) => [e.field, e.message])).toEqual([
      ['zzzzz', 'zzzzz is not a known field: expected one of a, b, c.'],
      ['a', 'A must be an integer of at least 1 (received 0).'],
      ['b', 'B must not be empty: give at least one character that is not a space.'],
    ])
    expect(form.problems({ a: 1, b: 'x' })).toEqual([])
  })

  it('edit distance', () => {
    expect(s.editDistance('kitten', 'sitting')).toBe(3)
    expect(s.editDistance('', 'abc')).toBe(3)
  })
})

describe('fieldApplies (FieldInfo.when: one rule for the service and the forms)', () => {
  const values = (v: Record<string, unknown>) => (field: string): unknown => v[field]

  it('holds for a field without a condition, whatever the other values', () => {
    expect(s.fieldApplies({}, values({}))).toBe(true)
    expect(s.fieldApplies(s.number().info(), values({ etaSchedule: 'constant' }))).toBe(true)
  })

  it('with a string condition (an enum value): only when the other field has exactly that value', () => {
    const b = s.optional(s.number()).doc({ when: { field: 'etaSchedule', equals: 'decay' } }).info()
    expect(s.fieldApplies(b, values({ etaSchedule: 'decay' }))).toBe(true)
    expect(s.fieldApplies(b, values({ etaSchedule: 'constant' }))).toBe(false)
    expect(s.fieldApplies(b, values({ etaSchedule: 'Decay' }))).toBe(false)
    expect(s.fieldApplies(b, values({ etaSchedule: '' }))).toBe(false)
    // the other field unknown or left out (a caller that reads defaults gives the default instead)
    expect(s.fieldApplies(b, values({}))).toBe(false)
    expect(s.fieldApplies(b, values({ eta: 'decay' }))).toBe(false)
  })

  it('with a boolean condition: only when the other field is that boolean (not its text)', () => {
    const onTrue = s.optional(s.number()).doc({ when: { field: 'recalibrateGain', equals: true } }).info()
    expect(s.fieldApplies(onTrue, values({ recalibrateGain: true }))).toBe(true)
    expect(s.fieldApplies(onTrue, values({ recalibrateGain: false }))).toBe(false)
    expect(s.fieldApplies(onTrue, values({ recalibrateGain: 'true' }))).toBe(false)
    expect(s.fieldApplies(onTrue, values({}))).toBe(false)
    const onFalse = s.optional(s.number()).doc({ when: { field: 'recalibrateGain', equals: false } }).info()
    expect(s.fieldApplies(onFalse, values({ recalibrateGain: false }))).toBe(true)
    expect(s.fieldApplies(onFalse, values({ recalibrateGain: true }))).toBe(false)
    // left out is not false: the caller says what a left-out field means (its default)
    expect(s.fieldApplies(onFalse, values({}))).toBe(false)
  })

  it('reads only the field its condition names', () => {
    const asked: string[] = []
    const b = s.optional(s.number()).doc({ when: { field: 'perturbation', equals: 'death' } }).info()
    s.fieldApplies(b, (f) => (asked.push(f), 'death'))
    expect(asked).toEqual(['perturbation'])
  })
})
