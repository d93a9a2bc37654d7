import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import type { Lease } from '../store/lease';

/** What a job brings in line with the store: an incident's messages, a node's diagnosis, a storm summary. */
export type JobKind = 'sync' | 'diagnose' | 'summary' | 'postmortem';

export interface AlertJob {
  id: number;
  kind: JobKind;
  target: string;
  /** Counted by the claim: with `owner`, the fence of every completion. */
  attempts: number;
  owner: string;
  /** Claimed from a holder whose lease ran out (it died or stalled): its in-progress state is interrupted. */
  takeover: boolean;
}

/**
 * The durable work queue behind the webhook's 2xx: written in the same transaction as the alerts, drained by
 * the worker. Jobs are "make Slack match the store" requests, so one pending job per (kind, target) is
 * enough: enqueueing again while one waits is a no-op.
 *
 * A claim leases the job (`lease_owner`, `lease_until`); the holder extends it while the job runs. A running
 * job whose lease ran out belongs to a process that died or stalled and is claimed again by anyone (a
 * takeover). `complete`, `retry`, `fail` and `extend` are fenced: they act only while the row still carries
 * this owner and attempt, and return false otherwise (the lease was lost to another process).
 *
 * Time: on PostgreSQL leases are stamped and compared with the database clock (`clock_timestamp()`), `now`
 * only decides which pending jobs are due; on SQLite `now` is used for both (one process per file).
 */
export interface JobQueue {
  /** Due at `runAt` (default `at`); when one is already pending for the target, nothing changes. */
  enqueue(kind: JobKind, target: string, at: Date, runAt?: Date): Promise<void>;
  /**
   * Leases up to `limit` jobs of these kinds, oldest first: due pending ones and running ones whose lease ran
   * out. Never a target that has a running job with a live lease (in any process), nor one `busy` says this
   * process works on; one job per target per claim.
   */
  claim(kinds: readonly JobKind[], now: Date, limit: number, lease: Lease, busy?: (job: Pick<AlertJob, 'kind' | 'target'>) => boolean): Promise<AlertJob[]>;
  /** Pushes the lease to `ttlMs` from now; false when the lease was lost. */
  extend(job: AlertJob, now: Date, ttlMs: number): Promise<boolean>;
  complete(job: AlertJob): Promise<boolean>;
  /** Back to pending at `runAt` (or dropped when another pending job already covers the same target). */
  retry(job: AlertJob, runAt: Date, error: string): Promise<boolean>;
  fail(job: AlertJob, error: string): Promise<boolean>;
  pendingCount(): Promise<number>;
  failedCount(): Promise<number>;
  /** The earliest run time of a pending job, for the worker's timer. */
  nextRunAt(): Promise<Date | undefined>;
}

interface JobRow {
  id: number;
  kind: JobKind;
  target: string;
  attempts: number;
  status: 'pending' | 'running';
}

/** The job queue on the bot's SQLite store (table `alert_jobs`, migration 30). */
export function createSqliteJobQueue(db: Db): Sync<JobQueue> {
  const insert = db.prepare("INSERT OR IGNORE INTO alert_jobs (kind, target, status, run_at, created_at) VALUES (?, ?, 'pending', ?, ?)");
  // A NULL lease (a row from before leases) counts as expired.
  const claimable = db.prepare(
    `SELECT id, kind, target, attempts, status FROM alert_jobs j
      WHERE ((status = 'pending' AND run_at <= @now) OR (status = 'running' AND (lease_until IS NULL OR lease_until <= @now)))
        AND NOT EXISTS (SELECT 1 FROM alert_jobs r WHERE r.kind = j.kind AND r.target = j.target AND r.status = 'running' AND r.lease_until > @now AND r.id <> j.id)
      ORDER BY id LIMIT 500`,
  );
  const markRunning = db.prepare(
    `UPDATE alert_jobs SET status = 'running', attempts = attempts + 1, lease_owner = @owner, lease_until = @until
      WHERE id = @id AND (status = 'pending' OR (status = 'running' AND (lease_until IS NULL OR lease_until <= @now)))`,
  );
  const FENCE = "id = @id AND status = 'running' AND lease_owner = @owner AND attempts = @attempts";
  const fence = (job: AlertJob) => ({ id: job.id, owner: job.owner, attempts: job.attempts });
  const hasPending = db.prepare("SELECT 1 FROM alert_jobs WHERE kind = ? AND target = ? AND status = 'pending'");
  return {
    enqueue(kind, target, at, runAt = at) {
      insert.run(kind, target, runAt.toISOString(), at.toISOString());
    },
    claim(kinds, now, limit, lease, busy = () => false) {
      if (limit <= 0) return [];
      const at = now.toISOString();
      const until = new Date(now.getTime() + lease.ttlMs).toISOString();
      return db.transaction(() => {
        const claimed: AlertJob[] = [];
        const taken = new Set<string>();
        for (const row of claimable.all({ now: at }) as JobRow[]) {
          const key = `${row.kind}:${row.target}`;
          if (!kinds.includes(row.kind) || taken.has(key) || busy(row)) continue;
          markRunning.run({ id: row.id, owner: lease.owner, until, now: at });
          claimed.push({ id: row.id, kind: row.kind, target: row.target, attempts: row.attempts + 1, owner: lease.owner, takeover: row.status === 'running' });
          taken.add(key);
          if (claimed.length >= limit) break;
        }
        return claimed;
      })();
    },
    extend: (job, now, ttlMs) =>
      db.prepare(`UPDATE alert_jobs SET lease_until = @until WHERE ${FENCE}`).run({ ...fence(job), until: new Date(now.getTime() + ttlMs).toISOString() })
        .changes > 0,
    complete: (job) => db.prepare(`DELETE FROM alert_jobs WHERE ${FENCE}`).run(fence(job)).changes > 0,
    retry(job, runAt, error) {
      return db.transaction(() => {
        if (hasPending.get(job.kind, job.target)) return db.prepare(`DELETE FROM alert_jobs WHERE ${FENCE}`).run(fence(job)).changes > 0;
        return (
          db
            .prepare(`UPDATE alert_jobs SET status = 'pending', run_at = @runAt, last_error = @error, lease_owner = NULL, lease_until = NULL WHERE ${FENCE}`)
            .run({ ...fence(job), runAt: runAt.toISOString(), error }).changes > 0
        );
      })();
    },
    fail: (job, error) =>
      db
        .prepare(`UPDATE alert_jobs SET status = 'failed', last_error = @error, lease_owner = NULL, lease_until = NULL WHERE ${FENCE}`)
        .run({ ...fence(job), error }).changes > 0,
    pendingCount: () => (db.prepare("SELECT COUNT(*) AS n FROM alert_jobs WHERE status IN ('pending', 'running')").get() as { n: number }).n,
    failedCount: () => (db.prepare("SELECT COUNT(*) AS n FROM alert_jobs WHERE status = 'failed'").get() as { n: number }).n,
    nextRunAt() {
      const row = db.prepare("SELECT MIN(run_at) AS at FROM alert_jobs WHERE status = 'pending'").get() as { at: string | null };
      return row.at ? new Date(row.at) : undefined;
    },
  };
}
