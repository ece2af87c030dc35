// Every hyperparameter of a baseline reaches its training through the pipeline (`mimic reproduce xor
// --architecture A --A-FLAG ...`) and through the paper's comparison (`mimic reproduce paper --A-FLAG
// ...`): the flags are generated from each baseline job kind's parameters, and the values given are
// the stored parameters of the trained network's run (docs/method.md §13, §15). Tiny sizes: seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobParamsSchema } from '../../src/shared/jobkinds/index.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

let db: string
function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  return mimic(['--db', db, '--json', ...args], { timeoutMs: 300_000 })
}
const json = <T = Record<string, any>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 300_000 })

/** Values that are none of the job kinds' defaults, for parameters of each kind of each baseline. */
const flags = {
  'bptt-snn': { '--bptt-snn-step-size': ['0.0031', 'stepSize', 0.0031], '--bptt-snn-lambda-rate': ['0.25', 'lambdaRate', 0.25], '--bptt-snn-tau-syn2-ms': ['55', 'tauSyn2Ms', 55], '--bptt-snn-layer1': ['7', 'layer1', 7], '--bptt-snn-batch-size': ['3', 'batchSize', 3] },
  force: { '--force-g': ['0.45', 'g', 0.45], '--force-tau-syn-ms': ['150', 'tauSynMs', 150], '--force-encoder-scale': ['2', 'encoderScale', 2], '--force-neurons': ['11', 'neurons', 11] },
  reservoir: { '--reservoir-ridge': ['7', 'ridge', 7], '--reservoir-pools': ['2', 'pools', 2], '--reservoir-tau-out-ms': ['128', 'tauOutMs', 128] },
} as const

const flagArgs = (a: keyof typeof flags): string[] => Object.entries(flags[a]).flatMap(([flag, [text]]) => [flag, text])
const expected = (a: keyof typeof flags): Record<string, number> => Object.fromEntries(Object.values(flags[a]).map(([, key, value]) => [key, value]))

const small = ['--neurons', '16', '--test-samples', '8', '--baseline-train-samples', '6', '--baseline-epochs', '1']

beforeAll(() => {
  db = tempDb()
  json(['projects', 'create', 'flags'])
})

describe('baseline hyperparameters through the pipeline and the comparison', () => {
  it('reproduce xor --architecture bptt-snn --bptt-snn-step-size ...: the BPTT run stores every flag given, the rest at its job kind\'s defaults', () => {
    const r = json(['reproduce', 'xor', '--project', '1', '--architecture', 'bptt-snn', '--seed', '2', ...small, ...flagArgs('bptt-snn'), '--bptt-snn-validation-samples', '5'])
    const store = openStore(db)
    try {
      const params = store.runs.get(r.networkRunId).params
      expect(params).toMatchObject({ ...expected('bptt-snn'), validationSamples: 5, trainSamples: 6, epochs: 1, seed: 2 })
      // --neurons 16 is the network's N, half in each layer unless a layer is given its own size
      expect(params.layer2).toBe(8)
      // everything not given is the job kind's default
      const defaults = jobParamsSchema('train.bptt-snn').parse({ task: 'xor' }, 'params') as Record<string, unknown>
      expect(params.beta2).toBe(defaults.beta2)
      expect(params.tauMem1Ms).toBe(defaults.tauMem1Ms)
    } finally {
      store.close()
    }
  }, 300_000)

  it('an architecture\'s own flag wins over --baseline-epochs and --baseline-train-samples', () => {
    const r = json(['reproduce', 'xor', '--project', '1', '--architecture', 'force', '--seed', '2', ...small, '--force-epochs', '2', '--force-train-samples', '4', '--force-validation-samples', '4'])
    const store = openStore(db)
    try {
      expect(store.runs.get(r.networkRunId).params).toMatchObject({ epochs: 2, trainSamples: 4, neurons: 16 })
    } finally {
      store.close()
    }
  }, 300_000)

  it('refuses a flag of another architecture than the one trained, naming the flag', () => {
    const r = run(['reproduce', 'xor', '--project', '1', '--architecture', 'reservoir', ...small, '--force-g', '0.5'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/force-g|FORCE: G/)
    expect(r.stderr).toMatch(/--force-g/)
  })

  it('reproduce paper --bptt-snn-step-size --force-g --reservoir-ridge ...: each reaches the stored parameters of that architecture\'s network runs, and no other', () => {
    const a = json<{ runId: number; parts: { part: string; architecture: string; networkRunId: number | null; runId: number | null; status: string }[] }>([
      'reproduce', 'paper', '--task', 'xor', '--networks', '1', '--seed', '5', '--architectures', 'bptt-snn,force,reservoir', '--perturbations', 'mismatch',
      '--mismatch-levels', '0,0.1', '--samples', '6', '--draws', '1', ...small,
      ...flagArgs('bptt-snn'), ...flagArgs('force'), ...flagArgs('reservoir'),
    ])
    const store = openStore(db)
    try {
      for (const architecture of ['bptt-snn', 'force', 'reservoir'] as const) {
        const part = a.parts.find((p) => p.part === 'network' && p.architecture === architecture)!
        expect(part.status, architecture).toBe('done')
        const network = store.runs.get(part.networkRunId!)
        expect(network.kind).toBe(architecture)
        expect(network.params, architecture).toMatchObject(expected(architecture))
        // the pipeline run holds its own architecture's flags only
        const pipelineParams = store.runs.get(part.runId!).params
        const others = Object.keys(flags).filter((x) => x !== architecture)
        for (const other of others) {
          const prefix = other === 'bptt-snn' ? 'bpttSnn' : other
          expect(Object.keys(pipelineParams).filter((k) => k.startsWith(prefix) && pipelineParams[k] !== undefined && pipelineParams[k] !== null), `${architecture} pipeline`).toEqual([])
        }
      }
    } finally {
      store.close()
    }
  }, 600_000)

  it('the sizes that fit the task: a baseline trained on the wake phrase is N = 768 unless told otherwise', () => {
    const data = json<{ runId: number }>(['data', 'generate', 'wake-phrase', '--project', '1', '--count', '6', '--seed', '1']).runId
    const r = json<{ runId: number }>(['train', 'reservoir', '--project', '1', '--data', String(data), '--test-samples', '2', '--seed', '1'])
    const told = json<{ runId: number }>(['train', 'reservoir', '--project', '1', '--data', String(data), '--test-samples', '2', '--seed', '1', '--neurons', '40'])
    const store = openStore(db)
    try {
      expect(store.runs.get(r.runId).params).toMatchObject({ task: 'wake-phrase', neurons: 768 })
      expect(store.runs.get(told.runId).params).toMatchObject({ task: 'wake-phrase', neurons: 40 })
    } finally {
      store.close()
    }
  }, 300_000)
})
