import { describe, expect, it } from 'vitest';
import type { AcquireRequest } from '../../../src/compaction/compaction-lock-store';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
let requests = 0;

function request(over: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    node: 'stemedb-1',
    holder: 'U_ALICE',
    force: true,
    requestId: `req-${++requests}-${Math.random().toString(36).slice(2)}`,
    before: { lsm: null, errorRate: 0.04, errorRateSource: 'test' },
    at: t0,
    ttlMs: 60_000,
    maxPerHour: 2,
    ...over,
  };
}

/** The compaction lock contract: confirmation used once, one holder per node, the breaker, fenced updates. */
export function compactionLocksContract(factory: StoreFactory): void {
  describe(`compaction locks (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it('gives the lock to one confirmation, in the same shape everywhere, and tells the next who holds it', async () => {
      const locks = (await connect()).store.compactionLocks;
      const first = await locks.acquire(request({ holderName: 'Alice', incidentId: 'inc-1' }));
      if (!first.ok) throw new Error(`expected the lock, got ${first.reason}`);
      expect(first.lock).toEqual({
        node: 'stemedb-1',
        token: expect.stringMatching(/^[0-9a-f]{24}$/),
        holder: 'U_ALICE',
        holderName: 'Alice',
        force: true,
        incidentId: 'inc-1',
        auditId: null,
        runId: expect.any(Number),
        phase: 'starting',
        acquiredAt: '2026-11-29T12:00:00.000Z',
        startedAt: null,
        expiresAt: '2026-11-29T12:01:00.000Z',
        channel: null,
        messageTs: null,
        threadTs: null,
        before: { lsm: null, errorRate: 0.04, errorRateSource: 'test' },
        last: null,
        lastError: null,
      });
      expect(first).not.toHaveProperty('tookOverExpired');
      const other = (await connect()).store.compactionLocks;
      expect(await other.acquire(request({ holder: 'U_BOB', at: at(1) }))).toEqual({ ok: false, reason: 'held', lock: first.lock });
      expect(await other.current('stemedb-1', at(2))).toEqual(first.lock);
      expect(await other.current('stemedb-2', at(2))).toBeUndefined();
      expect(await other.current('stemedb-1', at(60))).toBeUndefined();
    });

    it('uses a confirmation at most once, even after the lock is free again or refused', async () => {
      const locks = (await connect()).store.compactionLocks;
      const req = request();
      const first = await locks.acquire(req);
      if (!first.ok) throw new Error('expected the lock');
      expect(await locks.release('stemedb-1', first.lock.token)).toBe(true);
      expect(await locks.acquire({ ...req, at: at(5) })).toEqual({ ok: false, reason: 'duplicate', usedAt: t0.toISOString() });
      // A confirmation refused because the node was busy is used up too.
      const holder = await locks.acquire(request({ at: at(6) }));
      if (!holder.ok) throw new Error('expected the lock');
      const busy = request({ holder: 'U_BOB', at: at(7) });
      expect(await locks.acquire(busy)).toMatchObject({ ok: false, reason: 'held' });
      await locks.release('stemedb-1', holder.lock.token);
      expect(await locks.acquire({ ...busy, at: at(8) })).toEqual({ ok: false, reason: 'duplicate', usedAt: at(7).toISOString() });
    });

    it('lets only the holder update or release, and lets an expired lock be taken over', async () => {
      const locks = (await connect()).store.compactionLocks;
      const first = await locks.acquire(request());
      if (!first.ok) throw new Error('expected the lock');
      expect(await locks.update('stemedb-1', 'not-the-token', { phase: 'running' })).toBe(false);
      expect(await locks.release('stemedb-1', 'not-the-token')).toBe(false);
      expect(await locks.update('stemedb-1', first.lock.token, {})).toBe(true);
      expect(await locks.update('stemedb-1', 'not-the-token', {})).toBe(false);
      expect(await locks.update('stemedb-1', first.lock.token, { phase: 'running', expiresAt: at(30).toISOString(), auditId: 17 })).toBe(true);
      expect(await locks.current('stemedb-1', at(31))).toBeUndefined();
      const takeover = await (await connect()).store.compactionLocks.acquire(request({ holder: 'U_BOB', at: at(31) }));
      expect(takeover).toMatchObject({
        ok: true,
        lock: { holder: 'U_BOB', phase: 'starting', auditId: null, acquiredAt: at(31).toISOString() },
        tookOverExpired: { holder: 'U_ALICE', phase: 'running', auditId: 17, expiresAt: at(30).toISOString() },
      });
      expect(await locks.update('stemedb-1', first.lock.token, { lastError: 'stale watcher' })).toBe(false);
      expect(await locks.release('stemedb-1', first.lock.token)).toBe(false);
      expect((await locks.all()).map((l) => l.holder)).toEqual(['U_BOB']);
    });

    it('refuses a third run within the hour (circuit breaker), not counting runs that found nothing pending', async () => {
      const locks = (await connect()).store.compactionLocks;
      const runs: number[] = [];
      for (const s of [0, 600]) {
        const r = await locks.acquire(request({ at: at(s) }));
        if (!r.ok) throw new Error(`run at ${s}s refused: ${r.reason}`);
        runs.push(r.lock.runId);
        await locks.finishRun(r.lock.runId, 'succeeded', at(s + 60), { durationMs: 60_000 });
        await locks.release('stemedb-1', r.lock.token);
      }
      expect(runs[1]).toBeGreaterThan(runs[0]!);
      const third = await locks.acquire(request({ at: at(1200) }));
      expect(third).toMatchObject({ ok: false, reason: 'breaker', decision: { allowed: false, limit: 2, recent: [at(0), at(600)], nextAllowedAt: at(3600) } });
      expect(await locks.current('stemedb-1', at(1200))).toBeUndefined();
      expect(await locks.recentStarts('stemedb-1', at(1200))).toEqual([at(0), at(600)]);
      // A run that found 0 bytes pending compacted nothing: marked (before or after it finished), it stops counting.
      await locks.markNothingPending(runs[0]!);
      await locks.finishRun(runs[0]!, 'succeeded', at(70), { durationMs: 1, nothingPendingNote: null });
      expect(await locks.recentStarts('stemedb-1', at(1200))).toEqual([at(600)]);
      expect((await locks.acquire(request({ at: at(1201) }))).ok).toBe(true);
      // Another node has its own hour.
      expect((await locks.acquire(request({ node: 'stemedb-2', at: at(1202) }))).ok).toBe(true);
    });

    it('keeps the lock, its progress and the run history for another connection (a restart, a replica)', async () => {
      const locks = (await connect()).store.compactionLocks;
      const r = await locks.acquire(request({ force: false }));
      if (!r.ok) throw new Error('expected the lock');
      const last = { sstFiles: 400, totalBytes: 1e9, pendingBytes: 5e8, running: true, at: at(3).toISOString() };
      const before = { lsm: { ...last, running: null }, errorRate: null, errorRateSource: null };
      expect(await locks.update('stemedb-1', r.lock.token, { phase: 'running', startedAt: at(1).toISOString(), channel: 'C0ALERTS', messageTs: '1.2', threadTs: '1.1', last, before })).toBe(true);
      const reopened = (await connect()).store.compactionLocks;
      expect(await reopened.all()).toEqual([
        { ...r.lock, phase: 'running', startedAt: at(1).toISOString(), channel: 'C0ALERTS', messageTs: '1.2', threadTs: '1.1', last, before, force: false },
      ]);
      expect(await reopened.recentStarts('stemedb-1', at(10))).toEqual([t0]);
      expect(await reopened.update('stemedb-1', r.lock.token, { last: null, lastError: 'read timed out' })).toBe(true);
      expect(await reopened.current('stemedb-1', at(10))).toMatchObject({ last: null, lastError: 'read timed out' });
    });

    it('two connections acquiring at once: exactly one holds the lock; the same confirmation twice: one, then duplicate', async () => {
      const a = (await connect()).store.compactionLocks;
      const b = (await connect()).store.compactionLocks;
      const results = await Promise.all([a.acquire(request({ holder: 'U_A' })), b.acquire(request({ holder: 'U_B' })), b.acquire(request({ holder: 'U_C' }))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(['held', 'held']);
      expect(await a.recentStarts('stemedb-1', at(1))).toHaveLength(1);
      const same = request({ node: 'stemedb-2' });
      const twice = await Promise.all([a.acquire(same), b.acquire({ ...same, at: at(1) })]);
      expect(twice.filter((r) => r.ok)).toHaveLength(1);
      expect(twice.filter((r) => !r.ok)).toMatchObject([{ reason: 'duplicate' }]);
    });

    it('stored figures that no longer parse read as unknown, never as a half-object', async () => {
      const connection = await connect();
      const locks = connection.store.compactionLocks;
      const r = await locks.acquire(request());
      if (!r.ok) throw new Error('expected the lock');
      await locks.update('stemedb-1', r.lock.token, { last: { sstFiles: 1, totalBytes: 2, pendingBytes: 3, running: false, at: t0.toISOString() } });
      await connection.corrupt('compaction_locks', 'before_json', { column: 'node', value: 'stemedb-1' }, '{"lsm": "lots"}');
      await connection.corrupt('compaction_locks', 'last_json', { column: 'node', value: 'stemedb-1' }, '{"sstFiles": "many"}');
      expect(await locks.current('stemedb-1', at(1))).toMatchObject({ before: { lsm: null, errorRate: null, errorRateSource: null }, last: null, token: r.lock.token });
    });
  });
}
