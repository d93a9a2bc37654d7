import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger';
import { SlackQueue } from '../../src/slack/slack-queue';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';

describe('SlackQueue', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack();
    client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(async () => fake.close());

  const queue = (channelIntervalMs = 0, concurrency = 1) => new SlackQueue(client, { channelIntervalMs, concurrency, maxRetries: 3, log: createLogger('silent') });

  it('honours 429 Retry-After by pausing, then sends: nothing dropped', async () => {
    fake.reset();
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const q = queue();
    const started = Date.now();
    const result = await q.send({ method: 'chat.postMessage', args: { channel: 'C1', text: 'hello' }, priority: 'status', channel: 'C1' });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
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
      q.send({ method: 'chat.update', args: { channel: 'C3', ts: posted.ts, text: `v${v}` }, priority: 'status', channel: 'C3', coalesceKey: `u:${String(posted.ts)}` }),
    );
    await Promise.all(updates);
    expect(fake.calls('chat.update').map((c) => c.body.text)).toEqual(['v4']);
    expect(fake.messages('C3')[0]!.text).toBe('v4');
    q.close();
  });

  it('paces calls to one channel', async () => {
    fake.reset();
    const q = queue(300, 4);
    await Promise.all([1, 2, 3].map((i) => q.send({ method: 'chat.postMessage', args: { channel: 'C4', text: `m${i}` }, priority: 'status', channel: 'C4' })));
    // Measured where the calls arrive, so allow for each request's own transit time; unpaced, they arrive together.
    const at = fake.calls('chat.postMessage').map((c) => c.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(200);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(200);
    q.close();
  });

  it('retries a 500, but rejects a Slack error such as channel_not_found at once', async () => {
    fake.reset();
    const q = queue();
    fake.failNext('chat.postMessage', { status: 500 });
    await expect(q.send({ method: 'chat.postMessage', args: { channel: 'C5', text: 'x' }, priority: 'status' })).resolves.toMatchObject({ ok: true });
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(q.send({ method: 'chat.postMessage', args: { channel: 'C5', text: 'y' }, priority: 'status' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    q.close();
  });
});
