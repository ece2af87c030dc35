// The reservoir (docs/method.md §13) as a bundle of the shared LIF baseline form (./lif.ts).
import { reservoirArchitecture } from '../../shared/architectures/reservoir.ts'
import type { Architecture } from './architecture.ts'
import { lifArchitecture, type LifNet } from './lif.ts'

export const reservoir: Architecture<LifNet> = lifArchitecture(reservoirArchitecture, 'a reservoir', false)
