// Domain types shared by the services, the front doors and the renderer. Plain data only.

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

/** `mimic bench ads` (bench.ads): one network ADS training step against the forward step of the same network, one thread. */
export interface AdsBench {
  neurons: number
  dims: number
  rule: 'online' | 'online-naive' | 'batched'
  /** simulated steps per pass (whole 1 s samples) */
  steps: number
  /** one training step (simulation with the k·F·e feedback and the learning rule), µs, the best of the repeats */
  microsecondsPerStep: number
  /** one step of the same network without learning (k = 0, no feedback), µs, same run */
  forwardMicrosecondsPerStep: number
  /** microsecondsPerStep / forwardMicrosecondsPerStep */
  trainingOverForward: number
  stepsPerSecond: number
  meanRateHz: number
  /** the training step's time by phase, µs per step (a separate pass with clock reads, scaled to the plain pass) */
  split: { simulation: number; feedback: number; learning: number }
  /** the SIMD level the native kernels ran at */
  simd: string
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
  format: 'npz'
  /** the arrays in the file, in order */
  arrays: string[]
  bytes: Uint8Array
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
