// `mimic`: the command-line front door. Global flags: --db PATH (default ./experiments.db) and
// --json (exactly one JSON document on stdout). Errors: one line on stderr, non-zero exit.
// Like every front door it goes through the services' operations (call, events, info): it never
// opens the store, the job runner or the addon itself; it reads and writes the local files.
import { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { contract, type ResultOf } from '../shared/contract.ts'
import { AppError, toWireError } from '../shared/errors.ts'
import { jobKinds, type JobKindName } from '../shared/jobkinds/index.ts'
import { defaultMaxDatasetBytes, maxDatasetLimitBytes, maxExportRuns, maxResultRows } from '../shared/limits.ts'
import { runsCsv } from '../shared/runtable.ts'
import type { AdsBenchRule, AppEvent, RunDetail, RunStatus, RunSummary } from '../shared/types.ts'
import { leaseOfBoard } from '../shared/board.ts'
import { codeVersion, packageVersion, Services, type FrontDoorServices, type ServicesOptions } from '../services/index.ts'
import { electronBinary } from '../services/electron-binary.ts'
import { emulatorAddress, startBoardEmulator } from '../services/boards.ts'
import { keptToken } from '../server/token-file.ts'
import { isLabelEncoding, labelEncodingText } from '../shared/labels.ts'
import { taskNames } from '../shared/tasks/index.ts'
import { flagsFromSchema, helpFor, parseFlags, parseId, splitGlobal, UsageError, type FlagSpec } from './args.ts'
import { flagError, folderFiles, jobCommandHelp, jobCommands, jobUsageLines, paramsFromFlags, resolveProject, unmakeProject, type Handler as JobHandler, type Prepare, type Present, type ProjectChoice } from './jobs.ts'
import { formatTable, formatDuration, metricsLine, ProgressLine } from './format.ts'
import { resultsCsv, resultsTable } from './results.ts'
import { clusterCommands, runSweep } from './cluster.ts'

export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
}

interface Ctx {
  dbPath: string
  json: boolean
  io: CliIo
  open(frontDoor?: 'cli' | 'browser', extra?: Partial<ServicesOptions>): FrontDoorServices
}

function usage(): string {
  return `Mimic Workbench — train spiking networks that survive device mismatch.

Usage: mimic [--db PATH] [--json] <command> ...

Projects and runs
  projects list | create NAME | rename ID NAME | delete ID
  projects export ID --out FILE.mimic | import FILE.mimic [--name NAME]
                                        a whole project as one file, restored with new ids
  runs list [--project ID] [--kind K] [--status S] | show ID | delete ID
  runs tag ID TAG [--remove] | note ID TEXT
  runs export [--project ID] [--kind K] [--status S] [--tag T] --format csv|json --out FILE
                                        one row per run, parameters and summary as columns (for pandas)
  results [--run ID] [--project ID] [--architecture A] [--key K] [--format table|csv|json]
                                        per-item results (one per sample of an evaluation...), long form
  data import FILE.npz --project ID [--name NAME] [--dt-ms 1] [--task T] [--max-dataset-mb 512]
  artifacts export RUN [NAME...] --out FILE.npy|FILE.npz   artifacts for numpy (one .npy, or several as .npz)
  export RUN --format npz|nir --out FILE   a network's weights and parameters for numpy, or an NIR graph
  import nir FILE.nir --project ID      an NIR graph (LIF, CubaLIF, Affine, Linear) as a network run
  report RUN --out FILE.html           a robustness, yield or comparison run as one self-contained HTML file
Jobs
  jobs list [--all] | cancel RUN_ID
${jobUsageLines().join('\n')}
Plug-ins
  tasks list                            the tasks: channels, outputs, steps, decision rule
  architectures list                    the network architectures: variants, arrays, what is perturbable
  backends list                         the execution targets, available or not and why
Boards
  board list                            saved boards, running emulators, serial ports, USB devices of DYNAP-SE boards
  board add NAME ADDRESS | remove NAME  save a board's address (tcp://HOST:PORT, serial:PATH[?baud=N]) under a name
  board info ADDRESS|NAME               the board's handshake: protocol version, model, serial number, geometry
  board emulate [--listen tcp://127.0.0.1:0 | --serial PATH] [--serial-number SN] [--chips N] [--weights se1|se2] [--chip native|reference] [--no-mismatch] [--step-us 100]
                                        serve an emulated chip over the board protocol (first stdout line: its address)
Cluster (SLURM; README "Running on a SLURM cluster")
  cluster add NAME --slurm [--ssh user@login-node] [--ssh-config FILE] [--partition P] [--account A] [--workdir DIR]
  cluster list | test NAME | remove NAME
                                        a job with --on NAME [--seeds S..S | robustness, yield] runs as a SLURM array there
  cluster task DIR INDEX                one array task of a sweep: what the sweep's task.sh runs on a node
  sweep status ID | follow ID | cancel ID | resume ID
                                        a cluster sweep's tasks: state, retries, timeouts; merged into this database
Workbench
  bench --neurons N --steps T --batch B --threads K   time the simulator (one JSON object with --json)
  bench ads --neurons N --dims D --steps T    one ADS training step against the forward step (and the previous kernel's)
  bench teacher --units U --batch B --threads K   teacher BPTT time steps per second
  serve [--host 127.0.0.1] [--port N] [--keep-token] [--max-dataset-mb 512]
                                        serve the workbench to a browser (prints its URL with the token;
                                        --keep-token keeps one token across restarts in DB.token, mode 0600)
  doctor                                Node, native addon, threads, database, Electron binary

Global: --db PATH (default ./experiments.db), --json (one JSON document on stdout), --help
(\`mimic <command> --help\` lists a command's flags with their defaults)`
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n')
}

function out(ctx: Ctx, value: unknown, human: () => string): void {
  if (ctx.json) ctx.io.stdout(JSON.stringify(value, null, 2) + '\n')
  else ctx.io.stdout(human() + '\n')
}

function runRows(runs: RunSummary[]): string {
  return formatTable(
    ['id', 'kind', 'name', 'status', 'created', 'duration', 'summary'],
    runs.map((r) => [
      String(r.id),
      r.kind,
      r.name,
      r.status,
      r.createdAt.replace('T', ' ').slice(0, 19),
      formatDuration(r.durationSeconds),
      Object.entries(r.summary)
        .slice(0, 3)
        .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
        .join(' '),
    ]),
  )
}

function runDetailText(r: RunDetail): string {
  const lines = [
    `run ${r.id}: ${r.name}`,
    `  kind ${r.kind}, status ${r.status}${r.error ? ` (${r.error})` : ''}`,
    `  project ${r.projectId}, seed ${r.seed ?? '-'}, created ${r.createdAt}, duration ${formatDuration(r.durationSeconds)}`,
    `  code ${r.codeVersion} on ${r.host}`,
    `  parameters ${JSON.stringify(r.params)}`,
  ]
  if (r.network) lines.push(`  network ${r.network.architecture}${r.network.variant ? ` (${r.network.variant})` : ''}, bundle format ${r.network.formatVersion}${r.network.task ? `, task ${r.network.task}` : ''}`)
  if (Object.keys(r.summary).length) lines.push(`  summary ${JSON.stringify(r.summary)}`)
  if (r.tags.length) lines.push(`  tags ${r.tags.join(', ')}`)
  for (const p of r.parents) lines.push(`  parent ${p.id} (${p.role || p.kind}): ${p.name}`)
  for (const c of r.children) lines.push(`  child ${c.id} (${c.role || c.kind}): ${c.name}`)
  for (const a of r.artifacts) lines.push(`  artifact ${a.name} ${a.dtype}[${a.shape.join('x')}] ${a.byteLength} bytes`)
  if (r.metricKeys.length) lines.push(`  metrics ${r.metricKeys.join(', ')}`)
  if (r.resultCount) lines.push(`  results ${r.resultCount} items (\`mimic results --run ${r.id}\`)`)
  for (const n of r.notes) lines.push(`  note ${n.createdAt}: ${n.body}`)
  return lines.join('\n')
}

