// The reduced seeded run of the board protocol's fuzzer (test/fuzz/board-protocol-fuzz.ts; the full
// run of 10^5 cases is part of `npm run fuzz`): random and mutated frames, each refused with a code.
import { describe, expect, it } from 'vitest'
import { runProtocolFuzz } from '../fuzz/board-protocol-fuzz.ts'

describe('board protocol fuzzer', () => {
  it('10^4 seeded random and mutated frames: no escape, every refusal with a protocol code, valid streams exact', () => {
    const fig = runProtocolFuzz({ cases: 10_000, seed: 11 })
    expect(fig.violations).toEqual([])
    expect(fig.accepted + fig.refused).toBe(10_000)
    // each kind of defect is met and refused with its own code
    expect(fig.refusedByCode.CHECKSUM).toBeGreaterThan(1000)
    expect(fig.refusedByCode.BAD_FRAME).toBeGreaterThan(1000)
    expect(fig.refusedByCode.UNSUPPORTED).toBeGreaterThan(10)
    expect(Object.keys(fig.refusedByCode).sort()).toEqual(['BAD_FRAME', 'CHECKSUM', 'UNSUPPORTED'])
    // the 2500 valid streams (1-4 frames each) decoded
    expect(fig.byKind.valid).toBe(2500)
    expect(fig.framesDecoded).toBeGreaterThan(2500 * 2)
  })
})
