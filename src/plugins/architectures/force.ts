// The FORCE spiking network (docs/method.md §8) as a bundle of the shared LIF baseline form (./lif.ts), with its feedback encoders.
import type { LifNetwork } from '../../../native/index.ts'
import { forceArchitecture } from '../../shared/architectures/force.ts'
import type { Architecture } from './architecture.ts'
import { lifArchitecture } from './lif.ts'

export const force: Architecture<LifNetwork> = lifArchitecture(forceArchitecture, 'a FORCE network', true)
