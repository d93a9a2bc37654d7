import { hostname } from 'node:os';
import type { Db, Migration } from './database';
import { isoOfMs, msOfIso } from './sqlite/iso-time';

/** Versions 6-7 (core range): the row naming the bot process that owns the store. */
export const PROCESS_LOCK_MIGRATIONS: Migration[] = [
  {
    version: 6,
    name: 'the bot process that owns the store',
    sql: `
      CREATE TABLE process_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since INTEGER NOT NULL,          -- epoch ms
        heartbeat_at INTEGER NOT NULL    -- epoch ms, renewed while the holder runs
      );
    `,
  },
  {
    version: 7,
    name: 'process lock times as ISO-8601 UTC text, like every other table',
    sql: `
      CREATE TABLE process_lock_new (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL       -- renewed while the holder runs
      );
      INSERT INTO process_lock_new (id, pid, host, since, heartbeat_at)
        SELECT id, pid, host, strftime('%Y-%m-%dT%H:%M:%fZ', since / 1000.0, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%fZ', heartbeat_at / 1000.0, 'unixepoch')
          FROM process_lock;
      DROP TABLE process_lock;
      ALTER TABLE process_lock_new RENAME TO process_lock;
    `,
  },
];

export interface LockHolder {
  pid: number;
  host: string;
  since: number;
  heartbeatAt: number;
}

export class ProcessLockError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
    now: number,
  ) {
    super(
      `another stemedb-chatops process runs on ${path}: pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()} ` +
        `(last heartbeat ${Math.round((now - holder.heartbeatAt) / 1000)} s ago). One bot per store: stop that one first, or use ` +
        '`stemedb-chatops shell`, which reads the store and leaves pages, jobs and locks to the bot.',
    );
    this.name = 'ProcessLockError';
  }
}

export interface ProcessLockOptions {
  path: string;
  now?: () => number;
  pid?: number;
  host?: string;
  /** A holder whose heartbeat is older than this is gone (its pid may have been reused). */
  staleAfterMs?: number;
  heartbeatMs?: number;
  /** Whether a pid on this host still runs. */
  isAlive?: (pid: number) => boolean;
}

export interface ProcessLock {
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * One bot per SQLite file (SPEC 11): taken in an IMMEDIATE transaction, so of two processes starting together
 * one wins. A holder on this host whose pid is dead, or any holder silent for `staleAfterMs`, is taken over:
 * a crashed bot never blocks its restart.
 */
export function acquireProcessLock(db: Db, options: ProcessLockOptions): ProcessLock {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const host = options.host ?? hostname();
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const isAlive = options.isAlive ?? pidAlive;
  db.transaction(() => {
    const stored = db.prepare('SELECT pid, host, since, heartbeat_at AS heartbeatAt FROM process_lock WHERE id = 1').get() as
      | { pid: number; host: string; since: string; heartbeatAt: string }
      | undefined;
    const row: LockHolder | undefined = stored && { ...stored, since: msOfIso(stored.since), heartbeatAt: msOfIso(stored.heartbeatAt) };
    const at = now();
    if (row) {
      const gone = (row.host === host && row.pid !== pid && !isAlive(row.pid)) || at - row.heartbeatAt > staleAfterMs;
      if (!gone) throw new ProcessLockError(options.path, row, at);
    }
    db.prepare(
      'INSERT INTO process_lock (id, pid, host, since, heartbeat_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since, heartbeat_at = excluded.heartbeat_at',
    ).run(pid, host, isoOfMs(at), isoOfMs(at));
  }).immediate();
  const timer = setInterval(() => {
    try {
      db.prepare('UPDATE process_lock SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND host = ?').run(isoOfMs(now()), pid, host);
    } catch {
      // The store is closing: the next start sees a dead pid or a stale heartbeat.
    }
  }, options.heartbeatMs ?? 10_000);
  timer.unref?.();
  return {
    release() {
      clearInterval(timer);
      db.prepare('DELETE FROM process_lock WHERE id = 1 AND pid = ? AND host = ?').run(pid, host);
    },
  };
}
