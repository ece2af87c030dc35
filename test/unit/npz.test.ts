// .npz reading and writing, checked against numpy itself (Debian's python3-numpy).
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { datasetFromNpz, readNpz, writeNpz } from '../../src/formats/npz.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'
import { datasetBomb, deflatedMember, npyHeader, storedMember, zipOf } from '../support/zip.ts'

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
      expect(Array.from(arrays.get('labels')!.data as Int8Array)).toEqual([1, -1])
      expect(Array.from(arrays.get('idx')!.data as Int32Array)).toEqual([5, 6, 7])
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
    ).toThrow(/array "inputs" holds NaN at \[sample 1, step 2, channel 0\]/)
    expect(() =>
      datasetFromNpz(make('chan', "np.savez('FILE', inputs=np.zeros((2,3,2)), targets=np.zeros((2,3,1)))"), 'f.npz', { channels: 1 }),
    ).toThrow(/array "inputs" has 2 channels but the network takes 1/)
    expect(() => datasetFromNpz(make('labels', "np.savez('FILE', inputs=np.zeros((2,3,1)), targets=np.zeros((2,3,1)), labels=np.ones(3))"), 'g.npz')).toThrow(
      /array "labels" has shape \[3\]; expected \[2\]/,
    )
    expect(() => datasetFromNpz(make('complex', "np.savez('FILE', inputs=np.zeros((2,3,1), dtype=np.complex64), targets=np.zeros((2,3,1)))"), 'h.npz')).toThrow(
      /array "inputs" holds complex numbers \(numpy dtype <c8\); expected float32 or float64/,
    )
    expect(() => datasetFromNpz(new TextEncoder().encode('hello, not a zip'), 'i.npz')).toThrow(/i.npz: is not an .npz file \(not a zip archive\)/)
    const good = make('good', "np.savez('FILE', inputs=np.zeros((2,3,1)), targets=np.zeros((2,3,1)))")
    expect(() => datasetFromNpz(good.subarray(0, good.length - 30), 'j.npz')).toThrow(/j.npz: /)
  })
})

/** An .npz written by numpy from a few lines of Python (FILE is replaced by the path). */
function npz(code: string): Uint8Array {
  const file = join(tempDir(), 'made.npz')
  py(`import numpy as np\n${code.replaceAll('FILE', file)}`)
  return readFileSync(file)
}

const xy = 'inputs=np.zeros((4,3,2)), targets=np.zeros((4,3,1))'

