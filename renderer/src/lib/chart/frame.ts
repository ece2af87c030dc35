// Coalesces work to at most once per animation frame: schedule() as often as you like, the task
// runs once before the next paint.
export class FrameTask {
  private id = 0
  private readonly fn: () => void

  constructor(fn: () => void) {
    this.fn = fn
  }

  schedule(): void {
    if (this.id) return
    this.id = requestAnimationFrame(() => {
      this.id = 0
      this.fn()
    })
  }

  cancel(): void {
    if (this.id) cancelAnimationFrame(this.id)
    this.id = 0
  }
}
