// How a sweep's items are grouped into SLURM array tasks (src/shared/grouping.ts), and the cost
// estimates the job kinds declare for it.
import { describe, expect, test } from 'vitest'
import { parseSeeds } from '../../src/cli/jobs.ts'
import { chooseGrouping, parseSeedList, type CostLookup } from '../../src/shared/grouping.ts'
import { jobKinds, pipelineParams } from '../../src/shared/jobkinds/index.ts'

describe('chooseGrouping', () => {
  test('small items are grouped until a task runs at least the target time', () => {
    expect(chooseGrouping({ items: 100, itemSeconds: 4 })).toMatchObject({ itemsPerTask: 15, tasks: 7, chosen: 'estimated', taskSeconds: 60 })
    expect(chooseGrouping({ items: 100, itemSeconds: 4, targetSeconds: 30 })).toMatchObject({ itemsPerTask: 8, tasks: 13 })
    // all the items together run less than the target: one task
    expect(chooseGrouping({ items: 12, itemSeconds: 0.5 })).toMatchObject({ itemsPerTask: 12, tasks: 1 })
  })
  test('items of a minute or more get a task each', () => {
    expect(chooseGrouping({ items: 40, itemSeconds: 90 })).toMatchObject({ itemsPerTask: 1, tasks: 40 })
    expect(chooseGrouping({ items: 40, itemSeconds: 60 })).toMatchObject({ itemsPerTask: 1, tasks: 40 })
  })
  test('--items-per-task wins over the estimate', () => {
    const g = chooseGrouping({ items: 10, itemSeconds: 1, given: 3 })
    expect(g).toMatchObject({ itemsPerTask: 3, tasks: 4, chosen: 'given' })
    expect(g.text).toMatch(/^3 items per task, 4 tasks \(about 1\.0 s per item, 3\.0 s per task\): as given/)
    expect(chooseGrouping({ items: 2, itemSeconds: null, given: 5 })).toMatchObject({ itemsPerTask: 2, tasks: 1 })
  })
  test('without an estimate: one item per task, and the text says how to group', () => {
    const g = chooseGrouping({ items: 5, itemSeconds: null })
    expect(g).toMatchObject({ itemsPerTask: 1, tasks: 5, chosen: 'default', itemSeconds: null, taskSeconds: null })
    expect(g.text).toContain('give --items-per-task')
    expect(chooseGrouping({ items: 5, itemSeconds: Number.NaN }).chosen).toBe('default')
  })
  test('never more tasks than the array may have', () => {
    expect(chooseGrouping({ items: 5000, itemSeconds: 600 })).toMatchObject({ itemsPerTask: 5, tasks: 1000 })
    expect(chooseGrouping({ items: 5000, itemSeconds: null, given: 1, maxTasks: 100 })).toMatchObject({ itemsPerTask: 50, tasks: 100 })
  })
  test('refuses a count of items that is not a positive integer', () => {
    expect(() => chooseGrouping({ items: 0, itemSeconds: 1 })).toThrow(/items must be a positive integer/)
  })
})

describe('the job kinds\' cost estimates', () => {
  const look: CostLookup = { neurons: (id) => (id === 1 ? 320 : 768), steps: (id) => (id === 9 ? 1000 : null), taskSteps: (t) => (t === null || t === 'xor' ? 1000 : 5000) }
  test('a paper-size temporal-XOR pipeline is a minute or more (measured 70-90 s): a task of its own', () => {
    const s = jobKinds.pipeline.itemSeconds(pipelineParams.parse({ task: 'xor' }, 'p') as Record<string, unknown>, look)!
    expect(s).toBeGreaterThan(60)
    expect(s).toBeLessThan(200)
    expect(chooseGrouping({ items: 10, itemSeconds: s }).itemsPerTask).toBe(1)
  })
  test('a robustness item grows with its draws, samples and network size; unknown without the dataset\'s steps', () => {
    const item = { networks: [1], dataset: 9, levels: [0.1], draws: 10, samples: 200, perturbation: 'mismatch' }
    const s = jobKinds.robustness.itemSeconds(item, look)!
    // 10 draws × 200 samples × 1000 steps × 320 neurons at 3.2 ns per neuron-step
    expect(s).toBeCloseTo(2.048, 3)
    expect(jobKinds.robustness.itemSeconds({ ...item, networks: [2] }, look)!).toBeCloseTo((s * 768) / 320, 6)
    expect(jobKinds.robustness.itemSeconds({ ...item, draws: 20 }, look)!).toBeCloseTo(2 * s, 6)
    expect(jobKinds.robustness.itemSeconds({ ...item, dataset: 8 }, look)).toBeNull()
    // recalibrating adds the validation chips on the validation samples, each simulated once (the 151
    // gains scale outputs already simulated): 5 × 100 more samples, a quarter more than 10 × 200
    expect(jobKinds.robustness.itemSeconds({ ...item, recalibrateGain: true, validationSamples: 100, validationDraws: 5 }, look)!).toBeCloseTo(s * 1.25, 6)
  })
  test('a chip-yield item grows with its chips, samples and network size; fresh samples have the task\'s length', () => {
    const item = { network: 1, mismatch: 0.1, chips: 100, minAccuracy: 0.9, samples: 200, dataset: 9 }
    const s = jobKinds.yield.itemSeconds(item, look)!
    // 100 chips × 200 samples × 1000 steps × 320 neurons at 3.2 ns per neuron-step
    expect(s).toBeCloseTo(20.48, 3)
    expect(jobKinds.yield.itemSeconds({ ...item, chips: 10 }, look)!).toBeCloseTo(s / 10, 6)
    expect(jobKinds.yield.itemSeconds({ ...item, network: 2 }, look)!).toBeCloseTo((s * 768) / 320, 6)
    const { dataset: _, ...fresh } = item
    expect(jobKinds.yield.itemSeconds(fresh, look)!).toBeCloseTo(s, 6)
    expect(jobKinds.yield.itemSeconds({ ...item, dataset: 8 }, look)).toBeNull()
    // small yields are grouped: 20 items of 10 chips (about 3 s each with their start) make one task of about a minute
    expect(chooseGrouping({ items: 20, itemSeconds: jobKinds.yield.itemSeconds({ ...item, chips: 10 }, look)! }).itemsPerTask).toBe(20)
  })
})

describe('seeds of a sweep (--seeds and the forms\' Seeds field)', () => {
  test('a list and ranges', () => {
    expect(parseSeedList('1,2,5-8')).toEqual([1, 2, 5, 6, 7, 8])
    expect(parseSeedList(' 3 , 10-11 ')).toEqual([3, 10, 11])
    expect(parseSeeds('4-6')).toEqual([4, 5, 6])
  })
  test('what is wrong, in the field\'s words and the flag\'s', () => {
    expect(parseSeedList('1;2')).toBe('must be seeds and ranges separated by commas, e.g. 1,2,5-8 (received "1;2").')
    expect(parseSeedList('8-5')).toBe('has the range 8-5, which runs backwards: write 5-8.')
    expect(parseSeedList('1-3,2')).toBe('repeat a seed (received "1-3,2"): each item of a sweep is a different seed.')
    expect(parseSeedList(' , ')).toBe('must name at least one seed, e.g. 1-10.')
    expect(parseSeedList('0-200000')).toBe('names more than 100000 seeds.')
    expect(() => parseSeeds('8-5')).toThrow('--seeds has the range 8-5, which runs backwards: write 5-8.')
    expect(() => parseSeeds('')).toThrow('--seeds must name at least one seed, e.g. 1-10.')
  })
})
