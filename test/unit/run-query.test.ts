// The runs table's query language, sorting and per-group statistics (checked against numpy's
// definitions: sample sd with n − 1, linear-interpolated quartiles).
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { columnLabel, differingColumns, groupBy, matcher, parseQuery, resolveColumn, sortRows, stats, withNeuronColumn, type Row } from '../../renderer/src/lib/runQuery.ts'

const columns = ['id', 'name', 'kind', 'status', 'tags', 'notes', 'param.neurons', 'param.task', 'summary.accuracy']
const rows: Row[] = [
  { id: 1, name: 'ads seed 1', kind: 'ads', status: 'succeeded', tags: 'best', notes: 'lovely run', 'param.neurons': 320, 'param.task': 'xor', 'summary.accuracy': 0.98 },
  { id: 2, name: 'ads seed 2', kind: 'ads', status: 'failed', tags: '', notes: '', 'param.neurons': 768, 'param.task': 'xor', 'summary.accuracy': null },
  { id: 3, name: 'teacher', kind: 'teacher', status: 'succeeded', tags: 'archived', notes: 'Keep this one', 'param.neurons': null, 'param.task': 'xor', 'summary.accuracy': 1 },
]
const ids = (q: string): number[] => rows.filter(matcher(parseQuery(q, columns))).map((r) => Number(r.id))

