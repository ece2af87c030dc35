// The CLI's plain-text output: progress on stderr when it is not a terminal (a log: a line per 10 % and one when the work changes), and tables.
import { describe, expect, it } from 'vitest'
import { formatTable, ProgressLine } from '../../src/cli/format.ts'

const at = (fraction: number, message: string, stage: string | null = null) => ({ fraction, etaSeconds: null, message, stage, updatedAt: '' })

describe('ProgressLine in a log', () => {
  it('writes a line per 10 %, and one when the message names other work, not when only its numbers change', () => {
    const lines: string[] = []
    const p = new ProgressLine((s) => lines.push(s), false)
    p.update(at(0.05, 'collecting reservoir states'))
    p.update(at(0.06, 'collecting reservoir states'))
    p.update(at(0.26, 'collecting reservoir states'))
    p.update(at(0.26, 'fitting the read-out (ridge regression)'))
    p.update(at(0.3, 'training: epoch 3 of 20 (last epoch: loss 1.5e-3)'))
    p.update(at(0.31, 'training: epoch 4 of 20 (last epoch: loss 0.0012)'))
    p.update(at(0.32, 'training: epoch 4 of 20'))
    p.update(at(0.33, 'training: epoch 5 of 20 (last epoch: loss 0.0011)', 'teacher'))
    expect(lines).toEqual([
      '5% collecting reservoir states\n',
      '26% collecting reservoir states\n',
      '26% fitting the read-out (ridge regression)\n',
      '30% training: epoch 3 of 20 (last epoch: loss 1.5e-3)\n',
      '[teacher] 33% training: epoch 5 of 20 (last epoch: loss 0.0011)\n',
    ])
  })

  it('a phase that says its own share while the job stays at 0 % (JobContext.setup): a line per 10 % of the phase', () => {
    const lines: string[] = []
    const p = new ProgressLine((s) => lines.push(s), false)
    for (const share of [0, 4, 8, 12, 19, 23, 55, 58, 99]) p.update(at(0, share ? `mapping the network onto the chip (${share} %)` : 'mapping the network onto the chip'))
    p.update(at(0.02, 'running samples 1-16 of 40 on emulator'))
    expect(lines).toEqual([
      '0% mapping the network onto the chip\n',
      '0% mapping the network onto the chip (12 %)\n',
      '0% mapping the network onto the chip (23 %)\n',
      '0% mapping the network onto the chip (55 %)\n',
      '0% mapping the network onto the chip (99 %)\n',
      '2% running samples 1-16 of 40 on emulator\n',
    ])
  })
})

describe('formatTable', () => {
  it('sizes each column to its widest cell, cuts a cell past 48 characters with an ellipsis, and pads a short row', () => {
    const long = 'Network ADS · 768 neurons · wake phrase · seed 1234567'
    const t = formatTable(['id', 'name', 'status'], [['7', long, 'succeeded'], ['12', 'teacher']]).split('\n')
    expect(t[0]).toBe(`id  ${'name'.padEnd(48)}  status`)
    expect(t[1]).toBe(`7   ${long.slice(0, 47)}…  succeeded`)
    expect(t[2]).toBe('12  teacher')
  })
})
