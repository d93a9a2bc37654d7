import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqlitePendingActionStore } from '../../src/access/pending-actions';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

/** The pending-action store on a real SQLite file, on an injected clock: what a click may redeem. */
describe('pending actions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pending-actions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const t0 = new Date('2026-11-29T12:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('redeems once, for the allowed user, before expiry by the server clock; survives a reopen', () => {
    const path = join(dir, 'a.sqlite');
    const first = createSqlitePendingActionStore(openDatabase(path, MIGRATIONS));
    const id = first.issue({ kind: 'compaction_confirm', params: { node: 'stemedb-1', force: false }, allowedUsers: ['U1'], ttlMs: 600_000 }, t0);
    expect(id).toMatch(/^pa_[A-Za-z0-9_-]{22}$/);
    // A second process on the same file (a restart, a replica) sees the same record.
    const store = createSqlitePendingActionStore(openDatabase(path, MIGRATIONS));
    expect(store.redeem(id, 'other_kind', 'U1', at(1000))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.redeem(id, 'compaction_confirm', 'U2', at(1000))).toMatchObject({ ok: false, reason: 'not_allowed' });
    const ok = store.redeem<{ node: string }>(id, 'compaction_confirm', 'U1', at(2000));
    expect(ok).toMatchObject({ ok: true, action: { params: { node: 'stemedb-1', force: false } } });
    expect(store.redeem(id, 'compaction_confirm', 'U1', at(3000))).toMatchObject({ ok: false, reason: 'used', action: { usedBy: 'U1', usedAt: at(2000).toISOString() } });
  });

  it('refuses an expired record however the click is stamped, and prunes old ones', () => {
    const store = createSqlitePendingActionStore(openDatabase(join(dir, 'b.sqlite'), MIGRATIONS));
    const id = store.issue({ kind: 'k', params: {}, ttlMs: 60_000 }, t0);
    expect(store.redeem(id, 'k', 'U9', at(60_001))).toMatchObject({ ok: false, reason: 'expired' });
    expect(store.redeem('pa_made_up', 'k', 'U9', t0)).toMatchObject({ ok: false, reason: 'unknown' });
    store.issue({ kind: 'k', params: {}, ttlMs: 60_000 }, at(2 * 86_400_000));
    expect(store.redeem(id, 'k', 'U9', at(60_001))).toMatchObject({ ok: false, reason: 'unknown' });
  });
});
