// Run management through the services and the real CLI, with real worker processes: deleting a run
// that others were derived from (refused with the dependants, or cascaded), result summaries that
// count undecided samples, the decay schedule's b and c reaching the native trainer, validation
// messages that name fields by their labels, and `mimic eval --data` importing the file it reads.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateXor, taskScore, teacherForward, type TeacherParams } from '../../native/index.ts'
import { Services } from '../../src/services/index.ts'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { AppError, FieldError } from '../../src/shared/errors.ts'
import { writeNpz } from '../../src/formats/npz.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

let db: string
let s: Services
let projectId: number
let datasetId: number
let teacherId: number

const tinyTeacher = { units: 8, epochs: 1, samplesPerEpoch: 10, validationSamples: 0, testSamples: 10, seed: 1 }

async function finished(runId: number): Promise<void> {
  const status = await s.runner.wait(runId)
  if (status !== 'succeeded') throw new Error(`run ${runId} ${status}: ${(await s.call('runs.get', { id: runId })).error}`)
}

async function start(kind: string, params: Record<string, unknown>, name?: string): Promise<number> {
  const { runId } = await s.call('jobs.start', { kind, projectId, params, name })
  await finished(runId)
  return runId
}

async function thrown(p: Promise<unknown>): Promise<AppError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(AppError)
    return err as AppError
  }
  throw new Error('expected a refusal')
}

function cli(args: string[]) {
  return mimic(['--db', db, ...args])
}

beforeAll(async () => {
  db = tempDb()
  s = new Services({ dbPath: db, frontDoor: 'cli', cancelGraceMs: 3000 })
  projectId = (await s.call('projects.create', { name: 'Runs' })).id
  datasetId = await start('data.generate', { count: 20, seed: 2 }, 'xor 20')
  teacherId = await start('train.teacher', tinyTeacher, 'tiny teacher')
})

afterAll(async () => {
  await s?.close()
  cleanupTemp()
})

