import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackPace } from '../../../src/slack/slack-pace';
import { replicaModules } from './replica-modules';
import type { StoreConnection, StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** One Slack pace per app and channel, shared by every connection (replica) on the store. */
export function slackPaceContract(factory: StoreFactory): void {
  describe(`shared Slack pace (${factory.name})`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    const connect = async () => {
      const connection = await store.open();
      open.push(connection);
      return replicaModules(connection).pace;
    };
    const three = async (): Promise<SlackPace[]> => [await connect(), await connect(), await connect()];
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      for (const connection of open.splice(0)) await connection.close();
      await store.destroy();
    });

    it('three connections claiming one channel at once: exactly one is granted, the others wait the interval', async () => {
      const replicas = await three();
      const claims = await Promise.all(replicas.flatMap((r) => Array.from({ length: 10 }, () => r.claim('C0ALERTS', 1_000, { now: t0 }))));
      expect(claims.filter((c) => c.granted)).toEqual([{ granted: true, at: t0, token: expect.any(String) }]);
      expect(claims.filter((c) => !c.granted)).toEqual(Array.from({ length: 29 }, () => ({ granted: false, waitMs: 1_000 })));
      // Due again exactly one interval after the grant, not a millisecond sooner; a refusal changes nothing.
      expect(await replicas[1]!.claim('C0ALERTS', 1_000, { now: at(999) })).toEqual({ granted: false, waitMs: 1 });
      expect(await replicas[2]!.claim('C0ALERTS', 1_000, { now: at(1_000) })).toEqual({ granted: true, at: at(1_000), token: expect.any(String) });
      expect(await replicas[0]!.claim('C0ALERTS', 1_000, { now: at(1_500) })).toEqual({ granted: false, waitMs: 500 });
      // Another channel has its own pace.
      expect(await replicas[0]!.claim('C0OTHER', 1_000, { now: at(1_500) })).toEqual({ granted: true, at: at(1_500), token: expect.any(String) });
    });

    it('without a "now" the store clock is used: claims racing from three connections are granted at least the interval apart', async () => {
      const replicas = await three();
      const grants: number[] = [];
      const before = Date.now();
      // Each connection claims, and when refused waits what it was told, until 15 grants are handed out.
      await Promise.all(
        replicas.map(async (r) => {
          while (grants.length < 15) {
            const claim = await r.claim('app:tier3', 40);
            if (claim.granted) grants.push(claim.at.getTime());
            else await new Promise((resolve) => setTimeout(resolve, claim.waitMs));
          }
        }),
      );
      const sorted = [...grants].sort((x, y) => x - y);
      expect(new Set(sorted).size).toBe(grants.length);
      const gaps = sorted.slice(1).map((t, k) => t - sorted[k]!);
      expect(Math.min(...gaps), `gaps ${gaps.join(', ')}`).toBeGreaterThanOrEqual(40);
      // The store's clock is this machine's (a local server): the first grant is about now.
      expect(Math.abs(sorted[0]! - before)).toBeLessThan(5_000);
    });

    it('a back-off (429 Retry-After) holds every connection off, and is never pulled earlier', async () => {
      const [a, b, c] = await three();
      expect((await a!.claim('C0ALERTS', 1_000, { now: t0 })).granted).toBe(true);
      await a!.backOff('C0ALERTS', at(60_000));
      expect(await b!.claim('C0ALERTS', 1_000, { now: at(2_000) })).toEqual({ granted: false, waitMs: 58_000 });
      await b!.backOff('C0ALERTS', at(10_000));
      expect(await c!.claim('C0ALERTS', 1_000, { now: at(59_999) })).toEqual({ granted: false, waitMs: 1 });
      expect(await c!.claim('C0ALERTS', 1_000, { now: at(60_000) })).toEqual({ granted: true, at: at(60_000), token: expect.any(String) });
      // A key nobody claimed yet (a method's 429): the back-off alone creates its pace, interval 0 after it.
      await c!.backOff('app:users.info', at(30_000));
      expect(await a!.claim('app:users.info', 0, { now: t0 })).toEqual({ granted: false, waitMs: 30_000 });
      expect(await a!.claim('app:users.info', 0, { now: at(30_000) })).toEqual({ granted: true, at: at(30_000), token: expect.any(String) });
      expect(await b!.claim('app:users.info', 0, { now: at(30_000) })).toEqual({ granted: true, at: at(30_000), token: expect.any(String) });
    });

    it('a claim with a hold keeps the key until its answer releases it (interval from the answer), or until the hold runs out', async () => {
      const [a, b] = await three();
      const held = await a!.claim('C0ALERTS', 1_000, { now: t0, holdMs: 2_000 });
      if (!held.granted) throw new Error('not granted');
      expect(await b!.claim('C0ALERTS', 1_000, { now: at(1_000) })).toEqual({ granted: false, waitMs: 2_000 });
      // Answered 300 ms after it left: the next call one interval after the answer, sooner than the hold.
      await a!.release('C0ALERTS', held.token, 1_000, at(300));
      expect(await b!.claim('C0ALERTS', 1_000, { now: at(1_299) })).toEqual({ granted: false, waitMs: 1 });
      const next = await b!.claim('C0ALERTS', 1_000, { now: at(1_300), holdMs: 2_000 });
      expect(next).toMatchObject({ granted: true, at: at(1_300) });
      // A token that no longer holds the key (released already) changes nothing.
      await a!.release('C0ALERTS', held.token, 1_000, at(1_400));
      expect(await a!.claim('C0ALERTS', 1_000, { now: at(2_400) })).toEqual({ granted: false, waitMs: 1_900 });
      // The holder died: the hold runs out by itself, and its late release cannot pull the next holder's key in.
      const taken = await a!.claim('C0ALERTS', 1_000, { now: at(4_300), holdMs: 2_000 });
      expect(taken.granted).toBe(true);
      if (next.granted) await b!.release('C0ALERTS', next.token, 1_000, at(4_400));
      expect(await b!.claim('C0ALERTS', 1_000, { now: at(5_400) })).toEqual({ granted: false, waitMs: 1_900 });
    });

    it('a back-off during a hold is not pulled in by the answer', async () => {
      const [a, b] = await three();
      const held = await a!.claim('C0ALERTS', 1_000, { now: t0, holdMs: 2_000 });
      if (!held.granted) throw new Error('not granted');
      await b!.backOff('C0ALERTS', at(2_500)); // earlier than the hold (3 s): the hold's end stays
      await a!.release('C0ALERTS', held.token, 1_000, at(100));
      expect(await b!.claim('C0ALERTS', 1_000, { now: at(1_100) })).toEqual({ granted: false, waitMs: 1_900 });
    });

    it('a relative back-off is measured on the store clock and seen by the others', async () => {
      const [a, b] = await three();
      await a!.backOff('C0ALERTS', { afterMs: 5_000 });
      const claim = await b!.claim('C0ALERTS', 1_000);
      expect(claim.granted).toBe(false);
      if (claim.granted) return;
      expect(claim.waitMs).toBeGreaterThan(3_000);
      expect(claim.waitMs).toBeLessThanOrEqual(5_000);
    });

    it('refuses an empty key, a negative interval or a negative hold', async () => {
      const [a] = await three();
      await expect(a!.claim('', 1_000, { now: t0 })).rejects.toThrow(/empty Slack pace key/);
      await expect(a!.claim('C1', -1, { now: t0 })).rejects.toThrow(/bad Slack pace interval/);
      await expect(a!.claim('C1', 1_000, { now: t0, holdMs: -5 })).rejects.toThrow(/bad Slack pace hold/);
    });
  });
}
