// How a sweep's items are grouped into SLURM array tasks (pure). A task costs seconds of scheduling
// and start-up (a one-node cluster: about 1 s of scheduling, plus the node's `mimic` starting and
// reading its inputs), so small items are run several to a task, enough that each task runs for at
// least tens of seconds; large items get a task each. The cost of one item is the job kind's own
// estimate (`itemSeconds` in its spec), from the work it declares (neuron-steps simulated, teacher
// and network training steps) at rates measured on the workbench's machine (docs/method.md §16).

/** A SLURM time limit as sbatch --time takes it (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS). */
export const slurmTime = /^(\d{1,6}|\d{1,6}:\d{1,2}|\d{1,4}:\d{1,2}:\d{1,2}|\d{1,4}-\d{1,2}(:\d{1,2}(:\d{1,2})?)?)$/
export const slurmTimeHelp = 'must be a SLURM time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS'
/** A cluster's name as `mimic cluster add NAME` takes it. */
export const clusterNamePattern = /^[A-Za-z][A-Za-z0-9_-]*$/
export const clusterNameHelp = 'must start with a letter and have only letters, digits, - and _'

/** The least a task should run (seconds): small items are grouped until a task runs this long. */
export const targetTaskSeconds = 60

/** SLURM's default MaxArraySize is 1001 (indices 0..1000): the most tasks an array gets by default. */
export const defaultMaxTasks = 1000

export interface Grouping {
  itemsPerTask: number
  tasks: number
  /** the estimated seconds of one item on one core (the mean over the items), null without an estimate */
  itemSeconds: number | null
  /** the estimated seconds of a full task, null without an estimate */
  taskSeconds: number | null
  /** given: --items-per-task; estimated: from the items' cost; default: no estimate, one item per task */
  chosen: 'given' | 'estimated' | 'default'
  /** the choice in one sentence, as the command line prints it */
  text: string
}

const secondsText = (s: number): string => (s < 10 ? `${s.toPrecision(2)} s` : s < 600 ? `${Math.round(s)} s` : `${(s / 60).toPrecision(3)} min`)

/**
 * Items per task for `items` items of `itemSeconds` each (estimated; null when unknown): the given
 * number when there is one; else enough items that a task runs `targetSeconds` (at least one, at most
 * all); else one per task. Never more tasks than `maxTasks`.
 */
export function chooseGrouping(o: { items: number; itemSeconds: number | null; given?: number; targetSeconds?: number; maxTasks?: number }): Grouping {
  const target = o.targetSeconds ?? targetTaskSeconds
  const maxTasks = o.maxTasks ?? defaultMaxTasks
  if (!Number.isInteger(o.items) || o.items < 1) throw new RangeError(`items must be a positive integer (received ${o.items})`)
  const fewestPerTask = Math.ceil(o.items / maxTasks)
  let itemsPerTask: number
  let chosen: Grouping['chosen']
  if (o.given !== undefined) {
    itemsPerTask = Math.min(o.items, Math.max(o.given, fewestPerTask))
    chosen = 'given'
  } else if (o.itemSeconds !== null && Number.isFinite(o.itemSeconds) && o.itemSeconds > 0) {
    itemsPerTask = Math.min(o.items, Math.max(fewestPerTask, Math.ceil(target / o.itemSeconds)))
    chosen = 'estimated'
  } else {
    itemsPerTask = Math.min(o.items, fewestPerTask)
    chosen = 'default'
  }
  const tasks = Math.ceil(o.items / itemsPerTask)
  const itemSeconds = o.itemSeconds !== null && Number.isFinite(o.itemSeconds) && o.itemSeconds > 0 ? o.itemSeconds : null
  const taskSeconds = itemSeconds === null ? null : itemSeconds * itemsPerTask
  const per = `${itemsPerTask} item${itemsPerTask > 1 ? 's' : ''} per task, ${tasks} task${tasks > 1 ? 's' : ''}`
  const est = itemSeconds === null ? '' : ` (about ${secondsText(itemSeconds)} per item, ${secondsText(taskSeconds!)} per task)`
  const text =
    chosen === 'given'
      ? `${per}${est}: as given (--items-per-task)`
      : chosen === 'estimated'
        ? `${per}${est}: grouped so that a task runs at least ${target} s`
        : `${per}: no cost estimate for these items, so one item per task (give --items-per-task to group them)`
  return { itemsPerTask, tasks, itemSeconds, taskSeconds, chosen, text }
}

/** What the cost estimates of items read from the project: a network run's size, a dataset's steps per sample. */
export interface CostLookup {
  /** neurons (or units) of a network run, null when unknown */
  neurons(runId: number): number | null
  /** time steps of one sample of a dataset run, null when unknown */
  steps(runId: number): number | null
  /** time steps of one sample of a task (null: the default task) */
  taskSteps(task: string | null): number | null
}

/**
 * Seconds per unit of work on one core of the workbench's machine (measured 2026-12-05, docs/method.md
 * §16): the simulator per neuron-step (a robustness sweep of N = 320: 8.2 s of CPU for 2.56·10⁹
 * neuron-steps), teacher BPTT per step and unit² (64 units: about 0.9 µs per step with Adam and the data
 * draws), ADS training per step and N·D (320 × 64: about 2.5 µs per step).
 */
export const costRates = {
  simulatorPerNeuronStep: 3.2e-9,
  teacherPerStepUnit2: 2.2e-10,
  adsPerStepND: 1.2e-10,
  /** a baseline's training step against its forward step (BPTT's backward pass, RLS, ridge) */
  baselineTrainingOverForward: 10,
  /** what every item costs besides its work: its job's worker process, reading its inputs, writing its result (about 1 s measured) */
  itemStartSeconds: 1,
} as const

/** Seeds written as a list and ranges ("1,2,5-8" → 1 2 5 6 7 8), or a sentence saying what is wrong. */
export function parseSeedList(raw: string): number[] | string {
  const out: number[] = []
  for (const part of raw.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) return `must be seeds and ranges separated by commas, e.g. 1,2,5-8 (received "${raw}").`
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    if (b < a) return `has the range ${part}, which runs backwards: write ${b}-${a}.`
    if (b - a > 100_000 || out.length > 100_000) return 'names more than 100000 seeds.'
    for (let s = a; s <= b; s++) out.push(s)
  }
  if (out.length === 0) return 'must name at least one seed, e.g. 1-10.'
  if (new Set(out).size !== out.length) return `repeat a seed (received "${raw}"): each item of a sweep is a different seed.`
  return out
}
