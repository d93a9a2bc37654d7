import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ops/clock';
import { createLogger } from '../../src/ops/logger';
import { SlackQueue } from '../../src/slack/slack-queue';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { postgresFactory } from '../store/contract/postgres-factory';
import { sqliteFactory } from '../store/contract/sqlite-factory';
import type { StoreConnection, StoreFactory } from '../store/contract/store-factory';

const INTERVAL = 100;
/**
 * The store hands out slots exactly an interval apart (the contract suite checks that). A replica leaves at
 * its slot plus the store's answer time plus at most a quarter interval (a later slot is given up), so on a
 * loaded machine two calls may leave closer than the interval by that much, never at once: unshared, two
 * queues send their calls 1-8 ms apart, and the ten calls span about 4 intervals instead of 9.
 */
const MIN_GAP = INTERVAL / 4;
const MIN_SPAN = 8 * INTERVAL;
/** HTTP arrival at the fake Slack on a loaded machine. */
const JITTER = 15;

/**
 * The Web API client, noting when the queue hands it each call: spacing is asserted on these departure
 * times (the fake's arrival times add the machine's HTTP jitter); the fake Slack still records every call.
 */
class TimedClient extends WebClient {
  readonly departures: { at: number; channel: unknown }[] = [];
  override apiCall(method: string, options?: Record<string, unknown>) {
    this.departures.push({ at: Date.now(), channel: options?.channel });
    return super.apiCall(method, options);
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** When the store holds the channel's next slot (raw read: no reservation is spent). */
async function storedNextAt(connection: StoreConnection, key: string): Promise<number | undefined> {
  const raw = connection.raw!;
  const row =
    raw.kind === 'sqlite'
      ? (raw.db.prepare('SELECT next_at FROM slack_pace WHERE key = ?').get(key) as { next_at: string } | undefined)
      : await raw.session.one<{ next_at: Date }>('SELECT next_at FROM slack_pace WHERE key = $1', [key]);
  return row ? new Date(row.next_at).getTime() : undefined;
}

function sharedPaceSuite(factory: StoreFactory, slackUrl: () => string, fake: () => FakeSlack): void {
  describe(`two Slack queues ("replicas") on one ${factory.name} store`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    const queues: SlackQueue[] = [];
    const departures: { at: number; channel: unknown }[][] = [];
    const replica = async () => {
      const connection = await store.open();
      open.push(connection);
      const client = new TimedClient('xoxb-test', { slackApiUrl: slackUrl(), rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      const queue = new SlackQueue(client, {
        channelIntervalMs: INTERVAL,
        concurrency: 4,
        maxRetries: 0,
        log: createLogger('silent'),
        clock: systemClock,
        pace: connection.store.slackPace,
      });
      queues.push(queue);
      departures.push(client.departures);
      return { connection, queue };
    };
    beforeEach(async () => {
      fake().reset();
      store = await factory.create();
    });
    afterEach(async () => {
      for (const q of queues.splice(0)) q.close();
      departures.length = 0;
      for (const c of open.splice(0)) await c.close();
      await store.destroy();
    });

    it('send to one channel at the shared pace (never together; ten calls span the slots), each in its own priority order', async () => {
      const [a, b] = [await replica(), await replica()];
      const send = (q: SlackQueue, name: string, priority: 'page' | 'detail') =>
        q.send({ method: 'chat.postMessage', args: { channel: 'C0PACE', text: name }, priority, channel: 'C0PACE' });
      const sent = [a, b].flatMap(({ queue }, r) => [
        ...Array.from({ length: 4 }, (_, k) => send(queue, `r${r}-detail-${k}`, 'detail')),
        send(queue, `r${r}-page`, 'page'),
      ]);
      await Promise.all(sent);
      const calls = fake()
        .calls('chat.postMessage')
        .filter((c) => c.body.channel === 'C0PACE');
      expect(calls).toHaveLength(10);
      const times = departures
        .flat()
        .filter((d) => d.channel === 'C0PACE')
        .map((d) => d.at)
        .sort((x, y) => x - y);
      expect(times).toHaveLength(10);
      const gaps = times.slice(1).map((t, k) => t - times[k]!);
      expect(Math.min(...gaps), `gaps ${gaps.join(', ')}`).toBeGreaterThanOrEqual(MIN_GAP);
      expect(times[9]! - times[0]!, `gaps ${gaps.join(', ')}`).toBeGreaterThanOrEqual(MIN_SPAN);
      // Both replicas had a turn before either finished (one pace, shared); within a replica, the page jumps
      // the details queued behind its first call.
      for (const r of [0, 1]) {
        const own = calls.filter((c) => String(c.body.text).startsWith(`r${r}-`)).map((c) => String(c.body.text));
        expect(own.indexOf(`r${r}-page`)).toBeLessThanOrEqual(1);
      }
    });

    it("hold every replica off a channel after one replica's 429 (Retry-After)", async () => {
      const [a, b] = [await replica(), await replica()];
      fake().failNext('chat.postMessage', { status: 429, retryAfter: 1 });
      const first = a.queue.send({ method: 'chat.postMessage', args: { channel: 'C0LIMIT', text: 'a' }, priority: 'status', channel: 'C0LIMIT' });
      const limited = await fake().waitFor(() =>
        fake()
          .calls('chat.postMessage')
          .find((c) => c.status === 429),
      );
      await waitUntil(async () => ((await storedNextAt(b.connection, 'C0LIMIT')) ?? 0) >= limited.at + 900);
      await b.queue.send({ method: 'chat.postMessage', args: { channel: 'C0LIMIT', text: 'b' }, priority: 'page', channel: 'C0LIMIT' });
      await first;
      const bCall = fake()
        .calls('chat.postMessage')
        .find((c) => c.body.text === 'b' && c.ok)!;
      expect(bCall.at - limited.at).toBeGreaterThanOrEqual(1_000 - JITTER);
    });
  });
}

describe('one Slack pace for the app (SlackQueue on store.slackPace)', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => fake?.close());
  sharedPaceSuite(
    sqliteFactory,
    () => fake.apiUrl,
    () => fake,
  );

  it('keeps sending, paced by memory, when the store cannot be reached', async () => {
    fake.reset();
    const store = await sqliteFactory.create();
    const connection = await store.open();
    await connection.close(); // every reservation now fails
    const client = new TimedClient('xoxb-test', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const queue = new SlackQueue(client, {
      channelIntervalMs: INTERVAL,
      concurrency: 4,
      maxRetries: 0,
      log: createLogger('silent'),
      clock: systemClock,
      pace: connection.store.slackPace,
    });
    await Promise.all(
      [1, 2, 3].map((k) => queue.send({ method: 'chat.postMessage', args: { channel: 'C0DOWN', text: `m${k}` }, priority: 'status', channel: 'C0DOWN' })),
    );
    expect(fake.calls('chat.postMessage')).toHaveLength(3);
    const times = client.departures.map((d) => d.at);
    // Memory paces it: a timer never fires early (1 ms of rounding).
    expect(Math.min(times[1]! - times[0]!, times[2]! - times[1]!)).toBeGreaterThanOrEqual(INTERVAL - 1);
    queue.close();
    await store.destroy();
  });

  describe.runIf(requirePostgresOrSkip())('on PostgreSQL', () => {
    let server: RunningPostgres;
    beforeAll(async () => {
      server = await startPostgres();
    }, 30_000);
    afterAll(async () => server?.stop());
    sharedPaceSuite(
      postgresFactory(() => server),
      () => fake.apiUrl,
      () => fake,
    );
  });
});
