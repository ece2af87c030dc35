// Which network a run holds. A run is a network when it has a bundle: `runs.get` reports it as
// `network` ({architecture, variant, formatVersion}, or null). A server from before bundles does not
// report it; then a run holding every array an architecture's bundle requires (its descriptor,
// src/shared/architectures) is read as a network of that architecture.
import { architectureDescriptors, architectureNames, isArchitectureName, type ArchitectureDescriptor } from '../../../src/shared/architectures/index.ts'
import type { ArtifactMeta, NetworkSummary } from '../../../src/shared/types.ts'

export function networkOf(run: { network?: NetworkSummary | null; artifacts: readonly ArtifactMeta[] }): NetworkSummary | null {
  if (run.network !== undefined) return run.network
  for (const name of architectureNames) {
    const a: ArchitectureDescriptor = architectureDescriptors[name]
    const required = a.arrays.filter((x) => !x.optional)
    if (required.every((x) => run.artifacts.some((m) => m.name === x.name))) return { architecture: name, variant: null, formatVersion: a.formatVersion, task: null }
  }
  return null
}

/** "Network ADS (spiking) · without fast weights (Ω_f = 0)"; an unknown architecture by its name. */
export function networkText(n: Pick<NetworkSummary, 'architecture' | 'variant'>): string {
  if (!isArchitectureName(n.architecture)) return n.architecture
  const a: ArchitectureDescriptor = architectureDescriptors[n.architecture]
  const variant = n.variant ? (a.variants?.find((v) => v.name === n.variant)?.label ?? n.variant) : null
  return variant ? `${a.label} · ${variant}` : a.label
}
