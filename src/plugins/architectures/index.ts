// The Node side of every architecture, by name: the compiler refuses an architecture of
// src/shared/architectures without one.
import type { ArchitectureName } from '../../shared/architectures/index.ts'
import { ads } from './ads.ts'
import type { Architecture } from './architecture.ts'
import { rate } from './rate.ts'

export const architectures: { [K in ArchitectureName]: Architecture<any> } = {
  rate: rate,
  ads: ads,
}

export type { Architecture, Bundle, LoadedNetwork, NetworkSizes } from './architecture.ts'
