// Forms started from elsewhere (a network's page, a selection in the runs table): the job kind's
// defaults with the chosen runs filled in, and which runs may be chosen (read from the kind's spec).
import { describe, expect, it } from 'vitest'
import { jobKinds } from '../../src/shared/jobkinds/index.ts'
import { isRobustnessNetwork, isSpikingNetwork, robustnessValues, simulateValues } from '../../renderer/src/lib/robustness.ts'
import { initialValues } from '../../renderer/src/lib/schemaForm.ts'

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
