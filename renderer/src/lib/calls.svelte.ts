// How views call the server: a value they keep current (Resource), a call the user starts from a
// form or a button (Submission), and reads started by an effect whose answer may come too late to
// be shown (whileCurrent). Failures become the server's message, shown as it is (errors.ts).
import { tick } from 'svelte'
import { messageOf } from './errors.ts'

/**
 * A value got by `read` and kept current by the view: `load()` reads it again, and only the
 * answer of the latest call is kept (an older one arriving late is dropped); `schedule()` coalesces
 * a burst of events into one reload, `cancel()` drops a scheduled one.
 */
export class Resource<T> {
  value = $state() as T
  /** the message of the latest call, if it failed */
  error = $state<string | null>(null)
  /** set once a call has answered (or failed) */
  loaded = $state(false)
  private seq = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly read: () => Promise<T>,
    initial: T,
  ) {
    this.value = initial
  }

  async load(): Promise<void> {
    const mine = ++this.seq
    try {
      const value = await this.read()
      if (mine !== this.seq) return
      this.value = value
      this.error = null
    } catch (err) {
      if (mine === this.seq) this.error = messageOf(err)
    } finally {
      if (mine === this.seq) this.loaded = true
    }
  }

  schedule(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.load(), 60)
  }

  cancel(): void {
    clearTimeout(this.timer)
  }
}

/**
 * A call the user starts (a form's submit, a button): `pending` while it runs (starting another
 * meanwhile does nothing), `error` the message it failed with, cleared when the next one starts.
 */
export class Submission {
  pending = $state(false)
  error = $state<string | null>(null)

  /**
   * Runs `call` unless one is running; on failure sets `error` and hands the message (and the error
   * itself: its `field` and `details`) to `onerror`, once the view shows the form enabled again (a
   * field disabled while the call ran cannot take the focus).
   */
  async run(call: () => Promise<void>, onerror?: (message: string, err: unknown) => void): Promise<void> {
    if (this.pending) return
    this.pending = true
    this.error = null
    let failure: { message: string; err: unknown } | null = null
    try {
      await call()
    } catch (err) {
      this.error = messageOf(err)
      failure = { message: this.error, err }
    } finally {
      this.pending = false
    }
    if (failure && onerror) {
      await tick()
      onerror(failure.message, failure.err)
    }
  }
}

/**
 * For a read started in an $effect: hands what `promise` resolves to to `done` (a failure to
 * `fail`) unless the effect has re-run or ended meanwhile. Returns the effect's teardown.
 */
export function whileCurrent<T>(promise: Promise<T>, done: (value: T) => void, fail: (err: unknown) => void = () => {}): () => void {
  let stale = false
  promise.then(
    (value) => {
      if (!stale) done(value)
    },
    (err: unknown) => {
      if (!stale) fail(err)
    },
  )
  return () => {
    stale = true
  }
}

/**
 * Renaming something in place (a project's row, a run's page): `start` opens the field with the
 * current name selected, `stop` closes it and gives the focus back to the Rename button, `save`
 * sends the new name and closes the field, or keeps it open with the server's message and the focus
 * in the field. Enter saves and Escape cancels (the view's form and its onEscape).
 */
export class InlineRename {
  editing = $state(false)
  name = $state('')
  readonly submission = new Submission()
  /** the name field and the Rename button (bound by the view) */
  input = $state<HTMLInputElement>()
  button = $state<HTMLButtonElement>()

  async start(current: string): Promise<void> {
    this.name = current
    this.submission.error = null
    this.editing = true
    await tick()
    this.input?.select()
  }

  async stop(): Promise<void> {
    this.editing = false
    this.submission.error = null
    await tick()
    this.button?.focus()
  }

  /** the form's submit: `rename` stores the name (and whatever the view does after it) */
  save(e: SubmitEvent, rename: (name: string) => Promise<unknown>): void {
    e.preventDefault()
    void this.submission.run(
      async () => {
        await rename(this.name)
        await this.stop()
      },
      () => this.input?.focus(),
    )
  }
}
