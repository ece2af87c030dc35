// The renderer's task registry: how each task's samples are drawn, by the `sampleView` its
// descriptor names (src/shared/tasks). A task is added with one import and one entry here; the
// compiler refuses a sample view a descriptor names but this registry lacks.
import { taskDescriptors, type SampleViewName, type TaskName } from '../../../src/shared/tasks/index.ts'
import type { SampleView } from './sampleView.ts'
import XorSample from './xor/XorSample.svelte'

export const sampleViews: Record<SampleViewName, SampleView> = {
  pulses: XorSample,
}

export function sampleViewOf(task: TaskName): SampleView {
  return sampleViews[taskDescriptors[task].sampleView]
}

export type { SampleOutput, SampleView, SampleViewProps } from './sampleView.ts'
