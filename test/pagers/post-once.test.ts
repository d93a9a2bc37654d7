import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ops/clock';
import { createLogger } from '../../src/ops/logger';
import { postOnce, type PostOnceRequest } from '../../src/pagers/post-once';
import { createSlackDirectory } from '../../src/pagers/slack-directory';
import { createSlackChat } from '../../src/slack/slack-chat';
import { SlackQueue } from '../../src/slack/slack-queue';
import { section } from '../../src/render/blocks';
import type { KnownBlock, View } from '../../src/surfaces/view';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { postgresFactory } from '../store/contract/postgres-factory';
import { sqliteFactory } from '../store/contract/sqlite-factory';
import type { StoreConnection, StoreFactory } from '../store/contract/store-factory';

const CHANNEL = 'C0ALERTS';
const MARKER = 'page:inc-race:header';
const view = (who: string): View => ({ text: `Escalation header (${who})`, blocks: [{ ...section(`header by ${who}`), block_id: MARKER } as KnownBlock] });

/** Expires a holder's claim the way a SIGSTOP past its lease does (raw write: its renewer is frozen too). */
async function expireClaim(connection: StoreConnection, key: string): Promise<void> {
  const raw = connection.raw!;
  if (raw.kind === 'sqlite') raw.db.prepare("UPDATE post_claims SET lease_until = '2000-01-01T00:00:00.000Z' WHERE key = ?").run(key);
  else await raw.session.run("UPDATE post_claims SET lease_until = clock_timestamp() - interval '1 second' WHERE key = $1", [key]);
}

function postOnceSuite(factory: StoreFactory, fake: () => FakeSlack): void {
  describe(`a thread header posted once by replicas on one ${factory.name} store`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const queues: SlackQueue[] = [];
    const replica = async (owner: string) => {
      const connection = await store.open();
      const client = new WebClient('xoxb-test', { slackApiUrl: fake().apiUrl, retryConfig: { retries: 0 } });
      // The shared pace makes every post wait for its slot: the window in which a second poster would slip in.
      const queue = new SlackQueue(client, {
        channelIntervalMs: 200,
        concurrency: 4,
        maxRetries: 0,
        log: createLogger('silent'),
        clock: systemClock,
        pace: connection.store.slackPace,
      });
      queues.push(queue);
      const chat = createSlackChat(queue);
      const deps = {
        claims: connection.store.postClaims,
        lease: { owner, ttlMs: 3_000 },
        now: () => new Date(),
        directory: createSlackDirectory(queue),
        pollMs: 20,
      };
      const request = (post: PostOnceRequest['post']): PostOnceRequest => ({
        key: 'thread:inc-race',
        channel: CHANNEL,
        marker: MARKER,
        sinceMs: Date.now() - 60_000,
        known: async () => undefined,
        post,
      });
      return { connection, chat, deps, request };
    };
    const headers = () =>
      fake()
        .messages(CHANNEL)
        .filter((m) => JSON.stringify(m.blocks ?? []).includes(MARKER));

    beforeEach(async () => {
      fake().reset();
      store = await factory.create();
    });
    afterEach(async () => {
      for (const q of queues.splice(0)) q.close();
      await store.destroy();
    });

    it('three replicas racing: one header, and all three get its ts', async () => {
      const replicas = await Promise.all(['A', 'B', 'C'].map(replica));
      const results = await Promise.all(
        replicas.map((r, i) =>
          postOnce(
            r.deps,
            r.request((beforeSend) => r.chat.post(CHANNEL, view(`R${i}`), { priority: 'page', beforeSend })),
          ),
        ),
      );
      expect(headers()).toHaveLength(1);
      expect(new Set(results.map((r) => r?.message.ts))).toEqual(new Set([headers()[0]!.ts]));
      expect(results.filter((r) => r?.adopted === false)).toHaveLength(1);
    });

    it('a holder that stalled past its lease drops its post when it wakes: the replica that took over posted it', async () => {
      const a = await replica('A');
      const b = await replica('B');
      let posting!: () => void;
      const aPosting = new Promise<void>((r) => (posting = r));
      let wake!: () => void;
      const aWakes = new Promise<void>((r) => (wake = r));
      const aResult = postOnce(
        a.deps,
        a.request(async (beforeSend) => {
          posting();
          await aWakes; // stalled (SIGSTOP) with its header rendered and about to go out
          return a.chat.post(CHANNEL, view('A'), { priority: 'page', beforeSend });
        }),
      );
      await aPosting;
      await expireClaim(a.connection, 'thread:inc-race');
      const bResult = await postOnce(
        b.deps,
        b.request((beforeSend) => b.chat.post(CHANNEL, view('B'), { priority: 'page', beforeSend })),
      );
      expect(bResult).toMatchObject({ adopted: false });
      wake();
      const aFinal = await aResult;
      expect(headers()).toHaveLength(1);
      expect(headers()[0]!.text).toContain('(B)');
      expect(aFinal).toEqual({ message: bResult!.message, adopted: true });
    });
  });
}

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => fake?.close());

postOnceSuite(sqliteFactory, () => fake);

describe.runIf(requirePostgresOrSkip())('on PostgreSQL', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());
  postOnceSuite(
    postgresFactory(() => server),
    () => fake,
  );
});
