// Starting a robustness run from elsewhere (a network's page, a selection in the runs table): which
// runs may be chosen (the run kinds its `networks` field refers to, read from the job kind's spec) and
// the form values that name them.
import { jobKinds } from '../../../src/shared/jobkinds/index.ts'
import type { RunStatus } from '../../../src/shared/types.ts'
import { initialValues, refKinds, type FormValues } from './schemaForm.ts'

export const robustnessKind = 'robustness' as const

const networkKinds: readonly string[] = refKinds(jobKinds[robustnessKind].params.info().fields?.networks?.items ?? { type: 'unknown', optional: false }) ?? []

/** A finished run of a kind a robustness run takes as a network (a trained teacher or network ADS). */
export function isRobustnessNetwork(run: { kind: string; status: RunStatus }): boolean {
  return run.status === 'succeeded' && networkKinds.includes(run.kind)
}

export const simulateKind = 'simulate' as const

const spikingKinds: readonly string[] = refKinds(jobKinds[simulateKind].params.info().fields?.network ?? { type: 'unknown', optional: false }) ?? []

/** A finished run holding a spiking network the simulation form takes (network ADS, a LIF baseline, a built network). */
export function isSpikingNetwork(run: { kind: string; status: RunStatus }): boolean {
  return run.status === 'succeeded' && spikingKinds.includes(run.kind)
}

/** The simulation form's defaults with this network and a dataset filled in. */
export function simulateValues(network: number, dataset?: number): FormValues {
  const v = initialValues(jobKinds[simulateKind].params.info())
  v.network = String(network)
  if (dataset !== undefined) v.dataset = String(dataset)
  return v
}

/** The robustness form's defaults with these networks filled in (the dataset: the newest of the project, if any). */
export function robustnessValues(networks: readonly number[], dataset?: number): FormValues {
  const v = initialValues(jobKinds[robustnessKind].params.info())
  v.networks = networks.join(', ')
  if (dataset !== undefined) v.dataset = String(dataset)
  return v
}
