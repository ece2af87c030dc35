// How a trained teacher is stored: one artifact per parameter array.
import { AppError } from '../shared/errors.ts'
import type { TeacherParams } from '../../native/index.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { Store } from '../store/index.ts'

export function teacherArtifacts(p: TeacherParams): NewArtifact[] {
  return [
    { name: 'wIn', data: p.wIn, shape: [p.units, p.channels] },
    { name: 'wRec', data: p.wRec, shape: [p.units, p.units] },
    { name: 'wOut', data: p.wOut, shape: [p.outputs, p.units] },
    { name: 'bias', data: p.bias, shape: [p.units] },
    { name: 'tauMs', data: p.tauMs, shape: [p.units] },
  ]
}

export function loadTeacher(store: Store, runId: number): TeacherParams {
  const run = store.runs.get(runId)
  if (run.kind !== 'teacher') throw new AppError('INVALID_ARGUMENT', `Run ${runId} is a ${run.kind} run, not a teacher: give the id of a teacher run.`)
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Teacher run ${runId} is ${run.status}; only a succeeded run can be used.`)
  const get = (name: string): Float32Array => {
    const a = store.artifacts.get(runId, name)
    if (a.dtype !== 'float32') throw new AppError('INVALID_ARGUMENT', `Teacher run ${runId}: artifact "${name}" is ${a.dtype}, expected float32.`)
    return a.data as Float32Array
  }
  const wIn = store.artifacts.get(runId, 'wIn')
  const wOut = store.artifacts.get(runId, 'wOut')
  const [units, channels] = wIn.shape
  return {
    units,
    channels,
    outputs: wOut.shape[0],
    dtMs: typeof run.params.dtMs === 'number' ? run.params.dtMs : 1,
    wIn: get('wIn'),
    wRec: get('wRec'),
    wOut: get('wOut'),
    bias: get('bias'),
    tauMs: get('tauMs'),
  }
}
