// Forms started from elsewhere (a network's page, a selection in the runs table): the job kind's
// defaults with the chosen runs filled in, and which runs may be chosen (read from the kind's spec).
import { describe, expect, it } from 'vitest'
import { jobKinds } from '../../src/shared/jobkinds/index.ts'
import { isRobustnessNetwork, isSpikingNetwork, robustnessValues, simulateValues } from '../../renderer/src/lib/robustness.ts'
import { formHelp, initialValues, refKinds } from '../../renderer/src/lib/schemaForm.ts'
import type { FieldInfo } from '../../src/shared/schema.ts'

describe('a form filled in from elsewhere', () => {
  it('robustness: the form’s defaults with the networks, and the dataset when given', () => {
    const defaults = initialValues(jobKinds.robustness.params.info())
    expect(robustnessValues([3, 7], 2)).toEqual({ ...defaults, networks: '3, 7', dataset: '2' })
    expect(robustnessValues([3])).toEqual({ ...defaults, networks: '3' })
    expect(Object.keys(robustnessValues([3], 2))).toEqual(Object.keys(defaults))
  })

  it('simulate: the form’s defaults with the network, and the dataset when given', () => {
    const defaults = initialValues(jobKinds.simulate.params.info())
    expect(simulateValues(4, 9)).toEqual({ ...defaults, network: '4', dataset: '9' })
    expect(simulateValues(4)).toEqual({ ...defaults, network: '4' })
    expect(Object.keys(simulateValues(4, 9))).toEqual(Object.keys(defaults))
  })

  it('offers the finished runs of the kinds the field refers to', () => {
    expect(isRobustnessNetwork({ kind: 'teacher', status: 'succeeded' })).toBe(true)
    expect(isRobustnessNetwork({ kind: 'ads', status: 'succeeded' })).toBe(true)
    expect(isRobustnessNetwork({ kind: 'ads', status: 'failed' })).toBe(false)
    expect(isRobustnessNetwork({ kind: 'reservoir', status: 'succeeded' })).toBe(false)
    for (const kind of ['ads', 'reservoir', 'force', 'bptt-snn', 'network']) expect(isSpikingNetwork({ kind, status: 'succeeded' })).toBe(true)
    expect(isSpikingNetwork({ kind: 'teacher', status: 'succeeded' })).toBe(false)
    expect(isSpikingNetwork({ kind: 'bptt-snn', status: 'running' })).toBe(false)
  })
})

describe('a field’s help in a form', () => {
  /** every leaf field of every job kind's form, with its path */
  function leaves(info: FieldInfo, path: string, out: [string, FieldInfo][]): [string, FieldInfo][] {
    if (info.fields) for (const [k, f] of Object.entries(info.fields)) leaves(f, path ? `${path}.${k}` : k, out)
    else out.push([path, info])
    return out
  }
  const all = Object.entries(jobKinds).flatMap(([kind, spec]) => leaves(spec.params.info(), kind, []))

  it('drops the command that lists the choices where the form lists them itself, and nothing else', () => {
    const listing = /`mimic [a-z-]+ list/
    let dropped = 0
    for (const [path, info] of all) {
      const offers = refKinds(info) !== null || info.choices === 'targets' || info.suggest !== undefined || info.type === 'enum'
      const shown = formHelp(info)
      if (!offers) expect(shown, path).toBe(info.help ?? '')
      else {
        expect(shown, path).not.toMatch(listing)
        if (shown !== (info.help ?? '')) dropped++
        // only the parenthesis went: the rest of the words are the help's, in order
        expect((info.help ?? '').replace(/\s*\(`mimic [a-z-]+ list(?: [^`]*)?`\)/g, ''), path).toBe(shown)
      }
    }
    // the execution targets of robustness, simulate, eval and yield, and the boards of hil at least
    expect(dropped).toBeGreaterThanOrEqual(5)
    const target = all.find(([p]) => p === 'robustness.target')![1]
    expect(target.help).toContain('(`mimic backends list`)')
    expect(formHelp(target)).toBe('where the network runs')
    const board = all.find(([p]) => p === 'hil.target')![1]
    expect(formHelp(board)).toBe('a board: its address (tcp://HOST:PORT, serial:PATH) or the name of a saved board; or an execution target: emulator, emulator-se1, mapped, simulator')
  })

  it('names the kind of run a picker takes with its article: an ads run, a dataset run', () => {
    const helps = all.filter(([, f]) => typeof f.help === 'string' && f.help.startsWith('id of ')).map(([p, f]) => [p, f.help!] as const)
    expect(helps.length).toBeGreaterThanOrEqual(10)
    for (const [p, help] of helps) expect(help, p).toMatch(/^id of (an [aeiou]|a [^aeiou])/)
    expect(all.find(([p]) => p === 'hil.network')![1].help).toBe('id of an ads run')
  })

  it('keeps a command that makes something, which no list in the form replaces', () => {
    const info = { type: 'string', help: 'a dataset of recordings (`mimic data import audio --dir DIR` makes it)', ref: 'dataset' } as FieldInfo
    expect(formHelp(info)).toBe(info.help)
  })
})