/** Starts a job, shows its progress on stderr, cancels it on Ctrl-C, and reports the finished run. */
async function runJob(
  ctx: Ctx,
  kind: JobKindName,
  project: ProjectChoice,
  params: Record<string, unknown>,
  name?: string,
  present?: Present,
  /** work before the job starts (an import), with the parameters it makes and how to undo it if the job is refused */
  prepare?: Prepare,
): Promise<number> {
  const services = ctx.open()
  const line = new ProgressLine(ctx.io.stderr, ctx.io.isTTY)
  let runId = 0
  // Events that came before jobs.start answered (a queued job's first progress), replayed after.
  const early: AppEvent[] = []
  let ended: (status: RunStatus) => void = () => {}
  const end = new Promise<RunStatus>((resolve) => (ended = resolve))
  // whether a run is a stage of this job (a pipeline's teacher, network ADS...), asked once per run
  const stages = new Map<number, Promise<boolean>>()
  const isStage = (id: number): Promise<boolean> => {
    let known = stages.get(id)
    if (!known) {
      known = services.call('runs.get', { id }).then(
        (d) => d.parents.some((p) => p.id === runId && p.role === 'pipeline'),
        () => false,
      )
      stages.set(id, known)
    }
    return known
  }
  const onEvent = (e: AppEvent): void => {
    if (!runId) {
      early.push(e)
      return
    }
    if (e.type === 'job.progress' && e.runId === runId) line.update(e.progress)
    else if (e.type === 'job.status' && e.runId === runId && e.status !== 'queued' && e.status !== 'running') ended(e.status)
    else if (e.type === 'metrics') {
      const shown = metricsLine(`metrics of run ${e.runId}`, e.points)
      if (e.runId === runId) line.note(shown)
      else void isStage(e.runId).then((yes) => yes && line.note(shown))
    }
  }
  services.subscribe(onEvent)
  const onSigint = (): void => {
    if (runId) {
      ctx.io.stderr('\nmimic: cancelling...\n')
      services.call('jobs.cancel', { runId }).catch(() => {
        // already finished
      })
    }
  }
  process.on('SIGINT', onSigint)
  try {
    const target = await resolveProject(services, project)
    const projectId = target.id
    let undo: (() => Promise<void>) | undefined
    try {
      if (prepare) ({ params, undo } = await prepare(services, projectId))
      runId = (await services.call('jobs.start', { kind, projectId, params, name })).runId
    } catch (err) {
      // a refused job leaves nothing behind: the import it made, the project made for it
      await undo?.()
      await unmakeProject(services, target)
      throw err
    }
    for (const e of early.splice(0)) onEvent(e)
    const status = await end
    line.done()
    const detail = await services.call('runs.get', { id: runId })
    if (status === 'succeeded') {
      const shown = present ? await present(detail, services) : undefined
      out(ctx, shown ? shown.value : { ...detail, id: runId, runId }, () => shown?.text ?? `run ${runId} ${status}: ${JSON.stringify(detail.summary)}`)
      return 0
    }
    // A run that did not succeed: one line on stderr (and the run as JSON with --json).
    if (ctx.json) out(ctx, { ...detail, id: runId, runId }, () => '')
    ctx.io.stderr(`mimic: run ${runId} ${status}${detail.error ? `: ${detail.error}` : ''}\n`)
    return status === 'cancelled' ? 130 : 1
  } finally {
    process.off('SIGINT', onSigint)
    await services.close()
  }
}

/**
 * The command line's own hint on a refusal whose details name runs: how to cancel the running ones
 * (`mimic jobs cancel N`), or how to delete a run with its dependants (`--cascade`).
 */
function withCliHint(err: unknown, deleting?: number): unknown {
  if (!(err instanceof AppError) || err.code !== 'CONFLICT' || !err.details) return err
  const { running, dependants } = err.details
  let hint = ''
  if (running?.length) hint = ` Cancel with ${running.map((r) => `\`mimic jobs cancel ${r.id}\``).join(', ')}.`
  else if (dependants?.length && deleting !== undefined) hint = ` To delete them with it: \`mimic runs delete ${deleting} --cascade\`.`
  return new AppError(err.code, err.message + hint, { details: err.details })
}

type Handler = JobHandler<Ctx>

/** Opens the services for one command and closes them afterwards. */
async function withServices<T>(ctx: Ctx, fn: (s: FrontDoorServices) => T | Promise<T>): Promise<T> {
  return withOpened(ctx.open(), fn)
}

async function withOpened<T>(s: FrontDoorServices, fn: (s: FrontDoorServices) => T | Promise<T>): Promise<T> {
  try {
    return await fn(s)
  } finally {
    await s.close()
  }
}

