// The FORCE spiking network (docs/method.md §13) as a bundle of the shared LIF baseline form (./lif.ts), with its feedback encoders.
import { forceArchitecture } from '../../shared/architectures/force.ts'
import type { Architecture } from './architecture.ts'
import { lifArchitecture, type LifNet } from './lif.ts'

export const force: Architecture<LifNet> = lifArchitecture(forceArchitecture, 'a FORCE network', true)
