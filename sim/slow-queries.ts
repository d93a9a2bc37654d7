/** One entry of `GET /v1/admin/slow-queries`, in StemeDB's snake_case JSON. */
export interface SlowQuery {
  query_id: string;
  query: string;
  duration_ms: number;
  started_at: string;
  waiting_on: string | null;
  state: 'running' | 'waiting_for_lock';
}

const QUERIES = [
  { query: 'BATCH PUT assertions (2500 rows) /* bulk import */', base: 48_000, waiting: null },
  { query: "SCAN assertions WHERE subject_prefix = 'org/' FOR UPDATE", base: 21_000, waiting: 'kv write lock (partition 7)' },
  { query: 'PUT votes/assertion/884213', base: 9_500, waiting: 'kv write lock (partition 7)' },
  { query: 'SUPERSEDE assertion/771020 -> assertion/771311', base: 6_200, waiting: 'kv write lock (partition 3)' },
] as const;

/**
 * The long-running transactions a lock-contended node reports: one bulk writer holding the lock and the
 * writers queued behind it. Durations grow from `sinceMs` (when the contention began), as they would while
 * the incident goes on.
 */
export function slowQueries(nowMs: number, sinceMs: number): SlowQuery[] {
  return QUERIES.map((q, i) => {
    const duration = Math.round(q.base + Math.max(0, nowMs - sinceMs));
    return {
      query_id: `q-${(0x5f3a10 + i * 7919).toString(16)}`,
      query: q.query,
      duration_ms: duration,
      started_at: new Date(nowMs - duration).toISOString(),
      waiting_on: q.waiting,
      state: q.waiting ? 'waiting_for_lock' : 'running',
    };
  });
}
