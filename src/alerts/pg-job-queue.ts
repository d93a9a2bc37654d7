import type { PgSession } from '../store/postgres/pg-session';
import type { AlertJob, JobKind, JobQueue } from './alert-jobs';

interface JobRow {
  id: string; // BIGINT arrives as text
  kind: JobKind;
  target: string;
  attempts: number;
}

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === UNIQUE_VIOLATION;

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
  const requeue = (id: string | number, set: string, params: readonly unknown[]) =>
    session.withTx(async () => {
      try {
        await session.withTx(() => session.run(`UPDATE alert_jobs SET status = 'pending'${set} WHERE id = $1`, [id, ...params]));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        await session.run('DELETE FROM alert_jobs WHERE id = $1', [id]);
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
    async claim(kinds, now, limit, busy) {
      if (limit <= 0 || kinds.length === 0) return [];
      return session.withTx(async () => {
        const due = await session.query<JobRow>(
          `SELECT id::text AS id, kind, target, attempts FROM alert_jobs
            WHERE status = 'pending' AND run_at <= $1 AND kind = ANY($2::text[])
            ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
          [now, [...kinds]],
        );
        const claimed: AlertJob[] = [];
        const taken = new Set<string>();
        for (const row of due) {
          const key = `${row.kind}:${row.target}`;
          if (taken.has(key) || busy(row)) continue;
          claimed.push({ id: Number(row.id), kind: row.kind, target: row.target, attempts: row.attempts + 1 });
          taken.add(key);
          if (claimed.length >= limit) break;
        }
        // Rows looked at but not taken are unlocked at commit, for the next claim.
        if (claimed.length > 0) await session.run("UPDATE alert_jobs SET status = 'running', attempts = attempts + 1 WHERE id = ANY($1::bigint[]) AND status = 'pending'", [claimed.map((j) => j.id)]);
        return claimed;
      });
    },
    async complete(id) {
      await session.run('DELETE FROM alert_jobs WHERE id = $1', [id]);
    },
    async retry(job, runAt, error) {
      await requeue(job.id, ', run_at = $2, last_error = $3', [runAt, error]);
    },
    async fail(id, error) {
      await session.run("UPDATE alert_jobs SET status = 'failed', last_error = $1 WHERE id = $2", [error, id]);
    },
    resetRunning() {
      return session.withTx(async () => {
        const running = await session.query<{ id: string }>("SELECT id::text AS id FROM alert_jobs WHERE status = 'running' ORDER BY id FOR UPDATE");
        for (const job of running) await requeue(job.id, '', []);
        return running.length;
      });
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
