// The one API contract: every operation the UI, the CLI and the tests use, with its argument schema
// and result type. Implemented once in src/services; carried by Electron IPC, HTTP/WebSocket and
// direct calls. Argument schemas are checked at every front door and again by the services.
import * as s from './schema.ts'
import type { Infer, InputOf, ObjectOf, ObjectSchema, Schema } from './schema.ts'
import { jobKindNames } from './jobkinds/index.ts'
import { clusterNameHelp, clusterNamePattern, slurmTime, slurmTimeHelp } from './grouping.ts'
import type { ArchitectureDescriptor } from './architectures/index.ts'
import { maxBenchNeuronSteps, maxBundleBytes, maxDatasetLimitBytes, maxExportRuns, maxNeurons, maxResultRows, maxTeacherUnits, maxThreads, nameMax, noteMax, tagMax } from './limits.ts'
import type { BoardHandshake, BoardList, RunningEmulator, SavedBoard } from './board.ts'
import { taskNames, type TaskInfo } from './tasks/index.ts'
import type {
  AdsBench,
  AppInfo,
  BackendInfo,
  ArtifactData,
  HtmlReport,
  ComparisonAnalysis,
  RobustnessAnalysis,
  ArtifactMeta,
  Cluster,
  ClusterCheck,
  SweepStatus,
  Job,
  MetricSeries,
  NetworkExport,
  NetworkImport,
  Note,
  Project,
  ResultRow,
  RunBrief,
  RunDetail,
  RunSummary,
  SimulatorBench,
  TeacherBench,
} from './types.ts'
import { runStatuses } from './types.ts'
import type { Cell } from './runtable.ts'
import type { ProjectImport } from './transfer.ts'

export const limits = { nameMax, tagMax, noteMax } as const

const projectName = s.string({ min: 1, max: limits.nameMax, trim: true }).doc({ label: 'Project name', help: 'project name' })
const runName = s.string({ min: 1, max: limits.nameMax, trim: true }).doc({ label: 'Run name' })
const clusterName = s
  .string({ min: 1, max: 60, trim: true, pattern: clusterNamePattern, patternHelp: clusterNameHelp })
  .doc({ label: 'Cluster name' })
