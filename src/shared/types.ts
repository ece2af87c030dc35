// Domain types shared by the services, the front doors and the renderer. Plain data only.
import type { Grouping } from './grouping.ts'

export const runStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const
export type RunStatus = (typeof runStatuses)[number]
export const activeStatuses: readonly RunStatus[] = ['queued', 'running']

export interface Project {
  id: number
  name: string
  createdAt: string
  runCount: number
}

/** A run in a list of what an operation touches (the dependants of a run to delete, running jobs). */
export interface RunBrief {
  id: number
  projectId: number
  kind: string
  name: string
  status: RunStatus
}

export interface RunRef {
  id: number
  name: string
  kind: string
  status: RunStatus
  /** what the parent is to the child, e.g. "dataset", "teacher", "network" */
  role: string
}

export interface RunSummary {
  id: number
  projectId: number
  kind: string
  name: string
  status: RunStatus
  seed: number | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  /** seconds between start and finish (or now, while running) */
  durationSeconds: number | null
  tags: string[]
  /** headline numbers chosen by the job (accuracy, reconstruction error, sample count...) */
  summary: Record<string, number>
}

export interface Note {
  id: number
  runId: number
  body: string
  createdAt: string
}

export const dtypes = ['float32', 'float64', 'int32', 'uint32', 'int16', 'uint16', 'int8', 'uint8'] as const
export type DType = (typeof dtypes)[number]

