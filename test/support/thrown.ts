// What a call throws synchronously (undefined when it returns), for tests that check the error itself.
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  return undefined
}