const clusterPath = s.string({ min: 2, max: 1000, trim: true, pattern: /^\/[^\n'"]*$/, patternHelp: 'must be an absolute path (starting with /) without quotes' })
const tag = s
  .string({ min: 1, max: limits.tagMax, trim: true, pattern: /^[^\s,]+$/, patternHelp: 'must be one word without spaces or commas' })
  .doc({ label: 'Tag' })

export interface Operation<A, I, R> {
  args: Schema<A>
  /** phantom: the arguments as callers write them (fields with defaults may be left out) */
  readonly _input?: I
  /** phantom: the result type */
  readonly _result?: R
  /** true for operations that change stored data */
  mutates: boolean
}

type Shape = Record<string, Schema<unknown>>

function op<R>() {
  return <S extends Shape>(args: ObjectSchema<S>, mutates = false): Operation<ObjectOf<S>, InputOf<S>, R> => ({ args, mutates })
}

const empty = s.object({})

export { slurmTime } from './grouping.ts'

export const contract = {
  'app.info': op<AppInfo>()(empty),

  'projects.list': op<Project[]>()(empty),
  'projects.create': op<Project>()(s.object({ name: projectName }), true),
  'projects.rename': op<Project>()(s.object({ id: s.id(), name: projectName }), true),
  'projects.delete': op<{ deleted: number }>()(s.object({ id: s.id() }), true),
  /**
   * A project as one file (a .mimic bundle, src/formats/bundle.ts) with every run, metric, result,
   * artifact and network bundle; refused while one of its runs is queued or running.
   */
  'projects.export': op<{ bytes: Uint8Array; projectId: number; name: string; runs: number; artifacts: number }>()(s.object({ id: s.id().doc({ label: 'Project' }) })),
  /**
   * Restores a .mimic bundle as a new project with new ids and the same lineage. A damaged file, or
   * one of a newer bundle format, is refused with what is wrong, and nothing is stored.
   */
  'projects.import': op<ProjectImport>()(
    s.object({
      fileName: s.string({ min: 1, max: 500 }).doc({ label: 'File name' }),
      bytes: s.bytes({ max: maxBundleBytes }).doc({ label: 'File' }),
      name: s.optional(projectName),
    }),
    true,
  ),

  'runs.list': op<RunSummary[]>()(
    s.object({
      projectId: s.optional(s.id()),
      kind: s.optional(s.string({ min: 1, max: 60 })),
      status: s.optional(s.oneOf(runStatuses)),
      limit: s.withDefault(s.integer({ min: 1, max: 10_000 }), 1000),
    }),
  ),
  'runs.get': op<RunDetail>()(s.object({ id: s.id() })),
  /**
   * Runs as flat rows for other programs (`mimic runs export`): one row per run, its parameters as
   * `param.*` columns and its summary as `summary.*` columns (src/shared/runtable.ts), newest first.
   * `truncated` says that more runs matched than `limit`.
   */
  'runs.export': op<{ columns: string[]; rows: Record<string, Cell>[]; truncated: boolean }>()(
    s.object({
      projectId: s.optional(s.id()).doc({ label: 'Project' }),
      kind: s.optional(s.string({ min: 1, max: 60 })).doc({ label: 'Kind' }),
      status: s.optional(s.oneOf(runStatuses)).doc({ label: 'Status' }),
      tag: s.optional(tag),
      limit: s.withDefault(s.integer({ min: 1, max: maxExportRuns }), maxExportRuns).doc({ label: 'Limit', help: 'runs at most' }),
    }),
  ),
  /** The lineage graph around a run: ancestors (negative depth) and descendants, and the links among them. */
  'runs.lineage': op<{ nodes: (RunBrief & { depth: number })[]; edges: { parentId: number; childId: number; role: string }[]; truncated: boolean }>()(s.object({ id: s.id() })),
  'runs.rename': op<RunSummary>()(s.object({ id: s.id(), name: runName }), true),
  /** Every run derived from a run (children, their children, ...): what a cascading delete deletes too. */
  'runs.dependants': op<RunBrief[]>()(s.object({ id: s.id() })),
  /**
   * Deletes a finished run. A run others were derived from is refused (CONFLICT with
   * `details.dependants`) unless `cascade`, which deletes them too; queued or running runs block it.
   * `deleted` lists the ids deleted (the run first), `runs` the same runs.
   */
  'runs.delete': op<{ deleted: number[]; runs: RunBrief[] }>()(s.object({ id: s.id(), cascade: s.withDefault(s.boolean(), false) }), true),
  'runs.tag': op<string[]>()(s.object({ id: s.id(), tag, remove: s.withDefault(s.boolean(), false) }), true),
  'runs.note': op<Note>()(s.object({ id: s.id(), body: s.string({ min: 1, max: limits.noteMax, trim: true, multiline: true }).doc({ label: 'Note' }) }), true),

  'metrics.get': op<MetricSeries[]>()(
    s.object({ runId: s.id(), keys: s.optional(s.array(s.string({ min: 1, max: 100 }), { max: 100 })) }),
  ),

  /**
   * Long-form results (one row per item and value) across runs, filtered by run, project, the
   * architecture of the network an item is about, and the value's key; ordered by run, item and key.
   * `truncated` says that more rows matched than `limit`.
   */
  'results.query': op<{ rows: ResultRow[]; truncated: boolean }>()(
    s.object({
      runId: s.optional(s.id()).doc({ label: 'Run' }),
      projectId: s.optional(s.id()).doc({ label: 'Project' }),
      architecture: s.optional(s.string({ min: 1, max: 60, trim: true })).doc({ label: 'Architecture', help: "of the network the items are about: 'rate' (teacher), 'ads'" }),
      key: s.optional(s.string({ min: 1, max: 100, trim: true })).doc({ label: 'Key', help: 'one value, e.g. correct, mse, rateHz' }),
      limit: s.withDefault(s.integer({ min: 1, max: maxResultRows }), 10_000).doc({ label: 'Limit', help: 'rows at most' }),
    }),
  ),

  /** A trained teacher's or network's weights and parameters as a file (numpy's .npz) for the caller to save. */
  'networks.export': op<NetworkExport>()(
    s.object({ runId: s.id().doc({ label: 'Network run' }), format: s.withDefault(s.oneOf(['npz', 'nir'] as const), 'npz').doc({ label: 'Format', help: 'npz: arrays for numpy; nir: an NIR graph (HDF5) of a spiking network' }) }),
  ),
  /**
   * A network written by another tool as a network run of a project: an NIR graph of LIF / CubaLIF /
   * Affine / Linear nodes (src/plugins/nir.ts). Unsupported node types are refused by name.
   */
  'networks.import': op<NetworkImport>()(
    s.object({
      projectId: s.id().doc({ label: 'Project' }),
      fileName: s.string({ min: 1, max: 500 }).doc({ label: 'File name' }),
      bytes: s.bytes().doc({ label: 'File' }),
      format: s.withDefault(s.oneOf(['nir'] as const), 'nir').doc({ label: 'Format' }),
      name: s.optional(runName),
    }),
    true,
  ),

  /**
   * Times the simulator on the benchmark network (`mimic bench`), in this process's native thread
   * pool; bounded to neurons × steps × batch ≤ limits' maxBenchNeuronSteps.
   */
  'bench.simulator': op<SimulatorBench>()(
    s.object({
      neurons: s.withDefault(s.integer({ min: 1, max: maxNeurons }), 768).doc({ label: 'Neurons N' }),
      steps: s.withDefault(s.integer({ min: 1, max: 100_000_000 }), 10_000).doc({ label: 'Time steps T', help: '1 ms each' }),
      batch: s.withDefault(s.integer({ min: 1, max: 4096 }), 1).doc({ label: 'Batch', help: 'samples simulated together' }),
      threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 1).doc({ label: 'Threads', help: '0 = all cores' }),
      seed: s.withDefault(s.integer({ min: 0, max: 2 ** 32 - 1 }), 1).doc({ label: 'Seed', help: 'of the network and the inputs' }),
    }),
  ),

  /**
   * Times one network ADS training step against the forward step of the same network (k = 0, no
   * learning, one thread), and the `compare` rule's step in the same interleaved rounds (`mimic bench
   * ads`); bounded to neurons × dims × steps × (2 × repeats + 1), with a compared rule (3 × repeats + 2),
   * ≤ limits' maxBenchMultiplyAdds.
   */
  'bench.ads': op<AdsBench>()(
    s.object({
      neurons: s.withDefault(s.integer({ min: 1, max: maxNeurons }), 768).doc({ label: 'Neurons N', help: 'of the network ADS' }),
      dims: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 128).doc({ label: 'Dimensions D', help: 'teacher units' }),
      steps: s
        .withDefault(s.integer({ min: 1, max: 10_000_000 }), 2000)
        .doc({ label: 'Steps', help: 'training steps timed per pass (1 s samples of the first task: rounded up to a multiple of 1000)' }),
      rule: s.withDefault(s.oneOf(['online', 'online-lowrank', 'online-naive', 'batched'] as const), 'online').doc({ label: 'Learning rule' }),
      compare: s
        .withDefault(s.oneOf(['none', 'online', 'online-lowrank', 'online-naive', 'batched'] as const), 'online-lowrank')
        .doc({ label: 'Compare with', help: 'a second rule timed in the same rounds (none: only the first; the same rule as the first: none)' }),
      threads: s
        .withDefault(s.integer({ min: 0, max: maxThreads }), 0)
        .doc({ label: 'Threads', help: "of the pool for the 'online' rule's product P, computed ahead on a second thread (0 = all, 1 = the training thread only); the other forms and the forward step use one" }),
      repeats: s
        .withDefault(s.integer({ min: 1, max: 1000 }), 3)
        .doc({ label: 'Repeats', help: 'interleaved training and forward passes (the best of each counts)' }),
      seed: s.withDefault(s.integer({ min: 0, max: 2 ** 32 - 1 }), 1).doc({ label: 'Seed', help: 'of the teacher, the network and the samples' }),
    }),
  ),

  /**
   * Times the teacher's BPTT and its forward pass on 1 s samples of the default task, time steps per second
   * (`mimic bench teacher`); bounded to units² × batch × 1000 × 16 ≤ limits' maxBenchMultiplyAdds.
   */
  'bench.teacher': op<TeacherBench>()(
    s.object({
      units: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Units', help: 'of the teacher' }),
      batch: s.withDefault(s.integer({ min: 1, max: 4096 }), 1).doc({ label: 'Batch', help: 'samples per gradient (1 s samples of the default task)' }),
      threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 1).doc({ label: 'Threads', help: '0 = all cores' }),
      seconds: s
        .withDefault(s.number({ min: 0.01, max: 3600 }), 1)
        .doc({ label: 'Seconds', unit: 's', help: 'per timed round (3 rounds after a warm-up, for BPTT and for the forward pass)' }),
      seed: s.withDefault(s.integer({ min: 0, max: 2 ** 32 - 1 }), 1).doc({ label: 'Seed', help: 'of the teacher and the samples' }),
    }),
  ),

  /**
   * A robustness or chip-yield run's trials (read from its results) with their statistics: median and
   * quartiles per network and level, two-sided Mann-Whitney U tests between networks and between levels,
   * the chip yield with its Clopper-Pearson 95 % interval (docs/method.md §11).
   */
  'robustness.analysis': op<RobustnessAnalysis>()(s.object({ runId: s.id().doc({ label: 'Robustness run' }) })),
  'comparison.analysis': op<ComparisonAnalysis>()(s.object({ runId: s.id().doc({ label: 'Comparison run' }) })),
  /** A robustness or chip-yield run as one self-contained HTML file (no external requests; figures as inline SVG). */
  'reports.html': op<HtmlReport>()(s.object({ runId: s.id().doc({ label: 'Robustness run' }) })),

  'artifacts.list': op<ArtifactMeta[]>()(s.object({ runId: s.id() })),
  'artifacts.read': op<ArtifactData>()(
    s.object({
      runId: s.id(),
      name: s.string({ min: 1, max: 200 }),
      /** only these entries along the first axis (e.g. some samples of a dataset); shape[0] becomes count */
      rows: s.optional(s.object({ start: s.integer({ min: 0 }), count: s.integer({ min: 1 }) })),
    }),
  ),

  /**
   * Artifacts of a run as a NumPy file: one as .npy, or several (all when `names` is left out) as .npz,
   * each array under its artifact name, its bytes as stored.
   */
  'artifacts.export': op<{ fileName: string; names: string[]; bytes: Uint8Array }>()(
    s.object({
      runId: s.id().doc({ label: 'Run' }),
      names: s.optional(s.array(s.string({ min: 1, max: 200 }), { min: 1, max: 10_000 })).doc({ label: 'Artifacts', help: 'names of the artifacts (default: all of the run)' }),
      format: s.withDefault(s.oneOf(['npy', 'npz'] as const), 'npz').doc({ label: 'Format', help: 'npy: one array; npz: several' }),
    }),
  ),

  'datasets.import': op<RunSummary>()(
    s.object({
      projectId: s.id(),
      fileName: s.string({ min: 1, max: 500 }).doc({ label: 'File name' }),
      name: s.optional(runName),
      dtMs: s.withDefault(s.number({ gt: 0, max: 1000 }), 1).doc({ label: 'Time step', unit: 'ms' }),
      bytes: s.bytes({ max: maxDatasetLimitBytes }).doc({ label: 'File' }),
      /** check that the data fits this trained network (input channels, outputs) before storing it */
      network: s.optional(s.id()).doc({ label: 'Network run' }),
      /** the task whose decision rule scores the data (default: the first task whose channels and outputs fit) */
      task: s.optional(s.oneOf(taskNames)).doc({ label: 'Task', help: 'the task whose decision rule scores these data (`mimic tasks list`)' }),
    }),
    true,
  ),

  /**
   * Audio files (and a manifest) as bytes, stored as an "upload" run for `data.import-audio` to read
   * (the server never reads a folder path: the front door that has the folder sends its files).
   */
  'datasets.uploadAudio': op<RunSummary>()(
    s.object({
      projectId: s.id(),
      files: s.array(s.object({ name: s.string({ min: 1, max: 1000 }), bytes: s.bytes() }), { min: 1, max: 200_000 }).doc({ label: 'Files' }),
      manifest: s.optional(s.string({ max: 64 * 1024 * 1024, multiline: true })).doc({ label: 'Manifest (CSV text)' }),
      /** where the files came from (shown in the run's name) */
      folder: s.optional(s.string({ min: 1, max: 1000 })),
    }),
    true,
  ),

  /**
   * Boards: the addresses saved by name, the `mimic board emulate` processes running, the serial
   * ports and the USB devices of DYNAP-SE boards (each with a diagnosis when it is not usable).
   */
  'boards.list': op<BoardList>()(empty),
  'boards.add': op<SavedBoard>()(
    s.object({
      name: s
        .string({ min: 1, max: 60, trim: true, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternHelp: 'must be one word of letters, digits, _ . - (starting with a letter or digit)' })
        .doc({ label: 'Board name' }),
      address: s.string({ min: 1, max: 500, trim: true }).doc({ label: 'Address', help: 'tcp://HOST:PORT or serial:PATH[?baud=N]' }),
    }),
    true,
  ),
  'boards.remove': op<SavedBoard>()(s.object({ name: s.string({ min: 1, max: 60, trim: true }).doc({ label: 'Board name' }) }), true),
  /** Connects to a board (an address or a saved name), makes the handshake and closes: what the board says it is. */
  'boards.info': op<BoardHandshake & { address: string }>()(
    s.object({
      address: s.string({ min: 1, max: 500, trim: true }).doc({ label: 'Address', help: 'tcp://HOST:PORT, serial:PATH, or the name of a saved board' }),
      timeoutMs: s.withDefault(s.integer({ min: 100, max: 60_000 }), 1500).doc({ label: 'Timeout', unit: 'ms', help: 'for the connection and each reply' }),
    }),
  ),
  /** Takes the board (a lease: one user at a time across every process on the database) and keeps a link to it open. */
  'boards.connect': op<BoardHandshake & { address: string }>()(
    s.object({ address: s.string({ min: 1, max: 500, trim: true }).doc({ label: 'Address', help: 'tcp://HOST:PORT, serial:PATH, or the name of a saved board' }) }),
    true,
  ),
  /** Starts an emulator of a board (the reference chip behind the board protocol) on a free local TCP port, in the front door's process. */
  'boards.emulate': op<RunningEmulator>()(
    s.object({
      serialNumber: s.withDefault(s.string({ min: 1, max: 64, trim: true, pattern: /^[\x21-\x7e]+$/, patternHelp: 'must be printable characters without spaces' }), 'EMU-0001').doc({ label: 'Serial number', help: 'the serial number the emulated board reports' }),
      chips: s.withDefault(s.integer({ min: 1, max: 16 }), 1).doc({ label: 'Chips', help: 'chips of 4 cores × 256 neurons' }),
      weightScheme: s.withDefault(s.oneOf(['se1', 'se2'] as const), 'se2').doc({ label: 'Weights', help: 'SE1: repeated connections; SE2: a 4-bit mask over per-core base weights' }),
    }),
    true,
  ),
  'boards.stopEmulator': op<{ address: string }>()(s.object({ address: s.string({ min: 1, max: 500, trim: true }).doc({ label: 'Address' }) }), true),
  /** Closes the link boards.connect opened and lets the board go. */
  'boards.disconnect': op<{ address: string }>()(s.object({ address: s.string({ min: 1, max: 500, trim: true }).doc({ label: 'Address' }) }), true),
  /** The registered tasks: channels, outputs, steps, decision rule, fitted settings, generator parameters. */
  'tasks.list': op<TaskInfo[]>()(empty),
  /** The registered network architectures: bundle arrays, perturbable quantities, variants. */
  'architectures.list': op<ArchitectureDescriptor[]>()(empty),
  /** The execution targets, each available or not and why. */
  'backends.list': op<BackendInfo[]>()(empty),

  'jobs.list': op<Job[]>()(s.object({ all: s.withDefault(s.boolean(), false) })),
  'jobs.start': op<{ runId: number }>()(
    s.object({
      kind: s.oneOf(jobKindNames),
      projectId: s.id(),
      name: s.optional(runName),
      params: s.withDefault(s.unknown(), {}),
    }),
    true,
  ),
  'jobs.cancel': op<{ runId: number; status: string }>()(s.object({ runId: s.id() }), true),

  /** Clusters: SLURM execution places beside this machine (a login node over SSH, or the local SLURM client). */
  'clusters.add': op<Cluster>()(
    s.object({
      name: clusterName,
      ssh: s.optional(s.string({ min: 3, max: 200, trim: true, pattern: /^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+$/, patternHelp: 'must be user@login-node' })).doc({ label: 'SSH login', help: 'user@login-node: the cluster is reached over SSH (empty: through the SLURM client of this machine)' }),
      sshConfig: s.optional(clusterPath).doc({ label: 'SSH configuration file', help: 'with an SSH login: an ssh configuration file (ssh -F) on this machine for the login node (Port, IdentityFile, UserKnownHostsFile, ProxyJump)' }),
      partition: s.optional(s.string({ min: 1, max: 100, trim: true, pattern: /^[A-Za-z0-9._-]+$/, patternHelp: 'must be a SLURM partition name' })).doc({ label: 'Partition', help: 'the SLURM partition the arrays go to (empty: the cluster’s default)' }),
      account: s.optional(s.string({ min: 1, max: 100, trim: true, pattern: /^[A-Za-z0-9._-]+$/, patternHelp: 'must be a SLURM account name' })).doc({ label: 'Account', help: 'the SLURM account charged (empty: your default)' }),
      workdir: s.optional(clusterPath).doc({ label: 'Work directory', help: 'an absolute path on the cluster’s shared filesystem for each sweep’s inputs, results and logs (empty: ~/mimic-work; required over SSH)' }),
      checkout: s.optional(clusterPath).doc({ label: 'Project checkout', help: 'the absolute path of this project’s checkout on the shared filesystem, at the same commit, where npm ci was run (empty: this one; required over SSH)' }),
    }),
    true,
  ),
  'clusters.list': op<Cluster[]>()(empty),
  'clusters.remove': op<{ removed: string }>()(s.object({ name: clusterName }), true),
  'clusters.test': op<ClusterCheck>()(s.object({ name: clusterName })),

  /**
   * A job that is a set of independent items (one per seed, or the job kind's own split: the networks ×
   * levels of a robustness run) sent to a cluster as one SLURM array;
   * items are grouped `itemsPerTask` to a task, a task is retried up to `maxAttempts` times.
   */
  'sweeps.start': op<SweepStatus>()(
    s.object({
      cluster: clusterName,
      kind: s.oneOf(jobKindNames),
      projectId: s.id(),
      name: s.optional(runName),
      params: s.withDefault(s.unknown(), {}),
      /** a sweep over seeds, one item each; without them the job kind's own split (ClusterSplit) cuts the items */
      seeds: s.optional(s.array(s.seed(), { min: 1, max: 100_000 })).doc({ label: 'Seeds (--seeds)' }),
      timeLimit: s.optional(s.string({ pattern: slurmTime, patternHelp: slurmTimeHelp })).doc({ label: 'Time limit per task (--time)' }),
      itemsPerTask: s.optional(s.integer({ min: 1, max: 100_000 })).doc({ label: 'Items per task (--items-per-task)', help: 'empty: chosen from the items\' estimated cost so that a task runs at least a minute' }),
      maxAttempts: s.withDefault(s.integer({ min: 1, max: 20 }), 3).doc({ label: 'Attempts per task (--attempts)' }),
      cpusPerTask: s.withDefault(s.integer({ min: 1, max: 1024 }), 1).doc({ label: 'CPUs per task (--cpus-per-task)' }),
    }),
    true,
  ),
  /** One look at a sweep on its cluster: merges the results there, retries tasks that ended without theirs. */
  'sweeps.poll': op<SweepStatus>()(s.object({ runId: s.id() }), true),
  /** A sweep as stored, without asking its cluster. */
  'sweeps.get': op<SweepStatus>()(s.object({ runId: s.id() })),
  'sweeps.cancel': op<SweepStatus>()(s.object({ runId: s.id(), task: s.optional(s.integer({ min: 0, max: 1_000_000 })).doc({ label: 'Task (--task)' }) }), true),
  /** Resubmits the tasks of a sweep that ended without all their results. */
  'sweeps.resume': op<SweepStatus>()(s.object({ runId: s.id() }), true),
} as const

export type Contract = typeof contract
export type OpName = keyof Contract
export type ArgsOf<K extends OpName> = Contract[K] extends Operation<infer A, unknown, unknown> ? A : never
export type ResultOf<K extends OpName> = Contract[K] extends Operation<unknown, unknown, infer R> ? R : never
/** Arguments as callers may write them (fields with defaults can be left out). */
export type CallArgs<K extends OpName> = Contract[K] extends Operation<unknown, infer I, unknown> ? I : never

export const opNames = Object.keys(contract) as OpName[]

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name)
}

/** Validates raw arguments for an operation; throws AppError INVALID_ARGUMENT naming the field. */
export function parseArgs<K extends OpName>(name: K, raw: unknown): ArgsOf<K> {
  const schema = contract[name].args as Schema<ArgsOf<K>>
  return schema.parse(raw === undefined ? {} : raw, '')
}

/** The transport-free API the services implement and the clients expose. */
export type Api = { [K in OpName]: (args: ArgsOf<K>) => Promise<ResultOf<K>> }

/** "projects.create" -> "projectsCreate": the method names the Electron preload exposes. */
export function methodName(name: OpName): string {
  return name.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())
}

export type { Infer }
