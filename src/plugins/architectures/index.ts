// The Node side of every architecture, by name: the compiler refuses an architecture of
// src/shared/architectures without one.
import type { ArchitectureName } from '../../shared/architectures/index.ts'
import { ads } from './ads.ts'
import type { Architecture } from './architecture.ts'
import { bpttSnn } from './bptt-snn.ts'
import { force } from './force.ts'
import { rate } from './rate.ts'
import { reservoir } from './reservoir.ts'

export const architectures: { [K in ArchitectureName]: Architecture<any> } = {
  rate: rate,
  ads: ads,
  reservoir: reservoir,
  force: force,
  'bptt-snn': bpttSnn,
}

export type { Architecture, Bundle, LoadedNetwork, NetworkSizes } from './architecture.ts'
