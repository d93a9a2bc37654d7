import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/ops/clock';
import { createLogger } from '../../src/ops/logger';
import { SlackQueue } from '../../src/slack/slack-queue';
import { FakeClock } from '../harness/fake-clock';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';

describe('SlackQueue', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack();
    client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(async () => fake.close());

  const queue = (channelIntervalMs = 0, concurrency = 1, clock: Clock = systemClock) =>
    new SlackQueue(client, { channelIntervalMs, concurrency, maxRetries: 3, log: createLogger('silent'), clock });

  // Timing on a fake clock (the HTTP to the fake Slack stays real): the queue waits exactly until the deadline.
  it('honours 429 Retry-After by pausing, then sends: nothing dropped', async () => {
    fake.reset();
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const clock = new FakeClock(Date.now());
    const q = queue(0, 1, clock);
    const result = q.send({ method: 'chat.postMessage', args: { channel: 'C1', text: 'hello' }, priority: 'status', channel: 'C1' });
    await fake.waitFor(() => fake.calls('chat.postMessage')[0]);
    await waitUntil(() => q.size() === 1);
    await clock.advance(999);
    expect(q.size()).toBe(1);
    expect(fake.calls('chat.postMessage')).toHaveLength(1);
    await clock.advance(1);
    expect((await result).ok).toBe(true);
    expect(fake.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    q.close();
  });

  it('sends pages before status before details when calls wait', async () => {
    fake.reset();
    const q = queue(0, 1);
    const sent = [
      q.send({ method: 'chat.postMessage', args: { channel: 'C2', text: 'first (already running)' }, priority: 'detail' }),
      q.send({ method: 'chat.postMessage', args: { channel: 'C2', text: 'detail' }, priority: 'detail' }),
      q.send({ method: 'chat.postMessage', args: { channel: 'C2', text: 'status' }, priority: 'status' }),
      q.send({ method: 'chat.postMessage', args: { channel: 'C2', text: 'page' }, priority: 'page' }),
    ];
    await Promise.all(sent);
    expect(fake.calls('chat.postMessage').map((c) => c.body.text)).toEqual(['first (already running)', 'page', 'status', 'detail']);
    q.close();
  });

  it('coalesces waiting updates of one message to the newest', async () => {
    fake.reset();
    const q = queue(200, 1);
    const posted = await q.send({ method: 'chat.postMessage', args: { channel: 'C3', text: 'v0' }, priority: 'status', channel: 'C3' });
    const updates = [1, 2, 3, 4].map((v) =>
      q.send({
        method: 'chat.update',
        args: { channel: 'C3', ts: posted.ts, text: `v${v}` },
        priority: 'status',
        channel: 'C3',
        coalesceKey: `u:${String(posted.ts)}`,
      }),
    );
    await Promise.all(updates);
    expect(fake.calls('chat.update').map((c) => c.body.text)).toEqual(['v4']);
    expect(fake.messages('C3')[0]!.text).toBe('v4');
    q.close();
  });

  it('paces calls to one channel', async () => {
    fake.reset();
    const clock = new FakeClock(Date.now());
    const q = queue(300, 4, clock);
    const sent = [1, 2, 3].map((i) => q.send({ method: 'chat.postMessage', args: { channel: 'C4', text: `m${i}` }, priority: 'status', channel: 'C4' }));
    // Unpaced, all three would leave at once (concurrency 4); paced, each leaves 300 ms after the previous one
    // was answered (the HTTP is real, the clock is not: each step waits for the answer before moving time).
    await sent[0];
    expect(q.size()).toBe(2);
    await clock.advance(299);
    expect(q.size()).toBe(2);
    await clock.advance(1);
    expect(q.size()).toBe(1);
    await sent[1];
    await clock.advance(299);
    expect(q.size()).toBe(1);
    await clock.advance(1);
    expect(q.size()).toBe(0);
    await Promise.all(sent);
    expect(fake.calls('chat.postMessage').map((c) => c.body.text)).toEqual(['m1', 'm2', 'm3']);
    q.close();
  });

  it('retries a 500, but rejects a Slack error such as channel_not_found at once', async () => {
    fake.reset();
    const q = queue();
    fake.failNext('chat.postMessage', { status: 500 });
    await expect(q.send({ method: 'chat.postMessage', args: { channel: 'C5', text: 'x' }, priority: 'status' })).resolves.toMatchObject({ ok: true });
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(q.send({ method: 'chat.postMessage', args: { channel: 'C5', text: 'y' }, priority: 'status' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    q.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
