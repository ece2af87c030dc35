// A task's method settings (TaskDescriptor.methodDefaults; docs/method.md §5) have one source: the
// task plug-in. The service (every front door: `mimic`, the server) and the forms take them through
// impliedTask / methodDefaultsOf, and the forms move a field from one task's settings to another's
// only while it still shows the old one (switchDefaults).
import { describe, expect, it } from 'vitest'
import { impliedTask, jobKindNames, jobKinds, methodDefaultsOf } from '../../src/shared/jobkinds/index.ts'
import { taskDescriptors, type TaskName } from '../../src/shared/tasks/index.ts'
import { applies, initialValues, switchDefaults, toParams, valueText } from '../../renderer/src/lib/schemaForm.ts'
import { fieldApplies } from '../../src/shared/schema.ts'
import { bpttLayersOf } from '../../src/shared/jobkinds/pipeline.ts'

const runs: Record<number, TaskName> = { 5: 'wake-phrase', 6: 'xor' }
const taskOfRun = (id: unknown): TaskName | undefined => (typeof id === 'number' ? runs[id] : undefined)

describe('method defaults of a task', () => {
  it('are the descriptor’s, for the parameters the kind has', () => {
    const wake = taskDescriptors['wake-phrase'].methodDefaults
    expect(methodDefaultsOf('train.teacher', 'wake-phrase')).toEqual(wake['train.teacher'])
    expect(methodDefaultsOf('train.ads', 'wake-phrase')).toMatchObject({ neurons: 768, kSchedule: 'staircase', k: 200, eta: 3e-5, etaSchedule: 'decay', etaDecayFraction: 1, fastGain: 1.5, inputGain: 1000 })
    expect(methodDefaultsOf('pipeline', 'wake-phrase')).toMatchObject({ teacherUnits: 128, neurons: 768, kSchedule: 'staircase' })
    // the baselines at the size of network ADS (docs/method.md §13)
    expect(methodDefaultsOf('train.reservoir', 'wake-phrase')).toEqual({ neurons: 768 })
    expect(methodDefaultsOf('train.force', 'wake-phrase')).toEqual({ neurons: 768 })
    expect(methodDefaultsOf('train.bptt-snn', 'wake-phrase')).toEqual({ layer1: 768, layer2: 768 })
    expect(methodDefaultsOf('train.teacher', 'xor')).toEqual({})
    expect(methodDefaultsOf('train.teacher', undefined)).toEqual({})
  })

  it('give a dataset the chosen task\'s generator defaults where the tasks differ (samples: 500 of XOR, 1500 of the wake phrase)', () => {
    // with the defaults of the fields only that task's generator has
    expect(methodDefaultsOf('data.generate', 'wake-phrase')).toEqual({ count: 1500, phrase: 'hey snips', snrDb: 10, closeNegatives: 0.2, featureScaling: 'none' })
    expect(methodDefaultsOf('data.generate', 'xor')).toEqual({ count: 500, durationS: 1, dtMs: 1 })
    // the kind's field has no default of its own; its help names each task's
    const count = jobKinds['data.generate'].params.info().fields!.count
    expect(count.default).toBeUndefined()
    expect(count.help).toContain('default per task: xor 500, wake-phrase 1500')
    // a form moving from XOR to the wake phrase shows 1500
    const info = jobKinds['data.generate'].params.info()
    const xor = switchDefaults(info, initialValues(info), {}, methodDefaultsOf('data.generate', 'xor'))
    expect(xor.count).toBe('500')
    const wake = switchDefaults(info, { ...xor, task: 'wake-phrase' }, methodDefaultsOf('data.generate', 'xor'), methodDefaultsOf('data.generate', 'wake-phrase'))
    expect(wake.count).toBe('1500')
    // XOR's duration leaves with XOR (a wake dataset would record it), the phrase comes with the wake phrase
    expect(xor.durationS).toBe('1')
    expect(wake.durationS).toBe('')
    expect(wake.phrase).toBe('hey snips')
  })

  it('give a pipeline\'s BPTT network the task\'s layers (the wake phrase: 768 each, as train bptt-snn), else --neurons shared by the two', () => {
    expect(bpttLayersOf('wake-phrase', 768)).toEqual({ layer1: 768, layer2: 768 })
    expect(bpttLayersOf('wake-phrase', 768)).toEqual(methodDefaultsOf('train.bptt-snn', 'wake-phrase'))
    expect(bpttLayersOf('xor', 320)).toEqual({ layer1: 160, layer2: 160 })
    expect(bpttLayersOf('xor', 65)).toEqual({ layer1: 33, layer2: 32 })
  })

  it('belong to the task given, else the dataset’s, else (a kind without a task field) the teacher’s, else the kind’s default task', () => {
    expect(impliedTask('train.teacher', { task: 'xor', data: 5 }, taskOfRun)).toBe('xor')
    expect(impliedTask('train.teacher', { data: 5 }, taskOfRun)).toBe('wake-phrase')
    expect(impliedTask('pipeline', { data: 5 }, taskOfRun)).toBe('wake-phrase')
    expect(impliedTask('train.ads', { teacher: 5 }, taskOfRun)).toBe('wake-phrase')
    expect(impliedTask('train.ads', { teacher: 6, data: 5 }, taskOfRun)).toBe('wake-phrase')
    // a kind with a task field does not take its teacher's: given neither a task nor a dataset, it has
    // its task field's default (the service always fell back to it; impliedTask now does, for the forms too)
    expect(impliedTask('train.teacher', { teacher: 5 }, taskOfRun)).toBe(jobKinds['train.teacher'].params.info().fields!.task.default)
    expect(impliedTask('train.teacher', { teacher: 5 }, taskOfRun)).toBe('xor')
    expect(impliedTask('train.teacher', {}, taskOfRun)).toBe('xor')
    expect(impliedTask('data.generate', {}, taskOfRun)).toBe('xor')
    expect(impliedTask('data.import-audio', {}, taskOfRun)).toBe('wake-phrase')
    // a form's empty text is a value left out
    expect(impliedTask('pipeline', { task: '', data: '' }, taskOfRun)).toBe('xor')
    // a dataset given whose task is not known implies none (not the default: the dataset decides)
    expect(impliedTask('train.teacher', { data: 99 }, taskOfRun)).toBeUndefined()
    // a kind without a task field has no default task
    expect(impliedTask('train.ads', {}, taskOfRun)).toBeUndefined()
    expect(impliedTask('train.ads', { teacher: 99 }, taskOfRun)).toBeUndefined()
    expect(impliedTask('train.teacher', { task: 'no-such-task', data: 5 }, taskOfRun)).toBeUndefined()
  })
})

