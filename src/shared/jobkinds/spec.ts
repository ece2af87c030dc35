// What a job kind declares about itself (pure): its parameters, the run it makes, the resources it
// needs, its command line, its run view and how its form is laid out. Every surface reads this
// declaration: the services (validation, lineage), the scheduler (resources), the command line (the
// command, its positionals and flags), the renderer (actions, forms, run views).
import type { ObjectSchema, Schema } from '../schema.ts'
import type { RunDetail } from '../types.ts'
import type { CostLookup } from '../grouping.ts'
import type { TaskName } from '../tasks/index.ts'

/**
 * How a form groups its fields. A rule takes the fields named in `keys`, or those whose name starts
 * with `prefix`, or (`rest`) every field no other rule took; groups keep the rule order and fields
 * keep the schema order. Kinds without rules get one ungrouped grid.
 */
export interface GroupRule {
  title: string
  help?: string
  keys?: readonly string[]
  prefix?: string
  rest?: boolean
}

/** A titled group of a form's fields (a fieldset). */
export interface FieldGroup {
  title: string
  help?: string
  keys: string[]
}

export interface Resources {
  /** cores the job uses: all the scheduler can give, or a fixed number */
  cores: 'all' | number
  /** with 'all': the fewest cores worth starting with */
  minCores?: number
  /**
   * a device the job needs exclusively (a board), from its parameters; null for none. `boardAddress`
   * gives the canonical address of a board address or of a saved board's name (null: neither), so
   * that one board is one device however a job names it.
   */
  device?: (params: Record<string, unknown>, boardAddress: (target: string) => string | null) => string | null
  /** the cores these parameters need instead of `cores` (a job that sends its work to a cluster needs one); null: `cores` */
  coresFor?: (params: Record<string, unknown>) => number | null
}

/** Where a command's run goes when --project is not given. */
export type CliProject =
  /** --project is required */
  | { required: true }
  /** the project of the run named by this parameter */
  | { ofRun: string }
  /**
   * a project named after the label of the task named by this parameter (made when missing); when
   * `unlessRun` names a parameter that is given (a run it continues), that run's project instead
   */
  | { namedAfterTask: string; unlessRun?: string }

export interface CliSpec {
  /** the command's words: ['train', 'teacher'] is `mimic train teacher` */
  command: readonly string[]
  /** parameters given as positional arguments, in this order (each one required) */
  positionals?: readonly string[]
  /** flags named otherwise than their parameter: { data: 'dataset' } makes --data set params.dataset */
  flagAliases?: Readonly<Record<string, string>>
  /**
   * flags that read a local file and import it as a run for a parameter whose field declares
   * `upload` ({ data: 'dataset' }: --data FILE.npz, instead of --dataset RUN)
   */
  fileFlags?: Readonly<Record<string, string>>
  /**
   * flags that read a local folder of audio files and send them as an upload run for a parameter
   * naming an upload run ({ 'noise-dir': 'noise' }: --noise-dir DIR instead of --noise RUN)
   */
  dirFlags?: Readonly<Record<string, string>>
  /** where the run goes without --project (default: --project is required) */
  project?: CliProject
  /** usage line shown in `mimic --help` after the command, e.g. 'NETWORK_RUN --data DATASET_RUN' */
  synopsis: string
  /** what the command prints for a succeeded run (default: the run's summary) */
  result?: (run: RunDetail) => { value: Record<string, unknown>; text: string }
  /**
   * instead of `result`: the API operation whose answer for { runId } the command prints for a
   * succeeded run (with --json, that answer as it is), and its text otherwise
   */
  resultOp?: string
  resultText?: (value: unknown) => string
}

/** Wording of the action that starts jobs making runs of a kind ("New dataset" / "Generate"). */
export interface ActionWording {
  /** the action button, e.g. "New dataset" */
  action: string
  /** the form's submit button, e.g. "Generate" */
  submit: string
  /** the main action of a project (a filled button) */
  primary?: boolean
}

/**
 * A stage of a job that runs others as its child runs (a pipeline): the progress stage it reports
 * while the stage runs, the kind of the stage's run, and how pages name it.
 */
export interface StageSpec {
  /** the `stage` of the job's progress while it runs */
  name: string
  /** the kind of the stage's child run */
  runKind: string
  /** its name as a title ("Network ADS"); sentences use it with a lower-case first letter */
  title: string
  /** what it does, in a few words */
  what: string
}

