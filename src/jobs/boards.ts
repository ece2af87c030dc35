// Boards for the job kinds that run on one (hil, deploy, finetune): the `target` parameter as a
// board's address, worded as a parameter error.
import { boardAddressOf } from '../hardware/transport.ts'
import type { Store } from '../store/index.ts'
import { fieldError } from './prechecks.ts'

/** A job's `target`, a board address or a saved board's name, as the board's canonical address; null for an execution target name. */
export function targetBoardAddress(store: Store, target: string, kind: 'hil' | 'finetune' | 'deploy'): string | null {
  try {
    return boardAddressOf(store.boards, target)
  } catch (e) {
    throw fieldError(kind, 'target', `is not a board address: ${e instanceof Error ? e.message : String(e)}`)
  }
}