describe('deleting a run that others depend on', () => {
  it('is refused with the dependants (id, kind, name); cascade deletes the run and all its descendants', async () => {
    const evalA = await start('eval', { network: teacherId, dataset: datasetId }, 'eval A')
    const evalB = await start('eval', { network: teacherId, dataset: datasetId }, 'eval B')
    const expected = [
      { id: evalA, projectId, kind: 'evaluation', name: 'eval A', status: 'succeeded' },
      { id: evalB, projectId, kind: 'evaluation', name: 'eval B', status: 'succeeded' },
    ]
    expect(await s.call('runs.dependants', { id: teacherId })).toEqual(expected)

    const refused = await thrown(s.call('runs.delete', { id: teacherId }))
    expect(refused.code).toBe('CONFLICT')
    expect(refused.details?.dependants).toEqual(expected)
    expect(refused.message).toContain(`evaluation run ${evalA} “eval A”`)
    expect(refused.message).toContain(`evaluation run ${evalB} “eval B”`)
    expect(refused.message).toMatch(/cascade/)
    // nothing was deleted
    expect((await s.call('runs.get', { id: teacherId })).children.map((c) => c.id)).toEqual([evalA, evalB])

    // the dataset the evaluations used is a parent of them too
    expect((await s.call('runs.dependants', { id: datasetId })).map((r) => r.id)).toEqual([evalA, evalB])

    // the command line: refused, one line naming the dependants and the --cascade form
    const r = cli(['runs', 'delete', String(teacherId)])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(`evaluation run ${evalA} “eval A”`)
    expect(r.stderr).toContain(`mimic runs delete ${teacherId} --cascade`)
    const j = JSON.parse(cli(['--json', 'runs', 'delete', String(teacherId)]).stdout)
    expect(j).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { dependants: expected } } })

    // cascade: the run, then its descendants, and nothing else
    const cascade = cli(['--json', 'runs', 'delete', String(teacherId), '--cascade'])
    expect(cascade.code, cascade.stderr).toBe(0)
    expect(JSON.parse(cascade.stdout)).toMatchObject({ id: teacherId, deleted: [teacherId, evalA, evalB] })
    for (const id of [teacherId, evalA, evalB]) expect((await thrown(s.call('runs.get', { id }))).code).toBe('NOT_FOUND')
    expect((await s.call('runs.get', { id: datasetId })).children).toEqual([])
    teacherId = await start('train.teacher', tinyTeacher, 'tiny teacher')
  })

  it('a run without dependants is deleted alone; the CLI says what it deleted', async () => {
    const ev = await start('eval', { network: teacherId, dataset: datasetId }, 'lonely eval')
    const r = cli(['runs', 'delete', String(ev)])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(`deleted run ${ev} (evaluation “lonely eval”)`)
  })

  it('a running dependant blocks deletion, with or without cascade', async () => {
    const { runId: ads } = await s.call('jobs.start', {
      kind: 'train.ads',
      projectId,
      params: { teacher: teacherId, neurons: 40, epochs: 1000, samplesPerEpoch: 50, validationSamples: 5, testSamples: 5, seed: 1 },
      name: 'long ads',
    })
    try {
      const plain = await thrown(s.call('runs.delete', { id: teacherId }))
      expect(plain.details?.dependants?.map((d) => [d.id, d.status])).toEqual([[ads, expect.stringMatching(/queued|running/)]])
      const cascade = await thrown(s.call('runs.delete', { id: teacherId, cascade: true }))
      expect(cascade.code).toBe('CONFLICT')
      expect(cascade.details?.running?.map((d) => d.id)).toEqual([ads])
      expect(cascade.message).toMatch(/still (queued|running)/)
      const r = cli(['runs', 'delete', String(teacherId), '--cascade'])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`mimic jobs cancel ${ads}`)
      expect((await s.call('runs.get', { id: teacherId })).status).toBe('succeeded')
      // a project with a running job: refused with the running runs, in words without command lines
      const project = await thrown(s.call('projects.delete', { id: projectId }))
      expect(project.code).toBe('CONFLICT')
      expect(project.details?.running?.map((r) => r.name)).toEqual(['long ads'])
      expect(project.message).toBe('Project “Runs” cannot be deleted while “long ads” is still running: cancel it or wait until it finishes.')
      const p = cli(['projects', 'delete', String(projectId)])
      expect(p.stderr).toMatch(/still running: cancel it or wait until it finishes\. Cancel with `mimic jobs cancel \d+`\./)
    } finally {
      s.runner.cancel(ads)
      await s.runner.wait(ads)
    }
    const done = await s.call('runs.delete', { id: teacherId, cascade: true })
    expect(done.deleted).toEqual([teacherId, ads])
    teacherId = await start('train.teacher', tinyTeacher, 'tiny teacher')
  })
})

describe('undecided samples in result summaries', () => {
  it('an evaluation counts the samples with no decision; accuracy counts them as wrong', async () => {
    // zero input: the teacher's state stays at rest, its output never crosses ±0.5
    const samples = 12
    const steps = 200
    const targets = new Float32Array(samples * steps)
    for (let b = 0; b < samples; b++) targets.fill(b % 2 ? 1 : -1, b * steps + 100, b * steps + 150)
    const bytes = writeNpz({
      inputs: { dtype: 'float32', shape: [samples, steps, 1], data: new Float32Array(samples * steps) },
      targets: { dtype: 'float32', shape: [samples, steps, 1], data: targets },
    })
    const ds = await s.call('datasets.import', { projectId, fileName: 'silence.npz', bytes })
    const ev = await start('eval', { network: teacherId, dataset: ds.id })
    const run = await s.call('runs.get', { id: ev })
    expect(run.summary).toMatchObject({ samples, undecided: samples, accuracy: 0 })

    // on XOR samples: the count is the number of zero predictions stored with the run
    const ev2 = await start('eval', { network: teacherId, dataset: datasetId })
    const summary = (await s.call('runs.get', { id: ev2 })).summary
    const predictions = await s.call('artifacts.read', { runId: ev2, name: 'predictions' })
    expect(summary.undecided).toBe([...predictions.data].filter((p) => p === 0).length)
  })

  it('training runs report their undecided test samples', async () => {
    const teacher = await s.call('runs.get', { id: teacherId })
    // the test set again, from the seed the run recorded, through the stored teacher: the same count
    const test = await generateXor({ count: tinyTeacher.testSamples, seed: teacher.summary.testSeed, durationS: 1, dtMs: 1 })
    const fwd = await teacherForward(loadBundle<TeacherParams>(s.store, teacherId).net, { inputs: test.inputs, count: test.count, steps: test.steps })
    const decision = taskScore('xor', { outputs: fwd.outputs, shape: [test.count, test.steps, 1], targets: test.targets })
    expect(teacher.summary.testUndecided).toBe([...decision.decisions].filter((p) => p === 0).length)
    expect(teacher.summary.testAccuracy).toBe(decision.accuracy)
    // the shown samples keep their labels and decisions (the teacher's page draws them; the UI has no copy of the rule)
    const shown = (await s.call('artifacts.read', { runId: teacherId, name: 'test.outputs' })).shape[0]
    expect(shown).toBe(8)
    const labels = await s.call('artifacts.read', { runId: teacherId, name: 'test.labels' })
    const predictions = await s.call('artifacts.read', { runId: teacherId, name: 'test.predictions' })
    expect(labels).toMatchObject({ dtype: 'int8', shape: [shown] })
    expect(predictions).toMatchObject({ dtype: 'int8', shape: [shown, 1] })
    expect([...labels.data]).toEqual([...test.labels.slice(0, shown)])
    expect([...predictions.data]).toEqual([...decision.decisions.slice(0, shown)])
  })
})

