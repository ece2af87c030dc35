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
  /** the main action of a project (a filled button) */
  primary?: boolean
}

const wording: Record<string, GroupWording> = {
  dataset: { action: 'New dataset', submit: 'Generate', pending: 'Starting…' },
  network: { action: 'New network', submit: 'Create', pending: 'Starting…' },
  simulation: { action: 'New simulation', submit: 'Simulate', pending: 'Starting…' },
  teacher: { action: 'New teacher', submit: 'Train', pending: 'Starting…' },
  ads: { action: 'New network ADS', submit: 'Train', pending: 'Starting…' },
  evaluation: { action: 'New evaluation', submit: 'Evaluate', pending: 'Starting…' },
  pipeline: { action: 'New pipeline', submit: 'Run pipeline', pending: 'Starting…', primary: true },
}

/**
 * Long jobs whose page is worth watching: after starting one the app opens its run page (live
 * progress and curves). Short jobs keep the user on the project page.
 */
const watchAfterStart: ReadonlySet<JobKind> = new Set<JobKind>(['pipeline.xor', 'train.teacher', 'train.ads'])

export function opensRunPage(kind: JobKind): boolean {
  return watchAfterStart.has(kind)
}

/** A titled group of a form's fields (a fieldset). */
export interface FieldGroup {
  title: string
  help?: string
  keys: string[]
}

/**
 * How a kind's form groups its fields. A rule takes the fields named in `keys`, or those whose name
 * starts with `prefix`, or (`rest`) every field no other rule took; groups keep the rule order and
 * fields keep the schema order. Kinds without rules get one ungrouped grid.
 */
interface GroupRule {
  title: string
  help?: string
  keys?: readonly string[]
  prefix?: string
  rest?: boolean
}

const groupRules: Partial<Record<JobKind, GroupRule[]>> = {
  'pipeline.xor': [
    { title: 'Teacher', help: 'rate network trained with BPTT and Adam (METHOD.md §3)', prefix: 'teacher' },
    { title: 'Spiking network', help: 'network ADS: balanced spiking network trained by the local rule (METHOD.md §4-5)', rest: true },
    { title: 'General', keys: ['seed', 'testSamples', 'threads'] },
  ],
}

export function fieldGroups(kind: JobKind): FieldGroup[] | null {
  const rules = groupRules[kind]
  if (!rules) return null
  const keys = Object.keys(jobKinds[kind].params.info().fields ?? {})
  const taken = new Set<string>()
  const groups: FieldGroup[] = rules.map((r) => ({ title: r.title, help: r.help, keys: [] }))
  // explicit keys first, then prefixes, then the rest, so a key list wins over a prefix
  const passes: ((r: GroupRule, k: string) => boolean)[] = [
    (r, k) => !!r.keys?.includes(k),
    (r, k) => !!r.prefix && k.startsWith(r.prefix),
    (r) => !!r.rest,
  ]
  for (const pass of passes) {
    for (const k of keys) {
      if (taken.has(k)) continue
      const i = rules.findIndex((r) => pass(r, k))
      if (i < 0) continue
      groups[i].keys.push(k)
      taken.add(k)
    }
  }
  for (const g of groups) g.keys.sort((a, b) => keys.indexOf(a) - keys.indexOf(b))
  const left = keys.filter((k) => !taken.has(k))
  if (left.length) groups.push({ title: 'Other', keys: left })
  return groups.filter((g) => g.keys.length > 0)
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

/**
 * The job kind that runs a run again: the one that made it, or for a pipeline's stage the kind
 * that makes runs of its kind on their own (a stage's parameters are that kind's). Null for runs no
 * job made (imports).
 */
export function againKind(run: { jobKind: string | null; kind: string }): JobKind | null {
  const made = run.jobKind
  if (!made) return null
  if ((jobKindNames as readonly string[]).includes(made)) return made as JobKind
  if (!made.startsWith('stage:')) return null
  const runKind = made.slice('stage:'.length)
  const kinds = jobKindNames.filter((k) => jobKinds[k].runKind === runKind)
  return kinds.length === 1 ? kinds[0] : null
}