describe('run queries', () => {
  it('matches free text in names, notes, tags and kind, and any column by name, with or without its prefix', () => {
    expect(ids('')).toEqual([1, 2, 3])
    expect(ids('seed')).toEqual([1, 2])
    expect(ids('keep')).toEqual([3])
    expect(ids('best')).toEqual([1])
    expect(ids('kind:ads status=failed')).toEqual([2])
    expect(ids('neurons>300')).toEqual([1, 2])
    expect(ids('param.neurons>=768')).toEqual([2])
    expect(ids('neurons<500')).toEqual([1])
    expect(ids('accuracy>=0.98')).toEqual([1, 3])
    expect(ids('accuracy!=1')).toEqual([1, 2])
    expect(ids('"seed 2"')).toEqual([2])
    expect(ids('task=XOR')).toEqual([1, 2, 3])
    expect(parseQuery('bogus:1 seed', columns).unknown).toEqual(['bogus'])
  })

  it('sorts numbers as numbers and puts empty cells last in both directions', () => {
    expect(sortRows(rows, 'summary.accuracy', 1).map((r) => r.id)).toEqual([1, 3, 2])
    expect(sortRows(rows, 'summary.accuracy', -1).map((r) => r.id)).toEqual([3, 1, 2])
    expect(sortRows(rows, 'name', 1).map((r) => r.id)).toEqual([1, 2, 3])
  })

  it('computes mean, sd, median and IQR as numpy does, per group', () => {
    const v = [0.5, 0.9, 0.7, 0.2, 1.3, 0.8]
    const s = stats(v)!
    const py = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; v=np.array(${JSON.stringify(v)}); q1,q3=np.percentile(v,[25,75]); print(v.mean(), v.std(ddof=1), np.median(v), q3-q1)`], { encoding: 'utf8' })
    const [mean, sd, median, iqr] = py.stdout.trim().split(' ').map(Number)
    expect(s.mean).toBeCloseTo(mean, 12)
    expect(s.sd).toBeCloseTo(sd, 12)
    expect(s.median).toBeCloseTo(median, 12)
    expect(s.iqr).toBeCloseTo(iqr, 12)
    const g = groupBy(rows, ['kind'], ['summary.accuracy'])
    expect(g.map((x) => [x.key, x.rows.length, x.stats['summary.accuracy']?.n])).toEqual([['kind=ads', 2, 1], ['kind=teacher', 1, 1]])
    expect(differingColumns(rows, columns)).toEqual(['param.neurons'])
  })
})

describe('the runs table\'s neurons column', () => {
  // as `runs.export` gives them: a BPTT network (its two layers), network ADS, a teacher (a rate
  // network of units), a failed BPTT run that stored no network, and a pipeline (its --neurons)
  const exported = {
    columns: ['id', 'kind', 'architecture', 'task', 'param.layer1', 'param.layer2', 'param.neurons', 'param.units', 'summary.accuracy', 'summary.neurons'],
    rows: [
      { id: 1, kind: 'bptt-snn', architecture: 'bptt-snn', 'param.layer1': 160, 'param.layer2': 160, 'summary.accuracy': 0.9 },
      { id: 2, kind: 'ads', architecture: 'ads', 'param.neurons': 320, 'summary.accuracy': 0.95 },
      { id: 3, kind: 'teacher', architecture: 'rate', 'param.units': 64, 'summary.accuracy': 1 },
      { id: 4, kind: 'bptt-snn', architecture: null, 'param.layer1': 768, 'param.layer2': 768, 'summary.accuracy': null },
      { id: 5, kind: 'pipeline', architecture: null, 'param.neurons': 320, 'summary.accuracy': 0.8 },
      { id: 6, kind: 'dataset', architecture: null, 'summary.accuracy': null },
      // pipelines naming their network's architecture: --neurons is the count of a reservoir's, not of a
      // BPTT network's two layers (which the pipeline derives from it)
      { id: 7, kind: 'pipeline', architecture: null, 'param.neurons': 768, 'param.architecture': 'reservoir', 'summary.accuracy': 0.7 },
      { id: 8, kind: 'pipeline', architecture: null, 'param.neurons': 768, 'param.architecture': 'bptt-snn', 'summary.accuracy': 0.7 },
      // a refitted read-out: a network ADS whose parameters name the network it refits, and whose job
      // reported its neurons; a deployment reports its neurons too but is no network
      { id: 9, kind: 'ads', architecture: 'ads', 'param.network': 4, 'summary.neurons': 768, 'summary.accuracy': 0.9 },
      { id: 10, kind: 'deploy', architecture: null, 'summary.neurons': 768, 'summary.accuracy': null },
    ] as Row[],
    truncated: false,
  }

  it('counts every spiking layer of a network as its architecture declares, else shows the run\'s neurons parameter, else a refitted network\'s reported neurons', () => {
    const t = withNeuronColumn(exported)
    expect(t.rows.map((r) => r.neurons)).toEqual([320, 320, 64, 1536, 320, null, 768, null, 768, null])
    expect(t.columns).toEqual(['id', 'kind', 'architecture', 'neurons', 'task', 'param.layer1', 'param.layer2', 'param.neurons', 'param.units', 'summary.accuracy', 'summary.neurons'])
    expect(t.truncated).toBe(false)
    // the rows given are left as they were
    expect(exported.rows[0].neurons).toBeUndefined()
    // what the query box, the extra columns and the grouping read as "neurons"
    expect(resolveColumn('neurons', t.columns)).toBe('neurons')
    expect(t.rows.filter(matcher(parseQuery('neurons>=320', t.columns))).map((r) => r.id)).toEqual([1, 2, 4, 5, 7, 9])
    expect(groupBy(t.rows, ['neurons'], ['summary.accuracy']).map((g) => `${g.key}: ${g.rows.map((r) => r.id).join(' ')}`).sort()).toEqual(['neurons=1536: 4', 'neurons=320: 1 2 5', 'neurons=64: 3', 'neurons=768: 7 9', 'neurons=∅: 6 8 10'])
    // a second pass keeps one such column
    expect(withNeuronColumn(t).columns.filter((c) => c === 'neurons')).toHaveLength(1)
  })
})

describe('columnLabel', () => {
  it('names a column in words without its prefix, and says parameter or result only where two would read the same', () => {
    const columns = ['name', 'createdAt', 'neurons', 'param.neurons', 'summary.neurons', 'param.seed', 'summary.testAccuracy']
    expect(columnLabel('createdAt', columns)).toBe('Created')
    expect(columnLabel('summary.testAccuracy', columns)).toBe('Test accuracy')
    expect(columnLabel('param.seed', columns)).toBe('Seed')
    // a run's neuron count beside its neurons parameter and a result named neurons
    expect(columnLabel('neurons', columns)).toBe('Neurons')
    expect(columnLabel('param.neurons', columns)).toBe('Neurons (parameter)')
    expect(columnLabel('summary.neurons', columns)).toBe('Neurons (result)')
    expect(columnLabel('summary.neurons', ['name', 'summary.neurons'])).toBe('Neurons')
    // units at the end of a key are written as units
    expect(columnLabel('summary.meanRateHz', ['summary.meanRateHz'])).toBe('Mean rate (Hz)')
    expect(columnLabel('param.tauMemMs', ['param.tauMemMs'])).toBe('Tau mem (ms)')
    expect(columnLabel('summary.stepUs', ['summary.stepUs'])).toBe('Step (µs)')
    expect(columnLabel('param.dtMs', ['param.dtMs', 'summary.dtMs'])).toBe('Dt (ms, parameter)')
    expect(columnLabel('summary.dtMs', ['param.dtMs', 'summary.dtMs'])).toBe('Dt (ms, result)')
    // a lone word that reads like a unit is a name
    expect(columnLabel('param.ms', ['param.ms'])).toBe('Ms')
  })
})
