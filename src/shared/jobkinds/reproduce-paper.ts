// Job kind "reproduce.paper": the paper's comparison (`mimic reproduce paper --task TASK`): networks of
// every architecture trained (each one a pipeline run, its own seed), the robustness suite at the
// paper's levels on every one of them (each network and perturbation its own robustness run), and one
// comparison run holding the figures and tables beside the paper's (docs/method.md §15).
import * as s from '../schema.ts'
import { paperArchitectures, paperLevels } from '../paper.ts'
import { perturbationNames } from '../perturbations.ts'
import type { ComparisonAnalysis } from '../types.ts'
import { pipelineParams } from './pipeline.ts'
import { sweepFields } from './robustness.ts'
import { fmt, textColumns, type JobKindSpec } from './spec.ts'
import { clusterNameHelp, clusterNamePattern, slurmTime, slurmTimeHelp } from '../grouping.ts'

/** The pipeline's fields a reproduction passes on to each network's pipeline run (all but its own task, architecture and seed). */
const { task: _task, architecture: _architecture, seed: _seed, ...pipelineFields } = pipelineParams.shape
/** ... where a baseline's own fields (--force-g) apply without the pipeline's --architecture: the reproduction trains every architecture. */
const pipelineShape = Object.fromEntries(
  Object.entries(pipelineFields).map(([k, f]) => [k, f.info().when?.field === 'architecture' ? f.doc({ when: undefined }) : f]),
) as typeof pipelineFields

const levelsField = (label: string, levels: readonly number[], help: string) =>
  s.withDefault(s.array(s.number({ min: 0, max: 32 }), { min: 1, max: 32 }), [...levels]).doc({ label, help })

/** A comma-separated list of names (the form and the command line take it as text). */
const namesField = (label: string, _names: readonly string[], help: string) => s.withDefault(s.string({ max: 200 }), 'all').doc({ label, help })

export const reproducePaperParams = s.object({
  task: pipelineParams.shape.task.doc({ help: 'the task every network learns and is perturbed on (`mimic tasks list`)' }),
  networks: s.withDefault(s.integer({ min: 1, max: 100 }), 10).doc({ label: 'Networks per architecture', help: 'each trained by its own pipeline run, seeds S, S + 1, … (the paper: 10)' }),
  architectures: namesField('Architectures', paperArchitectures, `all, or comma-separated, of ${paperArchitectures.join(', ')}`),
  perturbations: namesField('Perturbations', perturbationNames, `all, or comma-separated, of ${perturbationNames.join(', ')}`),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'network i of every architecture is trained with seed S + i; the sweeps and the scored samples are seeded by S (recorded)' }),
  resume: s.optional(s.id()).doc({
    label: 'Resume run',
    help: 'the run id of an earlier reproduction (cancelled, failed or interrupted) to continue: its finished networks and sweeps with the same parameters are reused, not run again; its seed is the default',
  }),
  samples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Scored samples', help: 'samples every perturbed network is scored on (one dataset run, drawn from the seed)' }),
  draws: s.withDefault(s.integer({ min: 1, max: 10_000 }), 10).doc({ label: 'Draws per level', help: 'virtual chips, noise realisations or sets of dead neurons per network and level (the paper: 10)' }),
  mismatchLevels: levelsField('Mismatch levels', paperLevels.mismatch, 'σ as fractions; 0.05, 0.1 and 0.2 give the MSE increases the paper quotes'),
  quantisationBits: levelsField('Quantisation bits', paperLevels.quantisation, '0 = full precision'),
  noiseLevels: levelsField('Noise levels', paperLevels.noise, 'per-step std as a fraction of V_th − V_reset'),
  deathLevels: levelsField('Death levels', paperLevels.death, 'fractions of neurons clamped for the whole sample'),
  recalibrateGain: sweepFields.recalibrateGain.doc({
    help: 'the paper’s protocol (docs/method.md §15): in every sweep, per network and level, a scalar gain on the output (151 values from 0.5 to 5.5) chosen by its accuracy on validation samples — drawn after the scored ones — run on validation chips that are never scored; off by default',
  }),
  // (the pipeline's validationSamples are its training's)
  gainValidationSamples: sweepFields.validationSamples.doc({ label: 'Gain validation samples', help: 'samples, after the scored ones, that choose each sweep’s gain' }),
  gainValidationDraws: sweepFields.validationDraws.doc({ label: 'Gain validation chips' }),
  ...pipelineShape,
  cluster: s.optional(s.string({ min: 1, max: 60, trim: true, pattern: clusterNamePattern, patternHelp: clusterNameHelp })).doc({
    label: 'Run on',
    help: 'a cluster (`mimic cluster list`): the networks, then the sweeps, are sent there as SLURM arrays and merged here as this run\'s children (empty: this machine)',
  }),
  itemsPerTask: s.optional(s.integer({ min: 1, max: 100_000 })).doc({ label: 'Items per task', help: 'with a cluster: networks or sweeps run one after another by each array task (empty: chosen from their estimated cost so that a task runs at least a minute)' }),
  attempts: s.withDefault(s.integer({ min: 1, max: 20 }), 3).doc({ label: 'Attempts per task', help: 'with a cluster: attempts per array task before it is reported failed' }),
  timeLimit: s.optional(s.string({ pattern: slurmTime, patternHelp: slurmTimeHelp })).doc({ label: 'Time limit per task', help: 'with a cluster: SLURM time limit of each task (sbatch --time)' }),
  cpusPerTask: s.withDefault(s.integer({ min: 1, max: 1024 }), 1).doc({ label: 'CPUs per task', help: 'with a cluster: CPUs SLURM gives each task' }),
})

