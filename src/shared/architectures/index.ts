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

export type { ArchitectureDescriptor, BundleArray, MismatchForm, PerNeuronQuantity, Perturbable, QuantityKind } from './descriptor.ts'
