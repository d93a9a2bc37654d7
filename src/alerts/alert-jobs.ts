import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';

/** What a job brings in line with the store: an incident's messages, a node's diagnosis, a storm summary. */
export type JobKind = 'sync' | 'diagnose' | 'summary' | 'postmortem';

export interface AlertJob {
  id: number;
  kind: JobKind;
  target: string;
  attempts: number;
}

/**
 * The durable work queue behind the webhook's 2xx: written in the same transaction as the alerts, drained by
 * the worker, resumed after a restart. Jobs are "make Slack match the store" requests, so one pending job per
 * (kind, target) is enough: enqueueing again while one waits is a no-op.
 */
export interface JobQueue {
  /** Due at `runAt` (default `at`); when one is already pending for the target, nothing changes. */
  enqueue(kind: JobKind, target: string, at: Date, runAt?: Date): Promise<void>;
  /** Marks up to `limit` due pending jobs of these kinds as running, oldest first, skipping busy targets. */
  claim(kinds: readonly JobKind[], now: Date, limit: number, busy: (job: Pick<AlertJob, 'kind' | 'target'>) => boolean): Promise<AlertJob[]>;
  complete(id: number): Promise<void>;
  /** Back to pending at `runAt` (or dropped when another pending job already covers the same target). */
  retry(job: AlertJob, runAt: Date, error: string): Promise<void>;
  fail(id: number, error: string): Promise<void>;
  /** After a restart: jobs a dead process was running are pending again. */
  resetRunning(): Promise<number>;
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
}

/** The job queue on the bot's SQLite store (table `alert_jobs`, migration 30). */
export function createSqliteJobQueue(db: Db): Sync<JobQueue> {
  const insert = db.prepare("INSERT OR IGNORE INTO alert_jobs (kind, target, status, run_at, created_at) VALUES (?, ?, 'pending', ?, ?)");
  const due = db.prepare("SELECT id, kind, target, attempts FROM alert_jobs WHERE status = 'pending' AND run_at <= ? ORDER BY id LIMIT 500");
  const markRunning = db.prepare("UPDATE alert_jobs SET status = 'running', attempts = attempts + 1 WHERE id = ? AND status = 'pending'");
  const hasPending = db.prepare("SELECT 1 FROM alert_jobs WHERE kind = ? AND target = ? AND status = 'pending'");
  return {
    enqueue(kind, target, at, runAt = at) {
      insert.run(kind, target, runAt.toISOString(), at.toISOString());
    },
    claim(kinds, now, limit, busy) {
      if (limit <= 0) return [];
      return db.transaction(() => {
        const claimed: AlertJob[] = [];
        const taken = new Set<string>();
        for (const row of due.all(now.toISOString()) as JobRow[]) {
          const key = `${row.kind}:${row.target}`;
          if (!kinds.includes(row.kind) || taken.has(key) || busy(row)) continue;
          markRunning.run(row.id);
          claimed.push({ ...row, attempts: row.attempts + 1 });
          taken.add(key);
          if (claimed.length >= limit) break;
        }
        return claimed;
      })();
    },
    complete(id) {
      db.prepare('DELETE FROM alert_jobs WHERE id = ?').run(id);
    },
    retry(job, runAt, error) {
      db.transaction(() => {
        if (hasPending.get(job.kind, job.target)) db.prepare('DELETE FROM alert_jobs WHERE id = ?').run(job.id);
        else db.prepare("UPDATE alert_jobs SET status = 'pending', run_at = ?, last_error = ? WHERE id = ?").run(runAt.toISOString(), error, job.id);
      })();
    },
    fail(id, error) {
      db.prepare("UPDATE alert_jobs SET status = 'failed', last_error = ? WHERE id = ?").run(error, id);
    },
    resetRunning() {
      return db.transaction(() => {
        const running = db.prepare("SELECT id, kind, target, attempts FROM alert_jobs WHERE status = 'running'").all() as JobRow[];
        for (const job of running) {
          if (hasPending.get(job.kind, job.target)) db.prepare('DELETE FROM alert_jobs WHERE id = ?').run(job.id);
          else db.prepare("UPDATE alert_jobs SET status = 'pending' WHERE id = ?").run(job.id);
        }
        return running.length;
      })();
    },
    pendingCount: () => (db.prepare("SELECT COUNT(*) AS n FROM alert_jobs WHERE status IN ('pending', 'running')").get() as { n: number }).n,
    failedCount: () => (db.prepare("SELECT COUNT(*) AS n FROM alert_jobs WHERE status = 'failed'").get() as { n: number }).n,
    nextRunAt() {
      const row = db.prepare("SELECT MIN(run_at) AS at FROM alert_jobs WHERE status = 'pending'").get() as { at: string | null };
      return row.at ? new Date(row.at) : undefined;
    },
  };
}
