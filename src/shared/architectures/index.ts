// The architecture registry (pure descriptors). An architecture is added with one import and one
// entry here, plus its Node side in src/plugins/architectures/index.ts.
import { adsArchitecture } from './ads.ts'
import { bpttSnnArchitecture } from './bptt-snn.ts'
import type { ArchitectureDescriptor } from './descriptor.ts'
import { forceArchitecture } from './force.ts'
import { rateArchitecture } from './rate.ts'
import { reservoirArchitecture } from './reservoir.ts'

export const architectureDescriptors = {
  rate: rateArchitecture,
  ads: adsArchitecture,
  reservoir: reservoirArchitecture,
  force: forceArchitecture,
  'bptt-snn': bpttSnnArchitecture,
} as const satisfies Record<string, ArchitectureDescriptor>

export type ArchitectureName = keyof typeof architectureDescriptors
export const architectureNames = Object.keys(architectureDescriptors) as [ArchitectureName, ...ArchitectureName[]]

export function isArchitectureName(name: unknown): name is ArchitectureName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(architectureDescriptors, name)
}

/**
 * The neurons of a network run (every spiking layer; a rate network's units), from the parameters of
 * the run that made it (`param(name)`) as its architecture declares (neuronParams): the architecture of
 * its stored network, else its run kind where that names one (a training run that has stored no
 * network yet). Null when neither names an architecture, or a parameter is not a number.
 */
export function neuronCountOf(run: { architecture?: string | null; kind: string }, param: (name: string) => unknown): number | null {
  const name = run.architecture ?? run.kind
  if (!isArchitectureName(name)) return null
  let count = 0
  for (const k of architectureDescriptors[name].neuronParams) {
    const v = param(k)
    if (typeof v !== 'number' || !Number.isFinite(v)) return null
    count += v
  }
  return count
}

/**
 * Whether a run's `neurons` parameter is the count of neurons of the architecture it names (a pipeline's
 * `architecture` parameter): yes without one, or when that architecture counts its neurons by `neurons`
 * alone; no for a BPTT network's two layers, whose sizes a pipeline derives from it.
 */
export function neuronsParamCounts(architecture: unknown): boolean {
  if (!isArchitectureName(architecture)) return true
  const names = architectureDescriptors[architecture].neuronParams
  return names.length === 1 && names[0] === 'neurons'
}

export type { ArchitectureDescriptor, BundleArray, MismatchForm, PerNeuronQuantity, Perturbable, QuantityKind } from './descriptor.ts'
