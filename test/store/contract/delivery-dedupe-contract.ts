import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replicaModules } from './replica-modules';
import type { StoreConnection, StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Delivery deduplication: a Slack retry or a doubled Alertmanager group is handled once across replicas. */
export function deliveryDedupeContract(factory: StoreFactory): void {
  describe(`delivery dedupe (${factory.name})`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    const connect = async () => {
      const connection = await store.open();
      open.push(connection);
      return replicaModules(connection).dedupe;
    };
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      for (const connection of open.splice(0)) await connection.close();
      await store.destroy();
    });

    it('says "first" once per source and id, on whichever connection asks first', async () => {
      const a = await connect();
      const b = await connect();
      expect(await a.firstSeen('slack_event', 'Ev0001', t0)).toBe(true);
      expect(await a.firstSeen('slack_event', 'Ev0001', at(1))).toBe(false);
      // Slack's retry (X-Slack-Retry-Num: 1) lands on another replica.
      expect(await b.firstSeen('slack_event', 'Ev0001', at(3_000))).toBe(false);
      // The same string under another source is another delivery.
      expect(await b.firstSeen('slack_interaction', 'Ev0001', at(3_000))).toBe(true);
      expect(await b.firstSeen('alert_notification', 'Ev0001', at(3_000))).toBe(true);
      expect(await a.firstSeen('slack_event', 'Ev0002', at(3_000))).toBe(true);
    });

    it('two connections racing the same ids at once: exactly one true per id', async () => {
      const a = await connect();
      const b = await connect();
      const c = await connect();
      const ids = Array.from({ length: 20 }, (_, i) => `1732881600.00${i}|U1|ack`);
      const results = await Promise.all(ids.flatMap((id) => [a, b, c].map(async (r) => ({ id, first: await r.firstSeen('slack_interaction', id, t0) }))));
      for (const id of ids) expect(results.filter((r) => r.id === id && r.first)).toHaveLength(1);
      expect(results.filter((r) => r.first)).toHaveLength(ids.length);
    });

    it('prunes deliveries seen before a time, and then a pruned id counts as new', async () => {
      const a = await connect();
      expect(await a.firstSeen('alert_notification', 'group-1', t0)).toBe(true);
      expect(await a.firstSeen('alert_notification', 'group-2', at(60_000))).toBe(true);
      expect(await a.firstSeen('slack_event', 'Ev9', at(120_000))).toBe(true);
      expect(await a.prune(at(60_000))).toBe(1);
      expect(await a.prune(at(60_000))).toBe(0);
      expect(await a.firstSeen('alert_notification', 'group-2', at(130_000))).toBe(false);
      expect(await a.firstSeen('alert_notification', 'group-1', at(130_000))).toBe(true);
      expect(await a.prune(at(200_000))).toBe(3);
    });

    it('refuses an empty id or an unknown source instead of collapsing deliveries into one key', async () => {
      const a = await connect();
      await expect(a.firstSeen('slack_event', '', t0)).rejects.toThrow(/empty delivery id/);
      await expect(a.firstSeen('carrier_pigeon' as 'slack_event', 'x', t0)).rejects.toThrow(/unknown delivery source/);
    });
  });
}
