import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ops/clock';
import { createLogger } from '../../src/ops/logger';
import { paceOnClock, type PaceClaim, type SlackPace } from '../../src/slack/slack-pace';
import { paceKeyOf, type SlackJob, type SlackMethod, SlackQueue } from '../../src/slack/slack-queue';
import { FakeClock } from '../harness/fake-clock';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { postgresFactory } from '../store/contract/postgres-factory';
import { sqliteFactory } from '../store/contract/sqlite-factory';
import type { StoreConnection, StoreFactory } from '../store/contract/store-factory';

const INTERVAL = 100;
/**
 * Every call claims its channel in the store right before it leaves and holds it until its answer releases
 * it; the next claim, from any queue, is granted an interval after that release. So a departure is at least
 * an interval after the previous call's answer, hence after its departure (2 ms for reading two clocks).
 * (Unshared, two queues send their calls 1-8 ms apart, and the ten calls span about 4 intervals.)
 */
const MIN_GAP = INTERVAL - 2;
const MIN_SPAN = 9 * INTERVAL - 2;
/** A short hold, so a test of an answer that never comes does not wait the production 2 s. */
const HOLD = 200;
/** HTTP arrival at the fake Slack on a loaded machine. */
const JITTER = 15;

/**
 * The Web API client, noting when the queue hands it each call: spacing is asserted on these departure
 * times (the fake's arrival times add the machine's HTTP jitter); the fake Slack still records every call.
 */
