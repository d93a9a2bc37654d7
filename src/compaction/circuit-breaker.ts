const HOUR_MS = 3_600_000;

export type BreakerDecision = { allowed: true; recent: number } | { allowed: false; recent: Date[]; limit: number; nextAllowedAt: Date };

/**
 * At most `limit` compactions per node in any hour: a compaction that did not help is not retried in a loop
 * at 3 a.m. Pure: takes the start times of the node's recent runs.
 * @example breakerDecision([t1, t2], now, 2) // { allowed: false, nextAllowedAt: t1 + 1h, ... }
 */
export function breakerDecision(starts: readonly Date[], now: Date, limit: number): BreakerDecision {
  const windowStart = now.getTime() - HOUR_MS;
  const recent = starts.filter((s) => s.getTime() > windowStart && s.getTime() <= now.getTime()).sort((a, b) => a.getTime() - b.getTime());
  if (recent.length < limit) return { allowed: true, recent: recent.length };
  // The run that has to leave the window for one more to fit.
  const pivot = recent[recent.length - limit]!;
  return { allowed: false, recent, limit, nextAllowedAt: new Date(pivot.getTime() + HOUR_MS) };
}

/** The hour the breaker looks back over. */
export function breakerWindowStart(now: Date): Date {
  return new Date(now.getTime() - HOUR_MS);
}