/** The one FILE argument of `command`, read: a usage error when there is not exactly one, or it cannot be read. */
function readInputFile(positionals: string[], command: string, file: string): { path: string; bytes: Uint8Array } {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one ${file} (received ${positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(', ')}).`)
  const path = resolve(positionals[0])
  let isDir = false
  try {
    isDir = statSync(path).isDirectory()
  } catch {
    // read below, which says why not
  }
  if (isDir) throw new UsageError(`${positionals[0]} is a folder: give the ${file} in it.`)
  try {
    return { path, bytes: readFileSync(path) }
  } catch (err) {
    if (errorCode(err) === 'ERR_FS_FILE_TOO_LARGE') {
      throw new UsageError(`${positionals[0]} holds ${(statSync(path).size / 2 ** 30).toFixed(2)} GiB, more than the 2 GiB that ${command} reads at once: split it into smaller files.`)
    }
    throw new UsageError(`${positionals[0]} cannot be read (${errorCode(err)}): check the path.`)
  }
}

/** The flags of a command that takes no positional arguments: a stray word is refused, not ignored. */
function parseNoPositionals(argv: readonly string[], specs: Record<string, FlagSpec>, where: string): Record<string, unknown> {
  const { flags, positionals } = parseFlags(argv, specs, where)
  if (positionals.length) throw new UsageError(`${where} takes no positional arguments (received "${positionals[0]}").`)
  return flags
}

/** The one id a command takes (usage `runs show ID`): a second one is refused, not ignored. */
function onlyId(positionals: string[], what: string, usage: string): number {
  const id = parseId(positionals[0], what, usage)
  const words = usage.split(' ')
  if (positionals.length > 1) throw new UsageError(`${words.slice(0, -1).join(' ')} takes one ${words.at(-1)} (received also "${positionals[1]}").`)
  return id
}

/**
 * The file a command writes (--out), checked before the work: its folder exists and can be written,
 * and it is not itself a folder. `example` is a file name to suggest in a folder given instead.
 */
function outputPath(ctx: Ctx, raw: string, example: string): string {
  const path = resolve(raw)
  // the database (or its write-ahead log) replaced by an export would lose every run
  if ([ctx.dbPath, `${ctx.dbPath}-wal`, `${ctx.dbPath}-shm`].includes(path) || sameFile(path, ctx.dbPath)) {
    throw new UsageError(`--out: ${path} is the database (--db): give another file name.`)
  }
  let isDir = false
  let special = false
  try {
    const st = statSync(path)
    isDir = st.isDirectory()
    special = !isDir && !st.isFile()
  } catch {
    // a new file
  }
  if (isDir) throw new UsageError(`--out: ${path} is a folder: give the path of a file (e.g. ${join(path, example)}).`)
  // a device or a pipe is written to where it is (its folder, /dev, need not be writable)
  if (special) return path
  const folder = dirname(path)
  let folderIsDir = false
  try {
    folderIsDir = statSync(folder).isDirectory()
  } catch {
    // missing
  }
  if (!folderIsDir) throw new UsageError(`--out: the folder ${folder} does not exist: create it or choose another path.`)
  try {
    accessSync(folder, constants.W_OK)
  } catch (err) {
    throw new UsageError(`--out: the folder ${folder} cannot be written (${errorCode(err)}): choose another path.`)
  }
  return path
}

/** Whether two paths name the same existing file (a link, another spelling). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a)
    const y = statSync(b)
    return x.dev === y.dev && x.ino === y.ino
  } catch {
    return false
  }
}

/**
 * Writes a command's output file whole under a temporary name beside it, then renames it: a failed
 * write (a full disk) leaves neither a half file nor a damaged earlier one.
 */
function writeOutput(path: string, data: string | Uint8Array): void {
  // a device or a pipe (/dev/stdout, a FIFO) is written to as it is, not replaced
  let special = false
  try {
    const st = statSync(path)
    special = !st.isFile()
  } catch {
    // a new file
  }
  if (special) {
    try {
      writeFileSync(path, data)
      return
    } catch (err) {
      throw new AppError('INVALID_ARGUMENT', `--out: ${path} could not be written (${errorCode(err)}): choose another path.`)
    }
  }
  const partial = `${path}.partial-${process.pid}`
  try {
    writeFileSync(partial, data)
    renameSync(partial, path)
  } catch (err) {
    rmSync(partial, { force: true })
    throw new AppError('INVALID_ARGUMENT', `--out: ${path} could not be written (${errorCode(err)}): check the space and permissions of its folder, or choose another path.`)
  }
}

/** `--max-dataset-mb` of `serve` and `data import`: the most an imported dataset may inflate to. */
const maxDatasetMbFlag: FlagSpec = {
  type: 'integer',
  help: 'largest dataset an import may inflate to, all arrays together',
  unit: 'MiB',
  min: 1,
  max: maxDatasetLimitBytes / 2 ** 20,
  default: defaultMaxDatasetBytes / 2 ** 20,
}

/** The byte limit --max-dataset-mb gives (its flag spec's default when it is left out). */
function maxDatasetBytesOf(flags: Record<string, unknown>): number {
  return ((flags['max-dataset-mb'] ?? maxDatasetMbFlag.default) as number) * 2 ** 20
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message

/**
 * `mimic data import audio --dir DIR`: the command line reads the folder (and the manifest) on this
 * host, sends the files as an upload run, and runs the data.import-audio job on it (the server never
 * reads a path).
 */
async function importAudioFolder(ctx: Ctx, argv: string[]): Promise<number> {
  // the job kind's field: its values and default (docs/method.md §2.2)
  const scaling = jobKinds['data.import-audio'].params.info().fields!.featureScaling
  const featureScalingValues = scaling.values as readonly string[], featureScalingDefault = scaling.default
  const specs: Record<string, FlagSpec> = {
    project: { type: 'integer', help: 'project id', min: 1, required: true },
    dir: { type: 'string', help: 'the folder of WAV files', required: true },
    manifest: { type: 'string', help: 'CSV with the columns file, label and optionally split, speaker (default: one folder per label)' },
    positive: { type: 'string', help: 'comma-separated positive labels', default: 'positive,keyword,1' },
    negative: { type: 'string', help: 'comma-separated negative labels', default: 'negative,other,0,-1' },
    'others-negative': { type: 'boolean', help: 'every label that is not positive is negative' },
    'feature-scaling': { type: 'enum', help: "how the band envelopes are stored: as they are, or standardised per band over the training split (docs/method.md §2.2)", values: featureScalingValues, default: featureScalingDefault },
    name: { type: 'string', help: 'run name' },
  }
  const { flags, positionals } = parseFlags(argv, specs, 'data import audio')
  if (positionals.length) throw new UsageError(`data import audio takes no positional arguments (received "${positionals[0]}"): give the folder with --dir DIR.`)
  const dir = resolve(flags.dir as string)
  let manifest: string | undefined
  const manifestPath = flags.manifest !== undefined ? resolve(flags.manifest as string) : undefined
  if (manifestPath !== undefined) {
    try {
      manifest = readFileSync(manifestPath, 'utf8')
    } catch (err) {
      throw new UsageError(`--manifest: ${manifestPath} cannot be read (${errorCode(err)}): check the path.`)
    }
  }
  // every regular file under the folder (but the manifest), named relative to it with '/'
  const files = folderFiles(dir, 'dir', manifestPath)
  const params = { positive: flags.positive as string, negative: flags.negative as string, othersNegative: flags['others-negative'] === true, featureScaling: flags['feature-scaling'] as string }
  const prepare: Prepare = async (services, projectId) => {
    const upload = await services.call('datasets.uploadAudio', { projectId, files, folder: basename(dir), ...(manifest !== undefined ? { manifest } : {}) })
    return { params: { ...params, upload: upload.id }, undo: async () => void (await services.call('runs.delete', { id: upload.id })) }
  }
  const result = jobKinds['data.import-audio'].cli.result
  return runJob(ctx, 'data.import-audio', flags.project as number, params, flags.name as string | undefined, result, prepare)
}

/** The commands: the ones below and every job kind's (generated from its spec). */
/** Resolves at the first SIGINT or SIGTERM (caught from now on, so the process closes cleanly). */
function untilStopSignal(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      done()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Every command and its subcommands (undefined for a command without), for the help's tests. */
export function commandWords(): Record<string, string[] | undefined> {
  return Object.fromEntries(Object.entries(allCommands()).map(([group, entry]) => [group, typeof entry === 'function' ? undefined : Object.keys(entry)]))
}

function allCommands(): Record<string, Record<string, Handler> | Handler> {
  const all: Record<string, Record<string, Handler> | Handler> = { ...commands, ...clusterCommands<Ctx>() }
  for (const [word, entry] of Object.entries(jobCommands<Ctx>(runJob, runSweep<Ctx>()))) {
    const mine = all[word]
    if (mine === undefined) all[word] = entry
    else if (typeof mine === 'object' && typeof entry === 'object') all[word] = { ...mine, ...entry }
    else throw new Error(`the command "${word}" is both a job command and another command`)
  }
  return all
}

type BenchOp = 'bench.simulator' | 'bench.ads' | 'bench.teacher'

/** The flags of a bench operation, generated from its schema (its defaults and bounds). */
function benchFlags(op: BenchOp): Record<string, FlagSpec> {
  return flagsFromSchema(contract[op].args.info())
}

/** Runs one bench operation through the services with the flags of its schema. */
async function runBench<K extends BenchOp>(ctx: Ctx, op: K, argv: string[], where: string, extra = ''): Promise<ResultOf<K>> {
  const specs = benchFlags(op)
  const { flags, positionals } = parseFlags(argv, specs, where)
  if (positionals.length) throw new UsageError(`${where} takes no positional arguments${extra} (received "${positionals[0]}").`)
  return withServices(ctx, async (s) => {
    try {
      return await s.call(op, paramsFromFlags(specs, flags))
    } catch (err) {
      throw flagError(err, specs)
    }
  })
}

/** `mimic bench ads`: one training step against one forward step of the same network (and a second rule's). */
async function benchAdsCommand(ctx: Ctx, argv: string[]): Promise<number> {
  const r = await runBench(ctx, 'bench.ads', argv, 'bench ads')
  const line = (x: AdsBenchRule): string[] => [
    `  ${x.rule} rule (${x.variant}): training step ${x.microsecondsPerStep.toFixed(2)} µs, CPU ${x.cpuMicrosecondsPerStep.toFixed(2)} µs` +
      (x.variant === 'online-events' ? ` (${(100 * x.helperBlockShare).toFixed(0)} % of P on the second thread)` : '') +
      `: training / forward = ${x.trainingOverForward.toFixed(2)}`,
    `    training thread: simulation ${x.split.simulation.toFixed(2)}, feedback ${x.split.feedback.toFixed(2)}, learning ${x.split.learning.toFixed(2)} µs; mean rate ${x.meanRateHz.toFixed(2)} Hz`,
  ]
  out(ctx, r, () =>
    [
      `network ADS N = ${r.neurons}, D = ${r.dims}, ${r.steps} steps, SIMD ${r.simd}, threads ${r.threads === 0 ? 'all' : r.threads}`,
      `  forward step (no learning, k = 0, one thread) ${r.forwardMicrosecondsPerStep.toFixed(2)} µs`,
      ...line(r),
      ...(r.compared ? line(r.compared) : []),
    ].join('\n'),
  )
  return 0
}

/** `mimic bench teacher`: BPTT time steps per second. */
async function benchTeacherCommand(ctx: Ctx, argv: string[]): Promise<number> {
  const r = await runBench(ctx, 'bench.teacher', argv, 'bench teacher')
  out(ctx, r, () =>
    [
      `teacher of ${r.units} units, batch ${r.batch}, ${r.threads || 'all'} thread(s), SIMD ${r.simd}`,
      `  BPTT ${Math.round(r.stepsPerSecond).toLocaleString('en')} steps/s, forward pass ${Math.round(r.forwardStepsPerSecond).toLocaleString('en')} steps/s`,
    ].join('\n'),
  )
  return 0
}

const commands: Record<string, Record<string, Handler> | Handler> = {
  projects: {
    list: async (ctx, argv) => {
      parseNoPositionals(argv, {}, 'projects list')
      const projects = await withServices(ctx, (s) => s.call('projects.list', {}))
      out(ctx, projects, () =>
        projects.length
          ? formatTable(['id', 'name', 'runs', 'created'], projects.map((p) => [String(p.id), p.name, String(p.runCount), p.createdAt.replace('T', ' ').slice(0, 19)]))
          : 'no projects yet: create one with `mimic projects create NAME`',
      )
      return 0
    },
    create: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'projects create')
      if (positionals.length !== 1) throw new UsageError('projects create needs exactly one NAME (quote names with spaces).')
      await withServices(ctx, async (s) => {
        const p = await s.call('projects.create', { name: positionals[0] })
        out(ctx, p, () => `created project ${p.id}: ${p.name}`)
      })
      return 0
    },
    rename: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'projects rename')
      const id = parseId(positionals[0], 'the project ID', 'projects rename ID NAME')
      if (positionals.length !== 2) throw new UsageError('projects rename needs an ID and one NAME.')
      await withServices(ctx, async (s) => {
        const p = await s.call('projects.rename', { id, name: positionals[1] })
        out(ctx, p, () => `renamed project ${p.id} to ${p.name}`)
      })
      return 0
    },
    delete: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'projects delete')
      const id = onlyId(positionals, 'the project ID', 'projects delete ID')
      await withServices(ctx, async (s) => {
        const count = (await s.call('runs.list', { projectId: id, limit: 10_000 })).length
        try {
          await s.call('projects.delete', { id })
        } catch (err) {
          throw withCliHint(err)
        }
        out(ctx, { id, deleted: id, runs: count }, () => `deleted project ${id} and its ${count} run${count === 1 ? '' : 's'}`)
      })
      return 0
    },
    export: async (ctx, argv) => {
      const { flags, positionals } = parseFlags(argv, { out: { type: 'string', help: 'the .mimic file to write', required: true } }, 'projects export')
      const id = parseId(positionals[0], 'the project ID', 'projects export ID --out FILE.mimic')
      if (positionals.length > 1) throw new UsageError(`projects export takes one ID (received also "${positionals[1]}").`)
      const outPath = outputPath(ctx, flags.out as string, 'project.mimic')
      await withServices(ctx, async (s) => {
        let r
        try {
          r = await s.call('projects.export', { id })
        } catch (err) {
          throw withCliHint(err)
        }
        // written whole to a temporary name, then renamed: an interrupted export leaves no half file
        writeOutput(outPath, r.bytes)
        out(ctx, { id, out: outPath, runs: r.runs, artifacts: r.artifacts, bytes: r.bytes.byteLength }, () => `wrote project ${id} “${r.name}” (${r.runs} runs, ${r.artifacts} artifacts, ${r.bytes.byteLength} bytes) to ${outPath}`)
      })
      return 0
    },
    import: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = { name: { type: 'string', help: 'name of the new project (default: the bundle\'s, with "(imported)" when taken)' } }
      const { flags, positionals } = parseFlags(argv, specs, 'projects import')
      const { path, bytes } = readInputFile(positionals, 'projects import', 'FILE.mimic')
      await withServices(ctx, async (s) => {
        const r = await s.call('projects.import', { fileName: basename(path), bytes, name: flags.name as string | undefined }).catch((err: unknown) => Promise.reject(flagError(err, specs)))
        out(ctx, { ...r, id: r.projectId }, () =>
          [
            `imported ${basename(path)} as project ${r.projectId} “${r.name}”: ${r.runs} runs, ${r.artifacts} artifacts, ${r.metricPoints} metric points, ${r.resultItems} result items`,
            ...(r.droppedLinks ? [`${r.droppedLinks} lineage link${r.droppedLinks === 1 ? '' : 's'} to runs outside the exported project could not be restored`] : []),
          ].join('\n'),
        )
      })
      return 0
    },
  },
  runs: {
    list: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = {
        project: { type: 'integer', help: 'only runs of this project', min: 1 },
        kind: { type: 'string', help: 'only runs of this kind' },
        status: { type: 'enum', help: 'only runs with this status', values: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] },
      }
      const flags = parseNoPositionals(argv, specs, 'runs list')
      await withServices(ctx, async (s) => {
        const runs = await s.call('runs.list', { projectId: flags.project, kind: flags.kind, status: flags.status })
        // a --kind that no run has (a typo: "teachr") says which kinds there are
        const kinds = !runs.length && flags.kind !== undefined && !ctx.json ? [...new Set((await s.call('runs.list', { projectId: flags.project, limit: 10_000 })).map((r) => r.kind))].sort() : []
        out(ctx, runs, () =>
          runs.length ? runRows(runs) : kinds.length && !kinds.includes(flags.kind as string) ? `no runs of kind "${String(flags.kind)}" (the runs here are of the kinds ${kinds.join(', ')})` : 'no runs',
        )
      })
      return 0
    },
    export: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = {
        project: { type: 'integer', help: 'only runs of this project', min: 1 },
        kind: { type: 'string', help: 'only runs of this kind' },
        status: { type: 'enum', help: 'only runs with this status', values: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] },
        tag: { type: 'string', help: 'only runs with this tag' },
        format: { type: 'enum', help: 'csv (RFC 4180, for pandas.read_csv) or json (a list of objects, for pandas.DataFrame; the default with --json --out -)', values: ['csv', 'json'], default: 'csv' },
        out: { type: 'string', help: 'file to write (- for stdout)', required: true },
        limit: { type: 'integer', help: 'runs at most', min: 1, max: maxExportRuns, default: maxExportRuns },
      }
      const { flags, positionals } = parseFlags(argv, specs, 'runs export')
      if (positionals.length) throw new UsageError(`runs export takes no positional arguments (received "${positionals[0]}"): choose runs with --project, --kind, --status or --tag.`)
      // with --json, stdout holds one JSON document: the rows themselves when they go to stdout
      if (ctx.json && flags.out === '-' && flags.format === 'csv') throw new UsageError('runs export --json --out - prints the runs as JSON on stdout: leave out --format csv, or write the CSV to a file with --out FILE.')
      const format = (flags.format as string | undefined) ?? (ctx.json && flags.out === '-' ? 'json' : 'csv')
      const target = flags.out === '-' ? '-' : outputPath(ctx, flags.out as string, `runs.${format}`)
      await withServices(ctx, async (s) => {
        const r = await s.call('runs.export', {
          projectId: flags.project as number | undefined,
          kind: flags.kind as string | undefined,
          status: flags.status as RunStatus | undefined,
          tag: flags.tag as string | undefined,
          limit: flags.limit as number | undefined,
        })
        if (r.truncated) ctx.io.stderr(`mimic: more runs match than the ${r.rows.length} written: narrow them with --project, --kind, --status or --tag, or raise --limit (at most ${maxExportRuns}).\n`)
        const text = format === 'json' ? JSON.stringify(r.rows.map((row) => Object.fromEntries(r.columns.map((c) => [c, row[c] ?? null]))), null, 1) + '\n' : runsCsv(r.rows, r.columns)
        if (target === '-') ctx.io.stdout(text)
        else writeOutput(target, text)
        if (target !== '-') out(ctx, { out: target, format, runs: r.rows.length, columns: r.columns.length, truncated: r.truncated }, () => `wrote ${r.rows.length} run${r.rows.length === 1 ? '' : 's'} × ${r.columns.length} columns to ${target} (${format})`)
      })
      return 0
    },
    show: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'runs show')
      const id = onlyId(positionals, 'the run ID', 'runs show ID')
      await withServices(ctx, async (s) => {
        const r = await s.call('runs.get', { id })
        if (!ctx.json) {
          out(ctx, r, () => runDetailText(r))
          return
        }
        // with --json: the run's long-form results too (`mimic results --run ID` prints them as a table or CSV)
        const results = r.resultCount ? await s.call('results.query', { runId: id, limit: maxResultRows }) : { rows: [], truncated: false }
        out(ctx, { ...r, results: results.rows, ...(results.truncated ? { resultsTruncated: true } : {}) }, () => '')
      })
      return 0
    },
    delete: async (ctx, argv) => {
      const { positionals, flags } = parseFlags(argv, { cascade: { type: 'boolean', help: 'also delete every run derived from it (listed before deleting)' } }, 'runs delete')
      const id = parseId(positionals[0], 'the run ID', 'runs delete ID [--cascade]')
      if (positionals.length > 1) throw new UsageError(`runs delete takes one ID (received also "${positionals[1]}").`)
      const cascade = flags.cascade === true
      await withServices(ctx, async (s) => {
        let r
        try {
          r = await s.call('runs.delete', { id, cascade })
        } catch (err) {
          throw withCliHint(err, id)
        }
        const [self, ...dependants] = r.runs
        out(ctx, { id, deleted: r.deleted, runs: r.runs }, () =>
          dependants.length
            ? `deleted run ${id} (${self.kind} “${self.name}”) and ${dependants.length} run${dependants.length === 1 ? '' : 's'} derived from it:\n` +
              dependants.map((d) => `  ${d.id} ${d.kind} “${d.name}”`).join('\n')
            : `deleted run ${id} (${self.kind} “${self.name}”)`,
        )
      })
      return 0
    },
    tag: async (ctx, argv) => {
      const { positionals, flags } = parseFlags(argv, { remove: { type: 'boolean', help: 'remove the tag instead' } }, 'runs tag')
      const id = parseId(positionals[0], 'the run ID', 'runs tag ID TAG')
      if (positionals.length !== 2) throw new UsageError('runs tag needs an ID and one TAG.')
      await withServices(ctx, async (s) => {
        const tags = await s.call('runs.tag', { id, tag: positionals[1], remove: flags.remove === true })
        out(ctx, { id, tags }, () => `run ${id} tags: ${tags.join(', ') || '(none)'}`)
      })
      return 0
    },
    note: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'runs note')
      const id = parseId(positionals[0], 'the run ID', 'runs note ID TEXT')
      if (positionals.length < 2) throw new UsageError('runs note needs an ID and the TEXT of the note.')
      await withServices(ctx, async (s) => {
        const n = await s.call('runs.note', { id, body: positionals.slice(1).join(' ') })
        out(ctx, n, () => `added note ${n.id} to run ${id}`)
      })
      return 0
    },
  },
  artifacts: {
    export: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = {
        out: { type: 'string', help: 'file to write (.npy for one artifact, .npz for several)', required: true },
        format: { type: 'enum', help: 'npy (one array) or npz (default: from the --out extension, else npz)', values: ['npy', 'npz'] },
      }
      const { flags, positionals } = parseFlags(argv, specs, 'artifacts export')
      const runId = parseId(positionals[0], 'the RUN id', 'artifacts export RUN [NAME...] --out FILE.npy|FILE.npz')
      const names = positionals.slice(1)
      const outPath = outputPath(ctx, flags.out as string, `run-${runId}.${(flags.format as string | undefined) ?? (names.length === 1 ? 'npy' : 'npz')}`)
      const format = (flags.format as 'npy' | 'npz' | undefined) ?? (outPath.endsWith('.npy') ? 'npy' : 'npz')
      await withServices(ctx, async (s) => {
        const r = await s.call('artifacts.export', { runId, names: names.length ? names : undefined, format })
        writeOutput(outPath, r.bytes)
        out(ctx, { id: runId, out: outPath, format, names: r.names, bytes: r.bytes.byteLength }, () => `wrote ${r.names.length === 1 ? `artifact ${r.names[0]}` : `${r.names.length} artifacts`} of run ${runId} to ${outPath} (${format})`)
      })
      return 0
    },
  },
  results: async (ctx, argv) => {
    const specs: Record<string, FlagSpec> = {
      run: { type: 'integer', help: 'only the results of this run', min: 1 },
      project: { type: 'integer', help: 'only the results of runs of this project', min: 1 },
      architecture: { type: 'string', help: "only items about networks of this architecture ('rate': teachers, 'ads')" },
      key: { type: 'string', help: 'only this value (decision, label, correct, mse, rateHz, reconstructionError, teacherAgreement...)' },
      format: { type: 'enum', help: 'table for people, csv for other programs, json (as --json)', values: ['table', 'csv', 'json'], default: 'table' },
      limit: { type: 'integer', help: 'rows at most', default: 10_000, min: 1, max: maxResultRows },
    }
    const { flags, positionals } = parseFlags(argv, specs, 'results')
    if (positionals.length) throw new UsageError(`results takes no positional arguments (received "${positionals[0]}"): choose runs with --run ID or --project ID.`)
    const format = ctx.json ? 'json' : ((flags.format as string | undefined) ?? 'table')
    await withServices(ctx, async (s) => {
      const r = await s.call('results.query', {
        runId: flags.run as number | undefined,
        projectId: flags.project as number | undefined,
        architecture: flags.architecture as string | undefined,
        key: flags.key as string | undefined,
        limit: flags.limit as number | undefined,
      })
      if (r.truncated) ctx.io.stderr(`mimic: more results match than the ${r.rows.length} shown: narrow them with --run, --key or --architecture, or raise --limit (at most ${maxResultRows}).\n`)
      if (format === 'json') ctx.io.stdout(JSON.stringify(r, null, 2) + '\n')
      else if (format === 'csv') ctx.io.stdout(resultsCsv(r.rows))
      else ctx.io.stdout((r.rows.length ? resultsTable(r.rows) : 'no results match (evaluations store one item per sample)') + '\n')
    })
    return 0
  },
  jobs: {
    list: async (ctx, argv) => {
      const flags = parseNoPositionals(argv, { all: { type: 'boolean', help: 'include finished jobs' } }, 'jobs list')
      await withServices(ctx, async (s) => {
        const jobs = await s.call('jobs.list', { all: flags.all === true })
        out(ctx, jobs, () =>
          jobs.length
            ? formatTable(
                ['run', 'kind', 'name', 'status', 'cores', 'progress', 'message', 'owner'],
                jobs.map((j) => [
                  String(j.runId),
                  j.kind,
                  j.name,
                  j.status,
                  j.cores === null ? '' : String(j.cores),
                  j.progress ? `${Math.round(j.progress.fraction * 100)}%` : '',
                  j.progress?.message ?? '',
                  j.ownerPid ? `pid ${j.ownerPid}@${j.ownerHost}` : '',
                ]),
              )
            : 'no jobs running',
        )
      })
      return 0
    },
    cancel: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'jobs cancel')
      const runId = onlyId(positionals, 'the RUN_ID', 'jobs cancel RUN_ID')
      await withServices(ctx, async (s) => {
        const r = await s.call('jobs.cancel', { runId })
        out(ctx, { id: runId, ...r }, () =>
          r.status === 'running' || r.status === 'queued' ? `cancel requested for run ${runId}` : `run ${runId} is now ${r.status}`,
        )
      })
      return 0
    },
  },
  data: {
    import: async (ctx, argv) => {
      if (argv[0] === 'audio') return importAudioFolder(ctx, argv.slice(1))
      const specs: Record<string, FlagSpec> = {
        project: { type: 'integer', help: 'project id', min: 1, required: true },
        name: { type: 'string', help: 'run name (default "Imported FILE")' },
        'dt-ms': { type: 'number', help: 'time step of one step of the arrays', unit: 'ms', default: 1 },
        task: { type: 'enum', values: taskNames, help: 'the task whose decision rule scores the data (default: the first task whose channels and outputs fit; `mimic tasks list`)' },
        'max-dataset-mb': maxDatasetMbFlag,
      }
      const { flags, positionals } = parseFlags(argv, specs, 'data import')
      const { path, bytes } = readInputFile(positionals, 'data import', 'FILE.npz')
      const maxDatasetBytes = maxDatasetBytesOf(flags)
      const services = ctx.open('cli', { maxDatasetBytes })
      await withOpened(services, async (s) => {
        const run = await s
          .call('datasets.import', {
            projectId: flags.project as number,
            fileName: basename(path),
            name: flags.name as string | undefined,
            dtMs: (flags['dt-ms'] as number | undefined) ?? 1,
            bytes,
            ...(flags.task !== undefined ? { task: flags.task as (typeof taskNames)[number] } : {}),
          })
          .catch((err: unknown) => Promise.reject(flagError(err, specs)))
        const p = (await s.call('runs.get', { id: run.id })).params
        const encoding = isLabelEncoding(p.labelEncoding) ? p.labelEncoding : null
        out(ctx, { ...run, labelEncoding: encoding }, () =>
          [
            `imported ${basename(path)} as dataset run ${run.id}: ${p.samples} samples × ${p.steps} steps, ${p.channels} input channel${p.channels === 1 ? '' : 's'}, ${p.outputs} output${p.outputs === 1 ? '' : 's'}`,
            encoding ? labelEncodingText(encoding) : 'no labels in the file',
          ].join('\n'),
        )
      })
      return 0
    },
  },
  export: async (ctx, argv) => {
    const specs: Record<string, FlagSpec> = {
      format: { type: 'enum', help: 'file format: npz (arrays for numpy) or nir (an NIR graph, HDF5, of a spiking network)', values: ['npz', 'nir'], default: 'npz' },
      out: { type: 'string', help: 'file to write', required: true },
    }
    const { flags, positionals } = parseFlags(argv, specs, 'export')
    const runId = parseId(positionals[0], 'the RUN id', 'export RUN --format npz|nir --out FILE')
    if (positionals.length > 1) throw new UsageError(`export takes one RUN id (received also "${positionals[1]}").`)
    const outPath = outputPath(ctx, flags.out as string, `run-${runId}.${(flags.format as string | undefined) ?? 'npz'}`)
    await withServices(ctx, async (s) => {
      // the services make the file's bytes (networks.export); the command line writes them
      const r = await s.call('networks.export', { runId, format: flags.format as 'npz' | 'nir' | undefined })
      writeOutput(outPath, r.bytes)
      out(ctx, { id: runId, runId, out: outPath, format: r.format, arrays: r.arrays, ...(r.approximates ? { approximates: r.approximates } : {}) }, () =>
        r.format === 'nir'
          ? `wrote run ${runId} as an NIR graph of ${r.arrays.length} nodes (${r.arrays.join(', ')}) to ${outPath}\napproximates: ${r.approximates}`
          : `wrote ${r.arrays.length} arrays of run ${runId} to ${outPath}`,
      )
    })
    return 0
  },
  report: async (ctx, argv) => {
    const specs: Record<string, FlagSpec> = { out: { type: 'string', help: 'the HTML file to write', required: true } }
    const { flags, positionals } = parseFlags(argv, specs, 'report')
    if (positionals.length > 1) throw new UsageError(`report takes one RUN id (received also "${positionals[1]}").`)
    const runId = parseId(positionals[0], 'the RUN id', 'report RUN --out FILE.html')
    const outPath = outputPath(ctx, flags.out as string, `report-${runId}.html`)
    await withServices(ctx, async (s) => {
      // the services make the page (reports.html); the command line writes it
      const r = await s.call('reports.html', { runId })
      writeOutput(outPath, r.html)
      out(ctx, { id: runId, runId, out: outPath, bytes: Buffer.byteLength(r.html) }, () => `wrote the report of run ${runId} to ${outPath}`)
    })
    return 0
  },
  import: {
    nir: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = {
        project: { type: 'integer', help: 'project id', min: 1, required: true },
        name: { type: 'string', help: 'run name (default "NIR FILE")' },
      }
      const { flags, positionals } = parseFlags(argv, specs, 'import nir')
      const { path, bytes } = readInputFile(positionals, 'import nir', 'FILE.nir')
      await withServices(ctx, async (s) => {
        const r = await s
          .call('networks.import', { projectId: flags.project as number, fileName: basename(path), bytes, format: 'nir', name: flags.name as string | undefined })
          .catch((err: unknown) => Promise.reject(flagError(err, specs)))
        out(ctx, { ...r, id: r.run.id }, () =>
          [
            `imported ${basename(path)} as network run ${r.run.id}: ${r.neurons} neurons from ${r.groups.map((g) => `${g.name} (${g.type}, ${g.neurons})`).join(', ')}`,
            ...r.notes.map((n) => `approximates: ${n}`),
          ].join('\n'),
        )
      })
      return 0
    },
  },
  bench: async (ctx, argv) => {
    if (argv[0] === 'ads') return benchAdsCommand(ctx, argv.slice(1))
    if (argv[0] === 'teacher') return benchTeacherCommand(ctx, argv.slice(1))
    // the flags of the bench.simulator operation, with its defaults and bounds
    const result = await runBench(ctx, 'bench.simulator', argv, 'bench', ' but "ads" or "teacher"')
    out(ctx, result, () =>
      [
        `${result.neurons} neurons x ${result.steps} steps x batch ${result.batch} on ${result.threads || 'all'} thread(s), SIMD ${result.simd}`,
        `  ${result.wallSeconds.toFixed(3)} s, ${(result.neuronStepsPerSecond / 1e6).toFixed(1)} M neuron-steps/s, ${((result.wallSeconds / (result.steps * result.batch)) * 1e6).toFixed(2)} µs per sample-step`,
        `  ${result.spikes} spikes, mean rate ${result.meanRateHz.toFixed(2)} Hz`,
      ].join('\n'),
    )
    return 0
  },
  board: {
    list: async (ctx, argv) => {
      parseNoPositionals(argv, {}, 'board list')
      const l = await withServices(ctx, (s) => s.call('boards.list', {}))
      out(ctx, l, () => {
        const lines: string[] = []
        lines.push('saved boards')
        // who holds each board, however its address is written
        const held = (address: string): string => leaseOfBoard(l, address)?.holder ?? '-'
        lines.push(l.saved.length ? indent(formatTable(['name', 'address', 'saved', 'held by'], l.saved.map((b) => [b.name, b.address, b.createdAt.replace('T', ' ').slice(0, 19), held(b.address)]))) : '  none (save one with `mimic board add NAME ADDRESS`)')
        lines.push('emulators running')
        lines.push(
          l.emulators.length
            ? indent(formatTable(['address', 'serial', 'chips', 'pid', 'host', 'started', 'held by'], l.emulators.map((e) => [e.address, e.serialNumber, String(e.chips), String(e.pid), e.host, e.startedAt.replace('T', ' ').slice(0, 19), held(e.address)])))
            : '  none (start one with `mimic board emulate`)',
        )
        lines.push('boards in use (one user at a time)')
        lines.push(
          l.leases.length
            ? indent(formatTable(['address', 'held by', 'since'], l.leases.map((h) => [h.address, h.holder, h.acquiredAt.replace('T', ' ').slice(0, 19)])))
            : '  none',
        )
        lines.push('serial ports')
        lines.push(
          l.serialPorts.length
            ? indent(formatTable(['address', 'manufacturer', 'vendor:product', 'serial'], l.serialPorts.map((p) => [`serial:${p.path}`, p.manufacturer ?? '-', p.vendorId ? `${p.vendorId}:${p.productId ?? '?'}` : '-', p.serialNumber ?? '-'])))
            : '  none',
        )
        lines.push('USB devices of DYNAP-SE boards')
        if (!l.usb.length) lines.push('  none')
        for (const d of l.usb) {
          lines.push(`  ${d.sysName} ${d.vendorId}:${d.productId} ${d.kind}${d.product ? ` "${d.product}"` : ''}${d.serialNumber ? ` serial ${d.serialNumber}` : ''}: ${d.usable ? `usable (${d.devNode})` : 'NOT USABLE'}`)
          if (d.diagnosis) lines.push(`    ${d.diagnosis}`)
        }
        for (const p of l.problems) lines.push(`note: ${p}`)
        return lines.join('\n')
      })
      return 0
    },
    add: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'board add')
      if (positionals.length !== 2) throw new UsageError('board add needs a NAME and an ADDRESS (tcp://HOST:PORT or serial:PATH), e.g. mimic board add lab1 tcp://192.0.2.7:7777')
      await withServices(ctx, async (s) => {
        const b = await s.call('boards.add', { name: positionals[0], address: positionals[1] })
        out(ctx, b, () => `saved board ${b.name}: ${b.address}`)
      })
      return 0
    },
    remove: async (ctx, argv) => {
      const { positionals } = parseFlags(argv, {}, 'board remove')
      if (positionals.length !== 1) throw new UsageError('board remove needs the NAME of a saved board')
      await withServices(ctx, async (s) => {
        const b = await s.call('boards.remove', { name: positionals[0] })
        out(ctx, b, () => `removed board ${b.name} (${b.address})`)
      })
      return 0
    },
    info: async (ctx, argv) => {
      const { flags, positionals } = parseFlags(argv, { 'timeout-ms': { type: 'integer', help: 'for the connection and each reply', unit: 'ms', min: 100, max: 60_000, default: 1500 } }, 'board info')
      if (positionals.length !== 1) throw new UsageError('board info needs one ADDRESS (tcp://HOST:PORT, serial:PATH) or the NAME of a saved board')
      await withServices(ctx, async (s) => {
        const h = await s.call('boards.info', { address: positionals[0], timeoutMs: flags['timeout-ms'] as number | undefined })
        const cores = h.chips * h.coresPerChip
        out(ctx, { ...h, cores }, () =>
          [
            `board at ${h.address}`,
            `  protocol version  ${h.protocolVersion}`,
            `  model             ${h.model}`,
            `  serial number     ${h.serialNumber}`,
            `  firmware          ${h.firmware}`,
            `  geometry          ${h.chips} chip(s) × ${h.coresPerChip} cores × ${h.neuronsPerCore} neurons (${cores} cores, ${cores * h.neuronsPerCore} neurons)`,
            `  fan-in / fan-out  ${h.fanIn} / ${h.fanOut}`,
            `  weights           ${h.weightScheme === 'se1' ? 'SE1: repeated connections' : 'SE2: 4-bit masks over 4 base weights per core'}`,
            `  input channels    ${h.inputChannels}`,
          ].join('\n'),
        )
      })
      return 0
    },
    emulate: async (ctx, argv) => {
      const specs: Record<string, FlagSpec> = {
        listen: { type: 'string', help: 'TCP address to listen on (default tcp://127.0.0.1:0: a free port on this machine only)' },
        serial: { type: 'string', help: 'serve on this serial line instead (e.g. one end of a socat pty pair)' },
        'serial-number': { type: 'string', help: 'the serial number the board reports (default EMU-0001)' },
        chips: { type: 'integer', help: 'chips of 4 cores × 256 neurons', min: 1, max: 16, default: 1 },
        weights: { type: 'enum', help: 'weight scheme: se1 (repeated connections, fan-out 3) or se2 (4-bit masks, fan-out 4)', values: ['se1', 'se2'], default: 'se2' },
        chip: { type: 'enum', help: 'native: the native emulator, its mismatch frozen by the serial number; reference: the ideal TypeScript chip', values: ['native', 'reference'], default: 'native' },
        mismatch: { type: 'boolean', help: 'native chip: device mismatch drawn for this serial number (--no-mismatch: the ideal chip)', default: true },
        'step-us': { type: 'integer', help: 'the time step the chip is computed in (a configuration means the same continuous-time network at any step)', unit: 'µs', min: 1, max: 1000, default: 100 },
        quiet: { type: 'boolean', help: 'no log of sessions on stderr', default: false },
      }
      const { flags, positionals } = parseFlags(argv, specs, 'board emulate')
      if (positionals.length) throw new UsageError(`board emulate takes no positional arguments (received "${positionals[0]}").`)
      // the address flags are checked here, so that a wrong one is a usage error naming its flag
      try {
        emulatorAddress({ listen: flags.listen as string | undefined, serial: flags.serial as string | undefined })
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e))
      }
      const emulator = await startBoardEmulator({
        dbPath: ctx.dbPath,
        listen: flags.listen as string | undefined,
        serial: flags.serial as string | undefined,
        serialNumber: flags['serial-number'] as string | undefined,
        chips: flags.chips as number | undefined,
        weightScheme: flags.weights as 'se1' | 'se2' | undefined,
        chip: flags.chip as 'native' | 'reference' | undefined,
        mismatch: flags.mismatch as boolean | undefined,
        stepUs: flags['step-us'] as number | undefined,
        log: flags.quiet === true ? undefined : (line) => ctx.io.stderr(`mimic board: ${line}\n`),
      })
      // the signals are caught before the address is printed: whoever starts it may stop it as soon as it reads the line
      const stopped = untilStopSignal()
      if (ctx.json) ctx.io.stdout(JSON.stringify({ address: emulator.address, serialNumber: emulator.serialNumber, chips: emulator.chips, weightScheme: emulator.weightScheme, pid: process.pid }) + '\n')
      else {
        ctx.io.stdout(`${emulator.address}\n`)
        ctx.io.stderr(`mimic: emulating a board (${flags.chip === 'reference' ? 'reference chip' : flags.mismatch === false ? 'native emulator, no mismatch' : 'native emulator with the mismatch of this serial'}, ${emulator.weightScheme.toUpperCase()}, ${emulator.chips} chip(s), serial ${emulator.serialNumber}, steps of ${String(flags['step-us'] ?? 100)} µs) at ${emulator.address}; Ctrl-C stops.\n`)
      }
      // its serial line may go away (the pty's other end closed, the adapter pulled): then it says so and stops
      const lost = new Promise<string>((resolve) => emulator.onLost(resolve))
      const why = await Promise.race([stopped.then(() => null), lost])
      await emulator.stop()
      if (why === null) return 0
      ctx.io.stderr(`mimic: ${why}: the emulator stops (exit code 1); start it again when the line is back.\n`)
      return 1
    },
  },
  serve: async (ctx, argv) => {
    const specs: Record<string, FlagSpec> = {
      host: { type: 'string', help: 'address to bind (default 127.0.0.1: this machine only)' },
      port: { type: 'integer', help: 'port (default 0: any free port)', min: 0, max: 65535 },
      'keep-token': {
        type: 'boolean',
        help: 'keep the token in DB.token beside the database (mode 0600) and reuse it next start, so that links keep working (default: a new token every start)',
        default: false,
      },
      'max-dataset-mb': maxDatasetMbFlag,
    }
    const { flags, positionals } = parseFlags(argv, specs, 'serve')
    if (positionals.length) throw new UsageError(`serve takes no positional arguments (received "${positionals[0]}").`)
    const services = ctx.open('browser', { maxDatasetBytes: maxDatasetBytesOf(flags) })
    // the server and its WebSocket library are loaded by this command only
    const { isLoopback, startServer } = await import('../server/server.ts')
    let server
    let kept: ReturnType<typeof keptToken> | null = null
    try {
      kept = flags['keep-token'] === true ? keptToken(services.info().dbPath) : null
      server = await startServer({ services, host: (flags.host as string | undefined) ?? '127.0.0.1', port: (flags.port as number | undefined) ?? 0, token: kept?.token })
    } catch (err) {
      await services.close()
      throw err
    }
    // the signals are caught before the URL is printed: whoever starts it may stop it as soon as it reads the line
    const stopped = untilStopSignal()
    if (ctx.json) ctx.io.stdout(JSON.stringify({ url: server.openUrl, host: server.host, port: server.port, token: server.token, tokenFile: kept?.path ?? null, db: services.info().dbPath }) + '\n')
    else {
      ctx.io.stdout(`${server.openUrl}\n`)
      ctx.io.stderr(`mimic: serving the workbench for ${services.info().dbPath}; open the URL above. Ctrl-C stops.\n`)
      if (kept) ctx.io.stderr(`mimic: the token is ${kept.created ? 'new and kept' : 'the one kept'} in ${kept.path} (--keep-token): the link stays the same across restarts (a fixed --port keeps the whole address).\n`)
    }
    // on stderr, so also with --json (whose stdout is the one JSON line)
    if (!isLoopback(server.host)) ctx.io.stderr(`mimic: warning: bound to ${server.host}, reachable from other machines; keep the token secret.\n`)
    await stopped
    await server.close()
    await services.close()
    return 0
  },
  tasks: {
    list: async (ctx, argv) => {
      parseNoPositionals(argv, {}, 'tasks list')
      const tasks = await withServices(ctx, (s) => s.call('tasks.list', {}))
      out(ctx, tasks, () =>
        [
          formatTable(
            ['name', 'label', 'channels', 'outputs', 'steps', 'dt', 'generator', 'fitted settings', 'detection'],
            tasks.map((t) => [t.name, t.label, String(t.channels), String(t.outputs), t.steps === null ? '-' : String(t.steps), `${t.dtMs} ms`, t.generator ? 'yes' : 'no', t.fitted.map((f) => f.name).join(', ') || 'none', t.detection ? 'yes' : 'no']),
          ),
          '',
          ...tasks.map((t) => `${t.name}: decision rule ${t.decisionRule}`),
          ...(tasks.some((t) => t.detection) ? ['', 'detection: a pipeline of the task also reports its false accepts and false rejects'] : []),
        ].join('\n'),
      )
      return 0
    },
  },
  architectures: {
    list: async (ctx, argv) => {
      parseNoPositionals(argv, {}, 'architectures list')
      const archs = await withServices(ctx, (s) => s.call('architectures.list', {}))
      out(ctx, archs, () =>
        archs
          .map((a) => {
            const perturbable = [
              ...a.arrays.filter((x) => x.perturbable).map((x) => `${x.name}${x.perturbable?.mismatch ? ` (mismatch ${x.perturbable.mismatch}${x.perturbable.quantise ? ', quantise' : ''})` : x.perturbable?.quantise ? ' (quantise)' : ''}`),
              ...a.perNeuron.filter((x) => x.perturbable).map((x) => `${x.name} per neuron${x.perturbable?.mismatch ? ` (mismatch ${x.perturbable.mismatch})` : ''}`),
            ]
            return [
              `${a.name}: ${a.label}, bundle format ${a.formatVersion}${a.spiking ? ', spiking' : ''}`,
              `  ${a.description}`,
              ...(a.variants?.length ? [`  variants: ${a.variants.map((v) => `${v.name} (${v.label})`).join(', ')}`] : []),
              `  arrays: ${a.arrays.map((x) => `${x.name} [${x.shape}]${x.optional ? '?' : ''}`).join(', ')}`,
              `  perturbable: ${perturbable.join(', ') || 'nothing'}`,
            ].join('\n')
          })
          .join('\n'),
      )
      return 0
    },
  },
  backends: {
    list: async (ctx, argv) => {
      parseNoPositionals(argv, {}, 'backends list')
      const backends = await withServices(ctx, (s) => s.call('backends.list', {}))
      out(ctx, backends, () =>
        formatTable(
          ['name', 'label', 'kind', 'available', 'runs'],
          backends.map((b) => [b.name, b.label, b.kind, b.available ? 'yes' : `no: ${b.reason}`, b.architectures.join(', ')]),
        ),
      )
      return 0
    },
  },
  doctor: async (ctx, argv) => {
    parseNoPositionals(argv, {}, 'doctor')
    const info = await withServices(ctx, (s) => s.info())
    const electron = electronBinary()
    const report = {
      node: info.nodeVersion,
      platform: info.platform,
      version: info.codeVersion,
      // the SIMD level of the native kernels (MIMIC_SIMD=sse2|avx2|avx512 chooses another)
      simd: info.addon.simd,
      addon: info.addon,
      threads: info.addon.threads,
      database: { path: info.dbPath, schemaVersion: info.schemaVersion },
      electron: { present: electron.present, path: electron.path, hint: electron.present ? null : electron.hint },
    }
    out(ctx, report, () =>
      [
        `node        ${report.node} (${report.platform})`,
        `mimic       ${report.version}`,
        info.addon.loaded
          ? `addon       loaded: ${info.addon.buildType} ${info.addon.flags} (${info.addon.compiler}), SIMD ${info.addon.simd} (this CPU: ${(info.addon.simdLevels ?? []).join(', ')})`
          : `addon       NOT LOADED: ${info.addon.error}`,
        `threads     ${report.threads ?? '-'}`,
        `database    ${report.database.path} (schema ${report.database.schemaVersion})`,
        `electron    ${electron.present ? `present at ${electron.path}` : `binary missing: ${electron.hint}`}`,
      ].join('\n'),
    )
    return info.addon.loaded ? 0 : 1
  },
}

/** `mimic <command> --help`: a job command's flags (from its spec), or a bench operation's (from its schema). */
function commandHelp(group: string, sub: string | undefined, third: string | undefined): string | undefined {
  const job = jobCommandHelp([group, sub, third])
  if (job) return job
  const show = (title: string, specs: Record<string, FlagSpec>): string => `${title}\n\n${helpFor(specs)}\n`
  if (group === 'bench' && sub === 'ads') return show('mimic bench ads --neurons N --dims D --steps T [flags]', benchFlags('bench.ads'))
  if (group === 'bench' && sub === 'teacher') return show('mimic bench teacher --units U --batch B --threads K [flags]', benchFlags('bench.teacher'))
  if (group === 'bench') return show('mimic bench [flags]', benchFlags('bench.simulator'))
  return usageOf(group, sub)
}

/**
 * The usage lines of a command without a generated help (`mimic projects list --help`): its entries of
 * the usage text (an entry is a line naming the command and the description lines under it), those
 * naming the subcommand when it has some, else every entry of the group. undefined for no such command.
 */
function usageOf(group: string, sub: string | undefined): string | undefined {
  const entries: string[][] = []
  for (const line of usage().split('\n')) {
    if (/^ {2}\S/.test(line)) entries.push([line])
    else if (/^ {10,}\S/.test(line) && entries.length) entries[entries.length - 1].push(line)
    else entries.push([])
  }
  const ofGroup = entries.filter((e) => e.length && e[0].trimStart().split(/\s+/)[0] === group)
  if (!ofGroup.length) return undefined
  const word = (e: string[]): boolean => sub !== undefined && new RegExp(`(^|[\\s|])${sub.replace(/[^\w-]/g, '')}(\\s|$)`).test(e[0].trimStart().slice(group.length))
  const chosen = ofGroup.some(word) ? ofGroup.filter(word) : ofGroup
  return `Usage: mimic [--db PATH] [--json] ${chosen.map((e) => e.join('\n').trimStart()).join('\n  ')}\n\nREADME.md "Command line" describes every command and flag; \`mimic --help\` lists them all.\n`
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let json = false
  try {
    const g = splitGlobal(argv)
    json = g.json
    if (g.rest.length === 1 && g.rest[0] === '--version') {
      const v = { version: packageVersion(), codeVersion: codeVersion() }
      io.stdout(json ? JSON.stringify(v) + '\n' : `mimic ${v.codeVersion}\n`)
      return 0
    }
    const [group, sub, ...rest] = g.rest
    if (group === undefined && !g.help && json) throw new UsageError('give a command: `mimic --help` lists them.')
    if (g.help || group === undefined || group === 'help') {
      // `mimic train ads --help` and `mimic help train ads` alike
      const about = group === 'help' ? ([sub, rest[0], rest[1]] as const) : ([group, sub, rest[0]] as const)
      const help = (g.help || group === 'help') && about[0] ? commandHelp(about[0], about[1], about[2]) : undefined
      if (help === undefined && about[0] !== undefined && !(about[0] in allCommands())) throw new UsageError(`"${about[0]}" is not a command: try mimic --help.`)
      io.stdout(help ?? usage() + '\n')
      return group === undefined && !g.help ? 2 : 0
    }
    // an empty MIMIC_DB counts as unset
    const dbPath = resolve(g.db ?? (process.env.MIMIC_DB || 'experiments.db'))
    const ctx: Ctx = {
      dbPath,
      json: g.json,
      io,
      open: (frontDoor = 'cli', extra = {}) => new Services({ ...extra, dbPath, frontDoor }),
    }
    const entry = allCommands()[group]
    if (!entry) throw new UsageError(`"${group}" is not a command: try mimic --help.`)
    if (typeof entry === 'function') return await entry(ctx, sub === undefined ? rest : [sub, ...rest])
    const handler = sub === undefined ? undefined : entry[sub]
    if (!handler) {
      throw new UsageError(
        `${group} ${sub === undefined ? 'needs a subcommand' : `has no subcommand "${sub}"`}: one of ${Object.keys(entry).join(', ')}.`,
      )
    }
    return await handler(ctx, rest)
  } catch (err) {
    const wire = err instanceof UsageError ? { code: 'USAGE', message: err.message } : toWireError(err)
    const message = wire.message
    if (json) io.stdout(JSON.stringify({ ok: false, error: wire }) + '\n')
    io.stderr(`mimic: ${message.replace(/\s*\n\s*/g, ' ')}\n`)
    return err instanceof UsageError ? 2 : 1
  }
}

