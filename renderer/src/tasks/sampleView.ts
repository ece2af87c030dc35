// What a task's sample view is given: one sample's inputs, targets and (on result pages) the
// outputs of networks, already read from the run's artifacts. The pages that show samples (a
// dataset, a teacher's test samples, an evaluation) load the sample and pick the view of the run's
// task through the registry (./index.ts); how the sample is drawn is the task's.
import type { Component } from 'svelte'
import type { TaskDescriptor } from '../../../src/shared/tasks/index.ts'
import type { ArtifactData } from '../../../src/shared/types.ts'

export interface SampleOutput {
  /** its legend name, e.g. "teacher ŷ" */
  name: string
  /** this sample's outputs [1, steps, outputs] */
  data: ArtifactData
  color: string
  /**
   * the output whose stored decision the page shows beside the chart: the view draws what the
   * task's decision rule reads off it (e.g. a smoothed trace and threshold lines)
   */
  decided?: boolean
  /** the task's settings fitted on validation data, stored with the network this output is of (its bundle's `fitted`) */
  fitted?: Record<string, number>
  /** the decision stored for this sample and output (+1, −1, 0 none), when the run kept it */
  decision?: number | null
}

export interface SampleViewProps {
  task: TaskDescriptor
  /** the figure's accessible name, e.g. "Input, target and outputs of test sample 3" */
  label: string
  /** time of each step (s) */
  time: Float64Array
  /** this sample's inputs [1, steps, channels] */
  inputs: ArtifactData
  /** this sample's targets [1, steps, outputs], when the run has them */
  targets: ArtifactData | null
  /** network outputs to draw beside the data; none on a dataset page */
  outputs: readonly SampleOutput[]
  /** the output drawn, for tasks with several */
  output: number
  /** chart height (CSS px) */
  height?: number
  /** charts with the same key share the cursor and the time zoom */
  sync?: string
}

export type SampleView = Component<SampleViewProps>
