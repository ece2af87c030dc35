// The software simulator: the native addon runs each architecture as the architecture's module says.
import { addonStatus } from '../../../native/index.ts'
import { architectures } from '../architectures/index.ts'
import type { ExecutionTarget } from './target.ts'

export const simulator: ExecutionTarget = {
  name: 'simulator',
  label: 'Software simulator',
  kind: 'software',
  description: 'The native addon on this machine’s CPU cores (every architecture).',
  async status() {
    const s = addonStatus()
    return s.loaded ? { available: true } : { available: false, reason: s.error ?? `the native addon at ${s.path} is not loaded` }
  },
  supports: (architecture) => Object.prototype.hasOwnProperty.call(architectures, architecture),
  run(net, batch, opts, run = {}) {
    return architectures[net.architecture].simulate(net.net, batch, opts, run)
  },
}
