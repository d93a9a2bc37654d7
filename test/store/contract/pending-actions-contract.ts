import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreConnection, StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** The pending-action repository contract: what a click may redeem, on an injected clock. */
export function pendingActionsContract(factory: StoreFactory): void {
  describe(`pending actions (${factory.name})`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    const connect = async () => {
      const connection = await store.open();
      open.push(connection);
      return connection;
    };
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      for (const connection of open.splice(0)) await connection.close();
      await store.destroy();
    });

    it('redeems once, for the allowed user, before expiry by the server clock; survives a reopen', async () => {
      const first = (await connect()).store.pendingActions;
      const id = await first.issue({ kind: 'compaction_confirm', params: { node: 'stemedb-1', force: false }, allowedUsers: ['U1'], ttlMs: 600_000 }, t0);
      expect(id).toMatch(/^pa_[A-Za-z0-9_-]{22}$/);
      // A second process on the same store (a restart, a replica) sees the same record.
      const repo = (await connect()).store.pendingActions;
      expect(await repo.redeem(id, 'other_kind', 'U1', at(1000))).toMatchObject({ ok: false, reason: 'unknown' });
      expect(await repo.redeem(id, 'compaction_confirm', 'U2', at(1000))).toMatchObject({ ok: false, reason: 'not_allowed' });
      const ok = await repo.redeem<{ node: string }>(id, 'compaction_confirm', 'U1', at(2000));
      expect(ok).toMatchObject({ ok: true, action: { params: { node: 'stemedb-1', force: false } } });
      expect(await repo.redeem(id, 'compaction_confirm', 'U1', at(3000))).toMatchObject({
        ok: false,
        reason: 'used',
        action: { usedBy: 'U1', usedAt: at(2000).toISOString() },
      });
    });

    it('refuses an expired record however the click is stamped, and prunes old ones', async () => {
      const repo = (await connect()).store.pendingActions;
      const id = await repo.issue({ kind: 'k', params: {}, ttlMs: 60_000 }, t0);
      expect(await repo.redeem(id, 'k', 'U9', at(60_001))).toMatchObject({ ok: false, reason: 'expired' });
      expect(await repo.redeem('pa_made_up', 'k', 'U9', t0)).toMatchObject({ ok: false, reason: 'unknown' });
      await repo.issue({ kind: 'k', params: {}, ttlMs: 60_000 }, at(2 * 86_400_000));
      expect(await repo.redeem(id, 'k', 'U9', at(60_001))).toMatchObject({ ok: false, reason: 'unknown' });
    });

    it('two connections redeeming the same id at once: exactly one wins', async () => {
      const a = (await connect()).store.pendingActions;
      const b = (await connect()).store.pendingActions;
      const id = await a.issue({ kind: 'k', params: { n: 1 }, ttlMs: 60_000 }, t0);
      const results = await Promise.all([a.redeem(id, 'k', 'U1', at(10)), b.redeem(id, 'k', 'U2', at(11))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(['used']);
    });

    it('timestamps are ISO-8601 UTC strings; an empty allow-list lets anyone redeem', async () => {
      const repo = (await connect()).store.pendingActions;
      const id = await repo.issue({ kind: 'k', params: { x: 'y' }, ttlMs: 1_000 }, t0);
      const redeemed = await repo.redeem(id, 'k', 'UANY', at(500));
      expect(redeemed).toMatchObject({ ok: true, action: { issuedAt: '2026-11-29T12:00:00.000Z', expiresAt: '2026-11-29T12:00:01.000Z', allowedUsers: [] } });
    });

    it('a damaged row reads as unknown (parsed, never cast), and is not marked used', async () => {
      const connection = await connect();
      const repo = connection.store.pendingActions;
      const broken = await repo.issue({ kind: 'k', params: { node: 'stemedb-1' }, allowedUsers: ['U1'], ttlMs: 60_000 }, t0);
      await connection.corrupt('pending_actions', 'allowed_users_json', { column: 'id', value: broken }, '{"not":"a list"}');
      expect(await repo.redeem(broken, 'k', 'U1', at(10))).toEqual({ ok: false, reason: 'unknown' });
      const garbled = await repo.issue({ kind: 'k', params: { node: 'stemedb-1' }, ttlMs: 60_000 }, t0);
      await connection.corrupt('pending_actions', 'params_json', { column: 'id', value: garbled }, '[1, 2');
      expect(await repo.redeem(garbled, 'k', 'U1', at(10))).toEqual({ ok: false, reason: 'unknown' });
    });
  });
}