describe('import rules for labels (issue 8)', () => {
  it('accepts 0/1 labels of any integer, float or bool dtype, reads them as -1/+1 and says so', () => {
    for (const dtype of ['np.int64', 'np.uint64', 'np.int32', 'np.uint8', 'np.int16', 'np.float16', 'np.float32', 'np.float64', 'bool', "'>i8'", "'>f8'"]) {
      const ds = datasetFromNpz(npz(`np.savez('FILE', ${xy}, labels=np.array([0, 1, 1, 0]).astype(${dtype}))`), 'l.npz')
      expect(ds.labelEncoding, dtype).toBe('0/1')
      expect(Array.from(ds.labels!), dtype).toEqual([-1, 1, 1, -1])
    }
  })

  it('accepts -1/+1 labels of any signed integer or float dtype (numpy\'s default int64 included)', () => {
    for (const dtype of ['np.int64', 'np.int8', 'np.float32', 'np.float64', "'>i4'"]) {
      const ds = datasetFromNpz(npz(`np.savez('FILE', ${xy}, labels=np.array([1, -1, -1, 1]).astype(${dtype}))`), 'l.npz')
      expect(ds.labelEncoding, dtype).toBe('-1/+1')
      expect(Array.from(ds.labels!), dtype).toEqual([1, -1, -1, 1])
    }
    // all one class: both readings agree
    expect(datasetFromNpz(npz(`np.savez('FILE', ${xy}, labels=np.ones(4, dtype=np.int64))`), 'l.npz')).toMatchObject({ labelEncoding: '-1/+1', labels: Int8Array.from([1, 1, 1, 1]) })
    expect(datasetFromNpz(npz(`np.savez('FILE', ${xy})`), 'l.npz')).toMatchObject({ labelEncoding: null, labels: null })
  })

  it('refuses any other labels by naming the values found', () => {
    const refuse = (labels: string) => () => datasetFromNpz(npz(`np.savez('FILE', ${xy}, labels=${labels})`), 'm.npz')
    expect(refuse('np.array([0, 1, 2, 1])')).toThrow(/m\.npz: array "labels" holds the values 0, 1, 2; expected one class per sample as −1\/\+1 or 0\/1/)
    expect(refuse('np.array([-1, 0, 1, 1])')).toThrow(/array "labels" holds the values −1, 0, 1; expected/)
    expect(refuse('np.array([0.5, 1, 1, 1])')).toThrow(/array "labels" holds the values 0\.5, 1; expected/)
    expect(refuse('np.arange(4) * 10 + 3')).toThrow(/array "labels" holds the values 3, 13, 23, 33; expected/)
    expect(refuse('np.arange(4, dtype=np.int64) - 2**62')).toThrow(/array "labels" holds the values −4611686018427387904, −4611686018427387903, /)
    expect(refuse("np.array(['a', 'b', 'a', 'b'])")).toThrow(/array "labels" holds text \(numpy dtype <U1\); expected −1\/\+1 or 0\/1 as integers, floats or bools/)
    expect(refuse('np.array([1, -1, np.nan, 1])')).toThrow(/array "labels" holds NaN at \[sample 2\]/)
    expect(refuse('np.array([1, -1, 1, -np.inf])')).toThrow(/array "labels" holds −Infinity at \[sample 3\]/)
  })
})

describe('import rules for inputs and targets', () => {
  it('reports a NaN or infinity as [sample, step, channel] or [sample, step, output]', () => {
    expect(() => datasetFromNpz(npz("x=np.zeros((4,3,2)); x[2,1,1]=np.inf\nnp.savez('FILE', inputs=x, targets=np.zeros((4,3,1)))"), 'n.npz')).toThrow(
      /n\.npz: array "inputs" holds Infinity at \[sample 2, step 1, channel 1\]; clean the data \(e\.g\. np\.nan_to_num\) first/,
    )
    expect(() => datasetFromNpz(npz("t=np.zeros((4,3,1), dtype=np.float32); t[3,0,0]=np.nan\nnp.savez('FILE', inputs=np.zeros((4,3,2)), targets=t)"), 'n.npz')).toThrow(
      /array "targets" holds NaN at \[sample 3, step 0, output 0\]/,
    )
    expect(() => datasetFromNpz(npz("x=np.zeros((4,3,2)); x[0,2,1]=-1e300\nnp.savez('FILE', inputs=x, targets=np.zeros((4,3,1)))"), 'n.npz')).toThrow(
      /array "inputs" holds -1e\+300 at \[sample 0, step 2, channel 1\], beyond the range of float32/,
    )
  })

  it('refuses a zero-length dimension, naming the array', () => {
    expect(() => datasetFromNpz(npz("np.savez('FILE', inputs=np.zeros((1,4,1)), targets=np.zeros((1,4,0)))"), 'z.npz')).toThrow(
      /z\.npz: array "targets" has shape \[1, 4, 0\]: no outputs; expected targets \[samples, steps, outputs\] with at least one output/,
    )
    expect(() => datasetFromNpz(npz("np.savez('FILE', inputs=np.zeros((1,0,1)), targets=np.zeros((1,0,1)))"), 'z.npz')).toThrow(
      /z\.npz: array "inputs" is empty \(shape \[1, 0, 1\]\)/,
    )
  })
})

