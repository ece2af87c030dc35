// Waits, polling every 25 ms, until a check holds (a check that throws counts as not yet); rejects after timeoutMs naming what it waited for.
export function until(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const t0 = Date.now()
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      let ok = false
      try {
        ok = check()
      } catch {
        ok = false
      }
      if (ok) return resolve()
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 25)
    }
    tick()
  })
}
