// Job "eval": a trained teacher or spiking network on a dataset run (files are imported as dataset
// runs first, by the front door that has them).
import { AppError } from '../../shared/errors.ts'
import { evalParams } from '../../shared/jobkinds/index.ts'
import { evaluateSnn, evaluateTeacher, evaluationArtifacts, snnEvalSummary, type EvalData } from '../../tasks/evaluate.ts'
import { loadDataset, loadNetwork } from '../../tasks/network-format.ts'
import { loadTeacher } from '../../tasks/teacher-format.ts'
import type { JobContext, JobResult } from '../context.ts'

export async function runEvaluate(ctx: JobContext): Promise<JobResult> {
  const p = evalParams.parse(ctx.run.params, 'params')
  const { store } = ctx
  const run = store.runs.get(p.network)
  const isTeacher = run.kind === 'teacher'
  const teacher = isTeacher ? loadTeacher(store, p.network) : null
  const net = isTeacher ? null : loadNetwork(store, p.network)
  const channels = teacher?.channels ?? net!.spec.channels
  const outputs = teacher?.outputs ?? net!.spec.outputs
  if (!isTeacher && outputs === 0) {
    throw new AppError('INVALID_ARGUMENT', `Network run ${p.network} has no read-out, so it has no output to score: evaluate a trained ADS run or a teacher.`)
  }
  const data: EvalData = loadDataset(store, p.dataset)
  if (data.channels !== channels) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.channels} input channels but the network takes ${channels}.`)
  if (data.outputs !== outputs) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.outputs} outputs but the network has ${outputs}.`)
  ctx.progress(0.05, `evaluating on ${data.samples} samples`, true)
  const runOpts = { signal: ctx.signal, onProgress: (f: number) => ctx.progress(0.05 + 0.85 * f, `evaluating on ${data.samples} samples`) }
  if (teacher) {
    const r = await evaluateTeacher(teacher, data, p.threads, runOpts)
    ctx.artifacts(evaluationArtifacts(data, r, p.shownSamples, teacher.units))
    ctx.progress(1, 'done', true)
    return { summary: { accuracy: r.accuracy, undecided: r.undecided, mse: r.mse, samples: r.samples } }
  }
  const teacherId = p.teacher ?? store.runs.parents(p.network).find((x) => x.kind === 'teacher')?.id
  const teacherParams = teacherId !== undefined ? loadTeacher(store, teacherId) : undefined
  if (teacherParams && teacherParams.units !== net!.spec.dims) {
    throw new AppError('INVALID_ARGUMENT', `Teacher run ${teacherId} has ${teacherParams.units} units but network run ${p.network} decodes ${net!.spec.dims} dimensions.`)
  }
  const r = await evaluateSnn(net!, data, { teacher: teacherParams, threads: p.threads, seed: ctx.run.seed ?? 0, recordSpikesOf: p.shownSamples }, runOpts)
  ctx.artifacts(evaluationArtifacts(data, r, p.shownSamples, net!.spec.dims))
  ctx.progress(1, 'done', true)
  return { summary: snnEvalSummary(r) }
}