export type ReproducePaperParams = ReturnType<typeof reproducePaperParams.parse>

/**
 * The names of a comma-separated list, each one of `allowed`, in `allowed`'s order; a sentence naming
 * the first unknown name (or an empty list) otherwise.
 */
export function parseNames<const N extends string>(text: string, allowed: readonly N[]): N[] | string {
  const given = text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  if (given.length === 1 && given[0] === 'all') return [...allowed]
  if (given.length === 0) return `is empty: give all, or one or more of ${allowed.join(', ')}, separated by commas.`
  const bad = given.find((g) => !(allowed as readonly string[]).includes(g))
  if (bad !== undefined) return `names "${bad}", which is not one of ${allowed.join(', ')} (or all).`
  return allowed.filter((a) => given.includes(a))
}

export const reproducePaper = {
  name: 'reproduce.paper',
  label: 'Paper reproduction',
  runKind: 'comparison',
  runName: 'Paper comparison on {task}',
  description:
    'The paper’s comparison: networks of every architecture (network ADS, BPTT, FORCE, reservoir) trained by pipeline runs with their own seeds, the robustness suite (mismatch, quantisation, noise, death at the paper’s levels) on each, and one comparison run with the figures, the medians beside the paper’s and the Mann-Whitney U p-values (docs/method.md §15). Resumable: a new run given --resume reuses the finished networks and sweeps.',
  params: reproducePaperParams,
  // sent to a cluster, it only waits for the arrays (and makes the scored samples): one core here
  resources: { cores: 'all', minCores: 1, coresFor: (params) => (typeof params.cluster === 'string' ? 1 : null) },
  cli: {
    command: ['reproduce', 'paper'],
    project: { namedAfterTask: 'task', unlessRun: 'resume' },
    flagAliases: { on: 'cluster', time: 'timeLimit' },
    synopsis: '[--task TASK] [--networks 10] [--seed S] [--resume RUN] [--architectures all|ads,bptt-snn,...] [--perturbations all|mismatch,...] [--draws 10] [--samples 200] [every flag of reproduce: --neurons, --force-g, --bptt-snn-step-size, ...] [--on CLUSTER [--items-per-task N] [--attempts 3] [--time LIMIT]]   networks × architectures → robustness → comparison',
    resultOp: 'comparison.analysis',
    resultText: (value) => comparisonText(value as ComparisonAnalysis),
  },
  view: 'comparison',
  resumeParam: 'resume',
  childrenOnCluster: true,
  watchAfterStart: true,
  formGroups: [
    { title: 'Comparison', keys: ['task', 'networks', 'architectures', 'perturbations', 'seed', 'resume'] },
    { title: 'Robustness', help: 'the paper’s levels (docs/method.md §10, §15)', keys: ['samples', 'draws', 'mismatchLevels', 'quantisationBits', 'noiseLevels', 'deathLevels', 'recalibrateGain', 'gainValidationSamples', 'gainValidationDraws'] },
    { title: 'Teacher', help: 'network ADS’s teacher (docs/method.md §3)', prefix: 'teacher' },
    { title: 'BPTT spiking network', help: 'every flag of `mimic train bptt-snn` as --bptt-snn-FLAG; empty: its defaults (docs/method.md §13)', prefix: 'bpttSnn' },
    { title: 'FORCE', help: 'every flag of `mimic train force` as --force-FLAG; empty: its defaults (docs/method.md §13)', prefix: 'force' },
    { title: 'Reservoir', help: 'every flag of `mimic train reservoir` as --reservoir-FLAG; empty: its defaults (docs/method.md §13)', prefix: 'reservoir' },
    { title: 'Run on', help: 'this machine, or a cluster: the networks, then the sweeps, as SLURM arrays (README, “Running on a SLURM cluster”)', keys: ['cluster', 'itemsPerTask', 'attempts', 'timeLimit', 'cpusPerTask'] },
    { title: 'Networks', help: 'sizes and training of each network’s pipeline (as `mimic reproduce TASK`); --neurons is every architecture’s size (the BPTT network’s two layers together) unless its own is given (--force-neurons, --bptt-snn-layer1, ...)', rest: true },
  ],
  action: { action: 'Reproduce the paper', submit: 'Run reproduction' },
} as const satisfies JobKindSpec

