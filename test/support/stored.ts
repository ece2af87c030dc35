// Reading what a run stored, from a test: its float arrays as plain numbers (to compare runs).
import { openStore } from '../../src/store/index.ts'

/** The named artifacts of a run as plain arrays of numbers. */
export function storedArrays(db: string, runId: number, names: string[]): Record<string, number[]> {
  const store = openStore(db)
  try {
    return Object.fromEntries(names.map((n) => [n, Array.from(store.artifacts.get(runId, n).data as ArrayLike<number>)]))
  } finally {
    store.close()
  }
}
