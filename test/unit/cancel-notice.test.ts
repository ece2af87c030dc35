// The notice of a cancelled run: who and when, where it stopped (from the last progress the job
// reported), and what was kept (finished stages, the metrics of finished epochs, artifacts).
import { describe, expect, it } from 'vitest'
import { cancelNotice } from '../../renderer/src/lib/cancelNotice.ts'
import type { RunDetail } from '../../src/shared/types.ts'

const finishedAt = '2026-03-02T10:04:05.000Z'
const local = new Date(finishedAt)
const hhmmss = [local.getHours(), local.getMinutes(), local.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')

function run(over: Partial<RunDetail>): RunDetail {
  return {
    id: 7,
    projectId: 1,
    kind: 'teacher',
    name: 'run',
    status: 'cancelled',
    seed: 1,
    createdAt: finishedAt,
    startedAt: finishedAt,
    finishedAt,
    durationSeconds: 3,
    tags: [],
    summary: {},
    params: {},
    codeVersion: 'test',
    host: 'h',
    error: 'cancelled by the user',
    parents: [],
    children: [],
    network: null,
    notes: [],
    artifacts: [],
    metricKeys: [],
    jobKind: null,
    progress: null,
    resultCount: 0,
    ...over,
  }
}

const progress = (message: string, stage: string | null = null, fraction = 0.37) => ({ fraction, etaSeconds: 3, message, stage, updatedAt: finishedAt })

describe('cancelNotice', () => {
  it('a pipeline stopped in a teacher epoch: the stage, the epoch, the finished stages and epochs kept', () => {
    const n = cancelNotice(
      run({
        kind: 'pipeline',
        progress: progress('training the teacher: epoch 4 of 80 (last epoch: loss 1.2e+5)', 'teacher'),
        children: [
          { id: 8, name: 'XOR test set', kind: 'dataset', status: 'succeeded', role: 'pipeline' },
          { id: 9, name: 'Teacher', kind: 'teacher', status: 'cancelled', role: 'pipeline' },
        ],
      }),
      local,
    )
    expect(n).toEqual({
      who: 'by you',
      pipeline: null,
      when: `at ${hhmmss}`,
      where: ', in epoch 4 of 80 of the teacher stage',
      kept: 'Kept: the finished stage test set (#8) and the metrics of the 3 epochs the teacher finished.',
    })
  })

  it('a run stopped in its first epoch keeps no epoch; another day shows the date', () => {
    const n = cancelNotice(run({ progress: progress('training the teacher: epoch 1 of 30') }), new Date(local.getTime() + 3 * 86_400_000))
    expect(n.where).toBe(', in epoch 1 of 30')
    expect(n.when).toMatch(new RegExp(`^at ${hhmmss} on \\d{4}-\\d{2}-\\d{2}$`))
    expect(n.kept).toBe('Nothing was stored but its parameters.')
  })

  it('a run without epochs says what it was doing, and counts its artifacts', () => {
    const artifact = { id: 1, runId: 7, name: 'spikes', dtype: 'float32' as const, shape: [3], byteLength: 12, createdAt: finishedAt }
    const n = cancelNotice(run({ kind: 'simulation', progress: progress('simulating 10 samples'), artifacts: [artifact, { ...artifact, id: 2 }] }), local)
    expect(n.where).toBe(', while simulating 10 samples (37 %)')
    expect(n.kept).toBe('Kept: 2 artifacts.')
  })

  it('a stage cancelled with its pipeline names the pipeline and the metrics it recorded', () => {
    const n = cancelNotice(
      run({
        error: 'cancelled with its pipeline',
        parents: [{ id: 3, name: 'long pipeline', kind: 'pipeline', status: 'cancelled', role: 'pipeline' }],
        progress: progress('', null, 0),
        metricKeys: ['loss'],
      }),
      local,
    )
    expect(n).toMatchObject({ who: 'with its pipeline', pipeline: { id: 3, name: 'long pipeline' }, where: '', kept: 'Kept: the metrics it recorded before the cancel.' })
  })

  it('a job cancelled while queued', () => {
    const n = cancelNotice(run({ error: 'cancelled before it started' }), local)
    expect(n).toMatchObject({ who: 'before it started', where: '', kept: 'Nothing was stored but its parameters.' })
  })
})
