// What a job kind implements (its declaration is src/shared/jobkinds/<kind>.ts): a check made before
// its run is created, and the work done in the worker process.
import type { Store } from '../../store/index.ts'
import type { JobContext, JobResult } from '../context.ts'

export interface JobImpl {
  /**
   * Refuses parameters that parse but cannot work (runs of the wrong kind, sizes that disagree),
   * before anything is stored; errors name the field. `params` are parsed by the kind's schema.
   */
  precheck(store: Store, params: Record<string, unknown>): void
  run(ctx: JobContext): Promise<JobResult>
  /**
   * For a kind with a ClusterSplit of merge 'one-run': the summary of the run its items' rows were
   * merged into on the workbench (what `run` would have returned for the whole job).
   */
  mergedSummary?(store: Store, runId: number): Record<string, number>
}
