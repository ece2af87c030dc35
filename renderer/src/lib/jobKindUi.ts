// How job kinds appear as actions. Kinds come from src/shared/jobs.ts; they are grouped by the kind
// of run they create, and each group gets one action button ("New dataset") whose form lets the user
// pick the kind when a group has several. A new job kind shows up here without renderer changes;
// the table below only gives groups nicer wording than the fallback ("New <runKind>", "Start").
import { jobKinds, jobKindNames, type JobKind } from '../../../src/shared/jobs.ts'

interface GroupWording {
  /** the action button, e.g. "New dataset" */
  action: string
  /** the form's submit button, e.g. "Generate" */
  submit: string
  /** while the start call is pending */
  pending: string
}

const wording: Record<string, GroupWording> = {
  dataset: { action: 'New dataset', submit: 'Generate', pending: 'Starting…' },
  network: { action: 'New network', submit: 'Create', pending: 'Starting…' },
  simulation: { action: 'New simulation', submit: 'Simulate', pending: 'Starting…' },
  training: { action: 'New training', submit: 'Train', pending: 'Starting…' },
  pipeline: { action: 'New pipeline', submit: 'Run pipeline', pending: 'Starting…' },
}

export interface JobGroup extends GroupWording {
  runKind: string
  kinds: JobKind[]
}

export function jobGroups(): JobGroup[] {
  const groups = new Map<string, JobGroup>()
  for (const kind of jobKindNames) {
    const runKind = jobKinds[kind].runKind
    let g = groups.get(runKind)
    if (!g) {
      g = { runKind, kinds: [], ...(wording[runKind] ?? { action: `New ${runKind}`, submit: 'Start', pending: 'Starting…' }) }
      groups.set(runKind, g)
    }
    g.kinds.push(kind)
  }
  return [...groups.values()]
}

/** Units of the parameters of runs of this kind (from the job kinds that create such runs). */
export function paramUnits(runKind: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const kind of jobKindNames) {
    if (jobKinds[kind].runKind !== runKind) continue
    for (const [k, f] of Object.entries(jobKinds[kind].params.info().fields ?? {})) if (f.unit && !out[k]) out[k] = f.unit
  }
  return out
}
