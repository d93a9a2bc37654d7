import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcquireRequest } from '../../src/compaction/compaction-lock-store';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase, type Db } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

const run = promisify(execFile);
const t0 = new Date('2026-11-03T14:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function request(over: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    node: 'stemedb-1',
    holder: 'U_ALICE',
    force: true,
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    before: { lsm: null, errorRate: 0.04, errorRateSource: 'test' },
    at: t0,
    ttlMs: 60_000,
    maxPerHour: 2,
    ...over,
  };
}

describe('compaction lock store', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compaction-locks-'));
    db = openDatabase(join(dir, 'bot.sqlite'), MIGRATIONS);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the lock to one confirmation and tells the next who holds it', async () => {
    const store = createSqliteUnitOfWork(db).compactionLocks;
    const first = await store.acquire(request());
    expect(first.ok).toBe(true);
    const second = await store.acquire(request({ holder: 'U_BOB', at: at(1) }));
    expect(second).toMatchObject({ ok: false, reason: 'held', lock: { holder: 'U_ALICE', acquiredAt: t0.toISOString() } });
    expect((await store.current('stemedb-1', at(2)))?.holder).toBe('U_ALICE');
    expect(await store.current('stemedb-2', at(2))).toBeUndefined();
  });

  it('uses a confirmation at most once, even after the lock is free again', async () => {
    const store = createSqliteUnitOfWork(db).compactionLocks;
    const req = request();
    const first = await store.acquire(req);
    if (!first.ok) throw new Error('expected the lock');
    expect(await store.release('stemedb-1', first.lock.token)).toBe(true);
    expect(await store.acquire({ ...req, at: at(5) })).toMatchObject({ ok: false, reason: 'duplicate', usedAt: t0.toISOString() });
  });

  it('lets only the holder update or release, and lets an expired lock be taken over', async () => {
    const store = createSqliteUnitOfWork(db).compactionLocks;
    const first = await store.acquire(request());
    if (!first.ok) throw new Error('expected the lock');
    expect(await store.update('stemedb-1', 'not-the-token', { phase: 'running' })).toBe(false);
    expect(await store.release('stemedb-1', 'not-the-token')).toBe(false);
    expect(await store.update('stemedb-1', first.lock.token, { phase: 'running', expiresAt: at(30).toISOString() })).toBe(true);
    expect(await store.current('stemedb-1', at(31))).toBeUndefined();
    const takeover = await store.acquire(request({ holder: 'U_BOB', at: at(31) }));
    expect(takeover).toMatchObject({ ok: true, lock: { holder: 'U_BOB', phase: 'starting' }, tookOverExpired: { holder: 'U_ALICE', phase: 'running' } });
    expect(await store.update('stemedb-1', first.lock.token, { lastError: 'stale watcher' })).toBe(false);
  });

  it('refuses a third run within the hour (circuit breaker) and allows it after', async () => {
    const store = createSqliteUnitOfWork(db).compactionLocks;
    for (const s of [0, 600]) {
      const r = await store.acquire(request({ at: at(s) }));
      if (!r.ok) throw new Error(`run at ${s}s refused: ${r.reason}`);
      await store.release('stemedb-1', r.lock.token);
    }
    const third = await store.acquire(request({ at: at(1200) }));
    expect(third).toMatchObject({ ok: false, reason: 'breaker' });
    expect(await store.current('stemedb-1', at(1200))).toBeUndefined();
    expect((await store.acquire(request({ at: at(3601) }))).ok).toBe(true);
  });

  it('keeps locks, figures and run history across a reopen', async () => {
    const store = createSqliteUnitOfWork(db).compactionLocks;
    const r = await store.acquire(request());
    if (!r.ok) throw new Error('expected the lock');
    const last = { sstFiles: 400, totalBytes: 1e9, pendingBytes: 5e8, running: true, at: at(3).toISOString() };
    await store.update('stemedb-1', r.lock.token, { phase: 'running', startedAt: at(1).toISOString(), channel: 'C0ALERTS', messageTs: '1.2', last });
    db.close();
    db = openDatabase(join(dir, 'bot.sqlite'), MIGRATIONS);
    const reopened = createSqliteUnitOfWork(db).compactionLocks;
    expect(await reopened.all()).toMatchObject([
      { node: 'stemedb-1', phase: 'running', channel: 'C0ALERTS', messageTs: '1.2', last, before: { errorRate: 0.04 } },
    ]);
    expect(await reopened.recentStarts('stemedb-1', at(10))).toHaveLength(1);
  });

  it('gives the lock to exactly one of several processes racing for it', async () => {
    const path = join(dir, 'bot.sqlite');
    const script = join(import.meta.dirname, 'fixtures', 'acquire-lock.ts');
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const results = await Promise.all(
      ['A', 'B', 'C'].map((id) =>
        run(tsx, [script, path, `race-${id}`, `U_${id}`]).then((r) => JSON.parse(r.stdout) as { ok: boolean; reason: string | null }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'held')).toHaveLength(2);
  });
});
