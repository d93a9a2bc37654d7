import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackPace } from '../../../src/slack/slack-pace';
import { replicaModules } from './replica-modules';
import type { StoreConnection, StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const times = (slots: { at: Date }[]) => slots.map((s) => s.at.getTime()).sort((x, y) => x - y);

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

    it('three connections reserving 30 slots on one channel at once get 30 distinct slots one interval apart', async () => {
      const replicas = await three();
      const slots = await Promise.all(replicas.flatMap((r) => Array.from({ length: 10 }, () => r.reserve('C0ALERTS', 1_000, t0))));
      expect(times(slots)).toEqual(Array.from({ length: 30 }, (_, k) => t0.getTime() + k * 1_000));
      for (const s of slots) expect(s.waitMs).toBe(s.at.getTime() - t0.getTime());
      // Another channel has its own pace; a later "now" past the reserved ones starts from now.
      expect(await replicas[0]!.reserve('C0OTHER', 1_000, t0)).toEqual({ at: t0, waitMs: 0 });
      expect(await replicas[1]!.reserve('C0OTHER', 1_000, at(5_000))).toEqual({ at: at(5_000), waitMs: 0 });
    });

    it('without a "now" the store clock is used: 30 concurrent slots spaced at least the interval apart', async () => {
      const replicas = await three();
      const before = Date.now();
      const slots = await Promise.all(replicas.flatMap((r) => Array.from({ length: 10 }, () => r.reserve('app:tier3', 40))));
      const after = Date.now();
      const sorted = times(slots);
      expect(new Set(sorted).size).toBe(30);
      for (let k = 1; k < sorted.length; k++) expect(sorted[k]! - sorted[k - 1]!).toBeGreaterThanOrEqual(40);
      // The store's clock is this machine's (a local server): the first slot is about now, the last 29 gaps on.
      expect(Math.abs(sorted[0]! - before)).toBeLessThan(5_000);
      expect(sorted[29]! - sorted[0]!).toBeGreaterThanOrEqual(29 * 40);
      // The wait is measured from the moment of each reservation (between `before` and `after`; 2 ms for rounding).
      for (const s of slots) {
        expect(s.waitMs).toBeGreaterThanOrEqual(Math.max(0, s.at.getTime() - after - 2));
        expect(s.waitMs).toBeLessThanOrEqual(Math.max(0, s.at.getTime() - before) + 2);
      }
    });

    it('a back-off (429 Retry-After) holds every connection off, and is never pulled earlier', async () => {
      const [a, b, c] = await three();
      await a!.reserve('C0ALERTS', 1_000, t0);
      await a!.backOff('C0ALERTS', at(60_000));
      expect(await b!.reserve('C0ALERTS', 1_000, at(2_000))).toEqual({ at: at(60_000), waitMs: 58_000 });
      expect(await c!.reserve('C0ALERTS', 1_000, at(2_000))).toEqual({ at: at(61_000), waitMs: 59_000 });
      await b!.backOff('C0ALERTS', at(10_000));
      expect((await a!.reserve('C0ALERTS', 1_000, at(2_000))).at).toEqual(at(62_000));
      // A key nobody reserved yet: the back-off alone creates its pace.
      await c!.backOff('app:chat.postMessage', at(30_000));
      expect((await a!.reserve('app:chat.postMessage', 1_000, t0)).at).toEqual(at(30_000));
    });

    it('a relative back-off is measured on the store clock and seen by the others', async () => {
      const [a, b] = await three();
      await a!.backOff('C0ALERTS', { afterMs: 5_000 });
      const slot = await b!.reserve('C0ALERTS', 1_000);
      expect(slot.waitMs).toBeGreaterThan(3_000);
      expect(slot.waitMs).toBeLessThanOrEqual(5_000);
      expect(Math.abs(slot.at.getTime() - (Date.now() + 5_000))).toBeLessThan(2_000);
    });

    it('refuses an empty key or a negative interval', async () => {
      const [a] = await three();
      await expect(a!.reserve('', 1_000, t0)).rejects.toThrow(/empty Slack pace key/);
      await expect(a!.reserve('C1', -1, t0)).rejects.toThrow(/bad Slack pace interval/);
    });
  });
}
