// The wake-phrase task (native/core/tasks/wake_task.*; docs/method.md §2.2, §6): the types of its rule's
// options. It has no native generator (its samples come from the offline corpus or imported
// recordings through the audio front end, ../audio.ts); everything else goes through the generic task
// functions of ./index.ts (taskScore with `fit: true` returns its fitted `boundary`).

export interface WakePhraseRuleOptions {
  /** y_s[t] = alpha·y_s[t−1] + (1 − alpha)·y[t]; default 0.95 */
  alpha?: number
  /** y_s is summed over stretches where y_s ≥ level; default 0.5 */
  level?: number
  /** label +1 when the target ever exceeds it; default 0.5 */
  labelThreshold?: number
  /** boundaries tried when fitting (evenly spaced between the smallest and largest validation score); default 1000 */
  candidates?: number
}

export interface WakePhraseTask {
  source: Record<string, never>
  rule: WakePhraseRuleOptions
}
