// Boards for the job kinds that run on one (hil, deploy, finetune): the `target` parameter as a
// board's address, worded as a parameter error; the board's lease and connection for a run; a stored
// deployment run to run on it (hil, finetune), refused when it does not fit the board.
import { BoardClient } from '../hardware/client.ts'
import { ProtocolError } from '../hardware/protocol/errors.ts'
import { boardAddressOf, boardLeaseKey } from '../hardware/transport.ts'
import { configurationMisfit, mappingMessage, type Mapping, type MappingReport, type MapWatch } from '../plugins/deploy/map.ts'
import type { DeployedConfiguration } from '../shared/board.ts'
import { AppError } from '../shared/errors.ts'
import type { Store } from '../store/index.ts'
import { hostName } from '../system/version.ts'
import { pidAlive } from '../system/process.ts'
import type { JobContext } from './context.ts'
import { fieldError, runOfKind } from './prechecks.ts'

/**
 * A mapping phase of a job (deploy, hil, finetune; seconds at N = 768): said at once, its share done
 * as a percentage while it runs, stopped by the job's cancel.
 */
export function mappingWatch(ctx: JobContext): MapWatch {
  ctx.progress(0, mappingMessage, true)
  return { signal: ctx.signal, onProgress: (f) => ctx.setup(mappingMessage, f) }
}

/** A stored artifact of UTF-8 text (a deployment's configuration and report, as JSON) as a string. */
export const textOf = (a: { data: ArrayLike<number> }): string => new TextDecoder().decode(a.data as Uint8Array)

/** A deployment run as stored: its configuration, mapping report and mapped weights, and its time step. */
export type StoredDeployment = Mapping & { configuration: DeployedConfiguration; dtMs: number }

/** A stored deployment run as a mapping (its configuration, report and mapped weights), checked against the job's network (`deployment` of a hil or finetune job). */
export function storedDeployment(store: Store, kind: 'hil' | 'finetune', id: number, network: number): StoredDeployment {
  const run = runOfKind(store, kind, 'deployment', id, ['deployment'])
  if (run.params.network !== network) {
    throw fieldError(kind, 'deployment', `is run ${id} “${run.name}”, a deployment of network run ${String(run.params.network)}, not of network run ${network}: choose a deployment of network run ${network} (\`mimic deploy ${network} --target …\`), or leave --deployment out to map the network afresh.`)
  }
  const config = store.artifacts.find(id, 'configuration')
  const report = store.artifacts.find(id, 'report')
  if (!config || !report) throw fieldError(kind, 'deployment', `is run ${id} “${run.name}”, which stored no configuration: deploy the network again.`)
  const rep = JSON.parse(textOf(report)) as MappingReport & { dtMs?: number }
  const m = (name: string) => store.artifacts.find(id, name)?.data as Float32Array | undefined
  const wIn = m('mapped.wIn')
  const omegaF = m('mapped.omegaF')
  const omegaS = m('mapped.omegaS')
  return { configuration: JSON.parse(textOf(config)) as DeployedConfiguration, report: rep, mapped: wIn && omegaF && omegaS ? { wIn, omegaF, omegaS } : null, dtMs: rep.dtMs ?? 1 }
}

/**
 * Refuses deployment run `id` when its configuration does not fit the board connected to (its
 * handshake: weight scheme, chips, cores, fan-in): the board is given back first, then the error is
 * thrown naming the board and the fix.
 */
export async function checkDeploymentFitsBoard(board: LeasedBoard, address: string, kind: 'hil' | 'finetune', id: number, deployment: StoredDeployment, note?: (text: string) => void): Promise<void> {
  const h = board.client.handshake
  const why = configurationMisfit(deployment.configuration, h)
  if (!why) {
    // made on another chip: the configuration is the same network, but that chip's mismatch is not this one's
    const made = (deployment.report as { board?: { serialNumber?: string; address?: string } }).board
    if (made?.serialNumber !== undefined && made.serialNumber !== h.serialNumber) {
      note?.(
        `deployment run ${id} was made on the board ${made.serialNumber}${made.address ? ` (at ${made.address})` : ''}; this run is on the board ${h.serialNumber} at ${address}: the same configuration, on another chip (its own mismatch), so its expected accuracy and a read-out refitted on ${made.serialNumber} need not hold here (\`mimic deploy\` or \`mimic finetune\` with --target ${address} measure this one)`,
      )
    }
    return
  }
  await board.release()
  throw fieldError(kind, 'deployment', `is run ${id}, which does not fit the board at ${address} (${h.model}, ${h.chips} chip(s), ${h.weightScheme.toUpperCase()}): ${why}. Deploy for this board's scheme, or leave --deployment out to map the network for it.`)
}

/** A job's `target`, a board address or a saved board's name, as the board's canonical address; null for an execution target name. */
export function targetBoardAddress(store: Store, target: string, kind: 'hil' | 'finetune' | 'deploy'): string | null {
  try {
    return boardAddressOf(store.boards, target)
  } catch (e) {
    throw fieldError(kind, 'target', `is not a board address: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** Leases of another host whose heartbeat is older than this are taken for gone (as the front doors' BoardDesk does). */
const leaseStaleMs = 30_000
const leaseBeatMs = 5_000

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
  // the lease is the board's, however its address was written (taken and given back under one key)
  const key = boardLeaseKey(address)
  store.boardLeases.acquire(key, { holder: `run ${ctx.runId} (${kind})`, runId: ctx.runId, pid: process.pid }, { host: hostName(), alive: pidAlive, staleMs: leaseStaleMs })
  // the lease's heartbeat: a process of another host on the database takes a lease without one for gone
  const beat = setInterval(() => {
    try {
      store.boardLeases.heartbeat(process.pid, hostName())
    } catch {
      // a busy database skips one heartbeat
    }
  }, leaseBeatMs)
  beat.unref()
  let client: BoardClient
  try {
    ctx.progress(0, `connecting to the board at ${address}`, true)
    client = await BoardClient.connect(address)
  } catch (e) {
    clearInterval(beat)
    store.boardLeases.release(key, process.pid, hostName())
    throw failed(e)
  }
  let held = true
  return {
    client,
    async release() {
      if (!held) return
      held = false
      clearInterval(beat)
      await client.close().catch(() => {})
      store.boardLeases.release(key, process.pid, hostName())
    },
  }
}

/** What to do about a failure of the board link, by its code ('' when its message says it already). */
export function linkAdvice(e: ProtocolError): string {
  switch (e.code) {
    case 'CLOSED':
      return ': check that the board (or its `mimic board emulate`) still runs and is plugged in, then run again'
    case 'STALLED':
    case 'TIMEOUT':
      return ': check the cable or network and that the board (or its bridge) still runs, then run again'
    case 'BAD_FRAME':
    case 'CHECKSUM':
      return ': the board or its bridge sent data the protocol does not allow; check the cable and the bridge (docs/board-protocol.md), then run again'
    default:
      return ''
  }
}

/** A failure of the board link in the middle of a job's work, as its error: what happened, what to do, what was kept. */
export function linkFailed(e: unknown, address: string, kept: string): unknown {
  if (!(e instanceof ProtocolError) || e.code === 'CANCELLED') return e
  return new AppError('UNSUPPORTED', `the board link to ${address} failed: ${e.message}${linkAdvice(e)} (code ${e.code}); ${kept}`)
}

/** A failed connection to a board as the jobs report it: a protocol error says the board could not be reached. */
function unreachable(e: unknown, address: string): unknown {
  return e instanceof ProtocolError ? new AppError('UNSUPPORTED', `the board at ${address} could not be reached: ${e.message} (code ${e.code})`) : e
}