export interface ArtifactMeta {
  id: number
  runId: number
  name: string
  dtype: DType
  shape: number[]
  byteLength: number
  createdAt: string
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array

export interface ArtifactData extends ArtifactMeta {
  data: TypedArray
}

export interface JobProgress {
  /** 0..1 */
  fraction: number
  etaSeconds: number | null
  message: string
  /** for pipelines: which stage is running */
  stage: string | null
  updatedAt: string
}

/** The network a run holds (its bundle), for runs that are networks. */
export interface NetworkSummary {
  architecture: string
  /** e.g. "ebn" / "no-ebn" for network ADS; null for architectures without variants */
  variant: string | null
  formatVersion: number
  /** the task it was trained on, when recorded */
  task: string | null
  /** the task's settings fitted on validation data and stored with the network (the wake phrase's boundary B); {} when none */
  fitted: Record<string, number>
}

/** An execution target as `backends.list` reports it. */
export interface BackendInfo {
  name: string
  label: string
  kind: 'software' | 'emulator' | 'board'
  description: string
  available: boolean
  /** why it is not available, and what to do; null when it is */
  reason: string | null
  /** the architectures it runs */
  architectures: string[]
}

export interface RunDetail extends RunSummary {
  params: Record<string, unknown>
  /** the job kind that made the run ("train.teacher"; "stage:teacher" for a pipeline's stage), null for imports */
  jobKind: string | null
  codeVersion: string
  host: string
  error: string | null
  parents: RunRef[]
  children: RunRef[]
  notes: Note[]
  artifacts: ArtifactMeta[]
  metricKeys: string[]
  /** the network the run holds (a run is a network iff it has a bundle), else null */
  network: NetworkSummary | null
  /**
   * queued or running: the live progress; cancelled or interrupted: the last progress reported,
   * i.e. where the run stopped; otherwise null
   */
  progress: JobProgress | null
  /** result items the run stored (one per sample of an evaluation...): `results.query` reads them */
  resultCount: number
}

/** Coordinates of a result item: {"sample": 5}, or {"perturbation": "mismatch", "level": 0.1, "draw": 3}. */
export type ResultLabels = Record<string, string | number | boolean>

/** One item of a run's long-form results, as a job writes it. */
export interface ResultItem {
  /** index within the run (0, 1, ...), unique per run */
  item: number
  /** the network (run id) the item is about */
  networkId?: number | null
  /** that network's architecture ('rate', 'ads', ...) */
  architecture?: string | null
  labels?: ResultLabels
  /** named values; null (or NaN) where not measured */
  values: Record<string, number | null>
}

/** One long-form result: one value of one item of one run. */
export interface ResultRow {
  runId: number
  projectId: number
  item: number
  networkId: number | null
  architecture: string | null
  labels: ResultLabels
  key: string
  value: number | null
}

export interface ResultFilter {
  runId?: number
  projectId?: number
  architecture?: string
  key?: string
  limit?: number
}

/** `mimic bench`: one simulation of the benchmark network, timed. */
export interface SimulatorBench {
  neurons: number
  steps: number
  batch: number
  /** threads the simulation had (0 resolved to the pool size) */
  threads: number
  wallSeconds: number
  neuronStepsPerSecond: number
  spikes: number
  meanRateHz: number
  /** the SIMD level the native kernels ran at ('sse2', 'avx2', 'avx512'; MIMIC_SIMD chooses it) */
  simd: string
}

/** One rule's training step in `mimic bench ads`. */
export interface AdsBenchRule {
  rule: 'online' | 'online-lowrank' | 'online-naive' | 'batched'
  /** the form that computed it: online-events (the 'online' rule with one tau_out), online-lowrank, online-naive, batched */
  variant: string
  /** one training step (simulation with the k·F·e feedback and the learning rule), µs wall clock, the best of the repeats */
  microsecondsPerStep: number
  /** CPU time per step of that pass, µs (the training thread and, for online-events, the second thread computing P) */
  cpuMicrosecondsPerStep: number
  /** microsecondsPerStep / forwardMicrosecondsPerStep */
  trainingOverForward: number
  stepsPerSecond: number
  meanRateHz: number
  /** online-events: the share of the blocks of P the second thread computed (0 otherwise) */
  helperBlockShare: number
  /** the training thread's time by phase, µs per step (a separate pass with clock reads, scaled to the plain pass) */
  split: { simulation: number; feedback: number; learning: number }
}

/**
 * `mimic bench ads` (bench.ads): one network ADS training step against the forward step of the same
 * network (one thread), and a second rule's step measured in the same rounds (`compared`).
 */
export interface AdsBench extends AdsBenchRule {
  neurons: number
  dims: number
  /** simulated steps per pass (whole 1 s samples) */
  steps: number
  /** threads of the pool the online-events form may use (0 = all) */
  threads: number
  /** one step of the same network without learning (k = 0, no feedback), µs, one thread, same run */
  forwardMicrosecondsPerStep: number
  /** the SIMD level the native kernels ran at */
  simd: string
  /** the compared rule (option compare), or null */
  compared: AdsBenchRule | null
}

/** `mimic bench teacher` (bench.teacher): the teacher's BPTT throughput on 1 s samples of the default task. */
export interface TeacherBench {
  units: number
  batch: number
  /** threads asked for (0: all of the native pool) */
  threads: number
  /** BPTT (forward pass, backward pass and gradient of one batch): time steps per second, median of 3 rounds */
  stepsPerSecond: number
  /** the forward pass alone, time steps per second */
  forwardStepsPerSecond: number
  /** the SIMD level the native kernels ran at */
  simd: string
}

/** A trained network's arrays in a file format (`networks.export`). */
export interface NetworkExport {
  runId: number
  format: 'npz' | 'nir'
  /** the arrays in the file, in order (for nir: the graph's nodes) */
  arrays: string[]
  bytes: Uint8Array
  /** for nir: what the graph approximates */
  approximates?: string
}

/** A network read from another tool's file (`networks.import`). */
export interface NetworkImport {
  run: RunSummary
  neurons: number
  /** the spiking node groups of the graph, in the order their neurons were placed */
  groups: { name: string; type: string; neurons: number }[]
  /** what the import approximated */
  notes: string[]
}

export interface MetricSeries {
  key: string
  steps: number[]
  values: number[]
}

export interface MetricPoint {
  key: string
  step: number
  value: number
}

export interface Job {
  runId: number
  projectId: number
  kind: string
  name: string
  status: RunStatus
  progress: JobProgress | null
  startedAt: string | null
  ownerPid: number | null
  ownerHost: string | null
  /** cores the scheduler granted the job (null while it is queued, and for finished jobs) */
  cores: number | null
}

export interface AddonState {
  loaded: boolean
  path: string
  error: string | null
  buildType: string | null
  flags: string | null
  /** the SIMD level the native kernels use ('sse2', 'avx2', 'avx512'; MIMIC_SIMD chooses it) */
  simd: string | null
  /** the levels this CPU can run */
  simdLevels: string[] | null
  compiler: string | null
  threads: number | null
}

export interface AppInfo {
  name: string
  version: string
  codeVersion: string
  dbPath: string
  schemaVersion: number
  nodeVersion: string
  platform: string
  host: string
  addon: AddonState
  frontDoor: 'electron' | 'browser' | 'cli'
}

export type AppEvent =
  | { type: 'job.progress'; runId: number; progress: JobProgress }
  | { type: 'job.status'; runId: number; projectId: number; status: RunStatus; error: string | null }
  | { type: 'metrics'; runId: number; points: MetricPoint[] }
  | { type: 'runs.changed'; projectId: number }
  | { type: 'projects.changed' }
  /** the spikes of one sample of a hil run, as the target produced them (µs from the sample's start; network neuron indices) */
  | { type: 'hil.spikes'; runId: number; sample: number; timesUs: number[]; neurons: number[] }

/** One trial of a robustness run: a network at one perturbation level on one draw, scored on every sample. */
export interface RobustnessTrial {
  network: number
  architecture: string
  variant: string | null
  perturbation: string
  level: number
  draw: number
  accuracy: number
  undecided: number
  /** share of samples decided as the network's teacher decides them unperturbed; null without a teacher */
  teacherAgreement: number | null
  /** mean over samples of the output's MSE against the targets */
  mse: number
  /** mean over samples of the output's MSE against the teacher's output; null without a teacher */
  teacherMse: number | null
  meanRateHz: number | null
  /** the output gain applied (1 without recalibration) */
  gain: number
  validationAccuracy: number | null
  /** the simulation seed of the trial (initial state, noise) */
  initSeed: number
}

export interface YieldEstimate {
  chips: number
  passed: number
  yield: number
  /** Clopper-Pearson 95 % interval [low, high] */
  ci95: [number, number]
  minAccuracy: number
}

/** Median and quartiles over the draws of one network at one level. */
export interface RobustnessSummary {
  network: number
  architecture: string
  variant: string | null
  level: number
  draws: number
  medianAccuracy: number
  q1Accuracy: number
  q3Accuracy: number
  medianMse: number
  q1Mse: number
  q3Mse: number
  /** the extremes over the draws (the whiskers of a box plot) */
  minAccuracy: number
  maxAccuracy: number
  minMse: number
  maxMse: number
  medianAgreement: number | null
  q1Agreement: number | null
  q3Agreement: number | null
  yield?: YieldEstimate
}

/** A two-sided Mann-Whitney U test between two groups of draws. */
export interface RankTest {
  metric: 'accuracy' | 'mse'
  p: number
  /** U of the first group */
  u: number
  method: 'exact' | 'asymptotic'
  n1: number
  n2: number
  medianA: number
  medianB: number
}

/** `robustness.analysis`: a robustness (or chip yield) run's trials and their statistics. */
export interface RobustnessAnalysis {
  runId: number
  /** 'robustness' or 'yield' */
  kind: string
  name: string
  status: RunStatus
  perturbation: string
  levels: number[]
  draws: number
  samples: number
  seed: number | null
  params: Record<string, unknown>
  codeVersion: string
  host: string
  createdAt: string
  durationSeconds: number | null
  /** the dataset the trials were scored on (null: fresh samples of the task, drawn from the seed) */
  dataset: { id: number; name: string } | null
  networks: {
    id: number
    name: string
    architecture: string
    variant: string | null
    /** its teacher (agreement is measured against its decisions), when it has one */
    teacher: number | null
    /** the quantities the perturbation changes in it (empty for noise and death) */
    perturbed: string[]
  }[]
  rows: RobustnessTrial[]
  summary: RobustnessSummary[]
  /** each pair of networks at each level, for accuracy and MSE */
  comparisons: (RankTest & { a: number; b: number; level: number })[]
  /** each pair of levels of each network, for accuracy and MSE */
  levelComparisons: (RankTest & { network: number; a: number; b: number })[]
  /** a chip-yield run's estimate (its one network at its one level) */
  yield: YieldEstimate | null
}

/** `reports.html`: a run's report as one self-contained HTML file. */
export interface HtmlReport {
  runId: number
  fileName: string
  html: string
}

/** A configured execution place beside this machine: a SLURM cluster reached by its local client or over SSH. */
export interface Cluster {
  name: string
  scheduler: 'slurm'
  /** user@login-node, or null for the SLURM client on this machine */
  ssh: string | null
  /** an ssh configuration file on this machine (ssh -F): port, identity, known hosts, jump host of the login node */
  sshConfig: string | null
  partition: string | null
  account: string | null
  /** the work directory on the cluster's shared filesystem (inputs, results, logs of each sweep) */
  workdir: string
  /** the project checkout on the cluster's shared filesystem whose bin/mimic.js the tasks run */
  checkout: string
  createdAt: string
  /** clusters.list: the sweeps on it that are queued or running (a cluster with any is not removed) */
  sweepsUnderWay?: { id: number; name: string; status: string }[]
}

/** What `cluster test` found. */
export interface ClusterCheck {
  name: string
  ok: boolean
  checks: { name: 'sinfo' | 'workdir' | 'version'; ok: boolean; detail: string }[]
  /** the cluster's mimic code version, when it answered */
  clusterVersion: string | null
  localVersion: string
}

/** One task of a sweep's SLURM array (a group of items). */
export interface SweepTaskState {
  task: number
  /** SLURM job id of its latest submission (ARRAYID_TASK) */
  slurmJob: string | null
  attempts: number
  /** attempts that SLURM ended at the task's time limit (--time) */
  timeouts: number
  state: 'submitted' | 'running' | 'done' | 'failed' | 'cancelled'
  error: string | null
  items: number
  itemsDone: number
  /** the task's own report: the fraction of its current item, and what it does */
  progress: { fraction: number; message: string; host: string } | null
}

export interface SweepItemState {
  item: number
  task: number
  seed: number | null
  /** what the item is: "seed 3", "network 5, level 0.1" */
  label: string
  mergedRunId: number | null
  host: string | null
  codeVersion: string | null
}

export interface SweepStatus {
  runId: number
  status: RunStatus
  cluster: string
  jobKind: string
  dir: string
  maxAttempts: number
  /** SLURM time limit per task (--time), null for the partition's default */
  timeLimit: string | null
  /** the run the items' results are merged into (a job split into items), or null when each item is its own run */
  mergeRunId: number | null
  tasks: SweepTaskState[]
  items: SweepItemState[]
  merged: number
  /** how the items were grouped into array tasks (src/shared/grouping.ts), as stored with the sweep's run */
  grouping: Grouping | null
  /** the run the sweep works for (a reproduction sending its children), null for a sweep of its own */
  ownerRunId: number | null
}

/** One architecture at one level of one perturbation in a reproduction: every trial of its networks pooled (docs/method.md §15). */
export interface ComparisonCell {
  architecture: string
  perturbation: string
  level: number
  /** networks and trials (networks × draws) pooled */
  networks: number
  trials: number
  medianMse: number
  q1Mse: number
  q3Mse: number
  medianAccuracy: number
  q1Accuracy: number
  q3Accuracy: number
  /** the paper's median at this level (MSE under mismatch, accuracy otherwise), null where it gives none */
  paperMse: number | null
  paperAccuracy: number | null
}

/** Two architectures at one level: a two-sided Mann-Whitney U test over their pooled trials. */
export interface ComparisonTest extends RankTest {
  perturbation: string
  level: number
  a: string
  b: string
}

/** The median MSE increase at one mismatch level, ours beside the paper's. */
export interface MseIncrease {
  architecture: string
  level: number
  /** percent over the median MSE at σ = 0 (null when an architecture has no trials at either level) */
  oursPct: number | null
  paperPct: number
  /** the paper quotes it (false: computed from its medians) */
  paperQuoted: boolean
}

/** The architectures ranked by MSE increase at one level, ours and the paper's, and whether they agree. */
export interface IncreaseOrdering {
  level: number
  ours: string[]
  paper: string[]
  same: boolean
  /** a sentence: the two orders and, where they differ, which pairs swap */
  text: string
}

/** One child of a reproduction: a trained network (a pipeline run) or a robustness sweep. */
export interface ComparisonPart {
  part: 'network' | 'sweep'
  architecture: string
  /** the network's index within its architecture (0 … networks − 1) */
  index: number
  /** sweeps: the perturbation */
  perturbation: string | null
  /** the child run (null: never started) */
  runId: number | null
  /** networks: the trained network's run */
  networkRunId: number | null
  /** 'done' (this reproduction ran it), 'reused' (finished by the reproduction it resumed), 'refused', 'failed' */
  status: 'done' | 'reused' | 'refused' | 'failed'
  /** refused or failed: why */
  reason: string | null
  /** networks: the test accuracy of the pipeline */
  testAccuracy: number | null
}

/** `comparison.analysis`: a reproduction of the paper's comparison (job kind reproduce.paper). */
export interface ComparisonAnalysis {
  runId: number
  name: string
  status: RunStatus
  task: string
  seed: number | null
  params: Record<string, unknown>
  codeVersion: string
  durationSeconds: number | null
  architectures: string[]
  perturbations: string[]
  levels: Record<string, number[]>
  parts: ComparisonPart[]
  cells: ComparisonCell[]
  tests: ComparisonTest[]
  mseIncrease: MseIncrease[]
  ordering: IncreaseOrdering[]
  /** architecture × perturbation pairs the architecture refused, with the reason */
  refused: { architecture: string; perturbation: string; reason: string }[]
  /** the headline numbers as stored in the run's summary */
  summary: Record<string, number>
}
