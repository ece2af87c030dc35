// The execution targets, by name (one import and one entry per target). Jobs choose one with their
// `target` parameter (default "simulator").
import { FieldError } from '../../shared/errors.ts'
import { chipTargets } from './chip.ts'
import { simulator } from './simulator.ts'
import type { ExecutionTarget } from './target.ts'

export const targets: Record<string, ExecutionTarget> = {
  simulator: simulator,
  ...chipTargets,
}

export const defaultTarget = 'simulator'

/** The target of this name, available and able to run networks of `architecture`; otherwise a clear refusal. */
export function targetFor(name: string, architecture?: string, field = 'params.target'): ExecutionTarget {
  const label = 'Execution target'
  const t = Object.prototype.hasOwnProperty.call(targets, name) ? targets[name] : undefined
  if (!t) throw new FieldError(field, `names no execution target "${name}": choose one of ${Object.keys(targets).join(', ')} (\`mimic backends list\`).`, label)
  if (architecture !== undefined && !t.supports(architecture)) {
    throw new FieldError(field, `"${name}" cannot run networks of architecture "${architecture}": choose another target (\`mimic backends list\`).`, label)
  }
  return t
}

/** targetFor, and the target must be available now (its status says why not). */
export async function availableTarget(name: string, architecture?: string, field = 'params.target'): Promise<ExecutionTarget> {
  const t = targetFor(name, architecture, field)
  const status = await t.status()
  if (!status.available) throw new FieldError(field, `"${name}" is not available: ${status.reason ?? 'no reason given'}.`, 'Execution target')
  return t
}

export type { ExecutionTarget, TargetBatch, TargetOutput, TargetRunOptions, TargetStatus } from './target.ts'
