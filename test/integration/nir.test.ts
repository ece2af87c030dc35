// NIR exchange: `mimic export RUN --format nir` writes an HDF5 file with NIR's structure (checked with
// h5py), `mimic import nir` reads it back as a network that simulates to the same spikes, reads graphs
// written by another tool (here h5py writing NIR's layout: Input → Affine → CubaLIF with a recurrent
// Linear → Output), and refuses unsupported node types by name and non-HDF5 files, storing nothing.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const json = <T = any>(args: string[]): T => mimicJson<T>(args)

function python(code: string, ...args: string[]): string {
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return r.stdout
}

function spikes(db: string, run: number): Buffer[] {
  const store = openStore(db)
  try {
    return ['spikes.offsets', 'spikes.steps', 'spikes.neurons'].map((n) => {
      const a = store.artifacts.get(run, n).data
      return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
    })
  } finally {
    store.close()
  }
}

describe('NIR export and import', () => {
  const dir = tempDir()
  const db = join(dir, 'x.db')
  const file = join(dir, 'net.nir')
  let net = 0
  let data = 0

  it('writes a spiking network as an NIR graph that h5py opens with the structure NIR specifies', () => {
    json(['--db', db, 'projects', 'create', 'NIR'])
    net = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '48', '--dims', '4', '--slow-weights', 'random', '--seed', '3']).id
    data = json(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '3', '--seed', '2']).id
    const r = json(['--db', db, 'export', String(net), '--format', 'nir', '--out', file])
    expect(r.format).toBe('nir')
    expect(r.approximates).toMatch(/forward Euler at dt = 1 ms/)
    const shape = JSON.parse(
      python(
        `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
g = f['node']
out = {'version': f['version'][()].decode(), 'type': g['type'][()].decode(),
       'edges': [[a.decode('utf8'), b.decode('utf8')] for a, b in g['edges'][()]],
       'nodes': {k: {'type': n['type'][()].decode(), 'data': {d: list(n[d].shape) for d in n.keys() if d != 'type'}} for k, n in g['nodes'].items()},
       'approximates': g['metadata']['approximates'][()].decode(),
       'tau': float(g['nodes']['lif']['tau'][0]), 'tau_s': float(g['nodes']['syn_slow']['tau'][0])}
print(json.dumps(out))`,
        file,
      ),
    )
    expect(shape.version).toMatch(/^\d+\.\d+/)
    expect(shape.type).toBe('NIRGraph')
    expect(shape.nodes.input).toEqual({ type: 'Input', data: { shape: [1] } })
    expect(shape.nodes.w_in).toEqual({ type: 'Linear', data: { weight: [48, 1] } })
    expect(shape.nodes.lif).toEqual({ type: 'LIF', data: { tau: [48], r: [48], v_leak: [48], v_threshold: [48], v_reset: [48] } })
    expect(shape.nodes.syn_slow).toEqual({ type: 'LI', data: { tau: [48], r: [48], v_leak: [48] } })
    expect(shape.nodes.w_slow).toEqual({ type: 'Linear', data: { weight: [48, 48] } })
    expect(shape.nodes.decoder).toEqual({ type: 'Linear', data: { weight: [4, 48] } })
    expect(shape.nodes.output.type).toBe('Output')
    expect(shape.edges).toContainEqual(['syn_slow', 'lif'])
    expect(shape.edges).toContainEqual(['input', 'w_in'])
    expect(shape.tau).toBeCloseTo(0.05, 9) // seconds, as NIR has them
    expect(shape.tau_s).toBeCloseTo(0.07, 9)
    expect(shape.approximates).toMatch(/V >= v_threshold/)
  })

  it('imports the file as a network that gives the same spikes as the original', () => {
    const r = json(['--db', db, 'import', 'nir', file, '--project', '1'])
    expect(r.neurons).toBe(48)
    expect(r.groups).toEqual([{ name: 'lif', type: 'LIF', neurons: 48 }])
    const imported = r.run.id
    const a = json(['--db', db, 'simulate', String(net), '--data', String(data), '--samples', '3', '--seed', '9']).id
    const b = json(['--db', db, 'simulate', String(imported), '--data', String(data), '--samples', '3', '--seed', '9']).id
    const [sa, sb] = [spikes(db, a), spikes(db, b)]
    expect(sa[1].length).toBeGreaterThan(100) // the network does spike
    for (let i = 0; i < 3; i++) expect(sb[i].equals(sa[i])).toBe(true)
    // the robustness suite and the chip emulator take an imported network like one made here (one
    // decoded dimension, to fit the XOR dataset's one output)
    const one = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '32', '--dims', '1', '--slow-weights', 'random', '--seed', '4']).id
    const oneFile = join(dir, 'one.nir')
    json(['--db', db, 'export', String(one), '--format', 'nir', '--out', oneFile])
    const back = json(['--db', db, 'import', 'nir', oneFile, '--project', '1']).run.id as number
    const rob = json(['--db', db, 'robustness', '--project', '1', '--networks', String(back), '--data', String(data), '--perturbation', 'mismatch', '--levels', '0,0.1', '--draws', '2', '--samples', '3', '--seed', '2'])
    expect((rob.rows as { network: number; level: number }[]).map((x) => [x.network, x.level])).toEqual([[back, 0], [back, 0], [back, 0.1], [back, 0.1]])
    const dep = json(['--db', db, 'deploy', String(back), '--target', 'emulator', '--data', String(data)])
    expect(dep).toMatchObject({ status: 'succeeded', neurons: 32, chips: 1 })
    expect(dep.connectionsKept).toBeGreaterThan(0)
  })

  it('reads a CubaLIF graph written by another tool, and refuses unsupported node types by name, storing nothing', () => {
    const other = join(dir, 'other.nir')
    python(
      `import h5py, numpy as np, sys
rng = np.random.default_rng(1)
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('version', data='1.0.0', dtype=h5py.string_dtype())
    g = f.create_group('node')
    g.create_dataset('type', data='NIRGraph', dtype=h5py.string_dtype())
    n = g.create_group('nodes')
    def node(name, typ, **arrays):
        x = n.create_group(name)
        x.create_dataset('type', data=typ, dtype=h5py.string_dtype())
        for k, v in arrays.items(): x.create_dataset(k, data=v)
    node('in', 'Input', shape=np.array([1]))
    node('fc', 'Affine', weight=rng.normal(0, 3, (20, 1)).astype(np.float32), bias=np.full(20, 0.5, np.float32))
    node('neurons', 'CubaLIF', tau_mem=np.full(20, 0.02), tau_syn=np.full(20, 0.005), r=np.ones(20), v_leak=np.zeros(20), v_threshold=np.ones(20), v_reset=np.zeros(20), w_in=np.ones(20))
    node('rec', 'Linear', weight=rng.normal(0, 0.1, (20, 20)).astype(np.float32))
    node('fc_out', 'Linear', weight=rng.normal(0, 1, (1, 20)).astype(np.float32))
    node('out', 'Output', shape=np.array([1]))
    edges = [('in', 'fc'), ('fc', 'neurons'), ('neurons', 'rec'), ('rec', 'neurons'), ('neurons', 'fc_out'), ('fc_out', 'out')]
    g.create_dataset('edges', data=np.array(edges, dtype=object), dtype=h5py.string_dtype())
`,
      other,
    )
    const r = mimic(['--db', db, 'import', 'nir', other, '--project', '1'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/20 neurons from neurons \(CubaLIF, 20\)/)
    expect(r.stdout).toMatch(/approximates: The input into "neurons" is filtered by a synapse in NIR/)
    const id = Number(/network run (\d+)/.exec(r.stdout)?.[1])
    const store = openStore(db)
    try {
      expect(store.networks.find(id)?.architecture).toBe('ads')
      expect(Array.from(store.artifacts.get(id, 'neuron.tauSMs').data).every((v) => Math.abs(v - 5) < 1e-5)).toBe(true)
      expect(Array.from(store.artifacts.get(id, 'neuron.tauMemMs').data).every((v) => Math.abs(v - 20) < 1e-5)).toBe(true)
    } finally {
      store.close()
    }
    expect(json(['--db', db, 'simulate', String(id), '--data', String(data), '--samples', '1', '--seed', '1']).status).toBe('succeeded')

    // unsupported node types are refused by name, and nothing is stored
    const conv = join(dir, 'conv.nir')
    python(
      `import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('version', data='1.0.0', dtype=h5py.string_dtype())
    g = f.create_group('node')
    g.create_dataset('type', data='NIRGraph', dtype=h5py.string_dtype())
    n = g.create_group('nodes')
    for name, typ in [('in', 'Input'), ('conv1', 'Conv2d'), ('out', 'Output')]:
        x = n.create_group(name)
        x.create_dataset('type', data=typ, dtype=h5py.string_dtype())
    g.create_dataset('edges', data=np.array([('in', 'conv1'), ('conv1', 'out')], dtype=object), dtype=h5py.string_dtype())
`,
      conv,
    )
    const runsBefore = json(['--db', db, 'runs', 'list']).length
    const refused = mimic(['--db', db, 'import', 'nir', conv, '--project', '1'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/node "conv1" is of type Conv2d, which this import does not support/)
    const junk = join(dir, 'junk.nir')
    writeFileSync(junk, 'not an hdf5 file at all')
    expect(mimic(['--db', db, 'import', 'nir', junk, '--project', '1']).stderr).toMatch(/is not an HDF5 file/)
    // a file cut short (a copy or download interrupted): one line saying so, not HDF5's diagnostics
    const cut = join(dir, 'cut.nir')
    writeFileSync(cut, readFileSync(file).subarray(0, 3000))
    const truncated = mimic(['--db', db, 'import', 'nir', cut, '--project', '1'])
    expect(truncated.code).toBe(1)
    expect(truncated.stderr).toBe(`mimic: cut.nir: is truncated: its HDF5 header says it is ${readFileSync(file).length} bytes long, but it has 3000. Copy the whole file again.\n`)
    expect(json(['--db', db, 'runs', 'list']).length).toBe(runsBefore)
  })
})
