// `mimic artifacts export`: one artifact as .npy, several (or all) as .npz, read by numpy itself with
// the same dtype, shape and values as stored; unknown names and an .npy of several arrays refused.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const json = <T = any>(args: string[]): T => mimicJson<T>(args)

/** What numpy reads: name -> [dtype, shape, sha256 of the bytes]. */
function numpyView(file: string): Record<string, [string, number[], string]> {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', `import numpy as np, json, sys, hashlib
x = np.load(sys.argv[1])
items = x.items() if hasattr(x, 'items') else [('', x)]
print(json.dumps({k: [str(v.dtype), list(v.shape), hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()] for k, v in items}))`, file],
    { encoding: 'utf8' },
  )
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout)
}

describe('mimic artifacts export', () => {
  it('writes artifacts as .npy and .npz that numpy reads back exactly', async () => {
    const { createHash } = await import('node:crypto')
    const dir = tempDir()
    const db = join(dir, 'x.db')
    json(['--db', db, 'projects', 'create', 'A'])
    const net = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '24', '--dims', '3', '--seed', '1']).id
    const store = openStore(db)
    const stored = Object.fromEntries(
      store.artifacts.list(net).map((m) => {
        const a = store.artifacts.get(net, m.name).data
        return [m.name, [m.dtype, m.shape, createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex')]]
      }),
    )
    store.close()
    const one = join(dir, 'omegaF.npy')
    expect(json(['--db', db, 'artifacts', 'export', String(net), 'omegaF', '--out', one]).names).toEqual(['omegaF'])
    expect(numpyView(one)).toEqual({ '': stored.omegaF })
    const all = join(dir, 'all.npz')
    json(['--db', db, 'artifacts', 'export', String(net), '--out', all])
    expect(numpyView(all)).toEqual(stored)
    expect(Object.keys(stored)).toContain('neuron.tauMemMs')
    const some = join(dir, 'some.npz')
    json(['--db', db, 'artifacts', 'export', String(net), 'wIn', 'decoder', '--out', some])
    expect(numpyView(some)).toEqual({ wIn: stored.wIn, decoder: stored.decoder })
    const bad = mimic(['--db', db, 'artifacts', 'export', String(net), 'nope', '--out', join(dir, 'n.npz')])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/"nope", which run \d+ does not have \(it has: /)
    const two = mimic(['--db', db, 'artifacts', 'export', String(net), 'wIn', 'decoder', '--out', join(dir, 'two.npy')])
    expect(two.stderr).toMatch(/npy holds one array, but 2 were asked for/)
  })
})
