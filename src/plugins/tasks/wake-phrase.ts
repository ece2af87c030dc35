// The Node side of the wake-phrase task (docs/method.md §2.2): no native generator and no stream of
// fresh training samples; its datasets are imported recordings (src/plugins/audio-import.ts) through
// the audio front end. Its decision rule is native (taskScore 'wake-phrase').
import type { TaskImpl } from './task.ts'

export const wakePhraseTaskImpl = {
  name: 'wake-phrase',
} as const satisfies TaskImpl
