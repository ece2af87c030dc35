// How job kinds appear as actions. Kinds and their wording, form groups and "watch after start"
// come from their specs (src/shared/jobkinds); they are grouped by the kind of run they create, and
// each group gets one action button ("New dataset") whose form lets the user pick the kind when a
// group has several. A new job kind shows up here without renderer changes.
import {
  currentJobKind,
  fieldGroups as specFieldGroups,
  impliedTask,
  isJobKindName,
  jobKinds,
  jobKindNames,
  type FieldGroup,
  type JobKindName,
  type JobKindSpec,
  type RunViewName,
  type StageSpec,
} from '../../../src/shared/jobkinds/index.ts'
import type { TaskName } from '../../../src/shared/tasks/index.ts'
import type { FormValues } from './schemaForm.ts'

export type { FieldGroup }

interface GroupWording {
  /** the action button, e.g. "New dataset" */
  action: string
  /** the form's submit button, e.g. "Generate" */
  submit: string
  /** while the start call is pending */
  pending: string
  /** the main action of a project (a filled button) */
  primary?: boolean
}

/** Long jobs whose page is worth watching: after starting one the app opens its run page (live progress and curves). */
export function opensRunPage(kind: JobKindName): boolean {
  return (jobKinds[kind] as JobKindSpec).watchAfterStart === true
}

/**
 * How a job of this kind goes to a cluster ("Run on" in its form): 'children' sends its own children
 * (its `cluster` parameter: a reproduction), 'split' sends its items (its ClusterSplit: a robustness
 * run's networks × levels), 'seeds' a sweep over seeds (any job with a seed); null: this machine only.
 */
export function clusterMode(kind: JobKindName): 'children' | 'split' | 'seeds' | null {
  const spec: JobKindSpec = jobKinds[kind]
  if (spec.childrenOnCluster) return 'children'
  if (spec.cluster) return 'split'
  return 'seed' in spec.params.shape ? 'seeds' : null
}

/** The cluster options a reproduction keeps as its parameters: shown under "Run on", not among its fields. */
export const clusterParamKeys = ['cluster', 'itemsPerTask', 'attempts', 'timeLimit', 'cpusPerTask']

export function fieldGroups(kind: JobKindName): FieldGroup[] | null {
  return specFieldGroups(kind)
}

export interface JobGroup extends GroupWording {
  runKind: string
  kinds: JobKindName[]
}

export function jobGroups(): JobGroup[] {
  const groups = new Map<string, JobGroup>()
  for (const kind of jobKindNames) {
    const spec: JobKindSpec = jobKinds[kind]
    let g = groups.get(spec.runKind)
    if (!g) {
      g = { runKind: spec.runKind, kinds: [], action: spec.action.action, submit: spec.action.submit, pending: 'Starting…', primary: spec.action.primary }
      groups.set(spec.runKind, g)
    }
    g.kinds.push(kind)
  }
  return [...groups.values()]
}

/**
 * What the run page shows beside the parameters of runs of this kind (from the job kinds that create such
 * runs): each parameter's unit, and the parameters that name other runs (a teacher, a dataset, a network,
 * a list of networks), shown as links.
 */
export function paramDisplay(runKind: string): { units: Record<string, string | undefined>; runRefs: Set<string> } {
  const units: Record<string, string | undefined> = {}
  const runRefs = new Set<string>()
  for (const kind of jobKindNames) {
    if (jobKinds[kind].runKind !== runKind) continue
    for (const [k, f] of Object.entries(jobKinds[kind].params.info().fields ?? {})) {
      if (f.unit && !units[k]) units[k] = f.unit
      if (f.ref || f.items?.ref) runRefs.add(k)
    }
  }
  return { units, runRefs }
}

/**
 * The job kind that runs a run again: the one that made it, or for a pipeline's stage the kind
 * that makes runs of its kind on their own (a stage's parameters are that kind's). Null for runs no
 * job made (imports).
 */
export function againKind(run: { jobKind: string | null; kind: string }): JobKindName | null {
  const made = run.jobKind === null ? null : currentJobKind(run.jobKind)
  if (!made) return null
  if (isJobKindName(made)) return made
  if (!made.startsWith('stage:')) return null
  const runKind = made.slice('stage:'.length)
  const kinds = jobKindNames.filter((k) => jobKinds[k].runKind === runKind)
  return kinds.length === 1 ? kinds[0] : null
}

/**
 * Why a run cannot be run again (againKind gave null), in a sentence naming the run: it was imported;
 * it is a stage of a pipeline whose stage no one job kind makes alone (it is run again with its
 * pipeline); or the job kind that made it is not offered by this version.
 */
export function againRefusal(run: { name: string; jobKind: string | null; parents: readonly { id: number; name: string; role: string }[] }): string {
  if (run.jobKind === null) return `“${run.name}” was not made by a job (it was imported), so it cannot be run again.`
  const made = currentJobKind(run.jobKind)
  if (made.startsWith('stage:')) {
    const pipeline = run.parents.find((p) => p.role === 'pipeline')
    const of = pipeline ? `pipeline run “${pipeline.name}” (#${pipeline.id})` : 'a pipeline'
    return `“${run.name}” is a stage of ${of} and was made with that pipeline's parameters: run the pipeline again from its page.`
  }
  return `“${run.name}” was made by the job kind “${made}”, which this version of the workbench does not offer, so it cannot be run again.`
}

/**
 * The job kind a run belongs to: the one that made it, for a pipeline's stage the first kind making
 * runs of the stage's kind, for runs no job made (imports) the first kind making runs of its kind;
 * null when no job kind makes runs of its kind.
 */
export function jobKindOf(run: { jobKind: string | null; kind: string }): JobKindName | null {
  const made = run.jobKind === null ? null : currentJobKind(run.jobKind)
  if (made !== null && isJobKindName(made)) return made
  const runKind = made?.startsWith('stage:') ? made.slice('stage:'.length) : run.kind
  return jobKindNames.find((k) => jobKinds[k].runKind === runKind) ?? null
}

/** The view of a run's page (views/runs registry), from its job kind's spec; null for none (the page shows its metrics as generic charts). */
export function runViewOf(run: { jobKind: string | null; kind: string }): RunViewName | null {
  const kind = jobKindOf(run)
  return kind ? jobKinds[kind].view : null
}

/** The stages of the job kind a run belongs to (a pipeline's), empty for kinds without stages. */
export function stagesOf(run: { jobKind: string | null; kind: string }): readonly StageSpec[] {
  const kind = jobKindOf(run)
  return kind ? ((jobKinds[kind] as JobKindSpec).stages ?? []) : []
}

/** "Network ADS" → "network ADS": a title inside a sentence. */
export function inSentence(title: string): string {
  return title.charAt(0).toLowerCase() + title.slice(1)
}

/** The run id a run field's text names (undefined while none is chosen). */
export function formRunId(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined
}

/**
 * The task a form's values imply, as the service implies it from what the form sends (impliedTask:
 * the task chosen, else its dataset's or teacher's, else the kind's default task); an empty text is
 * a value left out. `taskOfRun` gives the task recorded with a run the form refers to.
 */
export function formTask(kind: JobKindName, values: FormValues, taskOfRun: (id: unknown) => TaskName | undefined): TaskName | undefined {
  return impliedTask(kind, { task: values.task === '' ? undefined : values.task, data: formRunId(values.data), teacher: formRunId(values.teacher) }, taskOfRun)
}
