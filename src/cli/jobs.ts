// The command line's job commands, generated from the job-kind specs (src/shared/jobkinds): the
// command words, positionals and flag names come from `spec.cli`, every other flag from the
// parameter schema (camelCase parameters become --kebab-case flags with the schema's defaults), and
// what a succeeded run prints from `spec.cli.result`. Nothing here knows a job kind by name.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs'
import { basename, join, relative, resolve, sep } from 'node:path'
import { AppError, FieldError } from '../shared/errors.ts'
import { jobKinds, jobKindNames, methodDefaultsOf, type JobKindName, type JobKindSpec } from '../shared/jobkinds/index.ts'
import { parseSeedList } from '../shared/grouping.ts'
import { article, type FieldInfo } from '../shared/schema.ts'
import { isTaskName, taskDescriptors, type TaskName } from '../shared/tasks/index.ts'
import type { RunDetail } from '../shared/types.ts'
import type { FrontDoorServices } from '../services/index.ts'
import { flagsFromSchema, helpFor, kebab, parseFlags, parseId, UsageError, type FlagSpec } from './args.ts'

/**
 * Where a job's run goes: a project id, the project of a run it uses (`via`: the flag or argument that
 * named that run, for the error when it names none), or a project found (or made) by name.
 */
export type ProjectChoice = number | { ofRun: number; via?: string } | { named: string }

export type Present = (d: RunDetail, s: FrontDoorServices) => { value: unknown; text: string } | Promise<{ value: unknown; text: string }>
export type Prepare = (s: FrontDoorServices, projectId: number) => Promise<{ params: Record<string, unknown>; undo: () => Promise<void> }>

/** Starts a job and waits for it (the front door's runJob): returns the exit code. */
export type RunJob<Ctx> = (
  ctx: Ctx,
  kind: JobKindName,
  project: ProjectChoice,
  params: Record<string, unknown>,
  name: string | undefined,
  present?: Present,
  prepare?: Prepare,
) => Promise<number>

export type Handler<Ctx> = (ctx: Ctx, argv: string[]) => Promise<number>

/** What `--on CLUSTER` sends instead of running here: the job's items (one per seed, or its kind's own split) as a sweep on a cluster. */
export interface SweepRequest {
  cluster: string
  /** a sweep over seeds; absent for a job kind that splits itself (robustness: networks × levels) */
  seeds?: number[]
  timeLimit?: string
  itemsPerTask?: number
  maxAttempts?: number
  cpusPerTask?: number
  follow: boolean
}

/** Sends a job's items to a cluster as a sweep and (unless told not to) follows it: returns the exit code. */
export type RunSweep<Ctx> = (ctx: Ctx, kind: JobKindName, project: ProjectChoice, params: Record<string, unknown>, name: string | undefined, sweep: SweepRequest) => Promise<number>

/** --seeds: seeds written as a list and ranges ("1,2,5-8" → 1 2 5 6 7 8), as the forms read them. */
export function parseSeeds(raw: string): number[] {
  const seeds = parseSeedList(raw)
  if (typeof seeds === 'string') throw new UsageError(`--seeds ${seeds}`)
  return seeds
}

/** The flags of a job whose items can go to a cluster (a job with a seed, or one that splits itself into items). */
function sweepFlagSpecs(kind: JobKindName): Record<string, FlagSpec> {
  const split = spec(kind).cluster
  return {
    on: {
      type: 'string',
      help: split
        ? 'a cluster (`mimic cluster list`): send the job there as a SLURM array of its items (one per network and level; with --seeds, one whole run per seed) instead of running it here'
        : 'a cluster (`mimic cluster list`): send the job there as a SLURM array over --seeds instead of running it here',
    },
    seeds: { type: 'string', help: 'with --on: the seeds of the sweep, one item each (e.g. 1-10 or 1,4,9)' },
    time: { type: 'string', help: 'with --on: SLURM time limit of each task (sbatch --time: minutes, HH:MM:SS or D-HH:MM); a task that reaches it is reported as timed out and retried' },
    'items-per-task': { type: 'integer', help: 'with --on: items run one after another by each array task (default: chosen from the items\' estimated cost so that a task runs at least a minute)', min: 1 },
    attempts: { type: 'integer', help: 'with --on: attempts per task before it is reported failed', min: 1, max: 20, default: 3 },
    'cpus-per-task': { type: 'integer', help: 'with --on: CPUs SLURM gives each task', min: 1, max: 1024, default: 1 },
    follow: { type: 'boolean', help: 'with --on: follow the sweep until it ends (--no-follow: submit and return; `mimic sweep follow ID` later)', default: true },
  }
}

