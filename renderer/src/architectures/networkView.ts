// What an architecture's network view (./index.ts) is given: a finished run that holds a network
// of that architecture (its bundle's arrays are the run's artifacts).
import type { Component } from 'svelte'
import type { NetworkSummary, RunDetail } from '../../../src/shared/types.ts'

export interface NetworkViewProps {
  run: RunDetail
  network: NetworkSummary
}

export type NetworkView = Component<NetworkViewProps>
