// Hostile NIR files: a dataset whose data is another file of this host (HDF5 external storage) is
// refused, not read; graphs that would hang the import (2^24 parallel paths), take unbounded memory
// (an Input of 10^5 channels) or store a network that cannot run (NaN weights, a zero time constant,
// an edge listed twice) are refused with the node and what is wrong; big-endian datasets read the same.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readNir } from '../../src/formats/nir.ts'
import { nirToAds } from '../../src/plugins/nir.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

// Small graphs in NIR's layout written by h5py: Input → Linear → LIF → Linear → Output, and variants.
const generator = `import h5py, numpy as np, sys
d, secret = sys.argv[1], sys.argv[2]
def graph(path, nodes, edges, extra=None):
    with h5py.File(path, 'w') as f:
        f['version'] = '0.5.0'
        g = f.create_group('node'); g['type'] = 'NIRGraph'
        ns = g.create_group('nodes')
        for name, (t, arrays) in nodes.items():
            n = ns.create_group(name); n['type'] = t
            for k, v in arrays.items(): n[k] = v
        g['edges'] = np.array(edges, dtype='S')
        if extra: extra(f)
def base(n=4, tau=None, wdt='<f4', taudt='<f8'):
    return {
        'input': ('Input', {'shape': np.array([1])}),
        'w_in': ('Linear', {'weight': np.linspace(0.5, 2, n).reshape(n, 1).astype(wdt)}),
        'lif': ('LIF', {'tau': (np.full(n, 0.02) if tau is None else tau).astype(taudt), 'r': np.ones(n), 'v_leak': np.zeros(n), 'v_threshold': np.ones(n)}),
        'dec': ('Linear', {'weight': np.full((1, n), 0.5, dtype=wdt)}),
        'output': ('Output', {'shape': np.array([1])}),
    }
E = [['input', 'w_in'], ['w_in', 'lif'], ['lif', 'dec'], ['dec', 'output']]
graph(d + '/ok.nir', base(), E)
graph(d + '/bigendian.nir', base(wdt='>f4', taudt='>f8'), E)
b = base(); b['lif'][1]['reset_after'] = np.array([True]); graph(d + '/flag.nir', b, E)
def bytes_types(f):
    n = f['node/nodes']; del n['lif/type']; n['lif/type'] = np.frombuffer(b'LIF', dtype=np.uint8); del n['dec/type']; n['dec/type'] = np.void(b'Linear')
graph(d + '/bytestype.nir', base(), E, bytes_types)
b = base(); b['w_in'][1]['weight'][2, 0] = np.nan; graph(d + '/nan.nir', b, E)
graph(d + '/tau0.nir', base(tau=np.array([0.02, 0.0, 0.02, 0.02])), E)
b = base(); b['lif'] = ('LIF', {}); graph(d + '/nosize.nir', b, E)
graph(d + '/dupedge.nir', base(), E + [['w_in', 'lif']])
b = base(); b['input'] = ('Input', {'shape': np.array([100000])}); b['w_in'] = ('Linear', {'weight': np.ones((4, 100000), dtype='<f4')}); graph(d + '/wide.nir', b, E)
b = base(); b['input'] = ('Input', {'shape': np.array([2.5])}); graph(d + '/fracshape.nir', b, E)
def huge(f):
    n = f['node/nodes/w_in']; del n['weight']
    n.create_dataset('weight', shape=(100000, 100000), dtype='<f4', chunks=(1000, 1000), compression='gzip')
graph(d + '/huge.nir', base(), E, huge)
b = base(n=1); e = [['input', 'w_in']]; prev = 'w_in'
for i in range(24):
    for x in 'abj': b[x + str(i)] = ('Linear', {'weight': np.ones((1, 1), dtype='<f4')})
    e += [[prev, 'a%d' % i], [prev, 'b%d' % i], ['a%d' % i, 'j%d' % i], ['b%d' % i, 'j%d' % i]]; prev = 'j%d' % i
graph(d + '/diamonds.nir', b, e + [[prev, 'lif'], ['lif', 'dec'], ['dec', 'output']])
def external(f):
    n = f['node/nodes/w_in']; del n['weight']
    n.create_dataset('weight', shape=(4, 1), dtype='<f4', external=[(secret, 0, 16)])
graph(d + '/external.nir', base(), E, external)
`

describe('hostile NIR files', () => {
  const dir = tempDir()
  const secret = join(dir, 'secret.txt')
  const file = (name: string): string => join(dir, `${name}.nir`)
  const read = async (name: string) => nirToAds(await readNir(new Uint8Array(readFileSync(file(name))), `${name}.nir`), `${name}.nir`)

  beforeAll(() => {
    writeFileSync(secret, 'a secret of this host, not meant for any network\n')
    const r = spawnSync('/usr/bin/python3', ['-c', generator, dir, secret], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('refuses a dataset kept in another file of this host, reading nothing of it and storing nothing', () => {
    const db = join(tempDir(), 'x.db')
    mimicJson(['projects', 'create', 'N'], { db })
    const r = mimic(['--db', db, 'import', 'nir', file('external'), '--project', '1'])
    expect(r.code).toBe(1)
    // one line, naming the dataset and why (and no HDF5 diagnostics)
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mimic: external\.nir: \/node\/nodes\/w_in\/weight cannot be read: .*kept outside the file \(HDF5 external storage\)/)])
    expect(mimicJson<unknown[]>(['runs', 'list'], { db })).toEqual([])
    // the same graph with its weights inside the file is imported
    expect(mimic(['--db', db, 'import', 'nir', file('ok'), '--project', '1']).code).toBe(0)
  })

  it('refuses graphs that would hang the import, take unbounded memory or store a network that cannot run, naming the node', async () => {
    const refusals: [string, RegExp][] = [
      ['nan', /node "w_in" \(Linear\) has NaN at \[2\] in its weight; every weight must be a finite number/],
      ['tau0', /node "lif" has tau = 0 at \[1\]; time constants must be positive/],
      ['nosize', /node "lif" \(LIF\) has neither "v_leak" nor "tau"/],
      ['dupedge', /the edge "w_in" → "lif" is listed twice/],
      ['wide', /the Input "input" has 100000 channels, more than the 256/],
      ['fracshape', /node "input" \(Input\) has the shape \[2\.5\]; expected positive whole numbers/],
      ['huge', /\/node\/nodes\/w_in\/weight has shape \[100000, 100000\] \(10000000000 values\), more than the 67108864/],
      ['diamonds', /takes more than 100000 steps from node to node to read.*Merge consecutive Linear nodes/],
    ]
    for (const [name, message] of refusals) {
      const started = Date.now()
      await expect(read(name), name).rejects.toThrow(message)
      expect(Date.now() - started, name).toBeLessThan(5000)
    }
  })

  it('reads big-endian datasets as the same network, and passes over parameters it does not use (a flag stored as an enum), and reads node types kept as bytes', async () => {
    const [le, be, flag, bytesType] = [await read('ok'), await read('bigendian'), await read('flag'), await read('bytestype')]
    expect(flag.net.spec.weights).toEqual(le.net.spec.weights)
    // node types written as bytes (uint8, opaque) rather than strings
    expect(bytesType.net.spec.weights).toEqual(le.net.spec.weights)
    expect(be.net.spec.weights).toEqual(le.net.spec.weights)
    expect(be.net.params).toEqual(le.net.params)
    expect(Array.from(le.net.params.tauMemMs)).toEqual([20, 20, 20, 20])
    expect(Array.from(le.net.spec.weights.wIn as Float32Array)).toEqual([0.5, 1, 1.5, 2])
  })
})