function sweepable(kind: JobKindName): boolean {
  // a job that sends its own children to a cluster takes --on as its parameter (`cluster`)
  if (spec(kind).childrenOnCluster) return false
  return 'seed' in spec(kind).params.shape || spec(kind).cluster !== undefined
}

function spec(kind: JobKindName): JobKindSpec {
  return jobKinds[kind]
}

function fieldsOf(kind: JobKindName): Record<string, FieldInfo> {
  return spec(kind).params.info().fields ?? {}
}

/** The display name of a positional parameter: its label in capitals ("Network run" → NETWORK_RUN). */
function positionalName(kind: JobKindName, param: string): string {
  const label = fieldsOf(kind)[param]?.label ?? param
  return label.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
}

/** The flags of a job command: its parameters (positionals left out, aliases applied), file flags, --project and --name. */
export function jobFlagSpecs(kind: JobKindName): Record<string, FlagSpec> {
  const cli = spec(kind).cli
  const fields = fieldsOf(kind)
  const out: Record<string, FlagSpec> = {}
  const project = cli.project ?? { required: true }
  out.project =
    'required' in project
      ? { type: 'integer', help: 'project id', required: true, min: 1 }
      : 'ofRun' in project
        ? { type: 'integer', help: `project id (default: the project of the ${fields[project.ofRun]?.label?.toLowerCase() ?? project.ofRun})`, min: 1 }
        : { type: 'integer', help: `project id (default: ${project.unlessRun ? `with --${kebab(project.unlessRun)}, the project of that run; else ` : ''}a project named after the ${fields[project.namedAfterTask]?.label?.toLowerCase() ?? 'task'}, made when missing)`, min: 1 }
  out.name = { type: 'string', help: 'run name' }
  const aliasOf = new Map(Object.entries(cli.flagAliases ?? {}).map(([flag, param]) => [param, flag]))
  // a field of one task only (a generator's, "only with --task T") shows that task's default
  const taskDefaults = new Map<string, Record<string, unknown>>()
  const defaultsOf = (task: TaskName): Record<string, unknown> => taskDefaults.get(task) ?? taskDefaults.set(task, methodDefaultsOf(kind, task)).get(task)!
  for (const [flag, f] of Object.entries(flagsFromSchema(spec(kind).params.info(), cli.positionals ?? []))) {
    const when = fields[f.param!]?.when
    const own = f.default === undefined && when?.field === 'task' && isTaskName(when.equals) ? defaultsOf(when.equals)[f.param!] : undefined
    out[aliasOf.get(f.param!) ?? flag] = own === undefined ? f : { ...f, default: own as FlagSpec['default'] }
  }
  for (const [flag, param] of Object.entries(cli.fileFlags ?? {})) {
    const upload = fields[param]?.upload
    out[flag] = { type: 'string', help: `a ${upload?.accept ?? ''} file, read here and imported as a ${fields[param]?.ref ?? ''} run for ${fields[param]?.label ?? param} (instead of --${aliasOf.get(param) ?? kebab(param)})` }
  }
  for (const [flag, param] of Object.entries(cli.dirFlags ?? {})) {
    out[flag] = { type: 'string', help: `a folder of WAV files, read here and sent as an upload run for ${fields[param]?.label ?? param} (instead of --${aliasOf.get(param) ?? kebab(param)} RUN)` }
  }
  if (sweepable(kind)) Object.assign(out, sweepFlagSpecs(kind))
  return out
}

/**
 * The project a job goes to; `made` when it was created for this job (a project named after the task),
 * so that a refused job can remove it again (a refused command stores nothing).
 */
