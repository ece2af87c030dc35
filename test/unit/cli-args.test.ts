// The command line's flag parser (src/cli/args.ts) on hostile input: a flag given twice (switches
// too), numbers written other than in decimal, a second --db, a value too large to print as given.
import { describe, expect, it } from 'vitest'
import { parseFlags, splitGlobal, UsageError, type FlagSpec } from '../../src/cli/args.ts'

const specs: Record<string, FlagSpec> = {
  ebn: { type: 'boolean', help: 'fast weights', default: true },
  gain: { type: 'number', help: 'gain', min: 0, max: 100 },
  seed: { type: 'integer', help: 'seed', min: 0, max: Number.MAX_SAFE_INTEGER },
}

const refused = (argv: string[]): string => {
  try {
    parseFlags(argv, specs, 'network create')
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return (err as Error).message
  }
  throw new Error(`accepted: ${argv.join(' ')}`)
}

describe('parseFlags', () => {
  it('refuses a switch given twice, or given both ways', () => {
    expect(refused(['--ebn', '--ebn'])).toBe('--ebn is given twice: give it once.')
    expect(refused(['--no-ebn', '--no-ebn'])).toBe('--ebn is given twice: give it once.')
    expect(refused(['--ebn', '--no-ebn'])).toBe('--ebn is given twice (as --ebn and --no-ebn): give it once.')
    expect(refused(['--no-ebn', '--ebn=true'])).toBe('--ebn is given twice (as --no-ebn and --ebn): give it once.')
    expect(parseFlags(['--no-ebn'], specs, 'x').flags).toEqual({ ebn: false })
  })

  it('reads numbers in decimal only (no hexadecimal, binary or octal), and prints a refused value as given', () => {
    expect(refused(['--gain', '0x10'])).toBe('--gain must be a number between 0 and 100 (received "0x10").')
    expect(refused(['--gain', '0b11'])).toBe('--gain must be a number between 0 and 100 (received "0b11").')
    expect(refused(['--seed', '0o7'])).toMatch(/^--seed must be an integer/)
    expect(refused(['--seed', '99999999999999999999'])).toBe('--seed must be an integer between 0 and 9007199254740991 (received 99999999999999999999).')
    expect(parseFlags(['--gain', '1.5e1', '--seed', '+7'], specs, 'x').flags).toEqual({ gain: 15, seed: 7 })
    expect(parseFlags(['--gain', '-0', '--seed', ' 3 '], specs, 'x').flags).toEqual({ gain: -0, seed: 3 })
  })

  it('says what a single-dash option is instead of suggesting --name', () => {
    expect(refused(['-n', '30'])).toBe('-n is not an option of network create: options are written in full with two dashes (`mimic network create --help` lists them).')
  })
})

describe('splitGlobal', () => {
  it('refuses --db given twice instead of using the last one', () => {
    expect(() => splitGlobal(['--db', 'a.db', 'projects', 'list', '--db', 'b.db'])).toThrow('--db is given twice: give one database.')
    expect(() => splitGlobal(['--db=a.db', '--db', 'b.db'])).toThrow(UsageError)
    expect(splitGlobal(['--db', 'a.db', 'projects', 'list']).db).toBe('a.db')
  })
})
