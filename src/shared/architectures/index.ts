// The architecture registry (pure descriptors). An architecture is added with one import and one
// entry here, plus its Node side in src/plugins/architectures/index.ts.
import { adsArchitecture } from './ads.ts'
import type { ArchitectureDescriptor } from './descriptor.ts'
import { rateArchitecture } from './rate.ts'

export const architectureDescriptors = {
  rate: rateArchitecture,
  ads: adsArchitecture,
} as const satisfies Record<string, ArchitectureDescriptor>

export type ArchitectureName = keyof typeof architectureDescriptors
export const architectureNames = Object.keys(architectureDescriptors) as [ArchitectureName, ...ArchitectureName[]]

export function isArchitectureName(name: unknown): name is ArchitectureName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(architectureDescriptors, name)
}

export type { ArchitectureDescriptor, BundleArray, PerNeuronQuantity, Perturbable } from './descriptor.ts'