export async function resolveProject(s: FrontDoorServices, choice: ProjectChoice): Promise<{ id: number; made: boolean }> {
  if (typeof choice === 'number') return { id: choice, made: false }
  if ('ofRun' in choice) {
    try {
      return { id: (await s.call('runs.get', { id: choice.ofRun })).projectId, made: false }
    } catch (err) {
      if (choice.via && err instanceof AppError && err.code === 'NOT_FOUND')
        throw new AppError('NOT_FOUND', `${choice.via} names no run: there is no run with id ${choice.ofRun}. List runs with \`mimic runs list\`.`)
      throw err
    }
  }
  const found = (await s.call('projects.list', {})).find((p) => p.name === choice.named)
  return found ? { id: found.id, made: false } : { id: (await s.call('projects.create', { name: choice.named })).id, made: true }
}

/** Removes a project made for a job that was then refused, while it holds no run (another process may have found it meanwhile). */
export async function unmakeProject(s: FrontDoorServices, project: { id: number; made: boolean }): Promise<void> {
  if (!project.made) return
  const runs = await s.call('runs.list', { projectId: project.id, limit: 1 }).catch(() => [undefined])
  if (runs.length === 0) await s.call('projects.delete', { id: project.id }).catch(() => undefined)
}

/**
 * Every regular file under a folder, named relative to it with '/', in name order (but `exclude`, a
 * manifest kept in the folder). Symbolic links are followed (a corpus of linked files, a linked
 * folder), each folder once; a link that leads nowhere is refused by name rather than left out.
 */
export function folderFiles(dir: string, flag: string, exclude?: string): { name: string; bytes: Uint8Array }[] {
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch (err) {
    throw new UsageError(`--${flag}: ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path.`)
  }
  if (!isDir) throw new UsageError(`--${flag}: ${dir} is not a folder.`)
  const files: { name: string; bytes: Uint8Array }[] = []
  const seen = new Set<string>()
  const walk = (d: string): void => {
    // a linked folder that leads back to one being read is read once
    const real = realpathSync(d)
    if (seen.has(real)) return
    seen.add(real)
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(d, entry.name)
      let kind: { isDirectory(): boolean; isFile(): boolean } = entry
      if (entry.isSymbolicLink()) {
        try {
          kind = statSync(path)
        } catch (err) {
          throw new UsageError(`--${flag}: ${path} is a symbolic link to ${readlinkSync(path)}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): fix or remove the link.`)
        }
      }
      if (kind.isDirectory()) walk(path)
      else if (kind.isFile() && path !== exclude) files.push({ name: relative(dir, path).split(sep).join('/'), bytes: readFileSync(path) })
    }
  }
  walk(dir)
  if (files.length === 0) throw new UsageError(`--${flag}: ${dir} holds no files.`)
  return files
}

export function paramsFromFlags(specs: Record<string, FlagSpec>, flags: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [flag, s] of Object.entries(specs)) if (s.param && flags[flag] !== undefined) params[s.param] = flags[flag]
  return params
}

/**
 * Rewrites a job parameter error in terms of its flag: "Teacher run (--teacher) is required: ...",
 * "--count must be ..." for fields without a label.
 */
export function flagError(err: unknown, specs: Record<string, FlagSpec>): unknown {
  if (!(err instanceof AppError)) return err
  const flagOf = (param: string): string | undefined => Object.entries(specs).find(([, s]) => s.param === param)?.[0]
  if (err instanceof FieldError && err.field.startsWith('params.')) {
    const param = /^params\.(\w+)/.exec(err.field)?.[1] ?? ''
    const flag = flagOf(param)
    if (flag) {
      const rest = err.field.slice(`params.${param}`.length)
      const subject = err.label ? `${err.label} (--${flag})` : `--${flag}${rest}`
      const message = `${subject} ${err.problem}`
      return err.code === 'INVALID_ARGUMENT' ? new UsageError(message) : new AppError(err.code, message, { field: err.field })
    }
  }
  // an argument of the operation beside the parameters (the run's name, an import's dtMs): its flag by name
  if (err instanceof FieldError && err.code === 'INVALID_ARGUMENT' && /^\w+$/.test(err.field)) {
    const flag = [kebab(err.field), kebab(err.field.replace(/Id$/, ''))].find((f) => specs[f] !== undefined && specs[f].param === undefined)
    if (flag) return new UsageError(`${err.label ?? err.field} (--${flag}) ${err.problem}`)
  }
  if (err.code !== 'INVALID_ARGUMENT' || !/\bparams\./.test(err.message)) return err
  let message = err.message
  for (const [flag, s] of Object.entries(specs)) {
    if (s.param) message = message.replace(new RegExp(`\\bparams\\.${s.param}\\b`, 'g'), `--${flag}`)
  }
  return new UsageError(message)
}

