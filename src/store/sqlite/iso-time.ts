/**
 * SQLite stores every time as ISO-8601 UTC text (`Date.toISOString()`), which sorts and compares as time.
 * Repositories whose callers count in epoch milliseconds (the escalation engine, the process lock) convert
 * at their boundary with these.
 */
export function isoOfMs(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOfMsOrNull(ms: number | null): string | null {
  return ms === null ? null : isoOfMs(ms);
}

export function msOfIso(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`not an ISO-8601 time in the store: ${JSON.stringify(text)}`);
  return ms;
}

export function msOfIsoOrNull(text: string | null): number | null {
  return text === null ? null : msOfIso(text);
}
