import { describe, expect, it } from 'vitest';
import type { AcquireRequest } from '../../../src/compaction/compaction-lock-store';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
let requests = 0;
/** Two replicas' watch leases: a live one outlasts every test, a short one is expired after `sleep(20)`. */
const A = { owner: 'host-a:1:aaaa', ttlMs: 600_000 };
const B = { owner: 'host-b:2:bbbb', ttlMs: 600_000 };
const SHORT = { owner: 'host-a:1:aaaa', ttlMs: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      expect(
        await locks.update('stemedb-1', r.lock.token, {
          phase: 'running',
          startedAt: at(1).toISOString(),
          channel: 'C0ALERTS',
          messageTs: '1.2',
          threadTs: '1.1',
          last,
          before,
        }),
      ).toBe(true);
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

    it('a watch is claimed by one of two connections at once; the starter claims it with the lock', async () => {
      const a = (await connect()).store.compactionLocks;
      const b = (await connect()).store.compactionLocks;
      const r = await a.acquire(request());
      if (!r.ok) throw new Error('expected the lock');
      expect((await b.unwatched(at(1))).map((l) => l.token)).toEqual([r.lock.token]);
      const claims = await Promise.all([a.claimWatch('stemedb-1', r.lock.token, A, at(1)), b.claimWatch('stemedb-1', r.lock.token, B, at(1))]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const [winner, loser] = claims[0] ? [A, B] : [B, A];
      expect(await b.unwatched(at(2))).toEqual([]);
      expect(await a.claimWatch('stemedb-1', r.lock.token, loser, at(2))).toBe(false);
      expect(await a.claimWatch('stemedb-1', r.lock.token, winner, at(2))).toBe(true); // already ours
      expect(await a.claimWatch('stemedb-1', 'not-the-token', loser, at(2))).toBe(false);
      // A new run is watched by its starter from the acquiring transaction on: no replica adopts it first.
      const started = await a.acquire(request({ node: 'stemedb-2', watch: A }));
      if (!started.ok) throw new Error('expected the lock');
      expect((await b.unwatched(at(3))).map((l) => l.node)).toEqual([]);
      expect(await b.claimWatch('stemedb-2', started.lock.token, B, at(3))).toBe(false);
      expect(await b.update('stemedb-2', started.lock.token, { phase: 'running' }, A.owner)).toBe(true);
      expect(await b.update('stemedb-2', started.lock.token, { phase: 'running' }, B.owner)).toBe(false);
    });

    it("a watch whose lease ran out is taken over; the old watcher's fenced writes change nothing", async () => {
      const a = (await connect()).store.compactionLocks;
      const b = (await connect()).store.compactionLocks;
      const r = await a.acquire(request({ watch: SHORT }));
      if (!r.ok) throw new Error('expected the lock');
      const { token } = r.lock;
      await sleep(20); // PostgreSQL compares watch leases with the database clock; SQLite with the `now` passed
      expect((await b.unwatched(at(1))).map((l) => l.token)).toEqual([token]);
      expect(await b.claimWatch('stemedb-1', token, B, at(1))).toBe(true);
      // The stalled watcher wakes up: it can neither renew, write, nor end the run.
      expect(await a.renewWatch('stemedb-1', token, SHORT, at(2))).toBe(false);
      expect(await a.update('stemedb-1', token, { lastError: 'stale watcher' }, SHORT.owner)).toBe(false);
      expect(await a.update('stemedb-1', token, {}, SHORT.owner)).toBe(false);
      expect(await a.release('stemedb-1', token, SHORT.owner)).toBe(false);
      expect(await a.releaseWatch('stemedb-1', token, SHORT.owner)).toBe(false);
      expect(await a.current('stemedb-1', at(2))).toMatchObject({ token, lastError: null });
      // The new watcher renews and writes; it hands the watch back, and another takes it at once.
      expect(await b.renewWatch('stemedb-1', token, B, at(2))).toBe(true);
      expect(await b.update('stemedb-1', token, { lastError: 'read timed out' }, B.owner)).toBe(true);
      expect(await b.update('stemedb-1', token, {}, B.owner)).toBe(true);
      expect(await b.unwatched(at(3))).toEqual([]);
      expect(await b.releaseWatch('stemedb-1', token, B.owner)).toBe(true);
      expect((await a.unwatched(at(3))).map((l) => l.token)).toEqual([token]);
      expect(await a.claimWatch('stemedb-1', token, A, at(3))).toBe(true);
      expect(await b.release('stemedb-1', token, B.owner)).toBe(false);
      expect(await a.release('stemedb-1', token, A.owner)).toBe(true);
      expect(await a.all()).toEqual([]);
    });

    it('stored figures that no longer parse read as unknown, never as a half-object', async () => {
      const connection = await connect();
      const locks = connection.store.compactionLocks;
      const r = await locks.acquire(request());
      if (!r.ok) throw new Error('expected the lock');
      await locks.update('stemedb-1', r.lock.token, { last: { sstFiles: 1, totalBytes: 2, pendingBytes: 3, running: false, at: t0.toISOString() } });
      await connection.corrupt('compaction_locks', 'before_json', { column: 'node', value: 'stemedb-1' }, '{"lsm": "lots"}');
      await connection.corrupt('compaction_locks', 'last_json', { column: 'node', value: 'stemedb-1' }, '{"sstFiles": "many"}');
      expect(await locks.current('stemedb-1', at(1))).toMatchObject({
        before: { lsm: null, errorRate: null, errorRateSource: null },
        last: null,
        token: r.lock.token,
      });
    });
  });
}
