// Job "eval": a trained teacher or spiking network on a dataset run or an .npz file.
import { readFileSync } from 'node:fs'
import { AppError } from '../../shared/errors.ts'
import { evalParams } from '../../shared/jobs.ts'
import { evaluateSnn, evaluateTeacher, evaluationArtifacts, snnEvalSummary, type EvalData } from '../../tasks/evaluate.ts'
import { loadDataset, loadNetwork } from '../../tasks/network-format.ts'
import { datasetFromNpz } from '../../tasks/npz.ts'
import { loadTeacher } from '../../tasks/teacher-format.ts'
import type { JobContext, JobResult } from '../context.ts'

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `The dataset file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path.`)
  }
}

export async function runEvaluate(ctx: JobContext): Promise<JobResult> {
  const p = evalParams.parse(ctx.run.params, 'params')
  const { store } = ctx
  const run = store.runs.get(p.network)
  if ((p.dataset === undefined) === (p.dataFile === undefined)) {
    throw new AppError('INVALID_ARGUMENT', 'Give exactly one of params.dataset (a dataset run) and params.dataFile (an .npz file).')
  }
  const isTeacher = run.kind === 'teacher'
  const teacher = isTeacher ? loadTeacher(store, p.network) : null
  const net = isTeacher ? null : loadNetwork(store, p.network)
  const channels = teacher?.channels ?? net!.spec.channels
  const outputs = teacher?.outputs ?? net!.spec.outputs
  if (!isTeacher && outputs === 0) {
    throw new AppError('INVALID_ARGUMENT', `Network run ${p.network} has no read-out, so it has no output to score: evaluate a trained ADS run or a teacher.`)
  }
  let data: EvalData
  if (p.dataFile !== undefined) {
    const ds = datasetFromNpz(readFile(p.dataFile), p.dataFile, { channels, outputs })
    data = { ...ds, dtMs: 1 }
  } else {
    data = loadDataset(store, p.dataset as number)
    if (data.channels !== channels) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.channels} input channels but the network takes ${channels}.`)
    if (data.outputs !== outputs) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.outputs} outputs but the network has ${outputs}.`)
  }
  ctx.progress(0.05, `evaluating on ${data.samples} samples`, true)
  const runOpts = { signal: ctx.signal, onProgress: (f: number) => ctx.progress(0.05 + 0.85 * f, `evaluating on ${data.samples} samples`) }
  if (teacher) {
    const r = await evaluateTeacher(teacher, data, p.threads, runOpts)
    ctx.artifacts(evaluationArtifacts(data, r, p.shownSamples, teacher.units))
    ctx.progress(1, 'done', true)
    return { summary: { accuracy: r.accuracy, mse: r.mse, samples: r.samples } }
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
