import { randomBytes } from 'node:crypto';
import type { Lease } from '../store/lease';
import type { PgSession } from '../store/postgres/pg-session';
import { ADVISORY_CLASS, isoOf, isoOrNull, numberOf, numberOrNull } from '../store/postgres/pg-row-values';
import { breakerDecision, breakerWindowStart } from './circuit-breaker';
import {
  LOCK_COLUMNS,
  lockFromRow,
  type AcquireResult,
  type CompactionLock,
  type CompactionLockStore,
  type LockPatch,
  type LockRow,
} from './compaction-lock-store';

/** As `pg` reads it: BIGINT as text, TIMESTAMPTZ as a Date, the figures as parsed JSONB. */
type PgLockRow = Omit<LockRow, 'audit_id' | 'run_id' | 'acquired_at' | 'started_at' | 'expires_at'> & {
  audit_id: string | null;
  run_id: string;
  acquired_at: Date;
  started_at: Date | null;
  expires_at: Date;
};

const fromRow = (row: PgLockRow): CompactionLock =>
  lockFromRow({
    ...row,
    audit_id: numberOrNull(row.audit_id),
    run_id: numberOf(row.run_id),
    acquired_at: isoOf(row.acquired_at),
    started_at: isoOrNull(row.started_at),
    expires_at: isoOf(row.expires_at),
  });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7396 merge patch, what SQLite's `json_patch` does: a null in the patch removes the key. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * The PostgreSQL twin of createSqliteCompactionLockStore. SQLite's acquire is one IMMEDIATE transaction; here
 * it is one transaction holding an advisory lock on the node, so acquisitions for one node (from any replica)
 * run one after the other: the confirmation is used up first (its primary key decides a double click), then the
 * lock row is read `FOR UPDATE`, the breaker counts committed runs, and the run and the lock are written.
 */