export interface JobKindSpec {
  name: string
  label: string
  /** the kind of run it makes (runs.kind) */
  runKind: string
  description: string
  /** the default name of its runs (before " · seed N"); {task} stands for the label of the task parameter's task (default: the label) */
  runName?: string
  params: ObjectSchema<Record<string, Schema<unknown>>>
  /**
   * the defaults of the parameters a task decides beside its method settings (TaskDescriptor.methodDefaults):
   * what methodDefaultsOf puts in for them when the task is chosen (a dataset's generator defaults)
   */
  taskDefaults?: (task: TaskName) => Record<string, unknown>
  resources: Resources
  cli: CliSpec
  /** the run view of its runs (renderer/src/views/runs registry) */
  view: string
  /** long jobs whose page is worth watching: after starting one the app opens its run page */
  watchAfterStart?: boolean
  formGroups?: readonly GroupRule[]
  action: ActionWording
  /**
   * a parameter naming an earlier run of this kind that a run continues (reusing its finished
   * children): when the seed is left out, that run's seed is taken
   */
  resumeParam?: string
  /** its stages, in order, when it runs others as child runs */
  stages?: readonly StageSpec[]
  /**
   * How one run of it is sent to a cluster (`--on CLUSTER` without --seeds) as a SLURM array of
   * independent items: see ClusterSplit. Without it, `--on` sends only a sweep over seeds.
   */
  cluster?: ClusterSplit
  /**
   * The estimated seconds of one run of it on one core, from its parameters (null when unknown): how a
   * sweep on a cluster groups its items into array tasks (src/shared/grouping.ts).
   */
  itemSeconds?: (params: Record<string, unknown>, look: CostLookup) => number | null
  /**
   * The job runs here and sends its children to the cluster named by its parameter `cluster`, phase by
   * phase (`reproduce paper --on NAME`: the networks, then the sweeps), as SLURM arrays; `--on` sets
   * that parameter instead of sending the job as a sweep.
   */
  childrenOnCluster?: true
}

/** One independent item of a job sent to a cluster: what one node runs (a job of `kind`, default the job's own). */
export interface ClusterItem {
  /** another job kind than the one split (a job whose children are other jobs, such as a reproduction) */
  kind?: string
  /** the item's parameters, complete (the seed included) */
  params: Record<string, unknown>
  /** what the item is, for the sweep's table ("network 5, level 0.1") */
  label: string
}

/**
 * The extension point for running a job on a cluster: `items` cuts a run's parsed parameters into
 * independent items (each a job the node runs from the runs its parameters name, which are shipped);
 * `merge` says where their results land: 'one-run' appends every item's result rows to one run of
 * this kind (the run a local job would have made, with the same parents), 'children' makes each item
 * its own run, a child of the sweep (a training grid; a reproduction's networks and sweeps).
 */
export interface ClusterSplit {
  merge: 'one-run' | 'children'
  items(params: Record<string, unknown>): ClusterItem[]
}

/** A number as the command line prints it. */
export function fmt(v: number | undefined): string {
  return v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(4)
}

/**
 * Rows of cells as the command line prints a table: each column as wide as its widest cell (a fixed
 * width let a long value run into the next column), indented by two spaces, the columns `gap` apart;
 * `cap` limits a column's width, cutting a longer cell with an ellipsis (the CLI's lists of runs).
 */
export function textColumns(rows: readonly (readonly string[])[], gap = '  ', opts: { indent?: string; cap?: number } = {}): string[] {
  const { indent = '  ', cap = Infinity } = opts
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.min(cap, Math.max(widths[i] ?? 0, (c ?? '').length))))
  const cut = (s: string, w: number): string => (s.length > w ? s.slice(0, w - 1) + '…' : s)
  return rows.map((r) => `${indent}${r.map((c, i) => cut(c ?? '', widths[i]).padEnd(widths[i])).join(gap)}`.trimEnd())
}

/** The groups of a form's fields by `rules`; null when there are none. */
export function groupFields(fieldNames: readonly string[], rules: readonly GroupRule[] | undefined): FieldGroup[] | null {
  if (!rules) return null
  const keys = [...fieldNames]
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