/** A positional argument as its parameter's value: a run id, or one of an enum's values. */
function positionalValue(kind: JobKindName, param: string, raw: string | undefined, usage: string): unknown {
  const f = fieldsOf(kind)[param]
  const name = positionalName(kind, param)
  if (raw === undefined || raw.startsWith('--')) {
    throw new UsageError(`${usage} needs ${name}${f?.values ? `: one of ${f.values.join(', ')}` : ''}${f?.help ? ` (${f.help})` : ''}.`)
  }
  if (f?.type === 'enum') {
    if (!f.values?.includes(raw)) throw new UsageError(`${name} must be one of ${f.values?.join(', ')} (received "${raw}")${f.help ? `: ${f.help}` : ''}.`)
    return raw
  }
  if (f?.type === 'integer') return parseId(raw, `the ${name} id`, usage)
  return raw
}

/** The handler of one job kind's command. */
function jobHandler<Ctx>(kind: JobKindName, runJob: RunJob<Ctx>, runSweep?: RunSweep<Ctx>): Handler<Ctx> {
  const s = spec(kind)
  const cli = s.cli
  const positionals = cli.positionals ?? []
  const command = cli.command.join(' ')
  const usage = `${command} ${positionals.map((p) => positionalName(kind, p)).join(' ')}`.trim()
  return async (ctx, argv) => {
    // positionals come first (`data generate TASK --flags`, `eval RUN --data FILE`)
    const values: Record<string, unknown> = {}
    let i = 0
    for (const param of positionals) values[param] = positionalValue(kind, param, argv[i++], usage)
    // an enum positional names what the command is about ("data generate TASK" with its value); ids do not
    const where = [command, ...positionals.filter((p) => fieldsOf(kind)[p]?.type === 'enum').map((p) => String(values[p]))].join(' ')
    const specs = jobFlagSpecs(kind)
    const { flags, positionals: extra } = parseFlags(argv.slice(i), specs, where)
    if (extra.length) throw new UsageError(`${where} takes ${positionals.length ? `only ${positionals.map((p) => positionalName(kind, p)).join(' ')}` : 'no positional arguments'} (received also "${extra[0]}").`)
    const params: Record<string, unknown> = { ...paramsFromFlags(specs, flags), ...values }
    let sweep: SweepRequest | undefined
    if (sweepable(kind)) {
      if (flags.on === undefined) {
        if (flags.seeds !== undefined) throw new UsageError(`${where}: --seeds sends a sweep to a cluster and needs --on CLUSTER (\`mimic cluster list\`); to run one seed here, give --seed.`)
        if (flags.time !== undefined) throw new UsageError(`${where}: --time is the SLURM time limit of a task sent with --on CLUSTER; a job run here has none.`)
      } else {
        const split = spec(kind).cluster !== undefined
        if (flags.seeds === undefined && !split) throw new UsageError(`${where} --on ${String(flags.on)} needs --seeds (e.g. --seeds 1-10): the items of the sweep.`)
        if (flags.seeds !== undefined && params.seed !== undefined) throw new UsageError(`${where} --on takes --seeds or --seed, not both.`)
        if (flags.seeds === undefined && !('seed' in spec(kind).params.shape) && params.seed !== undefined) throw new UsageError(`${where} has no --seed.`)
        if (!runSweep) throw new UsageError(`${where}: --on is not available here.`)
        sweep = {
          cluster: flags.on as string,
          ...(flags.seeds !== undefined ? { seeds: parseSeeds(flags.seeds as string) } : {}),
          ...(flags.time !== undefined ? { timeLimit: flags.time as string } : {}),
          itemsPerTask: flags['items-per-task'] as number | undefined,
          maxAttempts: flags.attempts as number | undefined,
          cpusPerTask: flags['cpus-per-task'] as number | undefined,
          follow: flags.follow !== false,
        }
      }
    }

    // A file flag's file is read here, by the command line, and imported as a run (checked against
    // the run named by the field's `fits`); the job then has it as a parent in its lineage. The
    // server never reads a path given to it.
    let prepare: Prepare | undefined
    let imported: { file: string; param: string } | undefined
    for (const [flag, param] of Object.entries(cli.fileFlags ?? {})) {
      const file = flags[flag] as string | undefined
      const paramFlag = Object.entries(specs).find(([, f]) => f.param === param)?.[0] ?? kebab(param)
      if (file !== undefined && params[param] !== undefined) throw new UsageError(`${where} takes --${flag} FILE or --${paramFlag} RUN, not both.`)
      if (file === undefined) {
        if (params[param] === undefined && !fieldsOf(kind)[param]?.optional) {
          throw new UsageError(`${where} needs --${flag} FILE${fieldsOf(kind)[param]?.upload?.accept ?? ''} (or --${paramFlag} RUN, the id of ${article(fieldsOf(kind)[param]?.ref ?? '')} ${fieldsOf(kind)[param]?.ref ?? ''} run).`)
        }
        continue
      }
      const path = resolve(file)
      if (!existsSync(path)) throw new UsageError(`--${flag}: there is no file ${path}.`)
      if (!statSync(path).isFile()) throw new UsageError(`--${flag}: ${path} is not a regular file.`)
      const fits = fieldsOf(kind)[param]?.upload?.fits
      imported = { file: path, param }
      prepare = async (services, projectId) => {
        const run = await services.call('datasets.import', {
          projectId,
          fileName: basename(path),
          bytes: readFileSync(path),
          ...(fits && typeof params[fits] === 'number' ? { network: params[fits] as number } : {}),
        })
        return { params: { ...params, [param]: run.id }, undo: async () => void (await services.call('runs.delete', { id: run.id })) }
      }
    }

    for (const [flag, param] of Object.entries(cli.dirFlags ?? {})) {
      const dir = flags[flag] as string | undefined
      if (dir === undefined) continue
      if (params[param] !== undefined) throw new UsageError(`${where} takes --${flag} DIR or --${kebab(param)} RUN, not both.`)
      if (prepare) throw new UsageError(`${where} takes one file or folder flag at a time.`)
      const path = resolve(dir)
      const files = folderFiles(path, flag)
      prepare = async (services, projectId) => {
        const upload = await services.call('datasets.uploadAudio', { projectId, files, folder: basename(path) })
        return { params: { ...params, [param]: upload.id }, undo: async () => void (await services.call('runs.delete', { id: upload.id })) }
      }
    }

    const rule = cli.project ?? { required: true }
    // the argument or flag that names a parameter, as the command line spells it
    const namedBy = (param: string): string =>
      positionals.includes(param) ? positionalName(kind, param) : `--${Object.entries(cli.flagAliases ?? {}).find(([, p]) => p === param)?.[0] ?? kebab(param)}`
    const project =
      (flags.project as number | undefined) ??
      ('ofRun' in rule
        ? { ofRun: params[rule.ofRun] as number, via: namedBy(rule.ofRun) }
        : 'namedAfterTask' in rule && rule.unlessRun && params[rule.unlessRun] !== undefined
          ? { ofRun: params[rule.unlessRun] as number, via: namedBy(rule.unlessRun) }
          : 'namedAfterTask' in rule
          ? { named: taskDescriptors[isTaskName(params[rule.namedAfterTask]) ? (params[rule.namedAfterTask] as keyof typeof taskDescriptors) : (fieldsOf(kind)[rule.namedAfterTask].default as keyof typeof taskDescriptors)].label }
          : (flags.project as number))
    // what a succeeded run prints: the spec's own view of the run, or the answer of an operation on it
    const shownOf = cli.result
      ? (d: RunDetail) => cli.result!(d)
      : cli.resultOp
        ? async (d: RunDetail, services: FrontDoorServices) => {
            const value = await services.call(cli.resultOp as never, { runId: d.id } as never)
            return { value, text: cli.resultText ? cli.resultText(value) : JSON.stringify(value) }
          }
        : undefined
    const present: Present | undefined = shownOf
      ? async (d, services) => {
          const shown = await shownOf(d, services)
          return imported ? { ...shown, text: `${shown.text}\n  ${basename(imported.file)} imported as ${fieldsOf(kind)[imported.param]?.ref ?? ''} run ${d.params[imported.param]}` } : shown
        }
      : undefined
    try {
      if (sweep) {
        if (prepare) throw new UsageError(`${where} --on cannot import a file for the cluster: import it first and give its run id.`)
        return await runSweep!(ctx, kind, project, params, flags.name as string | undefined, sweep)
      }
      return await runJob(ctx, kind, project, params, flags.name as string | undefined, present, prepare)
    } catch (err) {
      throw flagError(err, specs)
    }
  }
}