describe('bounded inflation (issue 9)', () => {
  const inputs = (steps: number) => Buffer.concat([npyHeader('<f4', [1, steps, 1]), Buffer.alloc(steps * 4)])
  const targets = (steps: number) => Buffer.concat([npyHeader('<f4', [1, steps, 1]), Buffer.alloc(steps * 4)])

  it('refuses arrays whose declared size exceeds the maximum before inflating them', () => {
    expect(() => datasetFromNpz(datasetBomb(), 'bomb.npz')).toThrow(
      /bomb\.npz: array "targets" \[1, 262144, 1024\] float32 takes 1024 MiB, more than the 511 MiB left of the 512 MiB allowed for one dataset/,
    )
    const file = zipOf([deflatedMember('inputs.npy', inputs(1000)), deflatedMember('targets.npy', targets(1000))])
    expect(datasetFromNpz(file, 'ok.npz', { maxBytes: 8300 }).samples).toBe(1)
    // the limit counts all arrays together
    expect(() => datasetFromNpz(file, 'ok.npz', { maxBytes: 8000 })).toThrow(/array "targets" \[1, 1000, 1\] float32 takes 4\.0 KiB, more than the 3\.8 KiB left of the 7\.8 KiB allowed/)
    // stored (uncompressed) members count too
    expect(() => datasetFromNpz(zipOf([storedMember('inputs.npy', inputs(1000)), storedMember('targets.npy', targets(1000))]), 's.npz', { maxBytes: 4000 })).toThrow(
      /array "inputs" \[1, 1000, 1\] float32 takes 4\.0 KiB, more than the 3\.9 KiB allowed/,
    )
  })

  it('refuses a member whose zip directory, .npy header and data disagree, and stops inflating at the declared size', () => {
    expect(() => datasetFromNpz(datasetBomb({ steps: 1000, outputs: 64, headerShape: [1, 1000, 1] }), 'a.npz')).toThrow(
      /a\.npz: entry targets\.npy: the zip directory says 256128 bytes but its \.npy header declares 4128/,
    )
    expect(() => datasetFromNpz(datasetBomb({ steps: 1000, outputs: 64, headerShape: [1, 1000, 1], directorySize: 4128 }), 'b.npz')).toThrow(
      /b\.npz: entry targets\.npy inflates to more than the 4128 bytes its header and the zip directory declare/,
    )
    const short = deflatedMember('targets.npy', Buffer.concat([npyHeader('<f4', [1, 1000, 1]), Buffer.alloc(400)]))
    expect(() => datasetFromNpz(zipOf([deflatedMember('inputs.npy', inputs(1000)), { ...short, size: 4128 }]), 'c.npz')).toThrow(
      /c\.npz: entry targets\.npy inflates to 528 bytes, fewer than the 4128 its header declares/,
    )
    const flipped = deflatedMember('targets.npy', targets(1000))
    expect(() => datasetFromNpz(zipOf([deflatedMember('inputs.npy', inputs(1000)), { ...flipped, crc: flipped.crc ^ 1 }]), 'd.npz')).toThrow(
      /d\.npz: entry targets\.npy fails its CRC check: the file is damaged/,
    )
  })

  it('does not inflate members a dataset does not use', () => {
    const junk = { name: 'junk.bin', stored: Buffer.from('not deflate data at all'), method: 8 as const, size: 1 << 30, crc: 0 }
    const extra = { ...junk, name: 'extra.npy' }
    const file = zipOf([junk, extra, deflatedMember('inputs.npy', inputs(10)), deflatedMember('targets.npy', targets(10))])
    expect(datasetFromNpz(file, 'e.npz')).toMatchObject({ samples: 1, steps: 10 })
    expect(() => datasetFromNpz(zipOf([deflatedMember('inputs.npy', inputs(10)), { ...junk, name: 'targets.npy' }]), 'e.npz')).toThrow(
      /e\.npz: entry targets\.npy could not be decompressed/,
    )
  })
})