describe('a form moving between the settings of two tasks', () => {
  const info = jobKinds['train.ads'].params.info()

  it('fills the fields still at the schema defaults with the task’s, and puts them back', () => {
    const fresh = initialValues(info)
    expect(fresh.neurons).toBe('320')
    const wake = switchDefaults(info, fresh, {}, methodDefaultsOf('train.ads', 'wake-phrase'))
    expect(wake).toMatchObject({ neurons: '768', kSchedule: 'staircase', k: '200', eta: '0.00003', etaSchedule: 'decay', etaDecayFraction: '1', fastGain: '1.5', inputGain: '1000', epochs: '5', selection: 'accuracy' })
    // fields the task does not set are untouched
    expect(wake.tauMemMs).toBe(fresh.tauMemMs)
    const back = switchDefaults(info, wake, methodDefaultsOf('train.ads', 'wake-phrase'), {})
    expect(back).toEqual(fresh)
  })

  it('keeps what the user typed', () => {
    const typed = { ...initialValues(info), neurons: '500' }
    const wake = switchDefaults(info, typed, {}, methodDefaultsOf('train.ads', 'wake-phrase'))
    expect(wake.neurons).toBe('500')
    expect(wake.k).toBe('200')
  })
})

describe('a field that applies only with another field’s value (FieldInfo.when)', () => {
  it('applies in a form exactly when it applies to the parameters the form sends (every kind, every value of the other field)', () => {
    let checked = 0
    const conditionTypes = new Set<string>()
    for (const kind of jobKindNames) {
      const info = jobKinds[kind].params.info()
      const fields = info.fields ?? {}
      for (const [key, f] of Object.entries(fields)) {
        if (!f.when) continue
        const other = fields[f.when.field]
        conditionTypes.add(typeof f.when.equals)
        expect(other, `${kind}.${key}: its condition names ${f.when.field}`).toBeDefined()
        const choices: unknown[] = other.type === 'boolean' ? [true, false] : [...(other.values ?? []), f.when.equals]
        for (const v of choices) {
          const form = { ...initialValues(info), [f.when.field]: valueText(other, v) }
          // the service reads typed values, a field left out as its default (as startJob fills them in)
          const sent = toParams(info, form)
          const inService = fieldApplies(f, (name) => sent[name] ?? fields[name]?.default)
          expect(applies(f, form), `${kind}.${key} with ${f.when.field} = ${String(v)}`).toBe(inService)
          expect(inService).toBe(v === f.when.equals)
          checked++
        }
      }
    }
    // the η schedule's decay time and floor, a generator's fields of one task, the pipeline's baselines'
    // fields (string conditions); the robustness gain recalibration's fields (boolean conditions)
    expect(conditionTypes).toEqual(new Set(['string', 'boolean']))
    expect(checked).toBeGreaterThan(100)
  })
})

describe("the wake phrase's decaying η", () => {
  it('share 1 gives b = 977 samples for the default corpus: 5 epochs over the training split (60 %) of 1500 samples', async () => {
    const { etaDecaySamplesOf } = await import('../../src/jobs/kinds/train-ads.ts')
    const { generatorDefaultsOf } = await import('../../src/shared/jobkinds/data-generate.ts')
    const ads = methodDefaultsOf('train.ads', 'wake-phrase')
    expect(ads).toMatchObject({ epochs: 5, epochFraction: 1, etaSchedule: 'decay', etaDecayFraction: 1 })
    const corpus = generatorDefaultsOf('wake-phrase').count as number
    expect(corpus).toBe(1500)
    expect(etaDecaySamplesOf(ads as { etaDecayFraction: number }, (ads.epochs as number) * corpus * 0.6)).toBe(977)
    // b given wins; neither: the authors' half of the training, unrounded
    expect(etaDecaySamplesOf({ etaDecayFraction: 1, etaDecaySamples: 500 }, 4500)).toBe(500)
    expect(etaDecaySamplesOf({}, 4500)).toBeCloseTo(4500 / 2 / Math.log(100), 12)
  })
})
