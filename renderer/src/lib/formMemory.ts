// Forms remember the values last used, per job kind and per project, in this browser's
// localStorage: a researcher who changed three values finds them again next time. "Reset to
// defaults" forgets them. Values are the form's texts (lib/schemaForm.ts); stale keys are dropped
// when they are laid over a form (mergeValues).
import type { FormValues } from './schemaForm.ts'

const prefix = 'mimic.form.v1'

function key(projectId: number, kind: string): string {
  return `${prefix}.${projectId}.${kind}`
}

/** The values last used for this kind in this project (run names are not kept: each run gets its own). */
export function recall(projectId: number, kind: string): FormValues | null {
  try {
    const raw = localStorage.getItem(key(projectId, kind))
    if (!raw) return null
    const parsed = JSON.parse(raw) as { values?: unknown }
    return parsed && typeof parsed.values === 'object' && parsed.values !== null ? (parsed.values as FormValues) : null
  } catch {
    return null // storage disabled or a value we did not write: start from the defaults
  }
}

export function remember(projectId: number, kind: string, values: FormValues): void {
  try {
    localStorage.setItem(key(projectId, kind), JSON.stringify({ values }))
  } catch {
    // storage full or disabled: the form simply starts from its defaults next time
  }
}

export function forget(projectId: number, kind: string): void {
  try {
    localStorage.removeItem(key(projectId, kind))
  } catch {
    // nothing to forget
  }
}
