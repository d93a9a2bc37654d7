import { randomBytes } from 'node:crypto';
import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import type { Lease } from '../store/lease';
import { parsedJsonText } from '../store/row-values';
import { breakerDecision, breakerWindowStart, type BreakerDecision } from './circuit-breaker';
import { lsmFiguresSchema, runBeforeSchema, type LsmFigures, type RunBefore, type RunOutcome } from './compaction-types';

/** One node's compaction, held in the store so a restarted bot finds it. */
export interface CompactionLock {
  node: string;
  /** Changes with every acquisition: only its holder may update or release the lock. */
  token: string;
  holder: string;
  holderName: string | null;
  force: boolean;
  incidentId: string | null;
  auditId: number | null;
  runId: number;
  /** `starting` until the node accepted the POST, then `running`. */
  phase: 'starting' | 'running';
  acquiredAt: string;
  startedAt: string | null;
  /** Pushed forward by every progress read; a lock whose holder died expires. */
  expiresAt: string;
  channel: string | null;
  messageTs: string | null;
  threadTs: string | null;
  before: RunBefore;
  last: LsmFigures | null;
  lastError: string | null;
}

export interface AcquireRequest {
  node: string;
  holder: string;
  holderName?: string;
  force: boolean;
  incidentId?: string;
  /** The confirmation being used: each can start at most one compaction. */
  requestId: string;
  before: RunBefore;
  at: Date;
  ttlMs: number;
  maxPerHour: number;
  /** The starter's process: it watches the new run, claimed in the acquiring transaction (no replica adopts it first). */
  watch?: Lease;
}

export type AcquireResult =
  | { ok: true; lock: CompactionLock; tookOverExpired?: CompactionLock }
  | { ok: false; reason: 'duplicate'; usedAt: string }
  | { ok: false; reason: 'held'; lock: CompactionLock }
  | { ok: false; reason: 'breaker'; decision: Extract<BreakerDecision, { allowed: false }> };

export type LockPatch = Partial<
  Pick<CompactionLock, 'phase' | 'startedAt' | 'expiresAt' | 'channel' | 'messageTs' | 'threadTs' | 'last' | 'lastError' | 'auditId' | 'before'>
>;

/** The per-node lock, the confirmations used, and the run history the circuit breaker counts. */
export interface CompactionLockStore {
  /** The node's lock if one is held and not expired at `at`. */
  current(node: string, at: Date): Promise<CompactionLock | undefined>;
  /**
   * Atomically: uses up the confirmation, then takes the node's lock (free or expired) if the breaker allows,
   * and records the run. Two confirmations at once: exactly one gets `ok`.
   */
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  /**
   * Updates the lock if `token` still holds it; false when it does not. With `watcher`, also only while that
   * process holds the watch: a watcher that stalled past its lease and was taken over changes nothing.
   */
  update(node: string, token: string, patch: LockPatch, watcher?: string): Promise<boolean>;
  release(node: string, token: string, watcher?: string): Promise<boolean>;
  /**
   * Watch leases: one process watches a run (progress reads, the summary, the re-check). Takes the watch of
   * `token`'s run for `lease.owner` when nobody watches it, its watcher's lease ran out, or it is already
   * ours; true when it is ours now. Two processes at once: one wins. Time: the database clock on PostgreSQL,
   * `now` on SQLite (src/store/lease.ts).
   */
  claimWatch(node: string, token: string, lease: Lease, now: Date): Promise<boolean>;
  /** Pushes the watch lease to `lease.ttlMs` from now; false when `lease.owner` no longer holds the watch. */
  renewWatch(node: string, token: string, lease: Lease, now: Date): Promise<boolean>;
  /** Gives the watch up (a stopping process), so another takes it over at once instead of after the lease. */
  releaseWatch(node: string, token: string, owner: string): Promise<boolean>;
  /** Locks nobody watches or whose watcher's lease ran out at `now` (PostgreSQL: the database clock). */
  unwatched(now: Date): Promise<CompactionLock[]>;
  /** Every lock row, expired or not (start-up: resume or report). */
  all(): Promise<CompactionLock[]>;
  finishRun(runId: number, outcome: RunOutcome, at: Date, detail?: Record<string, unknown>): Promise<void>;
  /** A run that found 0 bytes pending: it compacted nothing, so the breaker does not count it. */
  markNothingPending(runId: number): Promise<void>;
  /** Start times of the node's runs within the breaker's hour (runs that found nothing pending excluded). */
  recentStarts(node: string, at: Date): Promise<Date[]>;
}

/**
 * A `compaction_locks` row as both stores hand it over after their driver's normalisation (SQLite: `force`
 * 0/1 as a boolean, JSON text parsed; PostgreSQL: BIGINT as a number, TIMESTAMPTZ as ISO text).
 */
