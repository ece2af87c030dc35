// Small helpers shared by the repositories.
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString()
}

/** A SQLite UNIQUE violation, for turning into a CONFLICT with a useful message. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function parseJsonObject(text: string | null): Record<string, unknown> {
  if (!text) return {}
  const v = JSON.parse(text) as unknown
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}
