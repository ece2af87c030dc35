// Exporting a run's network for numpy: every float array artifact of a teacher, network or ADS run,
// under its artifact name (wIn, wRec, omegaF, neuron.tauMemMs, ...), plus its time step.
import { AppError } from '../shared/errors.ts'
import type { Store } from '../store/index.ts'
import type { NpyArray } from './npz.ts'

const exportable = ['teacher', 'network', 'ads']

export function exportArrays(store: Store, runId: number): Record<string, NpyArray> {
  const run = store.runs.get(runId)
  if (!exportable.includes(run.kind)) {
    throw new AppError('INVALID_ARGUMENT', `Run ${runId} is a ${run.kind} run; export works for teacher, network and ADS runs.`)
  }
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Run ${runId} is ${run.status}; only a succeeded run has a complete network to export.`)
  const out: Record<string, NpyArray> = {}
  for (const meta of store.artifacts.list(runId)) {
    if (meta.name.startsWith('test.') || meta.name.startsWith('val.')) continue // recordings, not the network
    const a = store.artifacts.get(runId, meta.name)
    out[meta.name] = { dtype: a.dtype, shape: a.shape, data: a.data }
  }
  const dtMs = typeof run.params.dtMs === 'number' ? run.params.dtMs : 1
  out.dtMs = { dtype: 'float64', shape: [1], data: Float64Array.from([dtMs]) }
  return out
}