export interface LockRow {
  node: string;
  token: string;
  holder: string;
  holder_name: string | null;
  force: boolean;
  incident_id: string | null;
  audit_id: number | null;
  run_id: number;
  phase: 'starting' | 'running';
  acquired_at: string;
  started_at: string | null;
  expires_at: string;
  channel: string | null;
  message_ts: string | null;
  thread_ts: string | null;
  before_json: unknown;
  last_json: unknown;
  last_error: string | null;
}

/** The one row -> lock mapping of both stores: figures that no longer parse read as unknown (null), never as a half-object. */
export function lockFromRow(row: LockRow): CompactionLock {
  const last = row.last_json === null ? undefined : lsmFiguresSchema.safeParse(row.last_json);
  const before = runBeforeSchema.safeParse(row.before_json);
  return {
    node: row.node,
    token: row.token,
    holder: row.holder,
    holderName: row.holder_name,
    force: row.force,
    incidentId: row.incident_id,
    auditId: row.audit_id,
    runId: row.run_id,
    phase: row.phase,
    acquiredAt: row.acquired_at,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
    channel: row.channel,
    messageTs: row.message_ts,
    threadTs: row.thread_ts,
    before: before.success ? before.data : { lsm: null, errorRate: null, errorRateSource: null },
    last: last?.success ? last.data : null,
    lastError: row.last_error,
  };
}

/** The patchable fields' columns (both stores). */
export const LOCK_COLUMNS: Record<keyof LockPatch, string> = {
  phase: 'phase',
  startedAt: 'started_at',
  expiresAt: 'expires_at',
  channel: 'channel',
  messageTs: 'message_ts',
  threadTs: 'thread_ts',
  last: 'last_json',
  lastError: 'last_error',
  auditId: 'audit_id',
  before: 'before_json',
};

/** As SQLite stores it: `force` as 0/1, the figures as JSON text. */
type SqliteLockRow = Omit<LockRow, 'force' | 'before_json' | 'last_json'> & { force: number; before_json: string; last_json: string | null };

const fromRow = (row: SqliteLockRow): CompactionLock =>
  lockFromRow({ ...row, force: row.force === 1, before_json: parsedJsonText(row.before_json), last_json: parsedJsonText(row.last_json) });

