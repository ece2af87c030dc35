// What `mimic reproduce` prints for a pipeline run (spec.cli.result): the false accepts and rejects
// line only for a detection task (TaskDescriptor.detection), also for runs stored before XOR
// pipelines stopped recording them.
import { describe, expect, it } from 'vitest'
import { jobKinds } from '../../src/shared/jobkinds/index.ts'
import type { RunDetail } from '../../src/shared/types.ts'

function shown(task: string): string {
  const summary = { testAccuracy: 0.9, falseAccepts: 3, falseRejects: 1, teacherFalseAccepts: 2, teacherFalseRejects: 0, adsTestAccuracy: 0.9, teacherTestAccuracy: 0.95 }
  const children = [
    { id: 2, kind: 'teacher', role: 'pipeline' },
    { id: 3, kind: 'ads', role: 'pipeline' },
    { id: 4, kind: 'evaluation', role: 'pipeline' },
  ]
  const run = { id: 1, kind: 'pipeline', params: { task }, summary, children, parents: [] } as unknown as RunDetail
  return jobKinds.pipeline.cli.result!(run).text
}

describe('the pipeline result text', () => {
  it('names false accepts and rejects for the wake phrase, not for the temporal XOR (an XOR run stored with them included)', () => {
    expect(shown('wake-phrase')).toContain('network ADS: 3 false accepts, 1 false rejects; teacher: 2 false accepts, 0 false rejects')
    expect(shown('xor')).not.toContain('false accepts')
  })
})
