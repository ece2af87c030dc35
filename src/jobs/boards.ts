// Boards for the job kinds that run on one (hil, deploy, finetune): the `target` parameter as a
// board's address, worded as a parameter error; the board's lease and connection for a run.
import { BoardClient } from '../hardware/client.ts'
import { ProtocolError } from '../hardware/protocol/errors.ts'
import { boardAddressOf } from '../hardware/transport.ts'
import { AppError } from '../shared/errors.ts'
import type { Store } from '../store/index.ts'
import { hostName } from '../system/version.ts'
import { pidAlive } from '../system/process.ts'
import type { JobContext } from './context.ts'
import { fieldError } from './prechecks.ts'

/** A job's `target`, a board address or a saved board's name, as the board's canonical address; null for an execution target name. */
export function targetBoardAddress(store: Store, target: string, kind: 'hil' | 'finetune' | 'deploy'): string | null {
  try {
    return boardAddressOf(store.boards, target)
  } catch (e) {
    throw fieldError(kind, 'target', `is not a board address: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** A board held by a run: the connection, and `release` that closes it and gives the board's lease back (once). */
export interface LeasedBoard {
  client: BoardClient
  release(): Promise<void>
}

/**
 * Takes the board's lease for the run (one user at a time; a lease of a dead process is taken over)
 * and connects to it; when the connection fails the lease is given back and the error thrown as
 * `failed` words it (by default: the board could not be reached).
 */
export async function leaseBoard(ctx: JobContext, address: string, kind: 'hil' | 'deploy' | 'finetune', failed: (e: unknown) => unknown = (e) => unreachable(e, address)): Promise<LeasedBoard> {
  const { store } = ctx
  store.boardLeases.acquire(address, { holder: `run ${ctx.runId} (${kind})`, runId: ctx.runId, pid: process.pid }, { host: hostName(), alive: pidAlive, staleMs: 30_000 })
  let client: BoardClient
  try {
    ctx.progress(0, `connecting to the board at ${address}`, true)
    client = await BoardClient.connect(address)
  } catch (e) {
    store.boardLeases.release(address, process.pid, hostName())
    throw failed(e)
  }
  let held = true
  return {
    client,
    async release() {
      if (!held) return
      held = false
      await client.close().catch(() => {})
      store.boardLeases.release(address, process.pid, hostName())
    },
  }
}

/** A failed connection to a board as the jobs report it: a protocol error says the board could not be reached. */
function unreachable(e: unknown, address: string): unknown {
  return e instanceof ProtocolError ? new AppError('UNSUPPORTED', `the board at ${address} could not be reached: ${e.message} (code ${e.code})`) : e
}