/** SQLite implementation; timestamps are ISO strings in UTC, so text comparison is time order. */
export function createSqliteCompactionLockStore(db: Db): Sync<CompactionLockStore> {
  const row = (node: string) => db.prepare('SELECT * FROM compaction_locks WHERE node = ?').get(node) as SqliteLockRow | undefined;
  const recentStarts = (node: string, at: Date) =>
    (
      db
        .prepare(
          "SELECT started_at FROM compaction_runs WHERE node = ? AND started_at > ? AND COALESCE(json_extract(detail_json, '$.nothingPending'), 0) = 0 ORDER BY started_at",
        )
        .all(node, breakerWindowStart(at).toISOString()) as { started_at: string }[]
    ).map((r) => new Date(r.started_at));

  const claimWatch = (node: string, token: string, lease: Lease, now: Date) =>
    db
      .prepare(
        'UPDATE compaction_locks SET watcher = @owner, watch_until = @until WHERE node = @node AND token = @token AND (watcher IS NULL OR watcher = @owner OR watch_until IS NULL OR watch_until <= @now)',
      )
      .run({ node, token, owner: lease.owner, until: new Date(now.getTime() + lease.ttlMs).toISOString(), now: now.toISOString() }).changes === 1;
  const watcherFence = (watcher: string | undefined) => (watcher === undefined ? '' : ' AND watcher = ?');
  const watcherParam = (watcher: string | undefined) => (watcher === undefined ? [] : [watcher]);

  const acquire = db.transaction((req: AcquireRequest): AcquireResult => {
    const at = req.at.toISOString();
    const used = db.prepare('SELECT used_at FROM compaction_confirmations WHERE request_id = ?').get(req.requestId) as { used_at: string } | undefined;
    if (used) return { ok: false, reason: 'duplicate', usedAt: used.used_at };
    // Used up whatever happens next: an old confirmation never starts a compaction later.
    db.prepare('INSERT INTO compaction_confirmations (request_id, node, user_id, used_at) VALUES (?, ?, ?, ?)').run(req.requestId, req.node, req.holder, at);
    const existing = row(req.node);
    if (existing && existing.expires_at > at) return { ok: false, reason: 'held', lock: fromRow(existing) };
    const decision = breakerDecision(recentStarts(req.node, req.at), req.at, req.maxPerHour);
    if (!decision.allowed) return { ok: false, reason: 'breaker', decision };
    const runId = Number(
      db
        .prepare("INSERT INTO compaction_runs (node, holder, force, started_at, outcome, detail_json) VALUES (?, ?, ?, ?, 'running', '{}')")
        .run(req.node, req.holder, req.force ? 1 : 0, at).lastInsertRowid,
    );
    const token = randomBytes(12).toString('hex');
    const expires = new Date(req.at.getTime() + req.ttlMs).toISOString();
    const changed = db
      .prepare(
        `INSERT INTO compaction_locks (node, token, holder, holder_name, force, incident_id, run_id, phase, acquired_at, expires_at, before_json)
         VALUES (@node, @token, @holder, @holderName, @force, @incidentId, @runId, 'starting', @at, @expires, @before)
         ON CONFLICT (node) DO UPDATE SET token = excluded.token, holder = excluded.holder, holder_name = excluded.holder_name,
           force = excluded.force, incident_id = excluded.incident_id, audit_id = NULL, run_id = excluded.run_id, phase = 'starting',
           acquired_at = excluded.acquired_at, started_at = NULL, expires_at = excluded.expires_at, channel = NULL, message_ts = NULL,
           thread_ts = NULL, before_json = excluded.before_json, last_json = NULL, last_error = NULL
         WHERE compaction_locks.expires_at <= excluded.acquired_at`,
      )
      .run({
        node: req.node,
        token,
        holder: req.holder,
        holderName: req.holderName ?? null,
        force: req.force ? 1 : 0,
        incidentId: req.incidentId ?? null,
        runId,
        at,
        expires,
        before: JSON.stringify(req.before),
      }).changes;
    if (changed !== 1) throw new Error(`compaction lock for ${req.node} changed during acquisition`);
    if (req.watch) claimWatch(req.node, token, req.watch, req.at);
    return { ok: true, lock: fromRow(row(req.node)!), ...(existing ? { tookOverExpired: fromRow(existing) } : {}) };
  });

  return {
    current(node, at) {
      const r = row(node);
      return r && r.expires_at > at.toISOString() ? fromRow(r) : undefined;
    },
    acquire: (req) => acquire.immediate(req),
    update(node, token, patch, watcher) {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof LockPatch, unknown][];
      if (entries.length === 0)
        return (
          db.prepare(`SELECT 1 FROM compaction_locks WHERE node = ? AND token = ?${watcherFence(watcher)}`).get(node, token, ...watcherParam(watcher)) !==
          undefined
        );
      const sets = entries.map(([k]) => `${LOCK_COLUMNS[k]} = ?`).join(', ');
      const values = entries.map(([k, v]) => (k === 'last' || k === 'before' ? (v === null ? null : JSON.stringify(v)) : v));
      return (
        db
          .prepare(`UPDATE compaction_locks SET ${sets} WHERE node = ? AND token = ?${watcherFence(watcher)}`)
          .run(...values, node, token, ...watcherParam(watcher)).changes === 1
      );
    },
    release(node, token, watcher) {
      return (
        db.prepare(`DELETE FROM compaction_locks WHERE node = ? AND token = ?${watcherFence(watcher)}`).run(node, token, ...watcherParam(watcher)).changes === 1
      );
    },
    claimWatch,
    renewWatch(node, token, lease, now) {
      const until = new Date(now.getTime() + lease.ttlMs).toISOString();
      return (
        db.prepare('UPDATE compaction_locks SET watch_until = ? WHERE node = ? AND token = ? AND watcher = ?').run(until, node, token, lease.owner).changes ===
        1
      );
    },
    releaseWatch(node, token, owner) {
      return (
        db.prepare('UPDATE compaction_locks SET watcher = NULL, watch_until = NULL WHERE node = ? AND token = ? AND watcher = ?').run(node, token, owner)
          .changes === 1
      );
    },
    unwatched(now) {
      return (
        db
          .prepare('SELECT * FROM compaction_locks WHERE watcher IS NULL OR watch_until IS NULL OR watch_until <= ? ORDER BY acquired_at')
          .all(now.toISOString()) as SqliteLockRow[]
      ).map(fromRow);
    },
    all() {
      return (db.prepare('SELECT * FROM compaction_locks ORDER BY acquired_at').all() as SqliteLockRow[]).map(fromRow);
    },
    finishRun(runId, outcome, at, detail = {}) {
      // Merged, so a mark made while it ran (nothingPending) stays.
      db.prepare('UPDATE compaction_runs SET outcome = ?, finished_at = ?, detail_json = json_patch(detail_json, ?) WHERE id = ?').run(
        outcome,
        at.toISOString(),
        JSON.stringify(detail),
        runId,
      );
    },
    markNothingPending(runId) {
      db.prepare("UPDATE compaction_runs SET detail_json = json_set(detail_json, '$.nothingPending', 1) WHERE id = ?").run(runId);
    },
    recentStarts,
  };
}
