// Starting a robustness or simulation run from elsewhere (a network's page, a selection in the runs
// table): which runs may be chosen (the run kinds its network field refers to, read from the job
// kind's spec) and the form values that name them.
import { jobKinds } from '../../../src/shared/jobkinds/index.ts'
import type { FieldInfo } from '../../../src/shared/schema.ts'
import type { RunStatus } from '../../../src/shared/types.ts'
import { initialValues, refKinds, type FormValues } from './schemaForm.ts'

export const robustnessKind = 'robustness' as const
export const simulateKind = 'simulate' as const

type FilledKind = typeof robustnessKind | typeof simulateKind

/** Whether a run is a finished one of the kinds a run field refers to. */
function finishedRunOf(field: FieldInfo | undefined): (run: { kind: string; status: RunStatus }) => boolean {
  const kinds: readonly string[] = refKinds(field ?? { type: 'unknown', optional: false }) ?? []
  return (run) => run.status === 'succeeded' && kinds.includes(run.kind)
}

/** The form's defaults with these fields filled in, and the dataset when given. */
function filledValues(kind: FilledKind, fields: FormValues, dataset: number | undefined): FormValues {
  const v = initialValues(jobKinds[kind].params.info())
  Object.assign(v, fields)
  if (dataset !== undefined) v.dataset = String(dataset)
  return v
}

/** A finished run of a kind a robustness run takes as a network (a trained teacher or network ADS). */
export const isRobustnessNetwork = finishedRunOf(jobKinds[robustnessKind].params.info().fields?.networks?.items)

/** A finished run holding a spiking network the simulation form takes (network ADS, a LIF baseline, a built network). */
export const isSpikingNetwork = finishedRunOf(jobKinds[simulateKind].params.info().fields?.network)

/** The simulation form's defaults with this network and a dataset filled in. */
export function simulateValues(network: number, dataset?: number): FormValues {
  return filledValues(simulateKind, { network: String(network) }, dataset)
}

/** The robustness form's defaults with these networks filled in (the dataset: the newest of the project, if any). */
export function robustnessValues(networks: readonly number[], dataset?: number): FormValues {
  return filledValues(robustnessKind, { networks: networks.join(', ') }, dataset)
}
