// What every run view (./index.ts) is given by the run page.
import type { JobProgress, RunDetail } from '../../../../src/shared/types.ts'

export interface RunViewProps {
  run: RunDetail
  /** the run is queued or running */
  active: boolean
  /** its live progress (a pipeline stage's is its pipeline's), null when not active */
  progress: JobProgress | null
  /** asks the page to read the run again (e.g. when new child runs appear) */
  onrefresh: () => void
}
