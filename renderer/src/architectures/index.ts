// The renderer's architecture registry: how a network of each architecture is drawn on the page of
// any run that holds one (a run is a network when it has a bundle). An architecture is added with
// one import and one entry here; the compiler refuses a registered architecture without a view.
import type { ArchitectureName } from '../../../src/shared/architectures/index.ts'
import AdsNetwork from './ads/AdsNetwork.svelte'
import type { NetworkView } from './networkView.ts'
import RateNetwork from './rate/RateNetwork.svelte'

export const networkViews: Record<ArchitectureName, NetworkView> = {
  rate: RateNetwork,
  ads: AdsNetwork,
}

export type { NetworkView, NetworkViewProps } from './networkView.ts'
