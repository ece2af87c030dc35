// How the network a run holds is named. A run is a network when it has a bundle: `runs.get` reports
// it as `network` ({architecture, variant, formatVersion, task}, or null).
import { architectureDescriptors, isArchitectureName, type ArchitectureDescriptor } from '../../../src/shared/architectures/index.ts'
import type { NetworkSummary } from '../../../src/shared/types.ts'

/** "Network ADS (spiking) · without fast weights (Ω_f = 0)"; an unknown architecture by its name. */
export function networkText(n: Pick<NetworkSummary, 'architecture' | 'variant'>): string {
  if (!isArchitectureName(n.architecture)) return n.architecture
  const a: ArchitectureDescriptor = architectureDescriptors[n.architecture]
  const variant = n.variant ? (a.variants?.find((v) => v.name === n.variant)?.label ?? n.variant) : null
  return variant ? `${a.label} · ${variant}` : a.label
}
