// New project and run ids: one more than the highest ever used (schema 13's id_high_water, raised by
// every delete), not SQLite's max(id) + 1, which gives a deleted newest run's id to the next run.

/** The SQL expression of the next id of `table` (for the id column of its INSERT). */
export function nextIdSql(table: 'projects' | 'runs'): string {
  return `(SELECT max(coalesce((SELECT hi FROM id_high_water WHERE tbl = '${table}'), 0), coalesce((SELECT max(id) FROM ${table}), 0)) + 1)`
}
