// The checks a board makes at CONFIG_COMMIT (docs/board-protocol.md §7), in order, the first failure
// reported with the core or connection and the limit it breaks.
import { inputAddressBit, splitAddress, type BoardGeometry, type DeployedConfiguration } from '../../shared/board.ts'
import type { ConfigurationSummary } from './chip.ts'

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigurationError'
  }
}

function where(g: BoardGeometry, address: number): string {
  if (address >= inputAddressBit) return `input channel ${address - inputAddressBit}`
  const a = splitAddress(g, address)
  return `neuron ${address} (chip ${a.chip}, core ${a.core}, neuron ${a.neuron})`
}

/** Checks a configuration against a board's geometry; returns what it uses. Throws ConfigurationError. */
export function checkConfiguration(g: BoardGeometry, config: DeployedConfiguration): ConfigurationSummary {
  if (config.weightScheme !== g.weightScheme) {
    throw new ConfigurationError(`the configuration is for ${config.weightScheme.toUpperCase()} weights but this board uses ${g.weightScheme.toUpperCase()} weights: map the network for this board`)
  }
  const coreNeurons = new Map<number, number>()
  let neurons = 0
  for (const [i, c] of config.cores.entries()) {
    const at = `core block ${i} (chip ${c.chip}, core ${c.core})`
    if (!Number.isInteger(c.chip) || c.chip < 0 || c.chip >= g.chips) throw new ConfigurationError(`${at}: chip must be 0..${g.chips - 1} on this board of ${g.chips} chip(s)`)
    if (!Number.isInteger(c.core) || c.core < 0 || c.core >= g.coresPerChip) throw new ConfigurationError(`${at}: core must be 0..${g.coresPerChip - 1}`)
    const key = c.chip * g.coresPerChip + c.core
    if (coreNeurons.has(key)) throw new ConfigurationError(`${at}: this core is configured twice`)
    if (!Number.isInteger(c.neurons) || c.neurons < 1 || c.neurons > g.neuronsPerCore) throw new ConfigurationError(`${at}: neurons must be 1..${g.neuronsPerCore} (received ${c.neurons})`)
    const p = c.params
    if (!(p.tauMemMs > 0)) throw new ConfigurationError(`${at}: tauMemMs must be > 0 (received ${p.tauMemMs})`)
    if (!(p.refractoryMs >= 0)) throw new ConfigurationError(`${at}: refractoryMs must be ≥ 0 (received ${p.refractoryMs})`)
    for (let s = 0; s < 4; s++) {
      if (!(p.tauSynMs[s] > 0)) throw new ConfigurationError(`${at}: tauSynMs[${s}] must be > 0 (received ${p.tauSynMs[s]})`)
      if (!(p.baseWeights[s] >= 0)) throw new ConfigurationError(`${at}: baseWeights[${s}] must be ≥ 0: the sign comes from the synapse type (received ${p.baseWeights[s]})`)
    }
    if (!(p.resetPotential < p.threshold)) throw new ConfigurationError(`${at}: resetPotential (${p.resetPotential}) must be below threshold (${p.threshold})`)
    for (const [k, v] of Object.entries({ threshold: p.threshold, resetPotential: p.resetPotential, bias: p.bias })) {
      if (!Number.isFinite(v)) throw new ConfigurationError(`${at}: ${k} must be a finite number (received ${v})`)
    }
    coreNeurons.set(key, c.neurons)
    neurons += c.neurons
  }
  const used = (address: number): boolean => {
    if (address >= g.chips * g.coresPerChip * g.neuronsPerCore) return false
    const n = coreNeurons.get(Math.floor(address / g.neuronsPerCore))
    return n !== undefined && address % g.neuronsPerCore < n
  }
  const maxWeight = g.weightScheme === 'se1' ? g.fanIn : 15
  const camIn = new Map<number, number>()
  const targets = new Map<number, Set<number>>()
  let camEntries = 0
  for (const [i, c] of config.connections.entries()) {
    const at = `connection ${i} (${c.pre >= inputAddressBit ? `input ${c.pre - inputAddressBit}` : c.pre} → ${c.post})`
    if (!used(c.post)) throw new ConfigurationError(`${at}: the target ${c.post >= inputAddressBit ? 'is an input channel' : `${where(g, c.post)} is not a neuron of a configured core`}`)
    if (c.pre >= inputAddressBit) {
      if (c.pre - inputAddressBit >= g.inputChannels) throw new ConfigurationError(`${at}: the source is input channel ${c.pre - inputAddressBit} but this board has ${g.inputChannels} input channels`)
    } else if (!used(c.pre)) throw new ConfigurationError(`${at}: the source ${where(g, c.pre)} is not a neuron of a configured core`)
    if (!Number.isInteger(c.type) || c.type < 0 || c.type > 3) throw new ConfigurationError(`${at}: the synapse type must be 0..3 (received ${c.type})`)
    if (!Number.isInteger(c.weight) || c.weight < 1 || c.weight > maxWeight) {
      throw new ConfigurationError(`${at}: the weight must be ${g.weightScheme === 'se1' ? `a repeat count 1..${g.fanIn}` : 'a 4-bit mask 1..15'} (received ${c.weight})`)
    }
    const entries = g.weightScheme === 'se1' ? c.weight : 1
    camEntries += entries
    const total = (camIn.get(c.post) ?? 0) + entries
    if (total > g.fanIn) throw new ConfigurationError(`${at}: ${where(g, c.post)} would take ${total} CAM entries, more than its fan-in of ${g.fanIn}`)
    camIn.set(c.post, total)
    if (c.pre < inputAddressBit) {
      let set = targets.get(c.pre)
      if (!set) targets.set(c.pre, (set = new Set()))
      set.add(Math.floor(c.post / g.neuronsPerCore))
      if (set.size > g.fanOut) throw new ConfigurationError(`${at}: ${where(g, c.pre)} would reach ${set.size} cores, more than its fan-out of ${g.fanOut}`)
    }
  }
  return { cores: config.cores.length, neurons, connections: config.connections.length, camEntries }
}