const pct = (v: number | null): string => (v === null ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(0)} %`)

/** The MSE increases per architecture (rows) and mismatch level (columns), each column as wide as its widest cell. */
function mseIncreaseTable(a: ComparisonAnalysis): string[] {
  const levels = [...new Set(a.mseIncrease.map((m) => m.level))].sort((x, y) => x - y)
  const rows = a.architectures
    .map((arch) => [
      arch,
      ...levels.map((level) => {
        const m = a.mseIncrease.find((x) => x.architecture === arch && x.level === level)
        return m ? `${pct(m.oursPct)} (${pct(m.paperPct)}${m.paperQuoted ? '' : '*'})` : '-'
      }),
    ])
    .filter((_, i) => a.mseIncrease.some((m) => m.architecture === a.architectures[i]))
  const header = ['median MSE increase under mismatch, ours (paper):', ...levels.map((l) => `${+(l * 100).toFixed(1)} %`)]
  return textColumns([header, ...rows], '   ')
}

/** How the sweeps of a reproduction treated the output gain, in a sentence. */
export function gainProtocol(params: Record<string, unknown>): string {
  return params.recalibrateGain === true
    ? `output gain recalibrated per network and level (the paper’s protocol): chosen on ${String(params.gainValidationSamples)} validation samples run on ${String(params.gainValidationDraws)} validation chips`
    : 'no output-gain recalibration (the paper recalibrated per network and level: --recalibrate-gain)'
}

/** The analysis as the command line prints it: the MSE increases beside the paper's, the order, refusals, and where the figures are. */
export function comparisonText(a: ComparisonAnalysis): string {
  const lines = [`comparison run ${a.runId}: ${a.architectures.join(', ')} × ${a.perturbations.join(', ')} (${a.parts.filter((p) => p.part === 'network').length} networks, ${a.parts.filter((p) => p.part === 'sweep').length} sweeps)`]
  lines.push(...mseIncreaseTable(a))
  if (a.mseIncrease.some((m) => !m.paperQuoted)) lines.push('  * computed from the paper’s medians (it quotes no increase for the reservoir)')
  for (const o of a.ordering) lines.push(`  ${o.text}`)
  lines.push(`  ${gainProtocol(a.params)}`)
  for (const r of a.refused) lines.push(`  refused: ${r.architecture} under ${r.perturbation}: ${r.reason}`)
  const failed = a.parts.filter((p) => p.status === 'failed')
  for (const f of failed) lines.push(`  failed: ${f.part} ${f.architecture} #${f.index}${f.perturbation ? ` (${f.perturbation})` : ''}${f.runId ? ` run ${f.runId}` : ''}: ${f.reason ?? ''}`)
  const reused = a.parts.filter((p) => p.status === 'reused').length
  if (reused) lines.push(`  reused ${reused} finished children of the resumed run`)
  lines.push(`  ${fmt(a.cells.length)} medians and ${fmt(a.tests.length)} tests: the run's page (comparison) or \`mimic runs show ${a.runId} --json\``)
  return lines.join('\n')
}
