// `mimic reproduce xor` takes every flag of `train teacher` (as --teacher-X) and of `train ads`, and
// passes them to its stages: read from the commands' own help, and checked on a tiny real run.
import { afterAll, describe, expect, it } from 'vitest'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

const flagsOf = (help: string): string[] => [...help.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1])

describe('reproduce xor takes the flags of train teacher and train ads', () => {
  it('every flag, by the commands’ help', () => {
    const reproduce = new Set(flagsOf(mimic(['reproduce', '--help']).stdout))
    // the teacher's task, test samples, threads and seed are the pipeline's own; its sample length is the task's;
    // the dataset and its order are the pipeline's own, for both networks
    const shared = new Set(['project', 'name', 'task', 'test-samples', 'threads', 'seed', 'duration-s', 'data', 'shuffle',
      // where the job runs (a cluster sweep): flags of the command, not parameters of the job
      'on', 'seeds', 'time', 'items-per-task', 'attempts', 'cpus-per-task', 'follow'])
    const teacher = flagsOf(mimic(['train', 'teacher', '--help']).stdout).filter((f) => !shared.has(f))
    expect(teacher).toContain('loss-tau-unit')
    for (const f of teacher) expect(reproduce.has(`teacher-${f}`), `--teacher-${f}`).toBe(true)
    const ads = flagsOf(mimic(['train', 'ads', '--help']).stdout).filter((f) => !shared.has(f) && f !== 'teacher')
    expect(reproduce.has('data') && reproduce.has('shuffle')).toBe(true)
    expect(ads).toContain('ebn')
    for (const f of ads) expect(reproduce.has(f), `--${f}`).toBe(true)
  })

  it('passes them to the stages: the teacher’s τ unit of the loss and the no-EBN variant', () => {
    const db = tempDb()
    const r = mimic([
      '--db', db, '--json', 'reproduce', 'xor', '--seed', '2', '--teacher-units', '8', '--teacher-epochs', '1', '--teacher-samples-per-epoch', '10',
      '--teacher-validation-samples', '5', '--teacher-loss-tau-unit', 's', '--teacher-lambda-bias', '500', '--teacher-batch-size', '2', '--neurons', '20', '--epochs', '1',
      '--samples-per-epoch', '5', '--validation-samples', '5', '--test-samples', '5', '--no-ebn',
    ])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { teacherRunId: number; adsRunId: number }
    const teacher = JSON.parse(mimic(['--db', db, '--json', 'runs', 'show', String(out.teacherRunId)]).stdout) as { params: Record<string, unknown> }
    expect(teacher.params).toMatchObject({ lossTauUnit: 's', lambdaBias: 500, batchSize: 2, units: 8 })
    const ads = JSON.parse(mimic(['--db', db, '--json', 'runs', 'show', String(out.adsRunId)]).stdout) as { params: Record<string, unknown>; network: { variant: string } }
    expect(ads.params.ebn).toBe(false)
    expect(ads.network.variant).toBe('no-ebn')
  }, 120_000)
})