describe('the decay schedule η·exp(−t/b) + c', () => {
  const ads = { teacher: 0, neurons: 40, epochs: 2, samplesPerEpoch: 20, validationSamples: 4, testSamples: 4, eta: 1e-5, seed: 3 }

  it('passes b and c to the native trainer: the η of each epoch follows them', async () => {
    const id = await start('train.ads', { ...ads, teacher: teacherId, etaSchedule: 'decay', etaDecaySamples: 25, etaFloor: 3e-7 })
    const [eta] = await s.call('metrics.get', { runId: id, keys: ['eta'] })
    // the record holds η of the epoch's last training sample: t = 19, then 39
    expect(eta.steps).toEqual([1, 2])
    expect(eta.values[0]).toBeCloseTo(1e-5 * Math.exp(-19 / 25) + 3e-7, 15)
    expect(eta.values[1]).toBeCloseTo(1e-5 * Math.exp(-39 / 25) + 3e-7, 15)
  })

  it('b left empty is the authors’ (epochs × samples) / (2 ln 100), c defaults to 1e-7', async () => {
    const id = await start('train.ads', { ...ads, teacher: teacherId, etaSchedule: 'decay' })
    const [eta] = await s.call('metrics.get', { runId: id, keys: ['eta'] })
    const b = 40 / 2 / Math.log(100)
    expect(eta.values[1]).toBeCloseTo(1e-5 * Math.exp(-39 / b) + 1e-7, 15)
  })

  it('the decay share gives b = share × (epochs × samples) / ln 100 in whole samples; b given takes precedence', async () => {
    const id = await start('train.ads', { ...ads, teacher: teacherId, etaSchedule: 'decay', etaDecayFraction: 0.8 })
    const [eta] = await s.call('metrics.get', { runId: id, keys: ['eta'] })
    const b = Math.round((0.8 * 40) / Math.log(100)) // 6.95 → 7
    expect(b).toBe(7)
    expect(eta.values[0]).toBeCloseTo(1e-5 * Math.exp(-19 / b) + 1e-7, 15)
    expect(eta.values[1]).toBeCloseTo(1e-5 * Math.exp(-39 / b) + 1e-7, 15)
    expect((await s.call('runs.get', { id })).summary.etaDecaySamples).toBe(7)
    const both = await start('train.ads', { ...ads, teacher: teacherId, etaSchedule: 'decay', etaDecayFraction: 0.8, etaDecaySamples: 25 })
    const [eta2] = await s.call('metrics.get', { runId: both, keys: ['eta'] })
    expect(eta2.values[1]).toBeCloseTo(1e-5 * Math.exp(-39 / 25) + 1e-7, 15)
    const recorded = await s.call('runs.get', { id: both })
    expect(recorded.summary.etaDecaySamples).toBe(25)
    // the share, not used, is not recorded
    expect(recorded.params.etaDecaySamples).toBe(25)
    expect(recorded.params).not.toHaveProperty('etaDecayFraction')
  })

  it('b given with the constant schedule is refused, naming the field', async () => {
    const e = await thrown(s.call('jobs.start', { kind: 'train.ads', projectId, params: { ...ads, teacher: teacherId, etaDecaySamples: 25 } }))
    expect(e).toBeInstanceOf(FieldError)
    expect(e.field).toBe('params.etaDecaySamples')
    expect(e.message).toBe('Decay time b applies only when η schedule is decay (it is constant): choose decay or leave it out.')
  })
})

