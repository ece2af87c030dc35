// Job "eval": a trained network of any architecture on a dataset run, through an execution target,
// scored by the dataset's task (files are imported as dataset runs first, by the front door that has them).
import { AppError } from '../../shared/errors.ts'
import { evalParams } from '../../shared/jobkinds/index.ts'
import { taskDescriptors, taskOfParams } from '../../shared/tasks/index.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import { loadDataset } from '../../plugins/datasets.ts'
import { evaluate, evaluationArtifacts, evaluationResults, evaluationSummary } from '../../plugins/evaluate.ts'
import { availableTarget, targetFor } from '../../plugins/targets/index.ts'
import type { Store } from '../../store/index.ts'
import { fieldError, networkOf, runOfKind, shapeOf } from '../prechecks.ts'
import type { JobImpl } from './kind.ts'

/** The teacher an evaluation compares with: the one given, or the network's parent linked as its teacher (when that holds a network). */
function teacherOf(store: Store, network: number, given: number | undefined): number | undefined {
  if (given !== undefined) return given
  const parent = store.runs.parents(network).find((r) => r.role === 'teacher')
  return parent && store.networks.find(parent.id) ? parent.id : undefined
}

export const evaluation: JobImpl = {
  precheck(store, params) {
    const p = evalParams.parse(params, 'params')
    const net = networkOf(store, 'eval', 'network', p.network)
    if (net.sizes.outputs === 0) throw fieldError('eval', 'network', `is run ${p.network} “${net.run.name}”, a network without a read-out, so it has no output to score: choose a trained network (a teacher or ads run).`)
    const ds = runOfKind(store, 'eval', 'dataset', p.dataset, ['dataset'])
    const inputs = shapeOf(store, p.dataset, 'inputs')
    const targets = shapeOf(store, p.dataset, 'targets')
    if (inputs[2] !== net.sizes.channels) throw fieldError('eval', 'dataset', `is run ${p.dataset} with ${inputs[2]} input channels, but the network takes ${net.sizes.channels}: choose a dataset that fits.`)
    if (targets[2] !== net.sizes.outputs) throw fieldError('eval', 'dataset', `is run ${p.dataset} with ${targets[2]} outputs, but the network has ${net.sizes.outputs}: choose a dataset that fits.`)
    const netTask = net.record.meta.task
    const dsTask = taskOfParams(ds.params)
    if (typeof netTask === 'string' && netTask !== dsTask) {
      throw fieldError('eval', 'dataset', `is run ${p.dataset}, a dataset of the task ${taskDescriptors[dsTask].label}, but network run ${p.network} was trained on ${taskDescriptors[netTask as keyof typeof taskDescriptors]?.label ?? netTask}: choose a dataset of its task.`)
    }
    if (p.teacher !== undefined) {
      const teacher = networkOf(store, 'eval', 'teacher', p.teacher)
      if (teacher.sizes.dims !== net.sizes.dims) {
        throw fieldError('eval', 'teacher', `is run ${p.teacher} with a trajectory of ${teacher.sizes.dims} dimensions, but network run ${p.network} has ${net.sizes.dims}: choose the network's teacher.`)
      }
    }
    targetFor(p.target, net.record.architecture)
  },
  async run(ctx) {
    const p = evalParams.parse(ctx.run.params, 'params')
    const { store } = ctx
    const net = loadBundle(store, p.network)
    if (net.sizes.outputs === 0) {
      throw new AppError('INVALID_ARGUMENT', `Network run ${p.network} has no read-out, so it has no output to score: evaluate a trained network (a teacher or ads run).`)
    }
    const data = loadDataset(store, p.dataset)
    if (data.channels !== net.sizes.channels) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.channels} input channels but the network takes ${net.sizes.channels}.`)
    if (data.outputs !== net.sizes.outputs) throw new AppError('INVALID_ARGUMENT', `Dataset run ${p.dataset} has ${data.outputs} outputs but the network has ${net.sizes.outputs}.`)
    const teacherId = teacherOf(store, p.network, p.teacher)
    const teacher = teacherId !== undefined ? loadBundle(store, teacherId) : undefined
    if (teacher && teacher.sizes.dims !== net.sizes.dims) {
      throw new AppError('INVALID_ARGUMENT', `Teacher run ${teacherId} has a trajectory of ${teacher.sizes.dims} dimensions but network run ${p.network} has ${net.sizes.dims}.`)
    }
    const target = await availableTarget(p.target, net.architecture)
    ctx.progress(0.05, `evaluating on ${data.samples} samples`, true)
    const runOpts = { signal: ctx.signal, onProgress: (f: number) => ctx.progress(0.05 + 0.85 * f, `evaluating on ${data.samples} samples`) }
    const r = await evaluate(data.task, target, net, data, { teacher, threads: ctx.threads(p.threads), seed: ctx.run.seed ?? 0, recordSpikesOf: p.shownSamples }, runOpts)
    ctx.artifacts(evaluationArtifacts(data, r, net, p.shownSamples))
    ctx.results(evaluationResults(r, { runId: p.network, architecture: net.architecture }))
    ctx.progress(1, 'done', true)
    return { summary: evaluationSummary(r) }
  },
}