class TimedClient extends WebClient {
  readonly departures: { at: number; channel: unknown }[] = [];
  readonly answers: { at: number; channel: unknown }[] = [];
  /** Holds each answer back this long (a slow trip, or a process stopped mid-call). */
  answerDelayMs = 0;
  override async apiCall(method: string, options?: Record<string, unknown>) {
    this.departures.push({ at: Date.now(), channel: options?.channel });
    const answer = await super.apiCall(method, options);
    if (this.answerDelayMs > 0) await new Promise((r) => setTimeout(r, this.answerDelayMs));
    this.answers.push({ at: Date.now(), channel: options?.channel });
    return answer;
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** When the store says the channel's next call may leave (raw read: no claim is made). */
async function storedNextAt(connection: StoreConnection, key: string): Promise<number | undefined> {
  const raw = connection.raw!;
  const row =
    raw.kind === 'sqlite'
      ? (raw.db.prepare('SELECT next_at FROM slack_pace WHERE key = ?').get(key) as { next_at: string } | undefined)
      : await raw.session.one<{ next_at: Date }>('SELECT next_at FROM slack_pace WHERE key = $1', [key]);
  return row ? new Date(row.next_at).getTime() : undefined;
}

/** The store's pace, with `after` run on each claim's answer before the queue sees it (a slow or stalled replica). */
const afterEachClaim =
  (after: (claim: PaceClaim) => Promise<void>) =>
  (pace: SlackPace): SlackPace => ({
    backOff: (key, until) => pace.backOff(key, until),
    release: (key, token, intervalMs) => pace.release(key, token, intervalMs),
    async claim(key, intervalMs, options) {
      const claim = await pace.claim(key, intervalMs, options);
      await after(claim);
      return claim;
    },
  });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sharedPaceSuite(factory: StoreFactory, slackUrl: () => string, fake: () => FakeSlack): void {
  describe(`two Slack queues ("replicas") on one ${factory.name} store`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    const queues: SlackQueue[] = [];
    const departures: { at: number; channel: unknown }[][] = [];
    const replica = async (wrap: (pace: SlackPace) => SlackPace = (pace) => pace) => {
      const connection = await store.open();
      open.push(connection);
      const client = new TimedClient('xoxb-test', { slackApiUrl: slackUrl(), rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      const queue = new SlackQueue(client, {
        channelIntervalMs: INTERVAL,
        concurrency: 4,
        maxRetries: 0,
        log: createLogger('silent'),
        clock: systemClock,
        pace: wrap(connection.store.slackPace),
        answerHoldMs: HOLD,
      });
      queues.push(queue);
      departures.push(client.departures);
      return { connection, queue, client };
    };
    type Replica = Awaited<ReturnType<typeof replica>>;
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

    /** a's call gets a 429 with Retry-After 1 s; resolves once the back-off is in the store for b to see. */
    const limitedThroughA = async (a: Replica, b: Replica, job: SlackJob) => {
      fake().failNext(job.method, { status: 429, retryAfter: 1 });
      const first = a.queue.send(job);
      const limited = await fake().waitFor(() =>
        fake()
          .calls(job.method)
          .find((c) => c.status === 429),
      );
      await waitUntil(async () => ((await storedNextAt(b.connection, paceKeyOf(job))) ?? 0) >= limited.at + 900);
      return { first, limitedAt: limited.at };
    };

    it("hold every replica off a channel after one replica's 429 (Retry-After)", async () => {
      const [a, b] = [await replica(), await replica()];
      const { first, limitedAt } = await limitedThroughA(a, b, {
        method: 'chat.postMessage',
        args: { channel: 'C0LIMIT', text: 'a' },
        priority: 'status',
        channel: 'C0LIMIT',
      });
      await b.queue.send({ method: 'chat.postMessage', args: { channel: 'C0LIMIT', text: 'b' }, priority: 'page', channel: 'C0LIMIT' });
      await first;
      const bCall = fake()
        .calls('chat.postMessage')
        .find((c) => c.body.text === 'b' && c.ok)!;
      expect(bCall.at - limitedAt).toBeGreaterThanOrEqual(1_000 - JITTER);
    });

    it('hold every replica off a method after a 429 on a call without a channel; other methods go on', async () => {
      const [a, b] = [await replica(), await replica()];
      const { first, limitedAt } = await limitedThroughA(a, b, { method: 'users.info', args: { user: 'U0ALICE' }, priority: 'status' });
      const [info, auth] = [
        b.queue.send({ method: 'users.info', args: { user: 'U0BOB' }, priority: 'page' }),
        b.queue.send({ method: 'auth.test' as SlackMethod, args: {}, priority: 'page' }),
      ];
      await auth;
      expect(
        fake()
          .calls('users.info')
          .filter((c) => c.ok),
      ).toHaveLength(0); // auth.test went while users.info waits
      await Promise.all([info, first]);
      const bobCall = fake()
        .calls('users.info')
        .find((c) => c.body.user === 'U0BOB' && c.ok)!;
      expect(bobCall.at - limitedAt).toBeGreaterThanOrEqual(1_000 - JITTER);
    });

    it("send a channel's next call (any replica) no sooner than an interval after the previous call was answered", async () => {
      const [a, b] = [await replica(), await replica()];
      a.client.answerDelayMs = INTERVAL + HOLD / 2; // a's call arrives at Slack some time before its answer comes back (within the hold)
      const first = a.queue.send({ method: 'chat.postMessage', args: { channel: 'C0SLOWTRIP', text: 'a' }, priority: 'status', channel: 'C0SLOWTRIP' });
      await waitUntil(() => a.client.departures.length === 1);
      await b.queue.send({ method: 'chat.postMessage', args: { channel: 'C0SLOWTRIP', text: 'b' }, priority: 'page', channel: 'C0SLOWTRIP' });
      await first;
      const answered = a.client.answers[0]!.at;
      const left = b.client.departures[0]!.at;
      // Departure-paced, b would have left an interval after a did, possibly before a's call had arrived.
      expect(left - answered).toBeGreaterThanOrEqual(INTERVAL - 2);
    });

    it('merge a refused update into a newer update of the same message queued meanwhile: only the newest is sent', async () => {
      let refused: () => void = () => undefined;
      const wasRefused = new Promise<void>((resolve) => {
        refused = resolve;
      });
      let letGo: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        letGo = resolve;
      });
      const a = await replica(
        afterEachClaim(async (claim) => {
          if (claim.granted) return;
          refused();
          await gate; // the refusal is on its way back while the caller queues a newer update
        }),
      );
      const b = await replica();
      const posted = await a.queue.send({ method: 'chat.postMessage', args: { channel: 'C0COAL', text: 'v0' }, priority: 'status', channel: 'C0COAL' });
      b.client.answerDelayMs = INTERVAL + HOLD / 2; // b holds the channel while a's update is refused
      const held = b.queue.send({ method: 'chat.postMessage', args: { channel: 'C0COAL', text: 'b' }, priority: 'status', channel: 'C0COAL' });
      await waitUntil(() => b.client.departures.length === 1);
      const update = (text: string) =>
        a.queue.send({ method: 'chat.update', args: { channel: 'C0COAL', ts: posted.ts, text }, priority: 'status', channel: 'C0COAL', coalesceKey: 'u' });
      const first = update('v1');
      await wasRefused;
      const second = update('v2');
      letGo();
      await Promise.all([first, second, held]);
      expect(
        fake()
          .calls('chat.update')
          .map((c) => c.body.text),
      ).toEqual(['v2']);
    });

    it('use a grant that came back late but within its hold: the key is still ours, nothing waits for the hold', async () => {
      const claims: PaceClaim[] = [];
      const busy = await replica(
        afterEachClaim(async (claim) => {
          claims.push(claim);
          await sleep(INTERVAL); // a busy event loop: a whole interval late
        }),
      );
      const began = Date.now();
      await busy.queue.send({ method: 'chat.postMessage', args: { channel: 'C0BUSY', text: 'x' }, priority: 'page', channel: 'C0BUSY' });
      expect(claims).toHaveLength(1);
      expect(Date.now() - began).toBeLessThan(INTERVAL + HOLD);
    });

    it('give up a grant that came back after its hold ran out (a stalled replica) once, and claim afresh', async () => {
      const claims: PaceClaim[] = [];
      const stalled = await replica(
        afterEachClaim(async (claim) => {
          claims.push(claim);
          if (claims.length === 1) await sleep(INTERVAL + HOLD + 50); // the first grant arrives after its hold ran out
        }),
      );
      await stalled.queue.send({ method: 'chat.postMessage', args: { channel: 'C0STALL', text: 'late' }, priority: 'page', channel: 'C0STALL' });
      // The first grant was not used: the call left on a later claim, at least an interval after it.
      expect(claims[0]).toMatchObject({ granted: true });
      const used = claims.at(-1)!;
      expect(claims.length).toBeGreaterThanOrEqual(2);
      expect(used.granted && claims[0]!.granted && used.at.getTime() - claims[0]!.at.getTime()).toBeGreaterThanOrEqual(INTERVAL);
      expect(
        fake()
          .calls('chat.postMessage')
          .filter((c) => c.body.channel === 'C0STALL'),
      ).toHaveLength(1);
    });

    it('use the second grant that came back too late: a store that slow every time still lets calls out', async () => {
      const slow = await replica(afterEachClaim(() => sleep(INTERVAL + HOLD + 50)));
      await Promise.all(
        [1, 2].map((k) => slow.queue.send({ method: 'chat.postMessage', args: { channel: 'C0SLOW', text: `m${k}` }, priority: 'status', channel: 'C0SLOW' })),
      );
      expect(
        fake()
          .calls('chat.postMessage')
          .filter((c) => c.body.channel === 'C0SLOW' && c.ok),
      ).toHaveLength(2);
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
    await connection.close(); // every claim now fails
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

  it("keeps a channel's pace across a restart of the single SQLite process (the pace is in the file, on its clock)", async () => {
    fake.reset();
    const store = await sqliteFactory.create();
    const clock = new FakeClock(Date.parse('2026-11-29T12:00:00Z'));
    const start = async () => {
      const connection = await store.open();
      const client = new TimedClient('xoxb-test', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      const queue = new SlackQueue(client, {
        channelIntervalMs: 1_000,
        concurrency: 4,
        maxRetries: 0,
        log: createLogger('silent'),
        clock,
        pace: paceOnClock(connection.store.slackPace, () => clock.now()),
      });
      return { connection, queue };
    };
    const before = await start();
    await before.queue.send({ method: 'chat.postMessage', args: { channel: 'C0BOOT', text: 'before' }, priority: 'status', channel: 'C0BOOT' });
    before.queue.close();
    await before.connection.close();
    await clock.advance(300); // restarted 300 ms later: a fresh memory would send at once
    const after = await start();
    const sent = after.queue.send({ method: 'chat.postMessage', args: { channel: 'C0BOOT', text: 'after' }, priority: 'page', channel: 'C0BOOT' });
    await waitUntil(() => clock.pending().length > 0); // refused; waiting out the rest of the interval
    await clock.advance(699);
    expect(fake.calls('chat.postMessage').map((c) => c.body.text)).toEqual(['before']);
    await clock.advance(1);
    await sent;
    expect(fake.calls('chat.postMessage').map((c) => c.body.text)).toEqual(['before', 'after']);
    after.queue.close();
    await after.connection.close();
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
