// Looking at how the store keeps a large artifact (its rows of artifact_parts, migration 12), and the
// synthetic corpus the artifact-parts tests store: test/integration/artifact-parts.test.ts and
// test/slow/artifact-large.test.ts.
import type { Store } from '../../src/store/index.ts'

/** The parts of a run's artifact, in order: number, first byte and length. Empty when it is kept in one row. */
export function partsOf(store: Store, runId: number, name: string): { part: number; start: number; n: number }[] {
  return store.db
    .prepare('SELECT p.part, p.start, length(p.bytes) AS n FROM artifact_parts p JOIN artifacts a ON a.id = p.artifact_id WHERE a.run_id = ? AND a.name = ? ORDER BY p.part')
    .all(runId, name) as { part: number; start: number; n: number }[]
}

/** How many parts the database holds, of every artifact. */
export function partCount(store: Store): number {
  return (store.db.prepare('SELECT COUNT(*) AS n FROM artifact_parts').get() as { n: number }).n
}

/**
 * A corpus of `values` floats that repeats every `period` values (value i is (i mod period)·step +
 * offset), so that a part or row read from the wrong place shows. Filled in a plain loop: it is
 * used at 640 MB and 4.48 GB.
 */
export function rampCorpus(values: number, period: number, step: number, offset: number): Float32Array {
  const x = new Float32Array(values)
  for (let i = 0; i < values; i++) x[i] = (i % period) * step + offset
  return x
}
