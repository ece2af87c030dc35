// What every task declares about itself, in pure data: the surfaces that list tasks (the command
// line, the forms, the renderer's sample views) read this; the Node side of a task
// (src/plugins/tasks) and its native generator and decision rule implement it.
import type { ObjectSchema, Schema } from '../schema.ts'

/** A setting a task fits on validation data and stores with a trained network (e.g. a decision threshold). */
export interface FittedSetting {
  name: string
  label: string
  description: string
}

export interface TaskDescriptor {
  /** the registry key: used in job parameters, dataset runs, network bundles and on the command line */
  name: string
  label: string
  description: string
  /** input channels and outputs of its samples ('any' for tasks that take whatever a file holds) */
  channels: number | 'any'
  outputs: number | 'any'
  /** time step of its samples (ms) */
  dtMs: number
  /** length of a sample with the generator's defaults (s), when samples have a fixed length */
  durationS?: number
  /** the seeded generator, when the task draws its own samples; its parameters are the ones of `mimic data generate NAME` */
  generator?: {
    params: ObjectSchema<Record<string, Schema<unknown>>>
    /** false when the generator runs in Node (src/plugins/tasks), not natively; default true */
    native?: boolean
    /** true when it makes samples side by side on every core its job is given (a synthesised corpus); default: one core */
    parallel?: boolean
  }
  /** the decision rule in words (the one implementation is native) */
  decisionRule: {
    summary: string
    /**
     * what a sample view draws of the output the rule reads (display only: the decisions shown are
     * the stored ones): the smoothed trace y_s = decay·y_s + (1 − decay)·y and the threshold lines
     */
    display?: {
      smoothingDecay?: number
      thresholds?: readonly number[]
      /**
       * the quantity the rule compares with a fitted setting, drawn on its own axis with that setting as
       * a line: `stretchSum` is the running sum of y_s over the current stretch where y_s ≥ the first
       * threshold (the sample's score is its largest value); `fitted` names the setting, `unit` its unit
       */
      score?: { kind: 'stretchSum'; label: string; fitted: string; unit: string }
    }
  }
  /**
   * true for a detection: a +1 sample holds what is to be detected and a −1 sample does not, so wrong
   * decisions are false accepts (+1 on a −1 sample) and false rejects (no +1 on a +1 sample), which
   * results count; absent for a classification of ±1, where those words mean nothing
   */
  detection?: boolean
  /** settings fitted on validation data; empty when the rule has none */
  fitted: readonly FittedSetting[]
  /** how the renderer draws one sample (renderer/src/tasks registry) */
  sampleView: string
  /**
   * The method's settings for this task (docs/method.md), per job kind (e.g. 'pipeline',
   * 'train.teacher', 'train.ads'): a job of the task takes them for the parameters the user leaves
   * out (the schema's defaults are the first task's). Shown by `--help` of the kind.
   */
  methodDefaults?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /**
   * Job kinds of this task from before tasks were plug-ins, as stored in old databases, and the
   * generic kind that replaced each (read in their place; their parameters parse as the new kind's).
   */
  formerJobKinds?: Readonly<Record<string, string>>
}
