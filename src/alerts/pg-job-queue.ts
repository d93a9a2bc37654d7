import type { PgSession } from '../store/postgres/pg-session';
import type { AlertJob, JobKind, JobQueue } from './alert-jobs';

interface JobRow {
  id: string; // BIGINT arrives as text
  kind: JobKind;
  target: string;
  attempts: number;
  status: 'pending' | 'running';
}

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === UNIQUE_VIOLATION;

/**
 * Rows read beyond twice a claim's limit, for the ones `busy` skips: targets this process runs whose lease ran
 * out while it stalled (their running row and its pending twin), two for each of the worker's 16 + 4 jobs.
 */
const CLAIM_MARGIN = 40;

/**
 * The alert job queue on PostgreSQL (table `alert_jobs` of PG migration 30). A claim locks the due rows it
 * looks at with `FOR UPDATE SKIP LOCKED`, so two replicas claiming at once each get other jobs and never the
 * same one; the UPDATE to `running` re-checks `pending`, so a job claimed just before is not taken again.
 */
export function createPgJobQueue(session: PgSession): JobQueue {
  /**
   * Back to pending, or dropped when another pending job covers the same target. The unique index decides,
   * not a prior look-up: a replica enqueueing the same target concurrently is seen even before it commits.
   */
  const FENCE = "id = $1 AND status = 'running' AND lease_owner = $2 AND attempts = $3";
  const fence = (job: AlertJob) => [job.id, job.owner, job.attempts] as const;
  const until = (ttlMs: number) => `clock_timestamp() + make_interval(secs => ${Number(ttlMs)}::double precision / 1000)`;
  /**
   * Back to pending, or dropped when another pending job covers the same target. The unique index decides,
   * not a prior look-up: a replica enqueueing the same target concurrently is seen even before it commits.
   */
  const requeue = (job: AlertJob, set: string, params: readonly unknown[]) =>
    session.withTx(async () => {
      try {
        return await session.withTx(
          async () =>
            (await session.run(`UPDATE alert_jobs SET status = 'pending', lease_owner = NULL, lease_until = NULL${set} WHERE ${FENCE}`, [
              ...fence(job),
              ...params,
            ])) > 0,
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return (await session.run(`DELETE FROM alert_jobs WHERE ${FENCE}`, fence(job))) > 0;
      }
    });
  return {
    async enqueue(kind, target, at, runAt = at) {
      await session.run(
        `INSERT INTO alert_jobs (kind, target, status, run_at, created_at) VALUES ($1, $2, 'pending', $3, $4)
         ON CONFLICT (kind, target) WHERE status = 'pending' DO NOTHING`,
        [kind, target, runAt, at],
      );
    },
    async claim(kinds, now, limit, lease, busy = () => false) {
      if (limit <= 0 || kinds.length === 0) return [];
      return session.withTx(async () => {
        // A NULL lease (a row from before leases) counts as expired. A target whose running job holds a live
        // lease is skipped: its holder may be another replica. Every row returned is row-locked (a write per
        // row), so only as many are read as this claim can take, with room for the ones it skips below (at most
        // two rows per target, and targets this process runs). It read 500 for the one or two free slots of a
        // busy worker, on every pump of every replica: up to 500 row locks a pump while a storm's jobs queue.
        const due = await session.query<JobRow>(
          `SELECT id::text AS id, kind, target, attempts, status FROM alert_jobs j
            WHERE ((status = 'pending' AND run_at <= $1) OR (status = 'running' AND (lease_until IS NULL OR lease_until <= clock_timestamp())))
              AND kind = ANY($2::text[])
              AND NOT EXISTS (SELECT 1 FROM alert_jobs r WHERE r.kind = j.kind AND r.target = j.target AND r.status = 'running' AND r.lease_until > clock_timestamp() AND r.id <> j.id)
            ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [now, [...kinds], Math.min(500, 2 * limit + CLAIM_MARGIN)],
        );
        const picked: JobRow[] = [];
        const taken = new Set<string>();
        for (const row of due) {
          const key = `${row.kind}:${row.target}`;
          if (taken.has(key) || busy(row)) continue;
          picked.push(row);
          taken.add(key);
          if (picked.length >= limit) break;
        }
        if (picked.length === 0) return [];
        // Rows looked at but not taken are unlocked at commit, for the next claim. The conditions are checked
        // again under the row lock: a row claimed by another replica just before is not taken twice.
        const won = await session.query<{ id: string }>(
          `UPDATE alert_jobs SET status = 'running', attempts = attempts + 1, lease_owner = $2, lease_until = ${until(lease.ttlMs)}
            WHERE id = ANY($1::bigint[]) AND (status = 'pending' OR (status = 'running' AND (lease_until IS NULL OR lease_until <= clock_timestamp())))
            RETURNING id::text AS id`,
          [picked.map((j) => j.id), lease.owner],
        );
        const ids = new Set(won.map((r) => r.id));
        return picked
          .filter((row) => ids.has(row.id))
          .map(
            (row): AlertJob => ({
              id: Number(row.id),
              kind: row.kind,
              target: row.target,
              attempts: row.attempts + 1,
              owner: lease.owner,
              takeover: row.status === 'running',
            }),
          );
      });
    },
    async extend(job, _now, ttlMs) {
      return (await session.run(`UPDATE alert_jobs SET lease_until = ${until(ttlMs)} WHERE ${FENCE}`, fence(job))) > 0;
    },
    async complete(job) {
      return (await session.run(`DELETE FROM alert_jobs WHERE ${FENCE}`, fence(job))) > 0;
    },
    retry(job, runAt, error) {
      return requeue(job, ', run_at = $4, last_error = $5', [runAt, error]);
    },
    async fail(job, error) {
      return (
        (await session.run(`UPDATE alert_jobs SET status = 'failed', last_error = $4, lease_owner = NULL, lease_until = NULL WHERE ${FENCE}`, [
          ...fence(job),
          error,
        ])) > 0
      );
    },
    async pendingCount() {
      return (await session.one<{ n: number }>("SELECT COUNT(*)::int AS n FROM alert_jobs WHERE status IN ('pending', 'running')"))?.n ?? 0;
    },
    async failedCount() {
      return (await session.one<{ n: number }>("SELECT COUNT(*)::int AS n FROM alert_jobs WHERE status = 'failed'"))?.n ?? 0;
    },
    async nextRunAt() {
      const row = await session.one<{ at: Date | null }>("SELECT MIN(run_at) AS at FROM alert_jobs WHERE status = 'pending'");
      return row?.at ?? undefined;
    },
  };
}
