// The rate network (the teacher, METHOD.md §3) as a bundle: one array per parameter (wIn, wRec,
// wOut, bias, tauMs); it runs on the software target as the native forward pass.
import { teacherForward, type TeacherParams } from '../../../native/index.ts'
import { rateArchitecture } from '../../shared/architectures/rate.ts'
import type { Architecture } from './architecture.ts'
import { float32, size } from './arrays.ts'

export const rate: Architecture<TeacherParams> = {
  ...rateArchitecture,
  name: 'rate',
  trajectoryArtifact: 'teacher.activations',
  toBundle(p) {
    return {
      meta: { units: p.units, channels: p.channels, outputs: p.outputs, dims: p.units, dtMs: p.dtMs ?? 1 },
      arrays: [
        { name: 'wIn', data: p.wIn, shape: [p.units, p.channels] },
        { name: 'wRec', data: p.wRec, shape: [p.units, p.units] },
        { name: 'wOut', data: p.wOut, shape: [p.outputs, p.units] },
        { name: 'bias', data: p.bias, shape: [p.units] },
        { name: 'tauMs', data: p.tauMs, shape: [p.units] },
      ],
    }
  },
  fromBundle(b) {
    const units = size(b, 'units')
    const channels = size(b, 'channels')
    const outputs = size(b, 'outputs')
    const what = 'a rate network'
    return {
      units,
      channels,
      outputs,
      dtMs: typeof b.meta.dtMs === 'number' ? b.meta.dtMs : 1,
      wIn: float32(b, 'wIn', [units, channels], what),
      wRec: float32(b, 'wRec', [units, units], what),
      wOut: float32(b, 'wOut', [outputs, units], what),
      bias: float32(b, 'bias', [units], what),
      tauMs: float32(b, 'tauMs', [units], what),
    }
  },
  sizes: (p) => ({ channels: p.channels, outputs: p.outputs, units: p.units, dims: p.units }),
  variant: () => null,
  async simulate(p, batch, opts, run = {}) {
    const withTrajectories = opts.record?.trajectories !== false
    const f = await teacherForward(p, { inputs: batch.inputs, count: batch.count, steps: batch.steps }, { threads: opts.threads, activations: withTrajectories }, run)
    return { outputs: f.outputs, trajectories: withTrajectories ? (f.activations as Float32Array) : undefined, recordedSteps: batch.steps }
  },
}