export function createPgCompactionLockStore(session: PgSession): CompactionLockStore {
  const row = (node: string, lock = false) => session.one<PgLockRow>(`SELECT * FROM compaction_locks WHERE node = $1${lock ? ' FOR UPDATE' : ''}`, [node]);
  const recentStarts = async (node: string, at: Date) =>
    (
      await session.query<{ started_at: Date }>(
        "SELECT started_at FROM compaction_runs WHERE node = $1 AND started_at > $2 AND COALESCE(detail_json ->> 'nothingPending', '0') IN ('0', 'false') ORDER BY started_at",
        [node, breakerWindowStart(at)],
      )
    ).map((r) => new Date(r.started_at.getTime()));

  // Watch leases are stamped and compared with the database clock, as alert job leases (pg-job-queue.ts).
  const until = (ttlMs: number) => `clock_timestamp() + make_interval(secs => ${Number(ttlMs)}::double precision / 1000)`;
  const claimWatch = async (node: string, token: string, lease: Lease) =>
    (await session.run(
      `UPDATE compaction_locks SET watcher = $3, watch_until = ${until(lease.ttlMs)}
        WHERE node = $1 AND token = $2 AND (watcher IS NULL OR watcher = $3 OR watch_until IS NULL OR watch_until <= clock_timestamp())`,
      [node, token, lease.owner],
    )) === 1;
  const watcherFence = (watcher: string | undefined, n: number) => (watcher === undefined ? '' : ` AND watcher = $${n}`);
  const watcherParam = (watcher: string | undefined) => (watcher === undefined ? [] : [watcher]);

  return {
    async current(node, at) {
      const r = await row(node);
      return r && r.expires_at.getTime() > at.getTime() ? fromRow(r) : undefined;
    },
    acquire(req) {
      return session.withTx(async (): Promise<AcquireResult> => {
        await session.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_CLASS.compactionNode, req.node]);
        // Used up whatever happens next: an old confirmation never starts a compaction later.
        const inserted = await session.run(
          'INSERT INTO compaction_confirmations (request_id, node, user_id, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING',
          [req.requestId, req.node, req.holder, req.at],
        );
        if (inserted === 0) {
          const used = await session.one<{ used_at: Date }>('SELECT used_at FROM compaction_confirmations WHERE request_id = $1', [req.requestId]);
          return { ok: false, reason: 'duplicate', usedAt: isoOf(used!.used_at) };
        }
        const existing = await row(req.node, true);
        if (existing && existing.expires_at.getTime() > req.at.getTime()) return { ok: false, reason: 'held', lock: fromRow(existing) };
        const decision = breakerDecision(await recentStarts(req.node, req.at), req.at, req.maxPerHour);
        if (!decision.allowed) return { ok: false, reason: 'breaker', decision };
        const run = await session.one<{ id: string }>(
          "INSERT INTO compaction_runs (node, holder, force, started_at, outcome, detail_json) VALUES ($1, $2, $3, $4, 'running', '{}') RETURNING id",
          [req.node, req.holder, req.force, req.at],
        );
        const token = randomBytes(12).toString('hex');
        const expires = new Date(req.at.getTime() + req.ttlMs);
        const changed = await session.run(
          `INSERT INTO compaction_locks (node, token, holder, holder_name, force, incident_id, run_id, phase, acquired_at, expires_at, before_json)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'starting', $8, $9, $10::jsonb)
           ON CONFLICT (node) DO UPDATE SET token = excluded.token, holder = excluded.holder, holder_name = excluded.holder_name,
             force = excluded.force, incident_id = excluded.incident_id, audit_id = NULL, run_id = excluded.run_id, phase = 'starting',
             acquired_at = excluded.acquired_at, started_at = NULL, expires_at = excluded.expires_at, channel = NULL, message_ts = NULL,
             thread_ts = NULL, before_json = excluded.before_json, last_json = NULL, last_error = NULL
           WHERE compaction_locks.expires_at <= excluded.acquired_at`,
          [req.node, token, req.holder, req.holderName ?? null, req.force, req.incidentId ?? null, run!.id, req.at, expires, JSON.stringify(req.before)],
        );
        if (changed !== 1) throw new Error(`compaction lock for ${req.node} changed during acquisition`);
        if (req.watch) await claimWatch(req.node, token, req.watch);
        return { ok: true, lock: fromRow((await row(req.node))!), ...(existing ? { tookOverExpired: fromRow(existing) } : {}) };
      });
    },
    async update(node, token, patch, watcher) {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof LockPatch, unknown][];
      if (entries.length === 0)
        return (
          (await session.one(`SELECT 1 FROM compaction_locks WHERE node = $1 AND token = $2${watcherFence(watcher, 3)}`, [
            node,
            token,
            ...watcherParam(watcher),
          ])) !== undefined
        );
      const sets = entries.map(([k], i) => `${LOCK_COLUMNS[k]} = $${i + 1}${k === 'last' || k === 'before' ? '::jsonb' : ''}`).join(', ');
      const values = entries.map(([k, v]) => (k === 'last' || k === 'before' ? (v === null ? null : JSON.stringify(v)) : v));
      const n = entries.length;
      return (
        (await session.run(`UPDATE compaction_locks SET ${sets} WHERE node = $${n + 1} AND token = $${n + 2}${watcherFence(watcher, n + 3)}`, [
          ...values,
          node,
          token,
          ...watcherParam(watcher),
        ])) === 1
      );
    },
    async release(node, token, watcher) {
      return (
        (await session.run(`DELETE FROM compaction_locks WHERE node = $1 AND token = $2${watcherFence(watcher, 3)}`, [
          node,
          token,
          ...watcherParam(watcher),
        ])) === 1
      );
    },
    claimWatch: (node, token, lease) => claimWatch(node, token, lease),
    async renewWatch(node, token, lease) {
      return (
        (await session.run(`UPDATE compaction_locks SET watch_until = ${until(lease.ttlMs)} WHERE node = $1 AND token = $2 AND watcher = $3`, [
          node,
          token,
          lease.owner,
        ])) === 1
      );
    },
    async releaseWatch(node, token, owner) {
      return (
        (await session.run('UPDATE compaction_locks SET watcher = NULL, watch_until = NULL WHERE node = $1 AND token = $2 AND watcher = $3', [
          node,
          token,
          owner,
        ])) === 1
      );
    },
    async unwatched() {
      return (
        await session.query<PgLockRow>(
          'SELECT * FROM compaction_locks WHERE watcher IS NULL OR watch_until IS NULL OR watch_until <= clock_timestamp() ORDER BY acquired_at',
        )
      ).map(fromRow);
    },
    async all() {
      return (await session.query<PgLockRow>('SELECT * FROM compaction_locks ORDER BY acquired_at')).map(fromRow);
    },
    async finishRun(runId, outcome, at, detail = {}) {
      // Merged, so a mark made while it ran (nothingPending) stays; the row is locked between read and write.
      await session.withTx(async () => {
        const current = await session.one<{ detail_json: unknown }>('SELECT detail_json FROM compaction_runs WHERE id = $1 FOR UPDATE', [runId]);
        if (!current) return;
        await session.run('UPDATE compaction_runs SET outcome = $1, finished_at = $2, detail_json = $3::jsonb WHERE id = $4', [
          outcome,
          at,
          JSON.stringify(mergePatch(current.detail_json, detail)),
          runId,
        ]);
      });
    },
    async markNothingPending(runId) {
      await session.run(
        "UPDATE compaction_runs SET detail_json = jsonb_set(CASE WHEN jsonb_typeof(detail_json) = 'object' THEN detail_json ELSE '{}'::jsonb END, '{nothingPending}', '1') WHERE id = $1",
        [runId],
      );
    },
    recentStarts,
  };
}
