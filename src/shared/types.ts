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
  task?: string | null
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
  /**
   * the network the run holds (a run is a network iff it has a bundle), else null; absent from
   * servers that predate network bundles
   */
  network?: NetworkSummary | null
  /**
   * queued or running: the live progress; cancelled or interrupted: the last progress reported,
   * i.e. where the run stopped; otherwise null
   */
  progress: JobProgress | null
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
}

export interface AddonState {
  loaded: boolean
  path: string
  error: string | null
  buildType: string | null
  flags: string | null
  simd: string | null
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
