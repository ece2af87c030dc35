// The text to show for anything a call threw. Server errors already say what was wrong, with which
// input, and what to do; we show them verbatim.
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'string') return err
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message)
  return String(err)
}
