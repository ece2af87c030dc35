// The BPTT spiking network (docs/method.md §13) as a bundle of the shared LIF baseline form (./lif.ts).
import { bpttSnnArchitecture } from '../../shared/architectures/bptt-snn.ts'
import type { Architecture } from './architecture.ts'
import { lifArchitecture, type LifNet } from './lif.ts'

export const bpttSnn: Architecture<LifNet> = lifArchitecture(bpttSnnArchitecture, 'a BPTT spiking network', false)
