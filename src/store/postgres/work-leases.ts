import type { Pool, PoolClient } from 'pg';
import { MIGRATE_LOCK_KEY, PG_SCHEMA_VERSION } from './pg-migrations';

/** A pool or a client inside a transaction: completions can share the transaction of the domain write. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface WorkItem {
  id: string;
  kind: string;
  ref: string;
  payload: unknown;
  dueAt: Date;
  owner: string;
  leaseUntil: Date;
  /** The fencing token: pass it back to `complete`, `extend` and `release`. */
  attempt: number;
  /** True when this claim took the row from an owner whose lease ran out. */
  takeover: boolean;
}

interface Row {
  id: string;
  kind: string;
  ref: string;
  payload: unknown;
  due_at: Date;
  owner: string;
  lease_until: Date;
  attempt: number;
  takeover: boolean;
}

const toItem = (r: Row): WorkItem => ({
  id: r.id,
  kind: r.kind,
  ref: r.ref,
  payload: r.payload,
  dueAt: r.due_at,
  owner: r.owner,
  leaseUntil: r.lease_until,
  attempt: r.attempt,
  takeover: r.takeover,
});

/**
 * Engine work as leased rows. Every time is the database's `now()`, never a replica's clock, so a replica
 * whose clock drifts cannot steal or keep a lease. A claim is one statement: `FOR UPDATE SKIP LOCKED` picks due
 * rows nobody else is claiming at this instant, and the UPDATE stamps owner, lease and attempt + 1. The
 * attempt fences everything after: a replica that stalled past its lease (GC, SIGSTOP, network) and wakes up
 * finds its `complete` refused, because the row now carries the new owner's attempt.
 */
export class WorkLeases {
  constructor(
    private readonly db: Queryable,
    /** The schema this code knows: no claims once a newer release has migrated the database. */
    private readonly schemaVersion: number = PG_SCHEMA_VERSION,
  ) {}

  /** Adds a due item for a domain row; a pending item for the same kind and ref is kept (false). */
  async enqueue(kind: string, ref: string, options: { delayMs?: number; payload?: unknown } = {}): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO work_items (kind, ref, payload, due_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
       ON CONFLICT (kind, ref) WHERE status = 'pending' DO NOTHING`,
      [kind, ref, JSON.stringify(options.payload ?? {}), options.delayMs ?? 0],
    );
    return rowCount === 1;
  }

  /**
   * Claims up to `limit` due items of `kind` for `owner`: unleased ones and ones whose lease ran out. Returns
   * nothing while a migration holds the schema lock or when the database is newer than this code.
   */
  async claimDue(kind: string, owner: string, leaseMs: number, limit: number): Promise<WorkItem[]> {
    const { rows } = await this.db.query<Row>(
      `WITH gate AS (
         SELECT pg_try_advisory_xact_lock_shared($5::bigint) AS free
          WHERE NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version > $6)
       ), picked AS (
         SELECT id, lease_until IS NOT NULL AS takeover FROM work_items
          WHERE kind = $1 AND status = 'pending' AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())
            AND (SELECT free FROM gate)
          ORDER BY due_at, id
          LIMIT $4
          FOR UPDATE SKIP LOCKED
       )
       UPDATE work_items w SET owner = $2, lease_until = now() + make_interval(secs => $3::double precision / 1000),
              attempt = w.attempt + 1, takeovers = w.takeovers + picked.takeover::int
         FROM picked WHERE w.id = picked.id
       RETURNING w.id::text AS id, w.kind, w.ref, w.payload, w.due_at, w.owner, w.lease_until, w.attempt, picked.takeover`,
      [kind, owner, leaseMs, limit, MIGRATE_LOCK_KEY.toString(), this.schemaVersion],
    );
    return rows.map(toItem);
  }

  /** Marks the item done if `owner` still holds it at `attempt`; false means another replica took it over. */
  async complete(id: string, owner: string, attempt: number, db: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE work_items SET status = 'done', finished_at = now(), lease_until = NULL
        WHERE id = $1 AND owner = $2 AND attempt = $3 AND status = 'pending'`,
      [id, owner, attempt],
    );
    return rowCount === 1;
  }

  /** Pushes the lease forward while the work runs (a compaction watch, a slow pager); fenced like `complete`. */
  async extend(id: string, owner: string, attempt: number, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE work_items SET lease_until = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1 AND owner = $2 AND attempt = $3 AND status = 'pending'`,
      [id, owner, attempt, leaseMs],
    );
    return rowCount === 1;
  }

  /** Gives the item back to run again after `delayMs` (a failed attempt); fenced like `complete`. */
  async release(id: string, owner: string, attempt: number, delayMs: number, error?: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE work_items SET owner = NULL, lease_until = NULL, last_error = $5,
              due_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1 AND owner = $2 AND attempt = $3 AND status = 'pending'`,
      [id, owner, attempt, delayMs, error ?? null],
    );
    return rowCount === 1;
  }

  /** For /metrics: leases this owner holds now, and pending items overdue by more than a second. */
  async stats(owner: string): Promise<{ leasesHeld: number; overdue: number; takeovers: number }> {
    const { rows } = await this.db.query<{ held: number; overdue: number; takeovers: number }>(
      `SELECT count(*) FILTER (WHERE owner = $1 AND lease_until >= now())::int AS held,
              count(*) FILTER (WHERE due_at < now() - interval '1 second' AND (lease_until IS NULL OR lease_until < now()))::int AS overdue,
              COALESCE(sum(takeovers), 0)::int AS takeovers
         FROM work_items WHERE status = 'pending'`,
      [owner],
    );
    const r = rows[0]!;
    return { leasesHeld: r.held, overdue: r.overdue, takeovers: r.takeovers };
  }
}
