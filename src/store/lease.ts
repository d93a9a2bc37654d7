import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A claim on a row of engine work (an alert job, an outbox page): who holds it and for how long. The holder
 * extends it while the work runs; once it runs out, any process may take the row over. Completions are
 * fenced by owner and attempt, so a holder that stalled past its lease (SIGSTOP, GC) changes nothing when
 * it wakes up.
 *
 * Time: on PostgreSQL the lease is stamped and compared with the database's `clock_timestamp()`, never a
 * replica's clock; on SQLite the caller's clock is used (one process per file, held by the process lock).
 */
export interface Lease {
  /** `<hostname>:<pid>:<random>`: one per process (createLeaseOwner). */
  owner: string;
  ttlMs: number;
}

/** What fences a completion: the holder and the attempt its claim counted. */
export interface LeaseToken {
  owner: string;
  attempt: number;
}

/** This process's lease owner id; the random part tells a restarted process from its predecessor with the same pid. */
export function createLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
