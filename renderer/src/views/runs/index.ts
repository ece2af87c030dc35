// The run-view registry: the page of each job kind's runs, by the `view` its spec names
// (src/shared/jobkinds). A job kind that needs its own view adds one file here and one entry; the
// compiler refuses a view a spec names but this registry lacks.
import type { Component } from 'svelte'
import type { RunViewName } from '../../../../src/shared/jobkinds/index.ts'
import AdsView from './AdsView.svelte'
import BaselineView from './BaselineView.svelte'
import ComparisonView from './ComparisonView.svelte'
import DatasetView from './DatasetView.svelte'
import DeploymentView from './DeploymentView.svelte'
import EvaluationView from './EvaluationView.svelte'
import FinetuneView from './FinetuneView.svelte'
import NetworkView from './NetworkView.svelte'
import PipelineView from './PipelineView.svelte'
import type { RunViewProps } from './props.ts'
import RobustnessView from './RobustnessView.svelte'
import SimulationView from './SimulationView.svelte'
import TeacherView from './TeacherView.svelte'

export const runViews: Record<RunViewName, Component<RunViewProps>> = {
  dataset: DatasetView,
  network: NetworkView,
  teacher: TeacherView,
  ads: AdsView,
  baseline: BaselineView,
  pipeline: PipelineView,
  evaluation: EvaluationView,
  simulation: SimulationView,
  robustness: RobustnessView,
  deployment: DeploymentView,
  comparison: ComparisonView,
  finetune: FinetuneView,
}

/** Views that show their run's progress themselves (with its Cancel): the page leaves its own bar out. */
export const showsOwnProgress: Partial<Record<RunViewName, true>> = {
  pipeline: true,
}

export type { RunViewProps } from './props.ts'
