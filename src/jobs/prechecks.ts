// Checks made before a job's run is created, so that bad input (a run of the wrong kind, a missing
// or malformed file, sizes that disagree) is refused with a clear message and nothing is stored.
// The worker checks again when it loads the data.
import { readFileSync } from 'node:fs'
import { AppError, invalid } from '../shared/errors.ts'
import type { JobKind } from '../shared/jobs.ts'
import type { Store } from '../store/index.ts'
import { datasetFromNpz } from '../tasks/npz.ts'

function runOfKind(store: Store, id: number, kinds: string[], field: string): ReturnType<Store['runs']['get']> {
  const run = store.runs.find(id)
  if (!run) throw new AppError('NOT_FOUND', `${field}: there is no run with id ${id}.`)
  if (!kinds.includes(run.kind)) throw invalid(`${field}: run ${id} is a ${run.kind} run; expected a ${kinds.join(' or ')} run.`)
  if (run.status !== 'succeeded') throw invalid(`${field}: run ${id} is ${run.status}; only a succeeded run can be used.`)
  return run
}

function shapeOf(store: Store, runId: number, name: string): number[] {
  const meta = store.artifacts.list(runId).find((a) => a.name === name)
  if (!meta) throw invalid(`run ${runId} has no "${name}" artifact.`)
  return meta.shape
}

/** Input channels and outputs of a trained network run (teacher, network or ADS). */
function networkShape(store: Store, runId: number): { channels: number; outputs: number; kind: string } {
  const run = store.runs.get(runId)
  const channels = shapeOf(store, runId, 'wIn')[1]
  const outName = run.kind === 'teacher' ? 'wOut' : 'readout'
  const out = store.artifacts.list(runId).find((a) => a.name === outName)
  return { channels, outputs: out ? out.shape[0] : 0, kind: run.kind }
}

export function precheckJob(store: Store, kind: JobKind, params: Record<string, unknown>): void {
  switch (kind) {
    case 'simulate': {
      runOfKind(store, params.network as number, ['network', 'ads'], 'params.network')
      runOfKind(store, params.dataset as number, ['dataset'], 'params.dataset')
      const net = networkShape(store, params.network as number)
      const ds = shapeOf(store, params.dataset as number, 'inputs')
      if (ds[2] !== net.channels) throw invalid(`params.dataset: run ${params.dataset} has ${ds[2]} input channels but network run ${params.network} takes ${net.channels}.`)
      if ((params.firstSample as number) >= ds[0]) throw invalid(`params.firstSample must be below ${ds[0]}, the number of samples in dataset run ${params.dataset}.`)
      const n = shapeOf(store, params.network as number, 'wIn')[0]
      const bad = (params.membraneNeurons as number[]).find((i) => i >= n)
      if (bad !== undefined) throw invalid(`params.membraneNeurons: neuron ${bad} does not exist (network run ${params.network} has ${n}, numbered 0 to ${n - 1}).`)
      return
    }
    case 'eval': {
      runOfKind(store, params.network as number, ['teacher', 'ads'], 'params.network')
      const net = networkShape(store, params.network as number)
      if ((params.dataset === undefined) === (params.dataFile === undefined)) throw invalid('Give exactly one of params.dataset (a dataset run) and params.dataFile (an .npz file).')
      if (params.dataFile !== undefined) {
        let bytes: Uint8Array
        try {
          bytes = readFileSync(params.dataFile as string)
        } catch (err) {
          throw invalid(`params.dataFile: ${params.dataFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`)
        }
        datasetFromNpz(bytes, params.dataFile as string, { channels: net.channels, outputs: net.outputs })
      } else {
        runOfKind(store, params.dataset as number, ['dataset'], 'params.dataset')
        const ds = shapeOf(store, params.dataset as number, 'inputs')
        const tg = shapeOf(store, params.dataset as number, 'targets')
        if (ds[2] !== net.channels) throw invalid(`params.dataset: run ${params.dataset} has ${ds[2]} input channels but the network takes ${net.channels}.`)
        if (tg[2] !== net.outputs) throw invalid(`params.dataset: run ${params.dataset} has ${tg[2]} outputs but the network has ${net.outputs}.`)
      }
      if (params.teacher !== undefined) runOfKind(store, params.teacher as number, ['teacher'], 'params.teacher')
      return
    }
    default:
      return
  }
}
