// The neuron-count limit is one value: src/shared/limits.ts, read by every schema, equal to the
// native addon's own limit (info().limits).
import { describe, expect, it } from 'vitest'
import { addonStatus } from '../../native/index.ts'
import { contract } from '../../src/shared/contract.ts'
import { jobKinds } from '../../src/shared/jobkinds/index.ts'
import { maxNeurons, maxTeacherUnits } from '../../src/shared/limits.ts'

describe('the neuron-count limit', () => {
  it('is the native addon’s limit', () => {
    const s = addonStatus()
    expect(s.error).toBeUndefined()
    expect(s.info?.limits).toEqual({ neurons: maxNeurons, units: 4096 })
    // the teacher sizes the schemas allow are within what the addon accepts
    expect(maxTeacherUnits).toBeLessThanOrEqual(s.info!.limits.units)
  })

  it('bounds every schema that takes a neuron count', () => {
    const neuronFields = [
      jobKinds['network.create'].params.info().fields?.neurons,
      jobKinds['train.ads'].params.info().fields?.neurons,
      jobKinds.pipeline.params.info().fields?.neurons,
      contract['bench.simulator'].args.info().fields?.neurons,
      contract['bench.ads'].args.info().fields?.neurons,
    ]
    for (const f of neuronFields) expect(f?.max).toBe(maxNeurons)
    expect(() => jobKinds['network.create'].params.parse({ neurons: maxNeurons + 1 }, 'params')).toThrow(/^Neurons N must be an integer between 1 and 8192/)
    expect(jobKinds['network.create'].params.parse({ neurons: maxNeurons }, 'params')).toMatchObject({ neurons: maxNeurons })
  })
})
