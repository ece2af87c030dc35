// .npz reading and writing, checked against numpy itself (Debian's python3-numpy).
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { datasetFromNpz, readNpz, writeNpz } from '../../src/tasks/npz.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const python = '/usr/bin/python3'

function py(code: string): string {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`)
  return r.stdout
}

describe('npz', () => {
  it('reads what numpy.savez and savez_compressed write (float32, float64, int8, int32)', () => {
    const dir = tempDir()
    for (const fn of ['savez', 'savez_compressed']) {
      const file = join(dir, `${fn}.npz`)
      py(`import numpy as np
np.${fn}('${file}', inputs=np.arange(24, dtype=np.float64).reshape(2,3,4)/7, targets=np.ones((2,3,1), dtype=np.float32), labels=np.array([1,-1], dtype=np.int8), idx=np.array([5,6,7], dtype=np.int32))`)
      const arrays = readNpz(readFileSync(file), file)
      expect(arrays.get('inputs')).toMatchObject({ dtype: 'float64', shape: [2, 3, 4] })
      expect(arrays.get('inputs')!.data[23]).toBeCloseTo(23 / 7, 12)
      expect(Array.from(arrays.get('labels')!.data)).toEqual([1, -1])
      expect(Array.from(arrays.get('idx')!.data)).toEqual([5, 6, 7])
      const ds = datasetFromNpz(readFileSync(file), file)
      expect(ds).toMatchObject({ samples: 2, steps: 3, channels: 4, outputs: 1 })
      expect(ds.inputs).toBeInstanceOf(Float32Array)
    }
  })

  it('writes files numpy reads back exactly', () => {
    const file = join(tempDir(), 'out.npz')
    writeFileSync(
      file,
      writeNpz({
        w: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
        tau: { dtype: 'float64', shape: [3], data: Float64Array.from([0.05, 0.07, 1e-3]) },
        scalar_like: { dtype: 'int32', shape: [1], data: Int32Array.from([42]) },
      }),
    )
    const out = py(`import numpy as np
d = np.load('${file}')
print(sorted(d.files)); print(d['w'].dtype, d['w'].shape, d['w'].tolist()); print(d['tau'].tolist()); print(d['scalar_like'].tolist())`)
    expect(out.trim().split('\n')).toEqual(["['scalar_like', 'tau', 'w']", 'float32 (2, 3) [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]', '[0.05, 0.07, 0.001]', '[42]'])
  })

  it('names the array and what was expected for malformed datasets', () => {
    const dir = tempDir()
    const make = (name: string, code: string): Uint8Array => {
      const file = join(dir, `${name}.npz`)
      py(`import numpy as np\n${code.replaceAll('FILE', file)}`)
      return readFileSync(file)
    }
    expect(() => datasetFromNpz(make('notargets', "np.savez('FILE', inputs=np.zeros((2,3,1)))"), 'a.npz')).toThrow(
      /a.npz: has no array "targets" \(it has: inputs\); expected targets \[samples, steps, outputs\]/,
    )
    expect(() => datasetFromNpz(make('2d', "np.savez('FILE', inputs=np.zeros((2,3)), targets=np.zeros((2,3,1)))"), 'b.npz')).toThrow(
      /array "inputs" has shape \[2, 3\]; expected 3 dimensions/,
    )
    expect(() => datasetFromNpz(make('mismatch', "np.savez('FILE', inputs=np.zeros((2,3,1)), targets=np.zeros((2,4,1)))"), 'c.npz')).toThrow(
      /array "targets" has shape \[2, 4, 1\] but inputs has 2 samples of 3 steps/,
    )
    expect(() => datasetFromNpz(make('ints', "np.savez('FILE', inputs=np.zeros((2,3,1), dtype=np.int32), targets=np.zeros((2,3,1)))"), 'd.npz')).toThrow(
      /array "inputs" has dtype int32; expected float32 or float64/,
    )
    expect(() =>
      datasetFromNpz(make('nan', "x=np.zeros((2,3,1)); x[1,2,0]=np.nan\nnp.savez('FILE', inputs=x, targets=np.zeros((2,3,1)))"), 'e.npz'),
    ).toThrow(/array "inputs" holds a non-finite value \(NaN\) at flat index 5/)
    expect(() =>
      datasetFromNpz(make('chan', "np.savez('FILE', inputs=np.zeros((2,3,2)), targets=np.zeros((2,3,1)))"), 'f.npz', { channels: 1 }),
    ).toThrow(/array "inputs" has 2 channels but the network takes 1/)
    expect(() => datasetFromNpz(make('labels', "np.savez('FILE', inputs=np.zeros((2,3,1)), targets=np.zeros((2,3,1)), labels=np.ones(3))"), 'g.npz')).toThrow(
      /array "labels" has shape \[3\]; expected \[2\]/,
    )
    expect(() => datasetFromNpz(make('complex', "np.savez('FILE', inputs=np.zeros((2,3,1), dtype=np.complex64), targets=np.zeros((2,3,1)))"), 'h.npz')).toThrow(
      /array "inputs" has dtype <c8/,
    )
    expect(() => datasetFromNpz(new TextEncoder().encode('hello, not a zip'), 'i.npz')).toThrow(/i.npz: is not an .npz file \(not a zip archive\)/)
    const good = make('good', "np.savez('FILE', inputs=np.zeros((2,3,1)), targets=np.zeros((2,3,1)))")
    expect(() => datasetFromNpz(good.subarray(0, good.length - 30), 'j.npz')).toThrow(/j.npz: /)
  })
})
