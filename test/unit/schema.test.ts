import { describe, expect, it } from 'vitest'
import * as s from '../../src/shared/schema.ts'
import { AppError } from '../../src/shared/errors.ts'

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

  it('seeds are exact integers in [0, 2^53)', () => {
    expect(s.seed().parse(2 ** 53 - 1)).toBe(2 ** 53 - 1)
    expect(() => s.seed().parse(2 ** 53)).toThrow(AppError)
    expect(() => s.seed().parse(-1)).toThrow(AppError)
  })

  it('edit distance', () => {
    expect(s.editDistance('kitten', 'sitting')).toBe(3)
    expect(s.editDistance('', 'abc')).toBe(3)
  })
})
