// What the two stateful trainers (TeacherTrainer in ./teacher.ts, AdsTrainer in ./ads.ts) share: a
// native object that runs epochs asynchronously with progress, per-epoch records and cancellation,
// and counters that throw ERR_BUSY while it runs (one module for both subclasses).
import { guarded, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { check, func, int } from '../check.ts'

export interface RawEpochTrainer<Rec> {
  runEpochs(n: number, onEpoch?: (r: Rec) => void, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<Rec[]>
  readonly epoch: number
  readonly busy: boolean
  readonly bestEpoch: number
  readonly samplesPerEpoch: number
}

export interface EpochRunOptions<Rec> extends RunOptions {
  /** called after every epoch, in order, while the training goes on */
  onEpoch?: (record: Rec) => void
}

export abstract class EpochTrainer<Rec, Raw extends RawEpochTrainer<Rec>> {
  protected readonly raw: Raw

  protected constructor(raw: Raw) {
    this.raw = raw
  }

  /** Runs `epochs` epochs; resolves with their records (also streamed to onEpoch while training). */
  runEpochs(epochs: number, options: EpochRunOptions<Rec> = {}): Promise<Rec[]> {
    check(epochs, int, 'epochs')
    const run = options as EpochRunOptions<Rec> | null
    const onEpoch = typeof run === 'object' && run !== null ? run.onEpoch : undefined
    if (onEpoch !== undefined) check(onEpoch, func, 'onEpoch')
    const listener = guarded(onEpoch)
    return runNative<Rec[], unknown>(
      (_addon, progress, token) => this.raw.runEpochs(epochs, listener, progress, token),
      options,
      ['onProgress', 'signal', 'onEpoch'],
    )
  }
  /** epochs completed */
  get epoch(): number {
    return this.raw.epoch
  }
  /** true while runEpochs runs */
  get busy(): boolean {
    return this.raw.busy
  }
  /** the epoch of the best validation so far (0 before any) */
  get bestEpoch(): number {
    return this.raw.bestEpoch
  }
  get samplesPerEpoch(): number {
    return this.raw.samplesPerEpoch
  }
}