describe('validation messages for people', () => {
  it('name the field by its label, and carry its path', async () => {
    const e = await thrown(s.call('jobs.start', { kind: 'simulate', projectId, params: { dataset: datasetId } }))
    expect(e.message).toBe('Network run is required: choose a network, ads, reservoir, force or bptt-snn run.')
    expect(e.field).toBe('params.network')
    const range = await thrown(s.call('jobs.start', { kind: 'data.generate', projectId, params: { count: 0 } }))
    expect(range.message).toBe('Samples must be an integer between 1 and 100000 (received 0).')
    expect(range.field).toBe('params.count')
    const wrongKind = await thrown(s.call('jobs.start', { kind: 'eval', projectId, params: { network: datasetId, dataset: datasetId } }))
    expect(wrongKind.message).toBe(`Trained network run is run ${datasetId} “xor 20”, a dataset run: choose a teacher, ads, reservoir, force or bptt-snn run.`)
    expect(wrongKind.field).toBe('params.network')
    const name = await thrown(s.call('projects.create', { name: '  ' }))
    expect(name.message).toMatch(/^Project name must not be empty/)
    expect(name.field).toBe('name')
  })

  it('the CLI names the flag', () => {
    const r = cli(['train', 'ads', '--project', String(projectId)])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('mimic: Teacher run (--teacher) is required: choose a teacher run.')
    const wrong = cli(['train', 'ads', '--project', String(projectId), '--teacher', String(datasetId)])
    expect(wrong.stderr.trim()).toBe(`mimic: Teacher run (--teacher) is run ${datasetId} “xor 20”, a dataset run: choose a teacher run.`)
  })
})

describe('mimic eval --data FILE', () => {
  it('reads the file itself, imports it as a dataset run and evaluates that (the dataset is a parent in lineage)', async () => {
    const dir = tempDir()
    const file = join(dir, 'held-out.npz')
    const inputs = await s.call('artifacts.read', { runId: datasetId, name: 'inputs' })
    const targets = await s.call('artifacts.read', { runId: datasetId, name: 'targets' })
    writeFileSync(file, writeNpz({ inputs: { dtype: 'float32', shape: inputs.shape, data: inputs.data }, targets: { dtype: 'float32', shape: targets.shape, data: targets.data } }))
    const r = cli(['--json', 'eval', String(teacherId), '--data', file])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    const run = await s.call('runs.get', { id: out.id })
    const dataset = run.parents.find((p) => p.role === 'dataset')
    expect(dataset).toMatchObject({ id: out.datasetRunId, kind: 'dataset', name: 'Imported held-out.npz', status: 'succeeded' })
    expect(run.params).toEqual(expect.objectContaining({ dataset: out.datasetRunId }))
    expect(run.params).not.toHaveProperty('dataFile')
    expect((await s.call('runs.get', { id: out.datasetRunId })).params).toMatchObject({ source: 'import', fileName: 'held-out.npz', samples: 20 })
    // the same data as the dataset run it came from: the same scores
    const direct = await start('eval', { network: teacherId, dataset: datasetId })
    expect(out.accuracy).toBe((await s.call('runs.get', { id: direct })).summary.accuracy)
  })

  it('a file that does not fit the network is refused before anything is stored', async () => {
    const dir = tempDir()
    const file = join(dir, 'two-channels.npz')
    writeFileSync(file, writeNpz({
      inputs: { dtype: 'float32', shape: [2, 50, 2], data: new Float32Array(200) },
      targets: { dtype: 'float32', shape: [2, 50, 1], data: new Float32Array(100) },
    }))
    const before = (await s.call('runs.list', {})).length
    const r = cli(['eval', String(teacherId), '--data', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/array "inputs" has 2 channels but the network takes 1/)
    expect((await s.call('runs.list', {})).length).toBe(before)
  })

  it('the eval job takes no file path: dataFile is not a parameter any caller can pass', async () => {
    const e = await thrown(s.call('jobs.start', { kind: 'eval', projectId, params: { network: teacherId, dataFile: '/etc/hostname' } }))
    expect(e.message).toMatch(/^params\.dataFile is not a known field/)
  })
})