/**
 * Every job kind's command, as a tree of command words (merged into the command line's other commands).
 * A word that is a command itself and has subcommands (`reproduce TASK` and `reproduce paper`) gets one
 * handler that runs the subcommand its next word names, and the command itself otherwise.
 */
export function jobCommands<Ctx>(runJob: RunJob<Ctx>, runSweep?: RunSweep<Ctx>): Record<string, Record<string, Handler<Ctx>> | Handler<Ctx>> {
  const own = new Map<string, Handler<Ctx>>()
  const subs = new Map<string, Record<string, Handler<Ctx>>>()
  for (const kind of jobKindNames) {
    const [group, sub, ...more] = spec(kind).cli.command
    if (more.length) throw new Error(`job kind ${kind}: a command has at most two words`)
    const handler = jobHandler(kind, runJob, runSweep)
    if (sub === undefined) own.set(group, handler)
    else subs.set(group, { ...(subs.get(group) ?? {}), [sub]: handler })
  }
  const tree: Record<string, Record<string, Handler<Ctx>> | Handler<Ctx>> = {}
  for (const group of new Set([...own.keys(), ...subs.keys()])) {
    const self = own.get(group)
    const children = subs.get(group)
    if (self && children) {
      for (const word of Object.keys(children)) {
        for (const kind of jobKindNames) {
          const values = fieldsOf(kind)[spec(kind).cli.positionals?.[0] ?? '']?.values
          if (spec(kind).cli.command.join(' ') === group && values?.includes(word)) throw new Error(`job kind ${kind}: "${group} ${word}" is both a subcommand and a value of its first positional`)
        }
      }
      tree[group] = (ctx, argv) => (argv[0] !== undefined && Object.hasOwn(children, argv[0]) ? children[argv[0]](ctx, argv.slice(1)) : self(ctx, argv))
    } else tree[group] = self ?? children!
  }
  return tree
}

/** `mimic <command> --help` for a job command: its synopsis and flags with their defaults; undefined for other commands. */
export function jobCommandHelp(words: readonly (string | undefined)[]): string | undefined {
  // the longest command first: `reproduce paper` before `reproduce`
  const kinds = [...jobKindNames].sort((a, b) => spec(b).cli.command.length - spec(a).cli.command.length)
  for (const kind of kinds) {
    const cli = spec(kind).cli
    if (!cli.command.every((w, i) => words[i] === w)) continue
    return `mimic ${cli.command.join(' ')} ${cli.synopsis}\n\n${spec(kind).description}\n\n${helpFor(jobFlagSpecs(kind))}\n`
  }
  return undefined
}

/** The usage lines of the job commands (for `mimic --help`). */
export function jobUsageLines(): string[] {
  return jobKindNames.map((kind) => `  ${spec(kind).cli.command.join(' ')} ${spec(kind).cli.synopsis}`)
}
